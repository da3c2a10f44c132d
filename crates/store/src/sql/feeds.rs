//! Feeds in the store: replacing one feed whole, and reading advisories, the KEV catalog and
//! lifecycle products back for the assessment.
//!
//! A feed's records carry its row id, so replacing it is: delete its records, insert the new
//! ones, in one write transaction. Each advisory is stored as its JSON plus the columns lists
//! and lookups need; its digest tells a re-import which advisories changed, and so which
//! packages need re-assessing.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use steward_api::assessment::FeedInfo;
use steward_core::assessment::advisory::Advisory;
use steward_core::assessment::ecosystem::Ecosystem;
use steward_core::assessment::lifecycle::{LifecycleCycle, LifecycleProduct};
use steward_core::assessment::priority::SeverityFacts;

use super::{BATCH_ROWS, SqlStore, from_json, secs, timestamp, to_json, values_rows};
use crate::assessment::{FeedChange, FeedImport, KevRecord, PackageName};
use crate::{Result, StoreError};

/// Tables holding a feed's records, deleted before a feed is written again.
const RECORD_TABLES: [&str; 6] = [
    "advisory_packages",
    "advisory_aliases",
    "advisories",
    "kev_entries",
    "lifecycle_cycles",
    "lifecycle_products",
];

/// Replaces one feed and reports what changed.
pub(super) async fn replace_feed(
    store: &SqlStore,
    feed: &FeedImport,
    now: Timestamp,
) -> Result<FeedChange> {
    let mut tx = store.begin_write().await?;
    let sql = format!(
        "SELECT id FROM feeds WHERE kind = $1 AND origin = $2{}",
        store.dialect.lock_rows()
    );
    let existing: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(&feed.kind)
        .bind(&feed.origin)
        .fetch_optional(&mut *tx)
        .await?;

    let new_rows = unique_by_id(&feed.advisories)
        .into_iter()
        .map(AdvisoryRow::of)
        .collect::<Result<Vec<_>>>()?;
    let mut change = FeedChange {
        replaced: existing.is_some(),
        context_changed: !feed.kev.is_empty() || !feed.lifecycle.is_empty(),
        ..FeedChange::default()
    };
    let feed_id = match existing {
        Some(id) => {
            diff_advisories(&mut tx, id, &new_rows, &mut change).await?;
            change.context_changed = context_rows(&mut tx, id).await? != new_context(feed)?;
            for table in RECORD_TABLES {
                let sql = format!("DELETE FROM {table} WHERE feed_id = $1");
                sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "UPDATE feeds SET source = $1, files = $2, records = $3, imported_at = $4 \
                 WHERE id = $5",
            )
            .bind(&feed.source)
            .bind(feed.files as i64)
            .bind(feed.records() as i64)
            .bind(secs(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        None => {
            let packages: BTreeSet<PackageName> =
                new_rows.iter().flat_map(|r| r.packages.clone()).collect();
            change.advisories_changed = new_rows.len();
            change.packages = packages.into_iter().collect();
            sqlx::query_scalar(
                "INSERT INTO feeds (kind, origin, source, files, records, imported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&feed.kind)
            .bind(&feed.origin)
            .bind(&feed.source)
            .bind(feed.files as i64)
            .bind(feed.records() as i64)
            .bind(secs(now))
            .fetch_one(&mut *tx)
            .await?
        }
    };

    insert_advisories(&mut tx, feed_id, &new_rows).await?;
    insert_kev(&mut tx, feed_id, &feed.kev).await?;
    insert_lifecycle(&mut tx, feed_id, &feed.lifecycle).await?;
    tx.commit().await?;
    Ok(change)
}

/// A feed's advisories one per id: of two with one id, the later `modified` stays.
fn unique_by_id(advisories: &[Advisory]) -> Vec<&Advisory> {
    let mut unique: Vec<&Advisory> = Vec::with_capacity(advisories.len());
    let mut index: HashMap<&str, usize> = HashMap::new();
    for advisory in advisories {
        match index.get(advisory.id.as_str()) {
            Some(&at) if advisory.modified > unique[at].modified => unique[at] = advisory,
            Some(_) => {}
            None => {
                index.insert(&advisory.id, unique.len());
                unique.push(advisory);
            }
        }
    }
    unique
}

/// An advisory as stored.
struct AdvisoryRow<'a> {
    advisory: &'a Advisory,
    json: String,
    digest: String,
    rating: Option<String>,
    score_tenths: Option<i64>,
    packages: BTreeSet<PackageName>,
}

impl AdvisoryRow<'_> {
    fn of(advisory: &Advisory) -> Result<AdvisoryRow<'_>> {
        let json = to_json(advisory)?;
        let digest = hex::encode(Sha256::digest(json.as_bytes()));
        let severities = advisory
            .severity
            .iter()
            .chain(advisory.affected.iter().flat_map(|a| &a.severity));
        let severity = SeverityFacts::of(severities);
        let packages = advisory
            .affected
            .iter()
            .map(|affected| {
                let ecosystem = Ecosystem::parse(&affected.ecosystem);
                PackageName {
                    name: ecosystem.normalize_name(&affected.name).into_owned(),
                    ecosystem: ecosystem.base().to_owned(),
                }
            })
            .collect();
        Ok(AdvisoryRow {
            advisory,
            json,
            digest,
            rating: severity.rating().map(|r| r.as_str().to_owned()),
            score_tenths: severity.score.map(|s| (s * 10.0).round() as i64),
            packages,
        })
    }
}

/// Finds the advisories a re-import adds, changes or removes, and the packages they name.
async fn diff_advisories(
    conn: &mut AnyConnection,
    feed_id: i64,
    new_rows: &[AdvisoryRow<'_>],
    change: &mut FeedChange,
) -> Result<()> {
    let old: HashMap<String, String> =
        sqlx::query("SELECT id, digest FROM advisories WHERE feed_id = $1")
            .bind(feed_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("digest")?)))
            .collect::<Result<_>>()?;
    let new_ids: HashMap<&str, &AdvisoryRow<'_>> = new_rows
        .iter()
        .map(|row| (row.advisory.id.as_str(), row))
        .collect();

    let mut changed: BTreeSet<String> = old
        .keys()
        .filter(|id| !new_ids.contains_key(id.as_str()))
        .cloned()
        .collect();
    let mut packages: BTreeSet<PackageName> = BTreeSet::new();
    for row in new_rows {
        if old.get(&row.advisory.id) != Some(&row.digest) {
            changed.insert(row.advisory.id.clone());
            packages.extend(row.packages.iter().cloned());
        }
    }

    let old_packages = sqlx::query(
        "SELECT advisory_id, ecosystem, name FROM advisory_packages WHERE feed_id = $1",
    )
    .bind(feed_id)
    .fetch_all(&mut *conn)
    .await?;
    for row in old_packages {
        let id: String = row.try_get("advisory_id")?;
        if changed.contains(&id) {
            packages.insert(PackageName {
                ecosystem: row.try_get("ecosystem")?,
                name: row.try_get("name")?,
            });
        }
    }
    change.advisories_changed = changed.len();
    change.packages = packages.into_iter().collect();
    Ok(())
}

/// The stored KEV and lifecycle records of a feed, as comparable lines.
async fn context_rows(conn: &mut AnyConnection, feed_id: i64) -> Result<Vec<String>> {
    let kev = sqlx::query(
        "SELECT cve_id, date_added, due_date, ransomware, name FROM kev_entries \
         WHERE feed_id = $1",
    )
    .bind(feed_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut lines = Vec::with_capacity(kev.len());
    for row in kev {
        lines.push(kev_line(&KevRecord {
            cve_id: row.try_get("cve_id")?,
            date_added: date(&row.try_get::<String, _>("date_added")?)?,
            due_date: row
                .try_get::<Option<String>, _>("due_date")?
                .map(|d| date(&d))
                .transpose()?,
            ransomware: row.try_get::<i64, _>("ransomware")? != 0,
            name: row.try_get("name")?,
        }));
    }
    let cycles = sqlx::query(
        "SELECT c.source, c.product, p.title, c.position, c.cycle_json FROM lifecycle_cycles c \
         JOIN lifecycle_products p ON p.feed_id = c.feed_id AND p.source = c.source \
         AND p.name = c.product WHERE c.feed_id = $1",
    )
    .bind(feed_id)
    .fetch_all(&mut *conn)
    .await?;
    for row in cycles {
        let title: Option<String> = row.try_get("title")?;
        lines.push(format!(
            "{}|{}|{}|{}|{}",
            row.try_get::<String, _>("source")?,
            row.try_get::<String, _>("product")?,
            title.unwrap_or_default(),
            row.try_get::<i64, _>("position")?,
            row.try_get::<String, _>("cycle_json")?
        ));
    }
    lines.sort();
    Ok(lines)
}

/// A feed's KEV and lifecycle records, as [`context_rows`] reads them back once stored.
fn new_context(feed: &FeedImport) -> Result<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut seen_cve = BTreeSet::new();
    for entry in &feed.kev {
        if seen_cve.insert(&entry.cve_id) {
            lines.push(kev_line(entry));
        }
    }
    let mut seen_product = BTreeSet::new();
    for product in &feed.lifecycle {
        if !seen_product.insert((&product.source, &product.name)) {
            continue;
        }
        for (position, cycle) in product.cycles.iter().enumerate() {
            lines.push(format!(
                "{}|{}|{}|{}|{}",
                product.source,
                product.name,
                product.title.clone().unwrap_or_default(),
                position,
                to_json(cycle)?
            ));
        }
    }
    lines.sort();
    Ok(lines)
}

fn kev_line(entry: &KevRecord) -> String {
    format!(
        "{}|{}|{:?}|{}|{}",
        entry.cve_id, entry.date_added, entry.due_date, entry.ransomware, entry.name
    )
}

async fn insert_advisories(
    conn: &mut AnyConnection,
    feed_id: i64,
    rows: &[AdvisoryRow<'_>],
) -> Result<()> {
    for chunk in rows.chunks(BATCH_ROWS) {
        let sql = format!(
            "INSERT INTO advisories (feed_id, id, aliases, summary, rating, score_tenths, \
             published, modified, withdrawn, digest, advisory_json) VALUES {}",
            values_rows(chunk.len(), 11)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            let a = row.advisory;
            query = query
                .bind(feed_id)
                .bind(&a.id)
                .bind(a.aliases.join(" "))
                .bind(&a.summary)
                .bind(&row.rating)
                .bind(row.score_tenths)
                .bind(a.published.map(secs))
                .bind(a.modified.map(secs))
                .bind(a.withdrawn.map(secs))
                .bind(&row.digest)
                .bind(&row.json);
        }
        query.execute(&mut *conn).await?;
    }

    let aliases: Vec<(&str, &str)> = rows
        .iter()
        .flat_map(|row| {
            let id = row.advisory.id.as_str();
            let names: BTreeSet<&str> = std::iter::once(id)
                .chain(row.advisory.aliases.iter().map(String::as_str))
                .collect();
            names.into_iter().map(move |alias| (id, alias))
        })
        .collect();
    for chunk in aliases.chunks(BATCH_ROWS) {
        let sql = format!(
            "INSERT INTO advisory_aliases (feed_id, advisory_id, alias) VALUES {}",
            values_rows(chunk.len(), 3)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, alias) in chunk {
            query = query.bind(feed_id).bind(*id).bind(*alias);
        }
        query.execute(&mut *conn).await?;
    }

    let packages: Vec<(&str, &PackageName)> = rows
        .iter()
        .flat_map(|row| row.packages.iter().map(|p| (row.advisory.id.as_str(), p)))
        .collect();
    for chunk in packages.chunks(BATCH_ROWS) {
        let sql = format!(
            "INSERT INTO advisory_packages (feed_id, advisory_id, ecosystem, name) VALUES {}",
            values_rows(chunk.len(), 4)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, package) in chunk {
            query = query
                .bind(feed_id)
                .bind(*id)
                .bind(&package.ecosystem)
                .bind(&package.name);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_kev(conn: &mut AnyConnection, feed_id: i64, entries: &[KevRecord]) -> Result<()> {
    for chunk in entries.chunks(BATCH_ROWS) {
        let sql = format!(
            "INSERT INTO kev_entries (feed_id, cve_id, date_added, due_date, ransomware, name) \
             VALUES {} ON CONFLICT (feed_id, cve_id) DO NOTHING",
            values_rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for entry in chunk {
            query = query
                .bind(feed_id)
                .bind(&entry.cve_id)
                .bind(entry.date_added.to_string())
                .bind(entry.due_date.map(|d| d.to_string()))
                .bind(i64::from(entry.ransomware))
                .bind(&entry.name);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_lifecycle(
    conn: &mut AnyConnection,
    feed_id: i64,
    products: &[LifecycleProduct],
) -> Result<()> {
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for product in products {
        if !seen.insert((&product.source, &product.name)) {
            continue;
        }
        sqlx::query(
            "INSERT INTO lifecycle_products (feed_id, source, name, title) VALUES ($1, $2, $3, $4)",
        )
        .bind(feed_id)
        .bind(&product.source)
        .bind(&product.name)
        .bind(&product.title)
        .execute(&mut *conn)
        .await?;
        let cycles: Vec<(usize, &LifecycleCycle)> = product.cycles.iter().enumerate().collect();
        for chunk in cycles.chunks(BATCH_ROWS) {
            let sql = format!(
                "INSERT INTO lifecycle_cycles (feed_id, source, product, position, cycle, \
                 cycle_json) VALUES {}",
                values_rows(chunk.len(), 6)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (position, cycle) in chunk {
                query = query
                    .bind(feed_id)
                    .bind(&product.source)
                    .bind(&product.name)
                    .bind(*position as i64)
                    .bind(&cycle.cycle)
                    .bind(to_json(cycle)?);
            }
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Every imported feed.
pub(super) async fn feeds(pool: &AnyPool) -> Result<Vec<FeedInfo>> {
    let rows = sqlx::query(
        "SELECT kind, origin, source, files, records, imported_at FROM feeds ORDER BY kind, origin",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FeedInfo {
                kind: row.try_get("kind")?,
                origin: row.try_get("origin")?,
                source: row.try_get("source")?,
                files: row.try_get("files")?,
                records: row.try_get("records")?,
                imported_at: timestamp(row.try_get("imported_at")?)?,
            })
        })
        .collect()
}

/// Advisories naming any of `packages`, or all; one per id, the later `modified` winning.
pub(super) async fn advisories_naming(
    pool: &AnyPool,
    packages: Option<&[PackageName]>,
) -> Result<Vec<Advisory>> {
    let rows = match packages {
        None => {
            sqlx::query("SELECT advisory_json FROM advisories ORDER BY id, feed_id")
                .fetch_all(pool)
                .await?
        }
        Some(packages) => {
            let mut ids: BTreeSet<String> = BTreeSet::new();
            for chunk in packages.chunks(BATCH_ROWS) {
                let clauses: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(ecosystem = ${} AND name = ${})", 2 * i + 1, 2 * i + 2))
                    .collect();
                let sql = format!(
                    "SELECT DISTINCT advisory_id FROM advisory_packages WHERE {}",
                    clauses.join(" OR ")
                );
                let mut query = sqlx::query_scalar(AssertSqlSafe(sql));
                for p in chunk {
                    query = query.bind(&p.ecosystem).bind(&p.name);
                }
                let found: Vec<String> = query.fetch_all(pool).await?;
                ids.extend(found);
            }
            let ids: Vec<String> = ids.into_iter().collect();
            let mut rows = Vec::new();
            for chunk in ids.chunks(BATCH_ROWS) {
                let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT advisory_json FROM advisories WHERE id IN ({}) ORDER BY id, feed_id",
                    marks.join(", ")
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for id in chunk {
                    query = query.bind(id);
                }
                rows.extend(query.fetch_all(pool).await?);
            }
            rows
        }
    };

    let mut advisories: Vec<Advisory> = Vec::with_capacity(rows.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let json: String = row.try_get("advisory_json")?;
        let advisory: Advisory = from_json("advisories.advisory_json", &json)?;
        match index.get(&advisory.id) {
            Some(&at) if advisory.modified > advisories[at].modified => advisories[at] = advisory,
            Some(_) => {}
            None => {
                index.insert(advisory.id.clone(), advisories.len());
                advisories.push(advisory);
            }
        }
    }
    Ok(advisories)
}

/// The KEV catalog, one entry per CVE (the later addition winning).
pub(super) async fn kev_catalog(pool: &AnyPool) -> Result<Vec<KevRecord>> {
    let rows = sqlx::query(
        "SELECT cve_id, date_added, due_date, ransomware, name FROM kev_entries \
         ORDER BY cve_id, date_added DESC",
    )
    .fetch_all(pool)
    .await?;
    let mut entries: Vec<KevRecord> = Vec::with_capacity(rows.len());
    for row in rows {
        let cve_id: String = row.try_get("cve_id")?;
        if entries.last().is_some_and(|e| e.cve_id == cve_id) {
            continue;
        }
        entries.push(KevRecord {
            cve_id,
            date_added: date(&row.try_get::<String, _>("date_added")?)?,
            due_date: row
                .try_get::<Option<String>, _>("due_date")?
                .map(|d| date(&d))
                .transpose()?,
            ransomware: row.try_get::<i64, _>("ransomware")? != 0,
            name: row.try_get("name")?,
        });
    }
    Ok(entries)
}

fn date(text: &str) -> Result<jiff::civil::Date> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("date {text:?}: {e}")))
}

/// Every lifecycle product with its cycles in published order.
pub(super) async fn lifecycle_products(pool: &AnyPool) -> Result<Vec<LifecycleProduct>> {
    let products = sqlx::query(
        "SELECT feed_id, source, name, title FROM lifecycle_products ORDER BY feed_id, source, name",
    )
    .fetch_all(pool)
    .await?;
    let cycles = sqlx::query(
        "SELECT feed_id, source, product, cycle_json FROM lifecycle_cycles \
         ORDER BY feed_id, source, product, position",
    )
    .fetch_all(pool)
    .await?;
    let mut by_product: HashMap<(i64, String, String), Vec<LifecycleCycle>> = HashMap::new();
    for row in cycles {
        let key = (
            row.try_get("feed_id")?,
            row.try_get("source")?,
            row.try_get("product")?,
        );
        let json: String = row.try_get("cycle_json")?;
        by_product
            .entry(key)
            .or_default()
            .push(from_json("lifecycle_cycles.cycle_json", &json)?);
    }
    products
        .iter()
        .map(|row| {
            let key: (i64, String, String) = (
                row.try_get("feed_id")?,
                row.try_get("source")?,
                row.try_get("name")?,
            );
            Ok(LifecycleProduct {
                name: key.2.clone(),
                title: row.try_get("title")?,
                source: key.1.clone(),
                cycles: by_product.remove(&key).unwrap_or_default(),
            })
        })
        .collect()
}
