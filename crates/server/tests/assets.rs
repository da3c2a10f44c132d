//! Applications and assets through the REST API, in-process, on SQLite and (when configured)
//! PostgreSQL: SBOM and lockfile uploads, re-import with history, CycloneDX export of hosts
//! and applications, and CSV import with a byte-order mark, a bad row and a duplicate.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;
use steward_server::Settings;
use support::{admin_token, call, stores, submit_hostile};
use tower::ServiceExt;

/// Posts raw bytes with a content type, as `curl --data-binary` does.
async fn upload(
    app: &Router,
    uri: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn cargo_lock(serde: &str) -> Vec<u8> {
    format!(
        "version = 4\n\n[[package]]\nname = \"serde\"\nversion = \"{serde}\"\n\
         source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
         [[package]]\nname = \"shop\"\nversion = \"0.1.0\"\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn lockfiles_import_reimport_and_export_as_cyclonedx() {
    for test_store in stores("assets_lockfiles").await {
        let store = test_store.store.clone();
        let app = steward_server::app(store.clone(), Settings::default());
        let token = admin_token(store.as_ref()).await;
        let uri = "/api/v1/applications?format=lockfile&file=Cargo.lock&name=shop";
        let octet = "application/octet-stream";

        let (status, first) = upload(&app, uri, &token, octet, cargo_lock("1.0.1")).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        assert_eq!(first["created"], true);
        assert_eq!(first["component_count"], 2);
        let (status, second) = upload(&app, uri, &token, octet, cargo_lock("1.0.2")).await;
        assert_eq!(status, StatusCode::OK, "{second}");
        assert_eq!(second["application_id"], first["application_id"]);
        assert_eq!(second["changed"], 1);

        let id = first["application_id"].as_i64().unwrap();
        let history = call(
            &app,
            Method::GET,
            &format!("/api/v1/applications/{id}/history"),
            &token,
            None,
        )
        .await;
        assert_eq!(history.json()[0]["kind"], "component_changed");
        let sbom = call(
            &app,
            Method::GET,
            &format!("/api/v1/applications/{id}/sbom"),
            &token,
            None,
        )
        .await;
        assert_eq!(sbom.status, StatusCode::OK);
        let sbom = sbom.json();
        assert_eq!(sbom["specVersion"], "1.6");
        assert_eq!(sbom["components"][0]["purl"], "pkg:cargo/serde@1.0.2");
        let page = call(
            &app,
            Method::GET,
            &format!("/applications/{id}"),
            &token,
            None,
        )
        .await;
        assert!(page.body.contains("pkg:cargo/serde@1.0.2"), "{}", page.body);

        let bad = "/api/v1/applications?format=lockfile&file=deps.lock";
        let (status, body) = upload(&app, bad, &token, octet, cargo_lock("1")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("deps.lock: cannot tell")
        );

        let host = submit_hostile(&app, store.as_ref()).await;
        let sbom = call(
            &app,
            Method::GET,
            &format!("/api/v1/hosts/{host}/sbom"),
            &token,
            None,
        )
        .await;
        assert_eq!(sbom.status, StatusCode::OK);
        assert_eq!(sbom.json()["metadata"]["component"]["type"], "device");
        let missing = call(&app, Method::GET, "/api/v1/hosts/999999/sbom", &token, None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn a_csv_with_a_bom_a_bad_row_and_a_duplicate_imports_nothing_unless_told_to_skip() {
    for test_store in stores("assets_csv").await {
        let store = test_store.store.clone();
        let app = steward_server::app(store.clone(), Settings::default());
        let token = admin_token(store.as_ref()).await;
        let csv = "\u{feff}Name,Kind,Asset Tag,Serial,Location\n\
                   core-sw-1,switch,A-100,SN1,\"Rack 4, row 2\"\n\
                   printer-2,toaster,A-101,SN2,Floor 1\n\
                   phone-3,phone,A-100,SN3,Desk 7\n\
                   \"=cmd|' /C calc'!A0\",other,A-104,SN4,\"multi\nline\"\n";
        let csv = csv.as_bytes().to_vec();
        let text = "text/csv";

        let (status, report) =
            upload(&app, "/api/v1/assets/import", &token, text, csv.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
        assert_eq!(report["imported"], false);
        let errors: Vec<(u64, String)> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["row"].as_u64().unwrap(),
                    e["column"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            errors,
            vec![(3, "Kind".to_owned()), (4, "Asset Tag".to_owned())]
        );
        assert_eq!(store.assets(None).await.unwrap().len(), 0);

        let dry = "/api/v1/assets/import?dry_run=true&skip_bad_rows=true";
        let (_, report) = upload(&app, dry, &token, text, csv.clone()).await;
        assert_eq!(report["plan"].as_array().unwrap().len(), 2);
        assert_eq!(store.assets(None).await.unwrap().len(), 0);

        let skip = "/api/v1/assets/import?skip_bad_rows=true";
        let (status, report) = upload(&app, skip, &token, text, csv.clone()).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["imported"], true);
        let names: Vec<String> = store
            .assets(None)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.record.name)
            .collect();
        assert_eq!(names, vec!["core-sw-1", "=cmd|' /C calc'!A0"]);

        // The export neutralises the formula and imports back with nothing to change.
        let export = call(&app, Method::GET, "/api/v1/assets/export", &token, None).await;
        assert!(export.body.contains("\n'=cmd|"), "{}", export.body);
        let (status, report) = upload(
            &app,
            "/api/v1/assets/import",
            &token,
            text,
            export.body.into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        let actions: Vec<&str> = report["plan"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, vec!["unchanged", "unchanged"]);

        // A row that changes an asset found by its serial updates it.
        let update = b"name,serial,location\ncore-sw-1,SN1,Rack 5\n".to_vec();
        let (_, report) = upload(&app, "/api/v1/assets/import", &token, text, update).await;
        assert_eq!(report["plan"][0]["action"], "update", "{report}");
        let page = call(&app, Method::GET, "/assets", &token, None).await;
        assert!(page.body.contains("Rack 5"));
        assert!(!page.body.contains("<script"));
        test_store.cleanup().await;
    }
}

#[tokio::test]
async fn an_application_is_assessed_against_the_stored_advisories() {
    for test_store in stores("assets_findings").await {
        let store = test_store.store.clone();
        let app = steward_server::app(store.clone(), Settings::default());
        let token = admin_token(store.as_ref()).await;
        let uri = "/api/v1/applications?format=lockfile&file=Cargo.lock&name=shop";
        let (status, imported) = upload(
            &app,
            uri,
            &token,
            "application/octet-stream",
            cargo_lock("1.0.2"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{imported}");
        let id = imported["application_id"].as_i64().unwrap();

        // Two advisories linked by a CVE alias, and one about the unpublished `shop` crate,
        // which the lockfile's path package must not match.
        let mirror = tempfile::tempdir().unwrap();
        let osv = mirror.path().join("osv");
        std::fs::create_dir_all(&osv).unwrap();
        let record = |id: &str, name: &str, fixed: &str| {
            serde_json::json!({
                "id": id, "modified": "2025-01-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
                "severity": [{"type": "CVSS_V3",
                    "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
                "affected": [{"package": {"ecosystem": "crates.io", "name": name},
                    "ranges": [{"type": "SEMVER",
                        "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]
            })
            .to_string()
        };
        for (id, name, fixed) in [
            ("RUSTSEC-2099-0001", "serde", "1.0.3"),
            ("GHSA-2099-0001", "serde", "1.0.5"),
            ("RUSTSEC-2099-0002", "shop", "9.0.0"),
        ] {
            std::fs::write(osv.join(format!("{id}.json")), record(id, name, fixed)).unwrap();
        }
        let summary = steward_server::assessment::import::import_mirror(
            store.as_ref(),
            mirror.path(),
            |_| {},
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
        assert!(summary.errors.is_empty(), "{:?}", summary.errors);

        let uri = format!("/api/v1/applications/{id}/findings");
        let answer = call(&app, Method::GET, &uri, &token, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let findings = answer.json();
        let findings = findings.as_array().unwrap();
        assert_eq!(findings.len(), 1, "{findings:?}");
        let finding = &findings[0];
        assert_eq!(
            (
                &finding["package"],
                &finding["version"],
                &finding["severity"]
            ),
            (
                &Value::from("serde"),
                &Value::from("1.0.2"),
                &Value::from("critical")
            )
        );
        assert_eq!(
            finding["ids"],
            serde_json::json!(["GHSA-2099-0001", "RUSTSEC-2099-0001"])
        );
        assert_eq!(finding["fixed"], serde_json::json!(["1.0.3", "1.0.5"]));

        let page = call(
            &app,
            Method::GET,
            &format!("/applications/{id}"),
            &token,
            None,
        )
        .await;
        assert!(page.body.contains("RUSTSEC-2099-0001"), "{}", page.body);
        let missing = call(
            &app,
            Method::GET,
            "/api/v1/applications/999999/findings",
            &token,
            None,
        )
        .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        test_store.cleanup().await;
    }
}
