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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Dmi, NetworkInterface};

    fn nic(name: &str, mac: &str) -> NetworkInterface {
        NetworkInterface {
            name: name.to_owned(),
            mac: Some(mac.to_owned()),
            addresses: vec!["198.51.100.7/24".to_owned()],
            virtual_device: false,
        }
    }

    fn facts(hostname: &str, dmi: Dmi, interfaces: Vec<NetworkInterface>) -> HostFacts {
        HostFacts {
            hostname: hostname.to_owned(),
            machine_id: Some("5A3F0C1B2D4E4F60718293A4B5C6D7E8\n".to_owned()),
            dmi,
            interfaces,
            ..HostFacts::default()
        }
    }

    fn text(value: &str) -> Option<String> {
        Some(value.to_owned())
    }

    #[test]
    fn reads_and_normalises_every_identifier() {
        let dmi = Dmi {
            serial: text(" cz1234abcd "),
            uuid: text("4C4C4544-0051-3510-8052-B4C04F4D3732"),
            ..Dmi::default()
        };
        let interfaces = vec![
            nic("lo", "00:00:00:00:00:00"),
            nic("eth0", "02:FC:00:00:00:01"),
            nic("eth1", "02:fc:00:00:00:01"),
            nic("docker0", "02:42:ac:11:00:01"),
            nic("bond0", "3c:ec:ef:00:00:02"),
        ];
        let ids = HostIdentifiers::from_facts(&facts("Web01.example.com", dmi, interfaces));

        assert_eq!(
            ids,
            HostIdentifiers {
                machine_id: text("5a3f0c1b2d4e4f60718293a4b5c6d7e8"),
                dmi_uuid: text("44454c4c-5100-1035-8052-b4c04f4d3732"),
                serial: text("CZ1234ABCD"),
                hostname: text("web01"),
                macs: vec![
                    "02:fc:00:00:00:01".to_owned(),
                    "3c:ec:ef:00:00:02".to_owned()
                ],
            }
        );
    }

    #[test]
    fn placeholder_system_serial_falls_back_to_board_then_chassis() {
        let board = Dmi {
            serial: text("System Serial Number"),
            board_serial: text("BRD-778"),
            chassis_serial: text("CHS-1"),
            ..Dmi::default()
        };
        let chassis = Dmi {
            serial: text("To Be Filled By O.E.M."),
            board_serial: text("Base Board Serial Number"),
            chassis_serial: text("chs-1"),
            ..Dmi::default()
        };
        let none = Dmi {
            serial: text("Default string"),
            board_serial: text("0"),
            chassis_serial: text("Chassis Serial Number"),
            ..Dmi::default()
        };
        let serial = |dmi| HostIdentifiers::from_facts(&facts("h", dmi, vec![])).serial;

        assert_eq!(serial(board), text("BRD-778"));
        assert_eq!(serial(chassis), text("CHS-1"));
        assert_eq!(serial(none), None);
    }

    #[test]
    fn the_two_smbios_byte_orders_of_one_uuid_resolve_to_one_host() {
        let old_firmware = Dmi {
            uuid: text("4c4c4544-0051-3510-8052-b4c04f4d3732"),
            ..Dmi::default()
        };
        let new_firmware = Dmi {
            uuid: text("44454C4C-5100-1035-8052-B4C04F4D3732"),
            ..Dmi::default()
        };
        let known = HostIdentifiers::from_facts(&facts("a", old_firmware, vec![]));
        let mut report = HostIdentifiers::from_facts(&facts("a", new_firmware, vec![]));
        report.machine_id = None;

        let candidates = [KnownHost {
            id: 7,
            identifiers: known,
        }];
        assert_eq!(resolve(&report, &candidates), Resolution::Existing(7));
    }

    #[test]
    fn machines_sharing_only_placeholders_are_different_hosts() {
        let dummy = || Dmi {
            serial: text("To be filled by O.E.M."),
            board_serial: text("Default string"),
            uuid: text("03000200-0400-0500-0006-000700080009"),
            ..Dmi::default()
        };
        let mut first = facts("alpha", dummy(), vec![nic("enp1s0", "3c:ec:ef:00:00:01")]);
        let mut second = facts("beta", dummy(), vec![nic("enp1s0", "3c:ec:ef:00:00:02")]);
        first.machine_id = None;
        second.machine_id = Some("uninitialized".to_owned());

        let known = KnownHost {
            id: 1,
            identifiers: HostIdentifiers::from_facts(&first),
        };
        let report = HostIdentifiers::from_facts(&second);
        assert_eq!(report.dmi_uuid, None);
        assert_eq!(report.serial, None);
        assert_eq!(resolve(&report, &[known]), Resolution::New);
    }

    #[test]
    fn a_container_without_dmi_is_known_by_host_name_and_mac() {
        let container = |machine_id: &str| HostFacts {
            hostname: "app-7f9c".to_owned(),
            machine_id: Some(machine_id.to_owned()),
            interfaces: vec![
                nic("lo", "00:00:00:00:00:00"),
                nic("eth0", "02:fc:00:00:00:01"),
            ],
            ..HostFacts::default()
        };
        let before = HostIdentifiers::from_facts(&container("11111111111111111111111111111111"));
        let after = HostIdentifiers::from_facts(&container("22222222222222222222222222222222"));

        let candidates = [KnownHost {
            id: 12,
            identifiers: before,
        }];
        assert_eq!(resolve(&after, &candidates), Resolution::Existing(12));
    }

    #[test]
    fn pairs_round_trip_through_storage() {
        let dmi = Dmi {
            serial: text("CZ1"),
            uuid: text(UUID),
            ..Dmi::default()
        };
        let ids = HostIdentifiers::from_facts(&facts(
            "web01",
            dmi,
            vec![
                nic("eth1", "3c:ec:ef:00:00:09"),
                nic("eth0", "3c:ec:ef:00:00:01"),
            ],
        ));
        let pairs = ids.pairs();

        assert_eq!(pairs.len(), 6);
        assert_eq!(pairs[0].0, IdentifierKind::MachineId);
        assert_eq!(
            pairs[4],
            (IdentifierKind::Mac, "3c:ec:ef:00:00:01".to_owned())
        );
        let stored = pairs.iter().map(|(kind, value)| (*kind, value.as_str()));
        assert_eq!(HostIdentifiers::from_pairs(stored), ids);
        assert!(HostIdentifiers::from_pairs([(IdentifierKind::Serial, " ")]).is_empty());
    }

    const UUID: &str = "11112222-3333-4444-5555-666677778888";
}
