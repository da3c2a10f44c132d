//! `steward scan --lockfile FILE --feeds DIR --json` agrees with `cargo audit`.
//!
//! For every Cargo.lock in the shared test data, the (RUSTSEC id, crate, version) triples
//! Steward reports equal those of the reference `cargo audit` answer kept beside them —
//! vulnerabilities, unmaintained and unsound warnings each compared on their own. Steward
//! reads the RustSec advisories from the data's feed mirror (their OSV export); cargo-audit
//! read the native database of the same commit.
//!
//! The data directory is `STEWARD_TEST_DATA`, else `shared/data` beside the workspace root;
//! the test fails, saying so, when it is absent.

#![expect(
    clippy::unwrap_used,
    reason = "a test helper that fails should fail the test loudly"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// (advisory id, crate, version).
type Triple = (String, String, String);

/// The kinds kept apart, with where cargo-audit's JSON lists each.
const KINDS: [(&str, &str); 3] = [
    ("vulnerability", "/vulnerabilities/list"),
    ("unmaintained", "/warnings/unmaintained"),
    ("unsound", "/warnings/unsound"),
];

fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("lockfiles/rust").is_dir(),
        "test data {} is absent: set STEWARD_TEST_DATA to the shared data directory",
        dir.display()
    );
    dir
}

/// Steward's findings for one lockfile, as triples per kind (advisory by advisory, since one
/// finding may join advisories of different kinds through an alias).
fn steward_findings(lockfile: &Path, feeds: &Path) -> Vec<BTreeSet<Triple>> {
    let output = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["scan", "--json", "--lockfile"])
        .arg(lockfile)
        .arg("--feeds")
        .arg(feeds)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "steward scan failed on {}: {}",
        lockfile.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    let mut sets = vec![BTreeSet::new(); KINDS.len()];
    for finding in report["findings"].as_array().unwrap() {
        let package = finding["package"].as_str().unwrap();
        let version = finding["version"].as_str().unwrap();
        for advisory in finding["advisories"].as_array().unwrap() {
            let id = advisory["id"].as_str().unwrap();
            let kind = advisory["kind"].as_str().unwrap();
            let Some(slot) = KINDS.iter().position(|(k, _)| *k == kind) else {
                continue;
            };
            if id.starts_with("RUSTSEC-") {
                sets[slot].insert((id.to_owned(), package.to_owned(), version.to_owned()));
            }
        }
    }
    sets
}

/// cargo-audit's answer, as triples per kind.
fn cargo_audit_findings(answer: &Path) -> Vec<BTreeSet<Triple>> {
    let text = std::fs::read_to_string(answer).unwrap();
    let answer: Value = serde_json::from_str(&text).unwrap();
    KINDS
        .iter()
        .map(|(_, pointer)| {
            let entries = answer.pointer(pointer).and_then(Value::as_array);
            entries
                .into_iter()
                .flatten()
                .map(|entry| {
                    let field = |p: &str| entry.pointer(p).and_then(Value::as_str).unwrap();
                    let id = field("/advisory/id").to_owned();
                    (
                        id,
                        field("/package/name").to_owned(),
                        field("/package/version").to_owned(),
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn scan_lockfile_reports_what_cargo_audit_reports() {
    let data = data_dir();
    let answers = data.join("lockfiles/reference-results/cargo-audit");
    let mut lockfiles: Vec<PathBuf> = std::fs::read_dir(data.join("lockfiles/rust"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with("Cargo.lock"))
        .collect();
    lockfiles.sort();
    assert!(!lockfiles.is_empty(), "no Cargo.lock in {}", data.display());

    let mut disagreements = Vec::new();
    for lockfile in &lockfiles {
        let name = lockfile.file_name().unwrap().to_string_lossy();
        let stem = name.trim_end_matches(".lock");
        let answer = answers.join(format!("{stem}.cargo-audit.json"));
        assert!(
            answer.is_file(),
            "no cargo-audit answer {}",
            answer.display()
        );

        let expected = cargo_audit_findings(&answer);
        let found = steward_findings(lockfile, &data);
        for (slot, (kind, _)) in KINDS.iter().enumerate() {
            eprintln!(
                "{name}: {kind}: cargo-audit {}, steward {}",
                expected[slot].len(),
                found[slot].len()
            );
            for missing in expected[slot].difference(&found[slot]) {
                disagreements.push(format!("{name}: {kind} missed: {missing:?}"));
            }
            for extra in found[slot].difference(&expected[slot]) {
                disagreements.push(format!("{name}: {kind} not in cargo-audit: {extra:?}"));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
