//! OSV records, in JSON or YAML, read into Steward's [`Advisory`].
//!
//! The wire model below mirrors the OSV schema; conversion checks what serde cannot: every
//! range has a known type, every event names exactly one of `introduced`, `fixed`,
//! `last_affected` and `limit`, and every timestamp parses. CVSS v2, v3 and v4 vectors get
//! their base scores; a vector that does not parse keeps its text and gets no score, since a
//! bad score string is no reason to lose the advisory. RustSec's `informational` kind and
//! `affects.functions` are kept; other `database_specific` and `ecosystem_specific` data is
//! ignored.

use std::str::FromStr;

use serde::Deserialize;
use serde_json::Value;
use steward_core::assessment::advisory::{Advisory, Affected, Event, Range, RangeKind, Severity};

use super::{ReadError, text};

/// The `source` given to advisories read from OSV records.
pub const SOURCE: &str = "osv";

/// Reads one OSV record from JSON.
pub fn read_json(input: &[u8]) -> Result<Advisory, ReadError> {
    ReadError::check_size(input)?;
    let record: Record = serde_json::from_slice(input)?;
    record.into_advisory()
}

/// Reads one OSV record from YAML.
pub fn read_yaml(input: &[u8]) -> Result<Advisory, ReadError> {
    ReadError::check_size(input)?;
    let record: Record = serde_norway::from_slice(input)?;
    record.into_advisory()
}

/// The base score of a severity entry, for `CVSS_V2`, `CVSS_V3` and `CVSS_V4` vectors that
/// parse; `None` for other kinds and for malformed vectors.
pub fn cvss_base_score(kind: &str, vector: &str) -> Option<f64> {
    let vector = vector.trim();
    match kind {
        "CVSS_V2" => {
            // OSV writes v2 vectors bare; NVD sometimes prefixes them or wraps them.
            let bare = vector.strip_prefix("CVSS:2.0/").unwrap_or(vector);
            let bare = bare.trim_start_matches('(').trim_end_matches(')');
            cvss::v2::Vector::from_str(bare)
                .ok()
                .map(|v| v.score().value())
        }
        "CVSS_V3" => cvss::v3::Vector::from_str(vector)
            .ok()
            .map(|v| v.base_score().value()),
        "CVSS_V4" => cvss::v4::Vector::from_str(vector)
            .ok()
            .map(|v| v.score().value()),
        _ => None,
    }
}

#[derive(Deserialize)]
struct Record {
    id: String,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default, deserialize_with = "text::list")]
    aliases: Vec<String>,
    #[serde(default, deserialize_with = "text::list")]
    related: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default, deserialize_with = "text::list")]
    severity: Vec<WireSeverity>,
    #[serde(default, deserialize_with = "text::list")]
    affected: Vec<WireAffected>,
    #[serde(default, deserialize_with = "text::list")]
    references: Vec<WireReference>,
    #[serde(default)]
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct WireSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct WireReference {
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
struct WireAffected {
    #[serde(default)]
    package: Option<WirePackage>,
    #[serde(default, deserialize_with = "text::list")]
    severity: Vec<WireSeverity>,
    #[serde(default, deserialize_with = "text::list")]
    ranges: Vec<WireRange>,
    #[serde(default, deserialize_with = "text::list")]
    versions: Vec<String>,
    #[serde(default)]
    ecosystem_specific: Option<Value>,
    #[serde(default)]
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct WirePackage {
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Deserialize)]
struct WireRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    repo: Option<String>,
    #[serde(default, deserialize_with = "text::list")]
    events: Vec<WireEvent>,
}

#[derive(Deserialize)]
struct WireEvent {
    #[serde(default)]
    introduced: Option<String>,
    #[serde(default)]
    fixed: Option<String>,
    #[serde(default)]
    last_affected: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

impl Record {
    fn into_advisory(self) -> Result<Advisory, ReadError> {
        if self.id.trim().is_empty() {
            return Err(ReadError::field("id", "is empty"));
        }
        let mut informational = informational(self.database_specific.as_ref());
        let mut affected = Vec::with_capacity(self.affected.len());
        for (i, wire) in self.affected.into_iter().enumerate() {
            informational = informational.or_else(|| informational_of(&wire));
            affected.push(wire.into_affected(i)?);
        }
        Ok(Advisory {
            id: self.id,
            aliases: self.aliases,
            related: self.related,
            modified: optional_timestamp("modified", self.modified)?,
            published: optional_timestamp("published", self.published)?,
            withdrawn: optional_timestamp("withdrawn", self.withdrawn)?,
            summary: self.summary.unwrap_or_default(),
            details: self.details.unwrap_or_default(),
            severity: severities(self.severity),
            affected,
            references: self.references.into_iter().filter_map(|r| r.url).collect(),
            informational,
            source: SOURCE.to_owned(),
        })
    }
}

impl WireAffected {
    fn into_affected(self, index: usize) -> Result<Affected, ReadError> {
        let (ecosystem, name, purl) = match self.package {
            Some(p) => (p.ecosystem, p.name, p.purl),
            None => (String::new(), String::new(), None),
        };
        let functions = functions(self.ecosystem_specific.as_ref());
        let ranges = self
            .ranges
            .into_iter()
            .enumerate()
            .map(|(j, range)| range.into_range(&format!("affected[{index}].ranges[{j}]")))
            .collect::<Result<_, _>>()?;
        Ok(Affected {
            ecosystem,
            name,
            purl,
            ranges,
            versions: self.versions,
            severity: severities(self.severity),
            functions,
        })
    }
}

impl WireRange {
    fn into_range(self, path: &str) -> Result<Range, ReadError> {
        let kind = match self.kind.as_str() {
            "SEMVER" => RangeKind::Semver,
            "ECOSYSTEM" => RangeKind::Ecosystem,
            "GIT" => RangeKind::Git,
            other => {
                return Err(ReadError::field(
                    format!("{path}.type"),
                    format!("unknown range type {other:?} (expected SEMVER, ECOSYSTEM or GIT)"),
                ));
            }
        };
        let events = self
            .events
            .into_iter()
            .enumerate()
            .map(|(k, event)| event.into_event(&format!("{path}.events[{k}]")))
            .collect::<Result<_, _>>()?;
        Ok(Range {
            kind,
            repo: self.repo,
            events,
        })
    }
}

impl WireEvent {
    fn into_event(self, path: &str) -> Result<Event, ReadError> {
        let events = [
            self.introduced.map(Event::Introduced),
            self.fixed.map(Event::Fixed),
            self.last_affected.map(Event::LastAffected),
            self.limit.map(Event::Limit),
        ];
        let mut set = events.into_iter().flatten();
        match (set.next(), set.next()) {
            (Some(event), None) => Ok(event),
            (None, _) => Err(ReadError::field(
                path,
                "names none of introduced, fixed, last_affected, limit",
            )),
            (Some(_), Some(_)) => Err(ReadError::field(
                path,
                "names more than one of introduced, fixed, last_affected, limit",
            )),
        }
    }
}

fn optional_timestamp(
    field: &str,
    value: Option<String>,
) -> Result<Option<jiff::Timestamp>, ReadError> {
    value
        .map(|text| text::timestamp(&text).map_err(|message| ReadError::field(field, message)))
        .transpose()
}

fn severities(wire: Vec<WireSeverity>) -> Vec<Severity> {
    wire.into_iter()
        .map(|s| Severity {
            score: cvss_base_score(&s.kind, &s.score),
            kind: s.kind,
            vector: s.score,
        })
        .collect()
}

/// RustSec's notice kind (`unmaintained`, `unsound`, `notice`) from a `database_specific`.
fn informational(database_specific: Option<&Value>) -> Option<String> {
    database_specific?
        .get("informational")?
        .as_str()
        .filter(|kind| !kind.is_empty())
        .map(str::to_owned)
}

fn informational_of(affected: &WireAffected) -> Option<String> {
    informational(affected.database_specific.as_ref())
}

/// RustSec's `ecosystem_specific.affects.functions`: the affected paths, when listed.
fn functions(ecosystem_specific: Option<&Value>) -> Vec<String> {
    let listed = ecosystem_specific
        .and_then(|specific| specific.get("affects"))
        .and_then(|affects| affects.get("functions"))
        .and_then(Value::as_array);
    listed
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUSTSEC: &str = r#"{
      "id": "RUSTSEC-2020-0071",
      "modified": "2023-06-13T13:10:24Z",
      "published": "2020-11-18T12:00:00Z",
      "withdrawn": null,
      "aliases": ["CVE-2020-26235", "GHSA-wcg3-cvx6-7396"],
      "related": null,
      "summary": "Potential segfault in the time crate",
      "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
      "affected": [{
        "package": {"ecosystem": "crates.io", "name": "time", "purl": "pkg:cargo/time"},
        "ecosystem_specific": {"affects": {"arch": [], "os": [], "functions": ["time::at"]}},
        "database_specific": {"categories": ["code-execution"], "informational": "unsound"},
        "ranges": [{"type": "SEMVER", "events": [
          {"introduced": "0.0.0-0"}, {"fixed": "0.2.23"}, {"introduced": "0.3.0"},
          {"last_affected": "0.3.1"}, {"limit": "0.4.0"}
        ]}],
        "versions": []
      }],
      "references": [{"type": "ADVISORY", "url": "https://rustsec.org/advisories/x.html"}],
      "database_specific": {"license": "CC0-1.0"}
    }"#;

    #[test]
    fn reads_every_field_of_a_rustsec_record() {
        let advisory = read_json(RUSTSEC.as_bytes()).expect("valid record");
        assert_eq!(advisory.id, "RUSTSEC-2020-0071");
        assert_eq!(advisory.aliases, ["CVE-2020-26235", "GHSA-wcg3-cvx6-7396"]);
        assert!(advisory.related.is_empty());
        assert_eq!(
            advisory.modified,
            Some("2023-06-13T13:10:24Z".parse().expect("valid"))
        );
        assert_eq!(advisory.withdrawn, None);
        assert_eq!(advisory.severity[0].score, Some(5.9));
        assert_eq!(advisory.informational.as_deref(), Some("unsound"));
        assert_eq!(advisory.source, "osv");
        assert_eq!(
            advisory.references,
            ["https://rustsec.org/advisories/x.html"]
        );
        let affected = &advisory.affected[0];
        assert_eq!(affected.ecosystem, "crates.io");
        assert_eq!(affected.name, "time");
        assert_eq!(affected.purl.as_deref(), Some("pkg:cargo/time"));
        assert_eq!(affected.functions, ["time::at"]);
        assert_eq!(
            affected.ranges[0],
            Range {
                kind: RangeKind::Semver,
                repo: None,
                events: vec![
                    Event::Introduced("0.0.0-0".into()),
                    Event::Fixed("0.2.23".into()),
                    Event::Introduced("0.3.0".into()),
                    Event::LastAffected("0.3.1".into()),
                    Event::Limit("0.4.0".into()),
                ],
            }
        );
    }

    const PYPA: &str = r#"
id: PYSEC-2021-335
details: Some text
affected:
- package:
    name: accesscontrol
    ecosystem: PyPI
  ranges:
  - type: GIT
    repo: https://github.com/zopefoundation/AccessControl
    events:
    - introduced: "0"
    - fixed: b42dd4badf803bb9fb71ac34cd9cb0c249262f2c
  - type: ECOSYSTEM
    events:
    - introduced: 4.10
    - fixed: 5.2
  versions:
  - "4.0"
  - 4.10
  severity:
  - type: CVSS_V2
    score: AV:N/AC:L/Au:N/C:P/I:P/A:P
aliases:
- CVE-2021-32807
modified: "2021-09-26T23:32:08.989778Z"
withdrawn: "2022-01-01T00:00:00Z"
"#;

    #[test]
    fn reads_yaml_with_git_ranges_versions_and_withdrawal() {
        let advisory = read_yaml(PYPA.as_bytes()).expect("valid record");
        assert_eq!(advisory.id, "PYSEC-2021-335");
        assert_eq!(advisory.details, "Some text");
        assert!(advisory.withdrawn.is_some());
        let affected = &advisory.affected[0];
        assert_eq!(affected.ranges[0].kind, RangeKind::Git);
        assert_eq!(
            affected.ranges[0].repo.as_deref(),
            Some("https://github.com/zopefoundation/AccessControl")
        );
        // Unquoted YAML numbers keep their spelling: 4.10 is not 4.1.
        assert_eq!(
            affected.ranges[1].events[0],
            Event::Introduced("4.10".into())
        );
        assert_eq!(affected.versions, ["4.0", "4.10"]);
        assert_eq!(affected.severity[0].score, Some(7.5));
    }

    #[test]
    fn record_without_package_keeps_its_git_ranges() {
        let json = r#"{"id": "PSF-2023-1", "modified": "2024-01-01T00:00:00Z",
          "affected": [{"ranges": [{"type": "GIT", "repo": "https://github.com/python/cpython",
            "events": [{"introduced": "0"}, {"fixed": "abc123"}]}]}]}"#;
        let advisory = read_json(json.as_bytes()).expect("valid record");
        assert_eq!(advisory.affected[0].name, "");
        assert_eq!(advisory.affected[0].ranges[0].kind, RangeKind::Git);
    }

    #[test]
    fn cvss_scores_of_known_vectors() {
        let cases = [
            ("CVSS_V2", "AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0),
            ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
            ("CVSS_V2", "AV:N/AC:M/Au:N/C:P/I:N/A:N", 4.3),
            ("CVSS_V2", "AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2),
            (
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                9.8,
            ),
            (
                "CVSS_V3",
                "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
                8.1,
            ),
            (
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
                6.1,
            ),
            (
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS_V4",
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                8.5,
            ),
        ];
        for (kind, vector, want) in cases {
            assert_eq!(cvss_base_score(kind, vector), Some(want), "{vector}");
        }
        assert_eq!(cvss_base_score("CVSS_V3", "CVSS:3.1/AV:X"), None);
        assert_eq!(cvss_base_score("Ubuntu", "medium"), None);
    }

    #[test]
    fn unknown_range_type_names_its_field() {
        let json = r#"{"id": "X-1", "affected": [{"ranges": [{"type": "DATE", "events": []}]}]}"#;
        let err = read_json(json.as_bytes()).expect_err("bad range type");
        assert_eq!(
            err.to_string(),
            "field affected[0].ranges[0].type: unknown range type \"DATE\" \
             (expected SEMVER, ECOSYSTEM or GIT)"
        );
    }

    #[test]
    fn event_with_two_kinds_names_its_field() {
        let json = r#"{"id": "X-1", "affected": [{"ranges": [{"type": "SEMVER",
          "events": [{"introduced": "0", "fixed": "1.0"}]}]}]}"#;
        let err = read_json(json.as_bytes()).expect_err("bad event");
        assert!(
            err.to_string()
                .starts_with("field affected[0].ranges[0].events[0]: names more"),
            "{err}"
        );
    }

    #[test]
    fn bad_timestamp_names_its_field() {
        let json = r#"{"id": "X-1", "modified": "last tuesday"}"#;
        let err = read_json(json.as_bytes()).expect_err("bad timestamp");
        assert_eq!(
            err.to_string(),
            "field modified: \"last tuesday\" is not an RFC 3339 timestamp"
        );
    }

    #[test]
    fn syntax_error_names_its_line() {
        let err = read_json(b"{\n\"id\": \"X-1\",\n\"aliases\": 7\n}").expect_err("bad type");
        assert!(err.to_string().starts_with("line 3, column"), "{err}");
        let err = read_yaml(b"id: X-1\naffected:\n  - ranges: [\n").expect_err("bad yaml");
        assert!(matches!(err, ReadError::Syntax { line: 4.., .. }), "{err}");
    }
}
