//! Software across the fleet: each (ecosystem, name) that some host runs, and its versions.
//!
//! Versions are ordered by the ecosystem's own rules ([`Scheme::for_ecosystem`]); versions
//! the scheme cannot read, and ecosystems without a known scheme, fall back to string order.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use sqlx::{AnyPool, Row};
use steward_api::resources::{
    HostRef, Page, PageRequest, SoftwareFilter, SoftwareSummary, SoftwareVersion,
};
use steward_core::versions::Scheme;

use super::{Conditions, Param, contains_pattern, cursor};
use crate::Result;

/// One page of software, by name then ecosystem.
pub(super) async fn list_software(
    pool: &AnyPool,
    filter: &SoftwareFilter,
    page: &PageRequest,
) -> Result<Page<SoftwareSummary>> {
    let mut c = Conditions::default();
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        let p = c.bind(Param::Text(contains_pattern(q)));
        c.push(format!("LOWER(p.name) LIKE {p} ESCAPE '\\'"));
    }
    if let Some(ecosystem) = filter.ecosystem.as_deref().filter(|e| !e.is_empty()) {
        let p = c.bind(Param::Text(ecosystem.to_owned()));
        c.push(format!("p.ecosystem = {p}"));
    }
    if let Some(after) = &page.cursor {
        let (name, ecosystem): (String, String) = cursor::decode(after)?;
        let (name, ecosystem) = (c.bind(Param::Text(name)), c.bind(Param::Text(ecosystem)));
        c.push(format!("(p.name, p.ecosystem) > ({name}, {ecosystem})"));
    }

    let sql = format!(
        "SELECT p.ecosystem, p.name, COUNT(DISTINCT p.version) AS version_count, \
         COUNT(DISTINCT hp.host_id) AS host_count \
         FROM packages p JOIN host_packages hp ON hp.package_id = p.id{} \
         GROUP BY p.name, p.ecosystem ORDER BY p.name, p.ecosystem LIMIT {}",
        c.where_clause(),
        page.limit() + 1
    );
    let rows = c.query(sql).fetch_all(pool).await?;
    let items = rows
        .iter()
        .map(|row| {
            Ok(SoftwareSummary {
                ecosystem: row.try_get("ecosystem")?,
                name: row.try_get("name")?,
                version_count: row.try_get("version_count")?,
                host_count: row.try_get("host_count")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(cursor::page(items, page.limit(), |s| {
        (s.name.clone(), s.ecosystem.clone())
    }))
}

/// Every installed version of one package, highest first, with the hosts running it.
pub(super) async fn software_versions(
    pool: &AnyPool,
    ecosystem: &str,
    name: &str,
) -> Result<Vec<SoftwareVersion>> {
    let rows = sqlx::query(
        "SELECT p.version, p.arch, h.id, h.hostname FROM packages p \
         JOIN host_packages hp ON hp.package_id = p.id JOIN hosts h ON h.id = hp.host_id \
         WHERE p.ecosystem = $1 AND p.name = $2 ORDER BY h.hostname, h.id",
    )
    .bind(ecosystem)
    .bind(name)
    .fetch_all(pool)
    .await?;

    let mut versions: BTreeMap<(String, String), Vec<HostRef>> = BTreeMap::new();
    for row in rows {
        let host = HostRef {
            id: row.try_get("id")?,
            hostname: row.try_get("hostname")?,
        };
        versions
            .entry((row.try_get("version")?, row.try_get("arch")?))
            .or_default()
            .push(host);
    }
    let mut versions: Vec<SoftwareVersion> = versions
        .into_iter()
        .map(|((version, arch), hosts)| SoftwareVersion {
            version,
            arch,
            hosts,
        })
        .collect();
    let scheme = Scheme::for_ecosystem(ecosystem);
    versions.sort_by(|a, b| {
        highest_first(scheme, &a.version, &b.version).then_with(|| a.arch.cmp(&b.arch))
    });
    Ok(versions)
}

/// Orders two versions highest first: readable versions by the scheme, ahead of unreadable
/// ones by string, so that the order stays total whatever the data holds.
fn highest_first(scheme: Option<Scheme>, a: &str, b: &str) -> Ordering {
    let readable = |v: &str| scheme.is_some_and(|s| s.compare(v, v).is_ok());
    match (readable(a), readable(b)) {
        (true, true) => scheme
            .and_then(|s| s.compare(b, a).ok())
            .unwrap_or_else(|| b.cmp(a)),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => b.cmp(a),
    }
}
