//! Versions: each ecosystem orders its versions by its own rules, and Steward follows them.
//!
//! A wrong answer here is a false alarm or a missed vulnerability, so every scheme is tested
//! against the ecosystem's own tool where one runs here (`dpkg --compare-versions`, rpm).

use std::cmp::Ordering;

/// A version ordering scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Debian and Ubuntu: dpkg's epoch, upstream and revision with `~`.
    Dpkg,
    /// RPM-based distributions: epoch, version, release with `~` and `^`.
    Rpm,
    /// Python packages: PEP 440.
    Pep440,
}

/// A version string that its scheme cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{scheme:?} version {version:?} is not valid: {reason}")]
pub struct VersionError {
    /// The scheme that refused it.
    pub scheme: Scheme,
    /// The version string, as given.
    pub version: String,
    /// Why it was refused.
    pub reason: String,
}

impl Scheme {
    /// The scheme an OSV ecosystem name uses (`Debian:12` and `Debian` alike), if Steward knows it.
    pub fn for_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        match base {
            "Debian" | "Ubuntu" => Some(Scheme::Dpkg),
            "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openSUSE" | "SUSE" | "Mageia" => {
                Some(Scheme::Rpm)
            }
            "PyPI" => Some(Scheme::Pep440),
            _ => None,
        }
    }

    /// Compares two versions by this scheme's rules.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        match self {
            Scheme::Dpkg => dpkg::compare(a, b),
            Scheme::Rpm => rpm::compare(a, b),
            Scheme::Pep440 => pep440::compare(a, b),
        }
    }
}

mod dpkg;
mod pep440;
mod rpm;
