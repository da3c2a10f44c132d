//! Access: roles, users, sessions' callers, API tokens and agent enrollment tokens as the REST
//! API shows them.
//!
//! Secrets (passwords, API tokens, enrollment tokens) appear here only in the one response
//! that hands them out; every other type carries metadata, never a secret or its hash.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a person or a token may do. Each role's permissions are declared once, in the server's
/// access table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users, API tokens and the audit log.
    Administrator,
    /// Assets and their findings: tags, identity reviews, agent enrollment and revocation.
    Operator,
    /// Reads everything, including the audit log; changes nothing.
    Auditor,
    /// Their own requests and tickets; today, signing in and their own account.
    Requester,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [
        Role::Administrator,
        Role::Operator,
        Role::Auditor,
        Role::Requester,
    ];

    /// The role's name as the API, the CLI and the store spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Operator => "operator",
            Role::Auditor => "auditor",
            Role::Requester => "requester",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of Steward's roles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: use administrator, operator, auditor or requester")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A local user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// User id.
    pub id: i64,
    /// Sign-in name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// When the user was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    /// Disabled users cannot sign in and their sessions end.
    pub disabled: bool,
    /// True while the user signs in with a one-time password and must choose their own.
    pub must_change_password: bool,
    /// Where the user's password is checked.
    #[serde(default)]
    pub source: UserSource,
}

/// Where a user's password is checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserSource {
    /// Here: an Argon2id hash that an administrator can reset.
    #[default]
    Local,
    /// The site's directory (LDAP): no local password; the role follows the user's groups and
    /// is refreshed at each sign-in.
    Ldap,
}

impl UserSource {
    /// The source's name as the API and the store spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            UserSource::Local => "local",
            UserSource::Ldap => "ldap",
        }
    }
}

/// A new user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserCreate {
    /// Sign-in name: 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UserUpdate {
    /// New role.
    pub role: Option<Role>,
    /// Disable (true) or enable (false) the user.
    pub disabled: Option<bool>,
}

/// A user and the one-time password they sign in with first; shown once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserWithPassword {
    /// The user.
    pub user: User,
    /// One-time password: the user must replace it at first sign-in.
    pub password: String,
}

/// Who is calling: a signed-in user or an API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Caller {
    /// `user` or `token`.
    pub kind: String,
    /// The user's or the token's name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// An API token's metadata (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    /// Token id.
    pub id: i64,
    /// Name, to recognise the token by.
    pub name: String,
    /// Role the token acts with.
    pub role: Role,
    /// Who created it (`user:NAME`, `token:NAME` or `cli:OS-USER`).
    pub created_by: String,
    /// Creation time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    /// After this time the token is refused; absent for no expiry.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<jiff::Timestamp>,
    /// When it was revoked, if it was.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<jiff::Timestamp>,
    /// Last use, to the minute.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<jiff::Timestamp>,
}

/// A new API token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiTokenCreate {
    /// Name, to recognise the token by (1 to 64 characters).
    pub name: String,
    /// Role the token acts with.
    pub role: Role,
    /// Days until the token expires; absent for no expiry.
    pub expires_in_days: Option<u32>,
}

/// A new API token and its secret; the secret is shown once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiTokenCreated {
    /// The token's metadata.
    pub token: ApiToken,
    /// The secret to send as `Authorization: Bearer …`.
    pub secret: String,
}

/// An agent enrollment token's metadata (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentToken {
    /// Token id.
    pub id: i64,
    /// Note given at creation.
    pub note: String,
    /// Creation time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    /// When it was revoked, if it was.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<jiff::Timestamp>,
}

/// A new enrollment token.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentTokenCreate {
    /// A note to recognise the token by.
    #[serde(default)]
    pub note: String,
}

/// A new enrollment token and its secret; the secret is shown once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentTokenCreated {
    /// The token's metadata.
    pub token: EnrollmentToken,
    /// The secret agents enroll with.
    pub secret: String,
}

/// A new one-time password.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasswordReset {
    /// One-time password: the user must replace it at their next sign-in.
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_back_from_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
