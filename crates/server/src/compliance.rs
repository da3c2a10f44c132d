//! Compliance: the audit log through the REST API (`/api/v1/audit`, with a check of its hash
//! chain) and the web UI (`/audit`), for auditors and administrators.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use steward_api::compliance::{AuditEntry, AuditVerification};
use steward_api::resources::{Page, PageRequest};

use crate::access::Principal;
use crate::access::table::{Access, Permission, Routes};
use crate::chrome::Chrome;
use crate::{AppError, AppState};

/// The audit routes.
pub fn routes() -> Routes {
    let read = Access::Requires(Permission::ReadAudit);
    Routes::new()
        .get("/api/v1/audit", read, list_audit)
        .get("/api/v1/audit/verify", read, verify_audit)
        .get("/audit", read, audit_page)
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "compliance",
    params(PageRequest),
    responses((status = 200, body = Page<AuditEntry>)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Query(page): Query<PageRequest>,
) -> Result<Json<Page<AuditEntry>>, AppError> {
    Ok(Json(state.store.audit_entries(&page).await?))
}

/// Check the audit log's hash chain; names the first entry that does not match.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "compliance",
    responses((status = 200, body = AuditVerification)))]
pub async fn verify_audit(
    State(state): State<AppState>,
) -> Result<Json<AuditVerification>, AppError> {
    Ok(Json(state.store.verify_audit().await?))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<AuditEntry>,
    next: Option<String>,
}

impl AuditPage {
    fn json(value: &Option<serde_json::Value>) -> String {
        value.as_ref().map(|v| v.to_string()).unwrap_or_default()
    }

    fn next_link(&self, cursor: &str) -> String {
        format!("?cursor={}", crate::inventory::views::enc(cursor))
    }
}

#[derive(Debug, serde::Deserialize)]
struct AuditQuery {
    cursor: Option<String>,
}

async fn audit_page(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let page = PageRequest {
        limit: Some(100),
        cursor: query.cursor,
    };
    let entries = state.store.audit_entries(&page).await?;
    let page = AuditPage {
        chrome: Chrome::for_caller(&principal),
        entries: entries.items,
        next: entries.next_cursor,
    };
    let html = page
        .render()
        .map_err(|e| AppError::Internal(format!("cannot render page: {e}")))?;
    Ok(Html(html).into_response())
}
