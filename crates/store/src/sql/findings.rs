//! Findings in the store: the assessment's inputs (hosts, their packages and pending updates),
//! writing findings and host lifecycle status, and reading them back for the API, with
//! people's verdicts recorded and audited in one transaction.
//!
//! A finding's [`FindingState`] is stored whole as JSON; the columns beside it (state, rating,
//! priority, ids) exist for filtering and ordering lists. Lists of ids, fixed versions and
//! binary packages are stored space-separated, since none of them holds a space.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe, Row};
use steward_api::assessment::{
    AdvisoryDetail, AdvisoryPackage, AffectedHost, FindingDetail, FindingEvent, FindingFilter,
    FindingSummary, HostLifecycle, PriorityReason,
};
use steward_api::resources::{HostUpdate, Page, PageRequest};
use steward_core::assessment::advisory::{Advisory, Event, Range};
use steward_core::assessment::finding::{Decision, DecisionError, FindingState, Status};
use steward_core::assessment::lifecycle::ProductCycle;
use steward_core::inventory::{HostFacts, InstalledPackage, SourceReport, SourceStatus};

use super::compliance::{self, Change};
use super::inventory::parse_source;
use super::{
    BATCH_ROWS, Conditions, Param, SqlStore, contains_pattern, cursor, from_json, secs, timestamp,
    to_json,
};
use crate::assessment::{AssessmentHost, FindingWrite, NamedPackages, PackageName, StoredFinding};
use crate::{Actor, Result};

/// `$1, $2, …` for `n` values starting at `from`.
fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Hosts to assess, with facts, tags and whether their package sources were all read.
pub(super) async fn assessment_hosts(
    pool: &AnyPool,
    only: Option<&[i64]>,
) -> Result<Vec<AssessmentHost>> {
    let mut rows = Vec::new();
    match only {
        None => {
            rows = sqlx::query(
                "SELECT id, facts_json, sources_json FROM hosts WHERE revoked_at IS NULL \
                 ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
        }
        Some(ids) => {
            for chunk in ids.chunks(BATCH_ROWS) {
                let sql = format!(
                    "SELECT id, facts_json, sources_json FROM hosts WHERE revoked_at IS NULL \
                     AND id IN ({}) ORDER BY id",
                    marks(1, chunk.len())
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for id in chunk {
                    query = query.bind(*id);
                }
                rows.extend(query.fetch_all(pool).await?);
            }
        }
    }
    let tags = sqlx::query("SELECT host_id, tag FROM host_tags ORDER BY host_id, tag")
        .fetch_all(pool)
        .await?;
    let mut tags_of: HashMap<i64, Vec<String>> = HashMap::new();
    for row in tags {
        tags_of
            .entry(row.try_get("host_id")?)
            .or_default()
            .push(row.try_get("tag")?);
    }

    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            let facts: HostFacts =
                from_json("hosts.facts_json", &row.try_get::<String, _>("facts_json")?)?;
            let sources: Vec<SourceReport> = from_json(
                "hosts.sources_json",
                &row.try_get::<String, _>("sources_json")?,
            )?;
            let complete = !sources.iter().any(|s| {
                matches!(s.name.as_str(), "dpkg" | "rpm" | "python")
                    && s.status == SourceStatus::Unreadable
            });
            Ok(AssessmentHost {
                id,
                facts,
                tags: tags_of.remove(&id).unwrap_or_default(),
                complete,
            })
        })
        .collect()
}

/// Installed packages of these hosts; with `only`, just those packages.
pub(super) async fn assessment_packages(
    pool: &AnyPool,
    hosts: &[i64],
    only: Option<&NamedPackages>,
) -> Result<Vec<(i64, InstalledPackage)>> {
    let mut packages = Vec::new();
    let package_chunks: Vec<&[i64]> = match only {
        Some(named) => named.ids.chunks(BATCH_ROWS).collect(),
        None => vec![&[]],
    };
    for chunk in hosts.chunks(BATCH_ROWS) {
        for ids in &package_chunks {
            let only_packages = match only {
                Some(_) => format!(
                    " AND hp.package_id IN ({})",
                    marks(chunk.len() + 1, ids.len())
                ),
                None => String::new(),
            };
            let sql = format!(
                "SELECT hp.host_id, hp.status, p.ecosystem, p.name, p.version, p.arch, \
                 p.source_name, p.source_version, p.source FROM host_packages hp \
                 JOIN packages p ON p.id = hp.package_id WHERE hp.host_id IN ({}){only_packages} \
                 ORDER BY hp.host_id, p.name",
                marks(1, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk.iter().chain(ids.iter()) {
                query = query.bind(*id);
            }
            for row in query.fetch_all(pool).await? {
                packages.push((row.try_get("host_id")?, package_row(&row)?));
            }
        }
    }
    Ok(packages)
}

/// An installed package from a `host_packages` row joined with its `packages` row.
fn package_row(row: &AnyRow) -> Result<InstalledPackage> {
    Ok(InstalledPackage {
        ecosystem: row.try_get("ecosystem")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        arch: row.try_get("arch")?,
        source_name: row.try_get("source_name")?,
        source_version: row.try_get("source_version")?,
        source: parse_source(&row.try_get::<String, _>("source")?)?,
        status: row.try_get("status")?,
    })
}

/// Pending updates of these hosts.
pub(super) async fn assessment_updates(
    pool: &AnyPool,
    hosts: &[i64],
) -> Result<Vec<(i64, HostUpdate)>> {
    let mut updates = Vec::new();
    for chunk in hosts.chunks(BATCH_ROWS) {
        let sql = format!(
            "SELECT host_id, name, arch, installed_version, candidate_version, origin, security \
             FROM pending_updates WHERE host_id IN ({}) ORDER BY host_id, name",
            marks(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(pool).await? {
            let update = HostUpdate {
                name: row.try_get("name")?,
                arch: row.try_get("arch")?,
                installed_version: row.try_get("installed_version")?,
                candidate_version: row.try_get("candidate_version")?,
                origin: row.try_get("origin")?,
                security: row.try_get::<i64, _>("security")? != 0,
            };
            updates.push((row.try_get("host_id")?, update));
        }
    }
    Ok(updates)
}

/// Hosts running a package whose source name (or name) is one of `packages`.
pub(super) async fn hosts_running(pool: &AnyPool, packages: &[PackageName]) -> Result<Vec<i64>> {
    let wanted: BTreeSet<&PackageName> = packages.iter().collect();
    let ecosystems: BTreeSet<&str> = packages.iter().map(|p| p.ecosystem.as_str()).collect();
    let ecosystems: Vec<&str> = ecosystems.into_iter().collect();
    let mut package_ids = Vec::new();
    for chunk in ecosystems.chunks(BATCH_ROWS) {
        let sql = format!(
            "SELECT id, ecosystem, name, source_name FROM packages WHERE ecosystem IN ({})",
            marks(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for ecosystem in chunk {
            query = query.bind(*ecosystem);
        }
        for row in query.fetch_all(pool).await? {
            let ecosystem: String = row.try_get("ecosystem")?;
            let name: String = row.try_get("name")?;
            let source: Option<String> = row.try_get("source_name")?;
            let matched = source.as_deref().unwrap_or(&name);
            let key = PackageName {
                name: steward_core::assessment::ecosystem::normalize_name(&ecosystem, matched)
                    .into_owned(),
                ecosystem,
            };
            if wanted.contains(&key) {
                package_ids.push(row.try_get::<i64, _>("id")?);
            }
        }
    }
    let mut hosts = BTreeSet::new();
    for chunk in package_ids.chunks(BATCH_ROWS) {
        let sql = format!(
            "SELECT DISTINCT host_id FROM host_packages WHERE package_id IN ({})",
            marks(1, chunk.len())
        );
        let mut query = sqlx::query_scalar(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        let found: Vec<i64> = query.fetch_all(pool).await?;
        hosts.extend(found);
    }
    Ok(hosts.into_iter().collect())
}

/// The stored packages whose name or source name, normalised, is one of `packages`.
pub(super) async fn named_packages(
    pool: &AnyPool,
    packages: &[PackageName],
) -> Result<NamedPackages> {
    let wanted: BTreeSet<&PackageName> = packages.iter().collect();
    let ecosystems: BTreeSet<&str> = packages.iter().map(|p| p.ecosystem.as_str()).collect();
    let ecosystems: Vec<&str> = ecosystems.into_iter().collect();
    let mut ids = Vec::new();
    let mut names = BTreeSet::new();
    for chunk in ecosystems.chunks(BATCH_ROWS) {
        let sql = format!(
            "SELECT id, ecosystem, name, source_name FROM packages WHERE ecosystem IN ({})",
            marks(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for ecosystem in chunk {
            query = query.bind(*ecosystem);
        }
        for row in query.fetch_all(pool).await? {
            let ecosystem: String = row.try_get("ecosystem")?;
            let name: String = row.try_get("name")?;
            let source: Option<String> = row.try_get("source_name")?;
            let named = |spelling: &str| {
                wanted.contains(&PackageName {
                    name: steward_core::assessment::ecosystem::normalize_name(&ecosystem, spelling)
                        .into_owned(),
                    ecosystem: ecosystem.clone(),
                })
            };
            if named(&name) || source.as_deref().is_some_and(named) {
                ids.push(row.try_get::<i64, _>("id")?);
                names.extend(source);
                names.insert(name);
            }
        }
    }
    Ok(NamedPackages {
        ids,
        names: names.into_iter().collect(),
    })
}

/// Stored findings of these hosts; with `only`, those of packages spelled as one of its names.
pub(super) async fn host_findings(
    pool: &AnyPool,
    hosts: &[i64],
    only: Option<&NamedPackages>,
) -> Result<Vec<StoredFinding>> {
    let mut findings = Vec::new();
    let name_chunks: Vec<&[String]> = match only {
        Some(named) => named.names.chunks(BATCH_ROWS).collect(),
        None => vec![&[]],
    };
    for chunk in hosts.chunks(BATCH_ROWS) {
        for names in &name_chunks {
            let only_packages = match only {
                Some(_) => format!(" AND package IN ({})", marks(chunk.len() + 1, names.len())),
                None => String::new(),
            };
            let sql = format!(
                "SELECT id, host_id, ecosystem, package, group_key, state_json FROM findings \
                 WHERE host_id IN ({}){only_packages} ORDER BY id",
                marks(1, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            for name in *names {
                query = query.bind(name);
            }
            for row in query.fetch_all(pool).await? {
                findings.push(StoredFinding {
                    id: row.try_get("id")?,
                    host_id: row.try_get("host_id")?,
                    ecosystem: row.try_get("ecosystem")?,
                    package: row.try_get("package")?,
                    group_key: row.try_get("group_key")?,
                    state: from_json(
                        "findings.state_json",
                        &row.try_get::<String, _>("state_json")?,
                    )?,
                });
            }
        }
    }
    Ok(findings)
}

/// The columns of a finding that follow from its state, in bind order.
struct StateColumns {
    state: &'static str,
    fingerprint: String,
    rating: Option<String>,
    score_tenths: Option<i64>,
    ids: String,
    installed: String,
    fixed: String,
    state_json: String,
    first_seen: i64,
    last_seen: i64,
    fixed_at: Option<i64>,
}

impl StateColumns {
    fn of(state: &FindingState) -> Result<StateColumns> {
        let facts = &state.facts;
        Ok(StateColumns {
            state: state.status.as_str(),
            fingerprint: state.fingerprint().to_string(),
            rating: facts.severity.rating().map(|r| r.as_str().to_owned()),
            score_tenths: facts.severity.score.map(|s| (s * 10.0).round() as i64),
            ids: facts.ids.join(" "),
            installed: facts.installed.clone(),
            fixed: facts.fixed.join(" "),
            state_json: to_json(state)?,
            first_seen: secs(state.first_seen),
            last_seen: secs(state.last_seen),
            fixed_at: match state.status {
                Status::Fixed { at } => Some(secs(at)),
                _ => None,
            },
        })
    }
}

/// Writes findings, in one transaction.
pub(super) async fn save_findings(
    store: &SqlStore,
    findings: &[FindingWrite],
    now: Timestamp,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    for finding in findings {
        let columns = StateColumns::of(&finding.state)?;
        let reasons = to_json(&reasons_of(finding))?;
        let detail = to_json(&finding.matches)?;
        let id: i64 = match finding.id {
            Some(id) if finding.state_only => {
                sqlx::query(
                    "UPDATE findings SET state = $1, state_json = $2, fixed_at = $3 WHERE id = $4",
                )
                .bind(columns.state)
                .bind(&columns.state_json)
                .bind(columns.fixed_at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id
            }
            Some(id) => {
                sqlx::query(
                    "UPDATE findings SET state = $1, fingerprint = $2, rating = $3, \
                     score_tenths = $4, ids = $5, installed = $6, fixed = $7, state_json = $8, \
                     first_seen = $9, last_seen = $10, fixed_at = $11, binaries = $12, \
                     kind = $13, kev = $14, priority = $15, priority_score = $16, \
                     reasons_json = $17, detail_json = $18 WHERE id = $19",
                )
                .bind(columns.state)
                .bind(&columns.fingerprint)
                .bind(&columns.rating)
                .bind(columns.score_tenths)
                .bind(&columns.ids)
                .bind(&columns.installed)
                .bind(&columns.fixed)
                .bind(&columns.state_json)
                .bind(columns.first_seen)
                .bind(columns.last_seen)
                .bind(columns.fixed_at)
                .bind(finding.binaries.join(" "))
                .bind(&finding.kind)
                .bind(i64::from(finding.kev))
                .bind(format!("{:?}", finding.priority.level))
                .bind(i64::from(finding.priority.score))
                .bind(&reasons)
                .bind(&detail)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO findings (state, fingerprint, rating, score_tenths, ids, \
                     installed, fixed, state_json, first_seen, last_seen, fixed_at, binaries, \
                     kind, kev, priority, priority_score, reasons_json, detail_json, host_id, \
                     subject, ecosystem, package, group_key) VALUES ($1, $2, $3, $4, $5, $6, \
                     $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 'host', \
                     $20, $21, $22) RETURNING id",
                )
                .bind(columns.state)
                .bind(&columns.fingerprint)
                .bind(&columns.rating)
                .bind(columns.score_tenths)
                .bind(&columns.ids)
                .bind(&columns.installed)
                .bind(&columns.fixed)
                .bind(&columns.state_json)
                .bind(columns.first_seen)
                .bind(columns.last_seen)
                .bind(columns.fixed_at)
                .bind(finding.binaries.join(" "))
                .bind(&finding.kind)
                .bind(i64::from(finding.kev))
                .bind(format!("{:?}", finding.priority.level))
                .bind(i64::from(finding.priority.score))
                .bind(&reasons)
                .bind(&detail)
                .bind(finding.host_id)
                .bind(&finding.ecosystem)
                .bind(&finding.package)
                .bind(&finding.group_key)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        if let Some((state, why)) = &finding.event {
            add_event(&mut tx, id, now, state, None, why.as_deref()).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

fn reasons_of(finding: &FindingWrite) -> Vec<PriorityReason> {
    finding
        .priority
        .reasons
        .iter()
        .map(|r| PriorityReason {
            factor: serde_json::to_value(r.factor)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            points: i64::from(r.points),
            text: r.text.clone(),
        })
        .collect()
}

async fn add_event(
    conn: &mut sqlx::AnyConnection,
    finding_id: i64,
    at: Timestamp,
    state: &str,
    by: Option<&str>,
    why: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO finding_events (finding_id, at, state, by_whom, why) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(finding_id)
    .bind(secs(at))
    .bind(state)
    .bind(by)
    .bind(why)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces a host's lifecycle status.
pub(super) async fn set_host_lifecycle(
    store: &SqlStore,
    host_id: i64,
    statuses: &[HostLifecycle],
    now: Timestamp,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM host_lifecycle WHERE host_id = $1")
        .bind(host_id)
        .execute(&mut *tx)
        .await?;
    let mut seen = BTreeSet::new();
    for status in statuses {
        if !seen.insert((&status.product, &status.cycle)) {
            continue;
        }
        sqlx::query(
            "INSERT INTO host_lifecycle (host_id, product, cycle, operating_system, state, \
             state_date, source, evidence_json, assessed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(host_id)
        .bind(&status.product)
        .bind(&status.cycle)
        .bind(i64::from(status.operating_system))
        .bind(&status.state)
        .bind(&status.date)
        .bind(&status.source)
        .bind(to_json(&status.evidence)?)
        .bind(secs(now))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

const SUMMARY_COLUMNS: &str = "f.id, f.host_id, h.hostname, f.ecosystem, f.package, f.binaries, \
     f.installed, f.ids, f.kind, f.state, f.rating, f.score_tenths, f.kev, f.fixed, f.priority, \
     f.priority_score, f.first_seen, f.last_seen, f.fixed_at";

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

fn summary(row: &AnyRow) -> Result<FindingSummary> {
    Ok(FindingSummary {
        id: row.try_get("id")?,
        host_id: row.try_get("host_id")?,
        hostname: row.try_get("hostname")?,
        ecosystem: row.try_get("ecosystem")?,
        package: row.try_get("package")?,
        binaries: words(&row.try_get::<String, _>("binaries")?),
        installed: row.try_get("installed")?,
        ids: words(&row.try_get::<String, _>("ids")?),
        kind: row.try_get("kind")?,
        state: row.try_get("state")?,
        severity: row.try_get("rating")?,
        score: row
            .try_get::<Option<i64>, _>("score_tenths")?
            .map(|t| t as f64 / 10.0),
        kev: row.try_get::<i64, _>("kev")? != 0,
        fixed: words(&row.try_get::<String, _>("fixed")?),
        priority: row.try_get("priority")?,
        priority_score: row.try_get("priority_score")?,
        first_seen: timestamp(row.try_get("first_seen")?)?,
        last_seen: timestamp(row.try_get("last_seen")?)?,
        fixed_at: row
            .try_get::<Option<i64>, _>("fixed_at")?
            .map(timestamp)
            .transpose()?,
    })
}

/// One page of findings, highest priority first.
pub(super) async fn list_findings(
    pool: &AnyPool,
    filter: &FindingFilter,
    page: &PageRequest,
) -> Result<Page<FindingSummary>> {
    let mut c = Conditions::default();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    if let Some(host) = filter.host {
        let p = c.bind(Param::Int(host));
        c.push(format!("f.host_id = {p}"));
    }
    match text(&filter.severity).map(|s| s.to_lowercase()) {
        Some(s) if s == "unknown" => c.push("f.rating IS NULL".to_owned()),
        Some(s) => {
            let p = c.bind(Param::Text(s));
            c.push(format!("f.rating = {p}"));
        }
        None => {}
    }
    if let Some(priority) = text(&filter.priority) {
        let p = c.bind(Param::Text(priority.to_uppercase()));
        c.push(format!("f.priority = {p}"));
    }
    if let Some(state) = text(&filter.state) {
        let p = c.bind(Param::Text(state));
        c.push(format!("f.state = {p}"));
    }
    if let Some(package) = text(&filter.package) {
        let p = c.bind(Param::Text(package));
        c.push(format!("f.package = {p}"));
    }
    if let Some(kev) = filter.kev {
        let p = c.bind(Param::Int(i64::from(kev)));
        c.push(format!("f.kev = {p}"));
    }
    if let Some(advisory) = text(&filter.advisory) {
        let p = c.bind(Param::Text(advisory));
        c.push(format!(
            "f.id IN (SELECT fa.finding_id FROM finding_advisories fa \
             WHERE fa.advisory_id = {p} UNION SELECT fa.finding_id FROM finding_advisories fa \
             JOIN advisory_aliases a ON fa.advisory_id = a.advisory_id WHERE a.alias = {p})"
        ));
    }
    if let Some(ecosystem) = text(&filter.ecosystem) {
        let exact = c.bind(Param::Text(ecosystem.clone()));
        let release = c.bind(Param::Text(format!("{ecosystem}:%")));
        c.push(format!(
            "(f.ecosystem = {exact} OR f.ecosystem LIKE {release})"
        ));
    }
    if let Some(q) = text(&filter.q) {
        // Aliases match whole (through their index); the finding's own ids and packages match
        // anywhere.
        let p = c.bind(Param::Text(contains_pattern(&q)));
        let alias = c.bind(Param::Text(q.to_uppercase()));
        c.push(format!(
            "(LOWER(f.package) LIKE {p} ESCAPE '\\' OR LOWER(f.binaries) LIKE {p} ESCAPE '\\' \
             OR LOWER(f.ids) LIKE {p} ESCAPE '\\' OR f.id IN (SELECT fa.finding_id \
             FROM finding_advisories fa JOIN advisory_aliases a \
             ON fa.advisory_id = a.advisory_id WHERE a.alias = {alias}))"
        ));
    }
    if let Some(after) = &page.cursor {
        let (score, id): (i64, i64) = cursor::decode(after)?;
        let (s, i) = (c.bind(Param::Int(score)), c.bind(Param::Int(id)));
        c.push(format!(
            "(f.priority_score < {s} OR (f.priority_score = {s} AND f.id > {i}))"
        ));
    }
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM findings f JOIN hosts h ON h.id = f.host_id{} \
         ORDER BY f.priority_score DESC, f.id LIMIT {}",
        c.where_clause(),
        page.limit() + 1
    );
    let rows = c.query(sql).fetch_all(pool).await?;
    let items = rows.iter().map(summary).collect::<Result<Vec<_>>>()?;
    Ok(cursor::page(items, page.limit(), |f| {
        (f.priority_score, f.id)
    }))
}

/// One finding with its explanation and history.
pub(super) async fn finding(pool: &AnyPool, id: i64) -> Result<Option<FindingDetail>> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, f.reasons_json, f.detail_json, f.state_json \
         FROM findings f JOIN hosts h ON h.id = f.host_id WHERE f.id = $1"
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let state: FindingState = from_json(
        "findings.state_json",
        &row.try_get::<String, _>("state_json")?,
    )?;
    let verdict = match &state.status {
        Status::AcceptedRisk(v) | Status::FalsePositive(v) => Some(FindingEvent {
            at: v.at,
            state: state.status.as_str().to_owned(),
            by: Some(v.by.clone()),
            why: Some(v.why.clone()),
        }),
        Status::Open | Status::Fixed { .. } => None,
    };
    let events = sqlx::query(
        "SELECT at, state, by_whom, why FROM finding_events WHERE finding_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let history = events
        .iter()
        .map(|e| {
            Ok(FindingEvent {
                at: timestamp(e.try_get("at")?)?,
                state: e.try_get("state")?,
                by: e.try_get("by_whom")?,
                why: e.try_get("why")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(FindingDetail {
        finding: summary(&row)?,
        matches: from_json(
            "findings.detail_json",
            &row.try_get::<String, _>("detail_json")?,
        )?,
        reasons: from_json(
            "findings.reasons_json",
            &row.try_get::<String, _>("reasons_json")?,
        )?,
        verdict,
        note: state.note.clone(),
        history,
    }))
}

/// Records a verdict, its history entry and its audit entry in one transaction.
pub(super) async fn record_verdict(
    store: &SqlStore,
    id: i64,
    decision: Decision,
    actor: &Actor,
    now: Timestamp,
) -> Result<Option<Result<FindingDetail, DecisionError>>> {
    let mut tx = store.begin_write().await?;
    let sql = format!(
        "SELECT state_json FROM findings WHERE id = $1{}",
        store.dialect.lock_rows()
    );
    let Some(json) = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let before: FindingState = from_json("findings.state_json", &json)?;
    let after = match before.decide(decision.clone(), now) {
        Ok(after) => after,
        Err(refused) => return Ok(Some(Err(refused))),
    };
    let columns = StateColumns::of(&after)?;
    sqlx::query("UPDATE findings SET state = $1, state_json = $2 WHERE id = $3")
        .bind(columns.state)
        .bind(&columns.state_json)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let (by, why) = match &decision {
        Decision::AcceptRisk { by, why }
        | Decision::FalsePositive { by, why }
        | Decision::Reopen { by, why } => (by.trim(), why.trim()),
    };
    add_event(&mut tx, id, now, columns.state, Some(by), Some(why)).await?;
    let change = Change {
        actor,
        action: "finding.verdict",
        target: format!("finding:{id}"),
        before: Some(json!({"state": before.status.as_str()})),
        after: Some(json!({"state": columns.state, "why": why})),
    };
    compliance::append(&mut tx, store.dialect, change, now).await?;
    tx.commit().await?;
    Ok(finding(&store.pool, id).await?.map(Ok))
}

/// An advisory by id or alias, with the hosts it affects.
pub(super) async fn advisory(pool: &AnyPool, id: &str) -> Result<Option<AdvisoryDetail>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT advisory_id FROM advisory_aliases WHERE alias = $1 OR advisory_id = $1 \
         ORDER BY advisory_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let chosen = match ids.iter().find(|a| a.as_str() == id) {
        Some(exact) => exact.clone(),
        None => match ids.first() {
            Some(first) => first.clone(),
            None => return Ok(None),
        },
    };
    let rows = sqlx::query(
        "SELECT a.advisory_json, a.rating, a.score_tenths, f.kind FROM advisories a \
         JOIN feeds f ON f.id = a.feed_id WHERE a.id = $1",
    )
    .bind(&chosen)
    .fetch_all(pool)
    .await?;
    let mut best: Option<(Advisory, &AnyRow)> = None;
    for row in &rows {
        let advisory: Advisory = from_json(
            "advisories.advisory_json",
            &row.try_get::<String, _>("advisory_json")?,
        )?;
        if best
            .as_ref()
            .is_none_or(|(b, _)| advisory.modified > b.modified)
        {
            best = Some((advisory, row));
        }
    }
    let Some((advisory, row)) = best else {
        return Ok(None);
    };

    let names: Vec<&str> = std::iter::once(advisory.id.as_str())
        .chain(advisory.aliases.iter().map(String::as_str))
        .collect();
    let sql = format!(
        "SELECT COUNT(*) AS n FROM kev_entries WHERE cve_id IN ({})",
        marks(1, names.len())
    );
    let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
    for name in &names {
        query = query.bind(*name);
    }
    let kev = query.fetch_one(pool).await? > 0;

    // Hosts of every advisory the id or alias names: asked for a CVE, the page lists the
    // hosts of each advisory that carries it.
    let mut hosts: Vec<AffectedHost> = Vec::new();
    let mut seen = BTreeSet::new();
    let wanted: BTreeSet<&str> = ids
        .iter()
        .map(String::as_str)
        .chain([advisory.id.as_str()])
        .collect();
    for advisory_id in wanted {
        let rows = sqlx::query(
            "SELECT f.id, f.host_id, h.hostname, f.package, f.installed, f.state, f.first_seen \
             FROM finding_advisories fa JOIN findings f ON f.id = fa.finding_id \
             JOIN hosts h ON h.id = f.host_id WHERE fa.advisory_id = $1 \
             ORDER BY h.hostname, f.id",
        )
        .bind(advisory_id)
        .fetch_all(pool)
        .await?;
        for r in rows {
            let finding_id: i64 = r.try_get("id")?;
            if !seen.insert(finding_id) {
                continue;
            }
            hosts.push(AffectedHost {
                finding_id,
                host_id: r.try_get("host_id")?,
                hostname: r.try_get("hostname")?,
                package: r.try_get("package")?,
                installed: r.try_get("installed")?,
                state: r.try_get("state")?,
                first_seen: timestamp(r.try_get("first_seen")?)?,
            });
        }
    }
    hosts.sort_by(|a, b| (&a.hostname, a.finding_id).cmp(&(&b.hostname, b.finding_id)));

    Ok(Some(AdvisoryDetail {
        id: advisory.id.clone(),
        aliases: advisory.aliases.clone(),
        summary: advisory.summary.clone(),
        details: advisory.details.clone(),
        severity: row.try_get("rating")?,
        score: row
            .try_get::<Option<i64>, _>("score_tenths")?
            .map(|t| t as f64 / 10.0),
        vectors: advisory.severity.iter().map(|s| s.vector.clone()).collect(),
        published: advisory.published,
        modified: advisory.modified,
        withdrawn: advisory.withdrawn,
        source: row.try_get("kind")?,
        references: advisory.references.clone(),
        kev,
        packages: advisory
            .affected
            .iter()
            .map(|a| AdvisoryPackage {
                ecosystem: a.ecosystem.clone(),
                name: a.name.clone(),
                ranges: a.ranges.iter().map(describe_range).collect(),
                versions: a.versions.clone(),
            })
            .collect(),
        hosts,
    }))
}

/// A range's events in words: `introduced 0, fixed 1.2.3`.
fn describe_range(range: &Range) -> String {
    range
        .events
        .iter()
        .map(|event| match event {
            Event::Introduced(v) => format!("introduced {v}"),
            Event::Fixed(v) => format!("fixed {v}"),
            Event::LastAffected(v) => format!("last affected {v}"),
            Event::Limit(v) => format!("limit {v}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A host's lifecycle status, operating system first.
pub(super) async fn host_lifecycle(pool: &AnyPool, host_id: i64) -> Result<Vec<HostLifecycle>> {
    let rows = sqlx::query(
        "SELECT host_id, product, cycle, operating_system, state, state_date, source, \
         evidence_json, assessed_at FROM host_lifecycle WHERE host_id = $1 \
         ORDER BY operating_system DESC, product, cycle",
    )
    .bind(host_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|row| Ok(lifecycle_row(row)?.1)).collect()
}

/// Every host's lifecycle status, by host, operating system first.
pub(super) async fn all_host_lifecycles(pool: &AnyPool) -> Result<Vec<(i64, HostLifecycle)>> {
    let rows = sqlx::query(
        "SELECT host_id, product, cycle, operating_system, state, state_date, source, \
         evidence_json, assessed_at FROM host_lifecycle \
         ORDER BY host_id, operating_system DESC, product, cycle",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(lifecycle_row).collect()
}

fn lifecycle_row(row: &AnyRow) -> Result<(i64, HostLifecycle)> {
    let status = HostLifecycle {
        product: row.try_get("product")?,
        cycle: row.try_get("cycle")?,
        operating_system: row.try_get::<i64, _>("operating_system")? != 0,
        state: row.try_get("state")?,
        date: row.try_get("state_date")?,
        source: row.try_get("source")?,
        evidence: from_json(
            "host_lifecycle.evidence_json",
            &row.try_get::<String, _>("evidence_json")?,
        )?,
        assessed_at: timestamp(row.try_get("assessed_at")?)?,
    };
    Ok((row.try_get("host_id")?, status))
}

/// Hosts with a lifecycle status whose phase ends on or before `today`; dates are
/// `YYYY-MM-DD`, so text order is date order.
pub(super) async fn hosts_with_lapsed_lifecycle(pool: &AnyPool, today: &str) -> Result<Vec<i64>> {
    let hosts = sqlx::query_scalar(
        "SELECT DISTINCT host_id FROM host_lifecycle WHERE state IN ('supported', \
         'security_only', 'extended_support') AND state_date IS NOT NULL AND state_date <= $1 \
         ORDER BY host_id",
    )
    .bind(today)
    .fetch_all(pool)
    .await?;
    Ok(hosts)
}

/// Open findings counted by host and priority level (of one host, or of all).
pub(super) async fn open_finding_counts(
    pool: &AnyPool,
    host: Option<i64>,
) -> Result<Vec<(i64, String, i64)>> {
    let only_host = if host.is_some() {
        " AND host_id = $1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT host_id, priority, COUNT(*) AS n FROM findings WHERE state = 'open'{only_host} \
         GROUP BY host_id, priority ORDER BY host_id, priority"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    if let Some(host) = host {
        query = query.bind(host);
    }
    query
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("host_id")?,
                row.try_get("priority")?,
                row.try_get("n")?,
            ))
        })
        .collect()
}

/// The priority reasons of these findings, by finding id.
pub(super) async fn finding_reasons(
    pool: &AnyPool,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<PriorityReason>>> {
    let mut reasons = HashMap::new();
    for chunk in ids.chunks(BATCH_ROWS) {
        let sql = format!(
            "SELECT id, reasons_json FROM findings WHERE id IN ({})",
            marks(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(pool).await? {
            let terms = from_json(
                "findings.reasons_json",
                &row.try_get::<String, _>("reasons_json")?,
            )?;
            reasons.insert(row.try_get("id")?, terms);
        }
    }
    Ok(reasons)
}

/// Product cycles hosts run, with how many hosts run each.
pub(super) async fn cycles_in_use(pool: &AnyPool) -> Result<Vec<(ProductCycle, i64)>> {
    let rows = sqlx::query(
        "SELECT product, cycle, COUNT(DISTINCT host_id) AS hosts FROM host_lifecycle \
         GROUP BY product, cycle ORDER BY product, cycle",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let product: String = row.try_get("product")?;
            let cycle: String = row.try_get("cycle")?;
            Ok((ProductCycle::new(&product, &cycle), row.try_get("hosts")?))
        })
        .collect()
}
