//! Steward's HTTP server: the agent endpoints, the REST API under `/api/v1`, the web UI and
//! the operational endpoints (`/healthz`, `/metrics`).
//!
//! The server keeps no state outside the store, so several processes can share one database.
//! Modules follow the process steps: `inventory` takes agents' documents and shows hosts and
//! software; `access` holds users, sessions, tokens and the table of who may call which route;
//! `compliance` shows the audit log; `ops` serves health and metrics and writes the access
//! log; `safety` adds the security headers and refuses NUL characters at input; `tls` serves
//! over HTTPS.
//! Every route is declared with its access rule and passes the access guard.

pub mod access;
pub mod assessment;
pub mod assets;
mod chrome;
pub mod compliance;
mod error;
pub mod export;
pub mod inventory;
mod openapi;
mod ops;
pub mod safety;
pub mod secrets;
mod state;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use steward_store::Store;
use tokio::net::TcpListener;

pub use access::RouteRule;
use access::table::Routes;
pub use error::AppError;
pub use openapi::openapi;
pub use state::{AppState, Settings};

/// Every route with its access rule, before state and middleware.
fn routes() -> Routes {
    Routes::new()
        .merge(inventory::agent::routes())
        .merge(inventory::ocs::routes())
        .merge(inventory::glpi::routes())
        .merge(inventory::api::routes())
        .merge(inventory::views::routes())
        .merge(access::sessions::routes())
        .merge(access::second_factor::routes())
        .merge(access::admin::routes())
        .merge(access::api::routes())
        .merge(compliance::routes())
        .merge(assessment::api::routes())
        .merge(assessment::views::routes())
        .merge(assets::api::routes())
        .merge(assets::views::routes())
        .merge(openapi::routes())
        .merge(ops::routes())
}

/// The access rule of every route the application serves.
pub fn route_rules() -> Vec<RouteRule> {
    routes().into_parts().1
}

/// Builds the whole application: every route behind the access guard, with the access log.
pub fn app(store: Arc<dyn Store>, settings: Settings) -> Router {
    let (router, rules) = routes().into_parts();
    let state = AppState::new(store, settings, rules);
    let guard = axum::middleware::from_fn_with_state(state.clone(), access::guard::guard);
    router
        .route_layer(axum::middleware::from_fn(safety::refuse_nul))
        .route_layer(guard)
        .layer(axum::middleware::from_fn(safety::security_headers))
        .layer(axum::middleware::from_fn(ops::access_log))
        .with_state(state)
}

/// Serves the application on a bound listener until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let worker = format!("server-{}", std::process::id());
    let jobs = assessment::worker::spawn(store.clone(), worker);
    let app = app(store, settings).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    jobs.abort();
    Ok(())
}

/// Serves the application over TLS on a bound listener until `shutdown` resolves. Session
/// cookies are marked `Secure` whatever the settings say, and every response carries
/// `Strict-Transport-Security`.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    store: Arc<dyn Store>,
    mut settings: Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;

    settings.secure_cookies = true;
    let listener = tls::TlsListener::new(listener, tls)?.tap_io(|_| {});
    let app = app(store, settings)
        .layer(axum::middleware::from_fn(safety::strict_transport_security))
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
