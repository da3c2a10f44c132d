//! An application's components against the advisories: the one rule both `steward scan
//! --lockfile/--sbom` and the stored applications' findings follow.
//!
//! A component is matched when it has a registry ecosystem and a version. One without an
//! ecosystem (a git or path dependency, an SBOM entry whose purl type no advisory database
//! covers) or without a version is listed as not matched: advisories about the registry's
//! package of that name do not describe it. Advisories linked by aliases make one finding per
//! component.

use std::collections::BTreeSet;

use crate::assessment::ecosystem::{Ecosystem, normalize_name};
use crate::assessment::matching::{AdvisoryIndex, Finding, PackageVersion, group_by_alias};
use crate::inventory::Component;

/// What the advisories say about an application's components.
#[derive(Debug, Clone, Default)]
pub struct ComponentAssessment {
    /// Findings, each with the position of its component, in component order.
    pub findings: Vec<(usize, Finding)>,
    /// Positions of the components that could not be matched.
    pub not_matched: Vec<usize>,
    /// Components whose match against an advisory was left open: position and reason.
    pub undecided: Vec<(usize, String)>,
}

/// The (base ecosystem, normalised name) pairs advisories would name the components by, sorted
/// and each once: what to load from a store before assessing them.
pub fn advisory_keys(components: &[Component]) -> Vec<(String, String)> {
    let keys: BTreeSet<(String, String)> = components
        .iter()
        .filter_map(|c| {
            let base = Ecosystem::parse(c.ecosystem.as_deref()?).base().to_owned();
            let name = normalize_name(&base, &c.name).into_owned();
            Some((base, name))
        })
        .collect();
    keys.into_iter().collect()
}

/// Assesses every component against the index.
pub fn assess_components(
    components: &[Component],
    index: &AdvisoryIndex<'_>,
) -> ComponentAssessment {
    let mut result = ComponentAssessment::default();
    for (position, component) in components.iter().enumerate() {
        let (Some(ecosystem), Some(version)) = (&component.ecosystem, &component.version) else {
            result.not_matched.push(position);
            continue;
        };
        let assessment = index.assess(&PackageVersion::new(ecosystem, &component.name, version));
        result.findings.extend(
            group_by_alias(assessment.matches)
                .into_iter()
                .map(|finding| (position, finding)),
        );
        result.undecided.extend(
            assessment
                .problems
                .into_iter()
                .map(|problem| (position, problem.to_string())),
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::advisory::{Advisory, Affected, Event, Range, RangeKind};

    fn component(ecosystem: Option<&str>, name: &str, version: Option<&str>) -> Component {
        Component {
            reference: format!("{name}@{version:?}"),
            ecosystem: ecosystem.map(str::to_owned),
            name: name.to_owned(),
            version: version.map(str::to_owned),
            ..Component::default()
        }
    }

    fn advisory(id: &str, alias: &str, name: &str, fixed: &str) -> Advisory {
        Advisory {
            id: id.to_owned(),
            aliases: vec![alias.to_owned()],
            affected: vec![Affected {
                ecosystem: "PyPI".to_owned(),
                name: name.to_owned(),
                ranges: vec![Range {
                    kind: RangeKind::Ecosystem,
                    repo: None,
                    events: vec![
                        Event::Introduced("0".to_owned()),
                        Event::Fixed(fixed.to_owned()),
                    ],
                }],
                ..Affected::default()
            }],
            ..Advisory::default()
        }
    }

    #[test]
    fn advisory_keys_are_normalised_the_ecosystems_way_and_listed_once() {
        let components = [
            component(Some("PyPI"), "Django", Some("3.1")),
            component(Some("PyPI"), "django", Some("3.2")),
            component(Some("npm"), "@Scope/Pkg", Some("1.0.0")),
            component(None, "vendored", Some("1.0")),
        ];
        assert_eq!(
            advisory_keys(&components),
            [
                ("PyPI".to_owned(), "django".to_owned()),
                ("npm".to_owned(), "@Scope/Pkg".to_owned()),
            ]
        );
    }

    #[test]
    fn registry_components_match_by_the_ecosystems_names_and_others_are_listed() {
        let advisories = [
            advisory("PYSEC-1", "CVE-1", "django", "3.2"),
            advisory("GHSA-1", "CVE-1", "Django", "3.2.1"),
            advisory("PYSEC-2", "CVE-2", "pyyaml", "5.4"),
        ];
        let index = AdvisoryIndex::new(&advisories);
        let components = [
            component(Some("PyPI"), "Django", Some("3.1")),
            component(Some("PyPI"), "PyYAML", Some("5.4")),
            component(None, "vendored", Some("1.0")),
            component(Some("PyPI"), "gunicorn", None),
            component(Some("PyPI"), "django", Some("not a version!")),
        ];
        let result = assess_components(&components, &index);

        assert_eq!(result.findings.len(), 1, "one finding for the aliased pair");
        let (position, finding) = &result.findings[0];
        assert_eq!(*position, 0);
        assert_eq!(finding.ids, ["GHSA-1", "PYSEC-1"]);
        assert_eq!(result.not_matched, [2, 3]);
        assert_eq!(
            result.undecided.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            [4, 4]
        );
    }
}
