//! The route × role test: every route the application serves, called without credentials and
//! as each role through a session and through an API token, must answer as the access table
//! says: 401 (API) or a redirect to `/login` (pages) without credentials, 403 for a role
//! without the permission, and the handler's own answer otherwise.
//!
//! The routes come from the same list the guard enforces, so a new route is walked here the
//! moment it exists.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use jiff::Timestamp;
use serde_json::Value;
use steward_api::access::Role;
use steward_server::access::{Access, allows};
use steward_server::{RouteRule, Settings, secrets};
use steward_store::{Actor, NewApiToken, NewSession, NewUser, SqlStore, Store};
use tower::ServiceExt;

struct Fixture {
    app: Router,
    store: Arc<dyn Store>,
    users: Vec<(Role, i64)>,
    tokens: Vec<(Role, String)>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqlStore::open_data_dir(dir.path()).await.unwrap());
    let actor = Actor::Cli("test".into());
    let now = Timestamp::now();
    let mut users = vec![];
    let mut tokens = vec![];
    for role in Role::ALL {
        let user = NewUser {
            name: format!("{role}-user"),
            role,
            password_hash: "unused".into(),
        };
        let user = store.create_user(&user, &actor, now).await.unwrap();
        store
            .set_password(user.id, "unused", false, None, &actor, now)
            .await
            .unwrap();
        users.push((role, user.id));

        let secret = secrets::generate(secrets::API_TOKEN_PREFIX);
        let token = NewApiToken {
            name: format!("{role}-token"),
            role,
            hash: secrets::hash(&secret),
            expires_at: None,
        };
        store.create_api_token(&token, &actor, now).await.unwrap();
        tokens.push((role, secret));
    }
    Fixture {
        app: steward_server::app(store.clone(), Settings::default()),
        store,
        users,
        tokens,
        _dir: dir,
    }
}

/// How a request authenticates.
enum Credentials {
    None,
    /// A fresh session of the user with this role (fresh, since sign-out ends it).
    Session(Role),
    Token(Role),
}

impl Fixture {
    /// A new session for a role's user: (cookie value, CSRF token).
    async fn session(&self, role: Role) -> (String, String) {
        let user_id = self.users.iter().find(|(r, _)| *r == role).unwrap().1;
        let secret = secrets::generate(secrets::SESSION_PREFIX);
        let csrf = secrets::generate("");
        let now = Timestamp::now();
        let session = NewSession {
            id_hash: secrets::hash(&secret),
            user_id,
            csrf_token: csrf.clone(),
            created_at: now,
            expires_at: now + jiff::SignedDuration::from_hours(1),
        };
        self.store.create_session(&session).await.unwrap();
        (secret, csrf)
    }

    fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    async fn call(
        &self,
        rule: &RouteRule,
        credentials: &Credentials,
    ) -> (StatusCode, String, Value) {
        let path = concrete(rule.path);
        let api = path.starts_with("/api/");
        let mut request = Request::builder().method(rule.method.clone()).uri(&path);
        let mut csrf = String::new();
        match credentials {
            Credentials::None => {}
            Credentials::Session(role) => {
                let (cookie, token) = self.session(*role).await;
                request = request.header("cookie", format!("steward_session={cookie}"));
                csrf = token;
            }
            Credentials::Token(role) => {
                let bearer = format!("Bearer {}", self.token(*role));
                request = request.header("authorization", bearer);
            }
        }
        let body = match (rule.method == Method::GET, api) {
            (true, _) => Body::empty(),
            (false, true) => {
                request = request
                    .header("content-type", "application/json")
                    .header("x-csrf-token", &csrf);
                Body::from("{}")
            }
            (false, false) => {
                request = request.header("content-type", "application/x-www-form-urlencoded");
                Body::from(format!("csrf={csrf}"))
            }
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, location, json)
    }
}

/// A path with its parameters filled in: ids that do not exist, so that allowed changes touch
/// nothing and every call of the walk sees the same store.
fn concrete(pattern: &str) -> String {
    pattern
        .replace("{id}", "999999")
        .replace("{ecosystem}", "Debian")
        .replace("{name}", "curl")
}

fn label(rule: &RouteRule) -> String {
    format!("{} {}", rule.method, rule.path)
}

#[tokio::test]
async fn every_route_answers_each_role_and_no_credentials_as_the_table_says() {
    let fixture = fixture().await;
    let rules = steward_server::route_rules();
    assert!(rules.len() >= 40, "only {} routes found", rules.len());
    let mut checked = 0;

    for rule in &rules {
        let name = label(rule);
        let api = rule.path.starts_with("/api/");
        let (status, location, body) = fixture.call(rule, &Credentials::None).await;
        match rule.access {
            Access::Public => {
                assert_ne!(status, StatusCode::FORBIDDEN, "{name}");
                assert!(
                    !location.starts_with("/login?next="),
                    "{name} asks to sign in"
                );
            }
            Access::Requires(_) if api => {
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{name} without credentials"
                );
                assert_eq!(body["error"]["code"], "unauthorized", "{name}");
            }
            Access::Requires(_) => {
                assert_eq!(status, StatusCode::SEE_OTHER, "{name} without credentials");
                assert!(location.starts_with("/login?next="), "{name}: {location}");
            }
        }
        checked += 1;

        for role in Role::ALL {
            for credentials in [Credentials::Session(role), Credentials::Token(role)] {
                let (status, location, body) = fixture.call(rule, &credentials).await;
                let how = match credentials {
                    Credentials::Session(_) => "session",
                    _ => "token",
                };
                let allowed = match rule.access {
                    // The agent endpoints answer 401 to anything but an agent's credential.
                    Access::Public => {
                        assert_ne!(status, StatusCode::FORBIDDEN, "{name} as {role} by {how}");
                        checked += 1;
                        continue;
                    }
                    Access::Requires(permission) => allows(role, permission),
                };
                if allowed {
                    assert!(
                        status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                        "{name} as {role} by {how}: {status} {body}"
                    );
                    assert!(
                        !location.starts_with("/login?next="),
                        "{name} as {role} by {how}"
                    );
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{name} as {role} by {how}");
                    assert_eq!(body["error"]["code"], "forbidden", "{name}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, rules.len() * 9);
}

#[tokio::test]
async fn every_protected_api_route_is_in_the_openapi_document() {
    let spec = serde_json::to_value(steward_server::openapi()).unwrap();
    for rule in steward_server::route_rules() {
        if !rule.path.starts_with("/api/v1/") || rule.access == Access::Public {
            continue;
        }
        let method = rule.method.as_str().to_lowercase();
        assert!(
            spec["paths"][rule.path][&method].is_object(),
            "{} is missing from the OpenAPI document",
            label(&rule)
        );
    }
    assert_eq!(
        spec["components"]["securitySchemes"]["api_token"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn session_changes_without_the_csrf_token_are_refused() {
    let fixture = fixture().await;
    let (cookie, _) = fixture.session(Role::Administrator).await;
    let form = "application/x-www-form-urlencoded";
    let cases = [
        ("/reviews/1", form, "decision=merge"),
        ("/reviews/1", form, "decision=merge&csrf=forged"),
        ("/api/v1/enrollment-tokens", "application/json", "{}"),
    ];
    for (path, content_type, body) in cases {
        let request = Request::post(path)
            .header("cookie", format!("steward_session={cookie}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        let response = fixture.app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} {body}");
    }
    assert_eq!(
        fixture.store.list_enrollment_tokens().await.unwrap().len(),
        0
    );
}

#[tokio::test]
async fn unknown_tokens_are_refused_and_head_follows_get() {
    let fixture = fixture().await;
    let unknown = Request::get("/api/v1/hosts")
        .header("authorization", "Bearer stw_api_0000")
        .body(Body::empty())
        .unwrap();
    let response = fixture.app.clone().oneshot(unknown).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let head = Request::head("/api/v1/audit").body(Body::empty()).unwrap();
    let response = fixture.app.clone().oneshot(head).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let operator = format!("Bearer {}", fixture.token(Role::Operator));
    let head = Request::head("/api/v1/audit")
        .header("authorization", operator)
        .body(Body::empty())
        .unwrap();
    let response = fixture.app.clone().oneshot(head).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
