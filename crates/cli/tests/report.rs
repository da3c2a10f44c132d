//! `steward report` as an operator runs it, on a store holding the Debian 12 host of the
//! inventory data (its real dpkg status and apt's upgradable list) and a Debian 11 host with
//! an openssl the Debian tracker's lists name, with the lifecycle, KEV and tracker feeds of
//! the shared data imported and assessed on a fixed day. On SQLite always, on PostgreSQL when
//! `STEWARD_TEST_POSTGRES_URL` is set.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Output};

use jiff::Timestamp;
use serde_json::Value;
use steward_core::inventory::identity::HostIdentifiers;
use steward_core::inventory::{
    Dmi, HostFacts, InstalledPackage, OsRelease, PackageSource, PendingUpdate, Section,
};
use steward_server::assessment::import::import_mirror;
use steward_server::assessment::job::{self, Scope};
use steward_store::{FactsSection, InventoryUpdate, SqlStore, Store};

const STEWARD: &str = env!("CARGO_BIN_EXE_steward");

fn data(relative: &str) -> PathBuf {
    let root = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    root.join(relative)
}

/// The day of the assessment: endoflife.date gives Debian 12 security support until
/// 2026-07-11 and Debian 11 LTS until 2026-08-31.
fn day() -> Timestamp {
    "2026-01-15T00:00:00Z".parse().unwrap()
}

fn steward(store: &[String], args: &[&str]) -> Output {
    Command::new(STEWARD)
        .args(args)
        .args(store)
        .env_remove("STEWARD_DATA_DIR")
        .env_remove("STEWARD_DATABASE_URL")
        .output()
        .unwrap()
}

fn facts(hostname: &str, os: OsRelease) -> HostFacts {
    HostFacts {
        hostname: hostname.into(),
        os,
        dmi: Dmi {
            uuid: Some(format!("uuid-{hostname}")),
            ..Dmi::default()
        },
        ..HostFacts::default()
    }
}

async fn host(
    store: &dyn Store,
    facts: HostFacts,
    packages: Vec<InstalledPackage>,
    updates: Vec<PendingUpdate>,
) {
    let ids = HostIdentifiers::from_facts(&facts);
    let id = store.create_host(&ids, &facts, day()).await.unwrap();
    let update = InventoryUpdate {
        document_id: format!("doc-{id}"),
        collected_at: day(),
        digests: Section::ALL
            .iter()
            .map(|s| (*s, format!("{id}-{s:?}")))
            .collect(),
        facts: Some(FactsSection {
            facts,
            sources: Vec::new(),
            tags: Vec::new(),
        }),
        packages: Some(packages),
        pending_updates: Some(updates),
    };
    store.apply_inventory(id, &update, day()).await.unwrap();
}

/// The Debian 12 host of the inventory data.
async fn bookworm(store: &dyn Store) {
    let os_release = std::fs::read_to_string(data("inventory/dpkg/os-release")).unwrap();
    let os = steward_formats::os_release::parse(&os_release).unwrap();
    let mut status = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(data("inventory/dpkg/status.gz")).unwrap())
        .read_to_string(&mut status)
        .unwrap();
    let packages = steward_formats::dpkg::parse_status(&status, "Debian").unwrap();
    let upgradable =
        std::fs::read_to_string(data("inventory/dpkg/apt-list-upgradable.txt")).unwrap();
    let updates = steward_formats::apt::parse_upgradable(&upgradable).unwrap();
    host(store, facts("bookworm", os), packages, updates).await;
}

/// A Debian 11 host whose openssl the tracker's DSA-5343-1 names (fixed in deb11u4).
async fn bullseye(store: &dyn Store) {
    let os = OsRelease {
        id: Some("debian".into()),
        version_id: Some("11".into()),
        pretty_name: Some("Debian GNU/Linux 11 (bullseye)".into()),
        ..OsRelease::default()
    };
    let openssl = InstalledPackage {
        ecosystem: "Debian".into(),
        name: "openssl".into(),
        version: "1.1.1n-0+deb11u3".into(),
        arch: "amd64".into(),
        source_name: Some("openssl".into()),
        source_version: Some("1.1.1n-0+deb11u3".into()),
        source: PackageSource::Dpkg,
        status: "installed".into(),
    };
    let alpha = InstalledPackage {
        ecosystem: "PyPI".into(),
        name: "alpha".into(),
        version: "1.0".into(),
        arch: String::new(),
        source_name: None,
        source_version: None,
        source: PackageSource::Python,
        status: "installed".into(),
    };
    host(
        store,
        facts("bullseye", os),
        vec![openssl, alpha],
        Vec::new(),
    )
    .await;
}

/// A one-record OSV mirror: a critical advisory (CVSS 3.1 base 9.8) on PyPI's alpha < 2.0.
fn critical_osv_mirror() -> tempfile::TempDir {
    let mirror = tempfile::tempdir().unwrap();
    let osv = mirror.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let record = serde_json::json!({
        "id": "TEST-1", "modified": "2025-01-01T00:00:00Z",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "alpha"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]
    });
    std::fs::write(osv.join("TEST-1.json"), record.to_string()).unwrap();
    mirror
}

async fn seed(store: &dyn Store) {
    bookworm(store).await;
    bullseye(store).await;
    let osv = critical_osv_mirror();
    let feeds = [
        data("eol"),
        data("kev"),
        data("advisories-native/debian-security-tracker"),
        osv.path().to_path_buf(),
    ];
    for feed in feeds {
        let summary = import_mirror(store, &feed, |_| {}, day()).await.unwrap();
        assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    }
    job::assess(store, &Scope::All, day()).await.unwrap();
}

fn host_entry<'a>(report: &'a Value, hostname: &str) -> &'a Value {
    report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["hostname"] == hostname)
        .unwrap()
}

fn report_shows_the_hosts(store: &[String]) {
    let json = steward(store, &["report", "--json"]);
    assert!(json.status.success(), "{json:?}");
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();

    let bookworm = host_entry(&report, "bookworm");
    assert_eq!(bookworm["os"], "Debian GNU/Linux 12 (bookworm)");
    let lifecycle = &bookworm["lifecycle"];
    assert_eq!(
        (
            &lifecycle["product"],
            &lifecycle["cycle"],
            &lifecycle["state"]
        ),
        (
            &Value::from("debian"),
            &Value::from("12"),
            &Value::from("supported")
        )
    );
    assert_eq!(lifecycle["date"], "2026-07-11");
    assert_eq!(lifecycle["source"], "endoflife.date");
    assert_eq!(bookworm["security_updates"], 89);
    assert_eq!(bookworm["pending_updates"], 136);
    assert_eq!(
        bookworm["open_findings"],
        serde_json::json!({"P1": 0, "P2": 0, "P3": 0, "P4": 0})
    );

    let bullseye = host_entry(&report, "bullseye");
    assert_eq!(bullseye["lifecycle"]["state"], "extended_support");
    assert_eq!(bullseye["lifecycle"]["date"], "2026-08-31");
    let open: i64 = bullseye["open_findings"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_i64().unwrap())
        .sum();
    assert_eq!(
        open, 2,
        "DSA-5343-1 on openssl and TEST-1 on alpha: {bullseye}"
    );
    // Both Debian cycles end within 18 months of the report's day (today or later).
    let forecast = report["forecast"].as_array().unwrap();
    assert!(forecast.iter().all(|f| f["hosts"].as_i64().unwrap() >= 1));

    let table = steward(store, &["report"]);
    assert!(table.status.success(), "{table:?}");
    let text = String::from_utf8(table.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("bookworm")).unwrap();
    let cells: Vec<&str> = line.split("  ").filter(|c| !c.trim().is_empty()).collect();
    assert_eq!(
        cells.iter().map(|c| c.trim()).collect::<Vec<_>>(),
        [
            "bookworm",
            "Debian GNU/Linux 12 (bookworm)",
            "debian 12: supported until 2026-07-11 (endoflife.date)",
            "136",
            "89",
            "0",
            "0",
            "0",
            "0"
        ]
    );
    assert!(text.contains("Support ending within 6, 12 and 18 months:"));

    // CSV: one row per host, the same figures.
    let csv = steward(store, &["report", "--format", "csv"]);
    assert!(csv.status.success(), "{csv:?}");
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "host_id,hostname,os,lifecycle_product,lifecycle_cycle,lifecycle_state,\
             lifecycle_date,lifecycle_source,pending_updates,security_updates,P1,P2,P3,P4"
        )
    );
    let row = lines.find(|l| l.contains(",bookworm,")).unwrap();
    assert!(
        row.ends_with(
            ",bookworm,Debian GNU/Linux 12 (bookworm),debian,12,supported,2026-07-11,\
             endoflife.date,136,89,0,0,0,0"
        ),
        "{row}"
    );

    // --fail-on unknown counts every open finding, also the tracker's, which carry no rating.
    let any = steward(
        store,
        &["report", "--format", "csv", "--fail-on", "unknown"],
    );
    assert_eq!(any.status.code(), Some(1), "{any:?}");
    assert_eq!(
        String::from_utf8_lossy(&any.stderr),
        "open findings at or above unknown: critical, unknown severity present\n"
    );

    // --fail-on: TEST-1 is critical and open.
    let gate = steward(store, &["report", "--json", "--fail-on", "critical"]);
    assert_eq!(gate.status.code(), Some(1), "{gate:?}");
    assert_eq!(
        String::from_utf8_lossy(&gate.stderr),
        "open findings at or above critical: critical severity present\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_shows_lifecycle_updates_and_findings_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqlStore::open_data_dir(dir.path()).await.unwrap();
        seed(&store).await;
    }
    report_shows_the_hosts(&["--data-dir".into(), dir.path().display().to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_shows_lifecycle_updates_and_findings_on_postgres() {
    let Ok(admin_url) = std::env::var("STEWARD_TEST_POSTGRES_URL") else {
        eprintln!("PostgreSQL skipped, STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    sqlx::any::install_default_drivers();
    let database = format!("steward_report_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::AnyPool::connect(&admin_url).await.unwrap();
    let create = format!("CREATE DATABASE {database}");
    sqlx::query(sqlx::AssertSqlSafe(create))
        .execute(&admin)
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{database}");

    let outcome = tokio::spawn({
        let url = url.clone();
        async move {
            let store = SqlStore::connect(&url).await.unwrap();
            seed(&store).await;
            drop(store);
            report_shows_the_hosts(&["--database-url".into(), url]);
        }
    })
    .await;

    let drop_db = format!("DROP DATABASE {database} WITH (FORCE)");
    sqlx::query(sqlx::AssertSqlSafe(drop_db))
        .execute(&admin)
        .await
        .unwrap();
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}
