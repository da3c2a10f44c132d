//! Applying an inventory: each carried section is diffed against the stored one and only the
//! difference is written, with one history entry per change, in one transaction.
//!
//! Invariants:
//! - A document is applied once. Its id is inserted first under a unique key, after the host
//!   row is locked (`FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite); a second process
//!   applying the same document waits for the first and then finds the id taken. The last
//!   [`KEPT_DOCUMENTS`] ids of each host are kept, enough to catch any agent's retries.
//! - The first inventory of a section is the baseline, not news: the packages (or facts) of a
//!   host's first inventory are stored without history entries. Later inventories write one
//!   entry per [`Change`] that the core diff reports.
//! - An unchanged package list writes no `host_packages` rows; a changed one deletes and
//!   inserts only the rows whose (ecosystem, name, version, architecture) came or went.
//! - The counts on the host row (packages, pending and security updates) are recomputed from
//!   the host's own rows on every application, so the host list needs no join to show them.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use steward_core::inventory::diff::{Change, diff_facts, diff_packages};
use steward_core::inventory::identity::HostIdentifiers;
use steward_core::inventory::{
    HostFacts, InstalledPackage, PackageKey, PackageSource, PendingUpdate, Section, SourceReport,
};

use super::{BATCH_ROWS, Dialect, SqlStore, from_json, secs, to_json};
use crate::{ApplyOutcome, FactsSection, InventoryUpdate, Result, StoreError};

/// Document ids remembered per host for recognising a resubmission.
pub(super) const KEPT_DOCUMENTS: i64 = 64;

/// What the store knew about a host before this inventory.
struct Before {
    /// The stored facts, read only when the inventory carries facts to diff them against.
    facts: HostFacts,
    had_facts: bool,
    had_packages: bool,
}

/// Applies one inventory document to a host.
pub(super) async fn apply_inventory(
    store: &SqlStore,
    host_id: i64,
    update: &InventoryUpdate,
    now: Timestamp,
) -> Result<ApplyOutcome> {
    let dialect = store.dialect;
    let mut tx = store.begin_write().await?;
    let before = lock_host(&mut tx, dialect, host_id, update.facts.is_some()).await?;
    if !record_document(&mut tx, host_id, &update.document_id, now).await? {
        tx.rollback().await?;
        return Ok(ApplyOutcome {
            changes: 0,
            duplicate: true,
        });
    }

    let mut changes = Vec::new();
    if let Some(section) = &update.facts {
        changes.extend(apply_facts(&mut tx, host_id, section, &before).await?);
    }
    if let Some(packages) = &update.packages {
        let diff = apply_packages(&mut tx, dialect, host_id, packages).await?;
        changes.extend(if before.had_packages {
            diff
        } else {
            Vec::new()
        });
    }
    if let Some(updates) = &update.pending_updates {
        replace_pending_updates(&mut tx, dialect, host_id, updates).await?;
    }

    record_changes(&mut tx, dialect, host_id, &changes, now).await?;
    let recount = update.packages.is_some() || update.pending_updates.is_some();
    mark_seen(&mut tx, host_id, &update.digests, recount, now).await?;
    tx.commit().await?;
    Ok(ApplyOutcome {
        changes: changes.len(),
        duplicate: false,
    })
}

/// Locks the host row for the rest of the transaction and reads what the diff starts from.
///
/// The stored facts are read and decoded only when `with_facts`: a check-in with unchanged
/// digests carries no section, and decoding a host's facts was most of its cost.
async fn lock_host(
    conn: &mut AnyConnection,
    dialect: Dialect,
    host_id: i64,
    with_facts: bool,
) -> Result<Before> {
    let facts_column = match with_facts {
        true => "facts_json, ",
        false => "",
    };
    let sql = format!(
        "SELECT {facts_column}digest_facts, digest_packages, package_count FROM hosts \
         WHERE id = $1{}",
        dialect.lock_rows()
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(host_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::UnknownHost(host_id))?;

    let facts = match with_facts {
        true => from_json("hosts.facts_json", &row.try_get::<String, _>("facts_json")?)?,
        false => HostFacts::default(),
    };
    Ok(Before {
        facts,
        had_facts: row.try_get::<Option<String>, _>("digest_facts")?.is_some(),
        had_packages: row
            .try_get::<Option<String>, _>("digest_packages")?
            .is_some()
            || row.try_get::<i64, _>("package_count")? > 0,
    })
}

/// Notes the document as applied; false when it already was, and then forgets the oldest ids.
async fn record_document(
    conn: &mut AnyConnection,
    host_id: i64,
    document_id: &str,
    now: Timestamp,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO host_documents (host_id, document_id, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT (host_id, document_id) DO NOTHING",
    )
    .bind(host_id)
    .bind(document_id)
    .bind(secs(now))
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }

    sqlx::query(
        "DELETE FROM host_documents WHERE host_id = $1 AND received_at < \
         (SELECT received_at FROM host_documents WHERE host_id = $1 \
          ORDER BY received_at DESC LIMIT 1 OFFSET $2)",
    )
    .bind(host_id)
    .bind(KEPT_DOCUMENTS - 1)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Stores new facts, sources, agent tags and identifiers; returns the fact changes.
async fn apply_facts(
    conn: &mut AnyConnection,
    host_id: i64,
    section: &FactsSection,
    before: &Before,
) -> Result<Vec<Change>> {
    let changes = match before.had_facts {
        true => diff_facts(&before.facts, &section.facts),
        false => Vec::new(),
    };
    store_facts(conn, host_id, &section.facts, &section.sources).await?;
    replace_tags(conn, host_id, "agent", &section.tags).await?;
    let ids = HostIdentifiers::from_facts(&section.facts);
    replace_identifiers(conn, host_id, &ids).await?;
    Ok(changes)
}

/// Writes a host's facts and the columns the host list shows from them.
pub(super) async fn store_facts(
    conn: &mut AnyConnection,
    host_id: i64,
    facts: &HostFacts,
    sources: &[SourceReport],
) -> Result<()> {
    let addresses: Vec<String> = facts
        .interfaces
        .iter()
        .flat_map(|i| i.addresses.iter().map(|a| a.to_lowercase()))
        .collect();
    let os_name = facts
        .os
        .pretty_name
        .clone()
        .or_else(|| facts.os.name.clone());
    sqlx::query(
        "UPDATE hosts SET hostname = COALESCE(NULLIF($2, ''), hostname), fqdn = $3, \
         addresses = $4, os_id = $5, os_version = $6, os_name = $7, kernel = $8, arch = $9, \
         facts_json = $10, sources_json = $11 WHERE id = $1",
    )
    .bind(host_id)
    .bind(&facts.hostname)
    .bind(&facts.fqdn)
    .bind(addresses.join(" "))
    .bind(&facts.os.id)
    .bind(&facts.os.version_id)
    .bind(os_name)
    .bind(&facts.kernel)
    .bind(&facts.arch)
    .bind(to_json(facts)?)
    .bind(to_json(&sources)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces a host's tags from one source (`agent` or `manual`).
pub(super) async fn replace_tags(
    conn: &mut AnyConnection,
    host_id: i64,
    source: &str,
    tags: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM host_tags WHERE host_id = $1 AND source = $2")
        .bind(host_id)
        .bind(source)
        .execute(&mut *conn)
        .await?;
    let distinct: BTreeSet<&str> = tags
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    for tag in distinct {
        sqlx::query("INSERT INTO host_tags (host_id, tag, source) VALUES ($1, $2, $3)")
            .bind(host_id)
            .bind(tag)
            .bind(source)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Replaces the identifiers a host is recognised by.
pub(super) async fn replace_identifiers(
    conn: &mut AnyConnection,
    host_id: i64,
    ids: &HostIdentifiers,
) -> Result<()> {
    sqlx::query("DELETE FROM host_identifiers WHERE host_id = $1")
        .bind(host_id)
        .execute(&mut *conn)
        .await?;
    let pairs: BTreeSet<(&str, String)> = ids
        .pairs()
        .into_iter()
        .map(|(kind, value)| (kind.as_str(), value))
        .collect();
    for (kind, value) in pairs {
        sqlx::query("INSERT INTO host_identifiers (host_id, kind, value) VALUES ($1, $2, $3)")
            .bind(host_id)
            .bind(kind)
            .bind(value)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A host's stored package: the package, its row id and the host's status for it.
struct StoredPackage {
    package: InstalledPackage,
    package_id: i64,
}

/// Writes the difference between the stored and the new package list; returns the changes.
async fn apply_packages(
    conn: &mut AnyConnection,
    dialect: Dialect,
    host_id: i64,
    new: &[InstalledPackage],
) -> Result<Vec<Change>> {
    let stored = load_packages(conn, host_id).await?;
    let old: Vec<InstalledPackage> = stored.values().map(|s| s.package.clone()).collect();
    let changes = diff_packages(&old, new);

    let new: BTreeMap<PackageKey, &InstalledPackage> = new.iter().map(|p| (p.key(), p)).collect();
    let gone: Vec<i64> = stored
        .iter()
        .filter(|(k, _)| !new.contains_key(*k))
        .map(|(_, s)| s.package_id)
        .collect();
    delete_host_packages(conn, dialect, host_id, &gone).await?;

    let added: Vec<&InstalledPackage> = new
        .iter()
        .filter(|(k, _)| !stored.contains_key(*k))
        .map(|(_, p)| *p)
        .collect();
    let ids = ensure_packages(conn, dialect, &added).await?;
    insert_host_packages(conn, dialect, host_id, &added, &ids).await?;

    for (key, package) in &new {
        match stored.get(key) {
            Some(s) if s.package.status != package.status => {
                update_status(conn, host_id, s.package_id, &package.status).await?;
            }
            _ => {}
        }
    }
    Ok(changes)
}

/// A host's installed packages by key.
async fn load_packages(
    conn: &mut AnyConnection,
    host_id: i64,
) -> Result<BTreeMap<PackageKey, StoredPackage>> {
    let rows = sqlx::query(
        "SELECT p.id, p.ecosystem, p.name, p.version, p.arch, p.source_name, p.source_version, \
         p.source, hp.status FROM host_packages hp JOIN packages p ON p.id = hp.package_id \
         WHERE hp.host_id = $1",
    )
    .bind(host_id)
    .fetch_all(&mut *conn)
    .await?;

    let mut stored = BTreeMap::new();
    for row in rows {
        let source: String = row.try_get("source")?;
        let package = InstalledPackage {
            ecosystem: row.try_get("ecosystem")?,
            name: row.try_get("name")?,
            version: row.try_get("version")?,
            arch: row.try_get("arch")?,
            source_name: row.try_get("source_name")?,
            source_version: row.try_get("source_version")?,
            source: parse_source(&source)?,
            status: row.try_get("status")?,
        };
        let package_id = row.try_get("id")?;
        stored.insert(
            package.key(),
            StoredPackage {
                package,
                package_id,
            },
        );
    }
    Ok(stored)
}

/// A stored package source (`dpkg`, `rpm`, `python`) back as its type.
pub(super) fn parse_source(text: &str) -> Result<PackageSource> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("packages.source: unknown source {text:?}")))
}

/// The stored name of a package source.
fn source_name(source: PackageSource) -> Result<String> {
    match serde_json::to_value(source) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(StoreError::Corrupt(format!(
            "cannot name package source {source:?}"
        ))),
    }
}

/// Makes sure each distinct package has a row, and returns the row ids by key.
///
/// `packages` comes sorted by key, so two hosts bringing the same new packages at once insert
/// them in the same order: on PostgreSQL the second waits for the first instead of deadlocking.
async fn ensure_packages(
    conn: &mut AnyConnection,
    dialect: Dialect,
    packages: &[&InstalledPackage],
) -> Result<BTreeMap<PackageKey, i64>> {
    let mut ids = BTreeMap::new();
    for chunk in packages.chunks(BATCH_ROWS) {
        insert_packages(conn, dialect, chunk).await?;
        ids.extend(package_ids(conn, dialect, chunk).await?);
    }
    Ok(ids)
}

/// Inserts the packages not stored yet; rows another host already brought stay as they are.
async fn insert_packages(
    conn: &mut AnyConnection,
    dialect: Dialect,
    chunk: &[&InstalledPackage],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO packages (ecosystem, name, version, arch, source_name, source_version, \
         source) VALUES {} ON CONFLICT (ecosystem, name, version, arch) DO NOTHING",
        dialect.values_rows(chunk.len(), 7)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for p in chunk {
        query = query
            .bind(&p.ecosystem)
            .bind(&p.name)
            .bind(&p.version)
            .bind(&p.arch)
            .bind(&p.source_name)
            .bind(&p.source_version)
            .bind(source_name(p.source)?);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// The row ids of these packages, which must all be stored.
async fn package_ids(
    conn: &mut AnyConnection,
    dialect: Dialect,
    chunk: &[&InstalledPackage],
) -> Result<Vec<(PackageKey, i64)>> {
    // A join with the list of values: one probe of the unique key per listed package, and a
    // statement whose size grows with the list alone (an OR of a hundred four-column terms
    // made the planner weigh every term).
    let sql = format!(
        "WITH wanted (ecosystem, name, version, arch) AS (VALUES {}) \
         SELECT p.id, p.ecosystem, p.name, p.version, p.arch FROM wanted w \
         JOIN packages p ON p.ecosystem = w.ecosystem AND p.name = w.name \
         AND p.version = w.version AND p.arch = w.arch",
        dialect.values_rows(chunk.len(), 4)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for p in chunk {
        query = query
            .bind(&p.ecosystem)
            .bind(&p.name)
            .bind(&p.version)
            .bind(&p.arch);
    }

    let rows = query.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let key = PackageKey {
                ecosystem: row.try_get("ecosystem")?,
                name: row.try_get("name")?,
                version: row.try_get("version")?,
                arch: row.try_get("arch")?,
            };
            Ok((key, row.try_get("id")?))
        })
        .collect()
}

/// Points the host at newly installed packages.
async fn insert_host_packages(
    conn: &mut AnyConnection,
    dialect: Dialect,
    host_id: i64,
    added: &[&InstalledPackage],
    ids: &BTreeMap<PackageKey, i64>,
) -> Result<()> {
    for chunk in added.chunks(BATCH_ROWS) {
        let sql = format!(
            "INSERT INTO host_packages (host_id, package_id, status) VALUES {}",
            dialect.values_rows(chunk.len(), 3)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for p in chunk {
            let id = ids.get(&p.key()).copied().ok_or_else(|| {
                StoreError::Corrupt(format!("package {} {} was not stored", p.name, p.version))
            })?;
            query = query.bind(host_id).bind(id).bind(&p.status);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Removes the host's pointers to packages it no longer has.
async fn delete_host_packages(
    conn: &mut AnyConnection,
    dialect: Dialect,
    host_id: i64,
    package_ids: &[i64],
) -> Result<()> {
    for chunk in package_ids.chunks(BATCH_ROWS) {
        let sql = format!(
            "DELETE FROM host_packages WHERE host_id = {} AND package_id IN ({})",
            dialect.marks(1, 1),
            dialect.marks(2, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(host_id);
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn update_status(
    conn: &mut AnyConnection,
    host_id: i64,
    package_id: i64,
    status: &str,
) -> Result<()> {
    sqlx::query("UPDATE host_packages SET status = $3 WHERE host_id = $1 AND package_id = $2")
        .bind(host_id)
        .bind(package_id)
        .bind(status)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the host's pending updates and their counts.
async fn replace_pending_updates(
    conn: &mut AnyConnection,
    dialect: Dialect,
    host_id: i64,
    updates: &[PendingUpdate],
) -> Result<()> {
    sqlx::query("DELETE FROM pending_updates WHERE host_id = $1")
        .bind(host_id)
        .execute(&mut *conn)
        .await?;
    for chunk in updates.chunks(BATCH_ROWS) {
        let sql = format!(
            "INSERT INTO pending_updates (host_id, name, arch, installed_version, \
             candidate_version, origin, security) VALUES {}",
            dialect.values_rows(chunk.len(), 7)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for u in chunk {
            query = query
                .bind(host_id)
                .bind(&u.name)
                .bind(&u.arch)
                .bind(&u.installed_version)
                .bind(&u.candidate_version)
                .bind(&u.origin)
                .bind(i64::from(u.security));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes one history entry per change.
async fn record_changes(
    conn: &mut AnyConnection,
    dialect: Dialect,
    host_id: i64,
    changes: &[Change],
    now: Timestamp,
) -> Result<()> {
    for chunk in changes.chunks(BATCH_ROWS) {
        let sql = format!(
            "INSERT INTO host_events (host_id, at, kind, name, change_json) VALUES {}",
            dialect.values_rows(chunk.len(), 5)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for change in chunk {
            let (kind, name) = describe(change);
            query = query
                .bind(host_id)
                .bind(secs(now))
                .bind(kind)
                .bind(name)
                .bind(to_json(change)?);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The kind of a change and the package or fact it is about, stored for search.
fn describe(change: &Change) -> (&'static str, &str) {
    match change {
        Change::PackageAdded { name, .. } => ("package_added", name),
        Change::PackageRemoved { name, .. } => ("package_removed", name),
        Change::PackageUpgraded { name, .. } => ("package_upgraded", name),
        Change::PackageDowngraded { name, .. } => ("package_downgraded", name),
        Change::FactChanged { field, .. } => ("fact_changed", field),
    }
}

/// Records the digests and marks the host seen; with `recount`, also refreshes the counts of
/// packages and pending updates (only a package or update section can change them).
async fn mark_seen(
    conn: &mut AnyConnection,
    host_id: i64,
    digests: &BTreeMap<Section, String>,
    recount: bool,
    now: Timestamp,
) -> Result<()> {
    let counts = match recount {
        true => {
            ", package_count = (SELECT COUNT(*) FROM host_packages WHERE host_id = $1), \
             pending_update_count = (SELECT COUNT(*) FROM pending_updates WHERE host_id = $1), \
             security_update_count = \
               (SELECT COUNT(*) FROM pending_updates WHERE host_id = $1 AND security = 1)"
        }
        false => "",
    };
    let sql = format!(
        "UPDATE hosts SET last_seen = $2, \
         digest_facts = COALESCE($3, digest_facts), \
         digest_packages = COALESCE($4, digest_packages), \
         digest_pending_updates = COALESCE($5, digest_pending_updates){counts} \
         WHERE id = $1"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(host_id)
        .bind(secs(now))
        .bind(digests.get(&Section::Facts).map(String::as_str))
        .bind(digests.get(&Section::Packages).map(String::as_str))
        .bind(digests.get(&Section::PendingUpdates).map(String::as_str))
        .execute(&mut *conn)
        .await?;
    Ok(())
}
