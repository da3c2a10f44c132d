//! Inventory diff: what changed between two snapshots of one host.
//!
//! Only the changes are written to the store, and each becomes an entry in the host's
//! history. Packages are paired by (ecosystem, name, architecture); a version change is an
//! upgrade or a downgrade by the ecosystem's own version rules.

use serde::{Deserialize, Serialize};

/// One change between two snapshots of a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A package that was not installed now is.
    PackageAdded {
        /// Ecosystem of the package.
        ecosystem: String,
        /// Package name.
        name: String,
        /// Architecture.
        arch: String,
        /// Installed version.
        version: String,
    },
    /// A package that was installed no longer is.
    PackageRemoved {
        /// Ecosystem of the package.
        ecosystem: String,
        /// Package name.
        name: String,
        /// Architecture.
        arch: String,
        /// Version that was installed.
        version: String,
    },
    /// A package moved to a higher version.
    PackageUpgraded {
        /// Ecosystem of the package.
        ecosystem: String,
        /// Package name.
        name: String,
        /// Architecture.
        arch: String,
        /// Previous version.
        from: String,
        /// New version.
        to: String,
    },
    /// A package moved to a lower version.
    PackageDowngraded {
        /// Ecosystem of the package.
        ecosystem: String,
        /// Package name.
        name: String,
        /// Architecture.
        arch: String,
        /// Previous version.
        from: String,
        /// New version.
        to: String,
    },
    /// A host fact changed value (a flattened field path such as `os.version_id`).
    FactChanged {
        /// Dotted path of the fact.
        field: String,
        /// Previous value, rendered as text; `None` when it was absent.
        from: Option<String>,
        /// New value, rendered as text; `None` when it is now absent.
        to: Option<String>,
    },
}

/// Changes from `old` to `new` package lists (each sorted or not), ordered by package name.
pub fn diff_packages(
    old: &[super::InstalledPackage],
    new: &[super::InstalledPackage],
) -> Vec<Change> {
    unimplemented!("core helper: {old:?} {new:?}")
}

/// Changes from `old` to `new` facts, one per changed leaf field.
pub fn diff_facts(old: &super::HostFacts, new: &super::HostFacts) -> Vec<Change> {
    unimplemented!("core helper: {old:?} {new:?}")
}
