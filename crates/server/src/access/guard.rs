//! The guard: the middleware on every route that finds the route's rule, identifies the
//! caller and lets the request through only when the rule allows it.
//!
//! Callers identify with an API token (`Authorization: Bearer stw_api_…`) or a session cookie.
//! Without credentials, API routes answer 401 and pages redirect to `/login`; with a role that
//! lacks the permission, 403. A session whose user still holds a one-time password reaches
//! only their account page, and so does one whose role must use a second factor (the
//! settings' `require_totp`) until they set it up. Requests that change something through a session must carry the
//! session's CSRF token: forms as the `csrf` field, API calls as the `X-CSRF-Token` header.
//! (API tokens need none: a browser never sends them on its own.)

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use super::table::{Access, Permission, find};
use super::{Principal, Via};
use crate::inventory::agent::bearer;
use crate::{AppError, AppState, secrets};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "steward_session";
/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// The header that carries the CSRF token on API calls made with a session.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A session ends after this long without a request.
pub const SESSION_IDLE: SignedDuration = SignedDuration::from_hours(2);
/// A session ends this long after sign-in, however active.
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(12);
/// Largest form body checked for a CSRF token.
const MAX_FORM: usize = 64 * 1024;

/// Enforces the access table on one request.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match admit(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refusal,
    }
}

async fn admit(state: &AppState, mut request: Request) -> Result<Request, Response> {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let Some(rule) = find(&state.rules, request.method(), &path) else {
        return Err(StatusCode::METHOD_NOT_ALLOWED.into_response());
    };
    let Access::Requires(permission) = rule.access else {
        return Ok(request);
    };
    let api = path.starts_with("/api/");

    let principal = identify(state, request.headers())
        .await
        .map_err(|e| e.into_response())?;
    let Some(principal) = principal else {
        return Err(unauthenticated(api, &request));
    };
    if let Via::Session {
        must_change_password: true,
        ..
    } = principal.via
        && permission != Permission::Account
    {
        return Err(match api {
            true => AppError::Forbidden("choose your own password first, at /account".into())
                .into_response(),
            false => Redirect::to("/account").into_response(),
        });
    }
    if permission != Permission::Account && second_factor_missing(state, &principal).await? {
        return Err(match api {
            true => AppError::Forbidden(
                "your role signs in with a second factor: set it up first, at /account/totp".into(),
            )
            .into_response(),
            false => Redirect::to("/account/totp").into_response(),
        });
    }
    if !principal.may(permission) {
        return Err(
            AppError::Forbidden(format!("the {} role may not do this", principal.role))
                .into_response(),
        );
    }
    if changes(request.method())
        && let Via::Session { csrf, .. } = &principal.via
    {
        request = check_csrf(request, csrf, api).await?;
    }
    request.extensions_mut().insert(principal);
    Ok(request)
}

/// Whether the caller is a session of a role that must use a second factor but has none.
async fn second_factor_missing(state: &AppState, principal: &Principal) -> Result<bool, Response> {
    let Via::Session { user_id, .. } = principal.via else {
        return Ok(false);
    };
    if !state.settings.require_totp.contains(&principal.role) {
        return Ok(false);
    }
    let secret = state.store.totp_secret(user_id).await;
    Ok(secret
        .map_err(|e| AppError::from(e).into_response())?
        .is_none())
}

fn changes(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn unauthenticated(api: bool, request: &Request) -> Response {
    if api {
        return AppError::Unauthorized(
            "sign in or send an API token: Authorization: Bearer …".into(),
        )
        .into_response();
    }
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let next = crate::inventory::views::enc(target);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// The caller, from an API token or a session cookie; `None` when the request carries neither.
async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, AppError> {
    let now = Timestamp::now();
    if let Some(token) = bearer(headers) {
        let token = state
            .store
            .api_token_by_hash(&secrets::hash(token), now)
            .await?
            .ok_or_else(|| {
                AppError::Unauthorized("unknown, expired or revoked API token".into())
            })?;
        return Ok(Some(Principal {
            name: token.name,
            role: token.role,
            via: Via::Token { id: token.id },
        }));
    }

    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let id_hash = secrets::hash(cookie.value());
    let idle_since = now - SESSION_IDLE;
    let Some(session) = state.store.session(&id_hash, idle_since, now).await? else {
        return Ok(None);
    };
    Ok(Some(Principal {
        name: session.user.name,
        role: session.user.role,
        via: Via::Session {
            user_id: session.user.id,
            id_hash,
            csrf: session.csrf_token,
            must_change_password: session.user.must_change_password,
        },
    }))
}

/// Compares two secrets without leaking, through timing, how much of them matched.
pub(super) fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

fn csrf_refused() -> Response {
    AppError::Forbidden(
        "the form's security token is missing or out of date; reload the page and try again".into(),
    )
    .into_response()
}

/// Checks the CSRF token of a changing request made with a session, and hands the request
/// back with its body intact.
async fn check_csrf(request: Request, expected: &str, api: bool) -> Result<Request, Response> {
    if api {
        let sent = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        return match same_secret(sent, expected) {
            true => Ok(request),
            false => Err(csrf_refused()),
        };
    }

    let (parts, body) = request.into_parts();
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err(csrf_refused());
    }
    let bytes = axum::body::to_bytes(body, MAX_FORM).await.map_err(|_| {
        AppError::Invalid(format!("a form may be at most {MAX_FORM} bytes")).into_response()
    })?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| AppError::Invalid(format!("form: {e}")).into_response())?;
    let sent = fields
        .iter()
        .find(|(name, _)| name == CSRF_FIELD)
        .map(|(_, value)| value.as_str())
        .unwrap_or("");
    if !same_secret(sent, expected) {
        return Err(csrf_refused());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
