//! Inventory: what a host reports about itself, and the rules applied to it.
//!
//! A report is split into sections (facts, packages, pending updates, sources) so that each
//! can be digested on its own: an agent whose packages did not change sends only a digest.
//! `identity` decides which known host a report belongs to; `diff` computes what changed
//! between two snapshots of one host. `application` holds what SBOMs and lockfiles describe:
//! an application and its components.

mod application;
mod asset;
pub mod diff;
pub mod identity;
mod model;

pub use application::*;
pub use asset::*;
pub use model::*;
