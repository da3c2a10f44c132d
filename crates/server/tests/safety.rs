//! Safe input and output, end to end in-process: a hostile inventory is stored faithfully on
//! every backend (read back equal through the API), every page that shows it escapes it and
//! its CSV exports hold no live formula; NUL characters are refused with a 400 that names the
//! field, and nothing is stored; every response carries the Content-Security-Policy and the
//! other security headers.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

mod support;

use axum::http::{Method, StatusCode};
use jiff::Timestamp;
use steward_api::agent::INVENTORY_PATH;
use steward_server::{Settings, safety, secrets};
use support::{
    ATTRIBUTE, CONTROLS, FORMULA, HANDLER, SCRIPT, TestStore, admin_token, call, enroll,
};

/// No payload appears raw in a page; each appears escaped.
fn assert_inert(page: &str, what: &str) {
    for payload in [SCRIPT, HANDLER, ATTRIBUTE] {
        assert!(!page.contains(payload), "{what}: raw payload {payload:?}");
    }
    assert!(!page.contains("<script"), "{what}: a <script> element");
    assert!(
        !page.contains("onerror=\""),
        "{what}: an event handler attribute"
    );
    assert!(!page.contains('\u{1b}'), "{what}: a raw escape character");
    assert!(
        !page.contains('\u{202e}'),
        "{what}: a raw bidirectional override"
    );
}

async fn hostile_inventory_round_trip(test: TestStore) {
    let backend = test.backend;
    let store = test.store.clone();
    let app = steward_server::app(store.clone(), Settings::default());
    let token = admin_token(store.as_ref()).await;
    let uuid = uuid::Uuid::now_v7().to_string();
    let credential = enroll(&app, store.as_ref(), &uuid).await;

    let document = support::hostile_document(&uuid);
    let body = serde_json::to_string(&document).unwrap();
    let answer = call(&app, Method::POST, INVENTORY_PATH, &credential, Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{backend}: {}", answer.body);
    let host_id = answer.json()["host_id"].as_i64().unwrap();

    let host = call(
        &app,
        Method::GET,
        &format!("/api/v1/hosts/{host_id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(host.status, StatusCode::OK, "{backend}: {}", host.body);
    let sent = serde_json::to_value(document.facts.as_ref().unwrap()).unwrap();
    assert_eq!(
        host.json()["facts"],
        sent,
        "{backend}: facts read back differ"
    );
    assert_eq!(host.json()["hostname"], format!("web{SCRIPT}"), "{backend}");

    let uri = format!("/api/v1/hosts/{host_id}/packages?limit=500");
    let packages = call(&app, Method::GET, &uri, &token, None).await;
    let mut stored: Vec<(String, String, String)> = packages.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let field = |f: &str| p[f].as_str().unwrap().to_owned();
            (field("name"), field("version"), field("source_version"))
        })
        .collect();
    let mut expected: Vec<(String, String, String)> = document
        .packages
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), CONTROLS.to_owned()))
        .collect();
    stored.sort();
    expected.sort();
    assert_eq!(stored, expected, "{backend}: packages read back differ");

    for uri in [
        format!("/hosts/{host_id}"),
        "/hosts".to_owned(),
        "/software".to_owned(),
        format!("/software/Debian/{}", support_enc(HANDLER)),
        format!("/hosts?q={}", support_enc(SCRIPT)),
    ] {
        let page = call(&app, Method::GET, &uri, &token, None).await;
        assert_eq!(page.status, StatusCode::OK, "{backend} {uri}");
        assert_inert(&page.body, &format!("{backend} {uri}"));
    }
    let page = call(
        &app,
        Method::GET,
        &format!("/hosts/{host_id}"),
        &token,
        None,
    )
    .await;
    assert!(
        page.body
            .contains("web&#60;script&#62;window.__stewardPwned"),
        "{backend}: the host name is shown escaped"
    );
    assert!(
        page.body
            .contains("ctl\u{2401}\u{2407}\u{2408}\u{240d}\u{241b}[31mred\u{2421}"),
        "{backend}: control characters are shown as visible marks"
    );
    assert!(
        page.body.contains("&#60;U+202E&#62;txt"),
        "{backend}: bidi override shown"
    );
    assert!(
        page.body.len() > 200_000,
        "{backend}: the 100 kB strings are shown whole"
    );
    assert!(
        page.body
            .contains("x&#39;); DROP TABLE hosts; -- &#34; OR 1=1"),
        "{backend}: SQL shown"
    );

    csv_exports_are_inert(&app, &token, host_id, backend).await;
    test.cleanup().await;
}

/// The host list and the host's packages as CSV: each value read back (with the export's
/// neutralising apostrophe removed) is the value stored, and no cell starts a formula.
async fn csv_exports_are_inert(app: &axum::Router, token: &str, host_id: i64, backend: &str) {
    let rows = |body: &str| -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    };
    let formula_start = |cell: &str| cell.starts_with(['=', '+', '-', '@', '\t', '\r']);

    let hosts = call(app, Method::GET, "/api/v1/hosts/export", token, None).await;
    assert_eq!(hosts.status, StatusCode::OK, "{backend}: {}", hosts.body);
    assert_eq!(
        hosts.headers["content-type"], "text/csv; charset=utf-8",
        "{backend}"
    );
    let hosts = rows(&hosts.body);
    let row = hosts
        .iter()
        .find(|r| r[0] == host_id.to_string())
        .unwrap_or_else(|| panic!("{backend}: host {host_id} missing from the export"));
    assert_eq!(row[1], format!("web{SCRIPT}"), "{backend}");
    let tags: Vec<&str> = steward_formats::csv_restore(&row[8]).split("; ").collect();
    assert!(
        tags.contains(&FORMULA) && tags.contains(&SCRIPT),
        "{backend}: {tags:?}"
    );

    let uri = format!("/api/v1/hosts/{host_id}/packages/export");
    let packages = call(app, Method::GET, &uri, token, None).await;
    assert_eq!(packages.status, StatusCode::OK, "{backend}");
    let packages = rows(&packages.body);
    let formula = packages
        .iter()
        .find(|r| steward_formats::csv_restore(&r[1]) == FORMULA)
        .unwrap_or_else(|| panic!("{backend}: the formula package is missing"));
    assert_eq!(formula[1], format!("'{FORMULA}"), "{backend}");
    assert_eq!(formula[2], "'+1-1", "{backend}");
    let control = packages
        .iter()
        .find(|r| r[1] == format!("ctl{CONTROLS}"))
        .unwrap_or_else(|| panic!("{backend}: control characters lost"));
    assert_eq!(control[5], CONTROLS, "{backend}");
    assert_eq!(packages.len(), 7, "{backend}: the header and six packages");

    // The pages link their CSV, with the page's filter.
    let page = call(app, Method::GET, "/hosts?q=web", token, None).await;
    assert!(
        page.body.contains("href=\"/api/v1/hosts/export?q=web\""),
        "{backend}"
    );

    for cell in hosts.iter().chain(&packages).flatten() {
        assert!(!formula_start(cell), "{backend}: a live formula {cell:?}");
    }
}

fn support_enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn hostile_inventory_is_stored_faithfully_and_shown_inert() {
    for test in support::stores("hostile_inventory").await {
        hostile_inventory_round_trip(test).await;
    }
}

#[tokio::test]
async fn nul_in_an_agent_document_is_refused_naming_the_field() {
    let test = support::sqlite().await;
    let store = test.store.clone();
    let app = steward_server::app(store.clone(), Settings::default());
    let uuid = uuid::Uuid::now_v7().to_string();
    let credential = enroll(&app, store.as_ref(), &uuid).await;

    let mut document = support::hostile_document(&uuid);
    if let Some(packages) = document.packages.as_mut() {
        packages[1].name = "bad\u{0}name".into();
    }
    let body = serde_json::to_string(&document).unwrap();
    let answer = call(&app, Method::POST, INVENTORY_PATH, &credential, Some(body)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(answer.json()["error"]["code"], "invalid_request");
    assert_eq!(
        answer.json()["error"]["message"],
        "field \"packages[1].name\" contains a NUL character (U+0000), \
         which Steward does not accept"
    );
    let hash = secrets::hash(&credential);
    let host_id = store.host_for_credential(&hash, Timestamp::now()).await;
    let host_id = host_id.unwrap().unwrap();
    assert!(
        !store
            .document_seen(host_id, &document.document_id)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn nul_in_api_bodies_and_query_parameters_is_refused() {
    let test = support::sqlite().await;
    let app = steward_server::app(test.store.clone(), Settings::default());
    let token = admin_token(test.store.as_ref()).await;

    let body = r#"{"name":"eve\u0000","role":"operator"}"#.to_owned();
    let answer = call(&app, Method::POST, "/api/v1/users", &token, Some(body)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(
        answer.body.contains(r#"field \"name\" contains a NUL"#),
        "{}",
        answer.body
    );

    let answer = call(&app, Method::GET, "/api/v1/hosts?q=a%00b", &token, None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(
        answer.body.contains(r#"query parameter \"q\""#),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let test = support::sqlite().await;
    let app = steward_server::app(test.store.clone(), Settings::default());
    let token = admin_token(test.store.as_ref()).await;
    for (uri, token) in [
        ("/login", ""),
        ("/hosts", token.as_str()),
        ("/api/v1/hosts", ""),
        ("/nowhere", ""),
    ] {
        let answer = call(&app, Method::GET, uri, token, None).await;
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert_eq!(
            header("content-security-policy"),
            safety::CONTENT_SECURITY_POLICY,
            "{uri}"
        );
        assert!(!safety::CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
        assert_eq!(header("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(header("x-frame-options"), "DENY", "{uri}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{uri}");
        // Plain HTTP may sit behind a proxy that decides on HSTS itself; only TLS serving sets it.
        assert_eq!(header("strict-transport-security"), "", "{uri}");
    }
}

#[tokio::test]
async fn no_template_holds_an_inline_script_or_style() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().to_ascii_lowercase();
        let name = path.display();
        assert!(!text.contains("<script>"), "{name}: inline script");
        assert!(!text.contains("<style"), "{name}: inline style element");
        assert!(!text.contains(" style="), "{name}: inline style attribute");
        assert!(
            !text.contains(" onclick=") && !text.contains(" onload="),
            "{name}: handler"
        );
    }
}
