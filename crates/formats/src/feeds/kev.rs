//! The CISA Known Exploited Vulnerabilities catalog, read into [`KevEntry`] facts.
//!
//! KEV is not an advisory: it names CVEs known to be exploited, with the date CISA added each
//! and the date by which US federal agencies must act. Assessment joins it to advisories
//! through their CVE aliases to raise a finding's priority.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{ReadError, text};

/// The catalog as published: its version and its entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KevCatalog {
    /// `catalogVersion`, e.g. `2025.08.25`.
    pub catalog_version: String,
    /// `dateReleased`, when the catalog gives it.
    pub date_released: Option<jiff::Timestamp>,
    /// One entry per CVE.
    pub entries: Vec<KevEntry>,
}

/// One known-exploited vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KevEntry {
    /// The CVE id (`cveID`).
    pub cve_id: String,
    /// `vendorProject`.
    pub vendor_project: String,
    /// `product`.
    pub product: String,
    /// `vulnerabilityName`.
    pub vulnerability_name: String,
    /// When CISA added it to the catalog.
    pub date_added: Date,
    /// `shortDescription`.
    pub short_description: String,
    /// `requiredAction`.
    pub required_action: String,
    /// The remediation deadline for US federal agencies.
    pub due_date: Option<Date>,
    /// Whether it is known to be used in ransomware campaigns (`Known`); `false` for `Unknown`.
    pub known_ransomware_campaign_use: bool,
    /// `notes`, often a list of vendor links.
    pub notes: String,
    /// CWE ids.
    pub cwes: Vec<String>,
}

/// Reads the KEV catalog JSON.
pub fn read_json(input: &[u8]) -> Result<KevCatalog, ReadError> {
    ReadError::check_size(input)?;
    let wire: WireCatalog = serde_json::from_slice(input)?;
    let date_released = wire
        .date_released
        .map(|t| text::timestamp(&t).map_err(|m| ReadError::field("dateReleased", m)))
        .transpose()?;
    let entries = wire
        .vulnerabilities
        .into_iter()
        .enumerate()
        .map(|(i, entry)| entry.into_entry(i))
        .collect::<Result<_, _>>()?;
    Ok(KevCatalog {
        catalog_version: wire.catalog_version,
        date_released,
        entries,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCatalog {
    catalog_version: String,
    #[serde(default)]
    date_released: Option<String>,
    vulnerabilities: Vec<WireEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEntry {
    #[serde(rename = "cveID")]
    cve_id: String,
    #[serde(default)]
    vendor_project: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    vulnerability_name: String,
    date_added: String,
    #[serde(default)]
    short_description: String,
    #[serde(default)]
    required_action: String,
    #[serde(default)]
    due_date: Option<String>,
    #[serde(default)]
    known_ransomware_campaign_use: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default, deserialize_with = "text::list")]
    cwes: Vec<String>,
}

impl WireEntry {
    fn into_entry(self, index: usize) -> Result<KevEntry, ReadError> {
        let field = |name: &str| format!("vulnerabilities[{index}].{name}");
        if !self.cve_id.starts_with("CVE-") {
            let message = format!("{:?} is not a CVE id", self.cve_id);
            return Err(ReadError::field(field("cveID"), message));
        }
        let date_added =
            text::date(&self.date_added).map_err(|m| ReadError::field(field("dateAdded"), m))?;
        let due_date = match self.due_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(day) => Some(text::date(day).map_err(|m| ReadError::field(field("dueDate"), m))?),
        };
        let ransomware = match self.known_ransomware_campaign_use.as_deref() {
            Some("Known") => true,
            None | Some("Unknown") | Some("") => false,
            Some(other) => {
                let message = format!("{other:?} is neither Known nor Unknown");
                return Err(ReadError::field(
                    field("knownRansomwareCampaignUse"),
                    message,
                ));
            }
        };
        Ok(KevEntry {
            cve_id: self.cve_id,
            vendor_project: self.vendor_project,
            product: self.product,
            vulnerability_name: self.vulnerability_name,
            date_added,
            short_description: self.short_description,
            required_action: self.required_action,
            due_date,
            known_ransomware_campaign_use: ransomware,
            notes: self.notes.unwrap_or_default(),
            cwes: self.cwes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = r#"{
      "title": "CISA Catalog of Known Exploited Vulnerabilities",
      "catalogVersion": "2025.08.25",
      "dateReleased": "2025-08-25T17:04:19.9796Z",
      "count": 1,
      "vulnerabilities": [{
        "cveID": "CVE-2025-48384", "vendorProject": "Git", "product": "Git",
        "vulnerabilityName": "Git Link Following Vulnerability", "dateAdded": "2025-08-25",
        "shortDescription": "…", "requiredAction": "Apply mitigations",
        "dueDate": "2025-09-15", "knownRansomwareCampaignUse": "Known", "notes": "",
        "cwes": ["CWE-59", "CWE-436"]
      }]
    }"#;

    #[test]
    fn reads_a_catalog() {
        let catalog = read_json(CATALOG.as_bytes()).expect("valid catalog");
        assert_eq!(catalog.catalog_version, "2025.08.25");
        let entry = &catalog.entries[0];
        assert_eq!(entry.cve_id, "CVE-2025-48384");
        assert_eq!(entry.date_added, jiff::civil::date(2025, 8, 25));
        assert_eq!(entry.due_date, Some(jiff::civil::date(2025, 9, 15)));
        assert!(entry.known_ransomware_campaign_use);
        assert_eq!(entry.cwes, ["CWE-59", "CWE-436"]);
    }

    #[test]
    fn bad_date_names_the_entry_and_field() {
        let bad = CATALOG.replace("\"2025-09-15\"", "\"15/09/2025\"");
        let err = read_json(bad.as_bytes()).expect_err("bad date");
        assert_eq!(
            err.to_string(),
            "field vulnerabilities[0].dueDate: \"15/09/2025\" is not a date (YYYY-MM-DD)"
        );
    }

    #[test]
    fn missing_cve_id_names_its_line() {
        let bad = CATALOG.replace("\"cveID\": \"CVE-2025-48384\", ", "");
        let err = read_json(bad.as_bytes()).expect_err("missing cveID");
        assert!(err.to_string().contains("missing field `cveID`"), "{err}");
        assert!(matches!(err, ReadError::Syntax { line: 12, .. }), "{err:?}");
    }
}
