//! Readers for the external formats Steward takes in.
//!
//! Every reader is a pure function of the text (or reader) handed to it: no file is opened
//! here, so the agent and the importers decide where input comes from and name the file in
//! their own errors. Every input is untrusted: readers bound what they read, never panic, and
//! name the line and field of any error they report.

pub mod apt;
pub mod assets_csv;
pub mod dpkg;
pub mod feeds;
pub mod glpi;
pub mod lockfile;
pub mod ocs;
pub mod os_release;
pub mod python;
pub mod rpm;
pub mod sbom;

mod csv_cell;
mod error;
mod lines;

pub use csv_cell::{csv_restore, csv_safe, csv_table};
pub use error::ParseError;

#[cfg(test)]
mod test_data {
    //! Locates the shared test data: `STEWARD_TEST_DATA`, else `shared/data` beside the
    //! workspace root. Tests that need it fail, saying so, when it is absent.

    use std::path::PathBuf;

    /// The path of `relative` inside the test data directory; panics when it is missing.
    pub(crate) fn path(relative: &str) -> PathBuf {
        let root = match std::env::var_os("STEWARD_TEST_DATA") {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        };
        let path = root.join(relative);
        assert!(
            path.exists(),
            "test data {} is absent: set STEWARD_TEST_DATA to the shared data directory",
            path.display()
        );
        path
    }
}
