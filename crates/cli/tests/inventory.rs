//! End-to-end inventory tests: a real server on loopback, real HTTP, a real SQLite store, and
//! Steward's own agent collecting this machine. API calls carry an administrator's API token;
//! one test signs in through the pages as a person does.

#![expect(
    clippy::unwrap_used,
    reason = "a test helper that fails should fail the test loudly"
)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{Value, json};
use steward_api::access::Role;
use steward_server::{Settings, secrets};
use steward_store::{Actor, NewApiToken, SqlStore, Store};
use tokio::net::TcpListener;

struct Server {
    url: String,
    store: Arc<dyn Store>,
    /// An administrator's API token, for the API calls the tests make.
    token: String,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn start_server_on(addr: SocketAddr, dir: tempfile::TempDir) -> Server {
    let store: Arc<dyn Store> = Arc::new(SqlStore::open_data_dir(dir.path()).await.unwrap());
    let listener = TcpListener::bind(addr).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = store.clone();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        steward_server::serve(listener, served, Settings::default(), shutdown)
            .await
            .unwrap();
    });
    let token = api_token(store.as_ref(), Role::Administrator).await;
    Server {
        url,
        store,
        token,
        _dir: dir,
        stop: Some(stop),
    }
}

async fn start_server() -> Server {
    start_server_on("127.0.0.1:0".parse().unwrap(), tempfile::tempdir().unwrap()).await
}

fn tester() -> Actor {
    Actor::Cli("test".to_owned())
}

async fn api_token(store: &dyn Store, role: Role) -> String {
    let secret = secrets::generate(secrets::API_TOKEN_PREFIX);
    let token = NewApiToken {
        name: format!("test-{role}"),
        role,
        hash: secrets::hash(&secret),
        expires_at: None,
    };
    let now = jiff::Timestamp::now();
    store
        .create_api_token(&token, &tester(), now)
        .await
        .unwrap();
    secret
}

async fn enrollment_token(server: &Server) -> String {
    let token = secrets::generate(secrets::ENROLLMENT_PREFIX);
    let now = jiff::Timestamp::now();
    server
        .store
        .create_enrollment_token(&secrets::hash(&token), "test", &tester(), now)
        .await
        .unwrap();
    token
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Enrolls a made-up machine and returns (host id, credential).
async fn enroll(server: &Server, facts: Value) -> (i64, String) {
    let token = enrollment_token(server).await;
    let body = json!({"enrollment_token": token, "facts": facts});
    let response = http()
        .post(format!("{}/api/v1/agent/enroll", server.url))
        .json(&body);
    let response = response.send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let reply: Value = response.json().await.unwrap();
    (
        reply["host_id"].as_i64().unwrap(),
        reply["credential"].as_str().unwrap().to_owned(),
    )
}

fn machine(hostname: &str, serial: &str, uuid: &str, machine_id: &str, mac: &str) -> Value {
    json!({
        "hostname": hostname,
        "machine_id": machine_id,
        "dmi": {"serial": serial, "uuid": uuid, "vendor": "To Be Filled By O.E.M."},
        "interfaces": [
            {"name": "lo", "mac": "00:00:00:00:00:00", "addresses": ["127.0.0.1/8"]},
            {"name": "eth0", "mac": mac, "addresses": []}
        ]
    })
}

async fn get_json(server: &Server, path: &str) -> Value {
    let response = http()
        .get(format!("{}{path}", server.url))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn machines_sharing_placeholder_serial_and_uuid_stay_two_hosts() {
    let server = start_server().await;
    let placeholder_uuid = "03000200-0400-0500-0006-000700080009";
    let a = machine(
        "alpha",
        "To be filled by O.E.M.",
        placeholder_uuid,
        "",
        "52:54:00:aa:00:01",
    );
    let b = machine(
        "beta",
        "To Be Filled By O.E.M.",
        placeholder_uuid,
        "",
        "52:54:00:aa:00:02",
    );
    let (host_a, _) = enroll(&server, a).await;
    let (host_b, _) = enroll(&server, b).await;
    assert_ne!(host_a, host_b);

    let zeros = "00000000-0000-0000-0000-000000000000";
    let c = machine("gamma", "Default string", zeros, "", "52:54:00:aa:00:03");
    let d = machine("delta", "DEFAULT STRING", zeros, "", "52:54:00:aa:00:04");
    let (host_c, _) = enroll(&server, c).await;
    let (host_d, _) = enroll(&server, d).await;
    assert_ne!(host_c, host_d);
    assert_eq!(server.store.host_count().await.unwrap(), 4);
    assert!(
        server
            .store
            .open_identity_reviews()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn reinstalled_machine_stays_one_host() {
    let server = start_server().await;
    let uuid = "4C4C4544-0042-3510-8052-B4C04F4B4E32";
    let first = machine(
        "db1",
        "B5RKN2",
        uuid,
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "52:54:00:bb:00:01",
    );
    let (host, _) = enroll(&server, first).await;

    // A reinstall brings a new machine-id (and here a new name); the hardware is the same,
    // and older firmware may even report the UUID in the other byte order and case.
    let swapped = "44454c4c-4200-1035-8052-b4c04f4b4e32";
    let second = machine(
        "db1-new",
        "B5RKN2",
        swapped,
        "aaaabbbbccccddddeeeeffff00001111",
        "52:54:00:bb:00:09",
    );
    let (again, _) = enroll(&server, second).await;
    assert_eq!(host, again);
    assert_eq!(server.store.host_count().await.unwrap(), 1);
}

#[tokio::test]
async fn container_without_hardware_ids_is_known_by_hostname_and_mac() {
    let server = start_server().await;
    let (host, _) = enroll(&server, machine("web1", "", "", "", "02:fc:00:00:00:01")).await;
    let (again, _) = enroll(&server, machine("WEB1", "", "", "", "02:FC:00:00:00:01")).await;
    assert_eq!(host, again);
    let (other, _) = enroll(&server, machine("web2", "", "", "", "02:fc:00:00:00:02")).await;
    assert_ne!(host, other);
}

#[tokio::test]
async fn conflicting_hardware_ids_go_to_review_instead_of_merging() {
    let server = start_server().await;
    let uuid = "9a6f4c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
    let (host, _) = enroll(
        &server,
        machine("app1", "SER-1", uuid, "", "52:54:00:cc:00:01"),
    )
    .await;
    let (other, _) = enroll(
        &server,
        machine("app1", "SER-2", uuid, "", "52:54:00:cc:00:01"),
    )
    .await;
    assert_ne!(host, other);

    let reviews = get_json(&server, "/api/v1/identity-reviews").await;
    let reviews = reviews.as_array().unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["host"]["id"], other);
    assert_eq!(reviews[0]["candidate"]["id"], host);
}

/// A document with the given packages, its digests computed as the agent does.
fn document(id: &str, facts: &Value, packages: &[(&str, &str)]) -> Value {
    let packages: Vec<Value> = packages
        .iter()
        .map(|(name, version)| {
            json!({"ecosystem": "Debian", "name": name, "version": version, "arch": "amd64",
                   "source": "dpkg", "status": "installed"})
        })
        .collect();
    let inventory = json!({"facts": facts, "packages": packages, "pending_updates": [],
                           "sources": [], "tags": []});
    let inventory: steward_core::inventory::Inventory = serde_json::from_value(inventory).unwrap();
    let agent = steward_api::agent::AgentInfo {
        name: "test".into(),
        version: "0".into(),
    };
    let doc = steward_api::agent::InventoryDocument::complete(
        id.into(),
        jiff::Timestamp::now(),
        agent,
        inventory,
    );
    serde_json::to_value(doc).unwrap()
}

/// Checks in and, when asked, submits the needed sections; returns the needed section names.
async fn deliver(server: &Server, credential: &str, doc: &Value) -> Vec<String> {
    let checkin = json!({"document_id": doc["document_id"], "collected_at": doc["collected_at"],
                         "digests": doc["digests"]});
    let url = format!("{}/api/v1/agent/checkin", server.url);
    let reply: Value = http()
        .post(url)
        .bearer_auth(credential)
        .json(&checkin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let needed: Vec<String> = serde_json::from_value(reply["needed"].clone()).unwrap();
    if !needed.is_empty() {
        let mut partial = doc.clone();
        let sections = BTreeMap::from([
            ("facts", vec!["facts", "sources", "tags"]),
            ("packages", vec!["packages"]),
            ("pending_updates", vec!["pending_updates"]),
        ]);
        for (section, fields) in sections {
            if !needed.iter().any(|n| n == section) {
                for field in fields {
                    partial.as_object_mut().unwrap().remove(field);
                }
            }
        }
        let url = format!("{}/api/v1/agent/inventory", server.url);
        let response = http()
            .post(url)
            .bearer_auth(credential)
            .json(&partial)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
    needed
}

#[tokio::test]
async fn only_changed_sections_travel_and_changes_reach_the_history() {
    let server = start_server().await;
    let facts = machine(
        "hist1",
        "",
        "",
        "11112222333344445555666677778888",
        "52:54:00:dd:00:01",
    );
    let (host, credential) = enroll(&server, facts.clone()).await;

    let v1 = document(
        "doc-1",
        &facts,
        &[("curl", "7.88.1-10+deb12u5"), ("vim", "2:9.0.1378-2")],
    );
    assert_eq!(
        deliver(&server, &credential, &v1).await,
        ["facts", "packages", "pending_updates"]
    );

    // Unchanged: one check-in, nothing sent, no history written.
    let again = document(
        "doc-2",
        &facts,
        &[("curl", "7.88.1-10+deb12u5"), ("vim", "2:9.0.1378-2")],
    );
    assert!(deliver(&server, &credential, &again).await.is_empty());
    let history = get_json(&server, &format!("/api/v1/hosts/{host}/history")).await;
    let before = history["items"].as_array().unwrap().len();

    // Upgrade curl, remove vim, add jq: only the packages section travels.
    let v3 = document(
        "doc-3",
        &facts,
        &[("curl", "7.88.1-10+deb12u12"), ("jq", "1.6-2.1")],
    );
    assert_eq!(deliver(&server, &credential, &v3).await, ["packages"]);
    let history = get_json(&server, &format!("/api/v1/hosts/{host}/history")).await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), before + 3, "{items:#?}");
    let kinds: Vec<(&str, &str)> = items[..3]
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["name"].as_str().unwrap()))
        .collect();
    for expected in [
        ("package_upgraded", "curl"),
        ("package_removed", "vim"),
        ("package_added", "jq"),
    ] {
        assert!(
            kinds.contains(&expected),
            "{expected:?} missing from {kinds:?}"
        );
    }

    // The same document again (a lost reply, a replayed spool) is applied once.
    assert!(deliver(&server, &credential, &v3).await.is_empty());
    let history = get_json(&server, &format!("/api/v1/hosts/{host}/history")).await;
    assert_eq!(history["items"].as_array().unwrap().len(), before + 3);

    let packages = get_json(&server, &format!("/api/v1/hosts/{host}/packages")).await;
    let names: Vec<&str> = packages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["curl", "jq"]);
}

#[tokio::test]
async fn a_revoked_host_credential_is_refused() {
    let server = start_server().await;
    let facts = machine(
        "rev1",
        "",
        "",
        "99998888777766665555444433332222",
        "52:54:00:ee:00:01",
    );
    let (host, credential) = enroll(&server, facts.clone()).await;
    let url = format!("{}/api/v1/hosts/{host}/revoke", server.url);
    let revoke = http().post(url).bearer_auth(&server.token).send();
    assert_eq!(revoke.await.unwrap().status(), 200);

    let doc = document("doc-r", &facts, &[]);
    let checkin = json!({"document_id": "doc-r", "collected_at": doc["collected_at"],
                         "digests": doc["digests"]});
    let url = format!("{}/api/v1/agent/checkin", server.url);
    let response = http()
        .post(url)
        .bearer_auth(&credential)
        .json(&checkin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn agent_spools_while_the_server_is_down_and_delivers_each_document_once() {
    // Reserve a port, then leave it closed: the server is "down".
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let state = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let store = SqlStore::open_data_dir(data.path()).await.unwrap();
    let token = secrets::generate(secrets::ENROLLMENT_PREFIX);
    let now = jiff::Timestamp::now();
    store
        .create_enrollment_token(&secrets::hash(&token), "spool", &tester(), now)
        .await
        .unwrap();
    drop(store);

    let config = || {
        let mut config = steward_agent::AgentConfig::new(format!("http://{addr}"));
        config.enrollment_token = Some(token.clone());
        config.state_dir = state.path().to_path_buf();
        config.tags = vec!["spool-test".into()];
        config.once = true;
        config
    };
    assert!(
        !steward_agent::run(config()).await.unwrap(),
        "nothing can be delivered yet"
    );
    assert!(!steward_agent::run(config()).await.unwrap());
    let spooled = spooled_ids(state.path());
    assert_eq!(spooled.len(), 2, "both inventories wait in the spool");

    let server = start_server_on(addr, data).await;
    assert!(
        steward_agent::run(config()).await.unwrap(),
        "the spool drains once the server is back"
    );
    assert!(spooled_ids(state.path()).is_empty());

    let hosts = get_json(&server, "/api/v1/hosts").await;
    let hosts = hosts["items"].as_array().unwrap();
    assert_eq!(hosts.len(), 1);
    let host = hosts[0]["id"].as_i64().unwrap();
    for id in &spooled {
        assert!(
            server.store.document_seen(host, id).await.unwrap(),
            "{id} never arrived"
        );
    }
    assert!(hosts[0]["package_count"].as_i64().unwrap() > 0);
    assert_eq!(hosts[0]["tags"], json!(["spool-test"]));
}

fn spooled_ids(state: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(state.join("spool")) else {
        return vec![];
    };
    let mut ids = vec![];
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            ids.push(doc["document_id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

#[tokio::test]
async fn values_from_agents_are_escaped_in_pages() {
    let server = start_server().await;
    let hostile = "<script>alert(1)</script>\"'&";
    let (host, _) = enroll(&server, machine(hostile, "", "", "", "52:54:00:ff:00:01")).await;

    for path in ["/hosts".to_owned(), format!("/hosts/{host}")] {
        let response = http()
            .get(format!("{}{path}", server.url))
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(!html.contains("<script>alert(1)"), "unescaped on {path}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || html.contains("&lt;script&gt;"),
            "escaped form missing on {path}"
        );
    }
}

#[tokio::test]
async fn api_errors_use_one_envelope_and_openapi_is_served() {
    let server = start_server().await;
    let response = http()
        .get(format!("{}/api/v1/hosts/4242", server.url))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");

    let spec = get_json(&server, "/api/v1/openapi.json").await;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/hosts",
        "/api/v1/hosts/{id}/packages",
        "/api/v1/software",
    ] {
        assert!(
            spec["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    let health = get_json(&server, "/healthz").await;
    assert_eq!(health["status"], "ok");
    let metrics = http()
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics
            .text()
            .await
            .unwrap()
            .contains("steward_http_requests_total")
    );
}

/// A client that keeps cookies and does not follow redirects, like a browser whose every
/// step the test checks.
fn browser() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_first_administrator_signs_in_chooses_a_password_and_signs_out() {
    let server = start_server().await;
    let password = steward_server::access::ensure_first_admin(server.store.as_ref(), &tester())
        .await
        .unwrap()
        .expect("no user existed, so admin is created");
    let url = &server.url;
    let browser = browser();

    let page = browser.get(format!("{url}/hosts")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login?next=%2Fhosts");
    let api = http()
        .get(format!("{url}/api/v1/hosts"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401);
    let body: Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    let wrong = [
        ("name", "admin"),
        ("password", "not it"),
        ("next", "/hosts"),
    ];
    let refused = browser
        .post(format!("{url}/login"))
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Wrong name or password.")
    );

    let right = [
        ("name", "admin"),
        ("password", password.as_str()),
        ("next", "/hosts"),
    ];
    let signed_in = browser
        .post(format!("{url}/login"))
        .form(&right)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    assert_eq!(
        signed_in.headers()["location"],
        "/account",
        "one-time password"
    );
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let held = browser.get(format!("{url}/hosts")).send().await.unwrap();
    assert_eq!(held.headers()["location"], "/account");

    let account = browser.get(format!("{url}/account")).send().await.unwrap();
    let csrf = csrf_of(&account.text().await.unwrap());
    let change = [
        ("csrf", csrf.as_str()),
        ("current", password.as_str()),
        ("new", "a long passphrase of mine"),
        ("confirm", "a long passphrase of mine"),
    ];
    let without_csrf = &change[1..];
    let forged = browser
        .post(format!("{url}/account/password"))
        .form(without_csrf)
        .send();
    assert_eq!(forged.await.unwrap().status(), 403);
    let changed = browser
        .post(format!("{url}/account/password"))
        .form(&change)
        .send();
    assert_eq!(changed.await.unwrap().status(), 303);

    let hosts = browser.get(format!("{url}/hosts")).send().await.unwrap();
    assert_eq!(hosts.status(), 200);
    let html = hosts.text().await.unwrap();
    assert!(html.contains("Sign out"));
    let out = [("csrf", csrf_of(&html))];
    let signed_out = browser
        .post(format!("{url}/logout"))
        .form(&out)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.headers()["location"], "/login");
    let after = browser.get(format!("{url}/hosts")).send().await.unwrap();
    assert_eq!(after.status(), 303);

    let audit = get_json(&server, "/api/v1/audit").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // Newest first: the sign-out, then the password change, then the sign-in.
    assert_eq!(
        actions[..3],
        [
            "session.sign_out",
            "user.password.change",
            "session.sign_in"
        ]
    );
    assert_eq!(audit["items"][1]["actor"], "user:admin");
}

#[tokio::test]
async fn sign_in_is_refused_after_five_failures_for_a_name() {
    let server = start_server().await;
    let url = &server.url;
    let browser = browser();
    let wrong = [("name", "admin"), ("password", "guess")];
    for _ in 0..5 {
        let attempt = browser.post(format!("{url}/login")).form(&wrong).send();
        assert_eq!(attempt.await.unwrap().status(), 401);
    }
    let refused = browser
        .post(format!("{url}/login"))
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Too many failed sign-ins"), "{html}");
}
