//! The REST API's resources: hosts, their packages, pending updates and history, software.
//!
//! Lists are pages: `limit` items and an opaque `next_cursor` to pass back for the next page.
//! Every string that came from an agent is returned as sent; escaping is the renderer's job.

use serde::{Deserialize, Serialize};
use steward_core::inventory::{HostFacts, SourceReport, diff::Change};
use utoipa::{IntoParams, ToSchema};

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// Items of this page.
    pub items: Vec<T>,
    /// Cursor for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Which page of a list to return.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageRequest {
    /// Items per page (1–500, default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The requested page size, bounded to 1–500.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, 500)
    }
}

/// Filters for the host list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HostFilter {
    /// Substring of the host name, FQDN or an address (case-insensitive).
    pub q: Option<String>,
    /// Operating system id from os-release, e.g. `debian`, optionally with `:VERSION_ID`.
    pub os: Option<String>,
    /// A tag the host carries.
    pub tag: Option<String>,
    /// Only hosts seen within this many hours.
    pub seen_within_hours: Option<u32>,
    /// Only hosts not seen for at least this many hours.
    pub not_seen_for_hours: Option<u32>,
}

/// A host in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HostSummary {
    /// Host id.
    pub id: i64,
    /// Short host name.
    pub hostname: String,
    /// Fully qualified domain name.
    pub fqdn: Option<String>,
    /// os-release `ID`.
    pub os_id: Option<String>,
    /// os-release `VERSION_ID`.
    pub os_version: Option<String>,
    /// os-release `PRETTY_NAME`.
    pub os_name: Option<String>,
    /// Kernel release.
    pub kernel: Option<String>,
    /// Machine architecture.
    pub arch: Option<String>,
    /// Tags, from the agent's configuration and set by hand.
    pub tags: Vec<String>,
    /// Installed packages.
    pub package_count: i64,
    /// Pending updates.
    pub pending_update_count: i64,
    /// Pending updates from a security archive.
    pub security_update_count: i64,
    /// First inventory.
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: jiff::Timestamp,
    /// Latest inventory or check-in.
    #[schema(value_type = String, format = DateTime)]
    pub last_seen: jiff::Timestamp,
}

/// A host with all its facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Host {
    /// The summary fields.
    #[serde(flatten)]
    pub summary: HostSummary,
    /// Tags set by hand (a subset of `tags`).
    pub manual_tags: Vec<String>,
    /// Every fact the host reported.
    #[schema(value_type = Object)]
    pub facts: HostFacts,
    /// What each inventory source yielded in the latest inventory.
    #[schema(value_type = Vec<Object>)]
    pub sources: Vec<SourceReport>,
}

/// An installed package on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HostPackage {
    /// Ecosystem.
    pub ecosystem: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Architecture.
    pub arch: String,
    /// Source package.
    pub source_name: Option<String>,
    /// Source version.
    pub source_version: Option<String>,
    /// Installation status.
    pub status: String,
}

/// Filters for a host's package list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackageFilter {
    /// Substring of the package name.
    pub q: Option<String>,
    /// Ecosystem, e.g. `Debian` or `PyPI`.
    pub ecosystem: Option<String>,
}

/// A pending update on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HostUpdate {
    /// Package name.
    pub name: String,
    /// Architecture.
    pub arch: String,
    /// Installed version.
    pub installed_version: String,
    /// Version the package manager would install.
    pub candidate_version: String,
    /// Archive the candidate comes from.
    pub origin: String,
    /// Whether it is a security update.
    pub security: bool,
}

/// One entry of a host's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// Entry id (increasing).
    pub id: i64,
    /// When the change was recorded.
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    /// What changed.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub change: Change,
}

/// A piece of software (a package name in an ecosystem) across the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoftwareSummary {
    /// Ecosystem.
    pub ecosystem: String,
    /// Package name.
    pub name: String,
    /// Distinct versions installed.
    pub version_count: i64,
    /// Hosts that run any version.
    pub host_count: i64,
}

/// Filters for the software list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SoftwareFilter {
    /// Substring of the package name.
    pub q: Option<String>,
    /// Ecosystem.
    pub ecosystem: Option<String>,
}

/// One version of a piece of software and the hosts that run it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoftwareVersion {
    /// Version.
    pub version: String,
    /// Architecture.
    pub arch: String,
    /// Hosts running it.
    pub hosts: Vec<HostRef>,
}

/// A reference to a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HostRef {
    /// Host id.
    pub id: i64,
    /// Host name.
    pub hostname: String,
}

/// An identity match that needs a person's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IdentityReview {
    /// Review id.
    pub id: i64,
    /// The host created from the ambiguous report.
    pub host: HostRef,
    /// A known host the report may belong to.
    pub candidate: HostRef,
    /// Why the match was not certain.
    pub reason: String,
    /// When the review was opened.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
}

/// Replace a host's manual tags.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TagsUpdate {
    /// The new set of manual tags.
    pub tags: Vec<String>,
}
