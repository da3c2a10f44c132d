//! The OpenAPI document of the REST API, served at `/api/v1/openapi.json`, with the API token
//! and session security schemes.

use axum::Json;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

use crate::access::guard::SESSION_COOKIE;
use crate::access::table::{Access, Routes};
use crate::inventory::api;
use crate::{access, assessment, assets, compliance};

#[derive(OpenApi)]
#[openapi(
    info(title = "Steward API", description = "Inventory, assessment and operations of a fleet."),
    paths(
        api::list_hosts, api::export_hosts, api::get_host, api::host_packages,
        api::export_host_packages, api::host_updates, api::host_history,
        api::set_tags, api::revoke_host, api::list_software, api::software_versions,
        api::list_reviews, api::resolve_review,
        access::api::me, access::api::list_users, access::api::create_user,
        access::api::update_user, access::api::reset_password, access::api::list_tokens,
        access::api::create_token, access::api::revoke_token,
        access::api::list_enrollment_tokens, access::api::create_enrollment_token,
        access::api::revoke_enrollment_token, access::second_factor::remove_api,
        compliance::list_audit, compliance::verify_audit,
        assessment::api::list_findings, assessment::api::export_findings,
        assessment::api::get_finding,
        assessment::api::record_verdict, assessment::api::get_advisory,
        assessment::api::host_lifecycle, assessment::api::forecast, assessment::api::list_feeds,
        assets::api::import_application, assets::api::list_applications,
        assets::api::get_application, assets::api::application_history,
        assets::api::application_sbom, assets::api::application_findings,
        assets::api::host_sbom, assets::api::list_assets,
        assets::api::get_asset, assets::api::export_assets, assets::api::import_assets,
    ),
    modifiers(&Security),
    tags(
        (name = "inventory", description = "Hosts, packages, updates, history and software"),
        (name = "access", description = "The caller, users, API tokens and enrollment tokens"),
        (name = "compliance", description = "The hash-chained audit log"),
        (name = "assessment", description = "Findings, verdicts, advisories, lifecycle and feeds"),
        (name = "assets", description = "Applications from SBOMs and lockfiles, other assets, CSV"),
    )
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub(crate) fn routes() -> Routes {
    Routes::new().get("/api/v1/openapi.json", Access::Public, || async {
        Json(openapi())
    })
}

/// Declares the bearer scheme (API tokens) and the session cookie, and requires one of them
/// everywhere except on the endpoints that anyone may call.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("stw_api_…")
            .description(Some(
                "An API token from `steward token create` or POST /api/v1/tokens",
            ))
            .build();
        components.add_security_scheme("api_token", SecurityScheme::Http(bearer));
        let cookie = ApiKey::Cookie(ApiKeyValue::with_description(
            SESSION_COOKIE,
            "The web UI's session; changing requests also need the X-CSRF-Token header",
        ));
        components.add_security_scheme("session", SecurityScheme::ApiKey(cookie));
        openapi.security = Some(vec![
            SecurityRequirement::new("api_token", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}
