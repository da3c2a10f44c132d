//! The one error type at the HTTP edge and its one mapping to status codes and the JSON
//! error envelope. Server errors are logged here, once, and their details never reach the
//! client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use steward_api::error::{ErrorBody, ErrorEnvelope};
use steward_store::StoreError;

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed or its content is invalid.
    #[error("{0}")]
    Invalid(String),
    /// No credentials, or credentials that are unknown or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller's role may not do this, or a form's CSRF token is wrong.
    #[error("{0}")]
    Forbidden(String),
    /// The request goes past a size, depth or count bound.
    #[error("{0}")]
    TooLarge(String),
    /// The resource does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Something failed inside the server; the message is logged, never sent.
    #[error("{0}")]
    Internal(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            AppError::Store(StoreError::Conflict(_)) => (StatusCode::CONFLICT, "conflict"),
            AppError::NotFound(_) | AppError::Store(StoreError::UnknownHost(_)) => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            AppError::Store(StoreError::InvalidCursor(_)) => {
                (StatusCode::BAD_REQUEST, "invalid_cursor")
            }
            AppError::Internal(_) | AppError::Store(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "internal error; the server log has the details".to_owned()
        } else {
            self.to_string()
        };
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: code.to_owned(),
                message,
            },
        };
        (status, Json(body)).into_response()
    }
}
