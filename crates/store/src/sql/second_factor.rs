//! [`SecondFactorStore`] on [`SqlStore`].

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::Row;

use super::compliance::{self, Change};
use super::{SqlStore, secs};
use crate::second_factor::{PendingSignIn, SecondFactorStore};
use crate::{Actor, Result};

#[async_trait]
impl SecondFactorStore for SqlStore {
    async fn totp_secret(&self, user_id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT totp_secret FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<Option<String>, _>("totp_secret")?,
            None => None,
        })
    }

    async fn set_totp_secret(
        &self,
        user_id: i64,
        secret: Option<&str>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE users SET totp_secret = $2, totp_last_step = NULL WHERE id = $1")
                .bind(user_id)
                .bind(secret)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let action = match secret {
            Some(_) => "user.totp.enrol",
            None => "user.totp.remove",
        };
        let audit = Change {
            actor,
            action,
            target: format!("user:{user_id}"),
            before: None,
            after: None,
        };
        compliance::append(&mut tx, self.dialect, audit, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $2 \
             WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(user_id)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_pending_sign_in(
        &self,
        id_hash: &str,
        pending: &PendingSignIn,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM pending_sign_ins WHERE expires_at <= $1")
            .bind(secs(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO pending_sign_ins (id_hash, user_id, user_name, next_path, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(pending.user_id)
        .bind(&pending.user_name)
        .bind(&pending.next_path)
        .bind(secs(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn pending_sign_in(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> Result<Option<PendingSignIn>> {
        let row = sqlx::query(
            "SELECT user_id, user_name, next_path FROM pending_sign_ins WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(secs(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(PendingSignIn {
            user_id: row.try_get("user_id")?,
            user_name: row.try_get("user_name")?,
            next_path: row.try_get("next_path")?,
        }))
    }

    async fn delete_pending_sign_in(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM pending_sign_ins WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
