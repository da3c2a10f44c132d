//! Applying a GLPI agent inventory, shared by `POST /glpi` and `steward import glpi`.
//!
//! A computer goes to the host its device is bound to (or its facts resolve to) through the
//! same checks, diffing and history as Steward's own agent; a partial inventory replaces only
//! the fact parts and the package list it carries, over what is stored. Network equipment,
//! printers and phones become assets of their kind, matched by serial, else by kind, name,
//! vendor and model; fields the agent does not report (asset tag, tags, and any it left
//! empty) keep their stored values.

use jiff::Timestamp;
use steward_api::agent::AgentInfo;
use steward_api::assets::Asset;
use steward_core::inventory::{AssetRecord, Inventory, Section, SourceReport, SourceStatus};
use steward_formats::glpi::{HostReport, Item, Message};
use steward_store::{Actor, AssetWrite, Store};

use super::devices::{self, Report};
use crate::AppError;
use crate::assets::import::changed_fields;

/// What importing an inventory did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// A computer's inventory was applied to a host.
    Host {
        /// The host.
        host_id: i64,
        /// History entries written.
        changes: usize,
        /// Packages stored, when the inventory carried them.
        packages: Option<usize>,
        /// Whether only the sections carried were applied.
        partial: bool,
    },
    /// An asset was created, updated or found unchanged.
    Asset {
        /// The asset.
        asset_id: i64,
        /// `created`, `updated` or `unchanged`.
        action: &'static str,
        /// `field: old -> new` for each change.
        changes: Vec<String>,
    },
}

/// The device key of a GLPI agent: its own device id, apart from other agents' keys.
pub fn device_key(device_id: &str) -> String {
    format!("glpi:{device_id}")
}

/// Applies an inventory message (one whose `item` is set).
pub async fn import(
    store: &dyn Store,
    message: Message,
    actor: &Actor,
    now: Timestamp,
) -> Result<Imported, AppError> {
    let key = device_key(&message.device_id);
    let agent = message.agent.unwrap_or_else(|| "GLPI agent".to_owned());
    match message.item {
        Some(Item::Host(report)) => host(store, &key, &agent, *report, now).await,
        Some(Item::Asset(record)) => asset(store, *record, actor, now).await,
        None => Err(AppError::Invalid(
            "the message is no inventory: nothing to import".into(),
        )),
    }
}

async fn host(
    store: &dyn Store,
    key: &str,
    agent: &str,
    report: HostReport,
    now: Timestamp,
) -> Result<Imported, AppError> {
    if report.facts.hostname.is_empty() && store.device_binding(key).await?.is_none() {
        return Err(AppError::Invalid(
            "a partial inventory without content.hardware.name from a device never seen \
             before: send a full inventory first"
                .into(),
        ));
    }
    let host_id = devices::host_of_device(store, key, &report.facts, now).await?;
    let (stored_facts, stored_sources) = match store.host(host_id).await? {
        Some(host) => (host.facts, host.sources),
        None => Default::default(),
    };
    let facts = report.facts_over(&stored_facts);
    let packages = report.packages_over(&stored_facts);
    let mut sections = Vec::new();
    if !report.partial || !report.parts.is_empty() {
        sections.push(Section::Facts);
    }
    if packages.is_some() {
        sections.push(Section::Packages);
    }
    let sources = if report.partial && !stored_sources.is_empty() {
        stored_sources
    } else {
        vec![SourceReport {
            name: "glpi-agent".to_owned(),
            status: SourceStatus::Ok,
            detail: format!(
                "reported by {agent}; {} packages, {} other software entries left out",
                packages.as_ref().map_or(0, Vec::len),
                report.skipped_software
            ),
        }]
    };
    let package_count = packages.as_ref().map(Vec::len);
    let applied = devices::apply_to_host(
        store,
        host_id,
        Report {
            device_key: key.to_owned(),
            agent: AgentInfo {
                name: agent.chars().take(100).collect(),
                version: String::new(),
            },
            inventory: Inventory {
                facts,
                packages: packages.unwrap_or_default(),
                sources,
                ..Inventory::default()
            },
            sections,
        },
        now,
    )
    .await?;
    Ok(Imported::Host {
        host_id,
        changes: applied.changes,
        packages: package_count,
        partial: report.partial,
    })
}

async fn asset(
    store: &dyn Store,
    mut record: AssetRecord,
    actor: &Actor,
    now: Timestamp,
) -> Result<Imported, AppError> {
    let existing = store.assets(None).await?;
    let matched = matching(&existing, &record);
    let changes = match matched {
        Some(stored) => {
            keep_unreported(&stored.record, &mut record);
            changed_fields(&stored.record, &record)
        }
        None => Vec::new(),
    };
    let action = match matched {
        None => "created",
        Some(_) if changes.is_empty() => "unchanged",
        Some(_) => "updated",
    };
    let asset_id = match matched {
        Some(stored) if changes.is_empty() => stored.id,
        _ => {
            let write = AssetWrite {
                id: matched.map(|m| m.id),
                record,
            };
            let ids = store.write_assets(&[write], actor, now).await?;
            ids.first().copied().ok_or_else(|| {
                AppError::Internal("the store wrote an asset but returned no id".into())
            })?
        }
    };
    Ok(Imported::Asset {
        asset_id,
        action,
        changes,
    })
}

/// The stored asset an inventory describes: the one with its serial, else the one of the
/// same kind, name, vendor and model that has no other serial.
fn matching<'a>(existing: &'a [Asset], record: &AssetRecord) -> Option<&'a Asset> {
    if let Some(serial) = &record.serial
        && let Some(found) = existing
            .iter()
            .find(|a| a.record.serial.as_ref() == Some(serial))
    {
        return Some(found);
    }
    existing.iter().find(|a| {
        let stored = &a.record;
        stored.kind == record.kind
            && stored.name == record.name
            && stored.vendor == record.vendor
            && stored.model == record.model
            && (stored.serial.is_none() || stored.serial == record.serial)
    })
}

/// What people maintain (asset tag, tags) and what the agent left empty stay as stored.
fn keep_unreported(stored: &AssetRecord, record: &mut AssetRecord) {
    record.asset_tag.clone_from(&stored.asset_tag);
    record.tags.clone_from(&stored.tags);
    let optional = [
        (&stored.serial, &mut record.serial),
        (&stored.vendor, &mut record.vendor),
        (&stored.model, &mut record.model),
        (&stored.location, &mut record.location),
        (&stored.owner, &mut record.owner),
        (&stored.notes, &mut record.notes),
    ];
    for (stored, new) in optional {
        if new.is_none() {
            new.clone_from(stored);
        }
    }
}
