//! pep440 version ordering.

use std::cmp::Ordering;

use super::VersionError;

/// Compares two pep440 versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    unimplemented!("core helper: {a} {b}")
}
