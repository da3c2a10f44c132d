//! SPDX 3.0 JSON-LD: the elements of `@graph`, read without a JSON-LD processor.
//!
//! SPDX 3 serialises a document as a flat list of elements linked by id, under the compact
//! names of the SPDX context (`software_Package`, `software_packageVersion`, …), which is
//! what every SPDX 3 tool writes. Software packages (`software_Package`, and the
//! `ai_AIPackage` and `dataset_DatasetPackage` kinds derived from it) are the components.
//! Licences are separate elements linked by `hasConcludedLicense` / `hasDeclaredLicense`
//! relationships; `dependsOn` (and its optional and provided forms) are dependency edges.
//! The application is the package the document's (or its SBOM's) `rootElement` names.

use std::collections::HashMap;

use serde::Deserialize;
use steward_core::inventory::Component;

use super::{Assembly, DocumentError, Limits, Sbom, SbomFormat, json, purl};

/// Element types that are software packages.
const PACKAGE_TYPES: &[&str] = &["software_Package", "ai_AIPackage", "dataset_DatasetPackage"];

/// Relationship types that mean "from depends on each of to".
const DEPENDENCY_TYPES: &[&str] = &[
    "dependsOn",
    "hasOptionalDependency",
    "hasProvidedDependency",
];

#[derive(Debug, Deserialize)]
struct Graph {
    #[serde(rename = "@graph")]
    graph: Vec<Element>,
}

/// One element of the graph; every field is optional because each type uses a few.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Element {
    #[serde(rename = "type", alias = "@type")]
    kind: Option<String>,
    #[serde(rename = "spdxId", alias = "@id")]
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "software_packageVersion")]
    version: Option<String>,
    #[serde(rename = "software_packageUrl")]
    package_url: Option<String>,
    #[serde(rename = "externalIdentifier")]
    external_identifiers: Vec<ExternalIdentifier>,
    #[serde(rename = "specVersion")]
    spec_version: Option<String>,
    #[serde(rename = "rootElement")]
    root_elements: Vec<String>,
    #[serde(rename = "relationshipType")]
    relationship_type: Option<String>,
    from: Option<String>,
    to: Vec<String>,
    #[serde(rename = "simplelicensing_licenseExpression")]
    license_expression: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExternalIdentifier {
    #[serde(rename = "externalIdentifierType")]
    kind: String,
    identifier: String,
}

impl Element {
    fn is(&self, kinds: &[&str]) -> bool {
        self.kind.as_deref().is_some_and(|k| kinds.contains(&k))
    }

    fn purl(&self) -> Option<String> {
        self.package_url.clone().or_else(|| {
            let identifiers = self.external_identifiers.iter();
            identifiers
                .filter(|e| e.kind == "packageUrl")
                .map(|e| e.identifier.clone())
                .next()
        })
    }
}

/// Reads an SPDX 3.0 JSON-LD document.
pub fn read_json(bytes: &[u8], limits: &Limits) -> Result<Sbom, DocumentError> {
    limits.check_size(bytes.len())?;
    let graph: Graph = json::parse(bytes, limits)?;
    let elements = graph.graph;
    let spec_version = elements
        .iter()
        .find_map(|e| e.spec_version.clone())
        .unwrap_or_else(|| "3".to_owned());
    if !spec_version.starts_with('3') {
        return Err(DocumentError::Refused(format!(
            "SPDX JSON-LD specVersion {spec_version:?} is not 3.x"
        )));
    }

    let by_id: HashMap<&str, &Element> = elements
        .iter()
        .filter_map(|e| Some((e.id.as_deref()?, e)))
        .collect();
    let licenses = licenses_by_package(&elements, &by_id);
    let mut assembly = Assembly::new(limits);
    describe_application(&mut assembly, &elements, &by_id);
    for element in elements.iter().filter(|e| e.is(PACKAGE_TYPES)) {
        let component = convert(&mut assembly, element, &licenses);
        assembly.push(component)?;
    }
    for relationship in elements.iter().filter(|e| e.relationship_type.is_some()) {
        let kind = relationship
            .relationship_type
            .as_deref()
            .unwrap_or_default();
        if let (true, Some(from)) = (DEPENDENCY_TYPES.contains(&kind), &relationship.from) {
            for to in &relationship.to {
                assembly.edge(from, to);
            }
        }
    }

    Ok(Sbom {
        format: SbomFormat::Spdx3JsonLd,
        spec_version,
        application: assembly.finish(),
    })
}

/// Licence texts of each package, concluded before declared, each once.
fn licenses_by_package<'a>(
    elements: &'a [Element],
    by_id: &HashMap<&str, &'a Element>,
) -> HashMap<&'a str, Vec<String>> {
    let mut licenses: HashMap<&str, Vec<String>> = HashMap::new();
    for kind in ["hasConcludedLicense", "hasDeclaredLicense"] {
        let relationships = elements
            .iter()
            .filter(|e| e.relationship_type.as_deref() == Some(kind));
        for relationship in relationships {
            let Some(from) = relationship.from.as_deref() else {
                continue;
            };
            for to in &relationship.to {
                let Some(text) = license_text(to, by_id.get(to.as_str()).copied()) else {
                    continue;
                };
                let list = licenses.entry(from).or_default();
                if !list.contains(&text) {
                    list.push(text);
                }
            }
        }
    }
    licenses
}

/// A licence element's text: its expression, its name, or the SPDX licence id in its URL.
fn license_text(id: &str, element: Option<&Element>) -> Option<String> {
    let text = element
        .and_then(|e| e.license_expression.clone().or_else(|| e.name.clone()))
        .or_else(|| {
            id.strip_prefix("https://spdx.org/licenses/")
                .map(str::to_owned)
        })?;
    (!["NOASSERTION", "NONE", ""].contains(&text.as_str())).then_some(text)
}

/// Names the application after the package at the root of the document (or of its SBOM).
fn describe_application(
    assembly: &mut Assembly,
    elements: &[Element],
    by_id: &HashMap<&str, &Element>,
) {
    let containers = ["SpdxDocument", "software_Sbom"];
    let mut roots: Vec<&str> = Vec::new();
    for container in elements.iter().filter(|e| e.is(&containers)) {
        roots.extend(container.root_elements.iter().map(String::as_str));
    }
    for relationship in elements
        .iter()
        .filter(|e| e.relationship_type.as_deref() == Some("describes"))
    {
        roots.extend(relationship.to.iter().map(String::as_str));
    }
    let package = roots
        .iter()
        .filter_map(|id| by_id.get(id).copied())
        .find(|e| e.is(PACKAGE_TYPES));
    let document = elements.iter().find(|e| e.is(&["SpdxDocument"]));
    let application = assembly.application_mut();
    match package {
        Some(package) => {
            application.name = package.name.clone();
            application.version = package.version.clone();
            application.purl = package.purl();
            application.reference = package.id.clone();
        }
        None => {
            application.name = document.and_then(|d| d.name.clone());
            application.reference = document.and_then(|d| d.id.clone());
        }
    }
}

fn convert(
    assembly: &mut Assembly,
    element: &Element,
    licenses: &HashMap<&str, Vec<String>>,
) -> Component {
    let reference = element.id.clone().unwrap_or_default();
    let mut component = Component {
        licenses: licenses
            .get(reference.as_str())
            .cloned()
            .unwrap_or_default(),
        reference,
        name: element.name.clone().unwrap_or_default(),
        version: element.version.clone(),
        kind: element.kind.clone(),
        ..Component::default()
    };
    if let Some(written) = element.purl() {
        match purl::parse(&written) {
            Ok(parsed) => {
                component.ecosystem = parsed.ecosystem;
                component.name = parsed.name;
                component.version = component.version.or(parsed.version);
                component.purl = Some(written);
            }
            Err(reason) => {
                let reason = format!("{reason} ({})", component.reference);
                assembly.unresolved(None, &written, reason);
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
      {"type": "CreationInfo", "@id": "_:c", "specVersion": "3.0.1"},
      {"type": "SpdxDocument", "spdxId": "urn:doc", "name": "doc", "rootElement": ["urn:sbom"]},
      {"type": "software_Sbom", "spdxId": "urn:sbom", "rootElement": ["urn:app"]},
      {"type": "software_Package", "spdxId": "urn:app", "name": "app",
       "software_packageVersion": "1.0", "software_packageUrl": "pkg:pypi/app@1.0"},
      {"type": "ai_AIPackage", "spdxId": "urn:model", "name": "model",
       "externalIdentifier": [{"type": "ExternalIdentifier",
         "externalIdentifierType": "packageUrl", "identifier": "pkg:pypi/model@2.0"}]},
      {"type": "software_File", "spdxId": "urn:file", "name": "app.py"},
      {"type": "simplelicensing_LicenseExpression", "spdxId": "urn:lic",
       "simplelicensing_licenseExpression": "Apache-2.0"},
      {"type": "Relationship", "spdxId": "urn:r1", "relationshipType": "hasConcludedLicense",
       "from": "urn:app", "to": ["urn:lic"]},
      {"type": "Relationship", "spdxId": "urn:r2", "relationshipType": "hasDeclaredLicense",
       "from": "urn:model", "to": ["https://spdx.org/licenses/MIT"]},
      {"type": "LifecycleScopedRelationship", "spdxId": "urn:r3", "relationshipType": "dependsOn",
       "from": "urn:app", "to": ["urn:model"]}
    ]}"#;

    #[test]
    fn packages_licences_and_dependencies_from_the_graph() {
        let sbom = read_json(DOC.as_bytes(), &Limits::DEFAULT).expect("valid");
        assert_eq!(sbom.spec_version, "3.0.1");
        let app = &sbom.application;
        assert_eq!(
            (app.name.as_deref(), app.version.as_deref()),
            (Some("app"), Some("1.0"))
        );
        assert_eq!(app.components.len(), 2, "the file is not a package");
        assert_eq!(app.components[0].licenses, ["Apache-2.0"]);
        assert_eq!(app.components[1].licenses, ["MIT"]);
        assert_eq!(app.components[1].ecosystem.as_deref(), Some("PyPI"));
        assert_eq!(app.components[1].version.as_deref(), Some("2.0"));
        assert_eq!(app.dependencies.len(), 1);
    }

    #[test]
    fn graph_must_be_a_list() {
        let err = read_json(br#"{"@graph": {"type": "x"}}"#, &Limits::DEFAULT).expect_err("object");
        assert!(err.to_string().starts_with("line 1: invalid type"), "{err}");
    }
}
