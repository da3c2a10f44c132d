//! The inventory in an OCS `CONTENT` element, mapped into Steward's model.
//!
//! Both agents use the same element names for what Steward keeps (`HARDWARE`, `BIOS`, `CPUS`,
//! `STORAGES`, `DRIVES`, `NETWORKS`, `SOFTWARES`); FusionInventory adds `OPERATINGSYSTEM`.
//! Sizes are in megabytes there and bytes here. Values that do not parse are left out rather
//! than failing the whole inventory: an agent on an odd machine still reports the rest.

use std::collections::BTreeMap;

use steward_core::inventory::{
    Cpu, Disk, Filesystem, HostFacts, InstalledPackage, NetworkInterface, OsRelease, PackageSource,
    SourceReport, SourceStatus,
};

use super::Element;

/// What one OCS inventory says about its host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OcsInventory {
    /// Host facts.
    pub facts: HostFacts,
    /// Installed packages that came from a distribution's package manager.
    pub packages: Vec<InstalledPackage>,
    /// The agent and what it read, as a source report.
    pub sources: Vec<SourceReport>,
    /// Software entries left out: not from dpkg or rpm, or with no name or version.
    pub skipped_software: usize,
}

const MIB: u64 = 1 << 20;

/// Maps an inventory's `CONTENT` element.
pub fn map_inventory(content: &Element) -> OcsInventory {
    let hardware = content.child("HARDWARE");
    let os = content.child("OPERATINGSYSTEM");
    let text = |element: Option<&Element>, name: &str| {
        element.and_then(|e| e.text_of(name)).map(str::to_owned)
    };

    let os_release = os_release(hardware, os);
    let ecosystem = ecosystem(os_release.id.as_deref());
    let (packages, skipped_software) = packages(content, &ecosystem);
    let facts = HostFacts {
        hostname: text(hardware, "NAME").unwrap_or_default(),
        fqdn: text(os, "FQDN").filter(|fqdn| fqdn.contains('.')),
        os: os_release,
        kernel: text(os, "KERNEL_VERSION"),
        arch: text(os, "ARCH")
            .or_else(|| text(hardware, "ARCH"))
            .or_else(|| {
                content
                    .child("CPUS")
                    .and_then(|cpu| cpu.text_of("CPUARCH"))
                    .map(str::to_owned)
            }),
        machine_id: None,
        dmi: dmi(content),
        cpu: cpu(content),
        memory_bytes: megabytes(text(hardware, "MEMORY")),
        swap_bytes: megabytes(text(hardware, "SWAP")),
        disks: disks(content),
        filesystems: filesystems(content),
        interfaces: interfaces(content),
        boot_time: None,
    };
    let agent = content
        .text_of("VERSIONCLIENT")
        .or_else(|| hardware.and_then(|h| h.text_of("USERAGENT")))
        .unwrap_or("OCS Inventory agent");
    let sources = vec![SourceReport {
        name: "ocs-agent".to_owned(),
        status: SourceStatus::Ok,
        detail: format!("reported by {agent}; {} packages", packages.len()),
    }];

    OcsInventory {
        facts,
        packages,
        sources,
        skipped_software,
    }
}

pub(crate) fn megabytes(value: Option<String>) -> Option<u64> {
    value?
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|mb| *mb > 0)
        .and_then(|mb| mb.checked_mul(MIB))
}

/// os-release fields from FusionInventory's `OPERATINGSYSTEM`, else from `HARDWARE/OSNAME`.
fn os_release(hardware: Option<&Element>, os: Option<&Element>) -> OsRelease {
    let text = |element: Option<&Element>, name: &str| {
        element.and_then(|e| e.text_of(name)).map(str::to_owned)
    };
    let name = text(os, "NAME").or_else(|| text(hardware, "OSNAME"));
    let pretty_name = text(os, "FULL_NAME").or_else(|| {
        text(hardware, "OSCOMMENTS").filter(|c| name.as_deref().is_some_and(|n| same_os(n, c)))
    });
    let version = text(os, "VERSION").or_else(|| {
        // The OCS agent puts the release in OSVERSION and the name with its release in OSNAME;
        // FusionInventory's OSVERSION is the kernel's.
        text(hardware, "OSVERSION")
            .filter(|v| name.as_deref().is_some_and(|n| n.ends_with(v.as_str())))
    });
    release_of(name, pretty_name, version)
}

/// os-release fields from a distribution's display name, full name and release, as the
/// FusionInventory family of agents (OCS, FusionInventory, GLPI) reports them.
pub(crate) fn release_of(
    name: Option<String>,
    pretty_name: Option<String>,
    version: Option<String>,
) -> OsRelease {
    let id = name.as_deref().and_then(os_id);
    let pretty_name = pretty_name.or_else(|| name.clone());
    let version_id = version.map(|v| match id.as_deref() {
        // Debian's os-release says "12" where /etc/debian_version (which the agents read) says
        // "12.11".
        Some("debian") => v.split('.').next().unwrap_or(&v).to_owned(),
        // Ubuntu's says "22.04" where the agents read "22.04.3".
        Some("ubuntu") => v.split('.').take(2).collect::<Vec<_>>().join("."),
        _ => v,
    });
    let codename = pretty_name.as_deref().and_then(|p| {
        let inner = p.rsplit_once('(')?.1.strip_suffix(')')?;
        (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_lowercase()))
            .then(|| inner.to_owned())
    });
    OsRelease {
        id,
        id_like: None,
        name: name.map(|n| strip_release(&n)),
        version_id,
        version_codename: codename,
        pretty_name,
    }
}

fn same_os(name: &str, other: &str) -> bool {
    let first = |s: &str| s.split_whitespace().next().map(str::to_ascii_lowercase);
    first(name) == first(other)
}

/// "Debian GNU/Linux 12" → "Debian GNU/Linux": the OCS agent appends the release.
fn strip_release(name: &str) -> String {
    match name.rsplit_once(' ') {
        Some((head, tail)) if tail.starts_with(|c: char| c.is_ascii_digit()) => head.to_owned(),
        _ => name.to_owned(),
    }
}

/// The os-release `ID` for a distribution's display name.
fn os_id(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let known = [
        ("red hat", "rhel"),
        ("rocky", "rocky"),
        ("almalinux", "almalinux"),
        ("opensuse leap", "opensuse-leap"),
        ("opensuse tumbleweed", "opensuse-tumbleweed"),
        ("opensuse", "opensuse"),
        ("suse linux enterprise server", "sles"),
        ("suse linux enterprise desktop", "sled"),
        ("linux mint", "linuxmint"),
        ("oracle linux", "ol"),
        ("amazon linux", "amzn"),
    ];
    if let Some((_, id)) = known.iter().find(|(prefix, _)| lower.starts_with(prefix)) {
        return Some((*id).to_owned());
    }
    let first = lower.split_whitespace().next()?;
    first
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
        .then(|| first.to_owned())
}

/// The OSV ecosystem of a distribution's packages, as Steward's own agent names it.
pub(crate) fn ecosystem(id: Option<&str>) -> String {
    let Some(id) = id else {
        return String::new();
    };
    let known = match id {
        "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        "almalinux" => "AlmaLinux",
        "rocky" => "Rocky Linux",
        "rhel" => "Red Hat",
        "opensuse" | "opensuse-leap" | "opensuse-tumbleweed" => "openSUSE",
        "sles" | "sled" => "SUSE",
        "mageia" => "Mageia",
        "openeuler" => "openEuler",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let mut chars = id.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn packages(content: &Element, ecosystem: &str) -> (Vec<InstalledPackage>, usize) {
    let mut packages = Vec::new();
    let mut skipped = 0;
    for software in content.all("SOFTWARES") {
        let source = match software.text_of("FROM") {
            Some("deb") => PackageSource::Dpkg,
            Some("rpm") => PackageSource::Rpm,
            _ => {
                skipped += 1;
                continue;
            }
        };
        let (Some(name), Some(version)) = (software.text_of("NAME"), software.text_of("VERSION"))
        else {
            skipped += 1;
            continue;
        };
        let arch = software
            .text_of("ARCH")
            .or_else(|| software.text_of("ARCHITECTURE"))
            .unwrap_or_default();
        packages.push(distribution_package(ecosystem, name, version, arch, source));
    }
    (packages, skipped)
}

/// A package from dpkg or rpm as a distribution package of `ecosystem`.
pub(crate) fn distribution_package(
    ecosystem: &str,
    name: &str,
    version: &str,
    arch: &str,
    source: PackageSource,
) -> InstalledPackage {
    // The OCS agent lists Multi-Arch packages as `name:arch`.
    let name = name
        .strip_suffix(arch)
        .and_then(|n| n.strip_suffix(':'))
        .filter(|_| !arch.is_empty())
        .unwrap_or(name);
    InstalledPackage {
        ecosystem: ecosystem.to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
        arch: arch.to_owned(),
        source_name: None,
        source_version: None,
        source,
        status: "installed".to_owned(),
    }
}

fn dmi(content: &Element) -> steward_core::inventory::Dmi {
    let bios = content.child("BIOS");
    let text = |name: &str| bios.and_then(|b| b.text_of(name)).map(str::to_owned);
    let uuid = content
        .child("HARDWARE")
        .and_then(|h| h.text_of("UUID"))
        .map(str::to_owned);
    steward_core::inventory::Dmi {
        vendor: text("SMANUFACTURER").or_else(|| text("MMANUFACTURER")),
        model: text("SMODEL"),
        serial: text("SSN"),
        uuid,
        board_serial: text("MSN"),
        chassis_serial: None,
        bios_vendor: text("BMANUFACTURER"),
        bios_version: text("BVERSION"),
        bios_date: text("BDATE"),
    }
}

fn cpu(content: &Element) -> Cpu {
    let cpus: Vec<&Element> = content.all("CPUS").collect();
    let number = |cpu: &Element, names: &[&str]| {
        names
            .iter()
            .find_map(|name| cpu.text_of(name))
            .and_then(|v| v.parse::<u32>().ok())
    };
    let Some(first) = cpus.first() else {
        return Cpu::default();
    };
    let sockets = number(first, &["NBSOCKET"]).or(u32::try_from(cpus.len()).ok());
    let cores: Option<u32> = cpus.iter().map(|cpu| number(cpu, &["CORE", "CORES"])).sum();
    // The OCS agent counts logical processors for the machine; FusionInventory's THREAD is
    // the logical processors of one socket.
    let threads = number(first, &["LOGICAL_CPUS"])
        .or_else(|| cpus.iter().map(|cpu| number(cpu, &["THREAD"])).sum());
    Cpu {
        model: first
            .text_of("NAME")
            .or_else(|| first.text_of("TYPE"))
            .map(str::to_owned),
        sockets,
        cores,
        threads,
    }
}

fn disks(content: &Element) -> Vec<Disk> {
    content
        .all("STORAGES")
        .filter_map(|storage| {
            let name = storage.text_of("NAME")?;
            let size_bytes = megabytes(storage.text_of("DISKSIZE").map(str::to_owned))?;
            Some(Disk {
                name: name.to_owned(),
                size_bytes,
                model: storage.text_of("MODEL").map(str::to_owned),
                serial: storage.text_of("SERIALNUMBER").map(str::to_owned),
            })
        })
        .collect()
}

fn filesystems(content: &Element) -> Vec<Filesystem> {
    content
        .all("DRIVES")
        .filter_map(|drive| {
            // On Unix the agents put the mount point in TYPE and the device in VOLUMN.
            let mount_point = drive
                .text_of("MOUNTPOINT")
                .or_else(|| drive.text_of("TYPE"))?;
            Some(Filesystem {
                mount_point: mount_point.to_owned(),
                device: drive.text_of("VOLUMN").unwrap_or_default().to_owned(),
                fs_type: drive.text_of("FILESYSTEM").unwrap_or_default().to_owned(),
                size_bytes: megabytes(drive.text_of("TOTAL").map(str::to_owned)).unwrap_or(0),
            })
        })
        .collect()
}

/// One `NETWORKS` element per address: grouped by interface name, in first-seen order.
fn interfaces(content: &Element) -> Vec<NetworkInterface> {
    group_interfaces(content.all("NETWORKS").filter_map(|network| {
        Some(AddressEntry {
            interface: network.text_of("DESCRIPTION")?,
            mac: network.text_of("MACADDR"),
            virtual_device: network.text_of("VIRTUALDEV") == Some("1"),
            ipv4: network.text_of("IPADDRESS"),
            ipv4_mask: network.text_of("IPMASK"),
            ipv6: network.text_of("IPADDRESS6"),
            ipv6_mask: network.text_of("IPMASK6"),
        })
    }))
}

/// One network entry as the FusionInventory family reports it: an interface with at most one
/// IPv4 and one IPv6 address; an interface with several addresses comes as several entries.
pub(crate) struct AddressEntry<'a> {
    pub(crate) interface: &'a str,
    pub(crate) mac: Option<&'a str>,
    pub(crate) virtual_device: bool,
    pub(crate) ipv4: Option<&'a str>,
    pub(crate) ipv4_mask: Option<&'a str>,
    pub(crate) ipv6: Option<&'a str>,
    pub(crate) ipv6_mask: Option<&'a str>,
}

/// Groups address entries by interface name, in first-seen order.
pub(crate) fn group_interfaces<'a>(
    entries: impl Iterator<Item = AddressEntry<'a>>,
) -> Vec<NetworkInterface> {
    let mut order: Vec<String> = Vec::new();
    let mut by_name: BTreeMap<String, NetworkInterface> = BTreeMap::new();
    for entry in entries {
        let interface = by_name
            .entry(entry.interface.to_owned())
            .or_insert_with(|| {
                order.push(entry.interface.to_owned());
                NetworkInterface {
                    name: entry.interface.to_owned(),
                    ..NetworkInterface::default()
                }
            });
        if interface.mac.is_none() {
            interface.mac = entry.mac.map(str::to_ascii_lowercase);
        }
        interface.virtual_device |= entry.virtual_device;
        if let Some(address) = entry.ipv4 {
            let prefix = entry.ipv4_mask.and_then(ipv4_prefix);
            interface.addresses.push(with_prefix(address, prefix));
        }
        if let Some(address) = entry.ipv6 {
            let prefix = entry.ipv6_mask.and_then(ipv6_prefix);
            interface.addresses.push(with_prefix(address, prefix));
        }
    }
    order
        .into_iter()
        .filter_map(|name| by_name.remove(&name))
        .collect()
}

fn with_prefix(address: &str, prefix: Option<u32>) -> String {
    match prefix {
        Some(prefix) => format!("{address}/{prefix}"),
        None => address.to_owned(),
    }
}

fn ipv4_prefix(mask: &str) -> Option<u32> {
    let mask: std::net::Ipv4Addr = mask.parse().ok()?;
    let bits = u32::from(mask);
    (bits.leading_ones() + bits.trailing_zeros() == 32).then_some(bits.leading_ones())
}

fn ipv6_prefix(mask: &str) -> Option<u32> {
    let mask: std::net::Ipv6Addr = mask.parse().ok()?;
    let bits = u128::from(mask);
    (bits.leading_ones() + bits.trailing_zeros() == 128).then_some(bits.leading_ones())
}
