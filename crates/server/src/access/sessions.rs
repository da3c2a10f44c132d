//! Sign-in, sign-out and the account page.
//!
//! Sign-in is throttled per user name and per client address through the store, so several
//! servers agree: after [`MAX_FAILURES_PER_NAME`] failures for one name, or
//! [`MAX_FAILURES_PER_ADDRESS`] from one address, within [`THROTTLE_WINDOW`], sign-in is
//! refused without checking the password until the oldest counted failure leaves the window.
//! Unknown names and wrong passwords get the same answer in the same time. Every sign-in,
//! failed sign-in and sign-out is written to the audit log; starting a session deletes the
//! sessions that expired.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use steward_api::access::UserSource;
use steward_store::{NewSession, SignInOutcome, UserRecord};

use super::directory::{Directory, DirectoryError};
use super::guard::{SESSION_COOKIE, SESSION_LIFETIME};
use super::table::{Access, Permission, Routes};
use super::{ClientAddress, Principal, Via, passwords, second_factor};
use crate::chrome::Chrome;
use crate::{AppError, AppState, secrets};

/// Failed sign-ins for one name within the window before sign-in is refused.
pub const MAX_FAILURES_PER_NAME: usize = 5;
/// Failed sign-ins from one address within the window before sign-in is refused; higher than
/// per name, since many people may share an address.
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;
/// The throttling window.
pub const THROTTLE_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// The sign-in and account routes.
pub fn routes() -> Routes {
    let account = Access::Requires(Permission::Account);
    Routes::new()
        .get("/login", Access::Public, login_page)
        .post("/login", Access::Public, login)
        .post("/logout", account, logout)
        .get("/account", account, account_page)
        .post("/account/password", account, change_password)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    name: String,
    message: Option<String>,
}

pub(super) fn render(status: StatusCode, template: &impl Template) -> Result<Response, AppError> {
    let html = template
        .render()
        .map_err(|e| AppError::Internal(format!("cannot render page: {e}")))?;
    Ok((status, Html(html)).into_response())
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

async fn login_page(Query(query): Query<LoginQuery>) -> Result<Response, AppError> {
    let page = LoginPage {
        chrome: Chrome::default(),
        next: safe_next(query.next.as_deref()).to_owned(),
        name: String::new(),
        message: None,
    };
    render(StatusCode::OK, &page)
}

/// Where to go after sign-in: a local path only, never another site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = Timestamp::now();
    let address = address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    let refuse = |status: StatusCode, message: String| {
        let page = LoginPage {
            chrome: Chrome::default(),
            next: safe_next(Some(&form.next)).to_owned(),
            name: form.name.clone(),
            message: Some(message),
        };
        render(status, &page)
    };

    if let Some(until) = throttled_until(&state, &form.name, &address, now).await? {
        tracing::info!(user = %form.name, %address, "sign-in throttled");
        let outcome = SignInOutcome::Throttled;
        state
            .store
            .audit_sign_in(&form.name, &address, outcome, now)
            .await?;
        let message = format!(
            "Too many failed sign-ins for this name or from this address. Try again after {}.",
            until.strftime("%H:%M UTC")
        );
        return refuse(StatusCode::TOO_MANY_REQUESTS, message);
    }

    let user = match verify(&state, &form.name, &form.password, now).await? {
        Verdict::User(user) => user,
        Verdict::WrongPassword => {
            let forget_before = now - THROTTLE_WINDOW;
            state
                .store
                .record_login_failure(&form.name, &address, now, forget_before)
                .await?;
            tracing::info!(user = %form.name, %address, "sign-in failed");
            let outcome = SignInOutcome::WrongPassword;
            state
                .store
                .audit_sign_in(&form.name, &address, outcome, now)
                .await?;
            return refuse(StatusCode::UNAUTHORIZED, "Wrong name or password.".into());
        }
        Verdict::Refused(outcome, status, message) => {
            state
                .store
                .audit_sign_in(&form.name, &address, outcome, now)
                .await?;
            return refuse(status, message.into());
        }
    };

    state.store.clear_login_failures(&form.name).await?;
    if state.store.totp_secret(user.user.id).await?.is_some() {
        let next = safe_next(Some(&form.next));
        let pending =
            second_factor::begin(&state, user.user.id, &user.user.name, next, now).await?;
        tracing::info!(user = %user.user.name, %address, "password accepted; code asked");
        return Ok((jar.add(pending), Redirect::to("/login/code")).into_response());
    }
    let cookie = start_session(&state, user.user.id, now).await?;
    tracing::info!(user = %user.user.name, %address, "signed in");
    let outcome = SignInOutcome::SignedIn;
    state
        .store
        .audit_sign_in(&user.user.name, &address, outcome, now)
        .await?;
    let target = match (user.user.must_change_password, user.user.role) {
        (true, _) => "/account",
        (false, role) if !super::allows(role, Permission::ReadInventory) => "/account",
        _ => safe_next(Some(&form.next)),
    };
    Ok((jar.add(cookie), Redirect::to(target)).into_response())
}

/// What checking a name and password decided.
enum Verdict {
    /// The password is the user's and they may sign in.
    User(UserRecord),
    /// Unknown name, wrong password or disabled user: counted by the throttle.
    WrongPassword,
    /// Refused for a reason that is not a guessed password, so not counted by the throttle.
    Refused(SignInOutcome, StatusCode, &'static str),
}

/// Checks a name and password: with the directory when LDAP is on and the name is not a local
/// user's, else against the local hash. Local users keep signing in when the directory is down.
async fn verify(
    state: &AppState,
    name: &str,
    password: &str,
    now: Timestamp,
) -> Result<Verdict, AppError> {
    let record = state.store.user_by_name(name).await?;
    let local = record
        .as_ref()
        .is_some_and(|r| r.user.source == UserSource::Local);
    match &state.settings.ldap {
        Some(directory) if !local => directory_sign_in(state, directory, name, password, now).await,
        _ => Ok(match check(password, record).await? {
            Some(user) => Verdict::User(user),
            None => Verdict::WrongPassword,
        }),
    }
}

/// Signs a user in through the directory and refreshes their local record and role.
async fn directory_sign_in(
    state: &AppState,
    directory: &Directory,
    name: &str,
    password: &str,
    now: Timestamp,
) -> Result<Verdict, AppError> {
    let found = match directory.sign_in(name, password).await {
        Ok(found) => found,
        Err(DirectoryError::Refused(why)) => {
            tracing::debug!(user = %name, why, "directory refused the sign-in");
            return Ok(Verdict::WrongPassword);
        }
        Err(e) => {
            tracing::error!(error = %e, "directory sign-in failed");
            let message = "The directory (LDAP) cannot be reached, so directory accounts cannot \
                           sign in now; local accounts still can.";
            let outcome = SignInOutcome::DirectoryUnavailable;
            return Ok(Verdict::Refused(
                outcome,
                StatusCode::SERVICE_UNAVAILABLE,
                message,
            ));
        }
    };
    let Some(role) = found.role else {
        tracing::info!(user = %name, groups = ?found.groups, "directory user in no mapped group");
        let message = "Your directory account is in no group that gives a Steward role; ask an \
                       administrator to add you to one.";
        return Ok(Verdict::Refused(
            SignInOutcome::NoRole,
            StatusCode::FORBIDDEN,
            message,
        ));
    };
    if super::validate_user_name(name).is_err() {
        // The directory knows the name, but it cannot name a Steward user.
        return Ok(Verdict::WrongPassword);
    }

    let user = state.store.sync_directory_user(name, role, now).await?;
    let record = state.store.user_by_name(&user.name).await?;
    Ok(match record.filter(|r| !r.user.disabled) {
        Some(record) => Verdict::User(record),
        None => Verdict::WrongPassword,
    })
}

/// The user, when the password is theirs and they are not disabled.
async fn check(password: &str, record: Option<UserRecord>) -> Result<Option<UserRecord>, AppError> {
    let stored = record.as_ref().map(|r| r.password_hash.as_str());
    let matches = passwords::verify(password, stored).await?;
    Ok(record.filter(|r| matches && !r.user.disabled))
}

/// When sign-in opens again for this name and address, if it is closed now.
async fn throttled_until(
    state: &AppState,
    name: &str,
    address: &str,
    now: Timestamp,
) -> Result<Option<Timestamp>, AppError> {
    let failures = state
        .store
        .login_failures(name, address, now - THROTTLE_WINDOW)
        .await?;
    let reopens = |times: &[Timestamp], limit: usize| {
        (times.len() >= limit).then(|| times[times.len() - limit] + THROTTLE_WINDOW)
    };
    let by_name = reopens(&failures.by_name, MAX_FAILURES_PER_NAME);
    let by_address = reopens(&failures.by_address, MAX_FAILURES_PER_ADDRESS);
    Ok(by_name.into_iter().chain(by_address).max())
}

/// Stores a new session and returns its cookie.
pub(super) async fn start_session(
    state: &AppState,
    user_id: i64,
    now: Timestamp,
) -> Result<Cookie<'static>, AppError> {
    let ended = state
        .store
        .delete_expired_sessions(now - super::guard::SESSION_IDLE, now)
        .await?;
    if ended > 0 {
        tracing::debug!(ended, "expired sessions deleted");
    }
    let secret = secrets::generate(secrets::SESSION_PREFIX);
    let session = NewSession {
        id_hash: secrets::hash(&secret),
        user_id,
        csrf_token: secrets::generate(""),
        created_at: now,
        expires_at: now + SESSION_LIFETIME,
    };
    state.store.create_session(&session).await?;
    Ok(session_cookie(secret, state.settings.secure_cookies))
}

/// The session cookie: it lives until the browser closes; the server ends the session itself
/// after [`SESSION_LIFETIME`] or idleness.
fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .build()
}

async fn logout(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    principal: Principal,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if let Via::Session { id_hash, .. } = &principal.via {
        state.store.delete_session(id_hash).await?;
        let address = address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        let outcome = SignInOutcome::SignedOut;
        let now = Timestamp::now();
        state
            .store
            .audit_sign_in(&principal.name, &address, outcome, now)
            .await?;
    }
    let gone = Cookie::build((SESSION_COOKIE, "")).path("/").build();
    Ok((jar.remove(gone), Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    role: String,
    must_change: bool,
    can_change: bool,
    message: Option<String>,
    failed: bool,
    min_length: usize,
}

impl AccountPage {
    fn new(principal: &Principal, message: Option<String>, failed: bool) -> AccountPage {
        let (must_change, can_change) = match principal.via {
            Via::Session {
                must_change_password,
                ..
            } => (must_change_password, true),
            Via::Token { .. } => (false, false),
        };
        AccountPage {
            chrome: Chrome::for_caller(principal),
            name: principal.name.clone(),
            role: principal.role.to_string(),
            must_change,
            can_change,
            message,
            failed,
            min_length: passwords::MIN_LENGTH,
        }
    }
}

#[derive(Debug, Deserialize)]
struct AccountQuery {
    changed: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let message = query
        .changed
        .map(|_| "Your password was changed; your other sessions were ended.".to_owned());
    let mut page = AccountPage::new(&principal, message, false);
    if from_directory(&state, &principal).await? {
        page.can_change = false;
        page.message = Some(DIRECTORY_PASSWORD.into());
    }
    render(StatusCode::OK, &page)
}

/// Why a directory user has no password form.
const DIRECTORY_PASSWORD: &str =
    "You sign in with your directory (LDAP) account; change your password there.";

/// Whether the caller is a user who signs in through the directory.
async fn from_directory(state: &AppState, principal: &Principal) -> Result<bool, AppError> {
    if !matches!(principal.via, Via::Session { .. }) {
        return Ok(false);
    }
    let record = state.store.user_by_name(&principal.name).await?;
    Ok(record.is_some_and(|r| r.user.source == UserSource::Ldap))
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    principal: Principal,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let Via::Session {
        user_id, id_hash, ..
    } = &principal.via
    else {
        return Err(AppError::Invalid("API tokens have no password".into()));
    };
    let refuse = |message: String| {
        render(
            StatusCode::BAD_REQUEST,
            &AccountPage::new(&principal, Some(message), true),
        )
    };

    if from_directory(&state, &principal).await? {
        return refuse(DIRECTORY_PASSWORD.into());
    }
    let record = state.store.user_by_name(&principal.name).await?;
    if check(&form.current, record).await?.is_none() {
        return refuse("The current password is wrong.".into());
    }
    if let Err(message) = passwords::check_choice(&form.new, &form.confirm) {
        return refuse(format!("Not changed: {message}."));
    }
    if form.new == form.current {
        return refuse("Not changed: the new password must differ from the current one.".into());
    }

    let hash = passwords::hash(&form.new).await?;
    let actor = principal.actor();
    state
        .store
        .set_password(
            *user_id,
            &hash,
            false,
            Some(id_hash),
            &actor,
            Timestamp::now(),
        )
        .await?;
    Ok(Redirect::to("/account?changed=1").into_response())
}
