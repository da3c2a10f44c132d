//! The web UI in a real browser: headless Chromium driven through WebDriver (chromedriver)
//! against a real server on loopback. A person signs in, browses hosts, opens a host and signs
//! out; on a Debian 11 host with findings from the Debian tracker's lists, a person goes from
//! the host to its findings, filters them, records a verdict and signs out; the hostile
//! inventory is shown and the test proves no script from it ran and the page still rendered.
//! A failing step saves a screenshot and prints its path.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`; without them the tests say so
//! and pass, unless `STEWARD_REQUIRE_REFERENCE_TOOLS=1` (set by `.ci/run`) demands them.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

mod support;

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use jiff::Timestamp;
use serde_json::{Value, json};
use steward_api::access::Role;
use steward_api::assessment::FindingFilter;
use steward_api::resources::PageRequest;
use steward_core::inventory::identity::HostIdentifiers;
use steward_core::inventory::{
    Dmi, HostFacts, InstalledPackage, OsRelease, PackageSource, Section,
};
use steward_server::Settings;
use steward_server::access::passwords;
use steward_server::assessment::import::import_mirror;
use steward_server::assessment::worker;
use steward_store::{Actor, FactsSection, InventoryUpdate, NewUser, Store};
use support::SCRIPT;
use tokio::net::TcpListener;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PASSWORD: &str = "correct horse battery staple";

/// A chromedriver process, ended when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the browser is here; `false` (with a message) lets the test pass without it.
fn browser_present(test: &str) -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        let required = std::env::var("STEWARD_REQUIRE_REFERENCE_TOOLS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "{test}: chromium and chromium-driver are required but absent"
        );
        eprintln!("{test}: skipped, install chromium and chromium-driver to run it");
    }
    present
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on port {port} within 10 s");
}

async fn open_browser(driver: &Driver, profile: &Path) -> Client {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1024",
    ];
    let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let capabilities = json!({
        "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object literal");
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap()
}

/// A real server on loopback with one administrator who signs in with [`PASSWORD`].
struct Server {
    url: String,
    store: std::sync::Arc<dyn Store>,
    _test: support::TestStore,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start_server() -> Server {
    let test = support::sqlite().await;
    let store = test.store.clone();
    let actor = Actor::Cli("test".into());
    let now = Timestamp::now();
    let hash = passwords::hash(PASSWORD).await.unwrap();
    let user = NewUser {
        name: "ada".into(),
        role: Role::Administrator,
        password_hash: hash.clone(),
    };
    let user = store.create_user(&user, &actor, now).await.unwrap();
    store
        .set_password(user.id, &hash, false, None, &actor, now)
        .await
        .unwrap();

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
        _test: test,
        _stop: stop,
    }
}

/// Where a failing test's screenshot goes.
fn screenshot_path(test: &str) -> PathBuf {
    let dir = option_env!("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("browser-failures");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!("{test}.png"))
}

/// Runs a browser scenario; on failure saves a screenshot, prints its path and fails.
async fn scenario<F>(test: &str, server: &Server, steps: F)
where
    F: AsyncFnOnce(&Client, &str) -> Result<(), String>,
{
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let browser = open_browser(&driver, profile.path()).await;
    let outcome = steps(&browser, &server.url).await;
    if let Err(failure) = &outcome {
        let path = screenshot_path(test);
        match browser.screenshot().await {
            Ok(png) if std::fs::write(&path, &png).is_ok() => {
                eprintln!(
                    "{test}: screenshot of the failure saved to {}",
                    path.display()
                );
            }
            _ => eprintln!("{test}: no screenshot could be taken"),
        }
        eprintln!(
            "{test}: failed at {:?}: {failure}",
            browser.current_url().await
        );
    }
    let _ = browser.close().await;
    if let Err(failure) = outcome {
        panic!("{test}: {failure}");
    }
}

fn step<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> Result<T, String> {
    result.map_err(|e| format!("{what}: {e}"))
}

async fn path_of(browser: &Client) -> Result<String, String> {
    let url = step("read the URL", browser.current_url().await)?;
    Ok(url.path().to_owned())
}

/// Waits up to ten seconds for a navigation to reach a path accepted by `arrived`: a click or
/// form submission returns before the next page has loaded.
async fn wait_for_path(browser: &Client, arrived: impl Fn(&str) -> bool) -> Result<String, String> {
    let mut path = path_of(browser).await?;
    for _ in 0..100 {
        if arrived(&path) {
            return Ok(path);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        path = path_of(browser).await?;
    }
    Ok(path)
}

async fn text_of(browser: &Client, css: &str) -> Result<String, String> {
    let element = step(
        &format!("find {css}"),
        browser.find(Locator::Css(css)).await,
    )?;
    step(&format!("read {css}"), element.text().await)
}

async fn sign_in(browser: &Client, base: &str) -> Result<(), String> {
    step("open /login", browser.goto(&format!("{base}/login")).await)?;
    let form = step(
        "find the sign-in form",
        browser.form(Locator::Css("form")).await,
    )?;
    step("type the name", form.set_by_name("name", "ada").await)?;
    step(
        "type the password",
        form.set_by_name("password", PASSWORD).await,
    )?;
    step("submit the sign-in form", form.submit().await)?;
    let path = wait_for_path(browser, |p| p != "/login").await?;
    match path.as_str() {
        "/" | "/hosts" => Ok(()),
        other => Err(format!(
            "after sign-in the browser is at {other}, not the hosts"
        )),
    }
}

async fn sign_out(browser: &Client) -> Result<(), String> {
    let button = browser.find(Locator::XPath("//button[normalize-space()='Sign out']"));
    step(
        "click Sign out",
        step("find Sign out", button.await)?.click().await,
    )?;
    let path = wait_for_path(browser, |p| p == "/login").await?;
    if path != "/login" {
        return Err(format!(
            "after sign-out the browser is at {path}, not /login"
        ));
    }
    Ok(())
}

/// What the page's own scripts could have set, had any payload run.
async fn page_marks(browser: &Client) -> Result<(Value, String), String> {
    let pwned = step(
        "read window.__stewardPwned",
        browser
            .execute(
                "return window.__stewardPwned === undefined ? null : window.__stewardPwned;",
                vec![],
            )
            .await,
    )?;
    let title = step("read the title", browser.title().await)?;
    Ok((pwned, title))
}

#[tokio::test]
async fn a_person_signs_in_browses_hosts_opens_one_and_signs_out() {
    let test = "browse_hosts";
    if !browser_present(test) {
        return;
    }
    let server = start_server().await;
    let app = steward_server::app(server.store.clone(), Settings::default());
    let host_id = support::submit_hostile(&app, server.store.as_ref()).await;

    scenario(test, &server, async |browser, base| {
        sign_in(browser, base).await?;

        step("open /hosts", browser.goto(&format!("{base}/hosts")).await)?;
        let heading = text_of(browser, "main h1").await?;
        if heading != "Hosts" {
            return Err(format!("the hosts page's heading is {heading:?}"));
        }
        let link = format!("a[href='/hosts/{host_id}']");
        let link = step(
            "find the host's link",
            browser.find(Locator::Css(&link)).await,
        )?;
        step("open the host", link.click().await)?;
        let host_path = format!("/hosts/{host_id}");
        if wait_for_path(browser, |p| p == host_path).await? != host_path {
            return Err("the host's link did not open the host".into());
        }
        let heading = text_of(browser, "main h1").await?;
        if heading != format!("web{SCRIPT}") {
            return Err(format!(
                "the host's heading shows {heading:?}, not its name as text"
            ));
        }
        sign_out(browser).await?;

        step(
            "open /hosts signed out",
            browser.goto(&format!("{base}/hosts")).await,
        )?;
        match path_of(browser).await?.as_str() {
            "/login" => Ok(()),
            other => Err(format!("signed out, /hosts led to {other}, not /login")),
        }
    })
    .await;
}

#[tokio::test]
async fn the_hostile_inventory_runs_no_script_and_the_pages_render() {
    let test = "hostile_inventory";
    if !browser_present(test) {
        return;
    }
    let server = start_server().await;
    let app = steward_server::app(server.store.clone(), Settings::default());
    let host_id = support::submit_hostile(&app, server.store.as_ref()).await;

    scenario(test, &server, async |browser, base| {
        sign_in(browser, base).await?;
        for page in [
            format!("/hosts/{host_id}"),
            "/hosts".to_owned(),
            "/software".to_owned(),
            format!("/hosts?q={}", "%3Cscript%3E"),
        ] {
            step(
                &format!("open {page}"),
                browser.goto(&format!("{base}{page}")).await,
            )?;
            let (pwned, title) = page_marks(browser).await?;
            if pwned != Value::Null {
                return Err(format!("{page}: a payload ran and set {pwned}"));
            }
            if title == "pwned" || !title.ends_with("· Steward") {
                return Err(format!("{page}: the title became {title:?}"));
            }
            let brand = step(
                "find the header",
                browser.find(Locator::Css("header .brand")).await,
            )?;
            let brand = step("the page rendered", brand.text().await)?;
            if brand != "Steward" {
                return Err(format!("{page}: the page header shows {brand:?}"));
            }
        }

        step(
            "reopen the host",
            browser.goto(&format!("{base}/hosts/{host_id}")).await,
        )?;
        let facts = text_of(browser, "#facts").await?;
        for shown in [
            "\"><img src=x onerror=",
            "DROP TABLE hosts",
            "\u{2401}\u{2407}",
        ] {
            if !facts.contains(shown) {
                return Err(format!("the facts table does not show {shown:?} as text"));
            }
        }
        let images = step(
            "count images",
            browser
                .execute("return document.images.length;", vec![])
                .await,
        )?;
        if images != json!(0) {
            return Err(format!("the payloads made {images} image elements"));
        }
        Ok(())
    })
    .await;
}

/// A Debian 11 host whose openssl 1.1.1n-0+deb11u1 the tracker's DSA-5169-1 and DSA-5343-1
/// name, assessed against the tracker's lists of the shared data; returns the host id.
async fn seed_bullseye(store: &dyn Store) -> i64 {
    let facts = HostFacts {
        hostname: "bullseye".into(),
        os: OsRelease {
            id: Some("debian".into()),
            version_id: Some("11".into()),
            pretty_name: Some("Debian GNU/Linux 11 (bullseye)".into()),
            ..OsRelease::default()
        },
        dmi: Dmi {
            uuid: Some("uuid-bullseye".into()),
            ..Dmi::default()
        },
        ..HostFacts::default()
    };
    let now = Timestamp::now();
    let ids = HostIdentifiers::from_facts(&facts);
    let host = store.create_host(&ids, &facts, now).await.unwrap();
    let version = "1.1.1n-0+deb11u1";
    let package = |name: &str| InstalledPackage {
        ecosystem: "Debian".into(),
        name: name.into(),
        version: version.into(),
        arch: "amd64".into(),
        source_name: Some("openssl".into()),
        source_version: Some(version.into()),
        source: PackageSource::Dpkg,
        status: "installed".into(),
    };
    let update = InventoryUpdate {
        document_id: "bullseye-1".into(),
        collected_at: now,
        digests: Section::ALL
            .iter()
            .map(|s| (*s, format!("bullseye-{s:?}")))
            .collect(),
        facts: Some(FactsSection {
            facts,
            sources: Vec::new(),
            tags: Vec::new(),
        }),
        packages: Some(vec![package("openssl"), package("libssl1.1")]),
        pending_updates: Some(Vec::new()),
    };
    store.apply_inventory(host, &update, now).await.unwrap();

    let data = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let tracker = data.join("advisories-native/debian-security-tracker");
    let summary = import_mirror(store, &tracker, |_| {}, now).await.unwrap();
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    worker::run_pending(store, "browser-test").await.unwrap();
    host
}

/// Clicks the first element `css` finds.
async fn click(browser: &Client, css: &str) -> Result<(), String> {
    let element = step(
        &format!("find {css}"),
        browser.find(Locator::Css(css)).await,
    )?;
    step(&format!("click {css}"), element.click().await)
}

/// Waits up to ten seconds for the text of `css` to contain `expected`.
async fn wait_for_text(browser: &Client, css: &str, expected: &str) -> Result<String, String> {
    let mut text = String::new();
    for _ in 0..100 {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            text = element.text().await.unwrap_or_default();
            if text.contains(expected) {
                return Ok(text);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{css} shows {text:?}, not {expected:?}"))
}

/// The links to findings in the findings list's rows.
async fn listed_findings(browser: &Client) -> Result<usize, String> {
    let rows = browser
        .find_all(Locator::Css("#findings tbody a[href^='/findings/']"))
        .await;
    Ok(step("find the findings' rows", rows)?.len())
}

#[tokio::test]
async fn a_person_filters_a_hosts_findings_and_records_a_verdict() {
    let test = "findings_verdict";
    if !browser_present(test) {
        return;
    }
    let server = start_server().await;
    let host_id = seed_bullseye(server.store.as_ref()).await;
    let open = server
        .store
        .list_findings(&FindingFilter::default(), &PageRequest::default())
        .await
        .unwrap()
        .items;
    let dsa = open
        .iter()
        .find(|f| f.ids.iter().any(|i| i == "DSA-5343-1"))
        .unwrap()
        .id;
    let others = open.len();
    assert!(others > 1, "the host has several open findings to filter");

    scenario(test, &server, async |browser, base| {
        sign_in(browser, base).await?;
        step("open /hosts", browser.goto(&format!("{base}/hosts")).await)?;
        click(browser, &format!("#hosts a[href='/hosts/{host_id}']")).await?;
        let host_path = format!("/hosts/{host_id}");
        if wait_for_path(browser, |p| p == host_path).await? != host_path {
            return Err("the host's link did not open the host".into());
        }
        let summary = text_of(browser, "#findings-summary").await?;
        if !summary.starts_with(&format!("{others} open")) {
            return Err(format!("the host's findings summary says {summary:?}"));
        }

        click(browser, "#findings-summary a").await?;
        if wait_for_path(browser, |p| p == "/findings").await? != "/findings" {
            return Err("the findings link did not open the findings".into());
        }
        let listed = listed_findings(browser).await?;
        if listed != others {
            return Err(format!(
                "the host's findings list {listed} rows, not {others}"
            ));
        }
        let form = step(
            "find the filters",
            browser.form(Locator::Css("#finding-filters")).await,
        )?;
        step("type the search", form.set_by_name("q", "dsa-5343-1").await)?;
        step("filter", form.submit().await)?;
        wait_for_text(browser, "#findings tbody", "DSA-5343-1").await?;
        let listed = listed_findings(browser).await?;
        if listed != 1 {
            return Err(format!("filtered by DSA-5343-1, {listed} rows are listed"));
        }

        click(browser, &format!("#findings a[href='/findings/{dsa}']")).await?;
        let finding_path = format!("/findings/{dsa}");
        if wait_for_path(browser, |p| p == finding_path).await? != finding_path {
            return Err("the finding's link did not open it".into());
        }
        let verdict = step(
            "find the verdict form",
            browser.form(Locator::Css("#verdict")).await,
        )?;
        step(
            "choose false positive",
            verdict.set_by_name("verdict", "false_positive").await,
        )?;
        step(
            "type the reason",
            verdict
                .set_by_name("why", "openssl is not used on this host")
                .await,
        )?;
        step("record the verdict", verdict.submit().await)?;
        wait_for_text(
            browser,
            "#finding-state",
            "false positive — by ada: openssl is not used on this host",
        )
        .await?;
        sign_out(browser).await
    })
    .await;

    let judged = server.store.finding(dsa).await.unwrap().unwrap();
    assert_eq!(judged.finding.state, "false_positive");
    let audit = server
        .store
        .audit_entries(&PageRequest::default())
        .await
        .unwrap();
    let entry = audit
        .items
        .iter()
        .find(|e| e.action == "finding.verdict")
        .unwrap();
    assert_eq!(entry.actor, "user:ada");
}
