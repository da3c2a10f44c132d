//! The access part of the REST API: the caller, users, API tokens and agent enrollment tokens.
//!
//! Secrets (one-time passwords, token secrets) are returned once, by the request that creates
//! them; lists show metadata only. Every change is audited by the store.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use jiff::{SignedDuration, Timestamp};
use steward_api::access::{
    ApiToken, ApiTokenCreate, ApiTokenCreated, Caller, EnrollmentToken, EnrollmentTokenCreate,
    EnrollmentTokenCreated, PasswordReset, User, UserCreate, UserUpdate, UserWithPassword,
};
use steward_store::NewApiToken;

use super::table::{Access, Permission, Routes};
use super::{Principal, Via};
use crate::inventory::agent::parse_json;
use crate::{AppError, AppState, secrets};

/// The access API routes.
pub fn routes() -> Routes {
    use Permission::*;
    let r = Access::Requires;
    Routes::new()
        .get("/api/v1/me", r(Account), me)
        .get("/api/v1/users", r(ReadAccess), list_users)
        .post("/api/v1/users", r(ManageAccess), create_user)
        .patch("/api/v1/users/{id}", r(ManageAccess), update_user)
        .post(
            "/api/v1/users/{id}/password",
            r(ManageAccess),
            reset_password,
        )
        .get("/api/v1/tokens", r(ReadAccess), list_tokens)
        .post("/api/v1/tokens", r(ManageAccess), create_token)
        .delete("/api/v1/tokens/{id}", r(ManageAccess), revoke_token)
        .get(
            "/api/v1/enrollment-tokens",
            r(ReadEnrollment),
            list_enrollment_tokens,
        )
        .post(
            "/api/v1/enrollment-tokens",
            r(ManageEnrollment),
            create_enrollment_token,
        )
        .delete(
            "/api/v1/enrollment-tokens/{id}",
            r(ManageEnrollment),
            revoke_enrollment_token,
        )
}

/// The caller: a signed-in user or an API token, and its role.
#[utoipa::path(get, path = "/api/v1/me", tag = "access",
    responses((status = 200, body = Caller)))]
pub async fn me(principal: Principal) -> Json<Caller> {
    let kind = match principal.via {
        Via::Session { .. } => "user",
        Via::Token { .. } => "token",
    };
    Json(Caller {
        kind: kind.to_owned(),
        name: principal.name,
        role: principal.role,
    })
}

/// Every user.
#[utoipa::path(get, path = "/api/v1/users", tag = "access",
    responses((status = 200, body = Vec<User>)))]
pub async fn list_users(State(state): State<AppState>) -> Result<Json<Vec<User>>, AppError> {
    Ok(Json(state.store.users().await?))
}

/// Create a user; the response holds their one-time password, shown once.
#[utoipa::path(post, path = "/api/v1/users", tag = "access",
    request_body = UserCreate,
    responses((status = 201, body = UserWithPassword),
        (status = 409, body = steward_api::error::ErrorEnvelope)))]
pub async fn create_user(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<(StatusCode, Json<UserWithPassword>), AppError> {
    let request: UserCreate = parse_json(&body)?;
    let actor = principal.actor();
    let (user, password) =
        super::add_user(state.store.as_ref(), &request.name, request.role, &actor).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserWithPassword { user, password }),
    ))
}

/// Change a user's role, or disable or enable them.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "access",
    params(("id" = i64, Path, description = "User id")),
    request_body = UserUpdate,
    responses((status = 200, body = User),
        (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn update_user(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<User>, AppError> {
    let update: UserUpdate = parse_json(&body)?;
    if let Via::Session { user_id, .. } = principal.via
        && user_id == id
        && (update.disabled == Some(true) || update.role.is_some())
    {
        return Err(AppError::Invalid(
            "administrators cannot disable themselves or change their own role".into(),
        ));
    }
    let actor = principal.actor();
    state
        .store
        .update_user(id, update.role, update.disabled, &actor, Timestamp::now())
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no user with id {id}")))
}

/// Give a user a new one-time password and end their sessions.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "access",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = PasswordReset),
        (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn reset_password(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<PasswordReset>, AppError> {
    let actor = principal.actor();
    super::reset_password(state.store.as_ref(), id, &actor)
        .await?
        .map(|password| Json(PasswordReset { password }))
        .ok_or_else(|| AppError::NotFound(format!("no user with id {id}")))
}

/// Every API token (metadata only).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "access",
    responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list_tokens(State(state): State<AppState>) -> Result<Json<Vec<ApiToken>>, AppError> {
    Ok(Json(state.store.api_tokens().await?))
}

/// Create an API token; the response holds its secret, shown once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "access",
    request_body = ApiTokenCreate,
    responses((status = 201, body = ApiTokenCreated)))]
pub async fn create_token(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<(StatusCode, Json<ApiTokenCreated>), AppError> {
    let request: ApiTokenCreate = parse_json(&body)?;
    let created = issue_api_token(&state, &request, &principal.actor()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Creates an API token after checking its name and expiry.
pub async fn issue_api_token(
    state: &AppState,
    request: &ApiTokenCreate,
    actor: &steward_store::Actor,
) -> Result<ApiTokenCreated, AppError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(AppError::Invalid(
            "a token's name must be 1 to 64 characters without control characters".into(),
        ));
    }
    let now = Timestamp::now();
    let expires_at = match request.expires_in_days {
        Some(0) => {
            return Err(AppError::Invalid(
                "expires_in_days must be at least 1".into(),
            ));
        }
        Some(days) => Some(now + SignedDuration::from_hours(i64::from(days) * 24)),
        None => None,
    };
    let secret = secrets::generate(secrets::API_TOKEN_PREFIX);
    let token = NewApiToken {
        name: name.to_owned(),
        role: request.role,
        hash: secrets::hash(&secret),
        expires_at,
    };
    let token = state.store.create_api_token(&token, actor, now).await?;
    Ok(ApiTokenCreated { token, secret })
}

/// Revoke an API token.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let actor = principal.actor();
    match state
        .store
        .revoke_api_token(id, &actor, Timestamp::now())
        .await?
    {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(AppError::NotFound(format!(
            "no live API token with id {id}"
        ))),
    }
}

fn enrollment_token(token: steward_store::EnrollmentToken) -> EnrollmentToken {
    EnrollmentToken {
        id: token.id,
        note: token.note,
        created_at: token.created_at,
        revoked_at: token.revoked_at,
    }
}

/// Every agent enrollment token (metadata only), newest first.
#[utoipa::path(get, path = "/api/v1/enrollment-tokens", tag = "access",
    responses((status = 200, body = Vec<EnrollmentToken>)))]
pub async fn list_enrollment_tokens(
    State(state): State<AppState>,
) -> Result<Json<Vec<EnrollmentToken>>, AppError> {
    let tokens = state.store.list_enrollment_tokens().await?;
    Ok(Json(tokens.into_iter().map(enrollment_token).collect()))
}

/// Create an agent enrollment token; the response holds its secret, shown once.
#[utoipa::path(post, path = "/api/v1/enrollment-tokens", tag = "access",
    request_body = EnrollmentTokenCreate,
    responses((status = 201, body = EnrollmentTokenCreated)))]
pub async fn create_enrollment_token(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<(StatusCode, Json<EnrollmentTokenCreated>), AppError> {
    let request: EnrollmentTokenCreate = match body.is_empty() {
        true => EnrollmentTokenCreate::default(),
        false => parse_json(&body)?,
    };
    if request.note.chars().count() > 200 || request.note.chars().any(char::is_control) {
        return Err(AppError::Invalid(
            "a note must be at most 200 characters without control characters".into(),
        ));
    }
    let secret = secrets::generate(secrets::ENROLLMENT_PREFIX);
    let token = state
        .store
        .create_enrollment_token(
            &secrets::hash(&secret),
            &request.note,
            &principal.actor(),
            Timestamp::now(),
        )
        .await?;
    let created = EnrollmentTokenCreated {
        token: enrollment_token(token),
        secret,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revoke an agent enrollment token; agents already enrolled keep their credentials.
#[utoipa::path(delete, path = "/api/v1/enrollment-tokens/{id}", tag = "access",
    params(("id" = i64, Path, description = "Enrollment token id")),
    responses((status = 204), (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn revoke_enrollment_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let actor = principal.actor();
    match state
        .store
        .revoke_enrollment_token(id, &actor, Timestamp::now())
        .await?
    {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(AppError::NotFound(format!(
            "no live enrollment token with id {id}"
        ))),
    }
}
