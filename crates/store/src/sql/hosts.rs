//! Reading hosts back: the filtered host list, one host with its facts, its packages, pending
//! updates and history, its tags, and the facets the list's filters offer.
//!
//! Lists are keyset pages (see [`super::cursor`]): hosts by (host name, id), packages by
//! (name, architecture, version, ecosystem), history by id, newest first.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use steward_api::resources::{
    HistoryEntry, Host, HostFilter, HostPackage, HostSummary, HostUpdate, PackageFilter, Page,
    PageRequest,
};
use steward_core::inventory::Section;

use super::compliance::{self, Change};
use super::inventory::replace_tags;
use super::{
    Conditions, Param, SqlStore, contains_pattern, cursor, from_json, secs, timestamp, values_rows,
};
use crate::{Actor, Result};

const SUMMARY_COLUMNS: &str = "h.id, h.hostname, h.fqdn, h.os_id, h.os_version, h.os_name, \
     h.kernel, h.arch, h.package_count, h.pending_update_count, h.security_update_count, \
     h.first_seen, h.last_seen";

/// One page of hosts, by host name.
pub(super) async fn list_hosts(
    pool: &AnyPool,
    filter: &HostFilter,
    page: &PageRequest,
    now: Timestamp,
) -> Result<Page<HostSummary>> {
    let mut conditions = host_conditions(filter, now);
    if let Some(after) = &page.cursor {
        let (hostname, id): (String, i64) = cursor::decode(after)?;
        let (hostname, id) = (
            conditions.bind(Param::Text(hostname)),
            conditions.bind(Param::Int(id)),
        );
        conditions.push(format!("(h.hostname, h.id) > ({hostname}, {id})"));
    }
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM hosts h{} ORDER BY h.hostname, h.id LIMIT {}",
        conditions.where_clause(),
        page.limit() + 1
    );

    let rows = conditions.query(sql).fetch_all(pool).await?;
    let mut hosts = rows
        .iter()
        .map(summary_from_row)
        .collect::<Result<Vec<_>>>()?;
    attach_tags(pool, &mut hosts).await?;
    Ok(cursor::page(hosts, page.limit(), |h| {
        (h.hostname.clone(), h.id)
    }))
}

/// The conditions of a host filter.
fn host_conditions(filter: &HostFilter, now: Timestamp) -> Conditions {
    let mut c = Conditions::default();
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        let p = c.bind(Param::Text(contains_pattern(q)));
        c.push(format!(
            "(LOWER(h.hostname) LIKE {p} ESCAPE '\\' OR LOWER(COALESCE(h.fqdn, '')) LIKE {p} \
             ESCAPE '\\' OR h.addresses LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(os) = filter.os.as_deref().filter(|os| !os.is_empty()) {
        let (id, version) = match os.split_once(':') {
            Some((id, version)) => (id, Some(version)),
            None => (os, None),
        };
        let p = c.bind(Param::Text(id.to_owned()));
        c.push(format!("h.os_id = {p}"));
        if let Some(version) = version {
            let p = c.bind(Param::Text(version.to_owned()));
            c.push(format!("h.os_version = {p}"));
        }
    }
    if let Some(tag) = filter.tag.as_deref().filter(|t| !t.is_empty()) {
        let p = c.bind(Param::Text(tag.to_owned()));
        c.push(format!(
            "EXISTS (SELECT 1 FROM host_tags t WHERE t.host_id = h.id AND t.tag = {p})"
        ));
    }
    if let Some(hours) = filter.seen_within_hours {
        let p = c.bind(Param::Int(secs(now) - i64::from(hours) * 3600));
        c.push(format!("h.last_seen >= {p}"));
    }
    if let Some(hours) = filter.not_seen_for_hours {
        let p = c.bind(Param::Int(secs(now) - i64::from(hours) * 3600));
        c.push(format!("h.last_seen <= {p}"));
    }
    c
}

fn summary_from_row(row: &AnyRow) -> Result<HostSummary> {
    Ok(HostSummary {
        id: row.try_get("id")?,
        hostname: row.try_get("hostname")?,
        fqdn: row.try_get("fqdn")?,
        os_id: row.try_get("os_id")?,
        os_version: row.try_get("os_version")?,
        os_name: row.try_get("os_name")?,
        kernel: row.try_get("kernel")?,
        arch: row.try_get("arch")?,
        tags: Vec::new(),
        package_count: row.try_get("package_count")?,
        pending_update_count: row.try_get("pending_update_count")?,
        security_update_count: row.try_get("security_update_count")?,
        first_seen: timestamp(row.try_get("first_seen")?)?,
        last_seen: timestamp(row.try_get("last_seen")?)?,
    })
}

/// Fills in the tags (agent and manual, each once, sorted) of a page of hosts.
async fn attach_tags(pool: &AnyPool, hosts: &mut [HostSummary]) -> Result<()> {
    if hosts.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT host_id, tag FROM host_tags WHERE host_id IN {}",
        values_rows(1, hosts.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for host in hosts.iter() {
        query = query.bind(host.id);
    }

    let mut tags: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for row in query.fetch_all(pool).await? {
        tags.entry(row.try_get("host_id")?)
            .or_default()
            .insert(row.try_get("tag")?);
    }
    for host in hosts {
        host.tags = tags
            .remove(&host.id)
            .unwrap_or_default()
            .into_iter()
            .collect();
    }
    Ok(())
}

/// One host with its facts, sources and manual tags.
pub(super) async fn host(pool: &AnyPool, id: i64) -> Result<Option<Host>> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, h.facts_json, h.sources_json FROM hosts h WHERE h.id = $1"
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let mut summary = [summary_from_row(&row)?];
    attach_tags(pool, &mut summary).await?;
    let [summary] = summary;

    let manual_tags = sqlx::query_scalar(
        "SELECT tag FROM host_tags WHERE host_id = $1 AND source = 'manual' ORDER BY tag",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let facts: String = row.try_get("facts_json")?;
    let sources: String = row.try_get("sources_json")?;
    Ok(Some(Host {
        summary,
        manual_tags,
        facts: from_json("hosts.facts_json", &facts)?,
        sources: from_json("hosts.sources_json", &sources)?,
    }))
}

/// One page of a host's packages, by name.
pub(super) async fn host_packages(
    pool: &AnyPool,
    id: i64,
    filter: &PackageFilter,
    page: &PageRequest,
) -> Result<Page<HostPackage>> {
    let mut c = Conditions::default();
    let host = c.bind(Param::Int(id));
    c.push(format!("hp.host_id = {host}"));
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        let p = c.bind(Param::Text(contains_pattern(q)));
        c.push(format!("LOWER(p.name) LIKE {p} ESCAPE '\\'"));
    }
    if let Some(ecosystem) = filter.ecosystem.as_deref().filter(|e| !e.is_empty()) {
        let p = c.bind(Param::Text(ecosystem.to_owned()));
        c.push(format!("p.ecosystem = {p}"));
    }
    if let Some(after) = &page.cursor {
        let key: (String, String, String, String) = cursor::decode(after)?;
        let params = [key.0, key.1, key.2, key.3].map(|k| c.bind(Param::Text(k)));
        c.push(format!(
            "(p.name, p.arch, p.version, p.ecosystem) > ({})",
            params.join(", ")
        ));
    }

    let sql = format!(
        "SELECT p.ecosystem, p.name, p.version, p.arch, p.source_name, p.source_version, \
         hp.status FROM host_packages hp JOIN packages p ON p.id = hp.package_id{} \
         ORDER BY p.name, p.arch, p.version, p.ecosystem LIMIT {}",
        c.where_clause(),
        page.limit() + 1
    );
    let rows = c.query(sql).fetch_all(pool).await?;
    let packages = rows
        .iter()
        .map(package_from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok(cursor::page(packages, page.limit(), |p| {
        (
            p.name.clone(),
            p.arch.clone(),
            p.version.clone(),
            p.ecosystem.clone(),
        )
    }))
}

fn package_from_row(row: &AnyRow) -> Result<HostPackage> {
    Ok(HostPackage {
        ecosystem: row.try_get("ecosystem")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        arch: row.try_get("arch")?,
        source_name: row.try_get("source_name")?,
        source_version: row.try_get("source_version")?,
        status: row.try_get("status")?,
    })
}

/// A host's pending updates, by name.
pub(super) async fn host_updates(pool: &AnyPool, id: i64) -> Result<Vec<HostUpdate>> {
    let rows = sqlx::query(
        "SELECT name, arch, installed_version, candidate_version, origin, security \
         FROM pending_updates WHERE host_id = $1 \
         ORDER BY name, arch, candidate_version, origin",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(HostUpdate {
                name: row.try_get("name")?,
                arch: row.try_get("arch")?,
                installed_version: row.try_get("installed_version")?,
                candidate_version: row.try_get("candidate_version")?,
                origin: row.try_get("origin")?,
                security: row.try_get::<i64, _>("security")? != 0,
            })
        })
        .collect()
}

/// One page of a host's history, newest first.
pub(super) async fn host_history(
    pool: &AnyPool,
    id: i64,
    page: &PageRequest,
) -> Result<Page<HistoryEntry>> {
    let before = match &page.cursor {
        Some(after) => cursor::decode::<i64>(after)?,
        None => i64::MAX,
    };
    let sql = format!(
        "SELECT id, at, change_json FROM host_events WHERE host_id = $1 AND id < $2 \
         ORDER BY id DESC LIMIT {}",
        page.limit() + 1
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(before)
        .fetch_all(pool)
        .await?;

    let entries = rows
        .iter()
        .map(|row| {
            let change: String = row.try_get("change_json")?;
            Ok(HistoryEntry {
                id: row.try_get("id")?,
                at: timestamp(row.try_get("at")?)?,
                change: from_json("host_events.change_json", &change)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(cursor::page(entries, page.limit(), |e| e.id))
}

/// Replaces a host's manual tags; false when there is no such host.
pub(super) async fn set_manual_tags(
    store: &SqlStore,
    id: i64,
    tags: &[String],
    actor: &Actor,
    now: Timestamp,
) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let sql = format!(
        "SELECT id FROM hosts WHERE id = $1{}",
        store.dialect.lock_rows()
    );
    let exists: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Ok(false);
    }
    let before: Vec<String> = sqlx::query_scalar(
        "SELECT tag FROM host_tags WHERE host_id = $1 AND source = 'manual' ORDER BY tag",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    replace_tags(&mut tx, id, "manual", tags).await?;
    let after: BTreeSet<&str> = tags
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let change = Change {
        actor,
        action: "host.tags.set",
        target: format!("host:{id}"),
        before: Some(json!({"manual_tags": before})),
        after: Some(json!({"manual_tags": after})),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Operating systems with their host counts.
pub(super) async fn os_facets(pool: &AnyPool) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT os_id, COALESCE(os_version, '') AS os_version, COUNT(*) AS hosts FROM hosts \
         WHERE os_id IS NOT NULL GROUP BY os_id, COALESCE(os_version, '') \
         ORDER BY os_id, COALESCE(os_version, '')",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("os_id")?,
                r.try_get("os_version")?,
                r.try_get("hosts")?,
            ))
        })
        .collect()
}

/// Tags with the number of hosts carrying each.
pub(super) async fn tag_facets(pool: &AnyPool) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT tag, COUNT(DISTINCT host_id) AS hosts FROM host_tags GROUP BY tag ORDER BY tag",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("tag")?, r.try_get("hosts")?)))
        .collect()
}

/// The digests stored for a host's sections.
pub(super) async fn section_digests(pool: &AnyPool, id: i64) -> Result<BTreeMap<Section, String>> {
    let row = sqlx::query(
        "SELECT digest_facts, digest_packages, digest_pending_updates FROM hosts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(BTreeMap::new());
    };

    let mut digests = BTreeMap::new();
    for section in Section::ALL {
        let column = format!("digest_{}", section.as_str());
        if let Some(digest) = row.try_get::<Option<String>, _>(column.as_str())? {
            digests.insert(section, digest);
        }
    }
    Ok(digests)
}

/// Whether this document was applied to the host.
pub(super) async fn document_seen(pool: &AnyPool, id: i64, document_id: &str) -> Result<bool> {
    let seen: Option<i64> = sqlx::query_scalar(
        "SELECT host_id FROM host_documents WHERE host_id = $1 AND document_id = $2",
    )
    .bind(id)
    .bind(document_id)
    .fetch_optional(pool)
    .await?;
    Ok(seen.is_some())
}

/// Number of hosts.
pub(super) async fn host_count(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM hosts")
        .fetch_one(pool)
        .await?)
}
