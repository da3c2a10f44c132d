//! The OCS Inventory-compatible endpoint, `POST /ocsinventory`, for unmodified
//! `ocsinventory-agent` and `fusioninventory-agent`.
//!
//! The exchange: the agent sends a `PROLOG` naming its device id; the server answers `SEND`
//! (and how often, in hours, to come back); the agent then sends its `INVENTORY`, which is
//! mapped by `steward_formats::ocs` and applied like any other report (see [`devices`]).
//! Bodies are raw zlib (sometimes gzip or plain XML) and replies go back the same way, since
//! the OCS agent only reads zlib. Authentication is HTTP basic with an enrollment token as the
//! password; a request without it is challenged for the realm [`devices::REALM`].

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use steward_api::agent::AgentInfo;
use steward_core::inventory::{Inventory, Section};
use steward_formats::ocs::{self, Compression, Limits, OcsError, Query};

use super::devices::{self, Refusal, Report};
use crate::access::table::{Access, Routes};
use crate::{AppError, AppState};

/// The path both agents use by default.
pub const OCS_PATH: &str = "/ocsinventory";

/// How often the agents are told to come back, in hours.
const PROLOG_FREQ_HOURS: u32 = 24;

/// The OCS route.
pub fn routes() -> Routes {
    // Public to the access guard: the handler checks the enrollment token itself.
    Routes::new()
        .post(OCS_PATH, Access::Public, receive)
        .layer_all(DefaultBodyLimit::max(Limits::DEFAULT.max_body))
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match devices::authenticate(&state, &headers).await {
        Ok(_) => {}
        Err(Refusal::Challenge) => return challenge(),
        Err(Refusal::Error(err)) => return err.into_response(),
    }
    match exchange(&state, &body).await {
        Ok((xml, compression)) => reply(&xml, compression),
        Err(err) => err.into_response(),
    }
}

async fn exchange(state: &AppState, body: &[u8]) -> Result<(String, Compression), AppError> {
    let limits = Limits::DEFAULT;
    let (xml, compression) = ocs::inflate(body, &limits).map_err(refused)?;
    let request = ocs::parse_request(&xml, &limits).map_err(refused)?;
    let device_key = format!("ocs:{}", request.device_id);
    devices::check_device(state, &device_key).await?;

    let answer = match request.query {
        Query::Prolog => format!(
            "<REPLY><RESPONSE>SEND</RESPONSE><PROLOG_FREQ>{PROLOG_FREQ_HOURS}</PROLOG_FREQ></REPLY>"
        ),
        Query::Inventory => {
            let content = request
                .content
                .as_ref()
                .ok_or_else(|| AppError::Invalid("INVENTORY request has no <CONTENT>".into()))?;
            inventory(state, device_key, content).await?;
            "<REPLY><RESPONSE>no_account_update</RESPONSE></REPLY>".to_owned()
        }
        Query::Other(query) => {
            tracing::debug!(%query, "OCS query not served");
            "<REPLY><RESPONSE>no_update</RESPONSE></REPLY>".to_owned()
        }
    };
    Ok((
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{answer}\n"),
        compression,
    ))
}

async fn inventory(
    state: &AppState,
    device_key: String,
    content: &ocs::Element,
) -> Result<(), AppError> {
    let mapped = ocs::map_inventory(content);
    if mapped.facts.hostname.trim().is_empty() {
        return Err(AppError::Invalid(
            "inventory has no HARDWARE/NAME (host name)".into(),
        ));
    }
    let agent = AgentInfo {
        name: content
            .text_of("VERSIONCLIENT")
            .unwrap_or("ocs-agent")
            .chars()
            .take(100)
            .collect(),
        version: String::new(),
    };
    let hostname = mapped.facts.hostname.clone();
    let report = Report {
        device_key,
        agent,
        inventory: Inventory {
            facts: mapped.facts,
            packages: mapped.packages,
            sources: mapped.sources,
            ..Inventory::default()
        },
        sections: vec![Section::Facts, Section::Packages],
    };
    let applied = devices::apply(state, report).await?;
    tracing::info!(
        host_id = applied.host_id,
        %hostname,
        changes = applied.changes,
        skipped_software = mapped.skipped_software,
        "OCS inventory"
    );
    Ok(())
}

fn refused(err: OcsError) -> AppError {
    match err {
        OcsError::Limit { .. } => AppError::TooLarge(err.to_string()),
        _ => AppError::Invalid(err.to_string()),
    }
}

pub(crate) fn challenge() -> Response {
    let mut response = AppError::Unauthorized(
        "basic authentication with an enrollment token as the password is required".into(),
    )
    .into_response();
    let value = format!("Basic realm=\"{}\"", devices::REALM);
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn reply(xml: &str, compression: Compression) -> Response {
    let content_type = match compression {
        Compression::Zlib => "application/x-compress-zlib",
        Compression::Gzip => "application/x-compress-gzip",
        Compression::None => "application/xml",
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        ocs::deflate(xml.as_bytes(), compression),
    )
        .into_response()
}
