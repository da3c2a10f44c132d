//! Access: who may call which route, and who is calling.
//!
//! [`table`] declares every route with the permission it needs and the one table of which role
//! holds which permission; [`guard`] is the middleware that identifies the caller (API token or
//! session cookie) and enforces that table and CSRF on every route. [`passwords`] hashes and
//! checks passwords; [`sessions`] serves sign-in, sign-out and the account page;
//! [`second_factor`] the TOTP enrolment and the code step of sign-in; [`directory`] sign-in
//! through the site's LDAP directory with its group-to-role mapping; [`admin`] the
//! administrators' user and token pages; [`api`] the
//! users, API tokens and enrollment tokens of the REST API.
//!
//! Invariant: a route exists only with a declared access rule, because routes are added
//! through [`table::Routes`], and the guard refuses any request whose route it cannot find.

pub mod admin;
pub mod api;
pub mod directory;
pub mod guard;
pub mod passwords;
pub mod second_factor;
pub mod sessions;
pub mod table;

use std::net::IpAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use steward_api::access::{Role, User, UserSource};
use steward_store::{Actor, NewUser, Store, StoreError};

use crate::AppError;
pub use table::{Access, Permission, RouteRule, allows};

/// The caller of a request that passed the guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User or token name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// How the caller authenticated.
    pub via: Via,
}

/// How a caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session of a user.
    Session {
        /// The user's id.
        user_id: i64,
        /// SHA-256 of the session cookie.
        id_hash: String,
        /// The session's CSRF token.
        csrf: String,
        /// The user still signs in with a one-time password.
        must_change_password: bool,
    },
    /// An API token.
    Token {
        /// The token's id.
        id: i64,
    },
}

impl Principal {
    /// Who the audit log names for this caller's changes.
    pub fn actor(&self) -> Actor {
        match self.via {
            Via::Session { .. } => Actor::User(self.name.clone()),
            Via::Token { .. } => Actor::Token(self.name.clone()),
        }
    }

    /// Whether this caller's role holds a permission.
    pub fn may(&self, permission: Permission) -> bool {
        allows(self.role, permission)
    }

    /// The session's CSRF token; empty for token callers, who use no forms.
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token { .. } => "",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Principal, AppError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| AppError::Unauthorized("sign in or send an API token".into()))
    }
}

/// The client's network address, when the server was started with connection info.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let info = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddress(info.map(|c| c.0.ip())))
    }
}

/// Name of the administrator created on first start.
pub const FIRST_ADMIN: &str = "admin";

/// Creates the `admin` user with a one-time password when the store has no user at all, and
/// returns that password; `None` when users exist (or another server created one just now).
pub async fn ensure_first_admin(
    store: &dyn Store,
    actor: &Actor,
) -> Result<Option<String>, AppError> {
    if store.user_count().await? > 0 {
        return Ok(None);
    }
    let password = passwords::one_time();
    let user = NewUser {
        name: FIRST_ADMIN.to_owned(),
        role: Role::Administrator,
        password_hash: passwords::hash(&password).await?,
    };
    match store
        .create_user(&user, actor, jiff::Timestamp::now())
        .await
    {
        Ok(_) => Ok(Some(password)),
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Checks a sign-in name: 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
pub fn validate_user_name(name: &str) -> Result<(), AppError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    match ok {
        true => Ok(()),
        false => Err(AppError::Invalid(format!(
            "user name {name:?} must be 1 to 64 letters, digits, '.', '_', '-' or '@'"
        ))),
    }
}

/// Creates a user with a one-time password, returning both.
pub async fn add_user(
    store: &dyn Store,
    name: &str,
    role: Role,
    actor: &Actor,
) -> Result<(User, String), AppError> {
    validate_user_name(name)?;
    let password = passwords::one_time();
    let user = NewUser {
        name: name.to_owned(),
        role,
        password_hash: passwords::hash(&password).await?,
    };
    let user = store
        .create_user(&user, actor, jiff::Timestamp::now())
        .await?;
    Ok((user, password))
}

/// Gives a user a new one-time password and ends their sessions; `None` for no such user.
/// Directory (LDAP) users have no password here, so theirs cannot be reset.
pub async fn reset_password(
    store: &dyn Store,
    user_id: i64,
    actor: &Actor,
) -> Result<Option<String>, AppError> {
    match store.user(user_id).await? {
        None => return Ok(None),
        Some(user) if user.source == UserSource::Ldap => {
            return Err(AppError::Invalid(format!(
                "{} signs in with their directory (LDAP) account; reset the password there",
                user.name
            )));
        }
        Some(_) => {}
    }
    let password = passwords::one_time();
    let hash = passwords::hash(&password).await?;
    let now = jiff::Timestamp::now();
    let done = store
        .set_password(user_id, &hash, true, None, actor, now)
        .await?;
    Ok(done.then_some(password))
}
