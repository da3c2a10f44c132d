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
    /// Roles whose users must sign in with a TOTP second factor.
    pub require_totp: Option<Vec<steward_api::access::Role>>,
    /// Where `steward feeds sync` downloads the feeds from (`[feeds]`).
    #[serde(default)]
    pub feeds: FeedsSettings,
    /// Sign-in through the site's directory (`[ldap]`); off when absent.
    pub ldap: Option<steward_server::access::directory::LdapSettings>,
}

/// The `[feeds]` section: the publishers' addresses, so a site can point at its own mirror.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedsSettings {
    /// URL of one OSV ecosystem's export, with `{ecosystem}` where the ecosystem goes.
    pub osv_url: Option<String>,
    /// OSV ecosystems to download (osv.dev's names: `PyPI`, `crates.io`, `Debian`, …).
    pub osv_ecosystems: Option<Vec<String>>,
    /// URL of the CISA KEV catalog (JSON); empty to skip it.
    pub kev_url: Option<String>,
    /// Base URL of endoflife.date's API v1; empty to skip it.
    pub endoflife_url: Option<String>,
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

    #[test]
    fn feeds_section_is_read_and_its_unknown_keys_are_errors() {
        let s: FileSettings =
            toml::from_str("[feeds]\nosv_ecosystems = [\"PyPI\", \"Go\"]\nkev_url = \"\"").unwrap();
        assert_eq!(
            s.feeds.osv_ecosystems,
            Some(vec!["PyPI".into(), "Go".into()])
        );
        assert_eq!(s.feeds.kev_url.as_deref(), Some(""));
        let err = toml::from_str::<FileSettings>("[feeds]\nosv_urls = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("osv_urls"), "{err}");
    }

    #[test]
    fn ldap_section_is_read_and_its_unknown_keys_are_errors() {
        let s: FileSettings = toml::from_str(
            "[ldap]\nurl = \"ldap://ldap.example.org\"\nuser_base = \"ou=people,dc=example\"\n\
             [ldap.roles]\noperator = [\"cn=ops,ou=groups,dc=example\"]",
        )
        .unwrap();
        let ldap = s.ldap.unwrap();
        assert_eq!(ldap.url, "ldap://ldap.example.org");
        assert_eq!(ldap.user_filter, "(uid={user})");
        assert_eq!(ldap.roles.operator, vec!["cn=ops,ou=groups,dc=example"]);
        let err = toml::from_str::<FileSettings>("[ldap]\nurl = \"ldap://x\"\nbase = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("base"), "{err}");
        let err =
            toml::from_str::<FileSettings>("[ldap]\nurl = \"ldap://x\"\n[ldap.roles]\nadmin = []")
                .unwrap_err()
                .to_string();
        assert!(err.contains("admin"), "{err}");
    }
}
