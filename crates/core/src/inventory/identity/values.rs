//! Normalising single identifier values: placeholders out, case and byte order folded.
//!
//! Every function here takes a value as a host reported it and returns either the one form
//! Steward stores for it or `None` when the value cannot identify a machine: empty, a
//! placeholder that firmware vendors ship on many machines, or malformed.

use crate::inventory::NetworkInterface;

/// Values firmware and hypervisors ship in place of a real identifier, lower-cased with
/// whitespace collapsed. Each is known to appear on many unrelated machines.
const PLACEHOLDERS: &[&str] = &[
    "default string",
    "default",
    "to be filled by o.e.m.",
    "to be filled by oem",
    "to be filled",
    "fill by oem",
    "filled by oem",
    "oem",
    "o.e.m.",
    "oem_serial",
    "none",
    "null",
    "(null)",
    "n/a",
    "na",
    "not specified",
    "unspecified",
    "not applicable",
    "not available",
    "not present",
    "not settable",
    "not defined",
    "undefined",
    "system serial number",
    "system product name",
    "system manufacturer",
    "system name",
    "system version",
    "chassis serial number",
    "chassis serial",
    "base board serial number",
    "baseboard serial number",
    "board serial number",
    "serial number",
    "serialnumber",
    "serial",
    "sn",
    "0123456789",
    "123456789",
    "1234567890",
    "12345678",
    "0123456789abcdef",
    "123456789abcdef",
    "unknown",
    "invalid",
    "empty",
    "no asset information",
    "no asset tag",
    "asset tag",
    "asset-1234567890",
    "$serialnumber$",
];

/// A widely shipped dummy DMI UUID, in SMBIOS's stored byte order.
const DUMMY_UUID: &str = "03000200-0400-0500-0006-000700080009";

/// Virtual interfaces that exist on many machines at once (bridges, tunnels, container and
/// VPN links), by the prefix of their name. Their MAC addresses do not identify a machine.
const VIRTUAL_INTERFACE_PREFIXES: &[&str] = &[
    "lo",
    "docker",
    "veth",
    "br-",
    "virbr",
    "vnet",
    "ifb",
    "tun",
    "tap",
    "dummy",
    "cni",
    "flannel",
    "cali",
    "kube",
    "tailscale",
    "wg",
    "zt",
    "vmnet",
    "vboxnet",
    "podman",
    "lxcbr",
    "lxdbr",
];

/// Trims a value; an empty value is absent.
pub(crate) fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Whether a value is one that firmware ships in place of a real identifier, so that it never
/// identifies a machine: a known placeholder (compared ignoring case and runs of whitespace),
/// or a value made of one repeated character (`0000`, `FFFF`, `....`), separators aside.
pub fn is_placeholder(value: &str) -> bool {
    let folded = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if PLACEHOLDERS.contains(&folded.as_str()) {
        return true;
    }

    let mut significant = folded
        .chars()
        .filter(|c| !c.is_whitespace() && !"-:.".contains(*c));
    match significant.next() {
        // Nothing but separators and blanks.
        None => true,
        Some(first) => significant.all(|c| c == first),
    }
}

/// The stored form of a DMI system UUID, or `None` for a malformed or placeholder UUID.
///
/// Accepts any case, with or without hyphens and braces. SMBIOS before 2.6 stored the first
/// three fields little-endian, so one machine can read as two byte orders; the stored form is
/// the lexicographically smaller of the canonical lower-case hyphenated form and its
/// byte-swapped form, which both orders share. All-zero, all-`F` and the common dummy UUID
/// `03000200-0400-0500-0006-000700080009` are placeholders.
pub fn normalize_uuid(value: &str) -> Option<String> {
    let value = value.trim();
    if is_placeholder(value) {
        return None;
    }
    let inner = value
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .unwrap_or(value);
    let hex: String = inner.chars().filter(|&c| c != '-').collect();
    let bytes: [u8; 16] = hex::decode(&hex).ok()?.try_into().ok()?;
    if bytes.iter().all(|&b| b == 0) || bytes.iter().all(|&b| b == 0xff) {
        return None;
    }

    let canonical = format_uuid(&bytes);
    let swapped = format_uuid(&swap_first_fields(bytes));
    if canonical == DUMMY_UUID || swapped == DUMMY_UUID {
        return None;
    }
    Some(canonical.min(swapped))
}

/// Reverses the byte order of the first three UUID fields (4, 2 and 2 bytes).
fn swap_first_fields(mut bytes: [u8; 16]) -> [u8; 16] {
    bytes[0..4].reverse();
    bytes[4..6].reverse();
    bytes[6..8].reverse();
    bytes
}

fn format_uuid(bytes: &[u8; 16]) -> String {
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The stored form of a hardware serial (blanks collapsed, upper case), or `None` for an
/// empty or placeholder serial.
pub fn normalize_serial(value: &str) -> Option<String> {
    let value = present(Some(value))?;
    if is_placeholder(value) {
        return None;
    }
    Some(
        value
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase(),
    )
}

/// The stored form of `/etc/machine-id` (32 lower-case hex digits), or `None` when it is
/// absent, all zeros, `uninitialized` (systemd's first-boot marker) or malformed.
pub fn normalize_machine_id(value: &str) -> Option<String> {
    let hex: String = value.trim().chars().filter(|&c| c != '-').collect();
    let hex = hex.to_ascii_lowercase();
    let well_formed = hex.len() == 32 && hex.bytes().all(|c| c.is_ascii_hexdigit());
    (well_formed && hex.bytes().any(|c| c != b'0')).then_some(hex)
}

/// The stored form of a host name (lower case, cut at the first dot), or `None` for names
/// every unconfigured machine has (`localhost`, `(none)`).
pub fn normalize_hostname(value: &str) -> Option<String> {
    let short = value
        .trim()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    match short.as_str() {
        "" | "localhost" | "localhost6" | "(none)" => None,
        _ => Some(short),
    }
}

/// The stored form of a MAC address (lower-case, colon-separated), or `None` when it is not
/// six hexadecimal bytes separated by `:` or `-`.
pub fn normalize_mac(value: &str) -> Option<String> {
    let octets: Vec<&str> = value.trim().split([':', '-']).collect();
    let well_formed = octets.len() == 6
        && octets
            .iter()
            .all(|o| o.len() == 2 && hex::decode(o).is_ok());
    well_formed.then(|| octets.join(":").to_ascii_lowercase())
}

/// Whether an interface's MAC address identifies the machine: it is not loopback, its MAC is a
/// six-byte unicast address other than all-zero, and its name is not that of a bridge, tunnel,
/// container or VPN link. Locally administered addresses count: virtual machines and
/// containers have nothing else, and the kernel's `virtual_device` flag is set for them too.
pub fn is_real_interface(interface: &NetworkInterface) -> bool {
    let name = interface.name.trim().to_ascii_lowercase();
    if VIRTUAL_INTERFACE_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
    {
        return false;
    }
    let Some(mac) = interface.mac.as_deref().and_then(normalize_mac) else {
        return false;
    };
    let Ok(bytes) = hex::decode(mac.replace(':', "")) else {
        return false;
    };
    let multicast = bytes.first().is_some_and(|b| b & 1 == 1);
    !multicast && bytes.iter().any(|&b| b != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised_in_any_case_and_spacing() {
        let placeholders = [
            "Default string",
            "To be filled by O.E.M.",
            "To Be Filled By O.E.M.",
            "  to  be filled   by o.e.m. ",
            "OEM",
            "O.E.M.",
            "None",
            "N/A",
            "NA",
            "Not Specified",
            "Not Applicable",
            "Not Available",
            "Not Settable",
            "System Serial Number",
            "System Product Name",
            "System manufacturer",
            "Chassis Serial Number",
            "Base Board Serial Number",
            "0123456789",
            "123456789",
            "1234567890",
            "123456789ABCDEF",
            "Serial",
            "Unknown",
            "INVALID",
            "Default",
            "Empty",
            "No Asset Information",
            "0",
            "00000000",
            "FFFFFFFF",
            "ffff",
            "XXXXXXXXXX",
            "...",
            "---",
            "   ",
            "",
            "00000000-0000-0000-0000-000000000000",
        ];
        for value in placeholders {
            assert!(is_placeholder(value), "{value:?} should be a placeholder");
        }
        for value in [
            "CZ1234ABCD",
            "VMware-56 4d 1a",
            "J9X5K32",
            "5CD0123XYZ",
            "0A",
        ] {
            assert!(!is_placeholder(value), "{value:?} is a real serial");
        }
    }

    #[test]
    fn uuid_is_folded_across_case_braces_hyphens_and_smbios_byte_order() {
        let canonical = "4c4c4544-0051-3510-8052-b4c04f4d3732";
        let swapped = "44454c4c-5100-1035-8052-b4c04f4d3732";
        let forms = [
            canonical,
            swapped,
            "4C4C4544-0051-3510-8052-B4C04F4D3732",
            "{44454C4C-5100-1035-8052-B4C04F4D3732}",
            "44454c4c510010358052b4c04f4d3732",
            " 4c4c4544-0051-3510-8052-b4c04f4d3732\n",
        ];
        let expected = Some(swapped.to_owned());
        for form in forms {
            assert_eq!(normalize_uuid(form), expected, "{form}");
        }
    }

    #[test]
    fn placeholder_and_malformed_uuids_are_absent() {
        for value in [
            "00000000-0000-0000-0000-000000000000",
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
            "03000200-0400-0500-0006-000700080009",
            "00020003-0004-0005-0006-000700080009",
            "Not Settable",
            "",
            "4c4c4544-0051-3510-8052",
            "4c4c4544-0051-3510-8052-b4c04f4d37zz",
        ] {
            assert_eq!(normalize_uuid(value), None, "{value:?}");
        }
    }

    #[test]
    fn serial_is_trimmed_upper_cased_and_placeholders_dropped() {
        assert_eq!(
            normalize_serial("  cz1234abcd "),
            Some("CZ1234ABCD".to_owned())
        );
        assert_eq!(
            normalize_serial("VMware-56 4d  1a"),
            Some("VMWARE-56 4D 1A".to_owned())
        );
        assert_eq!(normalize_serial("To Be Filled By O.E.M."), None);
        assert_eq!(normalize_serial(""), None);
    }

    #[test]
    fn machine_id_needs_32_hex_digits() {
        let id = "5A3F0C1B2D4E4F60718293A4B5C6D7E8";
        assert_eq!(normalize_machine_id(id), Some(id.to_ascii_lowercase()));
        assert_eq!(
            normalize_machine_id(&format!(" {id}\n")),
            Some(id.to_ascii_lowercase())
        );
        for absent in [
            "",
            "uninitialized",
            "00000000000000000000000000000000",
            "abc",
            "xyz",
        ] {
            assert_eq!(normalize_machine_id(absent), None, "{absent:?}");
        }
    }

    #[test]
    fn hostname_is_short_lower_case_and_never_localhost() {
        assert_eq!(
            normalize_hostname("Web01.Example.COM"),
            Some("web01".to_owned())
        );
        assert_eq!(normalize_hostname(" db-2 "), Some("db-2".to_owned()));
        for absent in [
            "",
            "localhost",
            "LocalHost.localdomain",
            "(none)",
            ".example.com",
        ] {
            assert_eq!(normalize_hostname(absent), None, "{absent:?}");
        }
    }

    fn interface(name: &str, mac: Option<&str>, virtual_device: bool) -> NetworkInterface {
        NetworkInterface {
            name: name.to_owned(),
            mac: mac.map(str::to_owned),
            addresses: Vec::new(),
            virtual_device,
        }
    }

    #[test]
    fn real_interfaces_include_locally_administered_macs() {
        let real = [
            interface("eth0", Some("02:fc:00:00:00:01"), true),
            interface("enp3s0", Some("3C:EC:EF:12:34:56"), false),
            interface("wlan0", Some("3c-ec-ef-12-34-57"), false),
        ];
        for iface in &real {
            assert!(is_real_interface(iface), "{iface:?}");
        }
    }

    #[test]
    fn loopback_virtual_multicast_and_malformed_interfaces_are_not_real() {
        let not_real = [
            interface("lo", Some("00:00:00:00:00:00"), true),
            interface("eth1", Some("00:00:00:00:00:00"), false),
            interface("eth2", Some("ff:ff:ff:ff:ff:ff"), false),
            interface("eth3", Some("01:00:5e:00:00:01"), false),
            interface("eth4", None, false),
            interface("eth5", Some("3c:ec:ef:12:34"), false),
            interface("eth6", Some("3c:ec:ef:12:34:5g"), false),
            interface("docker0", Some("02:42:ac:11:00:01"), true),
            interface("veth1a2b3c", Some("9e:1d:00:aa:bb:cc"), true),
            interface("br-0a1b2c3d", Some("02:42:0a:0b:0c:0d"), true),
            interface("virbr0", Some("52:54:00:aa:bb:cc"), true),
            interface("vnet3", Some("fe:54:00:aa:bb:cc"), true),
            interface("tailscale0", Some("4e:00:00:00:00:01"), true),
            interface("wg0", Some("4e:00:00:00:00:02"), true),
            interface("cali12345", Some("ee:ee:ee:ee:ee:ee"), true),
            interface("flannel.1", Some("2a:00:00:00:00:03"), true),
            interface("cni0", Some("2a:00:00:00:00:04"), true),
        ];
        for iface in &not_real {
            assert!(!is_real_interface(iface), "{iface:?}");
        }
    }
}
