//! The agent protocol: enrollment, check-in with section digests, and inventory submission.
//!
//! An agent first exchanges an enrollment token for a per-host credential ([`EnrollRequest`]).
//! For each inventory it then sends only the digest of each section ([`CheckinRequest`]); the
//! server answers with the sections whose digest differs from what it holds
//! ([`CheckinResponse`]), and the agent sends just those ([`InventoryDocument`]). An unchanged
//! host therefore costs one small request. Every document carries an id, so a document sent
//! twice (a lost reply, a spool replayed) is applied once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use steward_core::inventory::{
    HostFacts, InstalledPackage, Inventory, PendingUpdate, Section, SourceReport,
};

/// Path of the enrollment endpoint.
pub const ENROLL_PATH: &str = "/api/v1/agent/enroll";
/// Path of the check-in endpoint.
pub const CHECKIN_PATH: &str = "/api/v1/agent/checkin";
/// Path of the inventory submission endpoint.
pub const INVENTORY_PATH: &str = "/api/v1/agent/inventory";

/// Which program produced a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// Program name, `steward-agent` for Steward's own.
    pub name: String,
    /// Program version.
    pub version: String,
}

/// Exchange an enrollment token for a per-host credential.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The enrollment token printed by `steward enroll create`.
    pub enrollment_token: String,
    /// The host's facts, used to find or create the host.
    pub facts: HostFacts,
}

/// The credential the agent uses from now on, as `Authorization: Bearer …`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The host the credential belongs to.
    pub host_id: i64,
    /// The per-host credential, shown only this once.
    pub credential: String,
}

/// The digests of one inventory document, sent before its content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckinRequest {
    /// Unique id of the document (a UUID).
    pub document_id: String,
    /// When the inventory was collected.
    pub collected_at: jiff::Timestamp,
    /// SHA-256 of each section, as [`Inventory::digest`] computes it.
    pub digests: BTreeMap<Section, String>,
}

/// The sections the server needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckinResponse {
    /// Sections whose digest differs from what the server holds; empty when nothing changed
    /// (the check-in alone then completes the document).
    pub needed: Vec<Section>,
    /// True when the server had already applied this document.
    #[serde(default)]
    pub duplicate: bool,
}

/// An inventory document: the complete output of `steward scan --json`, or, on submission,
/// the sections the server asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryDocument {
    /// Unique id of the document (a UUID).
    pub document_id: String,
    /// When the inventory was collected.
    pub collected_at: jiff::Timestamp,
    /// The program that collected it.
    pub agent: AgentInfo,
    /// SHA-256 of every section of the full inventory.
    pub digests: BTreeMap<Section, String>,
    /// Host facts; present when the facts section is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<HostFacts>,
    /// What each source yielded; sent with the facts section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<SourceReport>>,
    /// Tags from the agent's configuration; sent with the facts section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Installed packages; present when the packages section is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<Vec<InstalledPackage>>,
    /// Pending updates; present when that section is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_updates: Option<Vec<PendingUpdate>>,
}

impl InventoryDocument {
    /// A complete document for an inventory (normalised first so digests are stable).
    pub fn complete(
        document_id: String,
        collected_at: jiff::Timestamp,
        agent: AgentInfo,
        mut inventory: Inventory,
    ) -> InventoryDocument {
        inventory.normalize();
        let digests = Section::ALL
            .iter()
            .map(|s| (*s, inventory.digest(*s)))
            .collect();
        InventoryDocument {
            document_id,
            collected_at,
            agent,
            digests,
            facts: Some(inventory.facts),
            sources: Some(inventory.sources),
            tags: Some(inventory.tags),
            packages: Some(inventory.packages),
            pending_updates: Some(inventory.pending_updates),
        }
    }

    /// The same document holding only the given sections.
    pub fn only(&self, sections: &[Section]) -> InventoryDocument {
        let has = |s: Section| sections.contains(&s);
        InventoryDocument {
            facts: self.facts.clone().filter(|_| has(Section::Facts)),
            sources: self.sources.clone().filter(|_| has(Section::Facts)),
            tags: self.tags.clone().filter(|_| has(Section::Facts)),
            packages: self.packages.clone().filter(|_| has(Section::Packages)),
            pending_updates: self
                .pending_updates
                .clone()
                .filter(|_| has(Section::PendingUpdates)),
            ..self.clone()
        }
    }

    /// The check-in that announces this document.
    pub fn checkin(&self) -> CheckinRequest {
        CheckinRequest {
            document_id: self.document_id.clone(),
            collected_at: self.collected_at,
            digests: self.digests.clone(),
        }
    }
}

/// What the server did with a submitted document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmitResponse {
    /// The host the document was applied to.
    pub host_id: i64,
    /// Number of history entries the document produced.
    pub changes: usize,
    /// True when the server had already applied this document.
    #[serde(default)]
    pub duplicate: bool,
}
