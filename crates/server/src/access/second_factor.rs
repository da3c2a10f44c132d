//! The TOTP second factor (RFC 6238: SHA-1, six digits, 30-second steps, one step of clock
//! skew either way).
//!
//! Enrolment: a user asks for a key, which is shown once with its `otpauth://` URI; it is kept
//! only when the user types a code it produced. Sign-in: after the right password, a user with
//! a key gets a short-lived pending sign-in (its own cookie, scoped to `/login`) instead of a
//! session, and the session starts only with a right code. A code is accepted once; a wrong
//! code ends the pending sign-in and counts as a failed sign-in for the throttle.
//! Enforcement: roles named in the settings reach nothing but their account until they enrol.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use steward_store::{PendingSignIn, SignInOutcome, Store};
use totp_rs::{Algorithm, Secret, TOTP};

use super::sessions::{render, start_session};
use super::table::{Access, Permission, Routes};
use super::{ClientAddress, Principal, Via};
use crate::chrome::Chrome;
use crate::{AppError, AppState, secrets};

/// The pending sign-in's cookie.
pub const PENDING_COOKIE: &str = "steward_pending";
/// How long a pending sign-in waits for its code.
pub const PENDING_LIFETIME: SignedDuration = SignedDuration::from_mins(5);
/// The issuer authenticator apps show.
const ISSUER: &str = "Steward";
/// Seconds per step.
const STEP: u64 = 30;

/// The code and enrolment routes.
pub fn routes() -> Routes {
    let account = Access::Requires(Permission::Account);
    Routes::new()
        .get("/login/code", Access::Public, code_page)
        .post("/login/code", Access::Public, code_form)
        .get("/account/totp", account, account_page)
        .post("/account/totp/start", account, start)
        .post("/account/totp/confirm", account, confirm)
        .delete(
            "/api/v1/users/{id}/totp",
            Access::Requires(Permission::ManageAccess),
            remove_api,
        )
        .post(
            "/users/{id}/totp/remove",
            Access::Requires(Permission::ManageAccess),
            remove_form,
        )
}

/// Removes a user's second factor (for a user who lost their authenticator); audited.
async fn remove(state: &AppState, principal: &Principal, id: i64) -> Result<(), AppError> {
    let actor = principal.actor();
    let now = Timestamp::now();
    match state.store.set_totp_secret(id, None, &actor, now).await? {
        true => Ok(()),
        false => Err(AppError::NotFound(format!("no user with id {id}"))),
    }
}

/// Remove a user's TOTP second factor, so they sign in with their password alone (and set up
/// a new one, if their role requires it).
#[utoipa::path(delete, path = "/api/v1/users/{id}/totp", tag = "access",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 204), (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn remove_api(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    remove(&state, &principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_form(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    remove(&state, &principal, id).await?;
    Ok(Redirect::to("/users#users").into_response())
}

fn totp(secret_base32: &str, account: &str) -> Result<TOTP, AppError> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|_| AppError::Invalid("the key is not base32".into()))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        bytes,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| AppError::Invalid(format!("unusable key: {e}")))
}

/// A new random key (160 bits), base32.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => unreachable!("to_encoded returns the encoded form"),
    }
}

/// The time step whose code `code` is, within one step of `now`; `None` when it matches none.
pub fn matching_step(secret_base32: &str, code: &str, now: Timestamp) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret_base32, "check").ok()?;
    let current = u64::try_from(now.as_second()).ok()? / STEP;
    (current.saturating_sub(1)..=current + 1)
        .find(|step| {
            let expected = totp.generate(step * STEP);
            super::guard::same_secret(&expected, code)
        })
        .and_then(|step| i64::try_from(step).ok())
}

/// Whether `code` is a fresh right code for the user's key; marks it used when it is.
async fn accept_code(
    store: &dyn Store,
    user_id: i64,
    secret: &str,
    code: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    let Some(step) = matching_step(secret, code, now) else {
        return Ok(false);
    };
    Ok(store.use_totp_step(user_id, step).await?)
}

/// Starts a pending sign-in for a user with a key; returns its cookie.
pub(super) async fn begin(
    state: &AppState,
    user_id: i64,
    user_name: &str,
    next_path: &str,
    now: Timestamp,
) -> Result<Cookie<'static>, AppError> {
    let secret = secrets::generate("stw_pending_");
    let pending = PendingSignIn {
        user_id,
        user_name: user_name.to_owned(),
        next_path: next_path.to_owned(),
    };
    let expires = now + PENDING_LIFETIME;
    state
        .store
        .create_pending_sign_in(&secrets::hash(&secret), &pending, expires, now)
        .await?;
    Ok(Cookie::build((PENDING_COOKIE, secret))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies)
        .path("/login")
        .build())
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    chrome: Chrome,
    message: Option<String>,
    retry: bool,
}

async fn code_page(jar: CookieJar) -> Result<Response, AppError> {
    if jar.get(PENDING_COOKIE).is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    let page = CodePage {
        chrome: Chrome::default(),
        message: None,
        retry: false,
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
struct CodeForm {
    code: String,
}

async fn code_form(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let now = Timestamp::now();
    let Some(cookie) = jar.get(PENDING_COOKIE) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let id_hash = secrets::hash(cookie.value());
    let Some(pending) = state.store.pending_sign_in(&id_hash, now).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    state.store.delete_pending_sign_in(&id_hash).await?;
    let gone = Cookie::build((PENDING_COOKIE, "")).path("/login").build();
    let jar = jar.remove(gone);

    let secret = state.store.totp_secret(pending.user_id).await?;
    let right = match &secret {
        Some(secret) => {
            accept_code(
                state.store.as_ref(),
                pending.user_id,
                secret,
                &form.code,
                now,
            )
            .await?
        }
        None => false,
    };
    let address = address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    if !right {
        let forget_before = now - super::sessions::THROTTLE_WINDOW;
        state
            .store
            .record_login_failure(&pending.user_name, &address, now, forget_before)
            .await?;
        tracing::info!(user = %pending.user_name, %address, "sign-in failed: wrong code");
        let outcome = SignInOutcome::WrongCode;
        let name = &pending.user_name;
        state
            .store
            .audit_sign_in(name, &address, outcome, now)
            .await?;
        let page = CodePage {
            chrome: Chrome::default(),
            message: Some("Wrong or used code. Sign in again.".into()),
            retry: true,
        };
        let page = render(StatusCode::UNAUTHORIZED, &page)?;
        return Ok((jar, page).into_response());
    }

    let session = start_session(&state, pending.user_id, now).await?;
    tracing::info!(user = %pending.user_name, %address, "signed in with a second factor");
    let outcome = SignInOutcome::SignedIn;
    let name = &pending.user_name;
    state
        .store
        .audit_sign_in(name, &address, outcome, now)
        .await?;
    Ok((jar.add(session), Redirect::to(&pending.next_path)).into_response())
}

/// A key being enrolled, shown once.
struct Enrolment {
    secret: String,
    uri: String,
}

#[derive(Template)]
#[template(path = "account_totp.html")]
struct AccountPage {
    chrome: Chrome,
    required: bool,
    enrolled: bool,
    enrolment: Option<Enrolment>,
    message: Option<String>,
    failed: bool,
}

fn session_user(principal: &Principal) -> Result<i64, AppError> {
    match principal.via {
        Via::Session { user_id, .. } => Ok(user_id),
        Via::Token { .. } => Err(AppError::Invalid("API tokens have no second factor".into())),
    }
}

impl AccountPage {
    async fn new(state: &AppState, principal: &Principal) -> Result<AccountPage, AppError> {
        let user_id = session_user(principal)?;
        let enrolled = state.store.totp_secret(user_id).await?.is_some();
        Ok(AccountPage {
            chrome: Chrome::for_caller(principal),
            required: !enrolled && state.settings.require_totp.contains(&principal.role),
            enrolled,
            enrolment: None,
            message: None,
            failed: false,
        })
    }
}

#[derive(Debug, Deserialize)]
struct AccountQuery {
    enrolled: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let mut page = AccountPage::new(&state, &principal).await?;
    if query.enrolled.is_some() {
        page.message = Some("The second factor is on: sign-in now asks for a code.".into());
    }
    render(StatusCode::OK, &page)
}

fn enrolment(secret: String, account: &str) -> Result<Enrolment, AppError> {
    let uri = totp(&secret, account)?.get_url();
    Ok(Enrolment { secret, uri })
}

async fn start(State(state): State<AppState>, principal: Principal) -> Result<Response, AppError> {
    let mut page = AccountPage::new(&state, &principal).await?;
    page.enrolment = Some(enrolment(new_secret(), &principal.name)?);
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
struct ConfirmForm {
    secret: String,
    code: String,
}

async fn confirm(
    State(state): State<AppState>,
    principal: Principal,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let user_id = session_user(&principal)?;
    if form.secret.len() > 64 {
        return Err(AppError::Invalid(
            "secret: longer than 64 characters".into(),
        ));
    }
    let now = Timestamp::now();
    let Some(step) = matching_step(&form.secret, &form.code, now) else {
        let mut page = AccountPage::new(&state, &principal).await?;
        page.enrolment = Some(enrolment(form.secret, &principal.name)?);
        page.message = Some("That code does not match the key; try the next one.".into());
        page.failed = true;
        return render(StatusCode::BAD_REQUEST, &page);
    };

    let actor = principal.actor();
    state
        .store
        .set_totp_secret(user_id, Some(&form.secret), &actor, now)
        .await?;
    state.store.use_totp_step(user_id, step).await?;
    Ok(Redirect::to("/account/totp?enrolled=1").into_response())
}
