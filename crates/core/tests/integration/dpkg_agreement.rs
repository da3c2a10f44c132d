//! Steward's dpkg ordering checked against `dpkg --compare-versions` on real version strings.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fs;
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use steward_core::versions::Scheme;

use crate::test_data_dir;

/// Whether a working `dpkg` is on this machine; prints why the test is skipped when not.
fn dpkg_available(test: &str) -> bool {
    let found = Command::new("dpkg")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        println!("{test}: skipped, `dpkg` is not installed here");
    }
    found
}

/// Asks dpkg whether `a <ordering> b` holds.
fn dpkg_agrees(a: &str, ordering: Ordering, b: &str) -> bool {
    let relation = match ordering {
        Ordering::Less => "lt",
        Ordering::Equal => "eq",
        Ordering::Greater => "gt",
    };
    let status = Command::new("dpkg")
        .args(["--compare-versions", a, relation, b])
        .stderr(std::process::Stdio::null())
        .status()
        .expect("dpkg runs");
    status.success()
}

fn ours(a: &str, b: &str) -> Ordering {
    Scheme::Dpkg
        .compare(a, b)
        .unwrap_or_else(|err| panic!("{a} vs {b}: {err}"))
}

/// Installed and source versions from `dpkg-query-packages.tsv`.
fn installed_versions() -> BTreeSet<String> {
    let path = test_data_dir().join("inventory/dpkg/dpkg-query-packages.tsv");
    let text = fs::read_to_string(&path).expect("dpkg-query-packages.tsv is readable");
    let mut versions = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        // package, version, arch, source name, source version, status
        versions.insert(fields[1].to_owned());
        if let Some(source_version) = fields.get(4).filter(|v| !v.is_empty()) {
            versions.insert((*source_version).to_owned());
        }
    }
    assert!(
        versions.len() > 100,
        "too few versions read from {}",
        path.display()
    );
    versions
}

/// (installed, candidate) pairs from `apt list --upgradable` output.
fn upgradable_pairs() -> Vec<(String, String)> {
    let path = test_data_dir().join("inventory/dpkg/apt-list-upgradable.txt");
    let text = fs::read_to_string(&path).expect("apt-list-upgradable.txt is readable");
    let pairs: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| {
            let (head, tail) = line.split_once(" [upgradable from: ")?;
            let candidate = head.split_whitespace().nth(1)?;
            let installed = tail.strip_suffix(']')?;
            Some((installed.to_owned(), candidate.to_owned()))
        })
        .collect();
    assert!(
        pairs.len() > 100,
        "too few upgrades read from {}",
        path.display()
    );
    pairs
}

#[test]
fn every_apt_candidate_is_greater_than_the_installed_version() {
    let pairs = upgradable_pairs();
    for (installed, candidate) in &pairs {
        assert_eq!(
            ours(installed, candidate),
            Ordering::Less,
            "{installed} vs {candidate}"
        );
    }

    if dpkg_available("every_apt_candidate_is_greater_than_the_installed_version") {
        for (installed, candidate) in &pairs {
            assert!(dpkg_agrees(installed, Ordering::Less, candidate));
        }
        println!("checked {} apt upgrade pairs against dpkg", pairs.len());
    }
}

/// Sorts every real version with our ordering, then asks dpkg about each neighbouring pair and
/// about pairs a fixed stride apart, so a wrong answer anywhere in the order shows up.
#[test]
fn real_installed_versions_sort_as_dpkg_sorts_them() {
    let mut versions: Vec<String> = installed_versions().into_iter().collect();
    versions.extend(
        upgradable_pairs()
            .into_iter()
            .map(|(_, candidate)| candidate),
    );
    versions.sort_by(|a, b| ours(a, b));
    versions.dedup();
    if !dpkg_available("real_installed_versions_sort_as_dpkg_sorts_them") {
        return;
    }

    let mut checked = 0;
    for stride in [1, 7, 97] {
        for (i, a) in versions.iter().enumerate() {
            let Some(b) = versions.get((i + stride) % versions.len()) else {
                continue;
            };
            let expected = ours(a, b);
            assert!(
                dpkg_agrees(a, expected, b),
                "dpkg disagrees: {a} {expected:?} {b}"
            );
            checked += 1;
        }
    }
    println!("checked {checked} pairs of real versions against dpkg");
}

/// Random strings shaped like versions, dense in the characters that matter (`~`, `+`, `.`,
/// letters, zeros, hyphens, colons), compared by us and by dpkg: 200 independent pairs and 200
/// pairs sharing a prefix, so that comparisons also reach deep into the strings.
#[test]
fn random_versions_compare_as_dpkg_compares_them() {
    if !dpkg_available("random_versions_compare_as_dpkg_compares_them") {
        return;
    }
    let version = "([0-2]:)?[0-9][0-9aAz.+~]{0,5}(-[0-9a.+~]{1,3})?";
    let prefix = "([0-2]:)?[0-9][0-9a.+~]{0,3}";
    let tail = "[0-9aA.+~]{0,3}(-[0-9a.+~]{1,3})?";
    let independent = (version, version).boxed();
    let shared = (prefix, tail, tail)
        .prop_map(|(prefix, a, b)| (format!("{prefix}{a}"), format!("{prefix}{b}")))
        .boxed();

    for pairs in [independent, shared] {
        let mut runner = TestRunner::new(Config {
            cases: 200,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&pairs, |(a, b)| {
                let expected = ours(&a, &b);
                prop_assert!(
                    dpkg_agrees(&a, expected, &b),
                    "dpkg disagrees: {} {:?} {}",
                    a,
                    expected,
                    b
                );
                Ok(())
            })
            .expect("dpkg agrees on random versions");
    }
    println!("checked 400 random pairs against dpkg");
}
