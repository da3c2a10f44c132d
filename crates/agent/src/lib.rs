//! Steward's host agent: collects this host's inventory, spools it, and submits it.
//!
//! Data flows one way: [`collect()`] reads the host into an
//! [`Inventory`](steward_core::inventory::Inventory); [`scan_document`] wraps it into the
//! [`InventoryDocument`] that `steward scan --json` prints and the agent submits; the
//! [`spool`] keeps documents on disk until the server has acknowledged them; the [`client`]
//! speaks the agent protocol (enroll, check in with digests, send the sections asked for);
//! and [`run`](run::run) ties them into the agent's loop.

pub mod client;
pub mod collect;
pub mod run;
pub mod spool;
pub mod state;
pub mod updates;

use steward_api::agent::{AgentInfo, InventoryDocument};

pub use collect::{CollectOptions, collect};
pub use run::{AgentConfig, run};

/// This program's name and version, as documents carry them.
pub fn agent_info() -> AgentInfo {
    AgentInfo {
        name: "steward-agent".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

/// Collects this host and wraps the inventory into a complete document with a fresh id.
pub fn scan_document(opts: &CollectOptions) -> InventoryDocument {
    let inventory = collect(opts);
    let id = uuid::Uuid::now_v7().to_string();
    InventoryDocument::complete(id, jiff::Timestamp::now(), agent_info(), inventory)
}
