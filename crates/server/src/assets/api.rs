//! The assets part of the REST API: applications (import, list, detail, history, SBOM),
//! host SBOMs, and other assets (list, detail, CSV import and export).
//!
//! Uploads are the raw document as the request body, read up to
//! [`import::MAX_UPLOAD_BYTES`]; a larger body is refused with 413 before it is parsed.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use steward_api::assets::{
    ApplicationDetail, ApplicationEvent, ApplicationFinding, ApplicationImport, ApplicationSummary,
    Asset, CsvImportReport,
};
use steward_core::inventory::AssetKind;
use utoipa::IntoParams;

use super::import::{self, DocumentKind, MAX_UPLOAD_BYTES};
use crate::access::Principal;
use crate::access::table::{Access, Permission, Routes};
use crate::{AppError, AppState};

/// The assets API routes.
pub fn routes() -> Routes {
    let read = Access::Requires(Permission::ReadInventory);
    let change = Access::Requires(Permission::ChangeInventory);
    Routes::new()
        .get("/api/v1/applications", read, list_applications)
        .post("/api/v1/applications", change, import_application)
        .get("/api/v1/applications/{id}", read, get_application)
        .get(
            "/api/v1/applications/{id}/history",
            read,
            application_history,
        )
        .get("/api/v1/applications/{id}/sbom", read, application_sbom)
        .get(
            "/api/v1/applications/{id}/findings",
            Access::Requires(Permission::ReadAssessment),
            application_findings,
        )
        .get("/api/v1/hosts/{id}/sbom", read, host_sbom)
        .get("/api/v1/assets", read, list_assets)
        .get("/api/v1/assets/export", read, export_assets)
        .post("/api/v1/assets/import", change, import_assets)
        .get("/api/v1/assets/{id}", read, get_asset)
}

/// Reads a request body up to the upload limit; 413 past it.
async fn read_body(body: Body) -> Result<bytes::Bytes, Response> {
    axum::body::to_bytes(body, MAX_UPLOAD_BYTES)
        .await
        .map_err(|_| {
            let error = steward_api::error::ErrorEnvelope {
                error: steward_api::error::ErrorBody {
                    code: "too_large".to_owned(),
                    message: format!("the body is larger than {MAX_UPLOAD_BYTES} bytes"),
                },
            };
            (StatusCode::PAYLOAD_TOO_LARGE, Json(error)).into_response()
        })
}

/// How an uploaded document is to be read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `cyclonedx`, `spdx` or `lockfile`.
    pub format: Option<String>,
    /// The file name: tells a lockfile's kind, and names the application when the document
    /// does not.
    pub file: Option<String>,
    /// The application's name, overriding the document's.
    pub name: Option<String>,
}

/// Import an SBOM or lockfile (the request body) as an application; an application of the
/// same name has its components replaced.
#[utoipa::path(post, path = "/api/v1/applications", tag = "assets",
    params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ApplicationImport), (status = 400), (status = 413)))]
pub async fn import_application(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<ImportQuery>,
    body: Body,
) -> Result<Response, AppError> {
    let kind = match query.format.as_deref() {
        Some("cyclonedx") => DocumentKind::Cyclonedx,
        Some("spdx") => DocumentKind::Spdx,
        Some("lockfile") => DocumentKind::Lockfile,
        other => {
            return Err(AppError::Invalid(format!(
                "format must be cyclonedx, spdx or lockfile (got {other:?})"
            )));
        }
    };
    let bytes = match read_body(body).await {
        Ok(bytes) => bytes,
        Err(response) => return Ok(response),
    };
    let file = query.file.as_deref().unwrap_or("upload");
    let document = import::read_document(kind, file, &bytes, query.name.as_deref())?;
    let outcome = state
        .store
        .import_application(&document, &principal.actor(), Timestamp::now())
        .await?;
    Ok(Json(outcome).into_response())
}

/// List applications.
#[utoipa::path(get, path = "/api/v1/applications", tag = "assets",
    responses((status = 200, body = Vec<ApplicationSummary>)))]
pub async fn list_applications(
    State(state): State<AppState>,
) -> Result<Json<Vec<ApplicationSummary>>, AppError> {
    Ok(Json(state.store.applications().await?))
}

/// One application with its components.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "assets",
    responses((status = 200, body = ApplicationDetail), (status = 404)))]
pub async fn get_application(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationDetail>, AppError> {
    let detail = state.store.application(id).await?;
    detail.map(Json).ok_or_else(|| not_found("application", id))
}

/// An application's history, newest first.
#[utoipa::path(get, path = "/api/v1/applications/{id}/history", tag = "assets",
    responses((status = 200, body = Vec<ApplicationEvent>), (status = 404)))]
pub async fn application_history(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ApplicationEvent>>, AppError> {
    if state.store.application(id).await?.is_none() {
        return Err(not_found("application", id));
    }
    Ok(Json(state.store.application_history(id, 500).await?))
}

/// An application's findings: its components against the stored advisories, most severe
/// first, computed at each request.
#[utoipa::path(get, path = "/api/v1/applications/{id}/findings", tag = "assets",
    responses((status = 200, body = Vec<ApplicationFinding>), (status = 404)))]
pub async fn application_findings(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ApplicationFinding>>, AppError> {
    let findings = super::assessment::application_findings(state.store.as_ref(), id).await?;
    findings
        .map(Json)
        .ok_or_else(|| not_found("application", id))
}

/// An application as CycloneDX 1.6 JSON.
#[utoipa::path(get, path = "/api/v1/applications/{id}/sbom", tag = "assets",
    responses((status = 200, body = Object, content_type = "application/vnd.cyclonedx+json"),
        (status = 404)))]
pub async fn application_sbom(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let document = import::application_sbom(state.store.as_ref(), id, Timestamp::now()).await?;
    cyclonedx(document.ok_or_else(|| not_found("application", id))?)
}

/// A host's installed packages as CycloneDX 1.6 JSON.
#[utoipa::path(get, path = "/api/v1/hosts/{id}/sbom", tag = "assets",
    responses((status = 200, body = Object, content_type = "application/vnd.cyclonedx+json"),
        (status = 404)))]
pub async fn host_sbom(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let document = import::host_sbom(state.store.as_ref(), id, Timestamp::now()).await?;
    cyclonedx(document.ok_or_else(|| not_found("host", id))?)
}

fn cyclonedx(document: Value) -> Result<Response, AppError> {
    let body = serde_json::to_vec_pretty(&document)
        .map_err(|e| AppError::Internal(format!("cannot encode the SBOM: {e}")))?;
    Ok((
        [(header::CONTENT_TYPE, "application/vnd.cyclonedx+json")],
        body,
    )
        .into_response())
}

/// Filter of the asset list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetQuery {
    /// `network-device`, `printer`, `phone`, `saas` or `other`.
    pub kind: Option<String>,
}

/// List assets of other kinds.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets", params(AssetQuery),
    responses((status = 200, body = Vec<Asset>)))]
pub async fn list_assets(
    State(state): State<AppState>,
    Query(query): Query<AssetQuery>,
) -> Result<Json<Vec<Asset>>, AppError> {
    let kind = parse_kind(query.kind.as_deref())?;
    Ok(Json(state.store.assets(kind).await?))
}

pub(crate) fn parse_kind(kind: Option<&str>) -> Result<Option<AssetKind>, AppError> {
    kind.filter(|k| !k.is_empty())
        .map(|k| k.parse::<AssetKind>())
        .transpose()
        .map_err(|e| AppError::Invalid(e.to_string()))
}

/// One asset.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets",
    responses((status = 200, body = Asset), (status = 404)))]
pub async fn get_asset(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Asset>, AppError> {
    let asset = state.store.asset(id).await?;
    asset.map(Json).ok_or_else(|| not_found("asset", id))
}

/// Every asset of other kinds as CSV (cells neutralised against formula injection).
#[utoipa::path(get, path = "/api/v1/assets/export", tag = "assets",
    responses((status = 200, body = String, content_type = "text/csv")))]
pub async fn export_assets(State(state): State<AppState>) -> Result<Response, AppError> {
    let csv = import::export_csv(state.store.as_ref()).await?;
    Ok(crate::export::csv_download("assets.csv", csv))
}

/// Options of a CSV import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// Only report what would be created or changed.
    #[serde(default)]
    pub dry_run: bool,
    /// Import the good rows even when some rows fail.
    #[serde(default)]
    pub skip_bad_rows: bool,
}

/// Import assets from CSV (the request body). Rows match stored assets by asset tag, then
/// serial. When any row fails nothing is imported, unless `skip_bad_rows`; the report lists
/// the errors by row and column either way.
#[utoipa::path(post, path = "/api/v1/assets/import", tag = "assets", params(CsvQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = CsvImportReport), (status = 400), (status = 413)))]
pub async fn import_assets(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<CsvQuery>,
    body: Body,
) -> Result<Response, AppError> {
    let bytes = match read_body(body).await {
        Ok(bytes) => bytes,
        Err(response) => return Ok(response),
    };
    let report = import::import_csv(
        state.store.as_ref(),
        &bytes,
        query.dry_run,
        query.skip_bad_rows,
        &principal.actor(),
        Timestamp::now(),
    )
    .await?;
    let status = if report.errors.is_empty() || report.imported || report.dry_run {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)).into_response())
}

fn not_found(what: &str, id: i64) -> AppError {
    AppError::NotFound(format!("no {what} with id {id}"))
}
