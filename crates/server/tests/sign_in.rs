//! Sign-in accountability: a failed sign-in, a sign-in and a sign-out each leave an audit
//! entry naming the user and the address, the chain still verifies; starting a session
//! deletes sessions that expired.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

mod support;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use steward_api::access::Role;
use steward_server::Settings;
use steward_server::access::passwords;
use steward_store::{Actor, NewSession, NewUser};
use tower::ServiceExt;

async fn post_form(
    app: &axum::Router,
    uri: &str,
    form: &str,
    cookie: &str,
) -> axum::response::Response {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(form.to_owned()))
        .unwrap();
    let client: SocketAddr = "192.0.2.7:5555".parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(client));
    app.clone().oneshot(request).await.unwrap()
}

#[tokio::test]
async fn sign_ins_failures_and_sign_outs_are_audited_and_expired_sessions_deleted() {
    for test in support::stores("sign_in_audit").await {
        let store = test.store.clone();
        let app = steward_server::app(store.clone(), Settings::default());
        let actor = Actor::Cli("test".into());
        let hash = passwords::hash("a long enough password").await.unwrap();
        let user = NewUser {
            name: "ada".into(),
            role: Role::Auditor,
            password_hash: hash.clone(),
        };
        let user = store
            .create_user(&user, &actor, Timestamp::now())
            .await
            .unwrap();
        store
            .set_password(user.id, &hash, false, None, &actor, Timestamp::now())
            .await
            .unwrap();

        let long_ago = Timestamp::now() - SignedDuration::from_hours(48);
        let stale = NewSession {
            id_hash: "stale-session".into(),
            user_id: user.id,
            csrf_token: "x".into(),
            created_at: long_ago,
            expires_at: long_ago + SignedDuration::from_hours(12),
        };
        store.create_session(&stale).await.unwrap();
        let exists = |at: Timestamp| {
            let store = store.clone();
            async move {
                store
                    .session(
                        "stale-session",
                        long_ago - SignedDuration::from_hours(1),
                        at,
                    )
                    .await
                    .unwrap()
                    .is_some()
            }
        };
        assert!(exists(long_ago).await, "the stale session is stored");

        let wrong = post_form(&app, "/login", "name=ada&password=nope", "").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        let right = post_form(
            &app,
            "/login",
            "name=ada&password=a+long+enough+password",
            "",
        )
        .await;
        assert_eq!(right.status(), StatusCode::SEE_OTHER);
        assert!(
            !exists(long_ago).await,
            "signing in deleted the expired session"
        );

        let cookie = right
            .headers()
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let account = Request::builder()
            .uri("/account")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        let account = app.clone().oneshot(account).await.unwrap();
        let bytes = axum::body::to_bytes(account.into_body(), 1 << 20)
            .await
            .unwrap();
        let page = String::from_utf8(bytes.to_vec()).unwrap();
        let from = page.find("name=\"csrf\" value=\"").unwrap() + 19;
        let csrf = &page[from..from + page[from..].find('"').unwrap()];
        let out = post_form(&app, "/logout", &format!("csrf={csrf}"), &cookie).await;
        assert_eq!(out.status(), StatusCode::SEE_OTHER);

        let token = support::admin_token(store.as_ref()).await;
        let audit = support::call(&app, Method::GET, "/api/v1/audit?limit=500", &token, None).await;
        let entries: Vec<(String, String, Value)> = audit.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"].as_str().unwrap().starts_with("session."))
            .map(|e| {
                let text = |f: &str| e[f].as_str().unwrap().to_owned();
                (text("action"), text("actor"), e["after"].clone())
            })
            .collect();
        let mut actions: Vec<&str> = entries.iter().map(|(a, _, _)| a.as_str()).collect();
        actions.sort();
        assert_eq!(
            actions,
            [
                "session.sign_in",
                "session.sign_in_failed",
                "session.sign_out"
            ],
            "{}",
            test.backend
        );
        for (action, actor, after) in &entries {
            assert_eq!(actor, "user:ada", "{action}");
            assert_eq!(after["address"], "192.0.2.7", "{action}");
        }
        let failed = entries
            .iter()
            .find(|(a, _, _)| a == "session.sign_in_failed")
            .unwrap();
        assert_eq!(failed.2["reason"], "wrong name or password");

        let verify = support::call(&app, Method::GET, "/api/v1/audit/verify", &token, None).await;
        assert_eq!(verify.json()["broken"], Value::Null, "{}", verify.body);
        test.cleanup().await;
    }
}
