//! Compliance: the audit log as the REST API shows it.
//!
//! Each entry records who changed what, and the entry's place in the hash chain, so a reader
//! can check the chain with nothing but the entries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the chain, from 1 without gaps.
    pub id: i64,
    /// When the change was made.
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    /// Who made it: `user:NAME`, `token:NAME` or `cli:OS-USER`.
    pub actor: String,
    /// What was done, e.g. `host.tags.set`.
    pub action: String,
    /// What it was done to, e.g. `host:12`.
    pub target: String,
    /// The target before the change, where it matters.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The target after the change, where it matters.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over the previous hash and this entry's fields.
    pub hash: String,
}

/// The outcome of checking the audit log's hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditVerification {
    /// Entries checked.
    pub entries: u64,
    /// The first entry that does not match the chain; absent when the chain is intact.
    pub broken: Option<BrokenLink>,
}

/// Where the audit chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BrokenLink {
    /// Id of the first entry that does not match (or the id that is missing).
    pub id: i64,
    /// What does not match.
    pub reason: String,
}
