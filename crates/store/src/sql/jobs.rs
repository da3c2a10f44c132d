//! The job queue: background work that any server of a deployment may run, each job once.
//!
//! Claiming is one transaction. On PostgreSQL it first takes a transaction-scoped advisory
//! lock, so claims are serialised across servers, and picks the oldest queued job with
//! `FOR UPDATE SKIP LOCKED`; SQLite's write transaction already holds the one write lock. A
//! job is claimed only while no other job's lease is live: jobs run one at a time across the
//! deployment, so two assessments never write the same findings at once. A claim whose lease
//! ran out (its server died) is taken over by the next claim.

use jiff::{SignedDuration, Timestamp};
use sqlx::{AnyPool, AssertSqlSafe, Row};

use super::{BATCH_ROWS, Dialect, SqlStore, secs};
use crate::Result;
use crate::assessment::Job;

/// Key of the PostgreSQL advisory lock that serialises claims.
const CLAIM_LOCK: i64 = 0x5374_6577_4a6f_6273;

/// Queues a job unless the same one is queued already.
pub(super) async fn enqueue_job(
    store: &SqlStore,
    kind: &str,
    payload: &str,
    now: Timestamp,
) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let queued: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE state = 'queued' AND kind = $1 AND payload_json = $2 \
         ORDER BY id LIMIT 1",
    )
    .bind(kind)
    .bind(payload)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match queued {
        Some(id) => id,
        None => {
            sqlx::query_scalar(
                "INSERT INTO jobs (kind, payload_json, state, enqueued_at) \
                 VALUES ($1, $2, 'queued', $3) RETURNING id",
            )
            .bind(kind)
            .bind(payload)
            .bind(secs(now))
            .fetch_one(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Claims the oldest claimable job.
pub(super) async fn claim_job(
    store: &SqlStore,
    worker: &str,
    now: Timestamp,
    lease: SignedDuration,
) -> Result<Option<Job>> {
    let mut tx = store.begin_write().await?;
    if store.dialect == Dialect::Postgres {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT pg_advisory_xact_lock({CLAIM_LOCK})::text"
        )))
        .execute(&mut *tx)
        .await?;
    }
    let busy: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND lease_until >= $1",
    )
    .bind(secs(now))
    .fetch_one(&mut *tx)
    .await?;
    if busy > 0 {
        return Ok(None);
    }
    let skip_locked = match store.dialect {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "SELECT id, kind, payload_json FROM jobs WHERE state = 'queued' \
         OR (state = 'running' AND lease_until < $1) ORDER BY id LIMIT 1{skip_locked}"
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(secs(now))
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let job = Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        payload: row.try_get("payload_json")?,
    };
    let until = now.checked_add(lease).unwrap_or(now);
    sqlx::query(
        "UPDATE jobs SET state = 'running', claimed_by = $1, lease_until = $2 WHERE id = $3",
    )
    .bind(worker)
    .bind(secs(until))
    .bind(job.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(job))
}

/// Claims every queued job of `kind` whose payload starts with `prefix` (up to `limit`,
/// oldest first) for `worker`, which runs them together with the job it holds.
pub(super) async fn claim_queued_alike(
    store: &SqlStore,
    worker: &str,
    kind: &str,
    prefix: &str,
    limit: usize,
    now: Timestamp,
    lease: SignedDuration,
) -> Result<Vec<Job>> {
    let mut tx = store.begin_write().await?;
    let skip_locked = match store.dialect {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    // The prefix's length is ours, not input: it goes into the SQL as a number.
    let sql = format!(
        "SELECT id, kind, payload_json FROM jobs WHERE state = 'queued' AND kind = $1 \
         AND substr(payload_json, 1, {}) = $2 ORDER BY id LIMIT {limit}{skip_locked}",
        prefix.chars().count()
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(kind)
        .bind(prefix)
        .fetch_all(&mut *tx)
        .await?;
    let jobs = rows
        .iter()
        .map(|row| {
            Ok(Job {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                payload: row.try_get("payload_json")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let until = now.checked_add(lease).unwrap_or(now);
    for chunk in jobs.chunks(BATCH_ROWS) {
        let marks: Vec<String> = (3..3 + chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "UPDATE jobs SET state = 'running', claimed_by = $1, lease_until = $2 \
             WHERE id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(worker)
            .bind(secs(until));
        for job in chunk {
            query = query.bind(job.id);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(jobs)
}

/// Marks a job done or failed.
pub(super) async fn finish_job(
    pool: &AnyPool,
    id: i64,
    outcome: std::result::Result<String, String>,
    now: Timestamp,
) -> Result<()> {
    let (state, result) = match outcome {
        Ok(result) => ("done", result),
        Err(error) => ("failed", error),
    };
    sqlx::query("UPDATE jobs SET state = $1, result = $2, finished_at = $3 WHERE id = $4")
        .bind(state)
        .bind(result)
        .bind(secs(now))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Jobs queued or running.
pub(super) async fn pending_jobs(pool: &AnyPool) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
            .fetch_one(pool)
            .await?,
    )
}

/// The failed job with the highest id, and its error.
pub(super) async fn last_failed_job(pool: &AnyPool) -> Result<Option<(i64, String)>> {
    let row =
        sqlx::query("SELECT id, result FROM jobs WHERE state = 'failed' ORDER BY id DESC LIMIT 1")
            .fetch_optional(pool)
            .await?;
    match row {
        Some(row) => Ok(Some((
            row.try_get("id")?,
            row.try_get::<Option<String>, _>("result")?
                .unwrap_or_default(),
        ))),
        None => Ok(None),
    }
}
