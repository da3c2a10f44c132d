//! [`Store`] on [`SqlStore`]: each method hands over to the module of its process step.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::Timestamp;
use steward_api::access::{ApiToken, Role, User};
use steward_api::compliance::{AuditEntry, AuditVerification};
use steward_api::resources::{
    HistoryEntry, Host, HostFilter, HostPackage, HostSummary, HostUpdate, IdentityReview,
    PackageFilter, Page, PageRequest, SoftwareFilter, SoftwareSummary, SoftwareVersion,
};
use steward_core::inventory::identity::{HostIdentifiers, KnownHost};
use steward_core::inventory::{HostFacts, Section};

use super::{SqlStore, access, agents, compliance, hosts, identity, inventory, software};
use crate::{
    Actor, ApplyOutcome, EnrollmentToken, InventoryUpdate, LoginFailures, NewApiToken, NewSession,
    NewUser, Result, SessionRecord, Store, StoreError, UserRecord,
};

#[async_trait]
impl Store for SqlStore {
    async fn create_enrollment_token(
        &self,
        hash: &str,
        note: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<EnrollmentToken> {
        agents::create_enrollment_token(self, hash, note, actor, now).await
    }

    async fn active_enrollment_token(&self, hash: &str) -> Result<Option<EnrollmentToken>> {
        agents::active_enrollment_token(&self.pool, hash).await
    }

    async fn revoke_enrollment_token(
        &self,
        id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool> {
        agents::revoke_enrollment_token(self, id, actor, now).await
    }

    async fn list_enrollment_tokens(&self) -> Result<Vec<EnrollmentToken>> {
        agents::list_enrollment_tokens(&self.pool).await
    }

    async fn create_agent_credential(
        &self,
        host_id: i64,
        hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        agents::create_agent_credential(&self.pool, host_id, hash, now).await
    }

    async fn host_for_credential(&self, hash: &str, now: Timestamp) -> Result<Option<i64>> {
        agents::host_for_credential(&self.pool, hash, now).await
    }

    async fn revoke_agent_credentials(
        &self,
        host_id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<u64> {
        agents::revoke_agent_credentials(self, host_id, actor, now).await
    }

    async fn identity_candidates(&self, ids: &HostIdentifiers) -> Result<Vec<KnownHost>> {
        identity::identity_candidates(&self.pool, ids).await
    }

    async fn create_host(
        &self,
        ids: &HostIdentifiers,
        facts: &HostFacts,
        now: Timestamp,
    ) -> Result<i64> {
        identity::create_host(self, ids, facts, now).await
    }

    async fn add_identity_review(
        &self,
        host_id: i64,
        candidate_id: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<i64> {
        identity::add_identity_review(&self.pool, host_id, candidate_id, reason, now).await
    }

    async fn open_identity_reviews(&self) -> Result<Vec<IdentityReview>> {
        identity::open_identity_reviews(&self.pool).await
    }

    async fn resolve_identity_review(
        &self,
        id: i64,
        merge: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool> {
        identity::resolve_identity_review(self, id, merge, actor, now).await
    }

    async fn section_digests(&self, host_id: i64) -> Result<BTreeMap<Section, String>> {
        hosts::section_digests(&self.pool, host_id).await
    }

    async fn document_seen(&self, host_id: i64, document_id: &str) -> Result<bool> {
        hosts::document_seen(&self.pool, host_id, document_id).await
    }

    async fn apply_inventory(
        &self,
        host_id: i64,
        update: &InventoryUpdate,
        now: Timestamp,
    ) -> Result<ApplyOutcome> {
        inventory::apply_inventory(self, host_id, update, now).await
    }

    async fn list_hosts(
        &self,
        filter: &HostFilter,
        page: &PageRequest,
        now: Timestamp,
    ) -> Result<Page<HostSummary>> {
        hosts::list_hosts(&self.pool, filter, page, now).await
    }

    async fn host(&self, id: i64) -> Result<Option<Host>> {
        hosts::host(&self.pool, id).await
    }

    async fn host_packages(
        &self,
        id: i64,
        filter: &PackageFilter,
        page: &PageRequest,
    ) -> Result<Page<HostPackage>> {
        hosts::host_packages(&self.pool, id, filter, page).await
    }

    async fn host_updates(&self, id: i64) -> Result<Vec<HostUpdate>> {
        hosts::host_updates(&self.pool, id).await
    }

    async fn host_history(&self, id: i64, page: &PageRequest) -> Result<Page<HistoryEntry>> {
        hosts::host_history(&self.pool, id, page).await
    }

    async fn set_manual_tags(
        &self,
        id: i64,
        tags: &[String],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool> {
        hosts::set_manual_tags(self, id, tags, actor, now).await
    }

    async fn os_facets(&self) -> Result<Vec<(String, String, i64)>> {
        hosts::os_facets(&self.pool).await
    }

    async fn tag_facets(&self) -> Result<Vec<(String, i64)>> {
        hosts::tag_facets(&self.pool).await
    }

    async fn list_software(
        &self,
        filter: &SoftwareFilter,
        page: &PageRequest,
    ) -> Result<Page<SoftwareSummary>> {
        software::list_software(&self.pool, filter, page).await
    }

    async fn software_versions(&self, ecosystem: &str, name: &str) -> Result<Vec<SoftwareVersion>> {
        software::software_versions(&self.pool, ecosystem, name).await
    }

    async fn user_count(&self) -> Result<i64> {
        access::user_count(&self.pool).await
    }

    async fn create_user(&self, user: &NewUser, actor: &Actor, now: Timestamp) -> Result<User> {
        access::create_user(self, user, actor, now).await
    }

    async fn users(&self) -> Result<Vec<User>> {
        access::users(&self.pool).await
    }

    async fn user(&self, id: i64) -> Result<Option<User>> {
        access::user(&self.pool, id).await
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>> {
        access::user_by_name(&self.pool, name).await
    }

    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool> {
        let change = access::PasswordChange {
            user_id,
            password_hash,
            must_change,
            keep_session,
        };
        access::set_password(self, change, actor, now).await
    }

    async fn sync_directory_user(&self, name: &str, role: Role, now: Timestamp) -> Result<User> {
        match access::sync_directory_user(self, name, role, now).await {
            // The user's first two sign-ins at once: the other one created the row between
            // this one's look and its insert; looking again finds it.
            Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                access::sync_directory_user(self, name, role, now).await
            }
            other => other,
        }
    }

    async fn update_user(
        &self,
        id: i64,
        role: Option<Role>,
        disabled: Option<bool>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Option<User>> {
        access::update_user(self, id, role, disabled, actor, now).await
    }

    async fn create_session(&self, session: &NewSession) -> Result<()> {
        access::create_session(&self.pool, session).await
    }

    async fn session(
        &self,
        id_hash: &str,
        idle_since: Timestamp,
        now: Timestamp,
    ) -> Result<Option<SessionRecord>> {
        access::session(&self.pool, id_hash, idle_since, now).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        access::delete_session(&self.pool, id_hash).await
    }

    async fn record_login_failure(
        &self,
        name: &str,
        address: &str,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<()> {
        access::record_login_failure(self, name, address, now, forget_before).await
    }

    async fn login_failures(
        &self,
        name: &str,
        address: &str,
        since: Timestamp,
    ) -> Result<LoginFailures> {
        access::login_failures(&self.pool, name, address, since).await
    }

    async fn clear_login_failures(&self, name: &str) -> Result<()> {
        access::clear_login_failures(&self.pool, name).await
    }

    async fn create_api_token(
        &self,
        token: &NewApiToken,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ApiToken> {
        access::create_api_token(self, token, actor, now).await
    }

    async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        access::api_tokens(&self.pool).await
    }

    async fn api_token_by_hash(&self, hash: &str, now: Timestamp) -> Result<Option<ApiToken>> {
        access::api_token_by_hash(&self.pool, hash, now).await
    }

    async fn revoke_api_token(&self, id: i64, actor: &Actor, now: Timestamp) -> Result<bool> {
        access::revoke_api_token(self, id, actor, now).await
    }

    async fn audit_entries(&self, page: &PageRequest) -> Result<Page<AuditEntry>> {
        compliance::audit_entries(&self.pool, page).await
    }

    async fn audit_entries_after(&self, after_id: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        compliance::audit_entries_after(&self.pool, after_id, limit).await
    }

    async fn verify_audit(&self) -> Result<AuditVerification> {
        compliance::verify_audit(&self.pool).await
    }

    async fn host_count(&self) -> Result<i64> {
        hosts::host_count(&self.pool).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
