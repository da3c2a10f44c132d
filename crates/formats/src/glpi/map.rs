//! A GLPI message mapped into Steward's model: computers into host facts and packages (the
//! same fields the OCS mapping reads, in the JSON's lower-case names and with the same
//! helpers), network equipment, printers and phones into assets of their kind.
//!
//! A partial inventory (`"partial": true`) carries only the sections that changed; the
//! [`FactPart`]s it carries replace the stored ones and the rest of the host stays as stored.
//! Sizes are in megabytes there and bytes here. Values that do not parse are left out rather
//! than failing the whole inventory.

use steward_core::inventory::{
    AssetKind, AssetRecord, Cpu, Disk, Dmi, Filesystem, HostFacts, InstalledPackage, PackageSource,
};

use super::schema::{self, Content, Document, NetworkDevice, Scalar, text};
use super::{Action, GlpiError, Item, Message};
use crate::ocs::map::{
    AddressEntry, distribution_package, ecosystem, group_interfaces, megabytes, release_of,
};

/// A part of the host facts, by the GLPI section it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FactPart {
    /// `hardware`: host name, memory, swap, DMI UUID.
    Hardware,
    /// `bios`: vendor, model, serials, firmware.
    Bios,
    /// `operatingsystem`: distribution, kernel, architecture, FQDN.
    OperatingSystem,
    /// `cpus`.
    Cpus,
    /// `storages`: disks.
    Storages,
    /// `drives`: file systems.
    Drives,
    /// `networks`: interfaces and addresses.
    Networks,
}

/// What a computer inventory says about its host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostReport {
    /// Host facts; for a partial inventory only [`HostReport::parts`] are meaningful.
    pub facts: HostFacts,
    /// The fact sections the document carries.
    pub parts: Vec<FactPart>,
    /// Distribution packages (from dpkg or rpm), when the document carries `softwares` (a
    /// full inventory always does: no section means no software).
    pub packages: Option<Vec<InstalledPackage>>,
    /// Software entries left out: not from dpkg or rpm, or with no name or version.
    pub skipped_software: usize,
    /// Whether the document is a partial inventory.
    pub partial: bool,
}

impl HostReport {
    /// The facts to store: a full inventory's own, a partial one's parts over `stored`.
    pub fn facts_over(&self, stored: &HostFacts) -> HostFacts {
        if !self.partial {
            return self.facts.clone();
        }
        let (mut facts, new) = (stored.clone(), &self.facts);
        for part in &self.parts {
            match part {
                FactPart::Hardware => {
                    if !new.hostname.is_empty() {
                        facts.hostname.clone_from(&new.hostname);
                    }
                    facts.memory_bytes = new.memory_bytes;
                    facts.swap_bytes = new.swap_bytes;
                    facts.dmi.uuid.clone_from(&new.dmi.uuid);
                }
                FactPart::Bios => {
                    let uuid = facts.dmi.uuid.take();
                    facts.dmi = Dmi {
                        uuid,
                        ..new.dmi.clone()
                    };
                }
                FactPart::OperatingSystem => {
                    facts.os = new.os.clone();
                    facts.kernel.clone_from(&new.kernel);
                    facts.arch.clone_from(&new.arch);
                    facts.fqdn.clone_from(&new.fqdn);
                }
                FactPart::Cpus => facts.cpu = new.cpu.clone(),
                FactPart::Storages => facts.disks.clone_from(&new.disks),
                FactPart::Drives => facts.filesystems.clone_from(&new.filesystems),
                FactPart::Networks => facts.interfaces.clone_from(&new.interfaces),
            }
        }
        facts
    }

    /// The packages to store, if the document carries them; a partial inventory without an
    /// `operatingsystem` section takes their ecosystem from the stored distribution.
    pub fn packages_over(&self, stored: &HostFacts) -> Option<Vec<InstalledPackage>> {
        let mut packages = self.packages.clone()?;
        let fallback = ecosystem(stored.os.id.as_deref());
        for package in packages.iter_mut().filter(|p| p.ecosystem.is_empty()) {
            package.ecosystem.clone_from(&fallback);
        }
        Some(packages)
    }
}

/// Maps a deserialised document.
pub(super) fn message(document: Document) -> Result<Message, GlpiError> {
    let field = |path: &str, message: &str| GlpiError::Field {
        path: path.to_owned(),
        message: message.to_owned(),
    };
    let action = match text(&document.action).map(|a| a.to_ascii_lowercase()) {
        Some(a) if a == "contact" => Action::Contact,
        Some(a) if a == "inventory" || a == "netinventory" => Action::Inventory,
        Some(other) => Action::Other(other),
        None => {
            return Err(field(
                "action",
                "missing: the message says what it asks for",
            ));
        }
    };
    let device_id = text(&document.deviceid).unwrap_or_default();
    if device_id.is_empty() || device_id.chars().count() > 255 {
        return Err(field("deviceid", "must be 1 to 255 characters"));
    }
    let content = document.content.as_ref();
    let agent = content.and_then(|c| text(&c.versionclient)).or_else(|| {
        let name = text(&document.name)?;
        Some(match text(&document.version) {
            Some(version) => format!("{name} {version}"),
            None => name,
        })
    });
    let item = match (&action, content) {
        (Action::Inventory, None) => return Err(field("content", "an inventory needs content")),
        (Action::Inventory, Some(content)) => Some(item(&document, content, &device_id)?),
        _ => None,
    };
    Ok(Message {
        action,
        device_id,
        agent,
        item,
    })
}

fn item(document: &Document, content: &Content, device_id: &str) -> Result<Item, GlpiError> {
    let itemtype = text(&document.itemtype)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let partial = document.partial.as_ref().is_some_and(Scalar::flag);
    let device = content.network_device.as_ref();
    match (itemtype.as_str(), device) {
        ("phone", _) => Ok(Item::Asset(Box::new(phone(content, device_id)))),
        ("networkequipment", Some(device)) => Ok(Item::Asset(Box::new(equipment(
            device,
            AssetKind::NetworkDevice,
            device_id,
        )))),
        ("printer", Some(device)) => Ok(Item::Asset(Box::new(equipment(
            device,
            AssetKind::Printer,
            device_id,
        )))),
        ("" | "computer", None) => Ok(Item::Host(Box::new(host(content, partial)?))),
        (_, Some(device)) => {
            let kind = device_kind(device);
            Ok(Item::Asset(Box::new(equipment(device, kind, device_id))))
        }
        (other, None) => Err(GlpiError::Field {
            path: "itemtype".into(),
            message: format!(
                "{other:?} without content.network_device: expected a computer, network \
                 equipment, a printer or a phone"
            ),
        }),
    }
}

/// The kind named by `network_device.type` (`Networking`, `Printer`, `Phone`, …).
fn device_kind(device: &NetworkDevice) -> AssetKind {
    match text(&device.kind)
        .map(|k| k.to_ascii_lowercase())
        .as_deref()
    {
        Some("networking") => AssetKind::NetworkDevice,
        Some("printer") => AssetKind::Printer,
        Some("phone") => AssetKind::Phone,
        _ => AssetKind::Other,
    }
}

/// Equipment read over SNMP. Asset tags are left to people: agents report placeholders.
fn equipment(device: &NetworkDevice, kind: AssetKind, device_id: &str) -> AssetRecord {
    let mut notes = vec![];
    if let Some(kind) = text(&device.kind) {
        notes.push(format!("type {kind}"));
    }
    if let Some(firmware) = text(&device.firmware) {
        notes.push(format!("firmware {firmware}"));
    }
    if let Some(mac) = text(&device.mac) {
        notes.push(format!("MAC {}", mac.to_ascii_lowercase()));
    }
    let ips = device
        .ips
        .as_ref()
        .map(schema::Texts::texts)
        .unwrap_or_default();
    if !ips.is_empty() {
        notes.push(format!("IP {}", ips.join(", ")));
    }
    AssetRecord {
        name: text(&device.name).unwrap_or_else(|| device_id.to_owned()),
        kind,
        asset_tag: None,
        serial: text(&device.serial),
        vendor: text(&device.manufacturer),
        model: text(&device.model),
        location: text(&device.location),
        owner: text(&device.contact),
        tags: Vec::new(),
        notes: notes_of(notes),
    }
}

/// A phone, reported by an agent on the phone in the computer sections.
fn phone(content: &Content, device_id: &str) -> AssetRecord {
    let hardware = content.hardware.as_ref();
    let bios = content.bios.as_ref();
    let os = content.operatingsystem.as_ref();
    let bios_text = |pick: fn(&schema::Bios) -> &Option<Scalar>| bios.and_then(|b| text(pick(b)));
    let os_name = os.and_then(|os| text(&os.full_name).or_else(|| text(&os.name)));
    AssetRecord {
        name: hardware
            .and_then(|h| text(&h.name))
            .unwrap_or_else(|| device_id.to_owned()),
        kind: AssetKind::Phone,
        asset_tag: None,
        serial: bios_text(|b| &b.ssn),
        vendor: bios_text(|b| &b.smanufacturer).or_else(|| bios_text(|b| &b.mmanufacturer)),
        model: bios_text(|b| &b.smodel).or_else(|| bios_text(|b| &b.mmodel)),
        location: None,
        owner: None,
        tags: Vec::new(),
        notes: notes_of(os_name.map(|os| format!("OS {os}")).into_iter().collect()),
    }
}

fn notes_of(parts: Vec<String>) -> Option<String> {
    (!parts.is_empty()).then(|| format!("GLPI inventory: {}", parts.join("; ")))
}

fn host(content: &Content, partial: bool) -> Result<HostReport, GlpiError> {
    let hostname = content
        .hardware
        .as_ref()
        .and_then(|h| text(&h.name))
        .unwrap_or_default();
    if hostname.is_empty() && !partial {
        return Err(GlpiError::Field {
            path: "content.hardware.name".into(),
            message: "missing: a computer inventory names its host".into(),
        });
    }
    let os = content.operatingsystem.as_ref();
    let release = os
        .map(|os| {
            let version =
                text(&os.version).and_then(|v| v.split_whitespace().next().map(str::to_owned));
            release_of(text(&os.name), text(&os.full_name), version)
        })
        .unwrap_or_default();
    let ecosystem = ecosystem(release.id.as_deref());
    let (packages, skipped_software) = match &content.softwares {
        Some(softwares) => {
            let (packages, skipped) = packages(softwares, &ecosystem);
            (Some(packages), skipped)
        }
        None if partial => (None, 0),
        None => (Some(Vec::new()), 0),
    };
    let facts = facts(content, hostname, release);
    Ok(HostReport {
        facts,
        parts: parts(content),
        packages,
        skipped_software,
        partial,
    })
}

fn facts(content: &Content, hostname: String, os: steward_core::inventory::OsRelease) -> HostFacts {
    let hardware = content.hardware.as_ref();
    let system = content.operatingsystem.as_ref();
    let cpus = content.cpus.as_deref().unwrap_or_default();
    HostFacts {
        hostname,
        fqdn: system
            .and_then(|s| text(&s.fqdn))
            .filter(|fqdn| fqdn.contains('.')),
        os,
        kernel: system.and_then(|s| text(&s.kernel_version)),
        arch: system
            .and_then(|s| text(&s.arch))
            .or_else(|| cpus.first().and_then(|c| text(&c.arch))),
        machine_id: None,
        dmi: dmi(content),
        cpu: cpu(cpus),
        memory_bytes: megabytes(hardware.and_then(|h| text(&h.memory))),
        swap_bytes: megabytes(hardware.and_then(|h| text(&h.swap))),
        disks: disks(content.storages.as_deref().unwrap_or_default()),
        filesystems: filesystems(content.drives.as_deref().unwrap_or_default()),
        interfaces: interfaces(content.networks.as_deref().unwrap_or_default()),
        boot_time: None,
    }
}

fn parts(content: &Content) -> Vec<FactPart> {
    [
        (content.hardware.is_some(), FactPart::Hardware),
        (content.bios.is_some(), FactPart::Bios),
        (content.operatingsystem.is_some(), FactPart::OperatingSystem),
        (content.cpus.is_some(), FactPart::Cpus),
        (content.storages.is_some(), FactPart::Storages),
        (content.drives.is_some(), FactPart::Drives),
        (content.networks.is_some(), FactPart::Networks),
    ]
    .into_iter()
    .filter_map(|(carried, part)| carried.then_some(part))
    .collect()
}

fn packages(softwares: &[schema::Software], ecosystem: &str) -> (Vec<InstalledPackage>, usize) {
    let mut packages = Vec::new();
    let mut skipped = 0;
    for software in softwares {
        let from = text(&software.from).map(|f| f.to_ascii_lowercase());
        let source = match from.as_deref() {
            Some("deb" | "dpkg") => PackageSource::Dpkg,
            Some("rpm") => PackageSource::Rpm,
            _ => {
                skipped += 1;
                continue;
            }
        };
        let (Some(name), Some(version)) = (text(&software.name), text(&software.version)) else {
            skipped += 1;
            continue;
        };
        let arch = text(&software.arch).unwrap_or_default();
        packages.push(distribution_package(
            ecosystem, &name, &version, &arch, source,
        ));
    }
    (packages, skipped)
}

fn dmi(content: &Content) -> Dmi {
    let bios = content.bios.as_ref();
    let get = |pick: fn(&schema::Bios) -> &Option<Scalar>| bios.and_then(|b| text(pick(b)));
    Dmi {
        vendor: get(|b| &b.smanufacturer).or_else(|| get(|b| &b.mmanufacturer)),
        model: get(|b| &b.smodel),
        serial: get(|b| &b.ssn),
        uuid: content.hardware.as_ref().and_then(|h| text(&h.uuid)),
        board_serial: get(|b| &b.msn),
        chassis_serial: None,
        bios_vendor: get(|b| &b.bmanufacturer),
        bios_version: get(|b| &b.bversion),
        bios_date: get(|b| &b.bdate),
    }
}

/// One `cpus` entry per socket; `core` and `thread` count that socket's.
fn cpu(cpus: &[schema::Cpu]) -> Cpu {
    let Some(first) = cpus.first() else {
        return Cpu::default();
    };
    let count = |pick: fn(&schema::Cpu) -> &Option<Scalar>| -> Option<u32> {
        cpus.iter()
            .map(|cpu| {
                pick(cpu)
                    .as_ref()?
                    .number()
                    .and_then(|n| u32::try_from(n).ok())
            })
            .sum()
    };
    Cpu {
        model: text(&first.name),
        sockets: u32::try_from(cpus.len()).ok(),
        cores: count(|c| &c.core),
        threads: count(|c| &c.thread),
    }
}

fn disks(storages: &[schema::Storage]) -> Vec<Disk> {
    storages
        .iter()
        .filter_map(|storage| {
            Some(Disk {
                name: text(&storage.name)?,
                size_bytes: megabytes(text(&storage.disksize))?,
                model: text(&storage.model),
                serial: text(&storage.serial),
            })
        })
        .collect()
}

fn filesystems(drives: &[schema::Drive]) -> Vec<Filesystem> {
    drives
        .iter()
        .filter_map(|drive| {
            Some(Filesystem {
                mount_point: text(&drive.letter).or_else(|| text(&drive.kind))?,
                device: text(&drive.volumn).unwrap_or_default(),
                fs_type: text(&drive.filesystem).unwrap_or_default(),
                size_bytes: megabytes(text(&drive.total)).unwrap_or(0),
            })
        })
        .collect()
}

fn interfaces(networks: &[schema::Network]) -> Vec<steward_core::inventory::NetworkInterface> {
    let texts: Vec<[Option<String>; 6]> = networks
        .iter()
        .map(|n| {
            [
                text(&n.description),
                text(&n.mac),
                text(&n.ipaddress),
                text(&n.ipmask),
                text(&n.ipaddress6),
                text(&n.ipmask6),
            ]
        })
        .collect();
    group_interfaces(networks.iter().zip(&texts).filter_map(|(network, t)| {
        Some(AddressEntry {
            interface: t[0].as_deref()?,
            mac: t[1].as_deref(),
            virtual_device: network.virtualdev.as_ref().is_some_and(Scalar::flag),
            ipv4: t[2].as_deref(),
            ipv4_mask: t[3].as_deref(),
            ipv6: t[4].as_deref(),
            ipv6_mask: t[5].as_deref(),
        })
    }))
}
