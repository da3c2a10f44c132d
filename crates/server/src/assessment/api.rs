//! The assessment part of the REST API: findings with filters, one finding with its
//! explanation, verdicts, advisories, a host's lifecycle status, the lifecycle forecast and
//! the imported feeds.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use bytes::Bytes;
use jiff::Timestamp;
use steward_api::assessment::{
    AdvisoryDetail, FeedInfo, FindingDetail, FindingFilter, FindingSummary, ForecastItem,
    HostLifecycle, VerdictRequest,
};
use steward_api::resources::{Page, PageRequest};
use steward_core::assessment::finding::Decision;
use steward_core::assessment::lifecycle::{FORECAST_MONTHS, LifecycleCatalog};
use steward_store::{Store, StoreError};

use crate::access::Principal;
use crate::access::table::{Access, Permission, Routes};
use crate::export::{MAX_EXPORT_ROWS, csv_download, every_page};
use crate::inventory::agent::parse_json;
use crate::{AppError, AppState};

/// The assessment API routes.
pub fn routes() -> Routes {
    let read = Access::Requires(Permission::ReadAssessment);
    let judge = Access::Requires(Permission::JudgeFindings);
    Routes::new()
        .get("/api/v1/findings", read, list_findings)
        .get("/api/v1/findings/export", read, export_findings)
        .get("/api/v1/findings/{id}", read, get_finding)
        .post("/api/v1/findings/{id}/verdict", judge, record_verdict)
        .get("/api/v1/advisories/{id}", read, get_advisory)
        .get("/api/v1/hosts/{id}/lifecycle", read, host_lifecycle)
        .get("/api/v1/lifecycle/forecast", read, forecast)
        .get("/api/v1/feeds", read, list_feeds)
}

/// Longest reason a verdict may carry.
const MAX_WHY: usize = 2000;

/// List findings, highest priority first.
#[utoipa::path(get, path = "/api/v1/findings", tag = "assessment",
    params(FindingFilter, PageRequest),
    responses((status = 200, body = Page<FindingSummary>)))]
pub async fn list_findings(
    State(state): State<AppState>,
    Query(filter): Query<FindingFilter>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<FindingSummary>>, AppError> {
    Ok(Json(state.store.list_findings(&filter, &page).await?))
}

/// The findings the filter selects as CSV, highest priority first (cells neutralised against
/// formula injection).
#[utoipa::path(get, path = "/api/v1/findings/export", tag = "assessment",
    params(FindingFilter),
    responses((status = 200, body = String, content_type = "text/csv"),
        (status = 413, body = steward_api::error::ErrorEnvelope)))]
pub async fn export_findings(
    State(state): State<AppState>,
    Query(filter): Query<FindingFilter>,
) -> Result<Response, AppError> {
    let findings = every_page("findings", MAX_EXPORT_ROWS, |page| {
        let (store, filter) = (state.store.clone(), filter.clone());
        async move { store.list_findings(&filter, &page).await }
    })
    .await?;
    let header = [
        "id",
        "host_id",
        "hostname",
        "ecosystem",
        "package",
        "binaries",
        "installed",
        "advisories",
        "kind",
        "state",
        "severity",
        "score",
        "kev",
        "fixed",
        "priority",
        "priority_score",
        "first_seen",
        "last_seen",
        "fixed_at",
    ];
    let rows = findings.into_iter().map(|f| {
        vec![
            f.id.to_string(),
            f.host_id.to_string(),
            f.hostname,
            f.ecosystem,
            f.package,
            f.binaries.join(" "),
            f.installed,
            f.ids.join(" "),
            f.kind,
            f.state,
            f.severity.unwrap_or_default(),
            f.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
            f.kev.to_string(),
            f.fixed.join(" "),
            f.priority,
            f.priority_score.to_string(),
            f.first_seen.to_string(),
            f.last_seen.to_string(),
            f.fixed_at.map(|t| t.to_string()).unwrap_or_default(),
        ]
    });
    Ok(csv_download(
        "findings.csv",
        steward_formats::csv_table(&header, rows),
    ))
}

/// One finding: advisories, ranges, installed and fixed versions, priority reasons, history.
#[utoipa::path(get, path = "/api/v1/findings/{id}", tag = "assessment",
    params(("id" = i64, Path, description = "Finding id")),
    responses((status = 200, body = FindingDetail),
        (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn get_finding(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<FindingDetail>, AppError> {
    state
        .store
        .finding(id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no finding with id {id}")))
}

/// Record a verdict: `accepted_risk`, `false_positive`, or `reopen`; audited.
#[utoipa::path(post, path = "/api/v1/findings/{id}/verdict", tag = "assessment",
    params(("id" = i64, Path, description = "Finding id")),
    request_body = VerdictRequest,
    responses((status = 200, body = FindingDetail),
        (status = 400, body = steward_api::error::ErrorEnvelope),
        (status = 404, body = steward_api::error::ErrorEnvelope),
        (status = 409, body = steward_api::error::ErrorEnvelope)))]
pub async fn record_verdict(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<FindingDetail>, AppError> {
    let request: VerdictRequest = parse_json(&body)?;
    let decision = decision(&request, &principal.name)?;
    recorded(&state, id, decision, &principal).await.map(Json)
}

/// A verdict request as core's decision; refuses unknown verdicts and bad reasons.
pub(crate) fn decision(request: &VerdictRequest, by: &str) -> Result<Decision, AppError> {
    let why = request.why.trim();
    if why.is_empty() || why.chars().count() > MAX_WHY || why.contains('\0') {
        return Err(AppError::Invalid(format!(
            "why: give a reason of 1 to {MAX_WHY} characters"
        )));
    }
    let (by, why) = (by.to_owned(), why.to_owned());
    match request.verdict.as_str() {
        "accepted_risk" => Ok(Decision::AcceptRisk { by, why }),
        "false_positive" => Ok(Decision::FalsePositive { by, why }),
        "reopen" => Ok(Decision::Reopen { by, why }),
        other => Err(AppError::Invalid(format!(
            "verdict: {other:?} is not accepted_risk, false_positive or reopen"
        ))),
    }
}

/// Records a decision for `principal`; a refusal by core's rules is a conflict.
pub(crate) async fn recorded(
    state: &AppState,
    id: i64,
    decision: Decision,
    principal: &Principal,
) -> Result<FindingDetail, AppError> {
    let outcome = state
        .store
        .record_verdict(id, decision, &principal.actor(), Timestamp::now())
        .await?;
    match outcome {
        None => Err(AppError::NotFound(format!("no finding with id {id}"))),
        Some(Err(refused)) => Err(AppError::Store(StoreError::Conflict(refused.to_string()))),
        Some(Ok(detail)) => Ok(detail),
    }
}

/// One advisory by id or alias, with the hosts it affects and since when.
#[utoipa::path(get, path = "/api/v1/advisories/{id}", tag = "assessment",
    params(("id" = String, Path, description = "Advisory id or alias")),
    responses((status = 200, body = AdvisoryDetail),
        (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn get_advisory(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AdvisoryDetail>, AppError> {
    state
        .store
        .advisory(&id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no advisory with id or alias {id:?}")))
}

/// A host's lifecycle status: its operating system and runtimes, with date and source.
#[utoipa::path(get, path = "/api/v1/hosts/{id}/lifecycle", tag = "assessment",
    params(("id" = i64, Path, description = "Host id")),
    responses((status = 200, body = Vec<HostLifecycle>),
        (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn host_lifecycle(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HostLifecycle>>, AppError> {
    if state.store.host(id).await?.is_none() {
        return Err(AppError::NotFound(format!("no host with id {id}")));
    }
    Ok(Json(state.store.host_lifecycle(id).await?))
}

/// Support ends within 6, 12 and 18 months of the product cycles hosts run.
#[utoipa::path(get, path = "/api/v1/lifecycle/forecast", tag = "assessment",
    responses((status = 200, body = Vec<ForecastItem>)))]
pub async fn forecast(State(state): State<AppState>) -> Result<Json<Vec<ForecastItem>>, AppError> {
    Ok(Json(
        forecast_items(state.store.as_ref(), Timestamp::now()).await?,
    ))
}

/// The forecast on the day of `now`: support ends within 6, 12 and 18 months of the product
/// cycles hosts run, soonest horizon first.
pub async fn forecast_items(
    store: &dyn Store,
    now: Timestamp,
) -> Result<Vec<ForecastItem>, StoreError> {
    let in_use = store.cycles_in_use().await?;
    let products = store.lifecycle_products().await?;
    let catalog = LifecycleCatalog::new(&products);
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let hosts: HashMap<_, i64> = in_use.iter().cloned().collect();
    let entries = catalog.forecast(in_use.iter().map(|(c, _)| c), today, &FORECAST_MONTHS);
    Ok(entries
        .into_iter()
        .map(|e| ForecastItem {
            hosts: hosts.get(&e.cycle).copied().unwrap_or(0),
            milestone: serde_json::to_value(e.milestone)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            product: e.cycle.product,
            cycle: e.cycle.cycle,
            date: e.date.to_string(),
            within_months: i64::from(e.within_months),
            source: e.source,
        })
        .collect())
}

/// Imported feeds with their counts and import times.
#[utoipa::path(get, path = "/api/v1/feeds", tag = "assessment",
    responses((status = 200, body = Vec<FeedInfo>)))]
pub async fn list_feeds(State(state): State<AppState>) -> Result<Json<Vec<FeedInfo>>, AppError> {
    Ok(Json(state.store.feeds().await?))
}
