//! The assessment pages of the web UI: the findings list with its filters, one finding
//! explained with its verdict form, one advisory with the hosts it affects, and the lifecycle
//! forecast.
//!
//! The pages read the same store queries as the REST API and take the same roles; a verdict
//! posted from a page goes through the API's checks and is audited in the same transaction.
//! Everything shown came from a feed or an agent and is escaped by the templates; values
//! placed in URLs are percent-encoded.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Deserialize;
use steward_api::assessment::{
    AdvisoryDetail, FindingDetail, FindingFilter, FindingSummary, ForecastItem, PriorityReason,
    VerdictRequest,
};
use steward_api::resources::PageRequest;

use super::api::{decision, forecast_items, recorded};
use crate::access::Principal;
use crate::access::table::{Access, Permission, Routes};
use crate::chrome::Chrome;
use crate::inventory::views::enc;
use crate::{AppError, AppState};

/// The assessment page routes.
pub fn routes() -> Routes {
    let read = Access::Requires(Permission::ReadAssessment);
    let judge = Access::Requires(Permission::JudgeFindings);
    Routes::new()
        .get("/findings", read, findings_page)
        .get("/findings/{id}", read, finding_page)
        .post("/findings/{id}/verdict", judge, verdict_form)
        .get("/advisories/{id}", read, advisory_page)
        .get("/lifecycle", read, lifecycle_page)
}

/// Findings shown on one page of the list.
const PAGE_SIZE: u32 = 50;

fn render(template: &impl Template) -> Result<Response, AppError> {
    template
        .render()
        .map(|html| Html(html).into_response())
        .map_err(|e| AppError::Internal(format!("cannot render page: {e}")))
}

/// The findings list's query string as a browser sends the filter form: empty fields mean
/// "any". A missing `state` means open findings, the list a person works from.
#[derive(Debug, Default, Deserialize)]
struct FindingsQuery {
    host: Option<String>,
    severity: Option<String>,
    priority: Option<String>,
    state: Option<String>,
    kev: Option<String>,
    ecosystem: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

impl FindingsQuery {
    fn filter(&self) -> Result<FindingFilter, AppError> {
        let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let host = match given(&self.host) {
            None => None,
            Some(h) => Some(
                h.trim()
                    .parse::<i64>()
                    .map_err(|_| AppError::Invalid(format!("host: {h:?} is not a host id")))?,
            ),
        };
        Ok(FindingFilter {
            host,
            severity: given(&self.severity),
            priority: given(&self.priority),
            state: match &self.state {
                None => Some("open".to_owned()),
                Some(_) => given(&self.state),
            },
            advisory: None,
            package: None,
            kev: matches!(self.kev.as_deref(), Some("true" | "on")).then_some(true),
            ecosystem: given(&self.ecosystem),
            q: given(&self.q),
        })
    }
}

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    chrome: Chrome,
    filter: FindingFilter,
    hostname: Option<String>,
    findings: Vec<FindingSummary>,
    reasons: HashMap<i64, Vec<PriorityReason>>,
    next: Option<String>,
}

impl FindingsPage {
    const SEVERITIES: [&'static str; 6] = ["critical", "high", "medium", "low", "none", "unknown"];
    const PRIORITIES: [&'static str; 4] = ["P1", "P2", "P3", "P4"];
    const STATES: [(&'static str, &'static str); 4] = [
        ("open", "open"),
        ("fixed", "fixed"),
        ("accepted_risk", "accepted risk"),
        ("false_positive", "false positive"),
    ];

    fn is(value: &Option<String>, option: &str) -> bool {
        value.as_deref() == Some(option)
    }

    fn reasons_of(&self, id: &i64) -> &[PriorityReason] {
        self.reasons.get(id).map(Vec::as_slice).unwrap_or_default()
    }

    /// The query string of the next page: the same filter, the next cursor.
    fn next_link(&self, cursor: &str) -> String {
        format!("?cursor={}&{}", enc(cursor), self.filter_query())
    }

    /// The CSV export of the findings this filter selects.
    fn export_link(&self) -> String {
        format!("/api/v1/findings/export?{}", self.filter_query())
    }

    /// The filter as query parameters, without the leading `?`.
    fn filter_query(&self) -> String {
        let f = &self.filter;
        let mut query = format!("state={}", enc(f.state.as_deref().unwrap_or("")));
        if let Some(host) = f.host {
            query.push_str(&format!("&host={host}"));
        }
        let texts = [
            ("severity", &f.severity),
            ("priority", &f.priority),
            ("ecosystem", &f.ecosystem),
            ("q", &f.q),
        ];
        for (key, value) in texts {
            if let Some(v) = value {
                query.push_str(&format!("&{key}={}", enc(v)));
            }
        }
        if f.kev == Some(true) {
            query.push_str("&kev=true");
        }
        query
    }
}

async fn findings_page(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<FindingsQuery>,
) -> Result<Response, AppError> {
    let filter = query.filter()?;
    let page = PageRequest {
        limit: Some(PAGE_SIZE),
        cursor: query.cursor.clone().filter(|c| !c.is_empty()),
    };
    let findings = state.store.list_findings(&filter, &page).await?;
    let ids: Vec<i64> = findings.items.iter().map(|f| f.id).collect();
    let reasons = state.store.finding_reasons(&ids).await?;
    let hostname = match filter.host {
        Some(id) => state.store.host(id).await?.map(|h| h.summary.hostname),
        None => None,
    };

    render(&FindingsPage {
        chrome: Chrome::for_caller(&principal),
        filter,
        hostname,
        findings: findings.items,
        reasons,
        next: findings.next_cursor,
    })
}

#[derive(Template)]
#[template(path = "finding.html")]
struct FindingPage {
    chrome: Chrome,
    detail: FindingDetail,
    may_judge: bool,
}

impl FindingPage {
    /// The verdicts the finding's state allows: accept or dismiss an open finding, reopen a
    /// judged one; a fixed finding takes none.
    fn verdicts(&self) -> Vec<(&'static str, &'static str)> {
        match self.detail.finding.state.as_str() {
            "open" => vec![
                ("accepted_risk", "Accept the risk"),
                ("false_positive", "Mark as false positive"),
            ],
            "accepted_risk" | "false_positive" => vec![("reopen", "Reopen")],
            _ => Vec::new(),
        }
    }
}

async fn finding_page(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let detail = state
        .store
        .finding(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no finding with id {id}")))?;
    render(&FindingPage {
        chrome: Chrome::for_caller(&principal),
        detail,
        may_judge: principal.may(Permission::JudgeFindings),
    })
}

/// The verdict form; the CSRF token was checked by the access guard.
#[derive(Debug, Deserialize)]
struct VerdictForm {
    verdict: String,
    why: String,
}

async fn verdict_form(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    Form(form): Form<VerdictForm>,
) -> Result<Response, AppError> {
    let request = VerdictRequest {
        verdict: form.verdict,
        why: form.why,
    };
    let decision = decision(&request, &principal.name)?;
    recorded(&state, id, decision, &principal).await?;
    Ok(Redirect::to(&format!("/findings/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "advisory.html")]
struct AdvisoryPage {
    chrome: Chrome,
    advisory: AdvisoryDetail,
}

async fn advisory_page(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let advisory = state
        .store
        .advisory(&id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no advisory with id or alias {id:?}")))?;
    render(&AdvisoryPage {
        chrome: Chrome::for_caller(&principal),
        advisory,
    })
}

#[derive(Template)]
#[template(path = "lifecycle.html")]
struct LifecyclePage {
    chrome: Chrome,
    horizons: Vec<(i64, Vec<ForecastItem>)>,
}

async fn lifecycle_page(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, AppError> {
    let items = forecast_items(state.store.as_ref(), Timestamp::now()).await?;
    let horizons = steward_core::assessment::lifecycle::FORECAST_MONTHS
        .iter()
        .map(|months| {
            let within = i64::from(*months);
            let items = items
                .iter()
                .filter(|i| i.within_months == within)
                .cloned()
                .collect();
            (within, items)
        })
        .collect();
    render(&LifecyclePage {
        chrome: Chrome::for_caller(&principal),
        horizons,
    })
}

/// How the UI names a lifecycle state.
pub fn lifecycle_state(state: &str) -> &'static str {
    match state {
        "supported" => "supported",
        "security_only" => "security support only",
        "extended_support" => "extended support",
        "end_of_life" => "end of life",
        "end_not_announced" => "end not announced",
        _ => "unknown",
    }
}

/// How the UI names a forecast milestone.
pub fn milestone(milestone: &str) -> &'static str {
    match milestone {
        "end_of_active_support" => "active support ends",
        "end_of_security_support" => "security support ends",
        "end_of_extended_support" => "extended support ends",
        _ => "support ends",
    }
}

/// How the UI names a finding's state.
pub(crate) fn finding_state(state: &str) -> &'static str {
    match state {
        "open" => "open",
        "fixed" => "fixed",
        "accepted_risk" => "accepted risk",
        "false_positive" => "false positive",
        _ => "unknown",
    }
}

/// The word before a lifecycle date: the day the last support ended, or the day the current
/// phase ends.
pub fn date_word(state: &str) -> &'static str {
    match state {
        "end_of_life" => "ended",
        _ => "until",
    }
}
