//! The GLPI agent endpoint in process: the contact/inventory exchange in zlib as `glpi-agent`
//! sends it, every example of the GLPI inventory format (computers as hosts, the rest as
//! assets), partial inventories, the history an updated inventory writes, and the refusals
//! an untrusted body gets.

#![expect(
    clippy::unwrap_used,
    reason = "a test helper that fails should fail the test loudly"
)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use jiff::Timestamp;
use serde_json::Value;
use steward_api::resources::{HostFilter, PackageFilter, PageRequest};
use steward_core::inventory::AssetKind;
use steward_core::inventory::diff::Change;
use steward_server::{Settings, secrets};
use steward_store::{Actor, Store};
use tower::ServiceExt;

mod support;

struct Fixture {
    app: Router,
    store: Arc<dyn Store>,
    token: String,
    test_store: support::TestStore,
}

/// One fixture per backend: SQLite, and PostgreSQL when configured.
async fn fixtures(test: &str) -> Vec<Fixture> {
    let mut fixtures = Vec::new();
    for test_store in support::stores(test).await {
        let store = test_store.store.clone();
        let token = secrets::generate(secrets::ENROLLMENT_PREFIX);
        let actor = Actor::Cli("test".into());
        store
            .create_enrollment_token(&secrets::hash(&token), "glpi", &actor, Timestamp::now())
            .await
            .unwrap();
        fixtures.push(Fixture {
            app: steward_server::app(store.clone(), Settings::default()),
            store,
            token,
            test_store,
        });
    }
    fixtures
}

impl Fixture {
    async fn cleanup(self) {
        drop(self.store);
        self.test_store.cleanup().await;
    }

    async fn post(&self, password: Option<&str>, body: Vec<u8>) -> (StatusCode, String, Value) {
        let mut request =
            Request::post("/glpi").header(header::CONTENT_TYPE, "application/x-compress-zlib");
        if let Some(password) = password {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("any:{password}"));
            request = request.header(header::AUTHORIZATION, format!("Basic {basic}"));
        }
        let response = self
            .app
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let json = if content_type == "application/x-compress-zlib" {
            let mut text = String::new();
            flate2::read::ZlibDecoder::new(&body[..])
                .read_to_string(&mut text)
                .unwrap();
            serde_json::from_str(&text).unwrap()
        } else {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        };
        (status, content_type, json)
    }

    async fn send(&self, json: &[u8]) -> Value {
        let (status, _, reply) = self.post(Some(&self.token), zlib(json)).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        reply
    }

    async fn host_ids(&self) -> Vec<i64> {
        let page = self
            .store
            .list_hosts(
                &HostFilter::default(),
                &PageRequest::default(),
                Timestamp::now(),
            )
            .await
            .unwrap();
        page.items.iter().map(|h| h.id).collect()
    }

    async fn history(&self, host_id: i64) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut page = PageRequest {
            limit: Some(500),
            cursor: None,
        };
        loop {
            let found = self.store.host_history(host_id, &page).await.unwrap();
            changes.extend(found.items.into_iter().map(|e| e.change));
            match found.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return changes,
            }
        }
    }

    async fn package_count(&self, host_id: i64) -> usize {
        let page = PageRequest {
            limit: Some(500),
            cursor: None,
        };
        let mut count = 0;
        let mut page = page;
        loop {
            let found = self
                .store
                .host_packages(host_id, &PackageFilter::default(), &page)
                .await
                .unwrap();
            count += found.items.len();
            match found.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return count,
            }
        }
    }
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// The examples of the GLPI inventory format, by file name, sorted.
fn examples() -> Vec<(String, Vec<u8>)> {
    let root = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let path = root.join("inventory/glpi-inventory-format/glpi-inventory-format-examples.tar.zst");
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("{} is absent ({e}): set STEWARD_TEST_DATA", path.display()));
    let zstd = ruzstd::decoding::StreamingDecoder::new(std::io::BufReader::new(file)).unwrap();
    let mut archive = tar::Archive::new(zstd);
    let mut examples = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if let Some(name) = path.strip_prefix("inventory_format/examples/")
            && name.ends_with(".json")
        {
            let name = name.to_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            examples.push((name, bytes));
        }
    }
    examples.sort();
    examples
}

fn example(name: &str) -> Vec<u8> {
    examples().into_iter().find(|(n, _)| n == name).unwrap().1
}

#[tokio::test]
async fn contact_is_answered_with_the_inventory_task_in_zlib() {
    for fixture in fixtures("contact_is_answered_with_the_inventory_task_in_zlib").await {
        contact_is_answered_with_the_inventory_task_in_zlib_on(&fixture).await;
        fixture.cleanup().await;
    }
}

async fn contact_is_answered_with_the_inventory_task_in_zlib_on(fixture: &Fixture) {
    let contact = br#"{"action": "contact", "deviceid": "pc-2026-12-04-08-00-00",
        "name": "GLPI-Agent", "version": "1.11", "installed-tasks": ["inventory"],
        "enabled-tasks": ["inventory"]}"#;
    let (status, content_type, reply) = fixture.post(Some(&fixture.token), zlib(contact)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/x-compress-zlib");
    assert_eq!(reply["status"], "ok");
    assert_eq!(reply["expiration"], 24);
    assert_eq!(reply["tasks"]["inventory"]["server"], "glpi");

    let (status, _, reply) = fixture.post(None, zlib(contact)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{reply}");
    let (status, _, reply) = fixture.post(Some("stw_enroll_wrong"), zlib(contact)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply["status"], "error");
    assert!(fixture.host_ids().await.is_empty());
}

#[tokio::test]
async fn every_example_imports_computers_as_hosts_and_the_rest_as_assets() {
    for fixture in fixtures("every_example_imports_computers_as_hosts_and_the_rest_as_assets").await
    {
        every_example_imports_computers_as_hosts_and_the_rest_as_assets_on(&fixture).await;
        fixture.cleanup().await;
    }
}

async fn every_example_imports_computers_as_hosts_and_the_rest_as_assets_on(fixture: &Fixture) {
    let examples = examples();
    assert_eq!(examples.len(), 20);
    for (name, bytes) in &examples {
        let (status, _, reply) = fixture.post(Some(&fixture.token), zlib(bytes)).await;
        assert_eq!(status, StatusCode::OK, "{name}: {reply}");
        assert_eq!(reply["status"], "ok", "{name}");
    }

    // computer_1 (and its partials), computer_2 (and its partials), computer_3 (and its update).
    let hosts = fixture.host_ids().await;
    assert_eq!(hosts.len(), 3, "{hosts:?}");
    let assets = fixture.store.assets(None).await.unwrap();
    let kinds = |kind| assets.iter().filter(|a| a.record.kind == kind).count();
    assert_eq!(kinds(AssetKind::NetworkDevice), 5);
    // printer_2 and printer_3 are one printer (same serial) reported twice.
    assert_eq!(kinds(AssetKind::Printer), 2);
    assert_eq!(kinds(AssetKind::Phone), 1);
    assert_eq!(assets.len(), 8);
    let switch = assets
        .iter()
        .find(|a| a.record.serial.as_deref() == Some("FOC1243W0ED"))
        .unwrap();
    assert_eq!(switch.record.name, "3k-1-pa3.glpi-project.infra");
    assert_eq!(switch.record.vendor.as_deref(), Some("Cisco"));
    assert_eq!(switch.record.location.as_deref(), Some("paris.pa3"));
}

#[tokio::test]
async fn a_partial_inventory_updates_only_the_sections_it_carries() {
    for fixture in fixtures("a_partial_inventory_updates_only_the_sections_it_carries").await {
        a_partial_inventory_updates_only_the_sections_it_carries_on(&fixture).await;
        fixture.cleanup().await;
    }
}

async fn a_partial_inventory_updates_only_the_sections_it_carries_on(fixture: &Fixture) {
    fixture.send(&example("computer_1.json")).await;
    let host_id = fixture.host_ids().await[0];
    let before = fixture.store.host(host_id).await.unwrap().unwrap();
    assert_eq!(fixture.package_count(host_id).await, 6);
    assert_eq!(before.facts.cpu.cores, Some(2));

    // The same CPU section with two more cores.
    let mut partial: Value =
        serde_json::from_slice(&example("computer_1_partial_cpu.json")).unwrap();
    partial["content"]["cpus"][0]["core"] = Value::from(4);
    fixture.send(partial.to_string().as_bytes()).await;

    assert_eq!(
        fixture.host_ids().await,
        [host_id],
        "the partial goes to the same host"
    );
    let after = fixture.store.host(host_id).await.unwrap().unwrap();
    assert_eq!(after.facts.cpu.cores, Some(4));
    let mut expected = before.facts.clone();
    expected.cpu.cores = Some(4);
    assert_eq!(after.facts, expected, "nothing but the CPU changed");
    assert_eq!(after.sources, before.sources);
    assert_eq!(
        fixture.package_count(host_id).await,
        6,
        "packages untouched"
    );
    let history = fixture.history(host_id).await;
    assert!(
        history.contains(&Change::FactChanged {
            field: "cpu.cores".into(),
            from: Some("2".into()),
            to: Some("4".into()),
        }),
        "{history:?}"
    );

    // A partial software section replaces the package list, and only it.
    let mut softs: Value =
        serde_json::from_slice(&example("computer_1_partial_softs.json")).unwrap();
    softs["content"]["softwares"]
        .as_array_mut()
        .unwrap()
        .truncate(2);
    fixture.send(softs.to_string().as_bytes()).await;
    assert_eq!(fixture.package_count(host_id).await, 2);
    let last = fixture.store.host(host_id).await.unwrap().unwrap();
    assert_eq!(last.facts.disks, before.facts.disks);
    assert_eq!(last.facts.filesystems, before.facts.filesystems);
    assert_eq!(last.facts.cpu.cores, Some(4));
}

/// (name, arch, version) of every rpm package in a GLPI document.
fn rpm_packages(json: &[u8]) -> BTreeSet<(String, String, String)> {
    let document: Value = serde_json::from_slice(json).unwrap();
    document["content"]["softwares"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["from"] == "rpm")
        .map(|s| {
            let text = |key: &str| s[key].as_str().unwrap_or_default().to_owned();
            (text("name"), text("arch"), text("version"))
        })
        .collect()
}

#[tokio::test]
async fn an_updated_inventory_records_its_changes_in_the_history() {
    for fixture in fixtures("an_updated_inventory_records_its_changes_in_the_history").await {
        an_updated_inventory_records_its_changes_in_the_history_on(&fixture).await;
        fixture.cleanup().await;
    }
}

async fn an_updated_inventory_records_its_changes_in_the_history_on(fixture: &Fixture) {
    let (first, updated) = (
        example("computer_3.json"),
        example("computer_3_updated.json"),
    );
    fixture.send(&first).await;
    let host_id = fixture.host_ids().await[0];
    let baseline = fixture.history(host_id).await.len();
    fixture.send(&updated).await;
    assert_eq!(fixture.host_ids().await, [host_id]);

    let (old, new) = (rpm_packages(&first), rpm_packages(&updated));
    assert_eq!(fixture.package_count(host_id).await, new.len());
    let expected_added: BTreeSet<_> = new.difference(&old).cloned().collect();
    let expected_removed: BTreeSet<_> = old.difference(&new).cloned().collect();

    let history = fixture.history(host_id).await;
    let changes = &history[..history.len() - baseline];
    let (mut added, mut removed) = (BTreeSet::new(), BTreeSet::new());
    let mut facts = Vec::new();
    for change in changes {
        match change.clone() {
            Change::PackageAdded {
                name,
                arch,
                version,
                ..
            } => {
                added.insert((name, arch, version));
            }
            Change::PackageRemoved {
                name,
                arch,
                version,
                ..
            } => {
                removed.insert((name, arch, version));
            }
            Change::PackageUpgraded {
                name,
                arch,
                from,
                to,
                ..
            }
            | Change::PackageDowngraded {
                name,
                arch,
                from,
                to,
                ..
            } => {
                removed.insert((name.clone(), arch.clone(), from));
                added.insert((name, arch, to));
            }
            Change::FactChanged { field, .. } => facts.push(field),
        }
    }
    assert_eq!(added, expected_added);
    assert_eq!(removed, expected_removed);
    assert_eq!((added.len(), removed.len()), (1016, 865));
    assert!(facts.contains(&"kernel".to_owned()), "{facts:?}");
    assert!(
        facts.iter().any(|f| f.starts_with("interfaces")),
        "the update has three more network entries: {facts:?}"
    );
    println!(
        "computer_3 -> computer_3_updated: {} added, {} removed (as versions), {} fact changes: {facts:?}",
        added.len(),
        removed.len(),
        facts.len()
    );
}

#[tokio::test]
async fn an_asset_reported_again_is_updated_in_place_keeping_what_people_set() {
    for fixture in
        fixtures("an_asset_reported_again_is_updated_in_place_keeping_what_people_set").await
    {
        an_asset_reported_again_is_updated_in_place_keeping_what_people_set_on(&fixture).await;
        fixture.cleanup().await;
    }
}

async fn an_asset_reported_again_is_updated_in_place_keeping_what_people_set_on(fixture: &Fixture) {
    fixture.send(&example("printer_2.json")).await;
    let printer = fixture.store.assets(None).await.unwrap().pop().unwrap();
    let mut record = printer.record.clone();
    record.asset_tag = Some("PR-0042".into());
    record.location = Some("Floor 2".into());
    let actor = Actor::Cli("test".into());
    fixture
        .store
        .write_assets(
            &[steward_store::AssetWrite {
                id: Some(printer.id),
                record,
            }],
            &actor,
            Timestamp::now(),
        )
        .await
        .unwrap();

    fixture.send(&example("printer_3.json")).await;
    let assets = fixture.store.assets(None).await.unwrap();
    assert_eq!(assets.len(), 1);
    assert_eq!(assets[0].id, printer.id);
    assert_eq!(assets[0].record.asset_tag.as_deref(), Some("PR-0042"));
    assert_eq!(assets[0].record.location.as_deref(), Some("Floor 2"));
}

#[tokio::test]
async fn a_zlib_bomb_a_nul_and_foreign_bodies_are_refused_with_4xx() {
    for fixture in fixtures("a_zlib_bomb_a_nul_and_foreign_bodies_are_refused_with_4xx").await {
        a_zlib_bomb_a_nul_and_foreign_bodies_are_refused_with_4xx_on(&fixture).await;
        fixture.cleanup().await;
    }
}

async fn a_zlib_bomb_a_nul_and_foreign_bodies_are_refused_with_4xx_on(fixture: &Fixture) {
    let bomb = zlib_zeros(1024);
    let started = Instant::now();
    let (status, _, reply) = fixture.post(Some(&fixture.token), bomb).await;
    let elapsed = started.elapsed();
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{reply}");
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .contains("inflated body size"),
        "{reply}"
    );
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");

    let nul = br#"{"action": "inventory", "deviceid": "x\u0000y", "content": {}}"#;
    let (status, _, reply) = fixture.post(Some(&fixture.token), zlib(nul)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reply["message"].as_str().unwrap().contains("NUL"),
        "{reply}"
    );

    let (status, _, reply) = fixture
        .post(Some(&fixture.token), b"<REQUEST/>".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reply["message"].as_str().unwrap().contains("neither zlib"),
        "{reply}"
    );

    let other = br#"{"action": "netdiscovery", "deviceid": "x"}"#;
    let (status, _, reply) = fixture.post(Some(&fixture.token), zlib(other)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reply["message"].as_str().unwrap().contains("netdiscovery"),
        "{reply}"
    );
    assert!(fixture.host_ids().await.is_empty());
}

/// A zlib stream that inflates to `mib` MiB of zeros, built from one compressed MiB repeated.
fn zlib_zeros(mib: u32) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(64 << 10);
    compress
        .compress_vec(&vec![0u8; 1 << 20], &mut block, flate2::FlushCompress::Full)
        .unwrap();
    let mut bomb = vec![0x78, 0xda];
    for _ in 0..mib {
        bomb.extend_from_slice(&block);
    }
    bomb.extend_from_slice(&[0x03, 0x00]);
    let b = (u64::from(mib) << 20) % 65521;
    bomb.extend_from_slice(&(u32::try_from(b).unwrap() << 16 | 1).to_be_bytes());
    bomb
}
