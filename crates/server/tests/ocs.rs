//! The OCS Inventory-compatible endpoint in process: authentication, the PROLOG/INVENTORY
//! exchange in zlib, and the refusals an untrusted body gets (zlib bomb, billion laughs,
//! revoked host).

#![expect(
    clippy::unwrap_used,
    reason = "a test helper that fails should fail the test loudly"
)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use jiff::Timestamp;
use steward_api::resources::{HostFilter, PageRequest};
use steward_server::{Settings, secrets};
use steward_store::{Actor, SqlStore, Store};
use tower::ServiceExt;

struct Fixture {
    app: Router,
    store: Arc<dyn Store>,
    token: String,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqlStore::open_data_dir(dir.path()).await.unwrap());
    let token = secrets::generate(secrets::ENROLLMENT_PREFIX);
    let actor = Actor::Cli("test".into());
    store
        .create_enrollment_token(&secrets::hash(&token), "ocs", &actor, Timestamp::now())
        .await
        .unwrap();
    Fixture {
        app: steward_server::app(store.clone(), Settings::default()),
        store,
        token,
        _dir: dir,
    }
}

impl Fixture {
    async fn post(&self, password: Option<&str>, body: Vec<u8>) -> (StatusCode, Vec<u8>, String) {
        let mut request = Request::post("/ocsinventory")
            .header(header::CONTENT_TYPE, "application/x-compress-zlib");
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
        let challenge = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, body.to_vec(), challenge)
    }

    async fn hosts(&self) -> Vec<(i64, i64)> {
        let page = self
            .store
            .list_hosts(
                &HostFilter::default(),
                &PageRequest::default(),
                Timestamp::now(),
            )
            .await
            .unwrap();
        page.items.iter().map(|h| (h.id, h.package_count)).collect()
    }
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn unzlib(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::ZlibDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn test_data(relative: &str) -> Vec<u8> {
    let root = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let path = root.join(relative);
    std::fs::read(&path).unwrap_or_else(|err| {
        panic!(
            "test data {} is absent ({err}): set STEWARD_TEST_DATA",
            path.display()
        )
    })
}

const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<REQUEST>\n  \
    <DEVICEID>vm-2026-12-03-15-51-53</DEVICEID>\n  <QUERY>PROLOG</QUERY>\n</REQUEST>\n";

#[tokio::test]
async fn agents_are_challenged_for_basic_auth_and_wrong_tokens_refused() {
    let fixture = fixture().await;
    let (status, _, challenge) = fixture.post(None, zlib(PROLOG.as_bytes())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge, "Basic realm=\"Steward\"");

    let (status, body, _) = fixture
        .post(Some("stw_enroll_wrong"), zlib(PROLOG.as_bytes()))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(String::from_utf8_lossy(&body).contains("not a live enrollment token"));
}

#[tokio::test]
async fn prolog_is_answered_send_in_zlib_and_the_inventory_makes_a_host() {
    let fixture = fixture().await;
    let (status, body, _) = fixture
        .post(Some(&fixture.token), zlib(PROLOG.as_bytes()))
        .await;
    assert_eq!(status, StatusCode::OK);
    let reply = unzlib(&body);
    assert!(reply.contains("<RESPONSE>SEND</RESPONSE>"), "{reply}");
    assert!(reply.contains("<PROLOG_FREQ>24</PROLOG_FREQ>"), "{reply}");

    let inventory = test_data("inventory/fusioninventory-agent/fusioninventory-inventory.xml");
    let (status, body, _) = fixture.post(Some(&fixture.token), zlib(&inventory)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(unzlib(&body).contains("<RESPONSE>no_account_update</RESPONSE>"));
    let hosts = fixture.hosts().await;
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].1, 788);

    // The OCS agent's report of the same machine lands on the same host.
    let inventory = test_data("inventory/ocsinventory-agent/ocsinventory-agent-local.ocs");
    let (status, _, _) = fixture.post(Some(&fixture.token), zlib(&inventory)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fixture.hosts().await, hosts);
}

/// A zlib stream that inflates to `mib` MiB of zeros, from one compressed MiB repeated.
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

#[tokio::test]
async fn a_zlib_bomb_of_one_gibibyte_is_refused_quickly() {
    let fixture = fixture().await;
    let bomb = zlib_zeros(1024);
    assert!(
        bomb.len() < 2 << 20,
        "the bomb is small: {} bytes",
        bomb.len()
    );
    let started = Instant::now();
    let (status, body, _) = fixture.post(Some(&fixture.token), bomb).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(String::from_utf8_lossy(&body).contains("inflated body size"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(fixture.hosts().await.is_empty());
}

#[tokio::test]
async fn billion_laughs_and_foreign_bodies_are_refused_with_400() {
    let fixture = fixture().await;
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol9 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>&lol9;</DEVICEID></REQUEST>"#;
    let (status, body, _) = fixture.post(Some(&fixture.token), zlib(laughs)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("DOCTYPE"));

    let (status, body, _) = fixture
        .post(Some(&fixture.token), b"\x00binary".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("neither zlib"));
}

#[tokio::test]
async fn a_revoked_host_is_refused_further_reports() {
    let fixture = fixture().await;
    let inventory = test_data("inventory/fusioninventory-agent/fusioninventory-inventory.xml");
    let (status, _, _) = fixture.post(Some(&fixture.token), zlib(&inventory)).await;
    assert_eq!(status, StatusCode::OK);
    let host = fixture.hosts().await[0].0;
    let actor = Actor::Cli("test".into());
    fixture
        .store
        .revoke_agent_credentials(host, &actor, Timestamp::now())
        .await
        .unwrap();

    // The same device: refused at the prolog already.
    let (status, body, _) = fixture
        .post(Some(&fixture.token), zlib(PROLOG.as_bytes()))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "{}",
        String::from_utf8_lossy(&body)
    );
    // Another device of the same machine (the OCS agent): refused at its inventory.
    let inventory = test_data("inventory/ocsinventory-agent/ocsinventory-agent-local.ocs");
    let (status, _, _) = fixture.post(Some(&fixture.token), zlib(&inventory)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(fixture.hosts().await.len(), 1);
}
