//! Steward's storage: the [`Store`] trait and its SQL implementation on SQLite and PostgreSQL.
//!
//! Both backends run the same SQL through sqlx's `any` driver; where the dialects differ the
//! implementation says so in one place. Migrations are embedded, forward-only, one folder per
//! backend kept parallel. Times are stored as Unix seconds, JSON as text. [`SqlStore`] is the
//! implementation: [`SqlStore::open_data_dir`] for the embedded SQLite default,
//! [`SqlStore::connect`] for a `sqlite://` or `postgres://` URL. Inside it, the modules follow
//! the process: agents, identity, inventory, hosts, software, access (users, sessions, API
//! tokens) and compliance (the audit log).
//!
//! Invariants: a distinct (ecosystem, name, version, architecture) is stored once and hosts
//! point at it; applying an inventory writes only what changed, in one transaction. Every
//! method that makes a change on behalf of a person or a token takes the [`Actor`] and appends
//! its audit entry in the same transaction as the change, so the log never misses a committed
//! change nor records one that was rolled back. Inventory submissions are not audited: they
//! are the host's history.

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
use steward_core::inventory::{HostFacts, InstalledPackage, PendingUpdate, Section, SourceReport};

mod assessment;
mod assets;
mod audit;
mod devices;
mod error;
mod second_factor;
mod sign_in;
mod sql;

pub use assessment::{
    AssessmentHost, AssessmentStore, FeedChange, FeedImport, FindingWrite, Job, KevRecord,
    NamedPackages, PackageName, StoredFinding,
};
pub use assets::{AssetStore, AssetWrite, NewApplication};
pub use audit::{GENESIS_HASH, entry_hash};
pub use devices::{DeviceBinding, DeviceStore};
pub use error::StoreError;
pub use second_factor::{PendingSignIn, SecondFactorStore};
pub use sign_in::{MAX_AUDITED_NAME, SignInOutcome, SignInStore};
pub use sql::SqlStore;

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The sections of an inventory that a submission carries; `None` means "unchanged".
#[derive(Debug, Clone, Default)]
pub struct InventoryUpdate {
    /// Id of the document, for applying each document once.
    pub document_id: String,
    /// When the inventory was collected.
    pub collected_at: Timestamp,
    /// Digests of every section of the full inventory.
    pub digests: BTreeMap<Section, String>,
    /// New facts, sources and agent tags, when the facts section changed.
    pub facts: Option<FactsSection>,
    /// The complete package list, when it changed.
    pub packages: Option<Vec<InstalledPackage>>,
    /// The complete pending-update list, when it changed.
    pub pending_updates: Option<Vec<PendingUpdate>>,
}

/// The facts section of an inventory.
#[derive(Debug, Clone, Default)]
pub struct FactsSection {
    /// Host facts.
    pub facts: HostFacts,
    /// Source reports.
    pub sources: Vec<SourceReport>,
    /// Tags from the agent's configuration.
    pub tags: Vec<String>,
}

/// What applying an inventory did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// History entries written.
    pub changes: usize,
    /// True when this document had been applied before and nothing was done.
    pub duplicate: bool,
}

/// An agent enrollment token as stored (its secret only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentToken {
    /// Token id.
    pub id: i64,
    /// Free-text note given at creation.
    pub note: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// Who makes a change, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user, by name.
    User(String),
    /// An API token, by name.
    Token(String),
    /// The command line on the server's machine, by operating-system user.
    Cli(String),
}

impl Actor {
    /// `user:NAME`, `token:NAME` or `cli:OS-USER`.
    pub fn label(&self) -> String {
        match self {
            Actor::User(name) => format!("user:{name}"),
            Actor::Token(name) => format!("token:{name}"),
            Actor::Cli(name) => format!("cli:{name}"),
        }
    }
}

/// A user as stored, with the hash of their password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The user.
    pub user: User,
    /// Argon2id hash in PHC form.
    pub password_hash: String,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2id hash of the one-time password, in PHC form.
    pub password_hash: String,
}

/// A session to create; the session's secret is known only to the browser.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the session cookie's value.
    pub id_hash: String,
    /// The signed-in user.
    pub user_id: i64,
    /// The token forms of this session carry.
    pub csrf_token: String,
    /// Start of the session.
    pub created_at: Timestamp,
    /// The session ends at this time whatever happens.
    pub expires_at: Timestamp,
}

/// A live session and its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The signed-in user.
    pub user: User,
    /// The token forms of this session carry.
    pub csrf_token: String,
    /// Last request made with the session (to the minute).
    pub last_seen_at: Timestamp,
    /// The session ends at this time whatever happens.
    pub expires_at: Timestamp,
}

/// Recent failed sign-ins, oldest first, for throttling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginFailures {
    /// Failures for the user name.
    pub by_name: Vec<Timestamp>,
    /// Failures from the client address.
    pub by_address: Vec<Timestamp>,
}

/// An API token to create.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// Name.
    pub name: String,
    /// Role it acts with.
    pub role: Role,
    /// SHA-256 of the secret.
    pub hash: String,
    /// Expiry, if any.
    pub expires_at: Option<Timestamp>,
}

/// Steward's storage. Every method is one transaction; implementations are safe to share
/// between tasks and between server processes on one database.
#[async_trait]
pub trait Store:
    AssessmentStore + AssetStore + DeviceStore + SecondFactorStore + SignInStore + Send + Sync
{
    /// Creates an enrollment token from the hash of its secret.
    async fn create_enrollment_token(
        &self,
        hash: &str,
        note: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<EnrollmentToken>;
    /// Finds an enrollment token that has not been revoked, by the hash of its secret.
    async fn active_enrollment_token(&self, hash: &str) -> Result<Option<EnrollmentToken>>;
    /// Revokes an enrollment token; true when one was revoked.
    async fn revoke_enrollment_token(&self, id: i64, actor: &Actor, now: Timestamp)
    -> Result<bool>;
    /// Lists enrollment tokens, newest first.
    async fn list_enrollment_tokens(&self) -> Result<Vec<EnrollmentToken>>;

    /// Stores a per-host agent credential from the hash of its secret.
    async fn create_agent_credential(&self, host_id: i64, hash: &str, now: Timestamp)
    -> Result<()>;
    /// The host a credential belongs to, unless it or its host was revoked.
    async fn host_for_credential(&self, hash: &str, now: Timestamp) -> Result<Option<i64>>;
    /// Revokes every credential of one host; returns how many were revoked.
    async fn revoke_agent_credentials(
        &self,
        host_id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<u64>;

    /// Known hosts that share at least one identifier with `ids`.
    async fn identity_candidates(&self, ids: &HostIdentifiers) -> Result<Vec<KnownHost>>;
    /// Creates a host with no inventory yet.
    async fn create_host(
        &self,
        ids: &HostIdentifiers,
        facts: &HostFacts,
        now: Timestamp,
    ) -> Result<i64>;
    /// Puts a possible match on the review list.
    async fn add_identity_review(
        &self,
        host_id: i64,
        candidate_id: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<i64>;
    /// Open identity reviews, oldest first.
    async fn open_identity_reviews(&self) -> Result<Vec<IdentityReview>>;
    /// Closes a review: `merge` folds the review's host into the candidate (history,
    /// credentials and the latest inventory move over); otherwise both stay separate.
    async fn resolve_identity_review(
        &self,
        id: i64,
        merge: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool>;

    /// The stored digest of each section of a host's inventory.
    async fn section_digests(&self, host_id: i64) -> Result<BTreeMap<Section, String>>;
    /// True when a document with this id was already applied to the host.
    async fn document_seen(&self, host_id: i64, document_id: &str) -> Result<bool>;
    /// Applies an inventory: diffs each carried section against the stored one, writes only
    /// the changes and their history, records the digests and the document id, and marks the
    /// host seen. A document already applied changes nothing.
    async fn apply_inventory(
        &self,
        host_id: i64,
        update: &InventoryUpdate,
        now: Timestamp,
    ) -> Result<ApplyOutcome>;

    /// Lists hosts, ordered by host name.
    async fn list_hosts(
        &self,
        filter: &HostFilter,
        page: &PageRequest,
        now: Timestamp,
    ) -> Result<Page<HostSummary>>;
    /// One host with its facts.
    async fn host(&self, id: i64) -> Result<Option<Host>>;
    /// A host's installed packages, ordered by name.
    async fn host_packages(
        &self,
        id: i64,
        filter: &PackageFilter,
        page: &PageRequest,
    ) -> Result<Page<HostPackage>>;
    /// A host's pending updates, ordered by name.
    async fn host_updates(&self, id: i64) -> Result<Vec<HostUpdate>>;
    /// A host's history, newest first.
    async fn host_history(&self, id: i64, page: &PageRequest) -> Result<Page<HistoryEntry>>;
    /// Replaces a host's manual tags; false when there is no such host.
    async fn set_manual_tags(
        &self,
        id: i64,
        tags: &[String],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool>;
    /// Distinct operating systems (`id`, `version_id`, host count), for filters.
    async fn os_facets(&self) -> Result<Vec<(String, String, i64)>>;
    /// Distinct tags with host counts, for filters.
    async fn tag_facets(&self) -> Result<Vec<(String, i64)>>;

    /// Software (ecosystem, name) across the fleet, ordered by name.
    async fn list_software(
        &self,
        filter: &SoftwareFilter,
        page: &PageRequest,
    ) -> Result<Page<SoftwareSummary>>;
    /// Every version of one package in one ecosystem and the hosts that run it, highest
    /// version first by the ecosystem's rules.
    async fn software_versions(&self, ecosystem: &str, name: &str) -> Result<Vec<SoftwareVersion>>;

    /// Number of users, to know whether the first administrator must be created.
    async fn user_count(&self) -> Result<i64>;
    /// Creates a user; [`StoreError::Conflict`] when the name is taken.
    async fn create_user(&self, user: &NewUser, actor: &Actor, now: Timestamp) -> Result<User>;
    /// Every user, by name.
    async fn users(&self) -> Result<Vec<User>>;
    /// A user by id.
    async fn user(&self, id: i64) -> Result<Option<User>>;
    /// A user and their password hash, by sign-in name.
    async fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>>;
    /// Replaces a user's password hash and ends their sessions (all of them, or all but the
    /// one whose hash is `keep_session`); false when there is no such user.
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool>;
    /// Creates or refreshes the record of a user the directory (LDAP) signed in: no local
    /// password, the role their groups give; [`StoreError::Conflict`] when a local user has
    /// the name. Creation and role changes are audited.
    async fn sync_directory_user(&self, name: &str, role: Role, now: Timestamp) -> Result<User>;
    /// Changes a user's role or disables them (which ends their sessions); `None` when there
    /// is no such user.
    async fn update_user(
        &self,
        id: i64,
        role: Option<Role>,
        disabled: Option<bool>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Option<User>>;

    /// Starts a session.
    async fn create_session(&self, session: &NewSession) -> Result<()>;
    /// The live session with this hash (not expired, idle for less than `idle_since`, user
    /// not disabled), noting that it was used.
    async fn session(
        &self,
        id_hash: &str,
        idle_since: Timestamp,
        now: Timestamp,
    ) -> Result<Option<SessionRecord>>;
    /// Ends a session.
    async fn delete_session(&self, id_hash: &str) -> Result<()>;

    /// Records a failed sign-in and forgets failures older than `forget_before`.
    async fn record_login_failure(
        &self,
        name: &str,
        address: &str,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<()>;
    /// Failed sign-ins since `since` for this name and from this address.
    async fn login_failures(
        &self,
        name: &str,
        address: &str,
        since: Timestamp,
    ) -> Result<LoginFailures>;
    /// Forgets a user name's failed sign-ins, after a successful one.
    async fn clear_login_failures(&self, name: &str) -> Result<()>;

    /// Creates an API token.
    async fn create_api_token(
        &self,
        token: &NewApiToken,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ApiToken>;
    /// Every API token, newest first.
    async fn api_tokens(&self) -> Result<Vec<ApiToken>>;
    /// The live (unrevoked, unexpired) API token with this hash, noting that it was used.
    async fn api_token_by_hash(&self, hash: &str, now: Timestamp) -> Result<Option<ApiToken>>;
    /// Revokes an API token; false when it does not exist or was already revoked.
    async fn revoke_api_token(&self, id: i64, actor: &Actor, now: Timestamp) -> Result<bool>;

    /// The audit log, newest first.
    async fn audit_entries(&self, page: &PageRequest) -> Result<Page<AuditEntry>>;
    /// Every audit entry from `after_id` on, oldest first, at most `limit`.
    async fn audit_entries_after(&self, after_id: i64, limit: u32) -> Result<Vec<AuditEntry>>;
    /// Walks the audit log's hash chain and reports the first entry that does not match.
    async fn verify_audit(&self) -> Result<AuditVerification>;

    /// Number of hosts, for metrics.
    async fn host_count(&self) -> Result<i64>;
    /// Checks the database answers, for the health endpoint.
    async fn ping(&self) -> Result<()>;
}
