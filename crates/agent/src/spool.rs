//! The on-disk spool: inventory documents waiting for the server.
//!
//! One JSON file per document, named `<sequence>-<document id>.json` with a zero-padded
//! sequence that grows with each push, so the names sort oldest first. Files are written
//! atomically (temporary name, then rename), so a reader never sees half a document. The spool
//! is bounded: past its limit the oldest documents are dropped with a warning, since a newer
//! inventory of the same host supersedes them. A document leaves the spool only when
//! [`Spool::remove`] is called, after the server acknowledged it.

use std::fs;
use std::path::{Path, PathBuf};

use steward_api::agent::InventoryDocument;

use crate::state::{self, StateError};

/// How many documents a spool keeps by default.
pub const DEFAULT_MAX_DOCUMENTS: usize = 100;

/// Suffix of a document the server refused for good, kept aside for an operator to inspect.
pub const REJECTED_SUFFIX: &str = ".rejected";

/// A spool operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// A file or directory of the spool could not be read or written.
    #[error(transparent)]
    Io(#[from] StateError),
    /// A spooled file is not a valid document.
    #[error("{path}: not an inventory document: {source}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What JSON decoding reported.
        source: serde_json::Error,
    },
}

/// A directory of spooled documents.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
    max_documents: usize,
}

/// One spooled document, identified by its file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpoolEntry {
    /// The document's file.
    pub path: PathBuf,
}

impl Spool {
    /// Opens (creating it if needed) the spool in `dir`, keeping at most `max_documents`.
    pub fn open(dir: &Path, max_documents: usize) -> Result<Spool, SpoolError> {
        state::create_private_dir(dir)?;
        Ok(Spool {
            dir: dir.to_owned(),
            max_documents: max_documents.max(1),
        })
    }

    /// The spool's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Adds a document after all others, then drops the oldest ones beyond the bound.
    pub fn push(&self, document: &InventoryDocument) -> Result<SpoolEntry, SpoolError> {
        let entries = self.entries()?;
        let next = entries
            .last()
            .and_then(|e| sequence_of(&e.path))
            .map_or(1, |s| s + 1);
        let id: String = document
            .document_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let path = self.dir.join(format!("{next:020}-{id}.json"));
        let json = serde_json::to_vec(document).unwrap_or_default();
        state::write_atomic(&path, &json, 0o600)?;

        let excess = (entries.len() + 1).saturating_sub(self.max_documents);
        for old in entries.iter().take(excess) {
            tracing::warn!(
                file = %old.path.display(),
                limit = self.max_documents,
                "spool full: dropping the oldest unsent inventory"
            );
            self.remove(old)?;
        }
        Ok(SpoolEntry { path })
    }

    /// Every spooled document, oldest first.
    pub fn entries(&self) -> Result<Vec<SpoolEntry>, SpoolError> {
        let read =
            fs::read_dir(&self.dir).map_err(|e| StateError::new("cannot list", &self.dir, e))?;
        let mut entries: Vec<SpoolEntry> = read
            .flatten()
            .map(|e| e.path())
            .filter(|p| sequence_of(p).is_some())
            .map(|path| SpoolEntry { path })
            .collect();
        entries.sort();
        Ok(entries)
    }

    /// The oldest spooled document, if any.
    pub fn oldest(&self) -> Result<Option<SpoolEntry>, SpoolError> {
        Ok(self.entries()?.into_iter().next())
    }

    /// Reads a spooled document.
    pub fn load(&self, entry: &SpoolEntry) -> Result<InventoryDocument, SpoolError> {
        let bytes =
            fs::read(&entry.path).map_err(|e| StateError::new("cannot read", &entry.path, e))?;
        serde_json::from_slice(&bytes).map_err(|source| SpoolError::Corrupt {
            path: entry.path.clone(),
            source,
        })
    }

    /// Removes a document (after the server acknowledged it).
    pub fn remove(&self, entry: &SpoolEntry) -> Result<(), SpoolError> {
        match fs::remove_file(&entry.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StateError::new("cannot remove", &entry.path, e).into()),
        }
    }

    /// Moves a document the server will never accept (or that cannot be read) out of the
    /// queue, keeping it beside the spool with [`REJECTED_SUFFIX`] for inspection.
    pub fn set_aside(&self, entry: &SpoolEntry) -> Result<PathBuf, SpoolError> {
        let mut target = entry.path.clone().into_os_string();
        target.push(REJECTED_SUFFIX);
        let target = PathBuf::from(target);
        fs::rename(&entry.path, &target)
            .map_err(|e| StateError::new("cannot set aside", &entry.path, e))?;
        Ok(target)
    }
}

/// The sequence number of a spool file name, or `None` for anything else in the directory.
fn sequence_of(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".json")?;
    let (sequence, _id) = stem.split_once('-')?;
    if sequence.len() != 20 {
        return None;
    }
    sequence.parse().ok()
}

#[cfg(test)]
mod tests {
    use steward_core::inventory::Inventory;

    use super::*;

    fn document(id: &str) -> InventoryDocument {
        let at = jiff::Timestamp::UNIX_EPOCH;
        InventoryDocument::complete(id.to_owned(), at, crate::agent_info(), Inventory::default())
    }

    fn ids(spool: &Spool) -> Vec<String> {
        let entries = spool.entries().unwrap();
        entries
            .iter()
            .map(|e| spool.load(e).unwrap().document_id)
            .collect()
    }

    #[test]
    fn documents_come_back_oldest_first_and_leave_only_when_removed() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(&dir.path().join("spool"), 10).unwrap();
        // Ids that sort the other way round: order must follow the pushes, not the ids.
        for id in ["c", "b", "a"] {
            spool.push(&document(id)).unwrap();
        }
        assert_eq!(ids(&spool), ["c", "b", "a"]);

        let oldest = spool.oldest().unwrap().unwrap();
        assert_eq!(spool.load(&oldest).unwrap(), document("c"));
        spool.remove(&oldest).unwrap();
        spool.push(&document("d")).unwrap();
        assert_eq!(ids(&spool), ["b", "a", "d"]);
    }

    #[test]
    fn the_bound_drops_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), 3).unwrap();
        for id in ["1", "2", "3", "4", "5"] {
            spool.push(&document(id)).unwrap();
        }
        assert_eq!(ids(&spool), ["3", "4", "5"]);
    }

    #[test]
    fn temporary_and_foreign_files_are_not_documents() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), 10).unwrap();
        spool.push(&document("a")).unwrap();
        // What a crash in the middle of a write leaves behind, and unrelated files.
        fs::write(
            dir.path().join(".00000000000000000002-b.json.123.tmp"),
            "{\"docu",
        )
        .unwrap();
        fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert_eq!(ids(&spool), ["a"]);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 3);
    }

    #[test]
    fn corrupt_documents_are_reported_and_can_be_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), 10).unwrap();
        let bad = dir.path().join("00000000000000000001-x.json");
        fs::write(&bad, "{}").unwrap();
        let entry = spool.oldest().unwrap().unwrap();
        let err = spool.load(&entry).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{}: not an inventory document", bad.display())),
            "{err}"
        );
        let aside = spool.set_aside(&entry).unwrap();
        assert!(aside.exists());
        assert_eq!(spool.oldest().unwrap(), None);
    }
}
