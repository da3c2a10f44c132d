//! Release cycles and their end-of-life dates: endoflife.date product data (its API's JSON and
//! the front matter of its product pages) and distro-info CSV tables, all read into
//! [`LifecycleProduct`].
//!
//! endoflife.date's dates may be a date, `true`/`false` (ended or not, date unknown) or absent;
//! [`EolDate`] keeps those three apart. Its fields map as follows: `eol` is the end of security
//! support, `support` (`eoas` in the front matter) the end of active support, and
//! `extendedSupport` (`eoes`) the end of paid or LTS support. distro-info tables are mapped to
//! the same meaning: Debian's `eol` and `eol-lts`, Ubuntu's `eol-server` (else `eol`) and
//! `eol-esm`; the later Debian ELTS and Ubuntu legacy columns have no counterpart here.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::{ReadError, text};

pub use steward_core::assessment::lifecycle::{
    EolDate, LifecycleCycle, LifecycleProduct, SOURCE_DISTRO_INFO, SOURCE_ENDOFLIFE_DATE,
};

/// Reads endoflife.date API JSON for one product: either the classic list of cycles
/// (`/api/<product>.json`) or the v1 document (`{"result": {"name", "releases": [...]}}`).
/// `product` names the product when the document does not (the classic list).
pub fn read_api_json(product: &str, input: &[u8]) -> Result<LifecycleProduct, ReadError> {
    ReadError::check_size(input)?;
    let wire: WireApi = serde_json::from_slice(input)?;
    match wire {
        WireApi::Classic(cycles) => Ok(LifecycleProduct {
            name: product.to_owned(),
            title: None,
            source: SOURCE_ENDOFLIFE_DATE.to_owned(),
            cycles: convert_all(cycles, "")?,
        }),
        WireApi::V1 { result } => Ok(LifecycleProduct {
            name: result.name,
            title: result.label,
            source: SOURCE_ENDOFLIFE_DATE.to_owned(),
            cycles: convert_all(result.releases, "result.releases")?,
        }),
    }
}

/// Reads the YAML front matter of an endoflife.date product page (`products/<product>.md`).
pub fn read_front_matter(product: &str, markdown: &[u8]) -> Result<LifecycleProduct, ReadError> {
    ReadError::check_size(markdown)?;
    let text = std::str::from_utf8(markdown)
        .map_err(|err| ReadError::line(line_of(markdown, err.valid_up_to()), "not UTF-8"))?;
    let yaml = front_matter(text).ok_or_else(|| {
        ReadError::line(
            1,
            "no front matter (a `---` line, YAML, and a closing `---` line)",
        )
    })?;
    let wire: WireFrontMatter = serde_norway::from_str(yaml).map_err(|err| {
        // The YAML starts on the page's second line.
        match ReadError::from(err) {
            ReadError::Syntax {
                line,
                column,
                message,
            } => ReadError::Syntax {
                line: line + 1,
                column,
                message,
            },
            other => other,
        }
    })?;
    wire.into_product(product.to_owned(), "releases")
}

/// Reads a JSON object `{product: front matter}` gathering many product pages' front matter.
pub fn read_front_matter_set(input: &[u8]) -> Result<Vec<LifecycleProduct>, ReadError> {
    ReadError::check_size(input)?;
    let wire: BTreeMap<String, WireFrontMatter> = serde_json::from_slice(input)?;
    wire.into_iter()
        .map(|(name, front)| {
            let path = format!("{name}.releases");
            front.into_product(name, &path)
        })
        .collect()
}

/// Reads a distro-info CSV table (`debian.csv`, `ubuntu.csv`); `product` names it.
pub fn read_distro_info_csv(product: &str, input: &[u8]) -> Result<LifecycleProduct, ReadError> {
    ReadError::check_size(input)?;
    let text = std::str::from_utf8(input)
        .map_err(|err| ReadError::line(line_of(input, err.valid_up_to()), "not UTF-8"))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    if !is_distro_info_header(&header) {
        return Err(ReadError::line(
            1,
            "header does not start with version,codename,series,created,release,eol",
        ));
    }
    let mut cycles = Vec::new();
    for (index, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        cycles.push(distro_info_row(&header, line, index + 2)?);
    }
    Ok(LifecycleProduct {
        name: product.to_owned(),
        title: None,
        source: SOURCE_DISTRO_INFO.to_owned(),
        cycles,
    })
}

/// Whether a CSV header line is distro-info's.
pub fn is_distro_info_header(columns: &[&str]) -> bool {
    columns.len() >= 6
        && columns[..6] == ["version", "codename", "series", "created", "release", "eol"]
}

fn distro_info_row(
    header: &[&str],
    line: &str,
    number: usize,
) -> Result<LifecycleCycle, ReadError> {
    let values: Vec<&str> = line.split(',').map(str::trim).collect();
    if values.len() > header.len() {
        let message = format!("{} columns, the header has {}", values.len(), header.len());
        return Err(ReadError::line(number, message));
    }
    let column = |name: &str| {
        let at = header.iter().position(|h| *h == name)?;
        values.get(at).copied().filter(|value| !value.is_empty())
    };
    let date_of = |name: &str| -> Result<Option<Date>, ReadError> {
        column(name)
            .map(|day| text::date(day).map_err(|m| ReadError::line(number, format!("{name}: {m}"))))
            .transpose()
    };
    let end = |name: &str| -> Result<EolDate, ReadError> {
        Ok(date_of(name)?.map_or(EolDate::Unknown, EolDate::Date))
    };

    let version = column("version").unwrap_or_default();
    let series = column("series").unwrap_or_default();
    let cycle = version.trim_end_matches(" LTS").trim();
    let eol = match date_of("eol-server")? {
        Some(day) => EolDate::Date(day),
        None => end("eol")?,
    };
    let extended = match date_of("eol-esm")? {
        Some(day) => EolDate::Date(day),
        None => end("eol-lts")?,
    };
    Ok(LifecycleCycle {
        cycle: if cycle.is_empty() { series } else { cycle }.to_owned(),
        release_date: date_of("release")?,
        eol,
        support: EolDate::Unknown,
        extended_support: extended,
        lts: version.ends_with(" LTS"),
        latest: None,
        latest_release_date: None,
        codename: column("codename").map(str::to_owned),
    })
}

/// The YAML between a page's opening `---` line and the next `---` line.
pub(crate) fn front_matter(text: &str) -> Option<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some(&rest[..offset]);
        }
        offset += line.len();
    }
    None
}

fn line_of(input: &[u8], offset: usize) -> usize {
    input[..offset.min(input.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WireApi {
    Classic(Vec<WireCycle>),
    V1 { result: WireV1Product },
}

#[derive(Deserialize)]
struct WireV1Product {
    name: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default, deserialize_with = "text::list")]
    releases: Vec<WireCycle>,
}

#[derive(Deserialize)]
struct WireFrontMatter {
    #[serde(default)]
    title: Option<String>,
    #[serde(default, deserialize_with = "text::list")]
    releases: Vec<WireCycle>,
}

impl WireFrontMatter {
    fn into_product(self, name: String, path: &str) -> Result<LifecycleProduct, ReadError> {
        Ok(LifecycleProduct {
            name,
            title: self.title,
            source: SOURCE_ENDOFLIFE_DATE.to_owned(),
            cycles: convert_all(self.releases, path)?,
        })
    }
}

/// One cycle under any of endoflife.date's spellings: the API's (`cycle`, `support`,
/// `extendedSupport`), the front matter's (`releaseCycle`, `eoas`, `eoes`) and API v1's
/// (`name`, `eolFrom`, `isLts`, …).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCycle {
    #[serde(default, alias = "releaseCycle", alias = "name")]
    cycle: Option<Scalar>,
    #[serde(default)]
    release_date: Option<Scalar>,
    #[serde(default, alias = "eolFrom")]
    eol: Option<Scalar>,
    #[serde(default, alias = "eoas", alias = "eoasFrom")]
    support: Option<Scalar>,
    #[serde(default, alias = "eoes", alias = "eoesFrom")]
    extended_support: Option<Scalar>,
    #[serde(default, alias = "isLts")]
    lts: Option<Scalar>,
    #[serde(default)]
    latest: Option<Latest>,
    #[serde(default)]
    latest_release_date: Option<Scalar>,
    #[serde(default)]
    codename: Option<Scalar>,
}

/// `latest` is a version string in the classic API and front matter, an object in API v1.
#[derive(Deserialize)]
#[serde(untagged)]
enum Latest {
    Version(Scalar),
    Release {
        name: Scalar,
        #[serde(default)]
        date: Option<Scalar>,
    },
}

fn convert_all(cycles: Vec<WireCycle>, path: &str) -> Result<Vec<LifecycleCycle>, ReadError> {
    cycles
        .into_iter()
        .enumerate()
        .map(|(i, cycle)| {
            let at = if path.is_empty() {
                format!("[{i}]")
            } else {
                format!("{path}[{i}]")
            };
            cycle.convert(&at)
        })
        .collect()
}

impl WireCycle {
    fn convert(self, path: &str) -> Result<LifecycleCycle, ReadError> {
        let field = |name: &str| format!("{path}.{name}");
        let cycle = match self.cycle {
            Some(Scalar::Text(text)) if !text.trim().is_empty() => text,
            _ => return Err(ReadError::field(field("cycle"), "is missing or empty")),
        };
        let (latest, mut latest_date) = match self.latest {
            None | Some(Latest::Version(Scalar::Null)) => (None, None),
            Some(Latest::Version(version)) => (version.text(), None),
            Some(Latest::Release { name, date }) => (name.text(), date),
        };
        if self.latest_release_date.is_some() {
            latest_date = self.latest_release_date;
        }
        Ok(LifecycleCycle {
            cycle,
            release_date: optional_date(self.release_date, &field("releaseDate"))?,
            eol: end_date(self.eol, &field("eol"))?,
            support: end_date(self.support, &field("support"))?,
            extended_support: end_date(self.extended_support, &field("extendedSupport"))?,
            lts: !matches!(
                self.lts,
                None | Some(Scalar::Null) | Some(Scalar::Bool(false))
            ),
            latest,
            latest_release_date: optional_date(latest_date, &field("latestReleaseDate"))?,
            codename: self.codename.and_then(Scalar::text),
        })
    }
}

fn end_date(value: Option<Scalar>, field: &str) -> Result<EolDate, ReadError> {
    match value {
        None | Some(Scalar::Null) => Ok(EolDate::Unknown),
        Some(Scalar::Bool(flag)) => Ok(EolDate::Bool(flag)),
        Some(Scalar::Text(day)) => text::date(&day)
            .map(EolDate::Date)
            .map_err(|m| ReadError::field(field, m)),
    }
}

fn optional_date(value: Option<Scalar>, field: &str) -> Result<Option<Date>, ReadError> {
    match value {
        None | Some(Scalar::Null) => Ok(None),
        Some(Scalar::Bool(_)) => Err(ReadError::field(field, "is a boolean, not a date")),
        Some(Scalar::Text(day)) => text::date(&day)
            .map(Some)
            .map_err(|m| ReadError::field(field, m)),
    }
}

/// A scalar field that may be text, a boolean or null; numbers are kept as text.
enum Scalar {
    Text(String),
    Bool(bool),
    Null,
}

impl Scalar {
    fn text(self) -> Option<String> {
        match self {
            Scalar::Text(text) => Some(text),
            Scalar::Bool(_) | Scalar::Null => None,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number, a boolean or null")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(value))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Scalar, E> {
        Ok(Scalar::Text(value.to_string()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Scalar, E> {
        Ok(Scalar::Text(value.to_string()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Scalar, E> {
        Ok(Scalar::Text(value.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Scalar, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const PAGE: &str = r#"---
title: Debian
identifiers:
  - cpe: cpe:/o:debian:debian_linux
releases:
  - releaseCycle: "12"
    codename: "Bookworm"
    releaseDate: 2023-06-10
    eol: 2026-07-11
    eoes: 2028-06-30
    latest: "12.15"
    latestReleaseDate: 2026-07-11
  - releaseCycle: "3.10"
    releaseDate: 2021-10-04
    eoas: true
    eol: false
    lts: 2022-01-01
---

> Debian is a free OS.
"#;

    #[test]
    fn reads_front_matter_cycles() {
        let product = read_front_matter("debian", PAGE.as_bytes()).expect("valid page");
        assert_eq!(product.name, "debian");
        assert_eq!(product.title.as_deref(), Some("Debian"));
        assert_eq!(product.source, "endoflife.date");
        let bookworm = &product.cycles[0];
        assert_eq!(bookworm.cycle, "12");
        assert_eq!(bookworm.codename.as_deref(), Some("Bookworm"));
        assert_eq!(bookworm.release_date, Some(date(2023, 6, 10)));
        assert_eq!(bookworm.eol, EolDate::Date(date(2026, 7, 11)));
        assert_eq!(bookworm.support, EolDate::Unknown);
        assert_eq!(bookworm.extended_support, EolDate::Date(date(2028, 6, 30)));
        assert_eq!(bookworm.latest.as_deref(), Some("12.15"));
        assert_eq!(bookworm.latest_release_date, Some(date(2026, 7, 11)));
        assert!(!bookworm.lts);
        let other = &product.cycles[1];
        assert_eq!(other.cycle, "3.10");
        assert_eq!(other.support, EolDate::Bool(true));
        assert_eq!(other.eol, EolDate::Bool(false));
        assert!(other.lts);
    }

    #[test]
    fn bad_front_matter_date_names_the_cycle_and_field() {
        let bad = PAGE.replace("eol: 2026-07-11", "eol: 2026-07-41");
        let err = read_front_matter("debian", bad.as_bytes()).expect_err("bad date");
        assert_eq!(
            err.to_string(),
            "field releases[0].eol: \"2026-07-41\" is not a date (YYYY-MM-DD)"
        );
    }

    #[test]
    fn front_matter_syntax_error_gives_the_page_line() {
        let bad = "---\ntitle: X\nreleases: [\n---\n";
        let err = read_front_matter("x", bad.as_bytes()).expect_err("bad yaml");
        assert!(matches!(err, ReadError::Syntax { line: 4.., .. }), "{err}");
        assert!(read_front_matter("x", b"no front matter").is_err());
    }

    #[test]
    fn reads_classic_api_json() {
        let json = r#"[{"cycle": "3.12", "releaseDate": "2023-10-02", "eol": "2028-10-31",
          "latest": "3.12.5", "latestReleaseDate": "2024-08-06", "lts": false,
          "support": "2025-04-02", "extendedSupport": false, "codename": null}]"#;
        let product = read_api_json("python", json.as_bytes()).expect("valid");
        let cycle = &product.cycles[0];
        assert_eq!(product.name, "python");
        assert_eq!(cycle.cycle, "3.12");
        assert_eq!(cycle.support, EolDate::Date(date(2025, 4, 2)));
        assert_eq!(cycle.extended_support, EolDate::Bool(false));
        assert_eq!(cycle.codename, None);
    }

    #[test]
    fn reads_v1_api_json() {
        let json = r#"{"schema_version": "1.0.0", "result": {"name": "nodejs", "label": "Node.js",
          "releases": [{"name": "22", "isLts": true, "releaseDate": "2024-04-24",
          "eoasFrom": "2025-10-21", "eolFrom": "2027-04-30", "isEol": false,
          "latest": {"name": "22.8.0", "date": "2024-09-03"}}]}}"#;
        let product = read_api_json("ignored", json.as_bytes()).expect("valid");
        assert_eq!(product.name, "nodejs");
        let cycle = &product.cycles[0];
        assert!(cycle.lts);
        assert_eq!(cycle.eol, EolDate::Date(date(2027, 4, 30)));
        assert_eq!(cycle.latest.as_deref(), Some("22.8.0"));
        assert_eq!(cycle.latest_release_date, Some(date(2024, 9, 3)));
    }

    #[test]
    fn reads_distro_info_tables() {
        let debian = "version,codename,series,created,release,eol,eol-lts,eol-elts\n\
12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30\n\
,Sid,sid,1993-08-16\n";
        let product = read_distro_info_csv("debian", debian.as_bytes()).expect("valid");
        assert_eq!(product.source, "distro-info");
        let bookworm = &product.cycles[0];
        assert_eq!(bookworm.cycle, "12");
        assert_eq!(bookworm.eol, EolDate::Date(date(2026, 7, 11)));
        assert_eq!(bookworm.extended_support, EolDate::Date(date(2028, 6, 30)));
        assert_eq!(product.cycles[1].cycle, "sid");
        assert_eq!(product.cycles[1].eol, EolDate::Unknown);

        let ubuntu = "version,codename,series,created,release,eol,eol-server,eol-esm,eol-legacy\n\
6.06 LTS,Dapper Drake,dapper,2005-10-12,2006-06-01,2009-07-14,2011-06-01\n";
        let product = read_distro_info_csv("ubuntu", ubuntu.as_bytes()).expect("valid");
        let dapper = &product.cycles[0];
        assert_eq!(dapper.cycle, "6.06");
        assert!(dapper.lts);
        assert_eq!(dapper.eol, EolDate::Date(date(2011, 6, 1)));
    }

    #[test]
    fn distro_info_bad_date_names_line_and_column() {
        let bad = "version,codename,series,created,release,eol\n7,Wheezy,wheezy,2011-02-06,x,\n";
        let err = read_distro_info_csv("debian", bad.as_bytes()).expect_err("bad date");
        assert_eq!(
            err.to_string(),
            "line 2: release: \"x\" is not a date (YYYY-MM-DD)"
        );
        assert!(read_distro_info_csv("debian", b"a,b\n").is_err());
    }
}
