//! Alpine's secdb (`v3.18/main.yaml`, or its JSON form), read into [`Advisory`] records.
//!
//! A secdb file lists, for one release and repository, each package's `secfixes`: the package
//! version that fixed a list of vulnerabilities. Following osv.dev, each vulnerability becomes
//! an advisory `ALPINE-<id>` whose affected entries (ecosystem `Alpine:v3.18`, an `ECOSYSTEM`
//! range from `0` to the fixing version) gather every package and release that fixed it; a
//! secfix entry may carry more ids after the first (`CVE-2016-6258 XSA-182`), which become
//! aliases. The fixing version `0` is secdb's way of saying the package was never affected, so
//! it adds no affected entry. One file yields one advisory per id; [`merge`] joins the
//! advisories of several files (releases, repositories) by id.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use steward_core::assessment::advisory::{Advisory, Affected, Event, Range, RangeKind};

use super::{ReadError, text};

/// The `source` given to advisories read from secdb files.
pub const SOURCE: &str = "alpine-secdb";

/// Reads a secdb file in YAML.
pub fn read_yaml(input: &[u8]) -> Result<Vec<Advisory>, ReadError> {
    ReadError::check_size(input)?;
    let wire: WireSecdb = serde_norway::from_slice(input)?;
    wire.into_advisories()
}

/// Reads a secdb file in JSON.
pub fn read_json(input: &[u8]) -> Result<Vec<Advisory>, ReadError> {
    ReadError::check_size(input)?;
    let wire: WireSecdb = serde_json::from_slice(input)?;
    wire.into_advisories()
}

/// Joins advisories with the same id into one, keeping the first one's order, every
/// affected entry and every alias.
pub fn merge(advisories: Vec<Advisory>) -> Vec<Advisory> {
    let mut merged: Vec<Advisory> = Vec::with_capacity(advisories.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(advisories.len());
    for advisory in advisories {
        match index.get(&advisory.id) {
            Some(&at) => {
                let into = &mut merged[at];
                for alias in advisory.aliases {
                    if !into.aliases.contains(&alias) {
                        into.aliases.push(alias);
                    }
                }
                into.affected.extend(advisory.affected);
            }
            None => {
                index.insert(advisory.id.clone(), merged.len());
                merged.push(advisory);
            }
        }
    }
    merged
}

#[derive(Deserialize)]
struct WireSecdb {
    distroversion: String,
    #[serde(default, deserialize_with = "text::list")]
    packages: Vec<WirePackage>,
}

#[derive(Deserialize)]
struct WirePackage {
    pkg: WirePkg,
}

#[derive(Deserialize)]
struct WirePkg {
    name: String,
    #[serde(default)]
    secfixes: Option<BTreeMap<String, Option<Vec<String>>>>,
}

impl WireSecdb {
    fn into_advisories(self) -> Result<Vec<Advisory>, ReadError> {
        let release = self.distroversion.trim();
        if !release.starts_with('v') && release != "edge" {
            let message = format!("{release:?} is not a release like v3.18");
            return Err(ReadError::field("distroversion", message));
        }
        let ecosystem = format!("Alpine:{release}");
        let mut advisories = Vec::new();
        for (i, package) in self.packages.into_iter().enumerate() {
            let WirePkg { name, secfixes } = package.pkg;
            if name.trim().is_empty() {
                return Err(ReadError::field(
                    format!("packages[{i}].pkg.name"),
                    "is empty",
                ));
            }
            for (version, ids) in secfixes.unwrap_or_default() {
                if version.trim() == "0" {
                    continue;
                }
                for entry in ids.unwrap_or_default() {
                    let mut ids = entry.split_whitespace().map(str::to_owned);
                    let Some(id) = ids.next() else { continue };
                    advisories.push(Advisory {
                        id: format!("ALPINE-{id}"),
                        aliases: std::iter::once(id).chain(ids).collect(),
                        affected: vec![fixed_in(&ecosystem, &name, &version)],
                        source: SOURCE.to_owned(),
                        ..Advisory::default()
                    });
                }
            }
        }
        Ok(merge(advisories))
    }
}

fn fixed_in(ecosystem: &str, package: &str, version: &str) -> Affected {
    Affected {
        ecosystem: ecosystem.to_owned(),
        name: package.to_owned(),
        ranges: vec![Range {
            kind: RangeKind::Ecosystem,
            repo: None,
            events: vec![
                Event::Introduced("0".to_owned()),
                Event::Fixed(version.trim().to_owned()),
            ],
        }],
        ..Affected::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECDB: &str = "---
distroversion: v3.10
reponame: main
packages:
  - pkg:
      name: ansible
      secfixes:
        2.8.4-r0:
          - CVE-2019-10206
          - CVE-2019-10217
        0:
          - CVE-2019-9999
  - pkg:
      name: xen
      secfixes:
        4.7.0-r0:
          - CVE-2016-6258 XSA-182
  - pkg:
      name: ansible-base
      secfixes:
        2.8.4-r1:
          - CVE-2019-10206
  - pkg:
      name: empty
";

    #[test]
    fn one_advisory_per_id_with_every_package() {
        let advisories = read_yaml(SECDB.as_bytes()).expect("valid secdb");
        let ids: Vec<&str> = advisories.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "ALPINE-CVE-2019-10206",
                "ALPINE-CVE-2019-10217",
                "ALPINE-CVE-2016-6258"
            ]
        );
        let first = &advisories[0];
        assert_eq!(first.aliases, ["CVE-2019-10206"]);
        assert_eq!(first.source, "alpine-secdb");
        assert_eq!(first.affected.len(), 2);
        assert_eq!(first.affected[0].ecosystem, "Alpine:v3.10");
        assert_eq!(first.affected[1].name, "ansible-base");
        assert_eq!(
            first.affected[0].ranges[0].events,
            [
                Event::Introduced("0".into()),
                Event::Fixed("2.8.4-r0".into())
            ]
        );
        assert_eq!(advisories[2].aliases, ["CVE-2016-6258", "XSA-182"]);
    }

    #[test]
    fn merge_joins_releases() {
        let other = SECDB.replace("v3.10", "v3.11");
        let mut all = read_yaml(SECDB.as_bytes()).expect("valid");
        all.extend(read_yaml(other.as_bytes()).expect("valid"));
        let merged = merge(all);
        assert_eq!(merged.len(), 3);
        assert_eq!(merged[0].affected.len(), 4);
        assert_eq!(merged[0].affected[2].ecosystem, "Alpine:v3.11");
    }

    #[test]
    fn json_form_and_errors() {
        let json = r#"{"distroversion": "v3.18", "packages": [{"pkg": {"name": "curl",
          "secfixes": {"8.1.0-r0": ["CVE-2023-28319"]}}}]}"#;
        let advisories = read_json(json.as_bytes()).expect("valid");
        assert_eq!(advisories[0].affected[0].ecosystem, "Alpine:v3.18");

        let err = read_json(br#"{"distroversion": "3.18", "packages": []}"#).expect_err("bad");
        assert_eq!(
            err.to_string(),
            "field distroversion: \"3.18\" is not a release like v3.18"
        );
        let err = read_yaml(b"distroversion: v3.1\npackages:\n  - pkg: {}\n").expect_err("bad");
        assert!(err.to_string().contains("missing field `name`"), "{err}");
        assert!(matches!(err, ReadError::Syntax { line: 3, .. }), "{err:?}");
    }
}
