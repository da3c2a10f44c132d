//! The administrators' pages for users and API tokens: list them, add a user, reset a
//! password, create and revoke tokens. A new password or token secret is shown once, on the
//! page that answers the form. Every change goes through the same store calls as the API,
//! so each is written to the audit log in its transaction. Auditors see the lists without
//! the forms.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Deserialize;
use steward_api::access::{ApiToken, ApiTokenCreate, Role, User};

use super::sessions::render;
use super::table::{Access, Permission, Routes};
use super::{Principal, add_user, api::issue_api_token, reset_password};
use crate::chrome::Chrome;
use crate::{AppError, AppState};

/// The user and token pages.
pub fn routes() -> Routes {
    let read = Access::Requires(Permission::ReadAccess);
    let manage = Access::Requires(Permission::ManageAccess);
    Routes::new()
        .get("/users", read, users_page)
        .post("/users", manage, add_user_form)
        .post("/users/{id}/reset", manage, reset_form)
        .post("/tokens", manage, create_token_form)
        .post("/tokens/{id}/revoke", manage, revoke_form)
}

/// A secret shown once.
struct Shown {
    what: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    manage: bool,
    users: Vec<User>,
    tokens: Vec<ApiToken>,
    roles: Vec<Role>,
    shown: Option<Shown>,
}

async fn page(
    state: &AppState,
    principal: &Principal,
    shown: Option<Shown>,
) -> Result<Response, AppError> {
    let page = UsersPage {
        chrome: Chrome::for_caller(principal),
        manage: principal.may(Permission::ManageAccess),
        users: state.store.users().await?,
        tokens: state.store.api_tokens().await?,
        roles: Role::ALL.to_vec(),
        shown,
    };
    render(StatusCode::OK, &page)
}

async fn users_page(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, AppError> {
    page(&state, &principal, None).await
}

#[derive(Debug, Deserialize)]
struct UserForm {
    name: String,
    role: Role,
}

async fn add_user_form(
    State(state): State<AppState>,
    principal: Principal,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    let name = form.name.trim();
    let actor = principal.actor();
    let (user, password) = add_user(state.store.as_ref(), name, form.role, &actor).await?;
    let shown = Shown {
        what: format!("User {} was added with a one-time password.", user.name),
        secret: password,
    };
    page(&state, &principal, Some(shown)).await
}

async fn reset_form(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = principal.actor();
    let Some(password) = reset_password(state.store.as_ref(), id, &actor).await? else {
        return Err(AppError::NotFound(format!("no user with id {id}")));
    };
    let name = state
        .store
        .users()
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .map_or_else(|| format!("#{id}"), |u| u.name);
    let shown = Shown {
        what: format!("{name} has a new one-time password; their sessions were ended."),
        secret: password,
    };
    page(&state, &principal, Some(shown)).await
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    name: String,
    role: Role,
    #[serde(default)]
    expires_in_days: String,
}

async fn create_token_form(
    State(state): State<AppState>,
    principal: Principal,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let days = form.expires_in_days.trim();
    let expires_in_days = match days.is_empty() {
        true => None,
        false => Some(days.parse::<u32>().map_err(|_| {
            AppError::Invalid(format!("expires_in_days: {days:?} is not a number of days"))
        })?),
    };
    let request = ApiTokenCreate {
        name: form.name,
        role: form.role,
        expires_in_days,
    };
    let created = issue_api_token(&state, &request, &principal.actor()).await?;
    let shown = Shown {
        what: format!(
            "Token {} was created; send it as Authorization: Bearer.",
            created.token.name
        ),
        secret: created.secret,
    };
    page(&state, &principal, Some(shown)).await
}

async fn revoke_form(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = principal.actor();
    if !state
        .store
        .revoke_api_token(id, &actor, Timestamp::now())
        .await?
    {
        return Err(AppError::NotFound(format!(
            "no live API token with id {id}"
        )));
    }
    Ok(Redirect::to("/users#tokens").into_response())
}
