//! Pending updates, as the host's package manager sees them in its local metadata.
//!
//! `apt list --upgradable` reads no network but costs far more than the rest of a scan, so its
//! answer is cached in the state directory, keyed by a fingerprint (size and modification
//! time) of every file apt's answer depends on: the package lists, the dpkg status file, and
//! apt's sources and preferences. The command runs again only when that fingerprint changes.
//! The cache file is replaced atomically; a missing or unreadable cache just means a recompute.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use steward_core::inventory::{PendingUpdate, SourceReport};
use steward_formats::ParseError;

use crate::collect::{find_program, report};
use crate::state::{self, StateError};

/// Name of the cache file inside the state directory.
pub const CACHE_FILE: &str = "apt-updates.json";

/// Files and directories whose change can change apt's answer.
pub const APT_FINGERPRINT_ROOTS: &[&str] = &[
    "/var/lib/apt/lists",
    "/var/lib/dpkg/status",
    "/etc/apt/preferences",
    "/etc/apt/preferences.d",
    "/etc/apt/sources.list",
    "/etc/apt/sources.list.d",
];

/// The most directory entries fingerprinted, so a runaway directory cannot stall a scan.
const MAX_FINGERPRINT_ENTRIES: usize = 50_000;

/// Why pending updates could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum UpdatesError {
    /// The command could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The command ran and failed.
    #[error("{program} failed ({status}): {stderr}")]
    Failed {
        /// The program.
        program: PathBuf,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// Its standard error, without apt's CLI-stability warning.
        stderr: String,
    },
    /// The command's output could not be parsed.
    #[error("output of {program}: {source}")]
    Parse {
        /// The program.
        program: PathBuf,
        /// Where the output went wrong.
        source: ParseError,
    },
    /// The cache could not be written.
    #[error(transparent)]
    Cache(#[from] StateError),
}

/// Whether an answer came from the cache or from running the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// The fingerprint matched the cache.
    Cached,
    /// The command ran (no cache, or the fingerprint changed).
    Computed,
}

/// How to ask apt, and where to cache its answer. [`AptProbe::system`] is the real host;
/// tests point it at a fake command and fake lists.
#[derive(Debug, Clone)]
pub struct AptProbe {
    /// The program to run.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Files and directories whose sizes and times form the fingerprint.
    pub fingerprint_roots: Vec<PathBuf>,
    /// The cache file, or `None` to run the command every time.
    pub cache_file: Option<PathBuf>,
}

/// The cache file's content.
#[derive(Serialize, Deserialize)]
struct Cache {
    fingerprint: String,
    updates: Vec<PendingUpdate>,
}

impl AptProbe {
    /// The probe for this host's apt, caching under `state_dir`; `None` when apt is absent.
    pub fn system(state_dir: Option<&Path>) -> Option<AptProbe> {
        Some(AptProbe {
            program: find_program("apt")?,
            args: vec!["list".to_owned(), "--upgradable".to_owned()],
            fingerprint_roots: APT_FINGERPRINT_ROOTS.iter().map(PathBuf::from).collect(),
            cache_file: state_dir.map(|dir| dir.join(CACHE_FILE)),
        })
    }

    /// The pending updates, from the cache when the fingerprint still matches.
    pub fn pending_updates(&self) -> Result<(Vec<PendingUpdate>, Freshness), UpdatesError> {
        let fingerprint = fingerprint(&self.fingerprint_roots);
        let cached = self.cache_file.as_deref().and_then(read_cache);
        if let Some(cached) = cached.filter(|c| c.fingerprint == fingerprint) {
            return Ok((cached.updates, Freshness::Cached));
        }

        let updates = self.run()?;
        if let Some(path) = &self.cache_file {
            let cache = Cache {
                fingerprint,
                updates,
            };
            let json = serde_json::to_vec(&cache).unwrap_or_default();
            if let Some(dir) = path.parent() {
                state::create_private_dir(dir)?;
            }
            state::write_atomic(path, &json, 0o600)?;
            return Ok((cache.updates, Freshness::Computed));
        }
        Ok((updates, Freshness::Computed))
    }

    fn run(&self) -> Result<Vec<PendingUpdate>, UpdatesError> {
        let program = self.program.clone();
        let output = Command::new(&self.program)
            .args(&self.args)
            .env("LANG", "C")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .map_err(|source| UpdatesError::Spawn {
                program: program.clone(),
                source,
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr)
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("WARNING: apt does not have"))
                .collect::<Vec<_>>()
                .join(" ");
            return Err(UpdatesError::Failed {
                program,
                status: output.status,
                stderr,
            });
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        steward_formats::apt::parse_upgradable(&stdout)
            .map_err(|source| UpdatesError::Parse { program, source })
    }
}

fn read_cache(path: &Path) -> Option<Cache> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(cache) => Some(cache),
        Err(e) => {
            let path = path.display();
            tracing::debug!(path = %path, error = %e, "ignoring unreadable updates cache");
            None
        }
    }
}

/// SHA-256 over the path, size and modification time of every file under `roots`.
pub fn fingerprint(roots: &[PathBuf]) -> String {
    let mut entries = Vec::new();
    for root in roots {
        collect_entries(root, 0, &mut entries);
    }
    entries.sort();
    let mut hasher = Sha256::new();
    for entry in &entries {
        hasher.update(entry.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

fn collect_entries(path: &Path, depth: usize, out: &mut Vec<String>) {
    if out.len() >= MAX_FINGERPRINT_ENTRIES {
        return;
    }
    let Ok(meta) = std::fs::metadata(path) else {
        out.push(format!("{}\0absent", path.display()));
        return;
    };
    if meta.is_dir() {
        // apt keeps lists one level deep (`partial/`, `auxfiles/`); deeper is not apt's.
        if depth > 1 {
            return;
        }
        let Ok(children) = std::fs::read_dir(path) else {
            out.push(format!("{}\0unreadable", path.display()));
            return;
        };
        for child in children.flatten() {
            collect_entries(&child.path(), depth + 1, out);
        }
        return;
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    out.push(format!("{}\0{}\0{mtime}", path.display(), meta.len()));
}

/// Pending updates of this host, with the report of the `updates` source.
pub fn collect_updates(state_dir: Option<&Path>) -> (Vec<PendingUpdate>, SourceReport) {
    let Some(probe) = AptProbe::system(state_dir) else {
        if let Some(dnf) = find_program("dnf").or_else(|| find_program("yum")) {
            let detail = "pending updates from dnf/yum are not collected by this agent version";
            return (Vec::new(), report::unreadable("updates", dnf, detail));
        }
        return (
            Vec::new(),
            report::absent("updates", "no supported package manager (apt)"),
        );
    };
    match probe.pending_updates() {
        Ok((updates, _)) => {
            let security = updates.iter().filter(|u| u.security).count();
            let detail = format!("apt: {} pending, {security} from security", updates.len());
            (updates, report::ok("updates", detail))
        }
        Err(e) => (Vec::new(), report::unreadable("updates", &probe.program, e)),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// A fake `apt` that counts its runs and prints a fixed list.
    fn fake_apt(dir: &Path) -> PathBuf {
        let script = dir.join("apt");
        let body = format!(
            "#!/bin/sh\necho run >> {}\necho 'WARNING: apt does not have a stable CLI interface.' >&2\n\
             echo 'Listing...'\necho 'apt/oldstable-security 2.6.2 amd64 [upgradable from: 2.6.1]'\n",
            dir.join("runs").display()
        );
        fs::write(&script, body).unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        script
    }

    fn runs(dir: &Path) -> usize {
        fs::read_to_string(dir.join("runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    #[test]
    fn cache_is_reused_until_the_lists_change() {
        let dir = tempfile::tempdir().unwrap();
        let lists = dir.path().join("lists");
        fs::create_dir(&lists).unwrap();
        fs::write(lists.join("deb_bookworm_Packages"), "one").unwrap();
        let probe = AptProbe {
            program: fake_apt(dir.path()),
            args: vec!["list".into(), "--upgradable".into()],
            fingerprint_roots: vec![lists.clone(), dir.path().join("status")],
            cache_file: Some(dir.path().join("state").join(CACHE_FILE)),
        };

        let (first, freshness) = probe.pending_updates().unwrap();
        assert_eq!(freshness, Freshness::Computed);
        assert_eq!(first.len(), 1);
        assert!(first[0].security);

        let (second, freshness) = probe.pending_updates().unwrap();
        assert_eq!(freshness, Freshness::Cached);
        assert_eq!(second, first);
        assert_eq!(runs(dir.path()), 1);

        fs::write(lists.join("deb_bookworm_Packages"), "one, grown").unwrap();
        assert_eq!(probe.pending_updates().unwrap().1, Freshness::Computed);
        fs::write(dir.path().join("status"), "now present").unwrap();
        assert_eq!(probe.pending_updates().unwrap().1, Freshness::Computed);
        assert_eq!(probe.pending_updates().unwrap().1, Freshness::Cached);
        assert_eq!(runs(dir.path()), 3);
    }

    #[test]
    fn a_corrupt_cache_is_recomputed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join(CACHE_FILE);
        fs::write(&cache, "{not json").unwrap();
        let probe = AptProbe {
            program: fake_apt(dir.path()),
            args: Vec::new(),
            fingerprint_roots: vec![dir.path().join("lists")],
            cache_file: Some(cache),
        };
        assert_eq!(probe.pending_updates().unwrap().1, Freshness::Computed);
        assert_eq!(probe.pending_updates().unwrap().1, Freshness::Cached);
    }

    #[test]
    fn a_failing_command_reports_its_stderr() {
        let probe = AptProbe {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".into(), "echo 'E: broken lists' >&2; exit 100".into()],
            fingerprint_roots: Vec::new(),
            cache_file: None,
        };
        let err = probe.pending_updates().unwrap_err().to_string();
        assert_eq!(err, "/bin/sh failed (exit status: 100): E: broken lists");
    }
}
