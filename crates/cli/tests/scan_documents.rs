//! `steward scan --lockfile` and `--sbom` on the shared data's documents other than
//! `Cargo.lock` (which `lockfile_audit.rs` checks against cargo-audit): a pip requirements
//! file and a CycloneDX SBOM against the PyPA advisories, from a feed mirror and from a store
//! the same advisories were imported into, which must agree.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const STEWARD: &str = env!("CARGO_BIN_EXE_steward");

fn data(relative: &str) -> PathBuf {
    let root = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let path = root.join(relative);
    assert!(
        path.exists(),
        "test data {} is absent: set STEWARD_TEST_DATA to the shared data directory",
        path.display()
    );
    path
}

fn steward(args: &[&str]) -> Output {
    Command::new(STEWARD)
        .args(args)
        .env_remove("STEWARD_DATA_DIR")
        .env_remove("STEWARD_DATABASE_URL")
        .output()
        .unwrap()
}

/// (advisory id, package, version) of every finding of a `--json` report.
fn findings(output: &Output) -> BTreeSet<(String, String, String)> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let package = f["package"].as_str().unwrap().to_owned();
            let version = f["version"].as_str().unwrap().to_owned();
            f["ids"].as_array().unwrap().iter().map(move |id| {
                (
                    id.as_str().unwrap().to_owned(),
                    package.clone(),
                    version.clone(),
                )
            })
        })
        .collect()
}

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn requirements_and_an_sbom_are_assessed_from_a_mirror_and_from_a_store_alike() {
    let pypa = data("osv/pypa");
    let requirements = data("lockfiles/python/pygoat-requirements-2021-09.txt");
    let sbom = data("sbom/generated/cyclonedx-py-requirements-pygoat.cdx.json");

    // The requirements file: pinned packages matched, unpinned ones listed with their line.
    let mirror = steward(&[
        "scan",
        "--json",
        "--lockfile",
        path_arg(&requirements),
        "--feeds",
        path_arg(&pypa),
    ]);
    let from_mirror = findings(&mirror);
    let expected: BTreeSet<(String, String, String)> = [
        ("PYSEC-2021-439", "Django", "3.1.13"),
        ("PYSEC-2023-87", "sqlparse", "0.3.1"),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(from_mirror, expected);
    let report: Value = serde_json::from_slice(&mirror.stdout).unwrap();
    assert_eq!(report["packages"], 5);
    let unresolved: Vec<(u64, &str)> = report["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["line"].as_u64().unwrap(), u["entry"].as_str().unwrap()))
        .collect();
    assert_eq!(unresolved[0], (5, "php-wsgi"));
    assert_eq!(unresolved.len(), 6, "{unresolved:?}");

    // The SBOM (of pygoat's later requirements): Django 4.2 and its advisories.
    let sbom_mirror = findings(&steward(&[
        "scan",
        "--json",
        "--sbom",
        path_arg(&sbom),
        "--feeds",
        path_arg(&pypa),
    ]));
    assert!(
        sbom_mirror.contains(&("PYSEC-2023-100".into(), "django".into(), "4.2".into())),
        "{sbom_mirror:?}"
    );

    // The same advisories imported into a store give the same findings without --feeds.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let import = steward(&[
        "feeds",
        "import",
        path_arg(&pypa),
        "--data-dir",
        path_arg(&store),
    ]);
    assert!(import.status.success(), "{import:?}");
    let from_store = findings(&steward(&[
        "scan",
        "--json",
        "--lockfile",
        path_arg(&requirements),
        "--data-dir",
        path_arg(&store),
    ]));
    assert_eq!(from_store, from_mirror);
    let sbom_store = findings(&steward(&[
        "scan",
        "--json",
        "--sbom",
        path_arg(&sbom),
        "--data-dir",
        path_arg(&store),
    ]));
    assert_eq!(sbom_store, sbom_mirror);

    // No store and no mirror: an error that says what to pass, and no store is made.
    let missing = dir.path().join("absent");
    let refused = steward(&[
        "scan",
        "--lockfile",
        path_arg(&requirements),
        "--data-dir",
        path_arg(&missing),
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("pass --feeds DIR"),
        "{refused:?}"
    );
    assert!(!missing.exists());
}

#[test]
fn a_file_that_is_no_lockfile_or_sbom_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hello\n").unwrap();
    let feeds = dir.path().join("feeds");
    std::fs::create_dir_all(&feeds).unwrap();

    let lockfile = steward(&[
        "scan",
        "--lockfile",
        path_arg(&notes),
        "--feeds",
        path_arg(&feeds),
    ]);
    assert!(!lockfile.status.success());
    let message = String::from_utf8_lossy(&lockfile.stderr);
    assert!(
        message.contains("notes.txt is not a lockfile Steward reads"),
        "{message}"
    );

    let sbom = steward(&[
        "scan",
        "--sbom",
        path_arg(&notes),
        "--feeds",
        path_arg(&feeds),
    ]);
    assert!(!sbom.status.success());
    let message = String::from_utf8_lossy(&sbom.stderr);
    assert!(
        message.contains("notes.txt: refused: not a CycloneDX or SPDX document"),
        "{message}"
    );
}
