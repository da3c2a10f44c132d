//! The feed mirror walker over the whole shared test data, which is a feed mirror as it stands.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use jiff::civil::date;
use steward_core::assessment::advisory::{Event, RangeKind};
use steward_formats::feeds::eol::EolDate;
use steward_formats::feeds::mirror::{self, FeedKind, Mirror};

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

/// The whole test data, loaded once for all tests of this file.
fn load_all() -> &'static Mirror {
    static MIRROR: OnceLock<Mirror> = OnceLock::new();
    MIRROR.get_or_init(load)
}

fn load() -> Mirror {
    let started = Instant::now();
    let mut last = None;
    let mirror = mirror::load(&test_data(""), |progress| last = Some(progress))
        .expect("the test data directory is readable");
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "loaded the whole test data in {:.2?} ({profile} build)",
        started.elapsed()
    );
    println!("progress at the end: {last:?}");
    for feed in &mirror.feeds {
        println!("{feed:?}");
    }
    for error in &mirror.errors {
        println!("error: {error}");
    }
    mirror
}

#[test]
fn whole_test_data_loads_without_errors() {
    let mirror = load_all();
    assert!(mirror.errors.is_empty(), "{:#?}", mirror.errors);
    assert!(mirror.feeds.iter().all(|feed| feed.imported));

    // Record counts per archive, as each SOURCE.md gives them.
    let osv = |origin: &str| {
        let feed = mirror
            .feeds
            .iter()
            .find(|f| f.kind == FeedKind::Osv && f.origin == origin)
            .unwrap_or_else(|| panic!("no OSV feed from {origin}"));
        feed.records
    };
    assert_eq!(osv("osv/rustsec/rustsec-osv-json.tar.zst"), 1_206);
    assert_eq!(osv("osv/pypa/pypa-osv-yaml.tar.zst"), 2_661);
    assert_eq!(osv("osv/go/go-vulndb-osv-json.tar.zst"), 4_291);
    assert_eq!(osv("osv/almalinux/almalinux-osv-json.tar.zst"), 5_680);
    assert_eq!(osv("osv/bitnami/bitnami-vulndb-osv-json.tar.zst"), 7_444);
    assert_eq!(osv("osv/psf/psf-osv-json.tar.zst"), 132);
    assert_eq!(osv("osv/oss-fuzz/oss-fuzz-vulns-osv-yaml.tar.zst"), 4_026);
    // osv.dev's test records: 27 website records and 3 worker records.
    assert_eq!(
        osv("cve-nvd-samples/osv-dev-testdata-cve-nvd-distro.tar.zst"),
        30
    );
    assert_eq!(mirror.records(FeedKind::Osv), 25_470);

    assert_eq!(mirror.records(FeedKind::Kev), 1_404);
    assert_eq!(mirror.kev.len(), 1_404);
    // 5,406 DSAs and 3,534 DLAs.
    assert_eq!(mirror.records(FeedKind::DebianTracker), 8_940);
    // The product pages and the JSON derived from them hold the same 464 products.
    let endoflife = mirror
        .lifecycle
        .iter()
        .filter(|p| p.source == "endoflife.date");
    assert_eq!(endoflife.clone().count(), 464);
    assert_eq!(endoflife.map(|p| p.cycles.len()).sum::<usize>(), 8_321);
    assert_eq!(
        mirror.lifecycle.len(),
        466,
        "464 products plus two distro-info tables"
    );
    assert_eq!(mirror.records(FeedKind::AlpineSecdb), 11_448);

    // Same ids from two sources are one advisory.
    let mut ids: Vec<&str> = mirror.advisories.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), mirror.advisories.len());
}

#[test]
fn real_records_read_literally() {
    let mirror = load_all();
    let advisory = |id: &str| {
        mirror
            .advisories
            .iter()
            .find(|a| a.id == id)
            .unwrap_or_else(|| panic!("{id} is missing"))
    };

    let dsa = advisory("DSA-5380-1");
    assert_eq!(dsa.aliases, ["CVE-2023-1393"]);
    assert_eq!(dsa.affected.len(), 1);
    assert_eq!(dsa.affected[0].ecosystem, "Debian:11");
    assert_eq!(dsa.affected[0].name, "xorg-server");
    assert_eq!(
        dsa.affected[0].ranges[0].events,
        [
            Event::Introduced("0".into()),
            Event::Fixed("2:1.20.11-1+deb11u6".into())
        ]
    );
    let dla = advisory("DLA-3377-1");
    assert_eq!(dla.aliases, ["CVE-2023-26604"]);
    assert_eq!(dla.affected[0].ecosystem, "Debian:10");
    assert_eq!(
        dla.affected[0].ranges[0].events[1],
        Event::Fixed("241-7~deb10u9".into())
    );
    let woody = advisory("DSA-136");
    let names: Vec<&str> = woody.affected.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["openssl094", "openssl095", "openssl"]);
    assert_eq!(woody.affected[0].ecosystem, "Debian:3.0");

    let rustsec = advisory("RUSTSEC-2016-0001");
    assert_eq!(rustsec.aliases, ["CVE-2016-10931", "GHSA-34p9-f4q3-c4r7"]);
    assert_eq!(rustsec.severity[0].score, Some(8.1));
    assert_eq!(rustsec.affected[0].ranges[0].kind, RangeKind::Semver);
    let informational = |kind: &str| {
        mirror
            .advisories
            .iter()
            .filter(|a| a.id.starts_with("RUSTSEC-") && a.informational.as_deref() == Some(kind))
            .count()
    };
    assert_eq!(informational("unmaintained"), 267);
    assert_eq!(informational("unsound"), 203);
    assert_eq!(informational("notice"), 6);
    let withdrawn = |prefix: &str| {
        mirror
            .advisories
            .iter()
            .filter(|a| a.id.starts_with(prefix) && a.withdrawn.is_some())
            .count()
    };
    assert_eq!(withdrawn("RUSTSEC-"), 13);
    assert_eq!(withdrawn("PYSEC-"), 10);

    let pysec = advisory("PYSEC-2021-335");
    assert_eq!(
        pysec.affected[0].versions,
        ["4.0", "4.1", "4.2", "5.0", "5.1"]
    );
    assert_eq!(pysec.affected[0].ranges[0].kind, RangeKind::Git);

    let alpine = advisory("ALPINE-CVE-2019-10206");
    let ansible = alpine
        .affected
        .iter()
        .find(|a| a.ecosystem == "Alpine:v3.10" && a.name == "ansible")
        .expect("ansible on v3.10");
    assert_eq!(ansible.ranges[0].events[1], Event::Fixed("2.8.4-r0".into()));

    let debian = mirror
        .lifecycle
        .iter()
        .find(|p| p.source == "endoflife.date" && p.name == "debian")
        .expect("debian product");
    let bookworm = debian
        .cycles
        .iter()
        .find(|c| c.cycle == "12")
        .expect("Debian 12");
    assert_eq!(bookworm.eol, EolDate::Date(date(2026, 7, 11)));
    assert_eq!(bookworm.extended_support, EolDate::Date(date(2028, 6, 30)));
    assert_eq!(bookworm.codename.as_deref(), Some("Bookworm"));

    let log4shell = mirror
        .kev
        .iter()
        .find(|k| k.cve_id == "CVE-2021-44228")
        .expect("in KEV");
    assert_eq!(log4shell.vendor_project, "Apache");
    assert!(log4shell.known_ransomware_campaign_use);
}
