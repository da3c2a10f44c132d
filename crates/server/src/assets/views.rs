//! The web UI's application and asset pages: lists and detail pages. Every value shown came
//! from an uploaded document or spreadsheet and is escaped by the templates.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use steward_api::assets::{
    ApplicationDetail, ApplicationEvent, ApplicationFinding, ApplicationSummary, Asset,
};
use steward_core::inventory::{AssetKind, ComponentScope};

use crate::access::Principal;
use crate::access::table::{Access, Permission, Routes};
use crate::chrome::Chrome;
use crate::{AppError, AppState};

/// The application and asset pages.
pub fn routes() -> Routes {
    let read = Access::Requires(Permission::ReadInventory);
    Routes::new()
        .get("/applications", read, applications_page)
        .get("/applications/{id}", read, application_page)
        .get("/assets", read, assets_page)
        .get("/assets/{id}", read, asset_page)
}

fn render(template: &impl Template) -> Result<Response, AppError> {
    template
        .render()
        .map(|html| Html(html).into_response())
        .map_err(|e| AppError::Internal(format!("cannot render page: {e}")))
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ApplicationsPage {
    chrome: Chrome,
    applications: Vec<ApplicationSummary>,
}

async fn applications_page(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, AppError> {
    render(&ApplicationsPage {
        chrome: Chrome::for_caller(&principal),
        applications: state.store.applications().await?,
    })
}

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    chrome: Chrome,
    app: ApplicationDetail,
    findings: Vec<ApplicationFinding>,
    history: Vec<ApplicationEvent>,
}

impl ApplicationPage {
    fn scope(scope: &ComponentScope) -> &'static str {
        match scope {
            ComponentScope::Required => "required",
            ComponentScope::Optional => "optional",
            ComponentScope::Development => "development",
            ComponentScope::Excluded => "excluded",
        }
    }
}

async fn application_page(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let app = state
        .store
        .application(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no application with id {id}")))?;
    let findings = super::assessment::application_findings(state.store.as_ref(), id)
        .await?
        .unwrap_or_default();
    render(&ApplicationPage {
        chrome: Chrome::for_caller(&principal),
        app,
        findings,
        history: state.store.application_history(id, 100).await?,
    })
}

#[derive(Debug, Deserialize)]
struct AssetsQuery {
    kind: Option<String>,
}

#[derive(Template)]
#[template(path = "assets.html")]
struct AssetsPage {
    chrome: Chrome,
    kind: Option<AssetKind>,
    kinds: [AssetKind; 5],
    assets: Vec<Asset>,
}

impl AssetsPage {
    fn selected(&self, kind: &AssetKind) -> bool {
        self.kind == Some(*kind)
    }
}

async fn assets_page(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<AssetsQuery>,
) -> Result<Response, AppError> {
    let kind = super::api::parse_kind(query.kind.as_deref())?;
    render(&AssetsPage {
        chrome: Chrome::for_caller(&principal),
        kind,
        kinds: AssetKind::ALL,
        assets: state.store.assets(kind).await?,
    })
}

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetPage {
    chrome: Chrome,
    asset: Asset,
}

async fn asset_page(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let asset = state
        .store
        .asset(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no asset with id {id}")))?;
    render(&AssetPage {
        chrome: Chrome::for_caller(&principal),
        asset,
    })
}

/// An optional text as shown: the text or a dash.
pub(crate) fn or_dash(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("—")
}
