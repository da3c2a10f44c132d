//! Assets other than agent hosts, on the wire: applications (from SBOMs and lockfiles) with
//! their components and history, assets of other kinds, and the reports of imports.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use steward_core::inventory::{AssetRecord, Component, Dependency, Unresolved};
use utoipa::ToSchema;

/// An application in lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationSummary {
    /// Application id.
    pub id: i64,
    /// Name (unique): the document's, else the file's.
    pub name: String,
    /// Version, when the document gives one.
    pub version: Option<String>,
    /// What it was read from: `CycloneDX JSON`, `Cargo.lock`, …
    pub source_format: String,
    /// The file name it was last imported from.
    pub source_file: String,
    /// Number of components.
    pub component_count: i64,
    /// First import.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    /// Last import.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
}

/// One application with everything its last import brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationDetail {
    /// The summary.
    #[serde(flatten)]
    pub summary: ApplicationSummary,
    /// Package URL of the application itself.
    pub purl: Option<String>,
    /// The application's own reference in dependency edges.
    pub reference: Option<String>,
    /// Components, in document order.
    #[schema(value_type = Vec<Object>)]
    pub components: Vec<Component>,
    /// Dependency edges.
    #[schema(value_type = Vec<Object>)]
    pub dependencies: Vec<Dependency>,
    /// Entries that could not become components, with why.
    #[schema(value_type = Vec<Object>)]
    pub unresolved: Vec<Unresolved>,
}

/// A finding on one of an application's components, computed when asked from the advisories
/// in the store (applications carry no stored finding state or verdicts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationFinding {
    /// The component's reference in the application.
    pub component: String,
    /// Its ecosystem (`PyPI`, `crates.io`, …).
    pub ecosystem: String,
    /// Its name, as the document spells it.
    pub package: String,
    /// Its version.
    pub version: String,
    /// The matched advisories' ids (linked by aliases), sorted.
    pub ids: Vec<String>,
    /// Their other aliases.
    pub aliases: Vec<String>,
    /// `vulnerability`, `unmaintained`, `unsound` or `notice`.
    pub kind: String,
    /// The affected ranges that hold the version.
    pub ranges: Vec<String>,
    /// Versions that fix it.
    pub fixed: Vec<String>,
    /// Severity rating: `critical`, `high`, `medium`, `low`, `none`; absent when unrated.
    pub severity: Option<String>,
    /// The highest CVSS base score published.
    pub score: Option<f64>,
    /// Whether an id or alias is in CISA's KEV catalog.
    pub kev: bool,
}

/// One entry of an application's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationEvent {
    /// Entry id (increasing).
    pub id: i64,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    /// `imported`, `component_added`, `component_removed`, `component_changed`.
    pub kind: String,
    /// The component (or file) concerned.
    pub name: String,
    /// Details.
    #[schema(value_type = Object)]
    pub change: Value,
}

/// What importing one SBOM or lockfile did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationImport {
    /// The application.
    pub application_id: i64,
    /// Its name.
    pub name: String,
    /// True when the application did not exist before.
    pub created: bool,
    /// Components now.
    pub component_count: usize,
    /// Components added since the previous import.
    pub added: usize,
    /// Components removed since the previous import.
    pub removed: usize,
    /// Components whose version changed.
    pub changed: usize,
    /// Entries that could not become components.
    pub unresolved: usize,
}

/// An asset of a kind no agent reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Asset {
    /// Asset id.
    pub id: i64,
    /// What is recorded.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub record: AssetRecord,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    /// Last change.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
}

/// One row's error in a CSV import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CsvRowError {
    /// Spreadsheet row (the header is row 1).
    pub row: usize,
    /// The column, as its header is written, when the error is in one cell.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// What a CSV row does to the stored assets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CsvRowPlan {
    /// Spreadsheet row.
    pub row: usize,
    /// `create`, `update` or `unchanged`.
    pub action: String,
    /// The existing asset it matched (by asset tag, then serial).
    pub asset_id: Option<i64>,
    /// The asset's name.
    pub name: String,
    /// For updates: the fields that change, as `field: old -> new`.
    pub changes: Vec<String>,
}

/// The report of a CSV import, dry or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CsvImportReport {
    /// True when nothing was written on purpose.
    pub dry_run: bool,
    /// True when the rows in `plan` were written.
    pub imported: bool,
    /// What each good row does (or would do).
    pub plan: Vec<CsvRowPlan>,
    /// Rows that failed, by row and column.
    pub errors: Vec<CsvRowError>,
}
