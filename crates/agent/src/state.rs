//! The agent's state directory: atomic file writes and the per-host credential.
//!
//! Everything the agent keeps between runs (the credential, the updates cache, the spool)
//! lives under one directory. Files are replaced atomically (written beside their final name,
//! flushed, then renamed), so a crash or power loss leaves either the old or the new content,
//! never a torn file.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The state directory used when none is configured.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/steward-agent";

/// A failure to read or write a file of the state directory.
#[derive(Debug, thiserror::Error)]
#[error("{action} {path}: {source}")]
pub struct StateError {
    /// What was being done (`cannot write`, `cannot read`).
    pub action: &'static str,
    /// The file or directory involved.
    pub path: PathBuf,
    /// The operating system's error.
    pub source: std::io::Error,
}

impl StateError {
    pub(crate) fn new(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        StateError {
            action,
            path: path.to_owned(),
            source,
        }
    }
}

/// Creates `dir` (and its parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> Result<(), StateError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| StateError::new("cannot create directory", dir, e))
}

/// Replaces `path` with `bytes` atomically, creating the file with permission `mode`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), StateError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let written = write_new(&temp, bytes, mode).and_then(|()| fs::rename(&temp, path));
    if let Err(source) = written {
        // The temporary file is ours alone; leaving it would only waste space.
        let _ = fs::remove_file(&temp);
        return Err(StateError::new("cannot write", path, source));
    }
    if let Some(dir) = path.parent() {
        // Persist the rename itself; a directory that cannot be opened is not worth failing on.
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The credential file of a state directory.
pub fn credential_path(state_dir: &Path) -> PathBuf {
    state_dir.join("credential")
}

/// Reads the stored credential, or `None` before enrollment.
pub fn read_credential(state_dir: &Path) -> Result<Option<String>, StateError> {
    let path = credential_path(state_dir);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().to_owned()).filter(|c| !c.is_empty())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StateError::new("cannot read", &path, e)),
    }
}

/// Stores the credential, readable by the owner only.
pub fn write_credential(state_dir: &Path, credential: &str) -> Result<(), StateError> {
    create_private_dir(state_dir)?;
    write_atomic(&credential_path(state_dir), credential.as_bytes(), 0o600)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn credential_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        assert_eq!(read_credential(&state).unwrap(), None);
        write_credential(&state, "secret-1").unwrap();
        write_credential(&state, "secret-2").unwrap();
        assert_eq!(
            read_credential(&state).unwrap().as_deref(),
            Some("secret-2")
        );
        let mode = fs::metadata(credential_path(&state))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let leftovers: Vec<_> = fs::read_dir(&state).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file remains");
    }
}
