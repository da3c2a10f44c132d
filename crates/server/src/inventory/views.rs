//! The inventory pages of the web UI: host list, host page, software list and software page,
//! and the identity review list.
//!
//! Pages are rendered on the server from compiled templates; every value that came from an
//! agent is escaped by the template engine, and values placed in URLs are percent-encoded.
//! Every form carries the session's CSRF token, which the access guard checks.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Deserialize;
use steward_api::assessment::HostLifecycle;
use steward_api::resources::{
    HistoryEntry, Host, HostFilter, HostPackage, HostSummary, HostUpdate, IdentityReview,
    PackageFilter, PageRequest, SoftwareFilter, SoftwareSummary, SoftwareVersion,
};
use steward_core::inventory::SourceStatus;
use steward_core::inventory::diff::Change;

use super::api::validate_tags;
use crate::access::Principal;
use crate::access::table::{Access, Permission, Routes};
use crate::chrome::Chrome;
use crate::{AppError, AppState};

/// The inventory page routes.
pub fn routes() -> Routes {
    let read = Access::Requires(Permission::ReadInventory);
    let change = Access::Requires(Permission::ChangeInventory);
    Routes::new()
        .get("/", Access::Requires(Permission::Account), home)
        .get("/hosts", read, hosts_page)
        .get("/hosts/{id}", read, host_page)
        .post("/hosts/{id}/tags", change, tags_form)
        .get("/software", read, software_page)
        .get("/software/{ecosystem}/{name}", read, software_detail_page)
        .get("/reviews", read, reviews_page)
        .post("/reviews/{id}", change, review_form)
        .get("/static/steward.css", Access::Public, stylesheet)
}

/// The start page: the host list for those who may read it, the account page for others.
async fn home(principal: Principal) -> Redirect {
    match principal.may(Permission::ReadInventory) {
        true => Redirect::to("/hosts"),
        false => Redirect::to("/account"),
    }
}

async fn stylesheet() -> Response {
    let css = include_str!("../../static/steward.css");
    (
        [
            ("content-type", "text/css; charset=utf-8"),
            ("cache-control", "max-age=3600"),
        ],
        css,
    )
        .into_response()
}

fn render(template: &impl Template) -> Result<Response, AppError> {
    template
        .render()
        .map(|html| Html(html).into_response())
        .map_err(|e| AppError::Internal(format!("cannot render page: {e}")))
}

/// Percent-encodes a value for a URL path segment or query value.
pub(crate) fn enc(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A plain value behind however many references the template engine adds.
pub(crate) trait Plain<T> {
    /// The value.
    fn plain(self) -> T;
}

macro_rules! plain_through_refs {
    ($($t:ty),*) => {$(
        impl Plain<$t> for $t { fn plain(self) -> $t { self } }
        impl Plain<$t> for &$t { fn plain(self) -> $t { *self } }
        impl Plain<$t> for &&$t { fn plain(self) -> $t { **self } }
        impl Plain<$t> for &&&$t { fn plain(self) -> $t { ***self } }
    )*};
}
plain_through_refs!(u64, Timestamp, SourceStatus);

/// A timestamp as the UI shows it: UTC to the minute.
pub(crate) fn when(at: impl Plain<Timestamp>) -> String {
    at.plain().strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A byte count in binary units.
pub(crate) fn bytes(n: impl Plain<u64>) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let n = n.plain();
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[derive(Template)]
#[template(path = "hosts.html")]
struct HostsPage {
    chrome: Chrome,
    filter: HostFilter,
    hosts: Vec<HostSummary>,
    next: Option<String>,
    os_facets: Vec<(String, String, i64)>,
    tag_facets: Vec<(String, i64)>,
}

impl HostsPage {
    /// The filter as query parameters, without the leading `?`.
    fn filter_query(&self) -> String {
        let f = &self.filter;
        let mut pairs = Vec::new();
        for (key, value) in [("q", &f.q), ("os", &f.os), ("tag", &f.tag)] {
            if let Some(v) = value {
                pairs.push(format!("{key}={}", enc(v)));
            }
        }
        if let Some(h) = f.seen_within_hours {
            pairs.push(format!("seen_within_hours={h}"));
        }
        if let Some(h) = f.not_seen_for_hours {
            pairs.push(format!("not_seen_for_hours={h}"));
        }
        pairs.join("&")
    }

    fn next_link(&self, cursor: &str) -> String {
        let filter = self.filter_query();
        let and = if filter.is_empty() { "" } else { "&" };
        format!("?cursor={}{and}{filter}", enc(cursor))
    }

    /// The CSV export of the hosts this filter selects.
    fn export_link(&self) -> String {
        format!("/api/v1/hosts/export?{}", self.filter_query())
    }

    fn selected_os(&self, os: &str, version: &str) -> bool {
        self.filter.os.as_deref() == Some(&format!("{os}:{version}"))
    }

    fn seen(&self) -> String {
        match (
            self.filter.seen_within_hours,
            self.filter.not_seen_for_hours,
        ) {
            (Some(h), _) => format!("within:{h}"),
            (None, Some(h)) => format!("stale:{h}"),
            _ => String::new(),
        }
    }
}

/// The host list's query string: the API's filter plus the UI's one "last seen" selector.
#[derive(Debug, Deserialize)]
struct HostsQuery {
    q: Option<String>,
    os: Option<String>,
    tag: Option<String>,
    seen: Option<String>,
    seen_within_hours: Option<u32>,
    not_seen_for_hours: Option<u32>,
    cursor: Option<String>,
}

impl HostsQuery {
    fn filter(&self) -> HostFilter {
        let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let seen = self.seen.as_deref().unwrap_or("");
        let hours = |prefix: &str| seen.strip_prefix(prefix).and_then(|h| h.parse().ok());
        HostFilter {
            q: non_empty(&self.q),
            os: non_empty(&self.os),
            tag: non_empty(&self.tag),
            seen_within_hours: self.seen_within_hours.or_else(|| hours("within:")),
            not_seen_for_hours: self.not_seen_for_hours.or_else(|| hours("stale:")),
        }
    }
}

async fn hosts_page(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<HostsQuery>,
) -> Result<Response, AppError> {
    let filter = query.filter();
    let page = PageRequest {
        limit: Some(100),
        cursor: query.cursor.clone(),
    };
    let hosts = state
        .store
        .list_hosts(&filter, &page, Timestamp::now())
        .await?;
    let os_facets = state.store.os_facets().await?;
    let tag_facets = state.store.tag_facets().await?;
    render(&HostsPage {
        chrome: Chrome::for_caller(&principal),
        filter,
        hosts: hosts.items,
        next: hosts.next_cursor,
        os_facets,
        tag_facets,
    })
}

#[derive(Template)]
#[template(path = "host.html")]
struct HostPage {
    chrome: Chrome,
    host: Host,
    packages: Vec<HostPackage>,
    packages_next: Option<String>,
    package_query: String,
    updates: Vec<HostUpdate>,
    history: Vec<HistoryEntry>,
    history_next: Option<String>,
    assessment: Option<HostAssessment>,
}

/// What the assessment says about a host, for callers who may read it.
struct HostAssessment {
    lifecycle: Vec<HostLifecycle>,
    /// Open findings per priority level, `P1` first.
    open_findings: Vec<(String, i64)>,
}

impl HostAssessment {
    async fn load(state: &AppState, host: i64) -> Result<HostAssessment, AppError> {
        let lifecycle = state.store.host_lifecycle(host).await?;
        let open_findings = state
            .store
            .open_finding_counts(Some(host))
            .await?
            .into_iter()
            .map(|(_, priority, n)| (priority, n))
            .collect();
        Ok(HostAssessment {
            lifecycle,
            open_findings,
        })
    }

    fn open_total(&self) -> i64 {
        self.open_findings.iter().map(|(_, n)| n).sum()
    }

    /// The operating system's lifecycle entry, when the assessment mapped it.
    fn operating_system(&self) -> Option<&HostLifecycle> {
        self.lifecycle.iter().find(|l| l.operating_system)
    }
}

impl HostPage {
    fn packages_link(&self, cursor: &str) -> String {
        format!(
            "?pkg_q={}&pkg_cursor={}#packages",
            enc(&self.package_query),
            enc(cursor)
        )
    }

    fn history_link(&self, cursor: &str) -> String {
        format!("?history_cursor={}#history", enc(cursor))
    }

    fn manual_tags(&self) -> String {
        self.host.manual_tags.join(", ")
    }
}

/// One history entry as the UI shows it: a verb, a subject and a detail.
pub(crate) fn describe(change: &Change) -> (&'static str, String, String) {
    match change {
        Change::PackageAdded {
            name,
            arch,
            version,
            ..
        } => ("added", package_label(name, arch), version.clone()),
        Change::PackageRemoved {
            name,
            arch,
            version,
            ..
        } => ("removed", package_label(name, arch), version.clone()),
        Change::PackageUpgraded {
            name,
            arch,
            from,
            to,
            ..
        } => (
            "upgraded",
            package_label(name, arch),
            format!("{from} → {to}"),
        ),
        Change::PackageDowngraded {
            name,
            arch,
            from,
            to,
            ..
        } => (
            "downgraded",
            package_label(name, arch),
            format!("{from} → {to}"),
        ),
        Change::FactChanged { field, from, to } => {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
            (
                "fact changed",
                field.clone(),
                format!("{} → {}", show(from), show(to)),
            )
        }
    }
}

/// How the UI names a source's outcome.
pub(crate) fn source_status(status: impl Plain<SourceStatus>) -> &'static str {
    match status.plain() {
        SourceStatus::Ok => "read",
        SourceStatus::Absent => "not present",
        SourceStatus::Unreadable => "UNREADABLE",
    }
}

fn package_label(name: &str, arch: &str) -> String {
    if arch.is_empty() {
        name.to_owned()
    } else {
        format!("{name}:{arch}")
    }
}

#[derive(Debug, Deserialize)]
struct HostQuery {
    pkg_q: Option<String>,
    pkg_cursor: Option<String>,
    history_cursor: Option<String>,
}

async fn host_page(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    Query(query): Query<HostQuery>,
) -> Result<Response, AppError> {
    let store = &state.store;
    let host = store
        .host(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no host {id}")))?;
    let package_query = query.pkg_q.clone().unwrap_or_default();
    let filter = PackageFilter {
        q: Some(package_query.clone()).filter(|q| !q.is_empty()),
        ecosystem: None,
    };
    let packages_page = PageRequest {
        limit: Some(200),
        cursor: query.pkg_cursor,
    };
    let packages = store.host_packages(id, &filter, &packages_page).await?;
    let updates = store.host_updates(id).await?;
    let history_page = PageRequest {
        limit: Some(100),
        cursor: query.history_cursor,
    };
    let history = store.host_history(id, &history_page).await?;
    let assessment = match principal.may(Permission::ReadAssessment) {
        true => Some(HostAssessment::load(&state, id).await?),
        false => None,
    };

    render(&HostPage {
        chrome: Chrome::for_caller(&principal),
        host,
        packages: packages.items,
        packages_next: packages.next_cursor,
        package_query,
        updates,
        history: history.items,
        history_next: history.next_cursor,
        assessment,
    })
}

#[derive(Debug, Deserialize)]
struct TagsForm {
    tags: String,
}

async fn tags_form(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    Form(form): Form<TagsForm>,
) -> Result<Response, AppError> {
    let tags: Vec<String> = form
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let tags = validate_tags(&tags)?;
    if !state
        .store
        .set_manual_tags(id, &tags, &principal.actor(), Timestamp::now())
        .await?
    {
        return Err(AppError::NotFound(format!("no host {id}")));
    }
    Ok(Redirect::to(&format!("/hosts/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "software.html")]
struct SoftwarePage {
    chrome: Chrome,
    filter: SoftwareFilter,
    software: Vec<SoftwareSummary>,
    next: Option<String>,
}

impl SoftwarePage {
    fn next_link(&self, cursor: &str) -> String {
        let q = self.filter.q.clone().unwrap_or_default();
        let eco = self.filter.ecosystem.clone().unwrap_or_default();
        format!(
            "?q={}&ecosystem={}&cursor={}",
            enc(&q),
            enc(&eco),
            enc(cursor)
        )
    }
}

#[derive(Debug, Deserialize)]
struct SoftwareQuery {
    q: Option<String>,
    ecosystem: Option<String>,
    cursor: Option<String>,
}

async fn software_page(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<SoftwareQuery>,
) -> Result<Response, AppError> {
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let filter = SoftwareFilter {
        q: non_empty(query.q),
        ecosystem: non_empty(query.ecosystem),
    };
    let page = PageRequest {
        limit: Some(200),
        cursor: query.cursor,
    };
    let software = state.store.list_software(&filter, &page).await?;
    render(&SoftwarePage {
        chrome: Chrome::for_caller(&principal),
        filter,
        software: software.items,
        next: software.next_cursor,
    })
}

#[derive(Template)]
#[template(path = "software_detail.html")]
struct SoftwareDetailPage {
    chrome: Chrome,
    ecosystem: String,
    name: String,
    versions: Vec<SoftwareVersion>,
}

async fn software_detail_page(
    State(state): State<AppState>,
    principal: Principal,
    Path((ecosystem, name)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let versions = state.store.software_versions(&ecosystem, &name).await?;
    render(&SoftwareDetailPage {
        chrome: Chrome::for_caller(&principal),
        ecosystem,
        name,
        versions,
    })
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct ReviewsPage {
    chrome: Chrome,
    reviews: Vec<IdentityReview>,
}

async fn reviews_page(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, AppError> {
    render(&ReviewsPage {
        chrome: Chrome::for_caller(&principal),
        reviews: state.store.open_identity_reviews().await?,
    })
}

#[derive(Debug, Deserialize)]
struct ReviewForm {
    decision: String,
}

async fn review_form(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, AppError> {
    let merge = match form.decision.as_str() {
        "merge" => true,
        "separate" => false,
        other => {
            return Err(AppError::Invalid(format!(
                "decision must be \"merge\" or \"separate\", not {other:?}"
            )));
        }
    };
    if !state
        .store
        .resolve_identity_review(id, merge, &principal.actor(), Timestamp::now())
        .await?
    {
        return Err(AppError::NotFound(format!("no open identity review {id}")));
    }
    Ok(Redirect::to("/reviews").into_response())
}
