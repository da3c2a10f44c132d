//! An application's findings: its components matched against the store's advisories when
//! asked, by the same rule `steward scan --lockfile/--sbom` follows
//! ([`steward_core::assessment::components`]).

use std::collections::HashSet;

use steward_api::assets::ApplicationFinding;
use steward_core::assessment::components::{advisory_keys, assess_components};
use steward_core::assessment::matching::AdvisoryIndex;
use steward_core::assessment::priority::SeverityFacts;
use steward_store::{PackageName, Store, StoreError};

/// The findings of application `id`, most severe first; `None` when there is no such
/// application.
pub async fn application_findings(
    store: &dyn Store,
    id: i64,
) -> Result<Option<Vec<ApplicationFinding>>, StoreError> {
    let Some(application) = store.application(id).await? else {
        return Ok(None);
    };
    let components = &application.components;
    let names: Vec<PackageName> = advisory_keys(components)
        .into_iter()
        .map(|(ecosystem, name)| PackageName { ecosystem, name })
        .collect();
    if names.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let advisories = store.advisories_naming(Some(&names)).await?;
    let kev: HashSet<String> = store
        .kev_catalog()
        .await?
        .into_iter()
        .map(|e| e.cve_id)
        .collect();
    let index = AdvisoryIndex::new(&advisories);
    let mut findings: Vec<ApplicationFinding> = assess_components(components, &index)
        .findings
        .into_iter()
        .map(|(position, finding)| {
            let component = &components[position];
            let severity = SeverityFacts::of(finding.matches.iter().flat_map(|m| &m.severity));
            ApplicationFinding {
                component: component.reference.clone(),
                ecosystem: component.ecosystem.clone().unwrap_or_default(),
                package: component.name.clone(),
                version: component.version.clone().unwrap_or_default(),
                kev: finding
                    .ids
                    .iter()
                    .chain(&finding.aliases)
                    .any(|id| kev.contains(id)),
                kind: finding.kind.as_str().to_owned(),
                ranges: finding.ranges(),
                fixed: finding.fixed(),
                severity: severity.rating().map(|r| r.as_str().to_owned()),
                score: severity.score,
                ids: finding.ids,
                aliases: finding.aliases,
            }
        })
        .collect();
    findings.sort_by(|a, b| {
        let score = |f: &ApplicationFinding| f.score.unwrap_or(-1.0);
        b.kev
            .cmp(&a.kev)
            .then(score(b).total_cmp(&score(a)))
            .then_with(|| a.package.cmp(&b.package))
    });
    Ok(Some(findings))
}
