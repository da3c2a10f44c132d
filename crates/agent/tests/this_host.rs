//! The collector on the machine running the tests, checked against the system's own tools.
//!
//! These tests expect a Debian-family host (as the development machines and CI are): they
//! compare the collected packages with `dpkg-query`, the pending updates with `apt`, and the
//! memory and processor counts with `/proc`.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::OnceLock;

use steward_agent::{CollectOptions, collect};
use steward_core::inventory::{Inventory, PackageSource, SourceStatus};

fn inventory() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY.get_or_init(|| {
        let state = tempfile::tempdir().expect("temporary state directory");
        let opts = CollectOptions {
            state_dir: Some(state.path().to_owned()),
            ..Default::default()
        };
        collect(&opts)
    })
}

fn command_stdout(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .env("LANG", "C")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(output.status.success(), "{program} failed: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn installed_dpkg_packages_equal_dpkg_query() {
    let format = "${binary:Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n";
    let expected: BTreeSet<(String, String, String)> =
        command_stdout("dpkg-query", &["-W", "-f", format])
            .lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                // `?i`: whatever is wanted, the package is installed.
                (f[3].as_bytes().get(1) == Some(&b'i')).then(|| {
                    let name = f[0].split(':').next().unwrap().to_owned();
                    (name, f[1].to_owned(), f[2].to_owned())
                })
            })
            .collect();
    let collected: BTreeSet<(String, String, String)> = inventory()
        .packages
        .iter()
        .filter(|p| p.source == PackageSource::Dpkg && p.status == "installed")
        .map(|p| (p.name.clone(), p.version.clone(), p.arch.clone()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(collected, expected);

    let dpkg = inventory()
        .sources
        .iter()
        .find(|s| s.name == "dpkg")
        .unwrap();
    assert_eq!(dpkg.status, SourceStatus::Ok);
    assert_eq!(dpkg.detail, format!("{} packages", expected.len()));
}

#[test]
fn pending_updates_equal_apt_list_upgradable() {
    let listing = command_stdout("apt", &["list", "--upgradable"]);
    let mut expected = steward_formats::apt::parse_upgradable(&listing).unwrap();
    expected.sort();
    assert_eq!(inventory().pending_updates, expected);
}

#[test]
fn memory_total_equals_meminfo() {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap())
        .unwrap();
    assert_eq!(inventory().facts.memory_bytes, Some(kib * 1024));
}

#[test]
fn cpu_threads_equal_processor_lines() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    let processors = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    assert_eq!(
        inventory().facts.cpu.threads,
        Some(u32::try_from(processors).unwrap())
    );
}

#[test]
fn every_source_is_reported_once() {
    let names: Vec<&str> = inventory()
        .sources
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    for expected in [
        "os-release",
        "dmi",
        "machine-id",
        "cpu",
        "memory",
        "disks",
        "filesystems",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for expected in ["interfaces", "dpkg", "rpm", "python", "updates"] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
}

#[test]
fn facts_match_the_kernel() {
    let facts = &inventory().facts;
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(facts.hostname, hostname.trim());
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(facts.kernel.as_deref(), Some(release.trim()));
    assert_eq!(
        facts.arch.as_deref(),
        Some(command_stdout("uname", &["-m"]).trim())
    );
    assert!(
        facts
            .filesystems
            .iter()
            .any(|f| f.mount_point == "/" && f.size_bytes > 0)
    );
    assert!(
        facts
            .interfaces
            .iter()
            .any(|i| i.name == "lo" && i.virtual_device)
    );
}
