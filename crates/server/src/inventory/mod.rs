//! Inventory: agents enroll and submit documents (`agent`), documents are resolved to a
//! host and applied (`ingest`), and hosts and software are shown through the REST API
//! (`api`) and the web UI (`views`).

pub mod agent;
pub mod api;
pub mod devices;
pub mod glpi;
pub mod glpi_import;
pub mod ingest;
pub mod ocs;
pub mod views;
