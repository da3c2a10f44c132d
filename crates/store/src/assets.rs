//! [`AssetStore`]: applications read from SBOMs and lockfiles, and assets of other kinds.
//!
//! An application is known by its name: importing a document of the same name again replaces
//! its components in one transaction and records what changed in its history (the first
//! import is the baseline, as a host's first inventory is). Components with an ecosystem and
//! a version point at the same distinct package rows hosts use, so whatever assesses
//! packages covers applications too. Assets of other kinds are matched by the caller (a CSV
//! import matches by asset tag, then serial); the store keeps asset tags and serials unique.

use async_trait::async_trait;
use jiff::Timestamp;
use steward_api::assets::{
    ApplicationDetail, ApplicationEvent, ApplicationImport, ApplicationSummary, Asset,
};
use steward_core::inventory::{Application, AssetKind, AssetRecord};

use crate::{Actor, Result};

/// A document to import as an application.
#[derive(Debug, Clone)]
pub struct NewApplication {
    /// The application's name (its key): the document's name, else the file's.
    pub name: String,
    /// What it was read from: `CycloneDX JSON`, `Cargo.lock`, …
    pub source_format: String,
    /// The file name it came from.
    pub source_file: String,
    /// What the document describes.
    pub application: Application,
}

/// One asset to write: a new one (`id` is `None`) or a change to an existing one.
#[derive(Debug, Clone)]
pub struct AssetWrite {
    /// The asset to change, or `None` to create one.
    pub id: Option<i64>,
    /// Its new content.
    pub record: AssetRecord,
}

/// Applications and other assets. Every method is one transaction.
#[async_trait]
pub trait AssetStore: Send + Sync {
    /// Creates the application, or replaces the components of the one with the same name,
    /// recording the changes in its history and the import in the audit log.
    async fn import_application(
        &self,
        import: &NewApplication,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ApplicationImport>;
    /// Every application, by name.
    async fn applications(&self) -> Result<Vec<ApplicationSummary>>;
    /// One application with its components.
    async fn application(&self, id: i64) -> Result<Option<ApplicationDetail>>;
    /// An application's history, newest first, at most `limit` entries.
    async fn application_history(&self, id: i64, limit: u32) -> Result<Vec<ApplicationEvent>>;

    /// Assets of other kinds (all, or of one kind), by kind then name.
    async fn assets(&self, kind: Option<AssetKind>) -> Result<Vec<Asset>>;
    /// One asset.
    async fn asset(&self, id: i64) -> Result<Option<Asset>>;
    /// Creates and updates assets, all or none; returns their ids in order. A taken asset tag
    /// or serial, or an unknown id, is a [`crate::StoreError::Conflict`] and nothing is
    /// written.
    async fn write_assets(
        &self,
        writes: &[AssetWrite],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<i64>>;
}
