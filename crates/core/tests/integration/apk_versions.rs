//! Steward's apk ordering on every version named in Alpine's security database.
//!
//! No apk-tools runs here to compare against, so this checks what can be checked without it:
//! every fixed version Alpine published is read, and the order is total (sorting them with
//! Steward's comparison panics if it is not).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken test setup"
)]

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fs;

use steward_core::versions::Scheme;

use crate::version_sources;

/// The version keys under `secfixes:` in the secdb YAML files (`        2.4.35-r0:`).
fn secfix_versions() -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let secdb = version_sources::unpack(
        "advisories-native/alpine-secdb/alpine-secdb-yaml.tar.zst",
        dir.path(),
    );
    let mut versions = BTreeSet::new();
    for entry in walk(&secdb) {
        let text = fs::read_to_string(entry).unwrap();
        for line in text.lines() {
            let trimmed = line.trim();
            if line.starts_with("        ")
                && !trimmed.starts_with('-')
                && let Some(key) = trimmed.strip_suffix(':')
            {
                versions.insert(key.trim_matches(|c| c == '"' || c == '\'').to_owned());
            }
        }
    }
    versions
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "yaml") {
            files.push(path);
        }
    }
    files
}

/// Strings in the secdb that apk-tools itself refuses as versions: a `.` before `-r`, a missing
/// `-r`, a letter followed by digits, a Debian-style revision.
const MALFORMED_IN_SECDB: [&str; 15] = [
    "0.12.5.-r0",
    "0.8.21.r2",
    "1.0.4.-r0",
    "1.11-20-r0",
    "1.18.-r2",
    "1.7.5.-r1",
    "10.2.22.r0",
    "10.2.24.r0",
    "10.2.26.r0",
    "2.15.r-r1",
    "2.7.16-33",
    "4.10-1-r1",
    "4.8.0.-r1",
    "57-1-r2",
    "6.6.2p1-r0",
];

#[test]
fn every_alpine_secfix_version_is_read_and_totally_ordered() {
    let versions = secfix_versions();
    let refused: Vec<&str> = versions
        .iter()
        .map(String::as_str)
        .filter(|v| Scheme::Apk.compare(v, v).is_err())
        .collect();
    println!(
        "Alpine: {} secfix versions, {} refused",
        versions.len(),
        refused.len()
    );
    assert!(
        versions.len() > 1000,
        "too few versions read from the secdb"
    );
    assert_eq!(refused, MALFORMED_IN_SECDB);

    let mut sorted: Vec<&str> = versions
        .iter()
        .map(String::as_str)
        .filter(|v| !refused.contains(v))
        .collect();
    sorted.sort_by(|a, b| Scheme::Apk.compare(a, b).unwrap());
    for pair in sorted.windows(2) {
        let forward = Scheme::Apk.compare(pair[0], pair[1]).unwrap();
        assert_ne!(
            forward,
            Ordering::Greater,
            "{} sorted before {}",
            pair[0],
            pair[1]
        );
        assert_eq!(
            Scheme::Apk.compare(pair[1], pair[0]).unwrap(),
            forward.reverse()
        );
    }
}
