//! The GLPI agent endpoint, `POST /glpi`, for an unmodified `glpi-agent` whose `server` is
//! set to `https://STEWARD/glpi`.
//!
//! The agent speaks its native JSON protocol: a `contact` message first, answered with the
//! tasks the server wants (`inventory`, served here) and how often to come back, then an
//! `inventory` (or `netinventory` for SNMP-read equipment) answered with a status. Bodies are
//! zlib (`application/x-compress-zlib`), gzip or plain JSON; replies go back the same way.
//! Errors are `{"status": "error", "message": …}` with a 4xx status, which the agent logs.
//! Authentication is HTTP basic with an enrollment token as the password, like the OCS
//! endpoint; a request without it is challenged.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use jiff::Timestamp;
use serde_json::json;
use steward_formats::glpi::{self, Action, Compression, GlpiError, Limits};
use steward_store::Actor;

use super::devices::{self, Refusal};
use super::glpi_import::{self, Imported};
use super::ocs::challenge;
use crate::access::table::{Access, Routes};
use crate::{AppError, AppState};

/// The path the agent's `server` setting points at.
pub const GLPI_PATH: &str = "/glpi";

/// How often the agent is told to come back, in hours.
const EXPIRATION_HOURS: u32 = 24;

/// The GLPI route.
pub fn routes() -> Routes {
    // Public to the access guard: the handler checks the enrollment token itself.
    Routes::new()
        .post(GLPI_PATH, Access::Public, receive)
        .layer_all(DefaultBodyLimit::max(Limits::DEFAULT.max_body))
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let token = match devices::authenticate(&state, &headers).await {
        Ok(token) => token,
        Err(Refusal::Challenge) => return challenge(),
        Err(Refusal::Error(err)) => return error_reply(&err),
    };
    let actor = Actor::Token(format!("enrollment-token-{}", token.id));
    match exchange(&state, &body, &actor).await {
        Ok((answer, compression)) => reply(&answer, compression),
        Err(err) => error_reply(&err),
    }
}

async fn exchange(
    state: &AppState,
    body: &[u8],
    actor: &Actor,
) -> Result<(serde_json::Value, Compression), AppError> {
    let (message, compression) = glpi::read_body(body, &Limits::DEFAULT).map_err(refused)?;
    let key = glpi_import::device_key(&message.device_id);
    devices::check_device(state, &key).await?;

    let answer = match message.action {
        Action::Contact => json!({
            "status": "ok",
            "expiration": EXPIRATION_HOURS,
            "tasks": {"inventory": {"server": "glpi", "version": env!("CARGO_PKG_VERSION")}},
        }),
        Action::Inventory => {
            let imported =
                glpi_import::import(state.store.as_ref(), message, actor, Timestamp::now()).await?;
            log(&key, &imported);
            json!({"status": "ok", "expiration": EXPIRATION_HOURS})
        }
        Action::Other(action) => {
            return Err(AppError::Invalid(format!(
                "action {action:?} is not served here; only contact, inventory and \
                 netinventory are"
            )));
        }
    };
    Ok((answer, compression))
}

fn log(device_key: &str, imported: &Imported) {
    match imported {
        Imported::Host {
            host_id, changes, ..
        } => tracing::info!(host_id, changes, %device_key, "GLPI inventory"),
        Imported::Asset {
            asset_id, action, ..
        } => tracing::info!(asset_id, action, %device_key, "GLPI asset inventory"),
    }
}

fn refused(err: GlpiError) -> AppError {
    match err {
        GlpiError::Limit { .. } => AppError::TooLarge(err.to_string()),
        _ => AppError::Invalid(err.to_string()),
    }
}

fn error_reply(err: &AppError) -> Response {
    let status = err.status();
    let message = if status.is_server_error() {
        tracing::error!(error = %err, "GLPI request failed");
        "internal error; the server log has the details".to_owned()
    } else {
        err.to_string()
    };
    let body = json!({"status": "error", "message": message});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn reply(answer: &serde_json::Value, compression: Compression) -> Response {
    let content_type = match compression {
        Compression::Zlib => "application/x-compress-zlib",
        Compression::Gzip => "application/x-compress-gzip",
        Compression::None => "application/json",
    };
    let body = steward_formats::ocs::deflate(answer.to_string().as_bytes(), compression);
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response()
}
