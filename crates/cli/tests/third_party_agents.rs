//! The real third-party agents against a real server: `fusioninventory-agent` and
//! `ocsinventory-agent` (Debian packages) report to `/ocsinventory` with an enrollment token
//! as their basic-auth password, Steward's own agent reports too, and all three must land on
//! one host with this machine's package set as `dpkg-query -W` prints it and the identifiers
//! Steward's agent reports.
//!
//! Skipped with a message when the agents are not installed, unless
//! `STEWARD_REQUIRE_REFERENCE_TOOLS=1` (which `.ci/run` sets) makes their absence a failure.

#![expect(
    clippy::unwrap_used,
    reason = "a test helper that fails should fail the test loudly"
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use base64::Engine;
use steward_api::resources::{HostFilter, PackageFilter, PageRequest};
use steward_core::inventory::identity::HostIdentifiers;
use steward_server::{Settings, secrets};
use steward_store::{Actor, SqlStore, Store};
use tokio::net::TcpListener;

struct Server {
    url: String,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqlStore::open_data_dir(dir.path()).await.unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
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
    Server {
        url,
        store,
        _dir: dir,
        _stop: stop,
    }
}

async fn enrollment_token(store: &dyn Store) -> String {
    let token = secrets::generate(secrets::ENROLLMENT_PREFIX);
    let actor = Actor::Cli("test".to_owned());
    store
        .create_enrollment_token(
            &secrets::hash(&token),
            "agents",
            &actor,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    token
}

/// True when both agents are installed; false (after saying why) when the test should skip.
fn agents_installed() -> bool {
    let missing: Vec<&str> = ["fusioninventory-agent", "ocsinventory-agent", "dpkg-query"]
        .into_iter()
        .filter(|tool| {
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .map(|out| !out.status.success())
                .unwrap_or(true)
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    let required = std::env::var("STEWARD_REQUIRE_REFERENCE_TOOLS").as_deref() == Ok("1");
    assert!(
        !required,
        "STEWARD_REQUIRE_REFERENCE_TOOLS=1 but {missing:?} not installed \
         (apt-get install -y ocsinventory-agent fusioninventory-agent)"
    );
    eprintln!(
        "skipped: {missing:?} not installed (apt-get install -y ocsinventory-agent fusioninventory-agent)"
    );
    false
}

fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn run_fusioninventory(url: &str, token: &str, dir: &Path) {
    let config = dir.join("fusioninventory-agent.cfg");
    std::fs::write(
        &config,
        format!(
            "server = {url}/ocsinventory\nuser = inventory\npassword = {token}\n\
             no-task = deploy,esx,collect,wakeonlan,netdiscovery,netinventory\n\
             logger = stderr\n"
        ),
    )
    .unwrap();
    run(
        Command::new("fusioninventory-agent")
            .arg("--config=file")
            .arg(format!("--conf-file={}", config.display())),
        "fusioninventory-agent",
    );
}

fn run_ocsinventory(url: &str, token: &str, dir: &Path) {
    // The OCS agent takes its user and password base64-encoded.
    let encode = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let var = dir.join("ocs-var");
    std::fs::create_dir_all(&var).unwrap();
    run(
        Command::new("ocsinventory-agent")
            .env("HOME", dir)
            .arg(format!("--server={url}/ocsinventory"))
            .arg(format!("--user={}", encode("inventory")))
            .arg(format!("--password={}", encode(token)))
            .arg("--realm=Steward")
            .arg(format!("--basevardir={}", var.display()))
            .args(["--nolocal", "--force"]),
        "ocsinventory-agent",
    );
}

async fn run_steward_agent(url: &str, token: &str, dir: &Path) {
    let mut config = steward_agent::AgentConfig::new(url.to_owned());
    config.enrollment_token = Some(token.to_owned());
    config.state_dir = dir.join("steward-agent");
    config.once = true;
    assert!(
        steward_agent::run(config).await.unwrap(),
        "Steward's agent delivered"
    );
}

/// `dpkg-query -W`: (name without `:arch`, version) of every installed package.
fn dpkg_query() -> BTreeSet<(String, String)> {
    let output = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${binary:Package}\t${Version}\t${db:Status-Abbrev}\n",
        ])
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (name, version, status) = (fields.next()?, fields.next()?, fields.next()?);
            let name = name.split(':').next().unwrap_or(name);
            status
                .starts_with("ii")
                .then(|| (name.to_owned(), version.to_owned()))
        })
        .collect()
}

/// The single host in the store: its id, Debian packages, and identifiers.
async fn only_host(store: &dyn Store) -> (i64, BTreeSet<(String, String)>, HostIdentifiers) {
    let hosts = store
        .list_hosts(
            &HostFilter::default(),
            &PageRequest::default(),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let ids: Vec<i64> = hosts.items.iter().map(|h| h.id).collect();
    assert_eq!(ids.len(), 1, "every agent resolved to one host: {ids:?}");
    let id = ids[0];

    let mut packages = BTreeSet::new();
    let mut page = PageRequest {
        limit: Some(500),
        cursor: None,
    };
    loop {
        let filter = PackageFilter {
            ecosystem: Some("Debian".into()),
            ..PackageFilter::default()
        };
        let batch = store.host_packages(id, &filter, &page).await.unwrap();
        packages.extend(batch.items.into_iter().map(|p| (p.name, p.version)));
        match batch.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    let host = store.host(id).await.unwrap().unwrap();
    (id, packages, HostIdentifiers::from_facts(&host.facts))
}

#[tokio::test]
async fn ocs_and_fusioninventory_agents_and_stewards_agent_resolve_to_one_host() {
    if !agents_installed() {
        return;
    }
    let server = start_server().await;
    let token = enrollment_token(server.store.as_ref()).await;
    let dir = tempfile::tempdir().unwrap();
    let installed = dpkg_query();

    run_steward_agent(&server.url, &token, dir.path()).await;
    let (host, packages, steward_ids) = only_host(server.store.as_ref()).await;
    assert_eq!(
        packages, installed,
        "Steward's agent: packages differ from dpkg-query -W"
    );
    assert!(steward_ids.hostname.is_some());

    let url = server.url.clone();
    let (t, d) = (token.clone(), dir.path().to_path_buf());
    tokio::task::spawn_blocking(move || run_fusioninventory(&url, &t, &d))
        .await
        .unwrap();
    let (same, packages, ids) = only_host(server.store.as_ref()).await;
    assert_eq!(same, host);
    assert_eq!(
        packages, installed,
        "fusioninventory-agent: packages differ from dpkg-query -W"
    );
    assert_eq!(
        ids.hostname, steward_ids.hostname,
        "fusioninventory-agent host name"
    );
    assert_eq!(
        ids.macs, steward_ids.macs,
        "fusioninventory-agent MAC addresses"
    );

    let url = server.url.clone();
    let (t, d) = (token.clone(), dir.path().to_path_buf());
    tokio::task::spawn_blocking(move || run_ocsinventory(&url, &t, &d))
        .await
        .unwrap();
    let (same, packages, ids) = only_host(server.store.as_ref()).await;
    assert_eq!(same, host);
    assert_eq!(
        packages, installed,
        "ocsinventory-agent: packages differ from dpkg-query -W"
    );
    assert_eq!(
        ids.hostname, steward_ids.hostname,
        "ocsinventory-agent host name"
    );
    assert_eq!(
        ids.macs, steward_ids.macs,
        "ocsinventory-agent MAC addresses"
    );

    // Revoking the host's agents refuses the third-party agents' next report.
    let actor = Actor::Cli("test".to_owned());
    server
        .store
        .revoke_agent_credentials(host, &actor, jiff::Timestamp::now())
        .await
        .unwrap();
    let url = server.url.clone();
    let (t, d) = (token.clone(), dir.path().to_path_buf());
    let before = server
        .store
        .host(host)
        .await
        .unwrap()
        .unwrap()
        .summary
        .last_seen;
    tokio::task::spawn_blocking(move || {
        let _ = Command::new("ocsinventory-agent")
            .env("HOME", &d)
            .arg(format!("--server={url}/ocsinventory"))
            .arg(format!(
                "--user={}",
                base64::engine::general_purpose::STANDARD.encode("inventory")
            ))
            .arg(format!(
                "--password={}",
                base64::engine::general_purpose::STANDARD.encode(&t)
            ))
            .arg("--realm=Steward")
            .arg(format!("--basevardir={}", d.join("ocs-var").display()))
            .args(["--nolocal", "--force"])
            .output();
    })
    .await
    .unwrap();
    let after = server
        .store
        .host(host)
        .await
        .unwrap()
        .unwrap()
        .summary
        .last_seen;
    assert_eq!(before, after, "a revoked host took a report");

    // A new device claiming the revoked host's identifiers is refused too, with 403.
    let hostname = steward_ids.hostname.clone().unwrap();
    let mac = steward_ids.macs.first().cloned().unwrap_or_default();
    let xml = format!(
        "<?xml version=\"1.0\"?><REQUEST><QUERY>INVENTORY</QUERY>\
         <DEVICEID>{hostname}-2000-01-01-00-00-00</DEVICEID><CONTENT>\
         <HARDWARE><NAME>{hostname}</NAME></HARDWARE>\
         <NETWORKS><DESCRIPTION>eth0</DESCRIPTION><MACADDR>{mac}</MACADDR></NETWORKS>\
         </CONTENT></REQUEST>"
    );
    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::Client::new()
        .post(format!("{}/ocsinventory", server.url))
        .basic_auth("inventory", Some(&token))
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "{}", response.text().await.unwrap());
}
