//! `steward import glpi` as an operator runs it on the GLPI inventory format's examples:
//! computers become hosts (partial inventories update theirs), the rest assets; a compressed
//! file reads like a plain one, and a bad file is named without stopping the others.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::Timestamp;
use steward_api::resources::{HostFilter, PageRequest};
use steward_store::{AssetStore, SqlStore, Store};

/// Extracts the examples into `dir`; returns their paths, sorted.
fn extract_examples(dir: &Path) -> Vec<PathBuf> {
    let root = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let archive =
        root.join("inventory/glpi-inventory-format/glpi-inventory-format-examples.tar.zst");
    let file = std::fs::File::open(&archive).unwrap_or_else(|e| {
        panic!(
            "{} is absent ({e}): set STEWARD_TEST_DATA",
            archive.display()
        )
    });
    let zstd = ruzstd::decoding::StreamingDecoder::new(std::io::BufReader::new(file)).unwrap();
    let mut paths = Vec::new();
    for entry in tar::Archive::new(zstd).entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        if let Some(name) = name.strip_prefix("inventory_format/examples/")
            && name.ends_with(".json")
        {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            paths.push(path);
        }
    }
    paths.sort();
    paths
}

#[tokio::test]
async fn every_example_imports_and_a_bad_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut files = extract_examples(dir.path());
    assert_eq!(files.len(), 20);

    // computer_2 compressed as the agent sends it.
    let computer_2 = files
        .iter()
        .position(|f| f.ends_with("computer_2.json"))
        .unwrap();
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    zlib.write_all(&std::fs::read(&files[computer_2]).unwrap())
        .unwrap();
    let compressed = dir.path().join("computer_2.json.zlib");
    std::fs::write(&compressed, zlib.finish().unwrap()).unwrap();
    files[computer_2] = compressed;
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        br#"{"action": "inventory", "deviceid": "x", "content": {"cpus": 1}}"#,
    )
    .unwrap();
    files.push(bad);

    let output = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["import", "glpi"])
        .args(&files)
        .arg("--data-dir")
        .arg(&data)
        .env("USER", "tester")
        .env_remove("STEWARD_DATA_DIR")
        .env_remove("STEWARD_DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the bad file fails the run");
    assert!(
        stderr.contains("bad.json: not imported: content.cpus: invalid type: integer `1`"),
        "{stderr}"
    );
    let lines = |needle: &str| stdout.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(lines(": inventory applied to host"), 4, "{stdout}");
    assert_eq!(lines(": partial inventory applied to host"), 7, "{stdout}");
    assert_eq!(lines(": asset "), 9, "{stdout}");
    assert!(
        stdout.contains("computer_3.json: inventory applied to host"),
        "{stdout}"
    );
    assert!(stdout.contains("3033 packages"), "{stdout}");

    let store = SqlStore::open_data_dir(&data).await.unwrap();
    let hosts = store
        .list_hosts(
            &HostFilter::default(),
            &PageRequest::default(),
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert_eq!(hosts.items.len(), 3);
    assert_eq!(store.assets(None).await.unwrap().len(), 8);
}
