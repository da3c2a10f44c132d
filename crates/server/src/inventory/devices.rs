//! Third-party agents (OCS Inventory, FusionInventory, GLPI): authentication by enrollment
//! token, the device a report comes from, and applying its inventory.
//!
//! These agents send HTTP basic authentication on every request: the user name is free and the
//! password is an enrollment token. They have no per-host credential, so each device id is
//! bound to the host its first report resolves to (see `steward_store::DeviceStore`); later
//! reports from that device go to that host. A device or host whose agent access was revoked
//! is refused with 403, before anything is written.

use axum::http::HeaderMap;
use base64::Engine;
use jiff::Timestamp;
use steward_api::agent::{AgentInfo, InventoryDocument};
use steward_core::inventory::{HostFacts, Inventory, Section};
use steward_store::{EnrollmentToken, Store};

use super::ingest;
use crate::{AppError, AppState, secrets};

/// The realm named in `WWW-Authenticate`; `ocsinventory-agent` must be given the same with
/// `--realm` (it only answers a challenge for the realm it was configured with).
pub const REALM: &str = "Steward";

/// Why a third-party request was refused before its content was read.
#[derive(Debug)]
pub enum Refusal {
    /// No basic credentials: the client is challenged.
    Challenge,
    /// Any other error.
    Error(AppError),
}

impl From<AppError> for Refusal {
    fn from(err: AppError) -> Self {
        Refusal::Error(err)
    }
}

impl From<steward_store::StoreError> for Refusal {
    fn from(err: steward_store::StoreError) -> Self {
        Refusal::Error(err.into())
    }
}

/// Checks the basic-auth password is a live enrollment token, and returns the token.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<EnrollmentToken, Refusal> {
    let Some(password) = basic_password(headers) else {
        return Err(Refusal::Challenge);
    };
    let live = state
        .store
        .active_enrollment_token(&secrets::hash(&password))
        .await?;
    live.ok_or_else(|| {
        Refusal::Error(AppError::Unauthorized(
            "the password is not a live enrollment token".into(),
        ))
    })
}

/// The password of an `Authorization: Basic …` header.
fn basic_password(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = value.strip_prefix("Basic ")?.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (_, password) = decoded.split_once(':')?;
    (!password.is_empty()).then(|| password.to_owned())
}

/// Refuses a device whose agent access was revoked (by its binding or its host).
pub async fn check_device(state: &AppState, device_key: &str) -> Result<(), AppError> {
    if let Some(binding) = state.store.device_binding(device_key).await?
        && (binding.revoked || state.store.host_agents_revoked(binding.host_id).await?)
    {
        return Err(revoked(binding.host_id));
    }
    Ok(())
}

fn revoked(host_id: i64) -> AppError {
    AppError::Forbidden(format!(
        "agent access to host {host_id} was revoked; this device may not report"
    ))
}

/// The sections a third-party report carries.
pub struct Report {
    /// The device key: agent kind and the agent's own device id.
    pub device_key: String,
    /// The reporting program.
    pub agent: AgentInfo,
    /// The inventory; only `sections` of it are applied.
    pub inventory: Inventory,
    /// The sections the report carries; the others stay as stored.
    pub sections: Vec<Section>,
}

/// What applying a report did.
pub struct Applied {
    /// The host.
    pub host_id: i64,
    /// History entries written.
    pub changes: usize,
}

/// Finds (or binds) the device's host and applies the report's sections through the same
/// checks, diffing and history as Steward's own agent.
pub async fn apply(state: &AppState, report: Report) -> Result<Applied, AppError> {
    let now = Timestamp::now();
    let store = state.store.as_ref();
    let host_id = host_of_device(store, &report.device_key, &report.inventory.facts, now).await?;
    apply_to_host(store, host_id, report, now).await
}

/// The host a device reports for: the one it is bound to, else the one its facts resolve to
/// (created if none), which it is then bound to. A revoked device or host is refused.
pub async fn host_of_device(
    store: &dyn Store,
    device_key: &str,
    facts: &HostFacts,
    now: Timestamp,
) -> Result<i64, AppError> {
    let host_id = match store.device_binding(device_key).await? {
        Some(binding) if binding.revoked => return Err(revoked(binding.host_id)),
        Some(binding) => binding.host_id,
        None => ingest::resolve_host(store, facts, now).await?,
    };
    if store.host_agents_revoked(host_id).await? {
        return Err(revoked(host_id));
    }
    store.bind_device(host_id, device_key, now).await?;
    Ok(host_id)
}

/// Applies the report's sections to `host_id` and queues an assessment of the host when
/// anything was applied, as a submission from Steward's own agent does.
pub async fn apply_to_host(
    store: &dyn Store,
    host_id: i64,
    report: Report,
    now: Timestamp,
) -> Result<Applied, AppError> {
    let document = InventoryDocument::complete(
        uuid::Uuid::now_v7().to_string(),
        now,
        report.agent,
        report.inventory,
    );
    let mut document = document.only(&report.sections);
    document
        .digests
        .retain(|section, _| report.sections.contains(section));
    let update = ingest::to_update(document)?;
    let outcome = store.apply_inventory(host_id, &update, now).await?;
    metrics::counter!("steward_inventories_applied_total").increment(1);
    if !outcome.duplicate && !report.sections.is_empty() {
        let scope = crate::assessment::job::Scope::Hosts(vec![host_id]);
        crate::assessment::job::enqueue(store, &scope, now).await?;
    }
    Ok(Applied {
        host_id,
        changes: outcome.changes,
    })
}
