//! Inventory diff: what changed between two snapshots of one host.
//!
//! Only the changes are written to the store, and each becomes an entry in the host's
//! history. Packages are paired by (ecosystem, name, architecture); a version change is an
//! upgrade or a downgrade by the ecosystem's own version rules, and where those rules cannot
//! tell (no scheme for the ecosystem, a version they refuse, two spellings of one version) the
//! change is a removal and an addition rather than a guess. Facts are compared leaf by leaf,
//! with list elements keyed by what names them (a disk by its name, a filesystem by its mount
//! point) so that reordering a list is no change.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{HostFacts, InstalledPackage};
use crate::versions::Scheme;

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

/// Changes from `old` to `new` package lists (each sorted or not), ordered by (name, arch,
/// ecosystem), removals before additions within one package.
///
/// Packages pair by (ecosystem, name, arch). A version on both sides is unchanged. When exactly
/// one old and one new version remain for a package, the change is an upgrade or a downgrade by
/// [`Scheme::for_ecosystem`]; otherwise (several versions installed side by side, no scheme, a
/// version the scheme refuses or finds equal) each is reported as removed or added.
pub fn diff_packages(old: &[InstalledPackage], new: &[InstalledPackage]) -> Vec<Change> {
    let old = versions_by_package(old);
    let new = versions_by_package(new);
    let keys: BTreeSet<&PackageId> = old.keys().chain(new.keys()).collect();

    let mut changes = Vec::new();
    for key in keys {
        let empty = BTreeSet::new();
        let before = old.get(key).unwrap_or(&empty);
        let after = new.get(key).unwrap_or(&empty);
        let removed: Vec<&str> = before.difference(after).copied().collect();
        let added: Vec<&str> = after.difference(before).copied().collect();
        changes.extend(package_changes(key, &removed, &added));
    }
    changes
}

/// (name, arch, ecosystem): the order changes are reported in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PackageId<'a> {
    name: &'a str,
    arch: &'a str,
    ecosystem: &'a str,
}

fn versions_by_package(packages: &[InstalledPackage]) -> BTreeMap<PackageId<'_>, BTreeSet<&str>> {
    let mut map: BTreeMap<PackageId<'_>, BTreeSet<&str>> = BTreeMap::new();
    for package in packages {
        let id = PackageId {
            name: &package.name,
            arch: &package.arch,
            ecosystem: &package.ecosystem,
        };
        map.entry(id).or_default().insert(&package.version);
    }
    map
}

fn package_changes(id: &PackageId<'_>, removed: &[&str], added: &[&str]) -> Vec<Change> {
    let ecosystem = id.ecosystem.to_owned();
    let name = id.name.to_owned();
    let arch = id.arch.to_owned();

    if let ([from], [to]) = (removed, added) {
        let order = Scheme::for_ecosystem(id.ecosystem).map(|scheme| scheme.compare(from, to));
        let (from, to) = ((*from).to_owned(), (*to).to_owned());
        match order {
            Some(Ok(Ordering::Less)) => {
                return vec![Change::PackageUpgraded {
                    ecosystem,
                    name,
                    arch,
                    from,
                    to,
                }];
            }
            Some(Ok(Ordering::Greater)) => {
                return vec![Change::PackageDowngraded {
                    ecosystem,
                    name,
                    arch,
                    from,
                    to,
                }];
            }
            _ => {}
        }
    }

    let removals = removed.iter().map(|version| Change::PackageRemoved {
        ecosystem: ecosystem.clone(),
        name: name.clone(),
        arch: arch.clone(),
        version: (*version).to_owned(),
    });
    let additions = added.iter().map(|version| Change::PackageAdded {
        ecosystem: ecosystem.clone(),
        name: name.clone(),
        arch: arch.clone(),
        version: (*version).to_owned(),
    });
    removals.chain(additions).collect()
}

/// Changes from `old` to `new` facts, one per changed leaf field, sorted by field path.
///
/// Paths are the dotted serde field names (`os.version_id`, `dmi.serial`, `cpu.cores`). List
/// elements are named by their natural key in brackets — `disks[vda].size_bytes`,
/// `filesystems[/boot].fs_type`, `interfaces[eth0].mac` — and lists of plain values (an
/// interface's addresses) are one leaf holding the sorted values joined by commas, so that
/// reordering a list is no change. Absent (`null`) values and empty lists are no leaf.
pub fn diff_facts(old: &HostFacts, new: &HostFacts) -> Vec<Change> {
    let old = fact_leaves(old);
    let new = fact_leaves(new);
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();

    paths
        .into_iter()
        .filter(|path| old.get(*path) != new.get(*path))
        .map(|path| Change::FactChanged {
            field: path.clone(),
            from: old.get(path).cloned(),
            to: new.get(path).cloned(),
        })
        .collect()
}

/// The natural key of the elements of each list of objects in [`HostFacts`].
const LIST_KEYS: &[(&str, &str)] = &[
    ("disks", "name"),
    ("filesystems", "mount_point"),
    ("interfaces", "name"),
];

/// Every leaf of the facts as (path, value as text).
fn fact_leaves(facts: &HostFacts) -> BTreeMap<String, String> {
    let mut leaves = BTreeMap::new();
    // Serialising plain structs with string keys cannot fail; a `null` would flatten to nothing.
    let value = serde_json::to_value(facts).unwrap_or(Value::Null);
    flatten("", "", &value, &mut leaves);
    leaves
}

fn flatten(path: &str, field: &str, value: &Value, leaves: &mut BTreeMap<String, String>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, child) in map {
                flatten(&join(path, key), key, child, leaves);
            }
        }
        Value::Array(items)
            if items
                .iter()
                .all(|item| !item.is_object() && !item.is_array()) =>
        {
            let mut texts: Vec<String> = items.iter().filter_map(scalar_text).collect();
            texts.sort();
            if !texts.is_empty() {
                leaves.insert(path.to_owned(), texts.join(","));
            }
        }
        Value::Array(items) => {
            let key_field = LIST_KEYS
                .iter()
                .find(|(list, _)| *list == field)
                .map(|(_, key)| *key);
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for (index, item) in items.iter().enumerate() {
                let key = element_key(item, key_field).unwrap_or_else(|| index.to_string());
                let count = seen.entry(key.clone()).or_default();
                *count += 1;
                // Two elements with one key (which should not happen) are kept apart, not merged.
                let key = if *count > 1 {
                    format!("{key}#{count}")
                } else {
                    key
                };
                flatten(&format!("{path}[{key}]"), "", item, leaves);
            }
        }
        scalar => {
            if let Some(text) = scalar_text(scalar) {
                leaves.insert(path.to_owned(), text);
            }
        }
    }
}

fn element_key(item: &Value, key_field: Option<&str>) -> Option<String> {
    let key = item.get(key_field?)?.as_str()?;
    (!key.is_empty()).then(|| key.to_owned())
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null | Value::Array(_) | Value::Object(_) => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Disk, Filesystem, NetworkInterface, PackageSource};

    fn pkg(ecosystem: &str, name: &str, arch: &str, version: &str) -> InstalledPackage {
        InstalledPackage {
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            version: version.to_owned(),
            arch: arch.to_owned(),
            source_name: None,
            source_version: None,
            source: PackageSource::Dpkg,
            status: "installed".to_owned(),
        }
    }

    fn upgraded(ecosystem: &str, name: &str, arch: &str, from: &str, to: &str) -> Change {
        let (ecosystem, name, arch) = (ecosystem.to_owned(), name.to_owned(), arch.to_owned());
        let (from, to) = (from.to_owned(), to.to_owned());
        Change::PackageUpgraded {
            ecosystem,
            name,
            arch,
            from,
            to,
        }
    }

    fn added(ecosystem: &str, name: &str, arch: &str, version: &str) -> Change {
        let (ecosystem, name, arch) = (ecosystem.to_owned(), name.to_owned(), arch.to_owned());
        Change::PackageAdded {
            ecosystem,
            name,
            arch,
            version: version.to_owned(),
        }
    }

    fn removed(ecosystem: &str, name: &str, arch: &str, version: &str) -> Change {
        let (ecosystem, name, arch) = (ecosystem.to_owned(), name.to_owned(), arch.to_owned());
        Change::PackageRemoved {
            ecosystem,
            name,
            arch,
            version: version.to_owned(),
        }
    }

    #[test]
    fn unchanged_packages_in_any_order_are_no_change() {
        let old = [
            pkg("Debian", "bash", "amd64", "5.2.15-2+b2"),
            pkg("PyPI", "idna", "", "3.4"),
        ];
        let new = [old[1].clone(), old[0].clone()];
        assert_eq!(diff_packages(&old, &new), vec![]);
    }

    #[test]
    fn debian_epoch_change_is_an_upgrade_even_when_the_upstream_goes_down() {
        let old = [pkg("Debian", "openssh-server", "amd64", "9.2p1-2+deb12u3")];
        let new = [pkg("Debian", "openssh-server", "amd64", "1:8.0p1-1")];
        assert_eq!(
            diff_packages(&old, &new),
            vec![upgraded(
                "Debian",
                "openssh-server",
                "amd64",
                "9.2p1-2+deb12u3",
                "1:8.0p1-1"
            )]
        );
    }

    #[test]
    fn debian_security_update_is_an_upgrade() {
        let old = [pkg("Debian", "libc6", "amd64", "2.36-9+deb12u4")];
        let new = [pkg("Debian", "libc6", "amd64", "2.36-9+deb12u10")];
        let changes = diff_packages(&old, &new);
        assert_eq!(
            changes,
            vec![upgraded(
                "Debian",
                "libc6",
                "amd64",
                "2.36-9+deb12u4",
                "2.36-9+deb12u10"
            )]
        );
    }

    #[test]
    fn pypi_downgrade_is_detected_by_pep440_not_by_text() {
        let old = [pkg("PyPI", "requests", "", "2.10.0")];
        let new = [pkg("PyPI", "requests", "", "2.9.2")];
        assert_eq!(
            diff_packages(&old, &new),
            vec![Change::PackageDowngraded {
                ecosystem: "PyPI".to_owned(),
                name: "requests".to_owned(),
                arch: String::new(),
                from: "2.10.0".to_owned(),
                to: "2.9.2".to_owned(),
            }]
        );
    }

    #[test]
    fn unknown_ecosystem_or_unreadable_version_is_removed_and_added_not_guessed() {
        let old = [
            pkg("Hackage", "left-pad", "", "1.0.0"),
            pkg("PyPI", "legacy", "", "2004d"),
        ];
        let new = [
            pkg("Hackage", "left-pad", "", "1.1.0"),
            pkg("PyPI", "legacy", "", "2.0"),
        ];
        assert_eq!(
            diff_packages(&old, &new),
            vec![
                removed("Hackage", "left-pad", "", "1.0.0"),
                added("Hackage", "left-pad", "", "1.1.0"),
                removed("PyPI", "legacy", "", "2004d"),
                added("PyPI", "legacy", "", "2.0"),
            ]
        );
    }

    #[test]
    fn two_spellings_of_one_version_are_removed_and_added() {
        let old = [pkg("PyPI", "six", "", "1.16")];
        let new = [pkg("PyPI", "six", "", "1.16.0")];
        assert_eq!(
            diff_packages(&old, &new),
            vec![
                removed("PyPI", "six", "", "1.16"),
                added("PyPI", "six", "", "1.16.0")
            ]
        );
    }

    #[test]
    fn side_by_side_versions_and_new_architectures_are_added_and_removed() {
        let old = [
            pkg("Debian", "linux-image-amd64", "amd64", "6.1.106-3"),
            pkg("Debian", "linux-image-6.1.0-25-amd64", "amd64", "6.1.106-3"),
            pkg("Debian", "libssl3", "amd64", "3.0.15-1~deb12u1"),
        ];
        let new = [
            pkg("Debian", "linux-image-amd64", "amd64", "6.1.106-3"),
            pkg("Debian", "linux-image-6.1.0-25-amd64", "amd64", "6.1.106-3"),
            pkg("Debian", "linux-image-6.1.0-26-amd64", "amd64", "6.1.112-1"),
            pkg("Debian", "libssl3", "amd64", "3.0.15-1~deb12u1"),
            pkg("Debian", "libssl3", "i386", "3.0.15-1~deb12u1"),
            pkg("Debian", "zlib1g", "amd64", "1:1.2.13.dfsg-1"),
        ];
        assert_eq!(
            diff_packages(&old, &new),
            vec![
                added("Debian", "libssl3", "i386", "3.0.15-1~deb12u1"),
                added("Debian", "linux-image-6.1.0-26-amd64", "amd64", "6.1.112-1"),
                added("Debian", "zlib1g", "amd64", "1:1.2.13.dfsg-1"),
            ]
        );
        assert_eq!(
            diff_packages(&new, &old),
            vec![
                removed("Debian", "libssl3", "i386", "3.0.15-1~deb12u1"),
                removed("Debian", "linux-image-6.1.0-26-amd64", "amd64", "6.1.112-1"),
                removed("Debian", "zlib1g", "amd64", "1:1.2.13.dfsg-1"),
            ]
        );
    }

    #[test]
    fn two_versions_replaced_by_one_is_not_called_an_upgrade() {
        let old = [
            pkg("PyPI", "pip", "", "23.0"),
            pkg("PyPI", "pip", "", "24.0"),
        ];
        let new = [pkg("PyPI", "pip", "", "24.2")];
        assert_eq!(
            diff_packages(&old, &new),
            vec![
                removed("PyPI", "pip", "", "23.0"),
                removed("PyPI", "pip", "", "24.0"),
                added("PyPI", "pip", "", "24.2"),
            ]
        );
    }

    #[test]
    fn one_of_two_versions_kept_and_one_upgraded() {
        let old = [
            pkg("PyPI", "pip", "", "23.0"),
            pkg("PyPI", "pip", "", "24.0"),
        ];
        let new = [
            pkg("PyPI", "pip", "", "23.0"),
            pkg("PyPI", "pip", "", "24.2"),
        ];
        assert_eq!(
            diff_packages(&old, &new),
            vec![upgraded("PyPI", "pip", "", "24.0", "24.2")]
        );
    }

    fn sample_facts() -> HostFacts {
        let mut facts = HostFacts {
            hostname: "web01".to_owned(),
            ..HostFacts::default()
        };
        facts.os.version_id = Some("12".to_owned());
        facts.dmi.serial = Some("CZ1".to_owned());
        facts.cpu.cores = Some(4);
        facts.disks = vec![
            Disk {
                name: "vda".to_owned(),
                size_bytes: 100,
                model: None,
                serial: None,
            },
            Disk {
                name: "vdb".to_owned(),
                size_bytes: 200,
                model: None,
                serial: None,
            },
        ];
        facts.filesystems = vec![
            Filesystem {
                mount_point: "/".to_owned(),
                device: "/dev/vda1".to_owned(),
                fs_type: "ext4".to_owned(),
                size_bytes: 90,
            },
            Filesystem {
                mount_point: "/boot".to_owned(),
                device: "/dev/vda2".to_owned(),
                fs_type: "ext4".to_owned(),
                size_bytes: 10,
            },
        ];
        facts.interfaces = vec![NetworkInterface {
            name: "eth0".to_owned(),
            mac: Some("02:fc:00:00:00:01".to_owned()),
            addresses: vec!["198.51.100.7/24".to_owned(), "2001:db8::7/64".to_owned()],
            virtual_device: true,
        }];
        facts
    }

    fn fact(field: &str, from: Option<&str>, to: Option<&str>) -> Change {
        Change::FactChanged {
            field: field.to_owned(),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        }
    }

    #[test]
    fn identical_facts_have_no_changes() {
        assert_eq!(diff_facts(&sample_facts(), &sample_facts()), vec![]);
    }

    #[test]
    fn reordered_lists_are_no_change() {
        let old = sample_facts();
        let mut new = sample_facts();
        new.disks.reverse();
        new.filesystems.reverse();
        new.interfaces[0].addresses.reverse();
        assert_eq!(diff_facts(&old, &new), vec![]);
    }

    #[test]
    fn one_change_per_differing_leaf_sorted_by_path() {
        let old = sample_facts();
        let mut new = sample_facts();
        new.os.version_id = Some("13".to_owned());
        new.dmi.serial = None;
        new.cpu.cores = Some(8);
        new.kernel = Some("6.1.0-26-amd64".to_owned());
        new.disks[1].size_bytes = 400;
        new.filesystems[1].fs_type = "vfat".to_owned();
        new.interfaces[0].addresses.push("192.0.2.9/24".to_owned());

        assert_eq!(
            diff_facts(&old, &new),
            vec![
                fact("cpu.cores", Some("4"), Some("8")),
                fact("disks[vdb].size_bytes", Some("200"), Some("400")),
                fact("dmi.serial", Some("CZ1"), None),
                fact("filesystems[/boot].fs_type", Some("ext4"), Some("vfat")),
                fact(
                    "interfaces[eth0].addresses",
                    Some("198.51.100.7/24,2001:db8::7/64"),
                    Some("192.0.2.9/24,198.51.100.7/24,2001:db8::7/64"),
                ),
                fact("kernel", None, Some("6.1.0-26-amd64")),
                fact("os.version_id", Some("12"), Some("13")),
            ]
        );
    }

    #[test]
    fn a_removed_disk_is_each_of_its_leaves_gone() {
        let old = sample_facts();
        let mut new = sample_facts();
        new.disks.retain(|disk| disk.name != "vdb");
        assert_eq!(
            diff_facts(&old, &new),
            vec![
                fact("disks[vdb].name", Some("vdb"), None),
                fact("disks[vdb].size_bytes", Some("200"), None),
            ]
        );
    }
}
