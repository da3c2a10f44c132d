//! Delivery of spooled documents to a fake server speaking the agent protocol over HTTP.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use steward_agent::client::{Client, ClientError};
use steward_agent::run::drain;
use steward_agent::spool::Spool;
use steward_api::agent::{CHECKIN_PATH, ENROLL_PATH, INVENTORY_PATH, InventoryDocument};
use steward_core::inventory::{HostFacts, InstalledPackage, Inventory, PackageSource};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the fake server received.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorization: Option<String>,
    body: Value,
}

type Handler = Arc<dyn Fn(&str) -> (u16, Value) + Send + Sync>;

/// Serves `handler` on a loopback port; returns the base URL and the log of requests.
async fn fake_server(handler: Handler) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            let (head_end, length) = loop {
                let n = stream.read(&mut buf).await.expect("read request");
                raw.extend_from_slice(&buf[..n]);
                if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse().expect("content length"));
                    break (end + 4, length);
                }
            };
            while raw.len() < head_end + length {
                let n = stream.read(&mut buf).await.expect("read body");
                raw.extend_from_slice(&buf[..n]);
            }
            let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
            let path = head
                .split_whitespace()
                .nth(1)
                .expect("request path")
                .to_owned();
            let authorization = head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("authorization")
                    .then(|| value.trim().to_owned())
            });
            let body = serde_json::from_slice(&raw[head_end..]).expect("JSON body");
            log.lock().expect("log").push(Seen {
                path: path.clone(),
                authorization,
                body,
            });

            let (status, reply) = handler(&path);
            let reply = reply.to_string();
            let response = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{reply}",
                reply.len()
            );
            stream
                .write_all(response.as_bytes())
                .await
                .expect("write response");
        }
    });
    (url, seen)
}

fn document(id: &str) -> InventoryDocument {
    let package = InstalledPackage {
        ecosystem: "Debian".into(),
        name: "bash".into(),
        version: "5.2.15-2+b7".into(),
        arch: "amd64".into(),
        source_name: Some("bash".into()),
        source_version: Some("5.2.15-2".into()),
        source: PackageSource::Dpkg,
        status: "installed".into(),
    };
    let inventory = Inventory {
        packages: vec![package],
        ..Inventory::default()
    };
    let at = jiff::Timestamp::UNIX_EPOCH;
    InventoryDocument::complete(id.into(), at, steward_agent::agent_info(), inventory)
}

fn protocol(path: &str) -> (u16, Value) {
    match path {
        ENROLL_PATH => (200, json!({"host_id": 7, "credential": "host-credential"})),
        CHECKIN_PATH => (200, json!({"needed": ["packages"], "duplicate": false})),
        INVENTORY_PATH => (200, json!({"host_id": 7, "changes": 1, "duplicate": false})),
        _ => (
            404,
            json!({"error": {"code": "not_found", "message": "no such path"}}),
        ),
    }
}

#[tokio::test]
async fn enrolls_then_sends_each_document_once_with_only_the_needed_sections() {
    let (url, seen) = fake_server(Arc::new(protocol)).await;
    let state = tempfile::tempdir().expect("state dir");
    let spool = Spool::open(&state.path().join("spool"), 10).expect("spool");
    spool.push(&document("doc-1")).expect("push");
    spool.push(&document("doc-2")).expect("push");

    let mut client = Client::new(&url, state.path()).expect("client");
    client
        .ensure_enrolled(Some("enroll-token"), &HostFacts::default())
        .await
        .expect("enroll");
    assert!(
        drain(&spool, &client).await.expect("drain"),
        "everything delivered"
    );
    assert!(spool.entries().expect("entries").is_empty());

    let seen = seen.lock().expect("log").clone();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            ENROLL_PATH,
            CHECKIN_PATH,
            INVENTORY_PATH,
            CHECKIN_PATH,
            INVENTORY_PATH
        ]
    );
    assert_eq!(seen[0].body["enrollment_token"], "enroll-token");
    assert_eq!(seen[0].authorization, None);
    assert_eq!(
        seen[1].authorization.as_deref(),
        Some("Bearer host-credential")
    );
    assert_eq!(seen[1].body["document_id"], "doc-1");
    let sent = &seen[2].body;
    assert_eq!(sent["document_id"], "doc-1");
    assert_eq!(sent["packages"][0]["name"], "bash");
    assert!(sent.get("facts").is_none() && sent.get("pending_updates").is_none());
    assert_eq!(seen[3].body["document_id"], "doc-2");

    let stored = std::fs::read_to_string(state.path().join("credential")).expect("credential");
    assert_eq!(stored, "host-credential");
    // A second client finds the credential and does not enroll again.
    let mut again = Client::new(&url, state.path()).expect("client");
    again
        .ensure_enrolled(None, &HostFacts::default())
        .await
        .expect("already enrolled");
    assert!(again.is_enrolled());
}

#[tokio::test]
async fn a_revoked_credential_keeps_the_spool() {
    let handler: Handler = Arc::new(|path| match path {
        CHECKIN_PATH => (
            401,
            json!({"error": {"code": "unauthorized", "message": "revoked"}}),
        ),
        other => protocol(other),
    });
    let (url, _) = fake_server(handler).await;
    let state = tempfile::tempdir().expect("state dir");
    std::fs::write(state.path().join("credential"), "old").expect("credential");
    let spool = Spool::open(&state.path().join("spool"), 10).expect("spool");
    spool.push(&document("doc-1")).expect("push");

    let client = Client::new(&url, state.path()).expect("client");
    let err = client
        .submit(&document("doc-1"))
        .await
        .expect_err("revoked");
    assert!(err.is_revoked(), "{err}");
    assert!(
        matches!(&err, ClientError::Rejected { status: 401, code, .. } if code == "unauthorized")
    );
    assert!(!drain(&spool, &client).await.expect("drain"));
    assert_eq!(spool.entries().expect("entries").len(), 1);
}

#[tokio::test]
async fn an_unreachable_server_keeps_the_spool() {
    // Bind then drop a listener so the port is known to be closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("addr");
    let state = tempfile::tempdir().expect("state dir");
    std::fs::write(state.path().join("credential"), "cred").expect("credential");
    let spool = Spool::open(&state.path().join("spool"), 10).expect("spool");
    spool.push(&document("doc-1")).expect("push");

    let client = Client::new(&format!("http://{port}"), state.path()).expect("client");
    let err = client
        .submit(&document("doc-1"))
        .await
        .expect_err("unreachable");
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");
    assert!(!drain(&spool, &client).await.expect("drain"));
    assert_eq!(spool.entries().expect("entries").len(), 1);
}

#[tokio::test]
async fn a_document_the_server_refuses_is_set_aside_and_the_next_is_sent() {
    let handler: Handler = Arc::new(|path| match path {
        INVENTORY_PATH => (
            400,
            json!({"error": {"code": "invalid_request", "message": "bad"}}),
        ),
        other => protocol(other),
    });
    let (url, seen) = fake_server(handler).await;
    let state = tempfile::tempdir().expect("state dir");
    std::fs::write(state.path().join("credential"), "cred").expect("credential");
    let spool = Spool::open(&state.path().join("spool"), 10).expect("spool");
    spool.push(&document("doc-1")).expect("push");
    spool.push(&document("doc-2")).expect("push");

    let client = Client::new(&url, state.path()).expect("client");
    assert!(drain(&spool, &client).await.expect("drain"));
    assert!(spool.entries().expect("entries").is_empty());
    let aside = std::fs::read_dir(spool.dir()).expect("dir").count();
    assert_eq!(aside, 2, "both refused documents are kept for inspection");
    assert_eq!(seen.lock().expect("log").len(), 4);
}

#[tokio::test]
async fn one_round_collects_enrolls_and_delivers_this_host() {
    let (url, seen) = fake_server(Arc::new(protocol)).await;
    let state = tempfile::tempdir().expect("state dir");
    let mut config = steward_agent::AgentConfig::new(url);
    config.enrollment_token = Some("enroll-token".into());
    config.state_dir = state.path().to_owned();
    config.tags = vec!["web".into()];
    config.once = true;

    assert!(
        steward_agent::run(config.clone()).await.expect("run"),
        "everything delivered"
    );
    assert!(
        std::fs::read_dir(config.spool_dir())
            .expect("spool")
            .next()
            .is_none()
    );
    let seen = seen.lock().expect("log").clone();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, [ENROLL_PATH, CHECKIN_PATH, INVENTORY_PATH]);
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_eq!(seen[0].body["facts"]["hostname"], hostname.trim());
    assert_eq!(
        seen[1].body["digests"].as_object().map(|d| d.len()),
        Some(3)
    );
    assert!(
        state
            .path()
            .join(steward_agent::updates::CACHE_FILE)
            .exists()
    );
}
