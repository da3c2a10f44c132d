//! Host identity in the store: creating hosts, finding the known hosts a report may belong
//! to, and the review list where a person decides ambiguous matches.
//!
//! Merging a reviewed host into its candidate keeps the candidate's id (links to it stay
//! valid): the review host's history and agent credentials move over, its latest inventory
//! replaces the candidate's, manual tags of both are kept, and the review host is deleted.
//! Reviews that named the deleted host are closed with it (`host_merged`).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::json;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use steward_api::resources::{HostRef, IdentityReview};
use steward_core::inventory::HostFacts;
use steward_core::inventory::identity::{HostIdentifiers, IdentifierKind, KnownHost};

use super::compliance::{self, Change};
use super::inventory::{replace_identifiers, store_facts};
use super::{Conditions, Param, SqlStore, secs, timestamp};
use crate::{Actor, Result, StoreError};

/// Known hosts sharing at least one identifier with `ids`, each with all its identifiers.
pub(super) async fn identity_candidates(
    pool: &AnyPool,
    ids: &HostIdentifiers,
) -> Result<Vec<KnownHost>> {
    let mut c = Conditions::default();
    for (kind, value) in ids.pairs() {
        let (kind, value) = (
            c.bind(Param::Text(kind.as_str().into())),
            c.bind(Param::Text(value)),
        );
        c.push(format!("(m.kind = {kind} AND m.value = {value})"));
    }
    if c.clauses.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT i.host_id, i.kind, i.value FROM host_identifiers i WHERE i.host_id IN \
         (SELECT m.host_id FROM host_identifiers m WHERE {}) ORDER BY i.host_id",
        c.clauses.join(" OR ")
    );

    let mut pairs: BTreeMap<i64, Vec<(IdentifierKind, String)>> = BTreeMap::new();
    for row in c.query(sql).fetch_all(pool).await? {
        let kind: String = row.try_get("kind")?;
        let kind = IdentifierKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown identifier kind {kind:?}")))?;
        pairs
            .entry(row.try_get("host_id")?)
            .or_default()
            .push((kind, row.try_get("value")?));
    }
    Ok(pairs
        .into_iter()
        .map(|(id, pairs)| KnownHost {
            id,
            identifiers: HostIdentifiers::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))),
        })
        .collect())
}

/// Creates a host with its facts and identifiers, and no inventory yet.
pub(super) async fn create_host(
    store: &SqlStore,
    ids: &HostIdentifiers,
    facts: &HostFacts,
    now: Timestamp,
) -> Result<i64> {
    let hostname = match facts.hostname.is_empty() {
        true => ids.hostname.clone().unwrap_or_default(),
        false => facts.hostname.clone(),
    };
    let mut tx = store.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO hosts (hostname, facts_json, first_seen, last_seen) \
         VALUES ($1, '{}', $2, $2) RETURNING id",
    )
    .bind(hostname)
    .bind(secs(now))
    .fetch_one(&mut *tx)
    .await?;

    store_facts(&mut tx, id, facts, &[]).await?;
    replace_identifiers(&mut tx, id, ids).await?;
    tx.commit().await?;
    Ok(id)
}

/// Opens a review of a possible match.
pub(super) async fn add_identity_review(
    pool: &AnyPool,
    host_id: i64,
    candidate_id: i64,
    reason: &str,
    now: Timestamp,
) -> Result<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO identity_reviews (host_id, candidate_id, reason, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(host_id)
    .bind(candidate_id)
    .bind(reason)
    .bind(secs(now))
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Reviews still waiting for a decision, oldest first.
pub(super) async fn open_identity_reviews(pool: &AnyPool) -> Result<Vec<IdentityReview>> {
    let rows = sqlx::query(
        "SELECT r.id, r.reason, r.created_at, h.id AS host_id, h.hostname AS host_name, \
         c.id AS candidate_id, c.hostname AS candidate_name FROM identity_reviews r \
         JOIN hosts h ON h.id = r.host_id JOIN hosts c ON c.id = r.candidate_id \
         WHERE r.resolved_at IS NULL ORDER BY r.created_at, r.id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(IdentityReview {
                id: row.try_get("id")?,
                host: HostRef {
                    id: row.try_get("host_id")?,
                    hostname: row.try_get("host_name")?,
                },
                candidate: HostRef {
                    id: row.try_get("candidate_id")?,
                    hostname: row.try_get("candidate_name")?,
                },
                reason: row.try_get("reason")?,
                created_at: timestamp(row.try_get("created_at")?)?,
            })
        })
        .collect()
}

/// Closes an open review, merging its host into the candidate when asked; false when there
/// is no open review with this id.
pub(super) async fn resolve_identity_review(
    store: &SqlStore,
    id: i64,
    merge: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let sql = format!(
        "SELECT host_id, candidate_id FROM identity_reviews \
         WHERE id = $1 AND resolved_at IS NULL AND host_id IS NOT NULL \
         AND candidate_id IS NOT NULL{}",
        store.dialect.lock_rows()
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(false);
    };
    let (host_id, candidate_id): (i64, i64) =
        (row.try_get("host_id")?, row.try_get("candidate_id")?);

    let resolution = if merge { "merged" } else { "separate" };
    close_review(&mut tx, id, resolution, now).await?;
    if merge && host_id != candidate_id {
        merge_hosts(&mut tx, store, host_id, candidate_id, now).await?;
    }
    let change = Change {
        actor,
        action: "identity_review.resolve",
        target: format!("identity_review:{id}"),
        before: Some(json!({"host_id": host_id, "candidate_id": candidate_id})),
        after: Some(json!({"resolution": resolution})),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(true)
}

async fn close_review(
    conn: &mut AnyConnection,
    id: i64,
    resolution: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE identity_reviews SET resolved_at = $2, resolution = $3 WHERE id = $1")
        .bind(id)
        .bind(secs(now))
        .bind(resolution)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Folds host `from` into host `into` and deletes `from`.
async fn merge_hosts(
    conn: &mut AnyConnection,
    store: &SqlStore,
    from: i64,
    into: i64,
    now: Timestamp,
) -> Result<()> {
    // Lock both rows in id order, so two merges never wait on each other crosswise.
    let sql = format!(
        "SELECT id FROM hosts WHERE id IN ($1, $2) ORDER BY id{}",
        store.dialect.lock_rows()
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(from)
        .bind(into)
        .fetch_all(&mut *conn)
        .await?;

    for statement in MERGE_STATEMENTS {
        sqlx::query(*statement)
            .bind(from)
            .bind(into)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE identity_reviews SET resolved_at = $2, resolution = 'host_merged' \
         WHERE resolved_at IS NULL AND (host_id = $1 OR candidate_id = $1)",
    )
    .bind(from)
    .bind(secs(now))
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM hosts WHERE id = $1")
        .bind(from)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The steps of a merge, each binding `$1` = the host merged away, `$2` = the one kept. Both
/// values are bound to every statement, so each names both (`$1 <> $2` where one is idle).
const MERGE_STATEMENTS: &[&str] = &[
    "UPDATE host_events SET host_id = $2 WHERE host_id = $1",
    "UPDATE agent_credentials SET host_id = $2 WHERE host_id = $1",
    "DELETE FROM host_packages WHERE host_id = $2 AND $1 <> $2",
    "INSERT INTO host_packages (host_id, package_id, status) \
     SELECT $2, package_id, status FROM host_packages WHERE host_id = $1",
    "DELETE FROM pending_updates WHERE host_id = $2 AND $1 <> $2",
    "INSERT INTO pending_updates (host_id, name, arch, installed_version, candidate_version, \
     origin, security) SELECT $2, name, arch, installed_version, candidate_version, origin, \
     security FROM pending_updates WHERE host_id = $1",
    "DELETE FROM host_identifiers WHERE host_id = $2 AND $1 <> $2",
    "INSERT INTO host_identifiers (host_id, kind, value) \
     SELECT $2, kind, value FROM host_identifiers WHERE host_id = $1",
    "DELETE FROM host_tags WHERE host_id = $2 AND source = 'agent' AND $1 <> $2",
    "INSERT INTO host_tags (host_id, tag, source) \
     SELECT $2, tag, source FROM host_tags WHERE host_id = $1 ON CONFLICT DO NOTHING",
    "INSERT INTO host_documents (host_id, document_id, received_at) \
     SELECT $2, document_id, received_at FROM host_documents WHERE host_id = $1 \
     ON CONFLICT DO NOTHING",
    "UPDATE hosts SET hostname = s.hostname, fqdn = s.fqdn, addresses = s.addresses, \
     os_id = s.os_id, os_version = s.os_version, os_name = s.os_name, kernel = s.kernel, \
     arch = s.arch, facts_json = s.facts_json, sources_json = s.sources_json, \
     digest_facts = s.digest_facts, digest_packages = s.digest_packages, \
     digest_pending_updates = s.digest_pending_updates, package_count = s.package_count, \
     pending_update_count = s.pending_update_count, \
     security_update_count = s.security_update_count, \
     first_seen = CASE WHEN s.first_seen < hosts.first_seen THEN s.first_seen \
       ELSE hosts.first_seen END, \
     last_seen = CASE WHEN s.last_seen > hosts.last_seen THEN s.last_seen \
       ELSE hosts.last_seen END \
     FROM hosts s WHERE hosts.id = $2 AND s.id = $1",
];
