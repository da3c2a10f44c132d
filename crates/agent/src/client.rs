//! The agent side of the agent protocol: enrollment, check-in and submission over HTTPS.
//!
//! After enrollment the per-host credential is kept in the state directory (mode 0600) and
//! sent as a bearer token. A document is submitted in two steps: a check-in with its section
//! digests, then only the sections the server says it needs. Errors keep the distinction the
//! run loop acts on: [`ClientError::Unreachable`] means "try again later";
//! [`ClientError::Rejected`] carries the server's status and error code.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use steward_api::agent::{
    CHECKIN_PATH, CheckinResponse, ENROLL_PATH, EnrollRequest, EnrollResponse, INVENTORY_PATH,
    InventoryDocument,
};
use steward_api::error::ErrorEnvelope;
use steward_core::inventory::HostFacts;

use crate::state::{self, StateError};

/// How long one request may take, from connecting to the end of the answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A failed exchange with the server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached or did not answer in time; worth retrying later.
    #[error("cannot reach {url}: {source}")]
    Unreachable {
        /// The URL requested.
        url: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// The server answered with an error.
    #[error("{url} answered {status}: {code}: {message}")]
    Rejected {
        /// The URL requested.
        url: String,
        /// HTTP status code.
        status: u16,
        /// The API's machine-readable error code (`unauthorized`, `invalid_request`, …).
        code: String,
        /// The API's message.
        message: String,
    },
    /// There is no credential, and no enrollment token to obtain one.
    #[error("not enrolled: no credential in {path} and no enrollment token given")]
    NotEnrolled {
        /// Where the credential was looked for.
        path: PathBuf,
    },
    /// The credential could not be read or stored.
    #[error(transparent)]
    Credential(#[from] StateError),
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot set up the HTTP client: {0}")]
    Setup(reqwest::Error),
}

impl ClientError {
    /// True when the server refused the credential: it was revoked, or the host deleted.
    pub fn is_revoked(&self) -> bool {
        matches!(self, ClientError::Rejected { status: 401, .. })
    }

    /// True when sending the same request later can succeed (server away, overloaded, busy).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } => true,
            ClientError::Rejected { status, .. } => *status >= 500 || [408, 429].contains(status),
            _ => false,
        }
    }
}

/// What the server did with a submitted document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The check-in alone completed it: nothing changed, or the server had it already.
    CheckinOnly,
    /// The sections the server asked for were sent and accepted.
    Sent {
        /// How many sections were sent.
        sections: usize,
    },
}

/// A connection to one Steward server on behalf of this host.
pub struct Client {
    http: reqwest::Client,
    server: String,
    state_dir: PathBuf,
    credential: Option<String>,
}

/// Installs the process-wide TLS provider; rustls refuses to build a client without one.
pub fn install_tls_provider() {
    // Another part of the program may have installed it already; either way one is in place.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    /// A client for `server` (e.g. `https://steward.example.org`), keeping its credential in
    /// `state_dir`.
    pub fn new(server: &str, state_dir: &Path) -> Result<Client, ClientError> {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("steward-agent/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Setup)?;
        Ok(Client {
            http,
            server: server.trim_end_matches('/').to_owned(),
            credential: state::read_credential(state_dir)?,
            state_dir: state_dir.to_owned(),
        })
    }

    /// Whether a credential is held.
    pub fn is_enrolled(&self) -> bool {
        self.credential.is_some()
    }

    /// Enrolls with `token` unless a credential is already held, and stores the credential.
    pub async fn ensure_enrolled(
        &mut self,
        token: Option<&str>,
        facts: &HostFacts,
    ) -> Result<(), ClientError> {
        if self.credential.is_some() {
            return Ok(());
        }
        let Some(token) = token else {
            return Err(ClientError::NotEnrolled {
                path: state::credential_path(&self.state_dir),
            });
        };
        let request = EnrollRequest {
            enrollment_token: token.to_owned(),
            facts: facts.clone(),
        };
        let response: EnrollResponse = self.post(ENROLL_PATH, &request, None).await?;
        state::write_credential(&self.state_dir, &response.credential)?;
        tracing::info!(host_id = response.host_id, "enrolled with the server");
        self.credential = Some(response.credential);
        Ok(())
    }

    /// Submits one document: check in with its digests, then send what the server needs.
    pub async fn submit(&self, document: &InventoryDocument) -> Result<Delivery, ClientError> {
        let credential = self
            .credential
            .as_deref()
            .ok_or_else(|| ClientError::NotEnrolled {
                path: state::credential_path(&self.state_dir),
            })?;
        let checkin: CheckinResponse = self
            .post(CHECKIN_PATH, &document.checkin(), Some(credential))
            .await?;
        if checkin.duplicate || checkin.needed.is_empty() {
            return Ok(Delivery::CheckinOnly);
        }
        let partial = document.only(&checkin.needed);
        let _: serde_json::Value = self
            .post(INVENTORY_PATH, &partial, Some(credential))
            .await?;
        Ok(Delivery::Sent {
            sections: checkin.needed.len(),
        })
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        credential: Option<&str>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.server);
        let mut request = self.http.post(&url).json(body);
        if let Some(credential) = credential {
            request = request.bearer_auth(credential);
        }
        let unreachable = |source| ClientError::Unreachable {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(unreachable);
        }
        let body = response.text().await.unwrap_or_default();
        let (code, message) = match serde_json::from_str::<ErrorEnvelope>(&body) {
            Ok(envelope) => (envelope.error.code, envelope.error.message),
            Err(_) => ("http_error".to_owned(), body.chars().take(200).collect()),
        };
        Err(ClientError::Rejected {
            url,
            status: status.as_u16(),
            code,
            message,
        })
    }
}
