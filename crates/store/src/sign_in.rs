//! Sign-in accountability and housekeeping: every sign-in, failed sign-in and sign-out goes to
//! the audit log, and sessions past their lifetime or idle limit are deleted.
//!
//! The name of a failed sign-in is whatever was typed, so it is cut to
//! [`MAX_AUDITED_NAME`] characters before it is logged.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::Result;

/// The longest typed name written to the audit log.
pub const MAX_AUDITED_NAME: usize = 128;

/// What came of a sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    /// A session started.
    SignedIn,
    /// Wrong name or password.
    WrongPassword,
    /// Wrong or replayed second-factor code.
    WrongCode,
    /// Refused by the throttle without checking the password.
    Throttled,
    /// The directory (LDAP) accepted the password, but none of the user's groups maps to a
    /// role.
    NoRole,
    /// The directory (LDAP) could not be reached or did not answer in time.
    DirectoryUnavailable,
    /// The user ended their session.
    SignedOut,
}

impl SignInOutcome {
    /// The audit log's action for this outcome.
    pub fn action(self) -> &'static str {
        match self {
            SignInOutcome::SignedIn => "session.sign_in",
            SignInOutcome::SignedOut => "session.sign_out",
            SignInOutcome::WrongPassword
            | SignInOutcome::WrongCode
            | SignInOutcome::Throttled
            | SignInOutcome::NoRole
            | SignInOutcome::DirectoryUnavailable => "session.sign_in_failed",
        }
    }

    /// Why a sign-in failed, for the audit entry; `None` when it did not.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            SignInOutcome::WrongPassword => Some("wrong name or password"),
            SignInOutcome::WrongCode => Some("wrong or used second-factor code"),
            SignInOutcome::Throttled => Some("throttled"),
            SignInOutcome::NoRole => Some("in no group that maps to a role"),
            SignInOutcome::DirectoryUnavailable => Some("the directory could not be reached"),
            SignInOutcome::SignedIn | SignInOutcome::SignedOut => None,
        }
    }
}

/// Storage for sign-in accountability and session housekeeping.
#[async_trait]
pub trait SignInStore: Send + Sync {
    /// Appends a sign-in, failed sign-in or sign-out to the audit log, by the name given and
    /// the client's address.
    async fn audit_sign_in(
        &self,
        name: &str,
        address: &str,
        outcome: SignInOutcome,
        now: Timestamp,
    ) -> Result<()>;
    /// Deletes sessions that expired, or whose last request was before `idle_since`, and
    /// expired pending sign-ins; returns how many sessions were deleted.
    async fn delete_expired_sessions(&self, idle_since: Timestamp, now: Timestamp) -> Result<u64>;
}
