//! Steward's HTTP server: the agent endpoints, the REST API under `/api/v1`, the web UI and
//! the operational endpoints (`/healthz`, `/metrics`).
//!
//! The server keeps no state outside the store, so several processes can share one database.
//! Modules follow the process steps: `inventory` takes agents' documents and shows hosts and
//! software; `ops` serves health and metrics and writes the access log.

mod error;
pub mod inventory;
mod openapi;
mod ops;
pub mod secrets;
mod state;

use std::sync::Arc;

use axum::Router;
use steward_store::Store;
use tokio::net::TcpListener;

pub use error::AppError;
pub use openapi::openapi;
pub use state::AppState;

/// Builds the whole application: every route with its middleware.
pub fn app(store: Arc<dyn Store>) -> Router {
    let state = AppState::new(store);
    Router::new()
        .merge(inventory::agent::routes())
        .merge(inventory::api::routes())
        .merge(inventory::views::routes())
        .merge(openapi::routes())
        .merge(ops::routes())
        .layer(axum::middleware::from_fn(ops::access_log))
        .with_state(state)
}

/// Serves the application on a bound listener until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(store))
        .with_graceful_shutdown(shutdown)
        .await
}
