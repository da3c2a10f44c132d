//! What the last syncs learnt, kept in `feeds/state.json` in the data directory: each URL's
//! validators (`ETag`, `Last-Modified`) for the next conditional request, and the feeds that
//! were downloaded but not yet imported. Written whole to a temporary file and renamed, so a
//! crash leaves the old state or the new one, never half of either.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Largest state file read; a larger one is treated as damaged.
const MAX_STATE_BYTES: u64 = 16 << 20;

/// The validators a server gave for one URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// The `ETag` header, sent back as `If-None-Match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The `Last-Modified` header, sent back as `If-Modified-Since`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether there is anything to make a request conditional with.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// The state file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncState {
    /// Validators per URL.
    #[serde(default)]
    pub urls: BTreeMap<String, Validators>,
    /// Feeds (by their path in the mirror) downloaded but not yet imported.
    #[serde(default)]
    pub pending_import: Vec<String>,
}

impl SyncState {
    /// Reads the state; a missing file is an empty state, and so is a damaged one (every feed
    /// is then downloaded again), with a warning naming it.
    pub fn load(path: &Path) -> SyncState {
        match read(path) {
            Ok(Some(state)) => state,
            Ok(None) => SyncState::default(),
            Err(err) => {
                tracing::warn!(
                    path = %path.display(),
                    "ignoring the feed sync state, every feed is downloaded again: {err:#}"
                );
                SyncState::default()
            }
        }
    }

    /// Writes the state atomically: a temporary file beside it, flushed, then renamed.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_vec_pretty(self).context("cannot encode the feed sync state")?;
        let temporary = temporary_path(path);
        let written = std::fs::File::create(&temporary).and_then(|mut file| {
            file.write_all(&json)?;
            file.sync_all()
        });
        written.with_context(|| format!("cannot write {}", temporary.display()))?;
        std::fs::rename(&temporary, path)
            .with_context(|| format!("cannot replace {}", path.display()))
    }

    /// Marks a feed as downloaded and waiting for its import.
    pub fn mark_pending(&mut self, feed: &str) {
        if !self.pending_import.iter().any(|f| f == feed) {
            self.pending_import.push(feed.to_owned());
        }
    }

    /// Marks a feed as imported.
    pub fn mark_imported(&mut self, feed: &str) {
        self.pending_import.retain(|f| f != feed);
    }
}

fn read(path: &Path) -> anyhow::Result<Option<SyncState>> {
    let size = match std::fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    anyhow::ensure!(
        size <= MAX_STATE_BYTES,
        "larger than {MAX_STATE_BYTES} bytes"
    );
    let bytes = std::fs::read(path)?;
    Ok(Some(serde_json::from_slice(&bytes)?))
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_a_damaged_file_is_an_empty_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(SyncState::load(&path).urls.is_empty());

        let mut state = SyncState::default();
        state.urls.insert(
            "https://feeds.example/kev.json".into(),
            Validators {
                etag: Some("W/\"1\"".into()),
                last_modified: None,
            },
        );
        state.mark_pending("kev");
        state.save(&path).unwrap();
        let loaded = SyncState::load(&path);
        assert_eq!(loaded.urls, state.urls);
        assert_eq!(loaded.pending_import, ["kev"]);
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file stays behind");

        std::fs::write(&path, b"{\"urls\": ").unwrap();
        assert!(SyncState::load(&path).urls.is_empty());
    }
}
