//! [`AssetStore`] on SQL: applications with their components and history, and other assets.
//!
//! A component with an ecosystem and a version is linked to its row of `packages`, created
//! when missing exactly as an inventory does (`ON CONFLICT DO NOTHING`, then read back), so
//! one distinct package is stored once whoever brought it. Components without an ecosystem
//! or version are kept on the application only.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use jiff::Timestamp;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use steward_api::assets::{
    ApplicationDetail, ApplicationEvent, ApplicationImport, ApplicationSummary, Asset,
};
use steward_core::inventory::{AssetKind, AssetRecord, Component, ComponentScope};

use super::compliance::{self, Change};
use super::{BATCH_ROWS, SqlStore, from_json, secs, timestamp, to_json, values_rows};
use crate::{Actor, AssetStore, AssetWrite, NewApplication, Result, StoreError};

/// (ecosystem, name) to the versions an application has of it.
type Versions = BTreeMap<(String, String), BTreeSet<String>>;

#[async_trait]
impl AssetStore for SqlStore {
    async fn import_application(
        &self,
        import: &NewApplication,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ApplicationImport> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT id FROM applications WHERE name = $1{}",
            self.dialect.lock_rows()
        );
        let existing: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(&import.name)
            .fetch_optional(&mut *tx)
            .await?;

        let (id, before) = match existing {
            Some(id) => {
                let before = component_versions(&mut tx, id).await?;
                update_application(&mut tx, id, import, now).await?;
                (id, Some(before))
            }
            None => (insert_application(&mut tx, import, now).await?, None),
        };
        insert_components(&mut tx, id, &import.application.components).await?;

        let after = versions_of(&import.application.components);
        let outcome = record_history(&mut tx, id, import, before.as_ref(), &after, now).await?;
        let change = Change {
            actor,
            action: "application.import",
            target: format!("application:{id}"),
            before: None,
            after: Some(json!({
                "name": import.name,
                "file": import.source_file,
                "format": import.source_format,
                "components": import.application.components.len(),
            })),
        };
        compliance::append(&mut tx, self.dialect, change, now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn applications(&self) -> Result<Vec<ApplicationSummary>> {
        let sql = format!("SELECT {SUMMARY} FROM applications ORDER BY name, id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(summary_from_row).collect()
    }

    async fn application(&self, id: i64) -> Result<Option<ApplicationDetail>> {
        let sql = format!(
            "SELECT {SUMMARY}, purl, reference, dependencies_json, unresolved_json \
             FROM applications WHERE id = $1"
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let components = sqlx::query(
            "SELECT reference, ecosystem, name, version, purl, licenses_json, kind, scope \
             FROM application_components WHERE application_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(ApplicationDetail {
            summary: summary_from_row(&row)?,
            purl: row.try_get("purl")?,
            reference: row.try_get("reference")?,
            components: components
                .iter()
                .map(component_from_row)
                .collect::<Result<_>>()?,
            dependencies: from_json(
                "applications.dependencies_json",
                &row.try_get::<String, _>("dependencies_json")?,
            )?,
            unresolved: from_json(
                "applications.unresolved_json",
                &row.try_get::<String, _>("unresolved_json")?,
            )?,
        }))
    }

    async fn application_history(&self, id: i64, limit: u32) -> Result<Vec<ApplicationEvent>> {
        let rows = sqlx::query(
            "SELECT id, at, kind, name, change_json FROM application_events \
             WHERE application_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApplicationEvent {
                    id: row.try_get("id")?,
                    at: timestamp(row.try_get("at")?)?,
                    kind: row.try_get("kind")?,
                    name: row.try_get("name")?,
                    change: from_json(
                        "application_events.change_json",
                        &row.try_get::<String, _>("change_json")?,
                    )?,
                })
            })
            .collect()
    }

    async fn assets(&self, kind: Option<AssetKind>) -> Result<Vec<Asset>> {
        let rows = match kind {
            Some(kind) => {
                let sql = format!("SELECT {ASSET} FROM assets WHERE kind = $1 ORDER BY name, id");
                sqlx::query(AssertSqlSafe(sql))
                    .bind(kind.as_str())
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                let sql = format!("SELECT {ASSET} FROM assets ORDER BY kind, name, id");
                sqlx::query(AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(asset_from_row).collect()
    }

    async fn asset(&self, id: i64) -> Result<Option<Asset>> {
        let sql = format!("SELECT {ASSET} FROM assets WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(asset_from_row).transpose()
    }

    async fn write_assets(
        &self,
        writes: &[AssetWrite],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(writes.len());
        for write in writes {
            check_unique(&mut tx, write).await?;
            let (id, action) = match write.id {
                Some(id) => (
                    update_asset(&mut tx, id, &write.record, now).await?,
                    "asset.update",
                ),
                None => (
                    insert_asset(&mut tx, &write.record, now).await?,
                    "asset.create",
                ),
            };
            let change = Change {
                actor,
                action,
                target: format!("asset:{id}"),
                before: None,
                after: Some(serde_json::to_value(&write.record).unwrap_or_default()),
            };
            compliance::append(&mut tx, self.dialect, change, now).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }
}

const SUMMARY: &str = "id, name, version, source_format, source_file, component_count, \
                       created_at, updated_at";

fn summary_from_row(row: &AnyRow) -> Result<ApplicationSummary> {
    Ok(ApplicationSummary {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        source_format: row.try_get("source_format")?,
        source_file: row.try_get("source_file")?,
        component_count: row.try_get("component_count")?,
        created_at: timestamp(row.try_get("created_at")?)?,
        updated_at: timestamp(row.try_get("updated_at")?)?,
    })
}

fn component_from_row(row: &AnyRow) -> Result<Component> {
    let scope: String = row.try_get("scope")?;
    Ok(Component {
        reference: row.try_get("reference")?,
        ecosystem: row.try_get("ecosystem")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        purl: row.try_get("purl")?,
        licenses: from_json(
            "application_components.licenses_json",
            &row.try_get::<String, _>("licenses_json")?,
        )?,
        kind: row.try_get("kind")?,
        scope: from_json("application_components.scope", &format!("{scope:?}"))?,
    })
}

fn scope_name(scope: ComponentScope) -> &'static str {
    match scope {
        ComponentScope::Required => "required",
        ComponentScope::Optional => "optional",
        ComponentScope::Development => "development",
        ComponentScope::Excluded => "excluded",
    }
}

async fn insert_application(
    conn: &mut AnyConnection,
    import: &NewApplication,
    now: Timestamp,
) -> Result<i64> {
    let app = &import.application;
    let id = sqlx::query_scalar(
        "INSERT INTO applications (name, version, purl, source_format, source_file, reference, \
         dependencies_json, unresolved_json, component_count, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(&import.name)
    .bind(&app.version)
    .bind(&app.purl)
    .bind(&import.source_format)
    .bind(&import.source_file)
    .bind(&app.reference)
    .bind(to_json(&app.dependencies)?)
    .bind(to_json(&app.unresolved)?)
    .bind(count(app.components.len()))
    .bind(secs(now))
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

async fn update_application(
    conn: &mut AnyConnection,
    id: i64,
    import: &NewApplication,
    now: Timestamp,
) -> Result<()> {
    let app = &import.application;
    sqlx::query(
        "UPDATE applications SET version = $2, purl = $3, source_format = $4, source_file = $5, \
         reference = $6, dependencies_json = $7, unresolved_json = $8, component_count = $9, \
         updated_at = $10 WHERE id = $1",
    )
    .bind(id)
    .bind(&app.version)
    .bind(&app.purl)
    .bind(&import.source_format)
    .bind(&import.source_file)
    .bind(&app.reference)
    .bind(to_json(&app.dependencies)?)
    .bind(to_json(&app.unresolved)?)
    .bind(count(app.components.len()))
    .bind(secs(now))
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM application_components WHERE application_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The package row a component points at: (ecosystem, name, version), when it has all three.
fn package_key(component: &Component) -> Option<(&str, &str, &str)> {
    let ecosystem = component.ecosystem.as_deref().filter(|e| !e.is_empty())?;
    let version = component.version.as_deref().filter(|v| !v.is_empty())?;
    Some((ecosystem, component.name.as_str(), version))
}

async fn insert_components(
    conn: &mut AnyConnection,
    application_id: i64,
    components: &[Component],
) -> Result<()> {
    let package_ids = ensure_packages(conn, components).await?;
    for (chunk_index, chunk) in components.chunks(BATCH_ROWS).enumerate() {
        let sql = format!(
            "INSERT INTO application_components (application_id, position, reference, \
             package_id, ecosystem, name, version, purl, licenses_json, kind, scope) VALUES {}",
            values_rows(chunk.len(), 11)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (offset, component) in chunk.iter().enumerate() {
            let position = chunk_index * BATCH_ROWS + offset;
            let package_id = package_key(component).and_then(|key| package_ids.get(&key).copied());
            query = query
                .bind(application_id)
                .bind(count(position))
                .bind(&component.reference)
                .bind(package_id)
                .bind(&component.ecosystem)
                .bind(&component.name)
                .bind(&component.version)
                .bind(&component.purl)
                .bind(to_json(&component.licenses)?)
                .bind(&component.kind)
                .bind(scope_name(component.scope));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Makes sure every assessable component has its `packages` row; returns the ids by key.
/// Keys are handled in sorted order so two imports never lock rows in opposite orders.
async fn ensure_packages<'a>(
    conn: &mut AnyConnection,
    components: &'a [Component],
) -> Result<BTreeMap<(&'a str, &'a str, &'a str), i64>> {
    let keys: BTreeSet<(&str, &str, &str)> = components.iter().filter_map(package_key).collect();
    let keys: Vec<_> = keys.into_iter().collect();
    let mut ids = BTreeMap::new();
    for chunk in keys.chunks(BATCH_ROWS) {
        let sql = format!(
            "INSERT INTO packages (ecosystem, name, version, arch, source) VALUES {} \
             ON CONFLICT (ecosystem, name, version, arch) DO NOTHING",
            values_rows(chunk.len(), 5)
        );
        let mut insert = sqlx::query(AssertSqlSafe(sql));
        for (ecosystem, name, version) in chunk {
            insert = insert
                .bind(*ecosystem)
                .bind(*name)
                .bind(*version)
                .bind("")
                .bind("application");
        }
        insert.execute(&mut *conn).await?;

        let matches: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n = i * 3;
                format!(
                    "(ecosystem = ${} AND name = ${} AND version = ${} AND arch = '')",
                    n + 1,
                    n + 2,
                    n + 3
                )
            })
            .collect();
        let sql = format!(
            "SELECT id, ecosystem, name, version FROM packages WHERE {}",
            matches.join(" OR ")
        );
        let mut select = sqlx::query(AssertSqlSafe(sql));
        for (ecosystem, name, version) in chunk {
            select = select.bind(*ecosystem).bind(*name).bind(*version);
        }
        let rows = select.fetch_all(&mut *conn).await?;
        for row in &rows {
            let (e, n, v): (String, String, String) = (
                row.try_get("ecosystem")?,
                row.try_get("name")?,
                row.try_get("version")?,
            );
            if let Some(key) = chunk.iter().find(|k| k.0 == e && k.1 == n && k.2 == v) {
                ids.insert(*key, row.try_get("id")?);
            }
        }
    }
    Ok(ids)
}

async fn component_versions(conn: &mut AnyConnection, application_id: i64) -> Result<Versions> {
    let rows = sqlx::query(
        "SELECT ecosystem, name, version FROM application_components WHERE application_id = $1",
    )
    .bind(application_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut versions = Versions::new();
    for row in &rows {
        let ecosystem: Option<String> = row.try_get("ecosystem")?;
        let version: Option<String> = row.try_get("version")?;
        versions
            .entry((ecosystem.unwrap_or_default(), row.try_get("name")?))
            .or_default()
            .insert(version.unwrap_or_default());
    }
    Ok(versions)
}

fn versions_of(components: &[Component]) -> Versions {
    let mut versions = Versions::new();
    for c in components {
        versions
            .entry((c.ecosystem.clone().unwrap_or_default(), c.name.clone()))
            .or_default()
            .insert(c.version.clone().unwrap_or_default());
    }
    versions
}

/// Writes the import's history: an `imported` entry, and, after the first import, one entry
/// per component added, removed or changed in version.
async fn record_history(
    conn: &mut AnyConnection,
    application_id: i64,
    import: &NewApplication,
    before: Option<&Versions>,
    after: &Versions,
    now: Timestamp,
) -> Result<ApplicationImport> {
    let mut events = Vec::new();
    let (mut added, mut removed, mut changed) = (0, 0, 0);
    if let Some(before) = before {
        for (key, new) in after {
            let ecosystem = &key.0;
            match before.get(key) {
                None => {
                    added += 1;
                    events.push((
                        "component_added",
                        key,
                        json!({"ecosystem": ecosystem, "versions": new}),
                    ));
                }
                Some(old) if old != new => {
                    changed += 1;
                    events.push((
                        "component_changed",
                        key,
                        json!({"ecosystem": ecosystem, "from": old, "to": new}),
                    ));
                }
                Some(_) => {}
            }
        }
        for (key, old) in before {
            if !after.contains_key(key) {
                removed += 1;
                events.push((
                    "component_removed",
                    key,
                    json!({"ecosystem": key.0, "versions": old}),
                ));
            }
        }
    }
    let summary = json!({
        "file": import.source_file,
        "format": import.source_format,
        "components": import.application.components.len(),
        "added": added, "removed": removed, "changed": changed,
    });
    insert_event(
        conn,
        application_id,
        now,
        "imported",
        &import.source_file,
        &summary,
    )
    .await?;
    for (kind, key, change) in events {
        insert_event(conn, application_id, now, kind, &key.1, &change).await?;
    }
    Ok(ApplicationImport {
        application_id,
        name: import.name.clone(),
        created: before.is_none(),
        component_count: import.application.components.len(),
        added,
        removed,
        changed,
        unresolved: import.application.unresolved.len(),
    })
}

async fn insert_event(
    conn: &mut AnyConnection,
    application_id: i64,
    now: Timestamp,
    kind: &str,
    name: &str,
    change: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO application_events (application_id, at, kind, name, change_json) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(application_id)
    .bind(secs(now))
    .bind(kind)
    .bind(name)
    .bind(to_json(change)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const ASSET: &str = "id, kind, name, asset_tag, serial, vendor, model, location, owner, \
                     tags_json, notes, created_at, updated_at";

fn asset_from_row(row: &AnyRow) -> Result<Asset> {
    let kind: String = row.try_get("kind")?;
    let kind = kind
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("assets.kind: {e}")))?;
    Ok(Asset {
        id: row.try_get("id")?,
        record: AssetRecord {
            name: row.try_get("name")?,
            kind,
            asset_tag: row.try_get("asset_tag")?,
            serial: row.try_get("serial")?,
            vendor: row.try_get("vendor")?,
            model: row.try_get("model")?,
            location: row.try_get("location")?,
            owner: row.try_get("owner")?,
            tags: from_json("assets.tags_json", &row.try_get::<String, _>("tags_json")?)?,
            notes: row.try_get("notes")?,
        },
        created_at: timestamp(row.try_get("created_at")?)?,
        updated_at: timestamp(row.try_get("updated_at")?)?,
    })
}

/// Refuses a write whose asset tag or serial another asset has, naming both.
async fn check_unique(conn: &mut AnyConnection, write: &AssetWrite) -> Result<()> {
    let checks = [
        ("asset_tag", "asset tag", &write.record.asset_tag),
        ("serial", "serial", &write.record.serial),
    ];
    for (column, label, value) in checks {
        let Some(value) = value else { continue };
        let sql = format!("SELECT id FROM assets WHERE {column} = $1 AND id <> $2");
        let other: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(value)
            .bind(write.id.unwrap_or(-1))
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(other) = other {
            return Err(StoreError::Conflict(format!(
                "{label} {value:?} already belongs to asset {other}"
            )));
        }
    }
    Ok(())
}

async fn insert_asset(
    conn: &mut AnyConnection,
    record: &AssetRecord,
    now: Timestamp,
) -> Result<i64> {
    let id = bind_asset(
        sqlx::query_scalar(
            "INSERT INTO assets (kind, name, asset_tag, serial, vendor, model, location, owner, \
             tags_json, notes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        ),
        record,
    )?
    .bind(secs(now))
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

async fn update_asset(
    conn: &mut AnyConnection,
    id: i64,
    record: &AssetRecord,
    now: Timestamp,
) -> Result<i64> {
    let updated: Option<i64> = bind_asset(
        sqlx::query_scalar(
            "UPDATE assets SET kind = $1, name = $2, asset_tag = $3, serial = $4, vendor = $5, \
             model = $6, location = $7, owner = $8, tags_json = $9, notes = $10, \
             updated_at = $11 WHERE id = $12 RETURNING id",
        ),
        record,
    )?
    .bind(secs(now))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    updated.ok_or_else(|| StoreError::Conflict(format!("no asset with id {id}")))
}

type ScalarQuery<'q> = sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments>;

fn bind_asset<'q>(query: ScalarQuery<'q>, record: &AssetRecord) -> Result<ScalarQuery<'q>> {
    Ok(query
        .bind(record.kind.as_str())
        .bind(record.name.clone())
        .bind(record.asset_tag.clone())
        .bind(record.serial.clone())
        .bind(record.vendor.clone())
        .bind(record.model.clone())
        .bind(record.location.clone())
        .bind(record.owner.clone())
        .bind(to_json(&record.tags)?)
        .bind(record.notes.clone()))
}
