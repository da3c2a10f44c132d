//! dpkg version ordering.

use std::cmp::Ordering;

use super::VersionError;

/// Compares two dpkg versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    unimplemented!("core helper: {a} {b}")
}
