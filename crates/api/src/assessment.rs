//! The REST API's assessment resources: findings, verdicts, advisories, host lifecycle, the
//! lifecycle forecast and imported feeds.
//!
//! A finding is one group of aliased advisories on one package version of one host; for
//! distribution packages the package is the source package at its source version, and
//! `binaries` names the installed packages built from it. Times are RFC 3339; dates of the
//! lifecycle data are `YYYY-MM-DD`. Text from feeds is returned as published.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Filters for the findings list; every filter given must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingFilter {
    /// Only findings of this host.
    pub host: Option<i64>,
    /// Severity rating: `critical`, `high`, `medium`, `low`, `none`, or `unknown`.
    pub severity: Option<String>,
    /// Priority level: `P1` to `P4`.
    pub priority: Option<String>,
    /// State: `open`, `fixed`, `accepted_risk`, `false_positive`.
    pub state: Option<String>,
    /// An advisory id or alias the finding carries.
    pub advisory: Option<String>,
    /// Package name (source package for distributions), exactly.
    pub package: Option<String>,
    /// Only findings in (true) or not in (false) CISA's KEV catalog.
    pub kev: Option<bool>,
    /// Ecosystem: `Debian` matches every release (`Debian:11`, `Debian:12`); `Debian:11`
    /// only that one.
    pub ecosystem: Option<String>,
    /// Text anywhere in the package, the installed packages built from it, or an advisory id
    /// or alias, case-insensitively.
    pub q: Option<String>,
}

/// A finding in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FindingSummary {
    /// Finding id.
    pub id: i64,
    /// The host.
    pub host_id: i64,
    /// The host's name.
    pub hostname: String,
    /// Ecosystem the package was matched in (`Debian:11`, `PyPI`).
    pub ecosystem: String,
    /// Package matched (source package for distributions).
    pub package: String,
    /// Installed packages built from it (distributions), or the package itself.
    pub binaries: Vec<String>,
    /// Installed version (source version for distributions).
    pub installed: String,
    /// The advisories' ids, sorted.
    pub ids: Vec<String>,
    /// `vulnerability`, or the kind of notice (`unmaintained`, `unsound`, …).
    pub kind: String,
    /// `open`, `fixed`, `accepted_risk` or `false_positive`.
    pub state: String,
    /// Severity rating, when known.
    pub severity: Option<String>,
    /// CVSS base score, when known.
    pub score: Option<f64>,
    /// Whether one of its CVEs is in CISA's KEV catalog.
    pub kev: bool,
    /// Fixed versions the advisories name.
    pub fixed: Vec<String>,
    /// Priority level, `P1` (first) to `P4`.
    pub priority: String,
    /// Priority points; higher first.
    pub priority_score: i64,
    /// When an assessment first showed it.
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: jiff::Timestamp,
    /// When an assessment last showed it.
    #[schema(value_type = String, format = DateTime)]
    pub last_seen: jiff::Timestamp,
    /// When a later inventory no longer had it.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub fixed_at: Option<jiff::Timestamp>,
}

/// One term of a finding's priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PriorityReason {
    /// `severity`, `known_exploited`, `fix`, `platform_lifecycle` or `host_tier`.
    pub factor: String,
    /// Points it adds (or takes away).
    pub points: i64,
    /// The reason in words.
    pub text: String,
}

/// One entry of a finding's history: a state an assessment or a person gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FindingEvent {
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    /// The state from then on.
    pub state: String,
    /// Who gave the verdict; absent for an assessment's change.
    pub by: Option<String>,
    /// Why: the verdict's reason, or the rule that changed the state.
    pub why: Option<String>,
}

/// One advisory of a finding, as matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FindingMatch {
    /// Advisory id.
    pub advisory_id: String,
    /// Its summary.
    pub summary: String,
    /// The ranges that hold the installed version, in words.
    pub ranges: Vec<String>,
    /// Fixed versions it names.
    pub fixed: Vec<String>,
}

/// A finding with everything that explains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FindingDetail {
    /// The finding.
    #[serde(flatten)]
    pub finding: FindingSummary,
    /// Each advisory's match.
    pub matches: Vec<FindingMatch>,
    /// The priority's terms.
    pub reasons: Vec<PriorityReason>,
    /// Who gave the standing verdict and why, for accepted risks and false positives.
    pub verdict: Option<FindingEvent>,
    /// Why the state last changed, when a rule changed it.
    pub note: Option<String>,
    /// States over time, oldest first.
    pub history: Vec<FindingEvent>,
}

/// A person's verdict on a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerdictRequest {
    /// `accepted_risk`, `false_positive` or `reopen`.
    pub verdict: String,
    /// Why; required.
    pub why: String,
}

/// A package an advisory names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdvisoryPackage {
    /// Ecosystem as published (`Debian:11`).
    pub ecosystem: String,
    /// Package as published.
    pub name: String,
    /// Affected ranges, in words.
    pub ranges: Vec<String>,
    /// Affected versions listed one by one.
    pub versions: Vec<String>,
}

/// A host an advisory affects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AffectedHost {
    /// The finding.
    pub finding_id: i64,
    /// The host.
    pub host_id: i64,
    /// Its name.
    pub hostname: String,
    /// Package.
    pub package: String,
    /// Installed version.
    pub installed: String,
    /// The finding's state.
    pub state: String,
    /// Since when the host has it.
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: jiff::Timestamp,
}

/// An advisory as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdvisoryDetail {
    /// Its id.
    pub id: String,
    /// Other ids of the same vulnerability.
    pub aliases: Vec<String>,
    /// One-line summary.
    pub summary: String,
    /// Longer description.
    pub details: String,
    /// Severity rating, when known.
    pub severity: Option<String>,
    /// CVSS base score, when known.
    pub score: Option<f64>,
    /// Severity vectors as published.
    pub vectors: Vec<String>,
    /// Publication time.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published: Option<jiff::Timestamp>,
    /// Last modification.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub modified: Option<jiff::Timestamp>,
    /// When it was withdrawn.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn: Option<jiff::Timestamp>,
    /// The feed kind it came from (`osv`, `debian-tracker`, …).
    pub source: String,
    /// Reference URLs.
    pub references: Vec<String>,
    /// Whether one of its ids is in CISA's KEV catalog.
    pub kev: bool,
    /// Packages it names.
    pub packages: Vec<AdvisoryPackage>,
    /// Hosts it affects, with since when.
    pub hosts: Vec<AffectedHost>,
}

/// A product cycle one host runs and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HostLifecycle {
    /// endoflife.date product (`debian`, `python`).
    pub product: String,
    /// Cycle (`12`, `3.11`).
    pub cycle: String,
    /// Whether this is the host's operating system.
    pub operating_system: bool,
    /// `supported`, `security_only`, `extended_support`, `end_of_life`, `end_not_announced`
    /// or `unknown`.
    pub state: String,
    /// The date that applies to the state (`YYYY-MM-DD`).
    pub date: Option<String>,
    /// The feed the answer comes from (`endoflife.date`, `distro-info`).
    pub source: Option<String>,
    /// What in the inventory shows it (`os-release debian 12`, `package python3.11 3.11.2-6`).
    pub evidence: Vec<String>,
    /// When it was assessed.
    #[schema(value_type = String, format = DateTime)]
    pub assessed_at: jiff::Timestamp,
}

/// A support end within the forecast's horizons, with the hosts it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ForecastItem {
    /// endoflife.date product.
    pub product: String,
    /// Cycle.
    pub cycle: String,
    /// `end_of_active_support`, `end_of_security_support` or `end_of_extended_support`.
    pub milestone: String,
    /// The day it ends (`YYYY-MM-DD`).
    pub date: String,
    /// The shortest horizon it falls in: 6, 12 or 18 months.
    pub within_months: i64,
    /// The feed the date comes from.
    pub source: String,
    /// Hosts that run the cycle.
    pub hosts: i64,
}

/// An imported feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FeedInfo {
    /// `osv`, `kev`, `endoflife.date`, `distro-info`, `debian-tracker`, `alpine-secdb`.
    pub kind: String,
    /// Archive or top-level folder of the mirror it came from.
    pub origin: String,
    /// The mirror it was imported from.
    pub source: String,
    /// Files it held.
    pub files: i64,
    /// Records it held.
    pub records: i64,
    /// When it was last imported.
    #[schema(value_type = String, format = DateTime)]
    pub imported_at: jiff::Timestamp,
}
