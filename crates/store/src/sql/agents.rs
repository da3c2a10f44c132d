//! Agents: enrollment tokens that let a new agent register, and the per-host credentials it
//! receives. Only hashes of secrets are stored; a revoked token or credential stays on record.
//! Creating and revoking tokens and revoking credentials are audited; an agent enrolling is not
//! (no person makes that change).

use jiff::Timestamp;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::compliance::{self, Change};
use super::{SqlStore, secs, timestamp};
use crate::{Actor, EnrollmentToken, Result};

/// A credential's last use is written at most this often, so that an agent's check-ins do not
/// each cost a write.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// Stores a new enrollment token.
pub(super) async fn create_enrollment_token(
    store: &SqlStore,
    hash: &str,
    note: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<EnrollmentToken> {
    let mut tx = store.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO enrollment_tokens (hash, note, created_at) VALUES ($1, $2, $3) \
         RETURNING id, note, created_at, revoked_at",
    )
    .bind(hash)
    .bind(note)
    .bind(secs(now))
    .fetch_one(&mut *tx)
    .await?;
    let token = token_from_row(&row)?;
    let change = Change {
        actor,
        action: "enrollment_token.create",
        target: format!("enrollment_token:{}", token.id),
        before: None,
        after: Some(json!({"note": note})),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(token)
}

/// The unrevoked token with this hash.
pub(super) async fn active_enrollment_token(
    pool: &AnyPool,
    hash: &str,
) -> Result<Option<EnrollmentToken>> {
    let row = sqlx::query(
        "SELECT id, note, created_at, revoked_at FROM enrollment_tokens \
         WHERE hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(token_from_row).transpose()
}

/// Revokes a token; false when it does not exist or was already revoked.
pub(super) async fn revoke_enrollment_token(
    store: &SqlStore,
    id: i64,
    actor: &Actor,
    now: Timestamp,
) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let done = sqlx::query(
        "UPDATE enrollment_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(secs(now))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let change = Change {
        actor,
        action: "enrollment_token.revoke",
        target: format!("enrollment_token:{id}"),
        before: None,
        after: Some(json!({"revoked_at": now})),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Every token, newest first.
pub(super) async fn list_enrollment_tokens(pool: &AnyPool) -> Result<Vec<EnrollmentToken>> {
    let rows = sqlx::query(
        "SELECT id, note, created_at, revoked_at FROM enrollment_tokens \
         ORDER BY created_at DESC, id DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(token_from_row).collect()
}

fn token_from_row(row: &AnyRow) -> Result<EnrollmentToken> {
    Ok(EnrollmentToken {
        id: row.try_get("id")?,
        note: row.try_get("note")?,
        created_at: timestamp(row.try_get("created_at")?)?,
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(timestamp)
            .transpose()?,
    })
}

/// Stores a credential for a host.
pub(super) async fn create_agent_credential(
    pool: &AnyPool,
    host_id: i64,
    hash: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO agent_credentials (host_id, hash, created_at) VALUES ($1, $2, $3)")
        .bind(host_id)
        .bind(hash)
        .bind(secs(now))
        .execute(pool)
        .await?;
    Ok(())
}

/// The host of a live credential, noting when it was last used.
pub(super) async fn host_for_credential(
    pool: &AnyPool,
    hash: &str,
    now: Timestamp,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT c.host_id, c.last_used_at FROM agent_credentials c \
         JOIN hosts h ON h.id = c.host_id \
         WHERE c.hash = $1 AND c.revoked_at IS NULL AND h.revoked_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };

    // A check-in within the resolution writes nothing: on SQLite even an UPDATE that matches
    // no row takes the write lock, and every agent checks in.
    let last_used: Option<i64> = row.try_get("last_used_at")?;
    if last_used.is_none_or(|at| secs(now) - at >= LAST_USED_RESOLUTION_SECS) {
        sqlx::query(
            "UPDATE agent_credentials SET last_used_at = $2 \
             WHERE hash = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(hash)
        .bind(secs(now))
        .bind(secs(now) - LAST_USED_RESOLUTION_SECS)
        .execute(pool)
        .await?;
    }
    Ok(Some(row.try_get("host_id")?))
}

/// Revokes every live credential of a host.
pub(super) async fn revoke_agent_credentials(
    store: &SqlStore,
    host_id: i64,
    actor: &Actor,
    now: Timestamp,
) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    let done = sqlx::query(
        "UPDATE agent_credentials SET revoked_at = $2 WHERE host_id = $1 AND revoked_at IS NULL",
    )
    .bind(host_id)
    .bind(secs(now))
    .execute(&mut *tx)
    .await?;
    let change = Change {
        actor,
        action: "host.credentials.revoke",
        target: format!("host:{host_id}"),
        before: None,
        after: Some(json!({"revoked_credentials": done.rows_affected()})),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}
