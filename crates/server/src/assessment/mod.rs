//! Assessment in the server: importing feed mirrors, the assessment job and the background
//! worker that runs queued jobs, and the findings, advisories and lifecycle in the REST API and
//! the web UI.
//!
//! [`import::import_mirror`] and [`job::assess`] are plain async functions over the store, so
//! the command line, the server's start-up and benchmarks call them directly; inside a running
//! server, work is queued in the store and [`worker`] claims it, so several servers on one
//! database never run one job twice.

pub mod api;
pub mod import;
pub mod job;
pub mod views;
pub mod worker;
