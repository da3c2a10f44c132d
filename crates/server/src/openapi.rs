//! The OpenAPI document of the REST API, served at `/api/v1/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::AppState;
use crate::inventory::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "Steward API", description = "Inventory, assessment and operations of a fleet."),
    paths(
        api::list_hosts, api::get_host, api::host_packages, api::host_updates, api::host_history,
        api::set_tags, api::revoke_host, api::list_software, api::software_versions,
        api::list_reviews, api::resolve_review,
    ),
    tags((name = "inventory", description = "Hosts, packages, updates, history and software"))
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(|| async { Json(openapi()) }))
}
