//! The second factor's storage: each user's confirmed TOTP secret and the last time step whose
//! code was accepted, and the sign-ins that passed the password and wait for the code.
//!
//! Invariants: a code is accepted once — [`SecondFactorStore::use_totp_step`] moves the last
//! step forward atomically, so two servers given the same code accept it only once. Setting or
//! removing a secret is audited in its transaction. A pending sign-in expires on its own.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::{Actor, Result};

/// A sign-in that passed the password and waits for the second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    /// The user signing in.
    pub user_id: i64,
    /// Their name, for throttling wrong codes like wrong passwords.
    pub user_name: String,
    /// Where to go once signed in (a local path).
    pub next_path: String,
}

/// Storage of the TOTP second factor.
#[async_trait]
pub trait SecondFactorStore: Send + Sync {
    /// A user's confirmed TOTP secret (base32), if they enrolled.
    async fn totp_secret(&self, user_id: i64) -> Result<Option<String>>;
    /// Sets a user's TOTP secret, or removes it with `None`; audited. False for no such user.
    async fn set_totp_secret(
        &self,
        user_id: i64,
        secret: Option<&str>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool>;
    /// Marks the code of time step `step` used; false when that step or a later one was already
    /// used, so the code must be refused as a replay.
    async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool>;
    /// Records a pending sign-in by the hash of its cookie; removes expired ones.
    async fn create_pending_sign_in(
        &self,
        id_hash: &str,
        pending: &PendingSignIn,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<()>;
    /// A pending sign-in that has not expired.
    async fn pending_sign_in(&self, id_hash: &str, now: Timestamp)
    -> Result<Option<PendingSignIn>>;
    /// Ends a pending sign-in.
    async fn delete_pending_sign_in(&self, id_hash: &str) -> Result<()>;
}
