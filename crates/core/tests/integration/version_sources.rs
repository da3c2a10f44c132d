//! Real version strings for the reference-agreement tests, gathered from the shared data.
//!
//! Each source yields raw strings as its publisher wrote them; whether a string is a version in
//! a given scheme is for the agreement test to decide. Archives are unpacked with the `tar`
//! command (`--zstd`) into a temporary folder owned by the caller.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken test setup"
)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::test_data_dir;

/// Unpacks `<data>/<archive>` (a `.tar.zst`) into `into` and returns `into`.
pub fn unpack(archive: &str, into: &Path) -> PathBuf {
    let source = test_data_dir().join(archive);
    assert!(
        source.is_file(),
        "{} is missing from the test data",
        source.display()
    );
    fs::create_dir_all(into).unwrap();
    let status = Command::new("tar")
        .arg("--zstd")
        .arg("-xf")
        .arg(&source)
        .arg("-C")
        .arg(into)
        .status()
        .expect("`tar` runs (GNU tar with zstd is needed to unpack the test data)");
    assert!(
        status.success(),
        "tar could not unpack {}",
        source.display()
    );
    into.to_path_buf()
}

/// Every file under `dir` whose name ends with `suffix`.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Versions named in OSV JSON records (range events and `versions` lists) of the affected
/// entries whose ecosystem `wanted` accepts.
pub fn osv_json(dir: &Path, wanted: impl Fn(&str) -> bool) -> BTreeSet<String> {
    let mut versions = BTreeSet::new();
    for path in files(dir, ".json") {
        let Ok(record) = serde_json::from_slice::<serde_json::Value>(&fs::read(&path).unwrap())
        else {
            continue;
        };
        let affected = record["affected"].as_array().cloned().unwrap_or_default();
        for entry in affected {
            let ecosystem = entry["package"]["ecosystem"].as_str().unwrap_or_default();
            if !wanted(ecosystem) {
                continue;
            }
            for range in entry["ranges"].as_array().into_iter().flatten() {
                for event in range["events"].as_array().into_iter().flatten() {
                    let values = event.as_object().into_iter().flat_map(|o| o.values());
                    versions.extend(values.filter_map(|v| v.as_str()).map(str::to_owned));
                }
            }
            let listed = entry["versions"].as_array().into_iter().flatten();
            versions.extend(listed.filter_map(|v| v.as_str()).map(str::to_owned));
        }
    }
    versions
}

/// Versions named in OSV YAML records, read line by line: range events and `versions` items.
pub fn osv_yaml(dir: &Path) -> BTreeSet<String> {
    let mut versions = BTreeSet::new();
    for path in files(dir, ".yaml") {
        let text = fs::read_to_string(&path).unwrap();
        let mut in_versions = false;
        for line in text.lines() {
            let trimmed = line.trim_start();
            if let Some(item) = trimmed.strip_prefix("- ") {
                if let Some((key, value)) = item.split_once(": ")
                    && ["introduced", "fixed", "last_affected", "limit"].contains(&key)
                {
                    versions.insert(unquote(value));
                } else if in_versions {
                    versions.insert(unquote(item));
                }
                continue;
            }
            in_versions = trimmed == "versions:";
        }
    }
    versions
}

fn unquote(value: &str) -> String {
    value
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_owned()
}

/// Every version listed in endoflife.date's release-data, across all products.
pub fn release_data(dir: &Path) -> BTreeSet<String> {
    let mut versions = BTreeSet::new();
    for path in files(dir, ".json") {
        let product: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        if let Some(listed) = product["versions"].as_object() {
            versions.extend(listed.keys().cloned());
        }
    }
    versions
}

/// Versions inside the npm range expressions of the Node.js security WG's npm advisories.
pub fn nodejs_ranges(dir: &Path) -> BTreeSet<String> {
    let mut versions = BTreeSet::new();
    for path in files(dir, ".json") {
        let record: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        for field in ["vulnerable_versions", "patched_versions"] {
            let range = record[field].as_str().unwrap_or_default();
            let tokens = range.split(|c: char| c.is_whitespace() || c == '|' || c == ',');
            versions.extend(
                tokens
                    .map(|t| t.trim_start_matches(['<', '>', '=', '~', '^']))
                    .filter(|t| t.starts_with(|c: char| c.is_ascii_digit()))
                    .map(str::to_owned),
            );
        }
    }
    versions
}

/// Package and source versions from the dpkg status file and `dpkg-query` listing, and the
/// fixed versions named in the Debian security tracker's DSA and DLA lists.
pub fn debian() -> BTreeSet<String> {
    let data = test_data_dir();
    let mut versions = BTreeSet::new();

    let status = gunzip(&data.join("inventory/dpkg/status.gz"));
    for line in status.lines() {
        if let Some(version) = line.strip_prefix("Version: ") {
            versions.insert(version.to_owned());
        } else if let Some(source) = line.strip_prefix("Source: ")
            && let Some((_, version)) = source.split_once(" (")
        {
            versions.insert(version.trim_end_matches(')').to_owned());
        }
    }

    let listing = fs::read_to_string(data.join("inventory/dpkg/dpkg-query-packages.tsv")).unwrap();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        versions.extend(
            [1, 4]
                .iter()
                .filter_map(|&i| fields.get(i))
                .map(|v| v.to_string()),
        );
    }

    for list in ["DSA-list.txt.gz", "DLA-list.txt.gz"] {
        let text = gunzip(
            &data
                .join("advisories-native/debian-security-tracker")
                .join(list),
        );
        for line in text.lines() {
            if let Some((_, fix)) = line.split_once("] - ")
                && let Some(version) = fix.split_whitespace().nth(1)
            {
                versions.insert(version.to_owned());
            }
        }
    }
    versions.retain(|v| !v.is_empty());
    versions
}

fn gunzip(path: &Path) -> String {
    let out = Command::new("gzip")
        .arg("-dc")
        .arg(path)
        .output()
        .expect("`gzip` runs");
    assert!(
        out.status.success(),
        "gzip could not read {}",
        path.display()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
