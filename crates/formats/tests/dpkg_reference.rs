//! The dpkg reader against a real Debian 12 status file and what `dpkg-query` printed for it.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use steward_formats::dpkg::StatusReader;

fn test_data(relative: &str) -> PathBuf {
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

#[test]
fn every_dpkg_query_row_matches_the_parsed_status_file() {
    let status = test_data("inventory/dpkg/status.gz");
    let mut zcat = Command::new("zcat")
        .arg(&status)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(zcat.stdout.take().unwrap());
    let mut parsed: Vec<[String; 6]> = StatusReader::new(stdout, "Debian")
        .map(|p| {
            let p = p.unwrap();
            let abbrev = if p.status == "installed" { "ii " } else { "??" };
            [
                p.name,
                p.version,
                p.arch,
                p.source_name.unwrap(),
                p.source_version.unwrap(),
                abbrev.to_owned(),
            ]
        })
        .collect();
    assert!(zcat.wait().unwrap().success());

    let reference =
        std::fs::read_to_string(test_data("inventory/dpkg/dpkg-query-packages.tsv")).unwrap();
    let mut expected: Vec<[String; 6]> = reference
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            // dpkg-query qualifies Multi-Arch: same packages as `name:arch`; the package is
            // still named `name`, with the architecture in its own field.
            let name = f[0].split(':').next().unwrap();
            [name, f[1], f[2], f[3], f[4], f[5]].map(str::to_owned)
        })
        .collect();

    parsed.sort();
    expected.sort();
    assert_eq!(expected.len(), 788);
    assert_eq!(parsed, expected);
}
