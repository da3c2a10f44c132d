//! The assessment's storage: imported feeds and their records, findings and verdicts, host
//! lifecycle status, and the job queue.
//!
//! Invariants: a feed is replaced whole in one transaction, so readers see the old feed or the
//! new one, never a mix. An advisory carried by several feeds is read back once, the copy with
//! the later `modified` winning. A finding is keyed by (host, ecosystem, package, group key);
//! its state is [`FindingState`] from core, stored whole, so verdicts stick exactly as core's
//! rules say. A verdict is audited in the transaction that records it. A job is claimed by one
//! worker: PostgreSQL skips rows another transaction has locked, SQLite has one writer.

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use steward_api::assessment::{
    AdvisoryDetail, FeedInfo, FindingDetail, FindingFilter, FindingMatch, FindingSummary,
    HostLifecycle, PriorityReason,
};
use steward_api::resources::{HostUpdate, Page, PageRequest};
use steward_core::assessment::advisory::Advisory;
use steward_core::assessment::finding::{Decision, DecisionError, FindingState};
use steward_core::assessment::lifecycle::{LifecycleProduct, ProductCycle};
use steward_core::assessment::priority::Priority;
use steward_core::inventory::{HostFacts, InstalledPackage};

use crate::{Actor, Result};

/// One feed to store in place of the one with the same kind and origin.
#[derive(Debug, Clone, Default)]
pub struct FeedImport {
    /// `osv`, `kev`, `endoflife.date`, `distro-info`, `debian-tracker`, `alpine-secdb`.
    pub kind: String,
    /// The archive or top-level folder of the mirror it came from.
    pub origin: String,
    /// The mirror it was read from.
    pub source: String,
    /// Files it held.
    pub files: usize,
    /// Advisories, for advisory feeds.
    pub advisories: Vec<Advisory>,
    /// KEV entries, for the KEV catalog.
    pub kev: Vec<KevRecord>,
    /// Lifecycle products, for lifecycle feeds.
    pub lifecycle: Vec<LifecycleProduct>,
}

impl FeedImport {
    /// Records the feed holds.
    pub fn records(&self) -> usize {
        self.advisories.len() + self.kev.len() + self.lifecycle.len()
    }
}

/// What the assessment needs of a KEV entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KevRecord {
    /// The CVE id.
    pub cve_id: String,
    /// When CISA added it.
    pub date_added: Date,
    /// CISA's remediation deadline.
    pub due_date: Option<Date>,
    /// Known use in ransomware campaigns.
    pub ransomware: bool,
    /// CISA's name for the vulnerability.
    pub name: String,
}

/// A package as advisories name it: base ecosystem and name normalised the ecosystem's way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageName {
    /// Base ecosystem (`Debian`, `PyPI`).
    pub ecosystem: String,
    /// Normalised name.
    pub name: String,
}

/// The stored packages that a list of [`PackageName`]s names: their ids, and every spelling
/// of their names and source names, so that a package-scoped assessment reads only their
/// rows and findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedPackages {
    /// Ids of the packages whose name or source name normalises to a listed name.
    pub ids: Vec<i64>,
    /// Those packages' names and source names as stored, sorted, each once.
    pub names: Vec<String>,
}

/// What replacing a feed changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedChange {
    /// Whether a feed of this kind and origin was stored before.
    pub replaced: bool,
    /// Advisories added, changed or removed.
    pub advisories_changed: usize,
    /// Packages named by those advisories (before or after): the only ones to re-assess.
    pub packages: Vec<PackageName>,
    /// Whether KEV or lifecycle data changed, which touches every finding's priority.
    pub context_changed: bool,
}

/// A host as the assessment sees it.
#[derive(Debug, Clone)]
pub struct AssessmentHost {
    /// Host id.
    pub id: i64,
    /// Its facts (os-release among them).
    pub facts: HostFacts,
    /// Its tags, manual and agent.
    pub tags: Vec<String>,
    /// Whether its latest inventory read every package source.
    pub complete: bool,
}

/// A finding as stored, for re-assessment.
#[derive(Debug, Clone)]
pub struct StoredFinding {
    /// Finding id.
    pub id: i64,
    /// The host.
    pub host_id: i64,
    /// Ecosystem matched in.
    pub ecosystem: String,
    /// Package matched.
    pub package: String,
    /// The alias group's key.
    pub group_key: String,
    /// Its state.
    pub state: FindingState,
}

/// A finding to write: a new one (`id` is `None`) or a changed one.
#[derive(Debug, Clone)]
pub struct FindingWrite {
    /// The finding, when it is stored already.
    pub id: Option<i64>,
    /// The host.
    pub host_id: i64,
    /// Ecosystem matched in.
    pub ecosystem: String,
    /// Package matched (source package for distributions).
    pub package: String,
    /// Installed packages built from it.
    pub binaries: Vec<String>,
    /// The alias group's key: its lowest id.
    pub group_key: String,
    /// `vulnerability`, or the kind of notice.
    pub kind: String,
    /// The state after this assessment.
    pub state: FindingState,
    /// Whether it is in the KEV catalog.
    pub kev: bool,
    /// Its priority.
    pub priority: Priority,
    /// Each advisory's match.
    pub matches: Vec<FindingMatch>,
    /// When the state changed: the event to add to its history (state, why).
    pub event: Option<(String, Option<String>)>,
    /// Write only the state (the finding was not seen: its other columns stay as they were).
    pub state_only: bool,
}

/// A job for the background workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// What to do (`assess`).
    pub kind: String,
    /// Its parameters, JSON.
    pub payload: String,
}

/// Storage of the assessment; see the module documentation.
#[async_trait]
pub trait AssessmentStore: Send + Sync {
    /// Replaces the feed of `feed.kind` and `feed.origin` with `feed`, in one transaction.
    async fn replace_feed(&self, feed: &FeedImport, now: Timestamp) -> Result<FeedChange>;
    /// Every imported feed, by kind and origin.
    async fn feeds(&self) -> Result<Vec<FeedInfo>>;
    /// Advisories naming any of `packages` (all advisories when `None`), one per id.
    async fn advisories_naming(&self, packages: Option<&[PackageName]>) -> Result<Vec<Advisory>>;
    /// The KEV catalog, one entry per CVE.
    async fn kev_catalog(&self) -> Result<Vec<KevRecord>>;
    /// Every lifecycle product with its cycles.
    async fn lifecycle_products(&self) -> Result<Vec<LifecycleProduct>>;

    /// Hosts to assess: those listed, or every host not revoked.
    async fn assessment_hosts(&self, only: Option<&[i64]>) -> Result<Vec<AssessmentHost>>;
    /// Installed packages of these hosts, as (host id, package); with `only`, just those
    /// packages.
    async fn assessment_packages(
        &self,
        hosts: &[i64],
        only: Option<&NamedPackages>,
    ) -> Result<Vec<(i64, InstalledPackage)>>;
    /// Pending updates of these hosts, as (host id, update).
    async fn assessment_updates(&self, hosts: &[i64]) -> Result<Vec<(i64, HostUpdate)>>;
    /// Hosts that run a package whose (source) name is one of `packages`.
    async fn hosts_running(&self, packages: &[PackageName]) -> Result<Vec<i64>>;
    /// The stored packages whose name or source name is one of `packages`.
    async fn named_packages(&self, packages: &[PackageName]) -> Result<NamedPackages>;
    /// Stored findings of these hosts; with `only`, just the findings of packages spelled as
    /// one of its names (a superset of the findings of those packages: callers still check).
    async fn host_findings(
        &self,
        hosts: &[i64],
        only: Option<&NamedPackages>,
    ) -> Result<Vec<StoredFinding>>;
    /// Writes new and changed findings, in one transaction.
    async fn save_findings(&self, findings: &[FindingWrite], now: Timestamp) -> Result<()>;
    /// Replaces a host's lifecycle status.
    async fn set_host_lifecycle(
        &self,
        host_id: i64,
        statuses: &[HostLifecycle],
        now: Timestamp,
    ) -> Result<()>;

    /// One page of findings, highest priority first.
    async fn list_findings(
        &self,
        filter: &FindingFilter,
        page: &PageRequest,
    ) -> Result<Page<FindingSummary>>;
    /// One finding with its explanation and history.
    async fn finding(&self, id: i64) -> Result<Option<FindingDetail>>;
    /// Records a person's verdict on a finding and audits it; `None` when there is no such
    /// finding, the refusal when core's rules refuse the decision.
    async fn record_verdict(
        &self,
        id: i64,
        decision: Decision,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Option<Result<FindingDetail, DecisionError>>>;
    /// An advisory by id or alias, with the hosts it affects.
    async fn advisory(&self, id: &str) -> Result<Option<AdvisoryDetail>>;
    /// A host's lifecycle status, operating system first.
    async fn host_lifecycle(&self, host_id: i64) -> Result<Vec<HostLifecycle>>;
    /// Every host's lifecycle status as (host id, status), by host, operating system first.
    async fn all_host_lifecycles(&self) -> Result<Vec<(i64, HostLifecycle)>>;
    /// Open findings counted as (host id, priority level, count), of one host or of all.
    async fn open_finding_counts(&self, host: Option<i64>) -> Result<Vec<(i64, String, i64)>>;
    /// The priority reasons of these findings, by finding id (for lists, which carry none).
    async fn finding_reasons(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, Vec<PriorityReason>>>;
    /// Hosts with a lifecycle status whose phase ends on or before `today` (`YYYY-MM-DD`):
    /// the status was assessed before that day and no longer holds.
    async fn hosts_with_lapsed_lifecycle(&self, today: &str) -> Result<Vec<i64>>;
    /// Product cycles hosts run, with how many hosts run each.
    async fn cycles_in_use(&self) -> Result<Vec<(ProductCycle, i64)>>;

    /// Queues a job; a queued job of the same kind and payload is not queued twice.
    async fn enqueue_job(&self, kind: &str, payload: &str, now: Timestamp) -> Result<i64>;
    /// Claims the oldest queued job (or one whose lease ran out) for `worker` until
    /// `now + lease`.
    async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<Option<Job>>;
    /// Claims, for `worker` that is running a job of `kind` under a live lease, every other
    /// queued job of that kind whose payload starts with `payload_prefix` (up to `limit`),
    /// oldest first, under the same lease, so that the worker runs them as one.
    async fn claim_queued_alike(
        &self,
        worker: &str,
        kind: &str,
        payload_prefix: &str,
        limit: usize,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<Vec<Job>>;
    /// Marks a claimed job done (`Ok`) or failed (`Err`), with its result in words.
    async fn finish_job(
        &self,
        id: i64,
        outcome: std::result::Result<String, String>,
        now: Timestamp,
    ) -> Result<()>;
    /// Jobs not finished yet (queued or running).
    async fn pending_jobs(&self) -> Result<i64>;
    /// The last failed job: its id and error, if any job failed.
    async fn last_failed_job(&self) -> Result<Option<(i64, String)>>;
}
