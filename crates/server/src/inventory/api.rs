//! The inventory part of the REST API: hosts, their packages, pending updates and history,
//! software across the fleet, and the identity review list.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use bytes::Bytes;
use jiff::Timestamp;
use serde::Deserialize;
use steward_api::resources::{
    HistoryEntry, Host, HostFilter, HostPackage, HostSummary, HostUpdate, IdentityReview,
    PackageFilter, Page, PageRequest, SoftwareFilter, SoftwareSummary, SoftwareVersion, TagsUpdate,
};
use utoipa::{IntoParams, ToSchema};

use super::agent::parse_json;
use crate::access::Principal;
use crate::access::table::{Access, Permission, Routes};
use crate::export::{MAX_EXPORT_ROWS, csv_download, every_page};
use crate::{AppError, AppState};

/// The inventory API routes.
pub fn routes() -> Routes {
    let read = Access::Requires(Permission::ReadInventory);
    let change = Access::Requires(Permission::ChangeInventory);
    Routes::new()
        .get("/api/v1/hosts", read, list_hosts)
        .get("/api/v1/hosts/export", read, export_hosts)
        .get("/api/v1/hosts/{id}", read, get_host)
        .get("/api/v1/hosts/{id}/packages", read, host_packages)
        .get(
            "/api/v1/hosts/{id}/packages/export",
            read,
            export_host_packages,
        )
        .get("/api/v1/hosts/{id}/updates", read, host_updates)
        .get("/api/v1/hosts/{id}/history", read, host_history)
        .put("/api/v1/hosts/{id}/tags", change, set_tags)
        .post("/api/v1/hosts/{id}/revoke", change, revoke_host)
        .get("/api/v1/software", read, list_software)
        .get(
            "/api/v1/software/{ecosystem}/{name}",
            read,
            software_versions,
        )
        .get("/api/v1/identity-reviews", read, list_reviews)
        .post(
            "/api/v1/identity-reviews/{id}/resolve",
            change,
            resolve_review,
        )
}

/// Largest number of manual tags on one host, and longest tag.
const MAX_TAGS: usize = 64;
const MAX_TAG_LEN: usize = 64;

/// Checks manual tags: trimmed, non-empty, bounded, no control characters.
pub(crate) fn validate_tags(tags: &[String]) -> Result<Vec<String>, AppError> {
    if tags.len() > MAX_TAGS {
        return Err(AppError::Invalid(format!(
            "at most {MAX_TAGS} tags per host"
        )));
    }
    let mut clean: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim();
        if tag.is_empty() || tag.chars().count() > MAX_TAG_LEN || tag.chars().any(char::is_control)
        {
            return Err(AppError::Invalid(format!(
                "tag {tag:?} must be 1 to {MAX_TAG_LEN} characters without control characters"
            )));
        }
        clean.push(tag.to_owned());
    }
    clean.sort();
    clean.dedup();
    Ok(clean)
}

fn not_found(what: &str, id: i64) -> AppError {
    AppError::NotFound(format!("no {what} with id {id}"))
}

/// List hosts.
#[utoipa::path(get, path = "/api/v1/hosts", tag = "inventory",
    params(HostFilter, PageRequest),
    responses((status = 200, body = Page<HostSummary>)))]
pub async fn list_hosts(
    State(state): State<AppState>,
    Query(filter): Query<HostFilter>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<HostSummary>>, AppError> {
    Ok(Json(
        state
            .store
            .list_hosts(&filter, &page, Timestamp::now())
            .await?,
    ))
}

/// The hosts the filter selects as CSV, one row each (cells neutralised against formula
/// injection).
#[utoipa::path(get, path = "/api/v1/hosts/export", tag = "inventory",
    params(HostFilter),
    responses((status = 200, body = String, content_type = "text/csv"),
        (status = 413, body = steward_api::error::ErrorEnvelope)))]
pub async fn export_hosts(
    State(state): State<AppState>,
    Query(filter): Query<HostFilter>,
) -> Result<Response, AppError> {
    let now = Timestamp::now();
    let hosts = every_page("hosts", MAX_EXPORT_ROWS, |page| {
        let (store, filter) = (state.store.clone(), filter.clone());
        async move { store.list_hosts(&filter, &page, now).await }
    })
    .await?;
    let header = [
        "id",
        "hostname",
        "fqdn",
        "os_id",
        "os_version",
        "os_name",
        "kernel",
        "arch",
        "tags",
        "packages",
        "pending_updates",
        "security_updates",
        "first_seen",
        "last_seen",
    ];
    let optional = |value: &Option<String>| value.clone().unwrap_or_default();
    let rows = hosts.iter().map(|h| {
        vec![
            h.id.to_string(),
            h.hostname.clone(),
            optional(&h.fqdn),
            optional(&h.os_id),
            optional(&h.os_version),
            optional(&h.os_name),
            optional(&h.kernel),
            optional(&h.arch),
            h.tags.join("; "),
            h.package_count.to_string(),
            h.pending_update_count.to_string(),
            h.security_update_count.to_string(),
            h.first_seen.to_string(),
            h.last_seen.to_string(),
        ]
    });
    Ok(csv_download(
        "hosts.csv",
        steward_formats::csv_table(&header, rows),
    ))
}

/// One host with its facts.
#[utoipa::path(get, path = "/api/v1/hosts/{id}", tag = "inventory",
    params(("id" = i64, Path, description = "Host id")),
    responses((status = 200, body = Host),
        (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn get_host(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Host>, AppError> {
    state
        .store
        .host(id)
        .await?
        .map(Json)
        .ok_or_else(|| not_found("host", id))
}

/// A host's installed packages.
#[utoipa::path(get, path = "/api/v1/hosts/{id}/packages", tag = "inventory",
    params(("id" = i64, Path, description = "Host id"), PackageFilter, PageRequest),
    responses((status = 200, body = Page<HostPackage>)))]
pub async fn host_packages(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(filter): Query<PackageFilter>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<HostPackage>>, AppError> {
    ensure_host(&state, id).await?;
    Ok(Json(state.store.host_packages(id, &filter, &page).await?))
}

/// A host's installed packages as CSV (cells neutralised against formula injection).
#[utoipa::path(get, path = "/api/v1/hosts/{id}/packages/export", tag = "inventory",
    params(("id" = i64, Path, description = "Host id"), PackageFilter),
    responses((status = 200, body = String, content_type = "text/csv"),
        (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn export_host_packages(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(filter): Query<PackageFilter>,
) -> Result<Response, AppError> {
    ensure_host(&state, id).await?;
    let packages = every_page("packages", MAX_EXPORT_ROWS, |page| {
        let (store, filter) = (state.store.clone(), filter.clone());
        async move { store.host_packages(id, &filter, &page).await }
    })
    .await?;
    let header = [
        "ecosystem",
        "name",
        "version",
        "arch",
        "source_name",
        "source_version",
        "status",
    ];
    let rows = packages.into_iter().map(|p| {
        vec![
            p.ecosystem,
            p.name,
            p.version,
            p.arch,
            p.source_name.unwrap_or_default(),
            p.source_version.unwrap_or_default(),
            p.status,
        ]
    });
    let filename = "packages.csv";
    Ok(csv_download(
        filename,
        steward_formats::csv_table(&header, rows),
    ))
}

/// A host's pending updates.
#[utoipa::path(get, path = "/api/v1/hosts/{id}/updates", tag = "inventory",
    params(("id" = i64, Path, description = "Host id")),
    responses((status = 200, body = Vec<HostUpdate>)))]
pub async fn host_updates(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HostUpdate>>, AppError> {
    ensure_host(&state, id).await?;
    Ok(Json(state.store.host_updates(id).await?))
}

/// A host's history, newest first.
#[utoipa::path(get, path = "/api/v1/hosts/{id}/history", tag = "inventory",
    params(("id" = i64, Path, description = "Host id"), PageRequest),
    responses((status = 200, body = Page<HistoryEntry>)))]
pub async fn host_history(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<HistoryEntry>>, AppError> {
    ensure_host(&state, id).await?;
    Ok(Json(state.store.host_history(id, &page).await?))
}

/// Replace a host's manual tags.
#[utoipa::path(put, path = "/api/v1/hosts/{id}/tags", tag = "inventory",
    params(("id" = i64, Path, description = "Host id")),
    request_body = TagsUpdate,
    responses((status = 200, body = Host)))]
pub async fn set_tags(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Host>, AppError> {
    let update: TagsUpdate = parse_json(&body)?;
    let tags = validate_tags(&update.tags)?;
    if !state
        .store
        .set_manual_tags(id, &tags, &principal.actor(), Timestamp::now())
        .await?
    {
        return Err(not_found("host", id));
    }
    get_host(State(state), Path(id)).await
}

/// How many credentials a revocation revoked.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Revoked {
    /// Credentials revoked.
    pub revoked: u64,
}

/// Revoke every agent credential of a host; its agent must enroll again.
#[utoipa::path(post, path = "/api/v1/hosts/{id}/revoke", tag = "inventory",
    params(("id" = i64, Path, description = "Host id")),
    responses((status = 200, body = Revoked)))]
pub async fn revoke_host(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Revoked>, AppError> {
    ensure_host(&state, id).await?;
    let revoked = state
        .store
        .revoke_agent_credentials(id, &principal.actor(), Timestamp::now())
        .await?;
    Ok(Json(Revoked { revoked }))
}

/// Software across the fleet.
#[utoipa::path(get, path = "/api/v1/software", tag = "inventory",
    params(SoftwareFilter, PageRequest),
    responses((status = 200, body = Page<SoftwareSummary>)))]
pub async fn list_software(
    State(state): State<AppState>,
    Query(filter): Query<SoftwareFilter>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<SoftwareSummary>>, AppError> {
    Ok(Json(state.store.list_software(&filter, &page).await?))
}

/// Every version of a package and the hosts that run it, highest version first.
#[utoipa::path(get, path = "/api/v1/software/{ecosystem}/{name}", tag = "inventory",
    params(("ecosystem" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Vec<SoftwareVersion>)))]
pub async fn software_versions(
    State(state): State<AppState>,
    Path((ecosystem, name)): Path<(String, String)>,
) -> Result<Json<Vec<SoftwareVersion>>, AppError> {
    Ok(Json(
        state.store.software_versions(&ecosystem, &name).await?,
    ))
}

/// Open identity reviews.
#[utoipa::path(get, path = "/api/v1/identity-reviews", tag = "inventory",
    responses((status = 200, body = Vec<IdentityReview>)))]
pub async fn list_reviews(
    State(state): State<AppState>,
) -> Result<Json<Vec<IdentityReview>>, AppError> {
    Ok(Json(state.store.open_identity_reviews().await?))
}

/// How to resolve an identity review.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
pub struct ReviewDecision {
    /// `merge` folds the new host into the candidate; `separate` keeps both.
    pub decision: String,
}

/// Resolve an identity review.
#[utoipa::path(post, path = "/api/v1/identity-reviews/{id}/resolve", tag = "inventory",
    params(("id" = i64, Path)),
    request_body = ReviewDecision,
    responses((status = 204), (status = 404, body = steward_api::error::ErrorEnvelope)))]
pub async fn resolve_review(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<axum::http::StatusCode, AppError> {
    let decision: ReviewDecision = parse_json(&body)?;
    let merge = match decision.decision.as_str() {
        "merge" => true,
        "separate" => false,
        other => {
            return Err(AppError::Invalid(format!(
                "decision must be \"merge\" or \"separate\", not {other:?}"
            )));
        }
    };
    if !state
        .store
        .resolve_identity_review(id, merge, &principal.actor(), Timestamp::now())
        .await?
    {
        return Err(not_found("open identity review", id));
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn ensure_host(state: &AppState, id: i64) -> Result<(), AppError> {
    match state.store.host(id).await? {
        Some(_) => Ok(()),
        None => Err(not_found("host", id)),
    }
}
