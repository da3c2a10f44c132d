//! Integration tests of steward-core against real tools and the shared test data.
//!
//! The shared data folder is found through `STEWARD_TEST_DATA`, by default `shared/data` beside
//! the repository root. Tests that need it fail with a message saying so when it is absent;
//! tests that need a real tool (`dpkg`) skip with a printed message when it is not installed.

mod apk_versions;
mod dpkg_agreement;
mod version_agreement;
mod version_sources;

use std::path::PathBuf;

/// The shared test data folder; panics with instructions when it cannot be found.
pub fn test_data_dir() -> PathBuf {
    let dir = match std::env::var_os("STEWARD_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.is_dir(),
        "test data folder {} not found: set STEWARD_TEST_DATA to the shared data folder \
         (the one holding inventory/dpkg/…)",
        dir.display()
    );
    dir
}
