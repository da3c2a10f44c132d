//! Ingest: which host a report belongs to, and applying a document to it.
//!
//! Identity resolution follows `steward_core::inventory::identity`: a certain match reuses
//! the host, no match creates one, and an ambiguous match creates a new host and puts every
//! candidate on the review list, so nothing is merged silently and nothing is lost.

use jiff::Timestamp;
use steward_api::agent::InventoryDocument;
use steward_core::inventory::identity::{self, HostIdentifiers, Resolution};
use steward_core::inventory::{HostFacts, Inventory, Section};
use steward_store::{FactsSection, InventoryUpdate, Store};

use crate::AppError;

/// Finds the host a report with these facts belongs to, creating it when needed.
pub async fn resolve_host(
    store: &dyn Store,
    facts: &HostFacts,
    now: Timestamp,
) -> Result<i64, AppError> {
    let ids = HostIdentifiers::from_facts(facts);
    let candidates = store.identity_candidates(&ids).await?;

    match identity::resolve(&ids, &candidates) {
        Resolution::Existing(id) => Ok(id),
        Resolution::New => Ok(store.create_host(&ids, facts, now).await?),
        Resolution::Ambiguous { candidates, reason } => {
            let id = store.create_host(&ids, facts, now).await?;
            for candidate in candidates {
                store
                    .add_identity_review(id, candidate, &reason, now)
                    .await?;
            }
            tracing::info!(host_id = id, %reason, "ambiguous host identity sent to review");
            Ok(id)
        }
    }
}

/// Checks a submitted document and turns it into a store update.
///
/// Each carried section's digest is recomputed: a digest that does not match its content
/// would make the server skip real changes later, so such a document is refused.
pub fn to_update(doc: InventoryDocument) -> Result<InventoryUpdate, AppError> {
    if doc.document_id.trim().is_empty() || doc.document_id.len() > 100 {
        return Err(AppError::Invalid(
            "document_id must be 1 to 100 characters".into(),
        ));
    }
    let carried: Vec<Section> = Section::ALL
        .into_iter()
        .filter(|s| match s {
            Section::Facts => doc.facts.is_some(),
            Section::Packages => doc.packages.is_some(),
            Section::PendingUpdates => doc.pending_updates.is_some(),
        })
        .collect();
    let mut inventory = Inventory {
        facts: doc.facts.clone().unwrap_or_default(),
        packages: doc.packages.clone().unwrap_or_default(),
        pending_updates: doc.pending_updates.clone().unwrap_or_default(),
        sources: doc.sources.clone().unwrap_or_default(),
        tags: doc.tags.clone().unwrap_or_default(),
    };
    inventory.normalize();
    for section in &carried {
        let claimed = doc.digests.get(section).map(String::as_str).unwrap_or("");
        if claimed != inventory.digest(*section) {
            return Err(AppError::Invalid(format!(
                "digest of section {} does not match its content",
                section.as_str()
            )));
        }
    }

    Ok(InventoryUpdate {
        document_id: doc.document_id,
        collected_at: doc.collected_at,
        digests: doc.digests,
        facts: carried.contains(&Section::Facts).then_some(FactsSection {
            facts: inventory.facts,
            sources: inventory.sources,
            tags: inventory.tags,
        }),
        packages: carried
            .contains(&Section::Packages)
            .then_some(inventory.packages),
        pending_updates: carried
            .contains(&Section::PendingUpdates)
            .then_some(inventory.pending_updates),
    })
}
