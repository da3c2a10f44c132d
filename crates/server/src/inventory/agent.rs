//! The agent endpoints: enrollment, check-in with section digests, and inventory submission.
//!
//! An agent authenticates with its per-host credential (`Authorization: Bearer …`); the
//! credential, not the document, decides which host a submission updates, so a host cannot
//! write over another by claiming its identifiers.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use bytes::Bytes;
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use steward_api::agent::{
    CHECKIN_PATH, CheckinRequest, CheckinResponse, ENROLL_PATH, EnrollRequest, EnrollResponse,
    INVENTORY_PATH, InventoryDocument, SubmitResponse,
};
use steward_store::InventoryUpdate;

use super::ingest;
use crate::access::table::{Access, Routes};
use crate::{AppError, AppState, secrets};

/// Largest accepted agent request body. A host with thousands of packages sends a few MiB.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// The agent routes.
pub fn routes() -> Routes {
    // Public to the access guard: each handler checks the agent's own credential.
    Routes::new()
        .post(ENROLL_PATH, Access::Public, enroll)
        .post(CHECKIN_PATH, Access::Public, checkin)
        .post(INVENTORY_PATH, Access::Public, submit)
        .layer_all(DefaultBodyLimit::max(MAX_BODY))
}

/// Parses a JSON body, naming the line and column of the first error.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|e| AppError::Invalid(format!("request body: {e}")))
}

/// The host a request's bearer credential belongs to.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<i64, AppError> {
    let token = bearer(headers)
        .ok_or_else(|| AppError::Unauthorized("an agent credential is required".into()))?;
    state
        .store
        .host_for_credential(&secrets::hash(token), Timestamp::now())
        .await?
        .ok_or_else(|| AppError::Unauthorized("unknown or revoked agent credential".into()))
}

/// The token of an `Authorization: Bearer …` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then_some(token)
}

async fn enroll(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<EnrollResponse>, AppError> {
    let request: EnrollRequest = parse_json(&body)?;
    let now = Timestamp::now();
    let token_hash = secrets::hash(&request.enrollment_token);
    if state
        .store
        .active_enrollment_token(&token_hash)
        .await?
        .is_none()
    {
        return Err(AppError::Unauthorized(
            "unknown or revoked enrollment token".into(),
        ));
    }

    let host_id = ingest::resolve_host(state.store.as_ref(), &request.facts, now).await?;
    let credential = secrets::generate(secrets::AGENT_PREFIX);
    state
        .store
        .create_agent_credential(host_id, &secrets::hash(&credential), now)
        .await?;
    tracing::info!(host_id, hostname = %request.facts.hostname, "agent enrolled");
    Ok(Json(EnrollResponse {
        host_id,
        credential,
    }))
}

async fn checkin(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CheckinResponse>, AppError> {
    let host_id = authenticate(&state, &headers).await?;
    let request: CheckinRequest = parse_json(&body)?;
    if state
        .store
        .document_seen(host_id, &request.document_id)
        .await?
    {
        return Ok(Json(CheckinResponse {
            needed: vec![],
            duplicate: true,
        }));
    }

    let stored = state.store.section_digests(host_id).await?;
    let needed: Vec<_> = request
        .digests
        .iter()
        .filter(|(section, digest)| stored.get(section) != Some(digest))
        .map(|(section, _)| *section)
        .collect();
    if needed.is_empty() {
        let update = InventoryUpdate {
            document_id: request.document_id,
            collected_at: request.collected_at,
            digests: request.digests,
            ..InventoryUpdate::default()
        };
        state
            .store
            .apply_inventory(host_id, &update, Timestamp::now())
            .await?;
    }
    metrics::counter!("steward_agent_checkins_total", "changed" => (!needed.is_empty()).to_string())
        .increment(1);
    Ok(Json(CheckinResponse {
        needed,
        duplicate: false,
    }))
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SubmitResponse>, AppError> {
    let host_id = authenticate(&state, &headers).await?;
    let document: InventoryDocument = parse_json(&body)?;
    let update = ingest::to_update(document)?;

    let outcome = state
        .store
        .apply_inventory(host_id, &update, Timestamp::now())
        .await?;
    metrics::counter!("steward_inventories_applied_total").increment(1);
    if !outcome.duplicate && (update.packages.is_some() || update.facts.is_some()) {
        let scope = crate::assessment::job::Scope::Hosts(vec![host_id]);
        crate::assessment::job::enqueue(state.store.as_ref(), &scope, Timestamp::now()).await?;
    }
    tracing::info!(
        host_id,
        changes = outcome.changes,
        duplicate = outcome.duplicate,
        "inventory"
    );
    Ok(Json(SubmitResponse {
        host_id,
        changes: outcome.changes,
        duplicate: outcome.duplicate,
    }))
}
