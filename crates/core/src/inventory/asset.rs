//! Assets no agent reports: network devices, printers, phones, SaaS subscriptions and
//! anything else an organisation tracks by hand or from a spreadsheet.
//!
//! An asset is identified by its asset tag, else by its serial number; both are optional,
//! but each is unique across assets when present. Hosts and applications are assets too,
//! kept in their own models ([`crate::inventory::HostFacts`], [`crate::inventory::Application`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of asset tracked without an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetKind {
    /// A switch, router, firewall, access point.
    NetworkDevice,
    /// A printer or multifunction device.
    Printer,
    /// A desk or mobile phone.
    Phone,
    /// A subscription to a hosted service.
    Saas,
    /// Anything else.
    Other,
}

impl AssetKind {
    /// Every kind, in display order.
    pub const ALL: [AssetKind; 5] = [
        AssetKind::NetworkDevice,
        AssetKind::Printer,
        AssetKind::Phone,
        AssetKind::Saas,
        AssetKind::Other,
    ];

    /// The kind's stored and written name: `network-device`, `printer`, `phone`, `saas`,
    /// `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::NetworkDevice => "network-device",
            AssetKind::Printer => "printer",
            AssetKind::Phone => "phone",
            AssetKind::Saas => "saas",
            AssetKind::Other => "other",
        }
    }
}

impl fmt::Display for AssetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is not one of [`AssetKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown asset kind {0:?}: expected network-device, printer, phone, saas or other")]
pub struct UnknownAssetKind(pub String);

impl FromStr for AssetKind {
    type Err = UnknownAssetKind;

    /// Accepts the written names, case-insensitively, with `_` or a space for `-`, and a few
    /// common synonyms (`switch`, `router`, `network`, `subscription`, `saas subscription`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normal = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let kind = match normal.as_str() {
            "network-device" | "network" | "switch" | "router" | "firewall" => {
                AssetKind::NetworkDevice
            }
            "printer" => AssetKind::Printer,
            "phone" => AssetKind::Phone,
            "saas" | "subscription" | "saas-subscription" => AssetKind::Saas,
            "other" => AssetKind::Other,
            _ => return Err(UnknownAssetKind(s.to_owned())),
        };
        Ok(kind)
    }
}

/// What is recorded about an asset. Empty optional fields are `None`, never `Some("")`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRecord {
    /// Name shown in lists.
    pub name: String,
    /// Kind.
    pub kind: AssetKind,
    /// The organisation's asset tag, unique when present.
    pub asset_tag: Option<String>,
    /// The manufacturer's serial number, unique when present.
    pub serial: Option<String>,
    /// Manufacturer or provider.
    pub vendor: Option<String>,
    /// Model or plan.
    pub model: Option<String>,
    /// Where it is.
    pub location: Option<String>,
    /// Who is responsible for it.
    pub owner: Option<String>,
    /// Free tags, sorted and each once.
    pub tags: Vec<String>,
    /// Free-text notes.
    pub notes: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_names_and_synonyms() {
        for kind in AssetKind::ALL {
            assert_eq!(kind.as_str().parse::<AssetKind>(), Ok(kind));
        }
        assert_eq!("Network Device".parse(), Ok(AssetKind::NetworkDevice));
        assert_eq!("SaaS_subscription".parse(), Ok(AssetKind::Saas));
        assert!("toaster".parse::<AssetKind>().is_err());
    }
}
