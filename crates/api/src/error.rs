//! The one error envelope of the REST API: a stable machine code and a human message.

use serde::{Deserialize, Serialize};

/// `{"error": {"code": "...", "message": "..."}}`
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// The body of an error.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not_found`, `invalid_request`, `unauthorized`.
    pub code: String,
    /// Human-readable message; never contains internals for server errors.
    pub message: String,
}
