//! The administrators' user and token pages: add a user, reset a password, create and revoke
//! a token through the forms; each secret is shown once and each change is audited. Auditors
//! see the lists but no forms, and their posts are refused.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiff::Timestamp;
use steward_api::access::Role;
use steward_server::{Settings, secrets};
use steward_store::{Actor, NewApiToken, Store};
use tower::ServiceExt;

async fn token(store: &dyn Store, role: Role) -> String {
    let secret = secrets::generate(secrets::API_TOKEN_PREFIX);
    let token = NewApiToken {
        name: format!("{role}-pages"),
        role,
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

async fn post(app: &axum::Router, uri: &str, token: &str, form: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

fn shown_secret(page: &str) -> String {
    let start = page.find("<code id=\"shown-secret\">").unwrap() + 24;
    page[start..start + page[start..].find('<').unwrap()].to_owned()
}

#[tokio::test]
async fn an_administrator_manages_users_and_tokens_through_the_pages() {
    let test = support::sqlite().await;
    let store = test.store.clone();
    let app = steward_server::app(store.clone(), Settings::default());
    let admin = token(store.as_ref(), Role::Administrator).await;
    let auditor = token(store.as_ref(), Role::Auditor).await;

    let (status, page) = post(&app, "/users", &admin, "name=bob&role=operator").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("User bob was added with a one-time password."));
    let password = shown_secret(&page);
    let bob = store.user_by_name("bob").await.unwrap().unwrap();
    assert!(
        steward_server::access::passwords::verify(&password, Some(&bob.password_hash))
            .await
            .unwrap()
    );

    let (status, page) = post(&app, &format!("/users/{}/reset", bob.user.id), &admin, "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_ne!(shown_secret(&page), password, "a new one-time password");

    let (status, page) = post(
        &app,
        "/tokens",
        &admin,
        "name=ci&role=auditor&expires_in_days=7",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let secret = shown_secret(&page);
    assert!(secret.starts_with(secrets::API_TOKEN_PREFIX));
    let made = store
        .api_tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "ci")
        .unwrap();
    assert!(made.expires_at.is_some());

    let (status, _) = post(&app, &format!("/tokens/{}/revoke", made.id), &admin, "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let now = Timestamp::now();
    assert!(
        store
            .api_token_by_hash(&secrets::hash(&secret), now)
            .await
            .unwrap()
            .is_none()
    );

    let audit = support::call(&app, Method::GET, "/api/v1/audit?limit=100", &admin, None).await;
    let actions: Vec<String> = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for action in [
        "user.create",
        "user.password.reset",
        "api_token.create",
        "api_token.revoke",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} audited: {actions:?}"
        );
    }

    let list = support::call(&app, Method::GET, "/users", &auditor, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("bob") && !list.body.contains("Add user"));
    let (status, _) = post(&app, "/users", &auditor, "name=eve&role=administrator").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
