//! Checks a downloaded OSV export before it replaces the previous copy: every entry is
//! decompressed once (so a truncated or corrupt archive, or a checksum mismatch, is caught
//! here rather than at import), entry names must stay inside the archive (no absolute paths,
//! no `..`, no links), and the entry count and decompressed size are bounded. The checked
//! archive is kept as it is: the mirror loader opens zip archives like folders.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path};

use steward_formats::feeds::mirror::{MAX_ARCHIVE_BYTES, MAX_ARCHIVE_ENTRIES};

/// Bounds on one archive.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most entries.
    pub entries: usize,
    /// Most bytes once decompressed, all entries together.
    pub bytes: u64,
}

impl Limits {
    /// The mirror loader's own bounds, so anything accepted here is also loaded.
    pub const MIRROR: Limits = Limits {
        entries: MAX_ARCHIVE_ENTRIES,
        bytes: MAX_ARCHIVE_BYTES,
    };
}

/// What a checked archive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Regular files in it.
    pub files: usize,
    /// Their decompressed size.
    pub bytes: u64,
}

/// Reads the whole zip archive at `path` within `limits`; the error says what is wrong and
/// with which entry.
pub fn check_zip(path: &Path, limits: Limits) -> Result<Checked, String> {
    let file = File::open(path).map_err(|err| format!("cannot open the download: {err}"))?;
    let mut archive = zip::ZipArchive::new(io::BufReader::new(file))
        .map_err(|err| format!("not a zip archive (truncated or corrupt?): {err}"))?;
    if archive.len() > limits.entries {
        return Err(format!(
            "the archive holds {} entries, more than the limit of {}",
            archive.len(),
            limits.entries
        ));
    }

    let mut checked = Checked { files: 0, bytes: 0 };
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|err| format!("entry {index}: {err}"))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if !is_safe_name(&name) || entry.enclosed_name().is_none() {
            return Err(format!("entry {name:?} points outside the archive"));
        }
        if entry.is_symlink() {
            return Err(format!("entry {name:?} is a link"));
        }
        if entry.is_dir() {
            continue;
        }
        let remaining = limits.bytes - checked.bytes;
        if entry.size() > remaining {
            return Err(format!(
                "entry {name:?} declares {} bytes: the archive would exceed the limit of {} \
                 bytes once decompressed",
                entry.size(),
                limits.bytes
            ));
        }
        // Count what really comes out, whatever the header declared.
        let read = io::copy(&mut (&mut entry).take(remaining + 1), &mut io::sink())
            .map_err(|err| format!("entry {name:?}: {err}"))?;
        if read > remaining {
            return Err(format!(
                "the archive exceeds the limit of {} bytes once decompressed",
                limits.bytes
            ));
        }
        checked.files += 1;
        checked.bytes += read;
    }
    Ok(checked)
}

/// A relative path made only of normal components, with no backslashes or NUL bytes.
fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['\\', '\0'])
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
        let mut zip = zip::ZipWriter::new(File::create(path).unwrap());
        for (name, bytes) in entries {
            zip.start_file(*name, SimpleFileOptions::default()).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }

    const LIMITS: Limits = Limits {
        entries: 3,
        bytes: 100,
    };

    #[test]
    fn a_sound_archive_is_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.zip");
        write_zip(
            &path,
            &[("A-1.json", b"{}"), ("sub/A-2.json", b"{\"id\":1}")],
        );
        let checked = check_zip(&path, LIMITS).unwrap();
        assert_eq!(
            checked,
            Checked {
                files: 2,
                bytes: 10
            }
        );
    }

    #[test]
    fn path_traversal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "../evil.json",
            "/etc/evil.json",
            "a/../../evil.json",
            "a\\..\\evil",
        ] {
            let path = dir.path().join("all.zip");
            write_zip(&path, &[(name, b"{}")]);
            let err = check_zip(&path, LIMITS).unwrap_err();
            assert!(err.contains("outside the archive"), "{name}: {err}");
        }
    }

    #[test]
    fn too_many_entries_or_bytes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.zip");
        write_zip(&path, &[("1", b""), ("2", b""), ("3", b""), ("4", b"")]);
        let err = check_zip(&path, LIMITS).unwrap_err();
        assert!(err.contains("4 entries"), "{err}");

        write_zip(&path, &[("1", &[b'x'; 60]), ("2", &[b'y'; 60])]);
        let err = check_zip(&path, LIMITS).unwrap_err();
        assert!(err.contains("\"2\" declares 60 bytes"), "{err}");
    }

    #[test]
    fn truncated_or_corrupt_archives_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.zip");
        write_zip(&path, &[("A-1.json", &[b'x'; 50])]);
        let whole = std::fs::read(&path).unwrap();
        std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
        let err = check_zip(&path, LIMITS).unwrap_err();
        assert!(err.contains("not a zip archive"), "{err}");

        // Flip a byte of the compressed data: the checksum no longer matches.
        let mut corrupt = whole.clone();
        let at = 30 + "A-1.json".len() + 1;
        corrupt[at] ^= 0xff;
        std::fs::write(&path, &corrupt).unwrap();
        assert!(check_zip(&path, LIMITS).is_err());
    }
}
