//! Several servers on one PostgreSQL database: two `steward serve` processes started at the
//! same moment on one fresh database, agents submitting to both at the same time, the same
//! document delivered to both at once. Every document must be applied exactly once: no lost
//! and no doubled history, no doubled hosts.
//!
//! Runs when `STEWARD_TEST_POSTGRES_URL` is set (`.ci/run` sets it); skipped otherwise.

#![expect(
    clippy::unwrap_used,
    reason = "a test helper that fails should fail the test loudly"
)]

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const HOSTS: usize = 24;

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn steward_line(args: &[&str], url: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(args)
        .args(["--database-url", url])
        .env("STEWARD_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "steward {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn sql(url: &str, statements: &[&str]) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

fn facts(i: usize) -> Value {
    json!({
        "hostname": format!("multi-{i:02}"),
        "os": {"id": "debian", "version_id": "12"},
        "machine_id": format!("{i:032x}"),
        "dmi": {"serial": format!("MULTI-{i:04}"), "uuid": format!("00000000-0000-4000-8000-{i:012x}")},
        "cpu": {},
        "disks": [], "filesystems": [],
        "interfaces": [{"name": "eth0", "mac": format!("02:00:00:10:00:{i:02x}"), "addresses": [], "virtual_device": false}],
    })
}

/// A complete document with the digests the server recomputes.
fn document(id: &str, facts: &Value, packages: &[(&str, &str)]) -> Value {
    let packages: Vec<steward_core::inventory::InstalledPackage> = packages
        .iter()
        .map(|(name, version)| {
            serde_json::from_value(json!({
                "ecosystem": "Debian", "name": name, "version": version, "arch": "amd64",
                "source": "dpkg", "status": "installed",
            }))
            .unwrap()
        })
        .collect();
    let inventory = steward_core::inventory::Inventory {
        facts: serde_json::from_value(facts.clone()).unwrap(),
        packages,
        ..Default::default()
    };
    let doc = steward_api::agent::InventoryDocument::complete(
        id.to_owned(),
        jiff::Timestamp::now(),
        steward_api::agent::AgentInfo {
            name: "two-servers-test".into(),
            version: "1".into(),
        },
        inventory,
    );
    serde_json::to_value(doc).unwrap()
}

/// Check-in, then the sections asked for; returns whether sections were sent and the
/// submission's `duplicate` flag.
async fn deliver(
    http: &reqwest::Client,
    server: &str,
    credential: &str,
    doc: &Value,
) -> (bool, bool) {
    let checkin = json!({
        "document_id": doc["document_id"],
        "collected_at": doc["collected_at"],
        "digests": doc["digests"],
    });
    let response = http
        .post(format!("{server}/api/v1/agent/checkin"))
        .bearer_auth(credential)
        .json(&checkin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let needed: Vec<String> = answer["needed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    if needed.is_empty() {
        return (false, answer["duplicate"].as_bool().unwrap_or(false));
    }
    let mut partial = doc.clone();
    for (section, fields) in [
        ("facts", &["facts", "sources", "tags"][..]),
        ("packages", &["packages"]),
        ("pending_updates", &["pending_updates"]),
    ] {
        if !needed.iter().any(|n| n == section) {
            for field in fields {
                partial.as_object_mut().unwrap().remove(*field);
            }
        }
    }
    let response = http
        .post(format!("{server}/api/v1/agent/inventory"))
        .bearer_auth(credential)
        .json(&partial)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    (true, body["duplicate"].as_bool().unwrap_or(false))
}

async fn get_json(http: &reqwest::Client, server: &str, token: &str, path: &str) -> Value {
    let response = http
        .get(format!("{server}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

async fn history(
    http: &reqwest::Client,
    server: &str,
    token: &str,
    host: i64,
) -> Vec<(String, String)> {
    let page = get_json(
        http,
        server,
        token,
        &format!("/api/v1/hosts/{host}/history?limit=500"),
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or("").to_owned(),
                e["name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_apply_every_document_once() {
    let Ok(admin_url) = std::env::var("STEWARD_TEST_POSTGRES_URL") else {
        eprintln!("PostgreSQL skipped, STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = format!("steward_two_{}", uuid::Uuid::now_v7().simple());
    sql(&admin_url, &[&format!("CREATE DATABASE {database}")]).await;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{database}");

    let outcome = tokio::spawn({
        let url = url.clone();
        async move { scenario(&url).await }
    })
    .await;
    sql(
        &admin_url,
        &[&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")],
    )
    .await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}

async fn scenario(url: &str) {
    // Both servers start at the same moment on the empty database: migrations and the first
    // administrator are raced for.
    let servers: Vec<(String, Serve)> = (0..2)
        .map(|_| {
            let port = free_port();
            let child = Command::new(env!("CARGO_BIN_EXE_steward"))
                .args(["serve", "--database-url", url, "--listen"])
                .arg(format!("127.0.0.1:{port}"))
                .env("STEWARD_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            (format!("http://127.0.0.1:{port}"), Serve(child))
        })
        .collect();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    for (server, _) in &servers {
        loop {
            if let Ok(r) = http.get(format!("{server}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(Instant::now() < deadline, "{server} did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let urls: Vec<String> = servers.iter().map(|(u, _)| u.clone()).collect();
    let enrollment = steward_line(&["enroll", "create", "--note", "two servers"], url);
    let token = steward_line(&["token", "create", "--role", "auditor"], url);

    // Enrollment, alternating between the servers, all at once.
    let enrolled = futures_join(
        (0..HOSTS)
            .map(|i| {
                let http = http.clone();
                let server = urls[i % 2].clone();
                let enrollment = enrollment.clone();
                async move {
                    let response = http
                        .post(format!("{server}/api/v1/agent/enroll"))
                        .json(&json!({"enrollment_token": enrollment, "facts": facts(i)}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                    let body: Value = response.json().await.unwrap();
                    (
                        body["host_id"].as_i64().unwrap(),
                        body["credential"].as_str().unwrap().to_owned(),
                    )
                }
            })
            .collect(),
    )
    .await;

    let v1: &[(&str, &str)] = &[
        ("curl", "7.88.1-10+deb12u5"),
        ("vim", "2:9.0.1378-2"),
        ("bash", "5.2.15-2+b7"),
    ];
    let v2: &[(&str, &str)] = &[
        ("curl", "7.88.1-10+deb12u12"),
        ("bash", "5.2.15-2+b7"),
        ("jq", "1.6-2.1"),
    ];
    let v3: &[(&str, &str)] = &[
        ("curl", "7.88.1-10+deb12u12"),
        ("bash", "5.2.15-2+b8"),
        ("jq", "1.6-2.1"),
    ];

    // Round 1: every host's first inventory, half through each server, concurrently.
    futures_join(
        (0..HOSTS)
            .map(|i| {
                let http = http.clone();
                let server = urls[i % 2].clone();
                let credential = enrolled[i].1.clone();
                let doc = document(&format!("h{i}-1"), &facts(i), v1);
                async move { deliver(&http, &server, &credential, &doc).await }
            })
            .collect(),
    )
    .await;
    let mut baseline = BTreeMap::new();
    for (host, _) in &enrolled {
        baseline.insert(*host, history(&http, &urls[0], &token, *host).await.len());
    }

    // Round 2: each host's next document goes to both servers at the same moment, as a
    // replayed spool or a retried request through a load balancer would.
    let deliveries = futures_join(
        (0..HOSTS)
            .flat_map(|i| {
                let doc = document(&format!("h{i}-2"), &facts(i), v2);
                let credential = enrolled[i].1.clone();
                let http = http.clone();
                urls.clone().into_iter().map(move |server| {
                    let http = http.clone();
                    let credential = credential.clone();
                    let doc = doc.clone();
                    async move { deliver(&http, &server, &credential, &doc).await }
                })
            })
            .collect(),
    )
    .await;
    let applied = deliveries
        .iter()
        .filter(|(sent, dup)| *sent && !*dup)
        .count();
    assert_eq!(
        applied, HOSTS,
        "each round-2 document applied exactly once: {deliveries:?}"
    );

    // Round 3: the next change through the other server, all hosts at once.
    futures_join(
        (0..HOSTS)
            .map(|i| {
                let http = http.clone();
                let server = urls[(i + 1) % 2].clone();
                let credential = enrolled[i].1.clone();
                let doc = document(&format!("h{i}-3"), &facts(i), v3);
                async move { deliver(&http, &server, &credential, &doc).await }
            })
            .collect(),
    )
    .await;

    // Every server sees the same, exact history.
    for server in &urls {
        let hosts = get_json(&http, server, &token, "/api/v1/hosts?limit=500").await;
        assert_eq!(
            hosts["items"].as_array().unwrap().len(),
            HOSTS,
            "no doubled hosts"
        );
        for (host, _) in &enrolled {
            let entries = history(&http, server, &token, *host).await;
            let new = entries.len() - baseline[host];
            let mut kinds: Vec<(String, String)> = entries[..new].to_vec();
            kinds.sort();
            assert_eq!(
                kinds,
                [
                    ("package_added".to_owned(), "jq".to_owned()),
                    ("package_removed".to_owned(), "vim".to_owned()),
                    ("package_upgraded".to_owned(), "bash".to_owned()),
                    ("package_upgraded".to_owned(), "curl".to_owned()),
                ],
                "host {host} through {server}"
            );
            let packages = get_json(
                &http,
                server,
                &token,
                &format!("/api/v1/hosts/{host}/packages"),
            )
            .await;
            let versions: Vec<(String, String)> = packages["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap().to_owned(),
                        p["version"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            assert_eq!(
                versions,
                [
                    ("bash".to_owned(), "5.2.15-2+b8".to_owned()),
                    ("curl".to_owned(), "7.88.1-10+deb12u12".to_owned()),
                    ("jq".to_owned(), "1.6-2.1".to_owned()),
                ]
            );
        }
    }
}

/// Runs futures concurrently on the runtime and returns their outputs in order.
async fn futures_join<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}
