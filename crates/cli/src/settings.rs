//! Settings: defaults < `steward.toml` < `STEWARD_*` environment < flags.
//!
//! Flags and environment variables are read by clap (each flag names its variable); the file
//! fills what neither gave. Unknown keys in the file are errors, so a typo never silently
//! falls back to a default.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The settings file's contents.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Data directory for the SQLite store and local state.
    pub data_dir: Option<PathBuf>,
    /// Database URL (`sqlite://…` or `postgres://…`), instead of the data directory.
    pub database_url: Option<String>,
    /// Address the server listens on.
    pub listen: Option<String>,
    /// Mark session cookies `Secure` (browsers reach Steward over HTTPS).
    pub secure_cookies: Option<bool>,
    /// PEM certificate chain to serve HTTPS with.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
}

/// Largest settings file read.
const MAX_FILE: u64 = 1024 * 1024;

impl FileSettings {
    /// Reads the settings file: the one named, or `steward.toml` in the working directory if
    /// it exists, or nothing.
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileSettings> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("steward.toml"), false),
        };
        if !required && !path.exists() {
            return Ok(FileSettings::default());
        }
        let size = std::fs::metadata(&path)
            .with_context(|| format!("cannot read settings file {}", path.display()))?
            .len();
        anyhow::ensure!(
            size <= MAX_FILE,
            "settings file {} is larger than 1 MiB",
            path.display()
        );
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read settings file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid settings file {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_that_name_the_key() {
        let err = toml::from_str::<FileSettings>("data_dri = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("data_dri"), "{err}");
    }

    #[test]
    fn known_keys_are_read() {
        let s: FileSettings = toml::from_str("listen = \"0.0.0.0:9000\"").unwrap();
        assert_eq!(s.listen.as_deref(), Some("0.0.0.0:9000"));
    }
}
