//! The inventory model: host facts, installed packages, pending updates and source reports.
//!
//! These types travel on the wire inside the agent's document and are stored by the server,
//! so field names are part of the protocol: add fields with `#[serde(default)]`, never rename.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Facts about a host: identity hints, operating system and hardware.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostFacts {
    /// Short host name as the kernel reports it.
    pub hostname: String,
    /// Fully qualified domain name, when it can be resolved locally.
    pub fqdn: Option<String>,
    /// Operating system as read from os-release.
    pub os: OsRelease,
    /// Kernel release (`uname -r`).
    pub kernel: Option<String>,
    /// Machine architecture as the kernel names it (`x86_64`, `aarch64`).
    pub arch: Option<String>,
    /// `/etc/machine-id`, a software identifier that changes on reinstall.
    pub machine_id: Option<String>,
    /// DMI (SMBIOS) system information, where readable.
    pub dmi: Dmi,
    /// Processor model and counts.
    pub cpu: Cpu,
    /// Physical memory in bytes.
    pub memory_bytes: Option<u64>,
    /// Swap space in bytes.
    pub swap_bytes: Option<u64>,
    /// Block devices (whole disks).
    pub disks: Vec<Disk>,
    /// Mounted filesystems.
    pub filesystems: Vec<Filesystem>,
    /// Network interfaces.
    pub interfaces: Vec<NetworkInterface>,
    /// Boot time, as seconds since the Unix epoch.
    pub boot_time: Option<i64>,
}

/// The fields of os-release that Steward uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OsRelease {
    /// `ID`, e.g. `debian`.
    pub id: Option<String>,
    /// `ID_LIKE`, e.g. `rhel centos fedora`.
    pub id_like: Option<String>,
    /// `NAME`, e.g. `Debian GNU/Linux`.
    pub name: Option<String>,
    /// `VERSION_ID`, e.g. `12`.
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`, e.g. `bookworm`.
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`, e.g. `Debian GNU/Linux 12 (bookworm)`.
    pub pretty_name: Option<String>,
}

/// DMI / SMBIOS system identification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dmi {
    /// `sys_vendor`.
    pub vendor: Option<String>,
    /// `product_name`.
    pub model: Option<String>,
    /// `product_serial`.
    pub serial: Option<String>,
    /// `product_uuid`.
    pub uuid: Option<String>,
    /// `board_serial`.
    pub board_serial: Option<String>,
    /// `chassis_serial`.
    pub chassis_serial: Option<String>,
    /// `bios_vendor`.
    pub bios_vendor: Option<String>,
    /// `bios_version`.
    pub bios_version: Option<String>,
    /// `bios_date`.
    pub bios_date: Option<String>,
}

/// Processor facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cpu {
    /// Model name as `/proc/cpuinfo` gives it.
    pub model: Option<String>,
    /// Physical sockets.
    pub sockets: Option<u32>,
    /// Physical cores in all sockets.
    pub cores: Option<u32>,
    /// Logical processors (hardware threads).
    pub threads: Option<u32>,
}

/// A whole block device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Disk {
    /// Kernel name, e.g. `vda`.
    pub name: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Model string, where the device reports one.
    pub model: Option<String>,
    /// Serial number, where the device reports one.
    pub serial: Option<String>,
}

/// A mounted filesystem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filesystem {
    /// Mount point.
    pub mount_point: String,
    /// Device or source.
    pub device: String,
    /// Filesystem type, e.g. `ext4`.
    pub fs_type: String,
    /// Total size in bytes. (Free space is a metric, not a fact: it would change the
    /// facts digest on every scan.)
    pub size_bytes: u64,
}

/// A network interface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkInterface {
    /// Interface name, e.g. `eth0`.
    pub name: String,
    /// Hardware address in lower-case colon form, when the interface has one.
    pub mac: Option<String>,
    /// IPv4 and IPv6 addresses with prefix length, e.g. `198.51.100.7/24`.
    pub addresses: Vec<String>,
    /// Whether the kernel sees the device as virtual (no backing hardware device).
    pub virtual_device: bool,
}

/// The package manager or metadata a package was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageSource {
    /// Debian's dpkg database.
    Dpkg,
    /// The RPM database.
    Rpm,
    /// Python distributions found in site-packages (`*.dist-info`, `*.egg-info`).
    Python,
    /// Alpine's apk database.
    Apk,
    /// A component listed by an application's SBOM or lockfile.
    Application,
}

/// One installed package as a host reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstalledPackage {
    /// OSV ecosystem name without release: `Debian`, `Ubuntu`, `AlmaLinux`, `PyPI`, …
    pub ecosystem: String,
    /// Package name as the package manager spells it.
    pub name: String,
    /// Version string exactly as installed (with epoch where the manager has one).
    pub version: String,
    /// Architecture (`amd64`, `all`, `x86_64`, `noarch`); empty where there is none.
    #[serde(default)]
    pub arch: String,
    /// Source package name, for distribution packages.
    #[serde(default)]
    pub source_name: Option<String>,
    /// Source package version, for distribution packages.
    #[serde(default)]
    pub source_version: Option<String>,
    /// Where the package was read from.
    pub source: PackageSource,
    /// Installation status as the package manager states it (`installed`, `half-configured`).
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_status() -> String {
    "installed".to_owned()
}

impl InstalledPackage {
    /// The key that identifies a distinct package across hosts.
    pub fn key(&self) -> PackageKey {
        PackageKey {
            ecosystem: self.ecosystem.clone(),
            name: self.name.clone(),
            version: self.version.clone(),
            arch: self.arch.clone(),
        }
    }
}

/// The identity of a distinct package: stored once, pointed at by every host that runs it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageKey {
    /// OSV ecosystem name.
    pub ecosystem: String,
    /// Package name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Architecture, empty where there is none.
    pub arch: String,
}

/// An update the host's package manager would install, known from its local metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PendingUpdate {
    /// Package name.
    pub name: String,
    /// Architecture.
    #[serde(default)]
    pub arch: String,
    /// Installed version.
    pub installed_version: String,
    /// Version the package manager would install.
    pub candidate_version: String,
    /// Archive or repository the candidate comes from, e.g. `bookworm-security`.
    #[serde(default)]
    pub origin: String,
    /// Whether the candidate comes from a security archive.
    pub security: bool,
}

/// Whether an inventory source could be read, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceReport {
    /// Source name: `os-release`, `dmi`, `dpkg`, `rpm`, `python`, `apt-updates`, …
    pub name: String,
    /// Outcome of reading it.
    pub status: SourceStatus,
    /// Human-readable detail: the error, or what was found.
    #[serde(default)]
    pub detail: String,
}

/// The outcome of reading one inventory source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// Read completely.
    Ok,
    /// Not present on this host (no rpm database, no DMI table): nothing to report.
    Absent,
    /// Present but could not be read (permissions, a tool failed); the section is incomplete.
    Unreadable,
}

/// One complete snapshot of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Inventory {
    /// Host facts.
    pub facts: HostFacts,
    /// Installed packages, sorted.
    pub packages: Vec<InstalledPackage>,
    /// Pending updates, sorted.
    pub pending_updates: Vec<PendingUpdate>,
    /// What each source yielded.
    pub sources: Vec<SourceReport>,
    /// Tags set by the agent's configuration.
    pub tags: Vec<String>,
}

/// The sections of an inventory, each digested and sent on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// [`Inventory::facts`], [`Inventory::sources`] and [`Inventory::tags`].
    Facts,
    /// [`Inventory::packages`].
    Packages,
    /// [`Inventory::pending_updates`].
    PendingUpdates,
}

impl Section {
    /// Every section, in protocol order.
    pub const ALL: [Section; 3] = [Section::Facts, Section::Packages, Section::PendingUpdates];

    /// The section's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Facts => "facts",
            Section::Packages => "packages",
            Section::PendingUpdates => "pending_updates",
        }
    }
}

impl Inventory {
    /// Sorts list sections so that equal content always digests equally.
    pub fn normalize(&mut self) {
        self.packages.sort();
        self.packages.dedup();
        self.pending_updates.sort();
        self.pending_updates.dedup();
        self.sources.sort_by(|a, b| a.name.cmp(&b.name));
        self.tags.sort();
        self.tags.dedup();
    }

    /// SHA-256 of one section's canonical JSON, in lower-case hex.
    pub fn digest(&self, section: Section) -> String {
        let json = match section {
            Section::Facts => serde_json::to_vec(&(&self.facts, &self.sources, &self.tags)),
            Section::Packages => serde_json::to_vec(&self.packages),
            Section::PendingUpdates => serde_json::to_vec(&self.pending_updates),
        };
        // Serialising these plain structs cannot fail; an empty digest would only force a resend.
        hex::encode(Sha256::digest(json.unwrap_or_default()))
    }
}
