//! Assets other than agent hosts: applications imported from SBOMs and lockfiles, assets of
//! other kinds imported from CSV, and SBOM export of any host or application.
//!
//! `import` holds the steps the REST API and the command line share (read a document into an
//! application, plan and apply a CSV import, build a host's or application's CycloneDX);
//! `api` serves them under `/api/v1`; `views` shows applications and assets in the web UI;
//! `assessment` matches an application's components against the store's advisories.

pub mod api;
pub mod assessment;
pub mod import;
pub mod views;
