//! CycloneDX, specification 1.0 to 1.6, in JSON and XML.
//!
//! Both encodings are read into one small model (the parts Steward uses: components with
//! their nesting, `metadata.component`, licences, purls and the dependency graph) and then
//! into an [`Application`](steward_core::inventory::Application). Nested components are
//! flattened, parents before children, each once. `metadata.component` is the application
//! itself, not one of its components; components nested under it are parts of the
//! application's own build (binaries, targets) and are not counted either.

use serde::Deserialize;
use steward_core::inventory::{Component, ComponentScope};

use super::{Assembly, DocumentError, Limits, Sbom, SbomFormat, cyclonedx_xml, json, purl};

/// The CycloneDX specification versions this reader accepts.
pub const SPEC_VERSIONS: &[&str] = &["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"];

/// A CycloneDX document, as far as Steward reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bom {
    pub(crate) bom_format: Option<String>,
    pub(crate) spec_version: Option<String>,
    #[serde(default)]
    pub(crate) metadata: Option<Metadata>,
    #[serde(default)]
    pub(crate) components: Vec<BomComponent>,
    #[serde(default)]
    pub(crate) dependencies: Vec<BomDependency>,
}

/// `metadata`: only the component the document describes.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Metadata {
    pub(crate) component: Option<BomComponent>,
}

/// A component and the components nested in it.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct BomComponent {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(rename = "bom-ref")]
    pub(crate) bom_ref: Option<String>,
    pub(crate) group: Option<String>,
    pub(crate) name: String,
    pub(crate) version: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) purl: Option<String>,
    #[serde(default)]
    pub(crate) licenses: Vec<LicenseChoice>,
    #[serde(default)]
    pub(crate) components: Vec<BomComponent>,
}

/// One entry of `licenses`: a licence by id or name, or an SPDX expression.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LicenseChoice {
    pub(crate) license: Option<License>,
    pub(crate) expression: Option<String>,
}

/// A licence by SPDX id or by name.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct License {
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
}

/// One node of the dependency graph: `ref` depends on each of `dependsOn`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BomDependency {
    #[serde(rename = "ref")]
    pub(crate) reference: String,
    #[serde(default)]
    pub(crate) depends_on: Vec<String>,
}

/// Reads a CycloneDX JSON document.
pub fn read_json(bytes: &[u8], limits: &Limits) -> Result<Sbom, DocumentError> {
    limits.check_size(bytes.len())?;
    let bom: Bom = json::parse(bytes, limits)?;
    if bom.bom_format.as_deref() != Some("CycloneDX") {
        return Err(DocumentError::Refused(format!(
            "bomFormat is {:?}, not \"CycloneDX\"",
            bom.bom_format.as_deref().unwrap_or("absent")
        )));
    }
    into_sbom(bom, SbomFormat::CycloneDxJson, limits)
}

/// Reads a CycloneDX XML document. A DOCTYPE is refused; no entity is expanded.
pub fn read_xml(bytes: &[u8], limits: &Limits) -> Result<Sbom, DocumentError> {
    limits.check_size(bytes.len())?;
    let bom = cyclonedx_xml::parse(bytes, limits)?;
    into_sbom(bom, SbomFormat::CycloneDxXml, limits)
}

fn into_sbom(bom: Bom, format: SbomFormat, limits: &Limits) -> Result<Sbom, DocumentError> {
    let spec_version = bom.spec_version.unwrap_or_default();
    if !SPEC_VERSIONS.contains(&spec_version.as_str()) {
        return Err(DocumentError::Refused(format!(
            "CycloneDX specVersion {spec_version:?} is not one of {}",
            SPEC_VERSIONS.join(", ")
        )));
    }

    let mut assembly = Assembly::new(limits);
    if let Some(subject) = bom.metadata.and_then(|m| m.component) {
        describe_application(&mut assembly, subject);
    }
    let mut pending: Vec<(BomComponent, usize)> =
        bom.components.into_iter().rev().map(|c| (c, 1)).collect();
    while let Some((component, depth)) = pending.pop() {
        if depth > limits.max_depth {
            return Err(DocumentError::Limit {
                what: "component nesting depth".to_owned(),
                limit: limits.max_depth,
            });
        }
        let mut component = component;
        let children = std::mem::take(&mut component.components);
        let converted = convert(&mut assembly, component);
        assembly.push(converted)?;
        pending.extend(children.into_iter().rev().map(|c| (c, depth + 1)));
    }
    for node in bom.dependencies {
        for to in &node.depends_on {
            assembly.edge(&node.reference, to);
        }
    }

    Ok(Sbom {
        format,
        spec_version,
        application: assembly.finish(),
    })
}

fn describe_application(assembly: &mut Assembly, subject: BomComponent) {
    let application = assembly.application_mut();
    application.name = Some(match &subject.group {
        Some(group) if !group.is_empty() => format!("{group}:{}", subject.name),
        _ => subject.name,
    });
    application.version = subject.version;
    application.purl = subject.purl;
    application.reference = subject.bom_ref;
}

/// A CycloneDX component as a Steward component: name, version and ecosystem come from the
/// purl when it parses; an unparsable purl is noted and dropped.
fn convert(assembly: &mut Assembly, component: BomComponent) -> Component {
    let reference = component.bom_ref.unwrap_or_default();
    let mut converted = Component {
        reference: reference.clone(),
        ecosystem: None,
        name: component.name,
        version: component.version,
        purl: None,
        licenses: licenses(component.licenses),
        kind: component.kind,
        scope: scope(component.scope.as_deref()),
    };
    if let Some(written) = component.purl.filter(|p| !p.is_empty()) {
        match purl::parse(&written) {
            Ok(parsed) => {
                converted.ecosystem = parsed.ecosystem;
                converted.name = parsed.name;
                converted.version = converted.version.or(parsed.version);
                converted.purl = Some(written);
            }
            Err(reason) => assembly.unresolved(None, &written, format!("{reason} ({reference})")),
        }
    }
    converted
}

fn licenses(choices: Vec<LicenseChoice>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for choice in choices {
        let text = match (choice.expression, choice.license) {
            (Some(expression), _) => Some(expression),
            (None, Some(license)) => license.id.or(license.name),
            (None, None) => None,
        };
        if let Some(text) = text.filter(|t| !t.is_empty() && !out.contains(t)) {
            out.push(text);
        }
    }
    out
}

fn scope(scope: Option<&str>) -> ComponentScope {
    match scope {
        Some("optional") => ComponentScope::Optional,
        Some("excluded") => ComponentScope::Excluded,
        _ => ComponentScope::Required,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NESTED: &str = r#"{
      "bomFormat": "CycloneDX", "specVersion": "1.6",
      "metadata": {"component": {"type": "application", "bom-ref": "app", "name": "shop",
        "version": "2.0", "components": [{"name": "shop-bin"}]}},
      "components": [
        {"type": "library", "bom-ref": "a", "name": "core", "group": "org.example",
         "version": "1.0", "purl": "pkg:maven/org.example/core@1.0",
         "licenses": [{"license": {"id": "Apache-2.0"}}],
         "components": [{"bom-ref": "a1", "name": "inner", "purl": "pkg:npm/inner@0.1.0",
           "licenses": [{"expression": "MIT OR ISC"}], "scope": "optional"}]},
        {"bom-ref": "b", "name": "helper", "purl": "not a purl",
         "licenses": [{"license": {"name": "Custom licence"}}]}
      ],
      "dependencies": [{"ref": "app", "dependsOn": ["a", "b"]}, {"ref": "a", "dependsOn": ["a1"]}]
    }"#;

    #[test]
    fn nested_components_flatten_parents_first_without_metadata_component() {
        let sbom = read_json(NESTED.as_bytes(), &Limits::DEFAULT).expect("valid");
        let app = &sbom.application;
        assert_eq!(
            (app.name.as_deref(), app.version.as_deref()),
            (Some("shop"), Some("2.0"))
        );
        assert_eq!(app.reference.as_deref(), Some("app"));
        let refs: Vec<_> = app
            .components
            .iter()
            .map(|c| c.reference.as_str())
            .collect();
        assert_eq!(refs, ["a", "a1", "b"]);

        let core = &app.components[0];
        assert_eq!(core.name, "org.example:core");
        assert_eq!(core.ecosystem.as_deref(), Some("Maven"));
        assert_eq!(core.licenses, ["Apache-2.0"]);
        let inner = &app.components[1];
        assert_eq!(inner.version.as_deref(), Some("0.1.0"));
        assert_eq!(inner.licenses, ["MIT OR ISC"]);
        assert_eq!(inner.scope, ComponentScope::Optional);
        assert_eq!(app.components[2].licenses, ["Custom licence"]);

        assert_eq!(app.dependencies.len(), 3);
        assert_eq!(app.unresolved.len(), 1);
        assert!(app.unresolved[0].reason.contains("invalid purl"));
    }

    #[test]
    fn missing_component_name_names_its_line() {
        let doc = "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.4\",\n\"components\": [\n{\"version\": \"1\"}]}";
        let err = read_json(doc.as_bytes(), &Limits::DEFAULT).expect_err("no name");
        assert_eq!(err.to_string(), "line 3: missing field `name`");
    }

    #[test]
    fn unknown_spec_version_is_refused() {
        let doc = r#"{"bomFormat": "CycloneDX", "specVersion": "2.0"}"#;
        let err = read_json(doc.as_bytes(), &Limits::DEFAULT).expect_err("2.0");
        assert!(err.to_string().contains("specVersion \"2.0\""), "{err}");
    }

    #[test]
    fn component_count_limit_is_named() {
        let limits = Limits {
            max_components: 2,
            ..Limits::DEFAULT
        };
        let err = read_json(NESTED.as_bytes(), &limits).expect_err("three components");
        assert_eq!(
            err.to_string(),
            "number of components exceeds the limit of 2"
        );
    }

    #[test]
    fn oversized_document_is_refused_before_parsing() {
        let limits = Limits {
            max_bytes: 100,
            ..Limits::DEFAULT
        };
        let err = read_json(NESTED.as_bytes(), &limits).expect_err("too big");
        assert!(err.to_string().starts_with("document size"), "{err}");
    }
}
