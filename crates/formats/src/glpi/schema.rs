//! The parts of the GLPI inventory schema Steward reads, as serde types. Unknown fields and
//! sections are skipped; leaf values are [`Scalar`]s so a number sent as a string (or the
//! reverse) still reads, and a value of a shape no leaf can take (an object where text was
//! expected) reads as absent rather than failing the whole inventory.

use serde::Deserialize;
use serde::de::IgnoredAny;

/// A leaf value of any JSON type.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum Scalar {
    Text(String),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Flag(bool),
    Other(IgnoredAny),
}

impl Scalar {
    /// The value as trimmed, non-empty text.
    pub(super) fn text(&self) -> Option<String> {
        let text = match self {
            Scalar::Text(text) => text.trim().to_owned(),
            Scalar::Unsigned(n) => n.to_string(),
            Scalar::Signed(n) => n.to_string(),
            Scalar::Float(n) => n.to_string(),
            Scalar::Flag(b) => b.to_string(),
            Scalar::Other(_) => return None,
        };
        (!text.is_empty()).then_some(text)
    }

    /// The value as a whole number (an integral float or numeric text included).
    pub(super) fn number(&self) -> Option<u64> {
        match self {
            Scalar::Unsigned(n) => Some(*n),
            Scalar::Signed(n) => u64::try_from(*n).ok(),
            Scalar::Float(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e18 => Some(*n as u64),
            Scalar::Text(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as a flag: `true`, `1` and `"1"`/`"true"`/`"yes"`.
    pub(super) fn flag(&self) -> bool {
        match self {
            Scalar::Flag(b) => *b,
            Scalar::Unsigned(n) => *n != 0,
            Scalar::Text(text) => matches!(text.trim(), "1" | "true" | "yes"),
            _ => false,
        }
    }
}

/// Text of an optional leaf.
pub(super) fn text(value: &Option<Scalar>) -> Option<String> {
    value.as_ref().and_then(Scalar::text)
}

/// The message envelope.
#[derive(Debug, Deserialize)]
pub(super) struct Document {
    pub(super) action: Option<Scalar>,
    pub(super) deviceid: Option<Scalar>,
    pub(super) itemtype: Option<Scalar>,
    pub(super) partial: Option<Scalar>,
    /// A contact's agent name and version.
    pub(super) name: Option<Scalar>,
    pub(super) version: Option<Scalar>,
    pub(super) content: Option<Content>,
}

/// The sections of `content` Steward maps.
#[derive(Debug, Deserialize)]
pub(super) struct Content {
    pub(super) hardware: Option<Hardware>,
    pub(super) bios: Option<Bios>,
    pub(super) operatingsystem: Option<OperatingSystem>,
    pub(super) cpus: Option<Vec<Cpu>>,
    pub(super) storages: Option<Vec<Storage>>,
    pub(super) drives: Option<Vec<Drive>>,
    pub(super) networks: Option<Vec<Network>>,
    pub(super) softwares: Option<Vec<Software>>,
    pub(super) versionclient: Option<Scalar>,
    pub(super) network_device: Option<NetworkDevice>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Hardware {
    pub(super) name: Option<Scalar>,
    pub(super) uuid: Option<Scalar>,
    pub(super) memory: Option<Scalar>,
    pub(super) swap: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Bios {
    pub(super) smanufacturer: Option<Scalar>,
    pub(super) mmanufacturer: Option<Scalar>,
    pub(super) bmanufacturer: Option<Scalar>,
    pub(super) smodel: Option<Scalar>,
    pub(super) mmodel: Option<Scalar>,
    pub(super) ssn: Option<Scalar>,
    pub(super) msn: Option<Scalar>,
    pub(super) bversion: Option<Scalar>,
    pub(super) bdate: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
pub(super) struct OperatingSystem {
    pub(super) name: Option<Scalar>,
    pub(super) full_name: Option<Scalar>,
    pub(super) version: Option<Scalar>,
    pub(super) kernel_version: Option<Scalar>,
    pub(super) arch: Option<Scalar>,
    pub(super) fqdn: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Cpu {
    pub(super) name: Option<Scalar>,
    pub(super) arch: Option<Scalar>,
    pub(super) core: Option<Scalar>,
    pub(super) thread: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Storage {
    pub(super) name: Option<Scalar>,
    pub(super) disksize: Option<Scalar>,
    pub(super) model: Option<Scalar>,
    pub(super) serial: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Drive {
    /// The mount point on Unix.
    #[serde(rename = "type")]
    pub(super) kind: Option<Scalar>,
    /// The drive letter on Windows.
    pub(super) letter: Option<Scalar>,
    pub(super) volumn: Option<Scalar>,
    pub(super) filesystem: Option<Scalar>,
    pub(super) total: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Network {
    pub(super) description: Option<Scalar>,
    pub(super) mac: Option<Scalar>,
    pub(super) virtualdev: Option<Scalar>,
    pub(super) ipaddress: Option<Scalar>,
    pub(super) ipmask: Option<Scalar>,
    pub(super) ipaddress6: Option<Scalar>,
    pub(super) ipmask6: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Software {
    pub(super) name: Option<Scalar>,
    pub(super) version: Option<Scalar>,
    pub(super) arch: Option<Scalar>,
    pub(super) from: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
pub(super) struct NetworkDevice {
    pub(super) name: Option<Scalar>,
    #[serde(rename = "type")]
    pub(super) kind: Option<Scalar>,
    pub(super) serial: Option<Scalar>,
    pub(super) manufacturer: Option<Scalar>,
    pub(super) model: Option<Scalar>,
    pub(super) location: Option<Scalar>,
    pub(super) contact: Option<Scalar>,
    pub(super) firmware: Option<Scalar>,
    pub(super) mac: Option<Scalar>,
    pub(super) ips: Option<Texts>,
}

/// A list of leaves, or anything else (read as no list).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Texts {
    List(Vec<Scalar>),
    Other(IgnoredAny),
}

impl Texts {
    /// The list's values as text.
    pub(super) fn texts(&self) -> Vec<String> {
        match self {
            Texts::List(values) => values.iter().filter_map(Scalar::text).collect(),
            Texts::Other(_) => Vec::new(),
        }
    }
}
