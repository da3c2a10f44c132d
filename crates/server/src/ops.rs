//! Operations: the health endpoint, Prometheus metrics and the access log.
//!
//! Every request gets one access-log event with a request id, its method, route, status and
//! duration; the same figures feed the `steward_http_*` metrics.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde_json::json;

use crate::AppState;
use crate::access::table::{Access, Routes};

pub(crate) fn routes() -> Routes {
    Routes::new().get("/healthz", Access::Public, health).get(
        "/metrics",
        Access::Public,
        metrics_page,
    )
}

/// The process-wide metrics recorder, installed on first use.
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: store unreachable");
            let body = Json(json!({"status": "unavailable", "store": "unreachable"}));
            (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
        }
    }
}

async fn metrics_page(State(state): State<AppState>) -> Response {
    let Some(handle) = recorder() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable\n",
        )
            .into_response();
    };
    if let Ok(hosts) = state.store.host_count().await {
        metrics::gauge!("steward_hosts").set(hosts as f64);
    }
    let headers = [("content-type", "text/plain; version=0.0.4")];
    (headers, handle.render()).into_response()
}

/// Writes one access-log event per request and records request metrics.
pub(crate) async fn access_log(request: Request, next: Next) -> Response {
    recorder();
    let started = Instant::now();
    let request_id = uuid::Uuid::now_v7().to_string();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let path = request.uri().path().to_owned();

    let mut response = next.run(request).await;

    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    tracing::info!(
        target: "steward::access",
        request_id = %request_id, method = %method, path = %path, route = %route,
        status, duration_ms = elapsed.as_secs_f64() * 1000.0,
        "{method} {path} {status}"
    );
    let labels = [
        ("method", method.to_string()),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("steward_http_requests_total", &labels).increment(1);
    metrics::histogram!("steward_http_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
