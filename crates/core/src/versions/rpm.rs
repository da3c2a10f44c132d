//! rpm version ordering.

use std::cmp::Ordering;

use super::VersionError;

/// Compares two rpm versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    unimplemented!("core helper: {a} {b}")
}
