//! The TOTP second factor through the pages, in-process: a user enrols (the key is shown once
//! with its otpauth URI and kept only after a right code), then sign-in asks for a code; a
//! wrong code and a replayed code are refused; a role that must use a second factor reaches
//! only its account until it enrols.

#![expect(
    clippy::unwrap_used,
    reason = "a failed setup step should fail the test loudly"
)]

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiff::Timestamp;
use steward_api::access::Role;
use steward_server::Settings;
use steward_server::access::passwords;
use steward_server::access::second_factor::matching_step;
use steward_store::{Actor, NewUser, Store};
use tower::ServiceExt;

const PASSWORD: &str = "a long enough password";

/// A browser's cookie jar, reduced to what these pages set.
#[derive(Default)]
struct Browser {
    cookies: Vec<(String, String)>,
}

struct Page {
    status: StatusCode,
    location: String,
    body: String,
}

impl Browser {
    async fn send(&mut self, app: &Router, method: Method, uri: &str, form: &str) -> Page {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, cookie.join("; "));
        if !form.is_empty() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::from(form.to_owned())).unwrap())
            .await
            .unwrap();
        for set in response.headers().get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        Page {
            status,
            location,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn sign_in(&mut self, app: &Router, name: &str) -> Page {
        let form = format!("name={name}&password=a+long+enough+password&next=%2Fhosts");
        self.send(app, Method::POST, "/login", &form).await
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap() + start.len();
    let len = text[from..].find(end).unwrap();
    &text[from..from + len]
}

fn csrf(page: &str) -> String {
    between(page, "name=\"csrf\" value=\"", "\"").to_owned()
}

/// The code of the current step, and of the step after it (for a second sign-in).
fn code(secret: &str, at: Timestamp) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        String::new(),
    );
    totp.generate(u64::try_from(at.as_second()).unwrap())
}

async fn user(store: &dyn Store, name: &str, role: Role) {
    let hash = passwords::hash(PASSWORD).await.unwrap();
    let actor = Actor::Cli("test".into());
    let user = NewUser {
        name: name.into(),
        role,
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
}

#[tokio::test]
async fn enrolment_then_sign_in_asks_for_a_fresh_code() {
    for test in support::stores("second_factor").await {
        let store = test.store.clone();
        let app = steward_server::app(store.clone(), Settings::default());
        user(store.as_ref(), "ada", Role::Operator).await;
        let mut browser = Browser::default();

        let page = browser.sign_in(&app, "ada").await;
        assert_eq!(page.location, "/hosts", "no second factor yet: straight in");
        let account = browser.send(&app, Method::GET, "/account/totp", "").await;
        assert!(account.body.contains("asks only for your password"));
        let form = format!("csrf={}", csrf(&account.body));
        let started = browser
            .send(&app, Method::POST, "/account/totp/start", &form)
            .await;
        assert_eq!(started.status, StatusCode::OK);
        let secret = between(&started.body, "<code id=\"totp-secret\">", "</code>").to_owned();
        let uri = between(&started.body, "<code id=\"totp-uri\">", "</code>");
        assert_eq!(secret.len(), 32, "160 bits in base32");
        assert!(
            uri.starts_with("otpauth://totp/Steward:ada?secret="),
            "{uri}"
        );
        assert!(
            uri.contains(&secret) && uri.contains("issuer=Steward"),
            "{uri}"
        );

        let csrf_token = csrf(&started.body);
        let wrong = format!("csrf={csrf_token}&secret={secret}&code=000000");
        let refused = browser
            .send(&app, Method::POST, "/account/totp/confirm", &wrong)
            .await;
        let now = Timestamp::now();
        if matching_step(&secret, "000000", now).is_none() {
            assert_eq!(
                refused.status,
                StatusCode::BAD_REQUEST,
                "a wrong code keeps nothing"
            );
        }
        let right = format!(
            "csrf={csrf_token}&secret={secret}&code={}",
            code(&secret, now)
        );
        let confirmed = browser
            .send(&app, Method::POST, "/account/totp/confirm", &right)
            .await;
        assert_eq!(
            confirmed.location, "/account/totp?enrolled=1",
            "{}",
            confirmed.body
        );

        // A new browser: the password leads to the code step, not to a session.
        let mut browser = Browser::default();
        let page = browser.sign_in(&app, "ada").await;
        assert_eq!(page.location, "/login/code");
        assert!(browser.cookies.iter().all(|(n, _)| n != "steward_session"));
        let hosts = browser.send(&app, Method::GET, "/hosts", "").await;
        assert!(
            hosts.location.starts_with("/login"),
            "no session before the code"
        );

        // The code used at enrolment is spent: replaying it fails and ends the attempt.
        let form = format!("code={}", code(&secret, now));
        let replay = browser.send(&app, Method::POST, "/login/code", &form).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.body);
        assert!(replay.body.contains("Wrong or used code"));
        let again = browser.send(&app, Method::POST, "/login/code", &form).await;
        assert_eq!(again.location, "/login", "the pending sign-in is gone");

        // The next step's code (within the allowed skew) lets the user in.
        browser.sign_in(&app, "ada").await;
        let next = code(&secret, now + jiff::SignedDuration::from_secs(30));
        let page = browser
            .send(&app, Method::POST, "/login/code", &format!("code={next}"))
            .await;
        assert_eq!(page.location, "/hosts", "{}", page.body);
        let hosts = browser.send(&app, Method::GET, "/hosts", "").await;
        assert_eq!(hosts.status, StatusCode::OK);

        // An administrator removes the factor (a lost phone): the password alone signs in.
        let admin = support::admin_token(store.as_ref()).await;
        let ada = store.user_by_name("ada").await.unwrap().unwrap().user.id;
        let uri = format!("/api/v1/users/{ada}/totp");
        let removed = support::call(&app, Method::DELETE, &uri, &admin, None).await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
        let mut browser = Browser::default();
        assert_eq!(browser.sign_in(&app, "ada").await.location, "/hosts");

        test.cleanup().await;
    }
}

#[tokio::test]
async fn a_role_that_requires_a_second_factor_reaches_only_its_account_until_it_enrols() {
    let test = support::sqlite().await;
    let settings = Settings {
        require_totp: vec![Role::Administrator],
        ..Settings::default()
    };
    let app = steward_server::app(test.store.clone(), settings);
    user(test.store.as_ref(), "root", Role::Administrator).await;
    user(test.store.as_ref(), "olga", Role::Operator).await;

    let mut admin = Browser::default();
    admin.sign_in(&app, "root").await;
    let hosts = admin.send(&app, Method::GET, "/hosts", "").await;
    assert_eq!(hosts.location, "/account/totp");
    let api = admin.send(&app, Method::GET, "/api/v1/hosts", "").await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert!(api.body.contains("/account/totp"), "{}", api.body);
    let account = admin.send(&app, Method::GET, "/account/totp", "").await;
    assert!(
        account
            .body
            .contains("Your role signs in with a second factor")
    );

    let mut operator = Browser::default();
    operator.sign_in(&app, "olga").await;
    let hosts = operator.send(&app, Method::GET, "/hosts", "").await;
    assert_eq!(
        hosts.status,
        StatusCode::OK,
        "operators are not required to"
    );
}
