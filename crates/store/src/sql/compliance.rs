//! Compliance in the store: appending to the hash-chained audit log inside the transaction of
//! the change it records, reading it back, and verifying the chain.
//!
//! Appends are serialised through the one-row `audit_head` table: PostgreSQL locks it with
//! `FOR UPDATE`, SQLite's write transactions already hold the database's one write lock. Two
//! servers appending at once therefore take turns and the chain never forks.

use jiff::Timestamp;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use steward_api::compliance::{AuditEntry, AuditVerification, BrokenLink};
use steward_api::resources::{Page, PageRequest};

use super::{Dialect, cursor, from_json, secs, timestamp, to_json};
use crate::audit::{ChainFields, GENESIS_HASH};
use crate::{Actor, Result};

/// One change to record.
#[derive(Debug)]
pub(super) struct Change<'a> {
    /// Who made it.
    pub actor: &'a Actor,
    /// What was done, `noun.verb`.
    pub action: &'static str,
    /// What it was done to, `kind:id`.
    pub target: String,
    /// The target before, where it matters.
    pub before: Option<Value>,
    /// The target after, where it matters.
    pub after: Option<Value>,
}

/// Appends an entry for `change` at the head of the chain, inside the caller's transaction.
pub(super) async fn append(
    conn: &mut AnyConnection,
    dialect: Dialect,
    change: Change<'_>,
    now: Timestamp,
) -> Result<()> {
    let sql = format!(
        "SELECT last_id, hash FROM audit_head WHERE id = 1{}",
        dialect.lock_rows()
    );
    let head = sqlx::query(AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    let (last_id, prev_hash): (i64, String) = (head.try_get("last_id")?, head.try_get("hash")?);

    let actor = change.actor.label();
    let before = change.before.as_ref().map(to_json).transpose()?;
    let after = change.after.as_ref().map(to_json).transpose()?;
    let fields = ChainFields {
        id: last_id + 1,
        at: secs(now),
        actor: &actor,
        action: change.action,
        target: &change.target,
        before: before.as_deref(),
        after: after.as_deref(),
    };
    let hash = fields.hash(&prev_hash);

    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, target, before_json, after_json, \
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(fields.id)
    .bind(fields.at)
    .bind(fields.actor)
    .bind(fields.action)
    .bind(fields.target)
    .bind(fields.before)
    .bind(fields.after)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET last_id = $1, hash = $2 WHERE id = 1")
        .bind(fields.id)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const COLUMNS: &str = "id, at, actor, action, target, before_json, after_json, prev_hash, hash";

/// A page of the log, newest first.
pub(super) async fn audit_entries(pool: &AnyPool, page: &PageRequest) -> Result<Page<AuditEntry>> {
    let before = match &page.cursor {
        Some(after) => cursor::decode::<i64>(after)?,
        None => i64::MAX,
    };
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(before)
        .bind(i64::from(page.limit()) + 1)
        .fetch_all(pool)
        .await?;
    let entries = rows
        .iter()
        .map(entry_from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok(cursor::page(entries, page.limit(), |e| e.id))
}

/// Entries with ids above `after_id`, oldest first.
pub(super) async fn audit_entries_after(
    pool: &AnyPool,
    after_id: i64,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    rows.iter().map(entry_from_row).collect()
}

/// Entries read per round while verifying, so a long log is never held in memory at once.
const VERIFY_BATCH: i64 = 1000;

/// Walks the chain from the first entry and checks every link, then the head.
pub(super) async fn verify_audit(pool: &AnyPool) -> Result<AuditVerification> {
    let mut expected_id = 1;
    let mut prev_hash = GENESIS_HASH.to_owned();
    loop {
        let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id >= $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(expected_id)
            .bind(VERIFY_BATCH)
            .fetch_all(pool)
            .await?;
        for row in &rows {
            if let Some(broken) = check_link(row, expected_id, &prev_hash)? {
                return Ok(verdict(expected_id - 1, Some(broken)));
            }
            prev_hash = row.try_get("hash")?;
            expected_id += 1;
        }
        if (rows.len() as i64) < VERIFY_BATCH {
            break;
        }
    }

    let head = sqlx::query("SELECT last_id, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let (last_id, head_hash): (i64, String) = (head.try_get("last_id")?, head.try_get("hash")?);
    let checked = expected_id - 1;
    let broken = if last_id != checked {
        Some(BrokenLink {
            id: checked + 1,
            reason: format!(
                "the chain's head says the log ends at entry {last_id}, but it ends at {checked}"
            ),
        })
    } else if head_hash != prev_hash {
        Some(BrokenLink {
            id: last_id,
            reason: "the chain's head holds a different hash for the last entry".to_owned(),
        })
    } else {
        None
    };
    Ok(verdict(checked, broken))
}

fn verdict(entries: i64, broken: Option<BrokenLink>) -> AuditVerification {
    AuditVerification {
        entries: u64::try_from(entries).unwrap_or_default(),
        broken,
    }
}

/// What is wrong with the entry in `row`, which should be `expected_id` after `prev_hash`.
fn check_link(row: &AnyRow, expected_id: i64, prev_hash: &str) -> Result<Option<BrokenLink>> {
    let id: i64 = row.try_get("id")?;
    if id != expected_id {
        let reason = format!("entry {expected_id} is missing (the next entry is {id})");
        return Ok(Some(BrokenLink {
            id: expected_id,
            reason,
        }));
    }
    let stored_prev: String = row.try_get("prev_hash")?;
    if stored_prev != prev_hash {
        let reason = "its previous hash is not the hash of the entry before it".to_owned();
        return Ok(Some(BrokenLink { id, reason }));
    }
    let (actor, action, target): (String, String, String) = (
        row.try_get("actor")?,
        row.try_get("action")?,
        row.try_get("target")?,
    );
    let (before, after): (Option<String>, Option<String>) =
        (row.try_get("before_json")?, row.try_get("after_json")?);
    let fields = ChainFields {
        id,
        at: row.try_get("at")?,
        actor: &actor,
        action: &action,
        target: &target,
        before: before.as_deref(),
        after: after.as_deref(),
    };
    let stored_hash: String = row.try_get("hash")?;
    if fields.hash(prev_hash) != stored_hash {
        let reason = "its fields do not match its hash: the entry was changed".to_owned();
        return Ok(Some(BrokenLink { id, reason }));
    }
    Ok(None)
}

fn entry_from_row(row: &AnyRow) -> Result<AuditEntry> {
    let json = |column: &str| -> Result<Option<Value>> {
        let text: Option<String> = row.try_get(column)?;
        text.map(|t| from_json::<Value>(column, &t)).transpose()
    };
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: timestamp(row.try_get("at")?)?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        before: json("before_json")?,
        after: json("after_json")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}
