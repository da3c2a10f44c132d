//! The assessment end to end on real data, on SQLite and (when configured) PostgreSQL: feeds
//! imported from the shared mirror, hosts built from real package versions, the job run by the
//! worker, and the answers read through the store and the REST API.
//!
//! The Debian tracker's lists predate Debian 12, so Debian matching is tested on Debian 10 and
//! 11 hosts carrying openssl versions the lists name; the Debian 12 host of the inventory data
//! shows its lifecycle status and pending security updates instead.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use jiff::Timestamp;
use serde_json::Value;
use steward_api::access::Role;
use steward_api::assessment::FindingFilter;
use steward_api::resources::PageRequest;
use steward_core::inventory::identity::HostIdentifiers;
use steward_core::inventory::{
    Dmi, HostFacts, InstalledPackage, OsRelease, PackageSource, PendingUpdate, Section,
};
use steward_server::assessment::import::import_mirror;
use steward_server::assessment::job::{self, Scope};
use steward_server::assessment::worker;
use steward_server::{Settings, secrets};
use steward_store::{Actor, FactsSection, InventoryUpdate, NewApiToken, Store};
use tower::ServiceExt;

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

fn at(day: i64) -> Timestamp {
    Timestamp::from_second(1_764_000_000 + day * 86_400).unwrap()
}

async fn import(store: &dyn Store, dir: &Path, now: Timestamp) {
    let summary = import_mirror(store, dir, |_| {}, now).await.unwrap();
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
}

fn os(id: &str, version_id: &str) -> OsRelease {
    OsRelease {
        id: Some(id.into()),
        version_id: Some(version_id.into()),
        pretty_name: Some(format!("{id} {version_id}")),
        ..OsRelease::default()
    }
}

fn openssl(binary: &str, version: &str) -> InstalledPackage {
    InstalledPackage {
        ecosystem: "Debian".into(),
        name: binary.into(),
        version: version.into(),
        arch: "amd64".into(),
        source_name: Some("openssl".into()),
        source_version: Some(version.into()),
        source: PackageSource::Dpkg,
        status: "installed".into(),
    }
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

/// Applies a complete inventory to a host (creating it first when `id` is `None`).
async fn inventory(
    store: &dyn Store,
    id: Option<i64>,
    facts: HostFacts,
    packages: Vec<InstalledPackage>,
    updates: Vec<PendingUpdate>,
    now: Timestamp,
) -> i64 {
    let id = match id {
        Some(id) => id,
        None => {
            let ids = HostIdentifiers::from_facts(&facts);
            store.create_host(&ids, &facts, now).await.unwrap()
        }
    };
    let document = uuid::Uuid::now_v7().to_string();
    let update = InventoryUpdate {
        document_id: document.clone(),
        collected_at: now,
        digests: Section::ALL
            .iter()
            .map(|s| (*s, format!("{document}-{s:?}")))
            .collect(),
        facts: Some(FactsSection {
            facts,
            sources: Vec::new(),
            tags: Vec::new(),
        }),
        packages: Some(packages),
        pending_updates: Some(updates),
    };
    store.apply_inventory(id, &update, now).await.unwrap();
    id
}

async fn findings_of(store: &dyn Store, host: i64) -> Vec<steward_api::assessment::FindingSummary> {
    let filter = FindingFilter {
        host: Some(host),
        ..FindingFilter::default()
    };
    let page = PageRequest {
        limit: Some(500),
        cursor: None,
    };
    store.list_findings(&filter, &page).await.unwrap().items
}

fn with_id<'a>(
    findings: &'a [steward_api::assessment::FindingSummary],
    id: &str,
) -> Vec<&'a steward_api::assessment::FindingSummary> {
    findings
        .iter()
        .filter(|f| f.ids.iter().any(|i| i == id))
        .collect()
}

struct Answer {
    status: StatusCode,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

async fn call(app: &Router, method: Method, uri: &str, token: &str, body: Option<Value>) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"));
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .unwrap();
    Answer {
        status,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn token(store: &dyn Store, role: Role) -> String {
    let secret = secrets::generate(secrets::API_TOKEN_PREFIX);
    let token = NewApiToken {
        name: format!("{role:?}").to_lowercase(),
        role,
        hash: secrets::hash(&secret),
        expires_at: None,
    };
    store
        .create_api_token(&token, &Actor::Cli("test".into()), Timestamp::now())
        .await
        .unwrap();
    secret
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debian_10_and_11_hosts_match_the_trackers_real_entries() {
    for test in support::stores("debian_matching").await {
        debian_matching(&test.store).await;
        test.cleanup().await;
    }
}

async fn debian_matching(shared: &Arc<dyn Store>) {
    let store = shared.as_ref();
    // openssl 1.1.1n-0+deb11u3 is fixed for DSA-5169-1 (fixed in deb11u3) but not for
    // DSA-5343-1 (fixed in deb11u4); 1.1.1n-0+deb10u2 is fixed for DSA-5139-1 (deb10u2) but
    // not for DSA-5169-1 (deb10u3).
    let v11 = "1.1.1n-0+deb11u3";
    let bullseye_facts = facts("bullseye", os("debian", "11"));
    let bullseye = inventory(
        store,
        None,
        bullseye_facts.clone(),
        vec![openssl("openssl", v11), openssl("libssl1.1", v11)],
        Vec::new(),
        at(0),
    )
    .await;
    let buster = inventory(
        store,
        None,
        facts("buster", os("debian", "10")),
        vec![openssl("openssl", "1.1.1n-0+deb10u2")],
        Vec::new(),
        at(0),
    )
    .await;

    // The import queues an assessment of the packages its new advisories name.
    let tracker = data("advisories-native/debian-security-tracker");
    import(store, &tracker, at(1)).await;
    assert_eq!(worker::run_pending(store, "test").await.unwrap(), 1);

    let found = findings_of(store, bullseye).await;
    let dsa = with_id(&found, "DSA-5343-1");
    assert_eq!(dsa.len(), 1, "one finding for the advisory and its aliases");
    let finding = dsa[0].clone();
    assert_eq!(
        (
            finding.ecosystem.as_str(),
            finding.package.as_str(),
            finding.installed.as_str()
        ),
        ("Debian:11", "openssl", v11)
    );
    assert_eq!(finding.binaries, ["libssl1.1", "openssl"]);
    assert!(finding.fixed.contains(&"1.1.1n-0+deb11u4".to_owned()));
    assert_eq!(finding.state, "open");
    assert!(
        with_id(&found, "DSA-5169-1").is_empty(),
        "fixed in the installed version"
    );
    assert!(with_id(&found, "DSA-5139-1").is_empty());
    assert!(found.iter().all(|f| f.ecosystem == "Debian:11"));

    let found10 = findings_of(store, buster).await;
    assert_eq!(with_id(&found10, "DSA-5169-1").len(), 1);
    assert!(with_id(&found10, "DSA-5139-1").is_empty());
    assert!(
        with_id(&found10, "DSA-5343-1").is_empty(),
        "names only bullseye"
    );

    // Through the API: the finding explains itself; the advisory, found by an alias, lists
    // the host once.
    let app = steward_server::app(shared.clone(), Settings::default());
    let auditor = token(store, Role::Auditor).await;
    let operator = token(store, Role::Operator).await;
    let detail = call(
        &app,
        Method::GET,
        &format!("/api/v1/findings/{}", finding.id),
        &auditor,
        None,
    )
    .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let detail = detail.json();
    let matched = detail["matches"].as_array().unwrap();
    let dsa_match = matched
        .iter()
        .find(|m| m["advisory_id"] == "DSA-5343-1")
        .unwrap();
    assert!(
        dsa_match["fixed"]
            .as_array()
            .unwrap()
            .contains(&Value::from("1.1.1n-0+deb11u4"))
    );
    assert!(!detail["reasons"].as_array().unwrap().is_empty());
    let advisory = call(
        &app,
        Method::GET,
        "/api/v1/advisories/CVE-2023-0286",
        &auditor,
        None,
    )
    .await;
    assert_eq!(advisory.status, StatusCode::OK, "{}", advisory.body);
    let hosts: Vec<i64> = advisory.json()["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host_id"].as_i64().unwrap())
        .collect();
    assert!(hosts.contains(&bullseye));
    let listed = call(
        &app,
        Method::GET,
        "/api/v1/findings?advisory=DSA-5343-1",
        &auditor,
        None,
    )
    .await;
    assert_eq!(listed.json()["items"].as_array().unwrap().len(), 1);

    // The same list as CSV: one row, its cells the finding's.
    let export = call(
        &app,
        Method::GET,
        "/api/v1/findings/export?advisory=DSA-5343-1",
        &auditor,
        None,
    )
    .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(export.body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 1, "{}", export.body);
    let row: Vec<&str> = rows[0].iter().collect();
    assert_eq!(
        (row[0], row[2], row[3], row[4], row[5], row[6], row[9]),
        (
            finding.id.to_string().as_str(),
            "bullseye",
            "Debian:11",
            "openssl",
            "libssl1.1 openssl",
            v11,
            "open"
        )
    );
    assert!(row[7].split(' ').any(|id| id == "DSA-5343-1"), "{row:?}");

    // Verdicts: the auditor may not give one; the operator may, and it is audited.
    let uri = format!("/api/v1/findings/{}/verdict", finding.id);
    let verdict = serde_json::json!({"verdict": "accepted_risk", "why": "internal only"});
    let refused = call(&app, Method::POST, &uri, &auditor, Some(verdict.clone())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let given = call(&app, Method::POST, &uri, &operator, Some(verdict)).await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.body);
    assert_eq!(given.json()["state"], "accepted_risk");
    assert_eq!(given.json()["verdict"]["by"], "operator");
    let audit = store.audit_entries(&PageRequest::default()).await.unwrap();
    assert_eq!(audit.items[0].action, "finding.verdict");
    let bad = serde_json::json!({"verdict": "ignore", "why": "x"});
    assert_eq!(
        call(&app, Method::POST, &uri, &operator, Some(bad))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    // A full re-assessment keeps the verdict while the facts hold.
    job::assess(store, &Scope::All, at(2)).await.unwrap();
    let again = findings_of(store, bullseye).await;
    assert_eq!(with_id(&again, "DSA-5343-1")[0].state, "accepted_risk");

    // The installed version changes but stays affected: the facts changed, the verdict lapses.
    let older = "1.1.1n-0+deb11u1";
    inventory(
        store,
        Some(bullseye),
        bullseye_facts.clone(),
        vec![openssl("openssl", older), openssl("libssl1.1", older)],
        Vec::new(),
        at(3),
    )
    .await;
    job::enqueue(store, &Scope::Hosts(vec![bullseye]), at(3))
        .await
        .unwrap();
    worker::run_pending(store, "test").await.unwrap();
    let lapsed = store.finding(finding.id).await.unwrap().unwrap();
    assert_eq!(lapsed.finding.state, "open");
    assert_eq!(lapsed.finding.installed, older);
    assert!(lapsed.note.unwrap().contains("installed version"));
    assert!(
        !with_id(&findings_of(store, bullseye).await, "DSA-5169-1").is_empty(),
        "u1 < u3"
    );

    // The fix is installed: the finding is fixed, with the day.
    let fixed_version = "1.1.1n-0+deb11u5";
    inventory(
        store,
        Some(bullseye),
        bullseye_facts,
        vec![
            openssl("openssl", fixed_version),
            openssl("libssl1.1", fixed_version),
        ],
        Vec::new(),
        at(4),
    )
    .await;
    job::assess(store, &Scope::Hosts(vec![bullseye]), at(4))
        .await
        .unwrap();
    let fixed = store.finding(finding.id).await.unwrap().unwrap();
    assert_eq!(fixed.finding.state, "fixed");
    assert_eq!(fixed.finding.fixed_at, Some(at(4)));
    let states: Vec<&str> = fixed.history.iter().map(|e| e.state.as_str()).collect();
    assert_eq!(states, ["open", "accepted_risk", "open", "fixed"]);
    // The buster host was not in that scope and keeps its finding.
    assert_eq!(
        with_id(&findings_of(store, buster).await, "DSA-5169-1")[0].state,
        "open"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_advisory_reassesses_only_the_packages_it_names() {
    for test in support::stores("incremental").await {
        incremental(test.store.as_ref()).await;
        test.cleanup().await;
    }
}

async fn incremental(store: &dyn Store) {
    let mirror = tempfile::tempdir().unwrap();
    let osv = mirror.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let record = |id: &str, package: &str| {
        serde_json::json!({
            "id": id, "modified": "2024-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM",
                    "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]
        })
        .to_string()
    };
    std::fs::write(osv.join("A-1.json"), record("A-1", "alpha")).unwrap();
    let python = |name: &str| InstalledPackage {
        ecosystem: "PyPI".into(),
        name: name.into(),
        version: "1.0".into(),
        arch: String::new(),
        source_name: None,
        source_version: None,
        source: PackageSource::Python,
        status: "installed".into(),
    };
    let host = inventory(
        store,
        None,
        facts("py", os("debian", "12")),
        vec![python("alpha"), python("Beta")],
        Vec::new(),
        at(0),
    )
    .await;
    import(store, mirror.path(), at(1)).await;
    job::assess(store, &Scope::All, at(1)).await.unwrap();
    assert_eq!(findings_of(store, host).await.len(), 1);

    // One new advisory for beta: the job's scope is beta alone, and alpha's finding stays.
    std::fs::write(osv.join("B-1.json"), record("B-1", "beta")).unwrap();
    let summary = import_mirror(store, mirror.path(), |_| {}, at(2))
        .await
        .unwrap();
    assert_eq!(
        summary.scope,
        Some(Scope::Packages(vec![steward_store::PackageName {
            ecosystem: "PyPI".into(),
            name: "beta".into()
        }]))
    );
    let assessed = job::assess(store, summary.scope.as_ref().unwrap(), at(2))
        .await
        .unwrap();
    assert_eq!(
        (assessed.hosts, assessed.package_versions, assessed.new),
        (1, 1, 1)
    );
    let found = findings_of(store, host).await;
    let ids: Vec<&str> = found.iter().map(|f| f.ids[0].as_str()).collect();
    assert_eq!(found.len(), 2, "{ids:?}");
    assert!(
        found
            .iter()
            .all(|f| f.state == "open" && f.first_seen <= at(2))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_host_assessments_run_as_one_job() {
    for test in support::stores("host_jobs").await {
        host_jobs(test.store.as_ref()).await;
        test.cleanup().await;
    }
}

/// The fault: every accepted inventory queued a one-host job and the worker ran them one by
/// one, each reading every advisory again, so an ingest left a queue that drained at about 20
/// jobs a minute. Claiming one host job now takes the other queued host jobs along (and no
/// job of another scope), and finishing it finishes them all.
async fn host_jobs(store: &dyn Store) {
    let mirror = tempfile::tempdir().unwrap();
    let osv = mirror.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let record = serde_json::json!({
        "id": "PY-TEST-1", "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "alpha"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]
    });
    std::fs::write(osv.join("PY-TEST-1.json"), record.to_string()).unwrap();
    import(store, mirror.path(), at(0)).await;
    worker::run_pending(store, "test").await.unwrap();

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
    let mut hosts = Vec::new();
    for name in ["one", "two", "three"] {
        let os = os("debian", "12");
        let packages = vec![alpha.clone()];
        hosts.push(inventory(store, None, facts(name, os), packages, Vec::new(), at(1)).await);
    }
    let packages = Scope::Packages(vec![steward_store::PackageName {
        ecosystem: "PyPI".into(),
        name: "alpha".into(),
    }]);
    let queue = async |now: Timestamp| {
        job::enqueue(store, &Scope::Hosts(vec![hosts[0]]), now)
            .await
            .unwrap();
        job::enqueue(store, &packages, now).await.unwrap();
        for host in &hosts[1..] {
            job::enqueue(store, &Scope::Hosts(vec![*host]), now)
                .await
                .unwrap();
        }
    };

    // Run by the worker: every job finished, every host assessed.
    queue(at(1)).await;
    assert_eq!(worker::run_pending(store, "test").await.unwrap(), 4);
    assert_eq!(store.pending_jobs().await.unwrap(), 0);
    for host in &hosts {
        assert_eq!(findings_of(store, *host).await.len(), 1, "host {host}");
    }

    // Claimed step by step: the host jobs together, the package job left queued.
    queue(at(2)).await;
    let first = store.claim_job("w", at(2), jiff::SignedDuration::from_hours(1));
    let first = first.await.unwrap().unwrap();
    assert_eq!(
        job::scope_of(&first.payload),
        Ok(Scope::Hosts(vec![hosts[0]]))
    );
    let lease = jiff::SignedDuration::from_hours(1);
    let prefix = job::HOSTS_PAYLOAD_PREFIX;
    let alike = store.claim_queued_alike("w", "assess", prefix, 100, at(2), lease);
    let scopes: Vec<Scope> = alike
        .await
        .unwrap()
        .iter()
        .map(|j| job::scope_of(&j.payload).unwrap())
        .collect();
    assert_eq!(
        scopes,
        vec![Scope::Hosts(vec![hosts[1]]), Scope::Hosts(vec![hosts[2]])]
    );
    assert!(
        store.claim_job("x", at(2), lease).await.unwrap().is_none(),
        "the claimed jobs run under a live lease"
    );
    assert_eq!(store.pending_jobs().await.unwrap(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_package_at_two_versions_on_a_host_makes_one_finding() {
    for test in support::stores("two_versions").await {
        two_versions(test.store.as_ref()).await;
        test.cleanup().await;
    }
}

/// The fault: binaries of one source package at two source versions (a half-done upgrade, two
/// kernels) gave two findings with the same key and the whole job failed on the store's unique
/// constraint. One finding stands for both, at the lower version, until both are fixed.
async fn two_versions(store: &dyn Store) {
    let mirror = tempfile::tempdir().unwrap();
    let osv = mirror.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let record = serde_json::json!({
        "id": "DEB-TEST-1", "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Debian:11", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM",
                "events": [{"introduced": "0"}, {"fixed": "1.1.1n-0+deb11u4"}]}]}]
    });
    std::fs::write(osv.join("DEB-TEST-1.json"), record.to_string()).unwrap();
    let older = "1.1.1n-0+deb11u2";
    let newer = "1.1.1n-0+deb11u3";
    let fixed = "1.1.1n-0+deb11u4";
    let host_facts = facts("half-upgraded", os("debian", "11"));
    let host = inventory(
        store,
        None,
        host_facts.clone(),
        vec![openssl("openssl", newer), openssl("libssl1.1", older)],
        Vec::new(),
        at(0),
    )
    .await;
    import(store, mirror.path(), at(1)).await;
    job::assess(store, &Scope::All, at(1)).await.unwrap();
    let found = findings_of(store, host).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].installed, older);
    assert_eq!(found[0].binaries, ["libssl1.1", "openssl"]);
    let id = found[0].id;

    // The lagging binary catches up but the other is still affected: the same finding, open.
    inventory(
        store,
        Some(host),
        host_facts.clone(),
        vec![openssl("openssl", newer), openssl("libssl1.1", newer)],
        Vec::new(),
        at(2),
    )
    .await;
    job::assess(store, &Scope::Hosts(vec![host]), at(2))
        .await
        .unwrap();
    let found = findings_of(store, host).await;
    assert_eq!(
        (found.len(), found[0].id, found[0].state.as_str()),
        (1, id, "open")
    );
    assert_eq!(found[0].installed, newer);

    // Both fixed, one at the fixed version and one past it: fixed.
    inventory(
        store,
        Some(host),
        host_facts,
        vec![
            openssl("openssl", fixed),
            openssl("libssl1.1", "1.1.1w-0+deb11u1"),
        ],
        Vec::new(),
        at(3),
    )
    .await;
    job::assess(store, &Scope::Hosts(vec![host]), at(3))
        .await
        .unwrap();
    let found = findings_of(store, host).await;
    assert_eq!(
        (found.len(), found[0].id, found[0].state.as_str()),
        (1, id, "fixed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_debian_12_host_shows_its_lifecycle_and_pending_security_updates() {
    for test in support::stores("debian_12").await {
        debian_12(&test.store).await;
        test.cleanup().await;
    }
}

/// The Debian 12 host of the inventory data: os-release, dpkg status and apt's upgradable list.
pub fn debian_12_inventory() -> (HostFacts, Vec<InstalledPackage>, Vec<PendingUpdate>) {
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
    (facts("bookworm", os), packages, updates)
}

async fn debian_12(shared: &Arc<dyn Store>) {
    let store = shared.as_ref();
    let (facts, packages, updates) = debian_12_inventory();
    let host = inventory(store, None, facts, packages, updates, at(0)).await;
    import(store, &data("eol"), at(1)).await;
    import(store, &data("kev"), at(1)).await;
    worker::run_pending(store, "test").await.unwrap();

    let lifecycle = store.host_lifecycle(host).await.unwrap();
    let debian = &lifecycle[0];
    assert!(debian.operating_system);
    assert_eq!(
        (debian.product.as_str(), debian.cycle.as_str()),
        ("debian", "12")
    );
    assert_eq!(debian.source.as_deref(), Some("endoflife.date"));
    assert!(debian.date.is_some());
    assert!(debian.evidence.contains(&"os-release debian 12".to_owned()));

    let app = steward_server::app(shared.clone(), Settings::default());
    let auditor = token(store, Role::Auditor).await;
    let answer = call(
        &app,
        Method::GET,
        &format!("/api/v1/hosts/{host}/lifecycle"),
        &auditor,
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()[0]["product"], "debian");
    assert_eq!(answer.json()[0]["state"], debian.state.as_str());
    let updates = call(
        &app,
        Method::GET,
        &format!("/api/v1/hosts/{host}/updates"),
        &auditor,
        None,
    )
    .await;
    let security = updates
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["security"] == true)
        .count();
    assert_eq!(security, 89, "the 89 pending security updates of the data");
    let forecast = call(
        &app,
        Method::GET,
        "/api/v1/lifecycle/forecast",
        &auditor,
        None,
    )
    .await;
    assert_eq!(forecast.status, StatusCode::OK);
    let feeds = call(&app, Method::GET, "/api/v1/feeds", &auditor, None).await;
    assert!(
        feeds
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "kev")
    );
    // No advisory feed here, and the tracker lists predate Debian 12: no findings.
    assert!(findings_of(store, host).await.is_empty());

    debian_12_on_a_fixed_day(shared, host).await;
}

/// The day the Debian 12 host is assessed on for exact answers: endoflife.date gives Debian 12
/// security support until 2026-07-11 and LTS until 2028-06-30.
pub fn debian_12_day() -> Timestamp {
    "2026-01-15T00:00:00Z".parse().unwrap()
}

/// The Debian 12 host's lifecycle status and pending security updates, as exact values in the
/// API and on its page.
async fn debian_12_on_a_fixed_day(shared: &Arc<dyn Store>, host: i64) {
    let store = shared.as_ref();
    job::assess(store, &Scope::All, debian_12_day())
        .await
        .unwrap();
    let app = steward_server::app(shared.clone(), Settings::default());
    let auditor = token(store, Role::Auditor).await;

    let answer = call(
        &app,
        Method::GET,
        &format!("/api/v1/hosts/{host}/lifecycle"),
        &auditor,
        None,
    )
    .await;
    let os = &answer.json()[0];
    assert_eq!(
        (&os["product"], &os["cycle"], &os["state"]),
        (
            &Value::from("debian"),
            &Value::from("12"),
            &Value::from("supported")
        )
    );
    assert_eq!(os["date"], "2026-07-11");
    assert_eq!(os["source"], "endoflife.date");

    let page = call(&app, Method::GET, &format!("/hosts/{host}"), &auditor, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let summary = section(&page.body, "id=\"security-summary\"");
    assert!(summary.contains("89 security updates pending"), "{summary}");
    let lifecycle = section(&page.body, "id=\"os-lifecycle\"");
    assert!(
        lifecycle
            .contains("supported</span> · debian 12 · until 2026-07-11 · source: endoflife.date"),
        "{lifecycle}"
    );
    let findings = section(&page.body, "id=\"findings-summary\"");
    assert!(
        findings.contains(&format!("<a href=\"/findings?host={host}\">0 open</a>")),
        "{findings}"
    );

    // The day after the assessment nothing has lapsed. Once 2026-07-11 comes, the stored status
    // is stale: the worker's check queues the host, and its re-assessment moves it on to Debian
    // LTS (extended support until 2028-06-30); then nothing is stale any more.
    let before = debian_12_day() + jiff::SignedDuration::from_hours(24);
    assert!(
        worker::queue_lapsed_lifecycles(store, before)
            .await
            .unwrap()
            .is_empty()
    );
    let after: Timestamp = "2026-07-11T00:00:00Z".parse().unwrap();
    let lapsed = worker::queue_lapsed_lifecycles(store, after).await.unwrap();
    assert_eq!(lapsed, [host]);
    job::assess(store, &Scope::Hosts(lapsed), after)
        .await
        .unwrap();
    let os = &store.host_lifecycle(host).await.unwrap()[0];
    assert_eq!(
        (os.state.as_str(), os.date.as_deref()),
        ("extended_support", Some("2028-06-30"))
    );
    assert!(
        worker::queue_lapsed_lifecycles(store, after)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The rest of the page's line that holds `marker`.
fn section<'a>(page: &'a str, marker: &str) -> &'a str {
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} missing"));
    let rest = &page[start..];
    &rest[..rest.find('\n').unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_leaves_its_feed_as_it_was_and_is_named() {
    for test in support::stores("broken_mirror").await {
        broken_mirror(test.store.as_ref()).await;
        test.cleanup().await;
    }
}

async fn broken_mirror(store: &dyn Store) {
    let mirror = tempfile::tempdir().unwrap();
    let kev = mirror.path().join("kev");
    let osv = mirror.path().join("osv");
    std::fs::create_dir_all(&kev).unwrap();
    std::fs::create_dir_all(&osv).unwrap();
    std::fs::copy(
        data("kev/known_exploited_vulnerabilities.json"),
        kev.join("known_exploited_vulnerabilities.json"),
    )
    .unwrap();
    std::fs::write(mirror.path().join("README.txt"), "not a feed").unwrap();
    for id in ["X-1", "X-2"] {
        let record = serde_json::json!({"id": id, "modified": "2024-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1.0"]}]});
        std::fs::write(osv.join(format!("{id}.json")), record.to_string()).unwrap();
    }
    let first = import_mirror(store, mirror.path(), |_| {}, at(1))
        .await
        .unwrap();
    assert!(first.errors.is_empty());
    assert_eq!(first.skipped, 1);
    assert_eq!(store.advisories_naming(None).await.unwrap().len(), 2);

    // A broken record and a changed one in the OSV feed: the feed is kept as it was.
    std::fs::write(osv.join("X-2.json"), "{\"id\": \"X-2\", \"modified\": ").unwrap();
    std::fs::write(
        osv.join("X-3.json"),
        serde_json::json!({"id": "X-3", "modified": "2024-01-01T00:00:00Z", "affected": []})
            .to_string(),
    )
    .unwrap();
    let mut progress = Vec::new();
    let (sender, receiver) = std::sync::mpsc::channel();
    let second = import_mirror(
        store,
        mirror.path(),
        move |p| sender.send(p).unwrap(),
        at(2),
    )
    .await
    .unwrap();
    progress.extend(receiver.try_iter());
    assert!(!progress.is_empty(), "progress is reported");
    assert_eq!(second.errors.len(), 1);
    assert!(
        second.errors[0].path.ends_with("X-2.json"),
        "{:?}",
        second.errors
    );
    let osv_feed = second.feeds.iter().find(|f| f.kind == "osv").unwrap();
    assert!(!osv_feed.imported);
    assert!(
        second
            .feeds
            .iter()
            .find(|f| f.kind == "kev")
            .unwrap()
            .imported
    );
    let ids: Vec<String> = store
        .advisories_naming(None)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, ["X-1", "X-2"], "the stored OSV feed is untouched");
    let feeds = store.feeds().await.unwrap();
    let osv_stored = feeds.iter().find(|f| f.kind == "osv").unwrap();
    assert_eq!(osv_stored.imported_at, at(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_shared_mirror_imports_without_errors() {
    let test = support::sqlite().await;
    let store = test.store.as_ref();
    let summary = import_mirror(store, &data(""), |_| {}, at(1))
        .await
        .unwrap();
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    assert!(summary.feeds.iter().all(|f| f.imported));
    assert!(summary.skipped > 0, "files that are not feeds are counted");
    let kinds: std::collections::BTreeSet<&str> = summary.feeds.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "alpine-secdb",
            "debian-tracker",
            "distro-info",
            "endoflife.date",
            "kev",
            "osv"
        ]
    );
    assert_eq!(store.kev_catalog().await.unwrap().len(), 1404);
    // Importing the same mirror again changes no advisory and queues nothing new.
    let again = import_mirror(store, &data(""), |_| {}, at(2))
        .await
        .unwrap();
    assert!(again.feeds.iter().all(|f| f.advisories_changed == 0));
    assert_eq!(again.job, None);
    test.cleanup().await;
}

/// A signed-in user of the web UI: the session cookie and the CSRF token its forms carry.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn sign_in(store: &dyn Store, name: &str, role: Role) -> Browser {
        let actor = Actor::Cli("test".into());
        let now = Timestamp::now();
        let user = steward_store::NewUser {
            name: name.into(),
            role,
            password_hash: "unused".into(),
        };
        let user = store.create_user(&user, &actor, now).await.unwrap();
        store
            .set_password(user.id, "unused", false, None, &actor, now)
            .await
            .unwrap();
        let secret = secrets::generate(secrets::SESSION_PREFIX);
        let csrf = secrets::generate("");
        let session = steward_store::NewSession {
            id_hash: secrets::hash(&secret),
            user_id: user.id,
            csrf_token: csrf.clone(),
            created_at: now,
            expires_at: now + jiff::SignedDuration::from_hours(1),
        };
        store.create_session(&session).await.unwrap();
        Browser {
            cookie: format!("steward_session={secret}"),
            csrf,
        }
    }

    async fn get(&self, app: &Router, uri: &str) -> Answer {
        let request = Request::get(uri).header("cookie", &self.cookie);
        send(app, request.body(Body::empty()).unwrap()).await
    }

    /// Posts a form; `with_csrf` false leaves the session's token out.
    async fn post(&self, app: &Router, uri: &str, form: &str, with_csrf: bool) -> Answer {
        let body = match with_csrf {
            true => format!("csrf={}&{form}", self.csrf),
            false => form.to_owned(),
        };
        let request = Request::post(uri)
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded");
        send(app, request.body(Body::from(body)).unwrap()).await
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .unwrap();
    Answer {
        status,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// The finding ids linked from the rows of a findings page, in order.
fn listed_findings(page: &str) -> Vec<i64> {
    let table = &page[page.find("id=\"findings\"").unwrap()..];
    table
        .split("<td><a href=\"/findings/")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_are_filtered_and_judged_through_the_pages() {
    for test in support::stores("findings_pages").await {
        findings_pages(&test.store).await;
        test.cleanup().await;
    }
}

async fn findings_pages(shared: &Arc<dyn Store>) {
    let store = shared.as_ref();
    let v11 = "1.1.1n-0+deb11u3";
    let bullseye = inventory(
        store,
        None,
        facts("bullseye", os("debian", "11")),
        vec![openssl("openssl", v11), openssl("libssl1.1", v11)],
        Vec::new(),
        at(0),
    )
    .await;
    let buster = inventory(
        store,
        None,
        facts("buster", os("debian", "10")),
        vec![openssl("openssl", "1.1.1n-0+deb10u2")],
        Vec::new(),
        at(0),
    )
    .await;
    import(
        store,
        &data("advisories-native/debian-security-tracker"),
        at(1),
    )
    .await;
    worker::run_pending(store, "test").await.unwrap();
    let all = store
        .list_findings(&FindingFilter::default(), &PageRequest::default())
        .await
        .unwrap()
        .items;
    let of = |host: i64| -> Vec<i64> {
        all.iter()
            .filter(|f| f.host_id == host)
            .map(|f| f.id)
            .collect()
    };
    let dsa = with_id(&all, "DSA-5343-1")[0].id;

    let app = steward_server::app(shared.clone(), Settings::default());
    let operator = Browser::sign_in(store, "olga", Role::Operator).await;
    let auditor = Browser::sign_in(store, "aude", Role::Auditor).await;

    // The list: every open finding, highest priority first, each with its reasons.
    let page = operator.get(&app, "/findings").await;
    assert_eq!(page.status, StatusCode::OK);
    let listed = listed_findings(&page.body);
    assert_eq!(listed.len(), all.len());
    assert!(page.body.contains("<ul class=\"reasons\"><li>"));
    // Filters: host, text on an advisory id, ecosystem, status, KEV.
    let page = operator
        .get(&app, &format!("/findings?host={buster}"))
        .await;
    assert_eq!(listed_findings(&page.body), of(buster));
    assert!(
        page.body
            .contains(">buster</a> · <a href=\"/findings\">all hosts</a>")
    );
    let page = operator
        .get(&app, "/findings?q=dsa-5343-1&state=open")
        .await;
    assert_eq!(listed_findings(&page.body), [dsa]);
    let page = operator.get(&app, "/findings?ecosystem=Debian:11&q=").await;
    assert_eq!(listed_findings(&page.body), of(bullseye));
    let page = operator.get(&app, "/findings?state=fixed").await;
    assert!(listed_findings(&page.body).is_empty());
    assert!(
        operator
            .get(&app, "/findings?host=web1")
            .await
            .status
            .is_client_error()
    );

    // The finding explained; only a role that may judge sees the verdict form.
    let uri = format!("/findings/{dsa}");
    let page = operator.get(&app, &uri).await;
    let matches = &page.body[page.body.find("id=\"matches\"").unwrap()..];
    assert!(
        matches.contains("<code>&#60; 1.1.1n-0+deb11u4</code>"),
        "{matches}"
    );
    assert!(page.body.contains("id=\"verdict\""));
    assert!(
        !auditor
            .get(&app, &uri)
            .await
            .body
            .contains("id=\"verdict\"")
    );

    // A verdict: refused without the CSRF token, without a reason, and to the auditor.
    let verdict = format!("{uri}/verdict");
    let form = "verdict=accepted_risk&why=internal+only%2C+no+TLS+clients";
    let forged = operator.post(&app, &verdict, form, false).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let empty = operator
        .post(&app, &verdict, "verdict=accepted_risk&why=+", true)
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let refused = auditor.post(&app, &verdict, form, true).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        store.finding(dsa).await.unwrap().unwrap().finding.state,
        "open"
    );

    let given = operator.post(&app, &verdict, form, true).await;
    assert_eq!(given.status, StatusCode::SEE_OTHER);
    let page = operator.get(&app, &uri).await;
    assert!(
        page.body
            .contains("accepted risk — by olga: internal only, no TLS clients"),
        "{}",
        section(&page.body, "id=\"finding-state\"")
    );
    let audit = store.audit_entries(&PageRequest::default()).await.unwrap();
    assert_eq!(audit.items[0].action, "finding.verdict");
    assert_eq!(audit.items[0].actor, "user:olga");
    // Accepted, it leaves the default (open) list and shows under its status.
    let open = operator.get(&app, "/findings").await;
    assert!(!listed_findings(&open.body).contains(&dsa));
    let accepted = operator.get(&app, "/findings?state=accepted_risk").await;
    assert_eq!(listed_findings(&accepted.body), [dsa]);

    // The advisory, found by an alias, names the host; the forecast page answers.
    let advisory = operator.get(&app, "/advisories/CVE-2023-0286").await;
    assert_eq!(advisory.status, StatusCode::OK);
    assert!(
        advisory
            .body
            .contains(&format!("<a href=\"/hosts/{bullseye}\">bullseye</a>"))
    );
    assert_eq!(
        operator.get(&app, "/lifecycle").await.status,
        StatusCode::OK
    );
}
