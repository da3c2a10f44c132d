//! [`SignInStore`] on [`SqlStore`].

use async_trait::async_trait;
use jiff::Timestamp;
use serde_json::json;

use super::compliance::{self, Change};
use super::{SqlStore, secs};
use crate::sign_in::{MAX_AUDITED_NAME, SignInOutcome, SignInStore};
use crate::{Actor, Result};

#[async_trait]
impl SignInStore for SqlStore {
    async fn audit_sign_in(
        &self,
        name: &str,
        address: &str,
        outcome: SignInOutcome,
        now: Timestamp,
    ) -> Result<()> {
        let name: String = name.chars().take(MAX_AUDITED_NAME).collect();
        let actor = Actor::User(name.clone());
        let mut after = json!({"address": address});
        if let Some(reason) = outcome.reason() {
            after["reason"] = json!(reason);
        }
        let audit = Change {
            actor: &actor,
            action: outcome.action(),
            target: format!("user:{name}"),
            before: None,
            after: Some(after),
        };
        let mut tx = self.begin_write().await?;
        compliance::append(&mut tx, self.dialect, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, idle_since: Timestamp, now: Timestamp) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(secs(now))
            .bind(secs(idle_since))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM pending_sign_ins WHERE expires_at <= $1")
            .bind(secs(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
