//! [`AssessmentStore`] on [`SqlStore`]: each method hands over to its module.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use steward_api::assessment::{
    AdvisoryDetail, FeedInfo, FindingDetail, FindingFilter, FindingSummary, HostLifecycle,
    PriorityReason,
};
use steward_api::resources::{HostUpdate, Page, PageRequest};
use steward_core::assessment::advisory::Advisory;
use steward_core::assessment::finding::{Decision, DecisionError};
use steward_core::assessment::lifecycle::{LifecycleProduct, ProductCycle};
use steward_core::inventory::InstalledPackage;

use super::{SqlStore, feeds, findings, jobs};
use crate::assessment::{
    AssessmentHost, AssessmentStore, FeedChange, FeedImport, FindingWrite, Job, KevRecord,
    NamedPackages, PackageName, StoredFinding,
};
use crate::{Actor, Result};

#[async_trait]
impl AssessmentStore for SqlStore {
    async fn replace_feed(&self, feed: &FeedImport, now: Timestamp) -> Result<FeedChange> {
        feeds::replace_feed(self, feed, now).await
    }

    async fn feeds(&self) -> Result<Vec<FeedInfo>> {
        feeds::feeds(&self.pool).await
    }

    async fn advisories_naming(&self, packages: Option<&[PackageName]>) -> Result<Vec<Advisory>> {
        feeds::advisories_naming(&self.pool, packages).await
    }

    async fn kev_catalog(&self) -> Result<Vec<KevRecord>> {
        feeds::kev_catalog(&self.pool).await
    }

    async fn lifecycle_products(&self) -> Result<Vec<LifecycleProduct>> {
        feeds::lifecycle_products(&self.pool).await
    }

    async fn assessment_hosts(&self, only: Option<&[i64]>) -> Result<Vec<AssessmentHost>> {
        findings::assessment_hosts(&self.pool, only).await
    }

    async fn assessment_packages(
        &self,
        hosts: &[i64],
        only: Option<&NamedPackages>,
    ) -> Result<Vec<(i64, InstalledPackage)>> {
        findings::assessment_packages(&self.pool, hosts, only).await
    }

    async fn assessment_updates(&self, hosts: &[i64]) -> Result<Vec<(i64, HostUpdate)>> {
        findings::assessment_updates(&self.pool, hosts).await
    }

    async fn hosts_running(&self, packages: &[PackageName]) -> Result<Vec<i64>> {
        findings::hosts_running(&self.pool, packages).await
    }

    async fn named_packages(&self, packages: &[PackageName]) -> Result<NamedPackages> {
        findings::named_packages(&self.pool, packages).await
    }

    async fn host_findings(
        &self,
        hosts: &[i64],
        only: Option<&NamedPackages>,
    ) -> Result<Vec<StoredFinding>> {
        findings::host_findings(&self.pool, hosts, only).await
    }

    async fn save_findings(&self, list: &[FindingWrite], now: Timestamp) -> Result<()> {
        findings::save_findings(self, list, now).await
    }

    async fn set_host_lifecycle(
        &self,
        host_id: i64,
        statuses: &[HostLifecycle],
        now: Timestamp,
    ) -> Result<()> {
        findings::set_host_lifecycle(self, host_id, statuses, now).await
    }

    async fn list_findings(
        &self,
        filter: &FindingFilter,
        page: &PageRequest,
    ) -> Result<Page<FindingSummary>> {
        findings::list_findings(&self.pool, filter, page).await
    }

    async fn finding(&self, id: i64) -> Result<Option<FindingDetail>> {
        findings::finding(&self.pool, id).await
    }

    async fn record_verdict(
        &self,
        id: i64,
        decision: Decision,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Option<Result<FindingDetail, DecisionError>>> {
        findings::record_verdict(self, id, decision, actor, now).await
    }

    async fn advisory(&self, id: &str) -> Result<Option<AdvisoryDetail>> {
        findings::advisory(&self.pool, id).await
    }

    async fn host_lifecycle(&self, host_id: i64) -> Result<Vec<HostLifecycle>> {
        findings::host_lifecycle(&self.pool, host_id).await
    }

    async fn all_host_lifecycles(&self) -> Result<Vec<(i64, HostLifecycle)>> {
        findings::all_host_lifecycles(&self.pool).await
    }

    async fn open_finding_counts(&self, host: Option<i64>) -> Result<Vec<(i64, String, i64)>> {
        findings::open_finding_counts(&self.pool, host).await
    }

    async fn finding_reasons(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<PriorityReason>>> {
        findings::finding_reasons(&self.pool, ids).await
    }

    async fn hosts_with_lapsed_lifecycle(&self, today: &str) -> Result<Vec<i64>> {
        findings::hosts_with_lapsed_lifecycle(&self.pool, today).await
    }

    async fn cycles_in_use(&self) -> Result<Vec<(ProductCycle, i64)>> {
        findings::cycles_in_use(&self.pool).await
    }

    async fn enqueue_job(&self, kind: &str, payload: &str, now: Timestamp) -> Result<i64> {
        jobs::enqueue_job(self, kind, payload, now).await
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<Option<Job>> {
        jobs::claim_job(self, worker, now, lease).await
    }

    async fn claim_queued_alike(
        &self,
        worker: &str,
        kind: &str,
        payload_prefix: &str,
        limit: usize,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<Vec<Job>> {
        jobs::claim_queued_alike(self, worker, kind, payload_prefix, limit, now, lease).await
    }

    async fn finish_job(
        &self,
        id: i64,
        outcome: std::result::Result<String, String>,
        now: Timestamp,
    ) -> Result<()> {
        jobs::finish_job(&self.pool, id, outcome, now).await
    }

    async fn pending_jobs(&self) -> Result<i64> {
        jobs::pending_jobs(&self.pool).await
    }

    async fn last_failed_job(&self) -> Result<Option<(i64, String)>> {
        jobs::last_failed_job(&self.pool).await
    }
}
