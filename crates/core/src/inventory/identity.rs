//! Host identity: which known host a report belongs to.
//!
//! Hardware identifiers (DMI UUID, serial) and machine-id identify a machine; placeholder
//! values that firmware vendors ship ("To be filled by O.E.M.", all-zero UUIDs …) never do.
//! Where no hardware identifier can be read, the host name together with the machine's real
//! MAC addresses identifies it. A report that fits more than one host, or fits one only in
//! part, is [`Resolution::Ambiguous`] and goes to a review list instead of merging.

use serde::{Deserialize, Serialize};

use super::HostFacts;

mod resolve;
mod values;

pub use resolve::resolve;
pub use values::{
    is_placeholder, is_real_interface, normalize_hostname, normalize_mac, normalize_machine_id,
    normalize_serial, normalize_uuid,
};

/// The identifiers of one host, normalised: placeholders removed, case and UUID byte order
/// folded, so that equal identifiers compare equal as strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostIdentifiers {
    /// Normalised machine-id.
    pub machine_id: Option<String>,
    /// Normalised DMI UUID (one canonical form for both SMBIOS byte orders).
    pub dmi_uuid: Option<String>,
    /// Normalised hardware serial (system serial, else board or chassis serial).
    pub serial: Option<String>,
    /// Lower-case short host name.
    pub hostname: Option<String>,
    /// Real MAC addresses, lower-case, sorted.
    pub macs: Vec<String>,
}

/// The kind of one identifier, as stored for lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// `/etc/machine-id`.
    MachineId,
    /// DMI system UUID.
    DmiUuid,
    /// Hardware serial number.
    Serial,
    /// Short host name.
    Hostname,
    /// A real MAC address.
    Mac,
}

impl IdentifierKind {
    /// The stored name of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::MachineId => "machine_id",
            IdentifierKind::DmiUuid => "dmi_uuid",
            IdentifierKind::Serial => "serial",
            IdentifierKind::Hostname => "hostname",
            IdentifierKind::Mac => "mac",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<IdentifierKind> {
        Some(match s {
            "machine_id" => IdentifierKind::MachineId,
            "dmi_uuid" => IdentifierKind::DmiUuid,
            "serial" => IdentifierKind::Serial,
            "hostname" => IdentifierKind::Hostname,
            "mac" => IdentifierKind::Mac,
            _ => return None,
        })
    }
}

/// A known host and its identifiers, as a candidate for a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHost {
    /// The host's id in the store.
    pub id: i64,
    /// Its identifiers as last reported.
    pub identifiers: HostIdentifiers,
}

/// Where a report belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The report is from this known host.
    Existing(i64),
    /// No known host fits: the report is from a new host.
    New,
    /// The report fits several hosts, or one only in part: a person must decide. The report
    /// is kept as a new host and each candidate is put on the review list with the reason.
    Ambiguous {
        /// Hosts the report may belong to.
        candidates: Vec<i64>,
        /// Why the match is not certain, for the review list.
        reason: String,
    },
}

impl HostIdentifiers {
    /// Reads and normalises the identifiers in a host's facts, dropping placeholders.
    ///
    /// The serial is the system serial, or when that is a placeholder the board serial, then
    /// the chassis serial. The host name is the short name, or the fully qualified one cut at
    /// its first dot when the short one is missing.
    pub fn from_facts(facts: &HostFacts) -> HostIdentifiers {
        let dmi = &facts.dmi;
        let serial = [&dmi.serial, &dmi.board_serial, &dmi.chassis_serial]
            .into_iter()
            .find_map(|serial| serial.as_deref().and_then(normalize_serial));
        let hostname = normalize_hostname(&facts.hostname)
            .or_else(|| facts.fqdn.as_deref().and_then(normalize_hostname));
        let macs = facts
            .interfaces
            .iter()
            .filter(|interface| is_real_interface(interface))
            .filter_map(|interface| interface.mac.as_deref().and_then(normalize_mac));

        HostIdentifiers {
            machine_id: facts.machine_id.as_deref().and_then(normalize_machine_id),
            dmi_uuid: dmi.uuid.as_deref().and_then(normalize_uuid),
            serial,
            hostname,
            macs: sorted_unique(macs),
        }
    }

    /// Every identifier as (kind, normalised value), for storage and lookup.
    pub fn pairs(&self) -> Vec<(IdentifierKind, String)> {
        let single = [
            (IdentifierKind::MachineId, &self.machine_id),
            (IdentifierKind::DmiUuid, &self.dmi_uuid),
            (IdentifierKind::Serial, &self.serial),
            (IdentifierKind::Hostname, &self.hostname),
        ];
        let single = single
            .into_iter()
            .filter_map(|(kind, value)| Some((kind, value.clone()?)));
        let macs = self
            .macs
            .iter()
            .map(|mac| (IdentifierKind::Mac, mac.clone()));
        single.chain(macs).collect()
    }

    /// Rebuilds identifiers from stored (kind, value) pairs.
    ///
    /// Values are taken as stored (they were normalised on the way in); empty values are
    /// skipped, and a kind that holds one value keeps the last one given.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (IdentifierKind, &'a str)>) -> Self {
        let mut ids = HostIdentifiers::default();
        let mut macs = Vec::new();
        for (kind, value) in pairs {
            let Some(value) = values::present(Some(value)) else {
                continue;
            };
            let value = value.to_owned();
            match kind {
                IdentifierKind::MachineId => ids.machine_id = Some(value),
                IdentifierKind::DmiUuid => ids.dmi_uuid = Some(value),
                IdentifierKind::Serial => ids.serial = Some(value),
                IdentifierKind::Hostname => ids.hostname = Some(value),
                IdentifierKind::Mac => macs.push(value),
            }
        }
        ids.macs = sorted_unique(macs);
        ids
    }

    /// Whether no identifier at all could be read.
    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }
}

fn sorted_unique(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = values.into_iter().collect();
    values.sort();
    values.dedup();
    values
}
