//! Writing CycloneDX 1.6 JSON: any host or application as an SBOM another tool can read.
//!
//! The document holds the subject in `metadata.component` and every component once, with
//! its purl, licences (as names, which the specification accepts for any text) and scope;
//! dependency edges are written when both ends are known. A component kind the
//! specification does not list becomes `library`. What is written validates against the
//! CycloneDX 1.6 JSON schema (tested against the schema files in the shared test data).

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use serde_json::{Value, json};
use steward_core::inventory::{Application, Component, ComponentScope};

/// The component types CycloneDX 1.6 defines.
const COMPONENT_TYPES: &[&str] = &[
    "application",
    "framework",
    "library",
    "container",
    "platform",
    "operating-system",
    "device",
    "device-driver",
    "firmware",
    "file",
    "machine-learning-model",
    "data",
    "cryptographic-asset",
];

/// What the document describes: an application, or a host (a CycloneDX `device`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// An application asset.
    Application,
    /// A host reported by an agent.
    Host,
}

/// The reference the subject gets when the application has none.
const SUBJECT_REF: &str = "steward-subject";

/// Writes `application` as a CycloneDX 1.6 JSON document created at `now`.
pub fn cyclonedx_json(application: &Application, subject: Subject, now: Timestamp) -> Value {
    let subject_ref = application
        .reference
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| SUBJECT_REF.to_owned());
    let mut metadata_component = json!({
        "type": match subject {
            Subject::Application => "application",
            Subject::Host => "device",
        },
        "bom-ref": subject_ref,
        "name": application.name.clone().unwrap_or_else(|| "unnamed".to_owned()),
    });
    if let Some(version) = &application.version {
        metadata_component["version"] = json!(version);
    }
    if let Some(purl) = &application.purl {
        metadata_component["purl"] = json!(purl);
    }

    let components: Vec<Value> = application.components.iter().map(component).collect();
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "steward",
                    "version": env!("CARGO_PKG_VERSION"),
                }],
            },
            "component": metadata_component,
        },
        "components": components,
        "dependencies": dependencies(application, &subject_ref),
    })
}

fn component(component: &Component) -> Value {
    let kind = component
        .kind
        .as_deref()
        .filter(|k| COMPONENT_TYPES.contains(k))
        .unwrap_or("library");
    let mut value = json!({
        "type": kind,
        "bom-ref": component.reference,
        "name": component.name,
    });
    if let Some(version) = &component.version {
        value["version"] = json!(version);
    }
    if let Some(purl) = &component.purl {
        value["purl"] = json!(purl);
    }
    let scope = match component.scope {
        ComponentScope::Required => "required",
        ComponentScope::Optional => "optional",
        ComponentScope::Development | ComponentScope::Excluded => "excluded",
    };
    value["scope"] = json!(scope);
    if !component.licenses.is_empty() {
        let licenses: Vec<Value> = component
            .licenses
            .iter()
            .map(|name| json!({ "license": { "name": name } }))
            .collect();
        value["licenses"] = json!(licenses);
    }
    value
}

/// One `dependencies` entry per dependent, edges whose ends are both known only; the
/// application's own reference (possibly empty, as npm's root is) becomes the subject's.
fn dependencies(application: &Application, subject_ref: &str) -> Vec<Value> {
    let known: HashSet<&str> = application
        .components
        .iter()
        .map(|c| c.reference.as_str())
        .collect();
    let own = application.reference.as_deref();
    let name = |reference: &str| -> Option<String> {
        if Some(reference) == own {
            Some(subject_ref.to_owned())
        } else if known.contains(reference) && !reference.is_empty() {
            Some(reference.to_owned())
        } else {
            None
        }
    };
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for edge in &application.dependencies {
        if let (Some(from), Some(to)) = (name(&edge.from), name(&edge.to)) {
            let targets = edges.entry(from).or_default();
            if !targets.contains(&to) {
                targets.push(to);
            }
        }
    }
    edges
        .into_iter()
        .map(|(from, to)| json!({ "ref": from, "dependsOn": to }))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::test_data;

    /// Serves the schema files beside the CycloneDX schema from disk, by file name; nothing
    /// is fetched from the network.
    struct LocalSchemas(PathBuf);

    impl jsonschema::Retrieve for LocalSchemas {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            let name = uri.path().as_str().rsplit('/').next().unwrap_or_default();
            let text = std::fs::read_to_string(self.0.join(name))
                .map_err(|err| format!("{uri} is not in the local schema folder: {err}"))?;
            Ok(serde_json::from_str(&text)?)
        }
    }

    /// The CycloneDX 1.6 schema, compiled, with its referenced schemas read from disk.
    pub(crate) fn validator() -> jsonschema::Validator {
        let folder = test_data::path("sbom/schema");
        let text = std::fs::read_to_string(folder.join("bom-1.6.schema.json")).expect("schema");
        let schema: Value = serde_json::from_str(&text).expect("schema JSON");
        jsonschema::options()
            .with_retriever(LocalSchemas(folder))
            .should_validate_formats(true)
            .build(&schema)
            .expect("schema compiles")
    }

    /// Fails with the first few schema errors of `document`.
    pub(crate) fn assert_valid(validator: &jsonschema::Validator, document: &Value, what: &str) {
        let errors: Vec<String> = validator
            .iter_errors(document)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:#?}");
    }

    fn now() -> Timestamp {
        "2026-12-03T12:00:00Z".parse().expect("time")
    }

    #[test]
    fn a_host_with_odd_components_exports_valid_cyclonedx() {
        let application = Application {
            name: Some("web-01".to_owned()),
            components: vec![
                Component {
                    reference: "deb:openssl@3.0.15-1~deb12u1".to_owned(),
                    ecosystem: Some("Debian:12".to_owned()),
                    name: "openssl".to_owned(),
                    version: Some("3.0.15-1~deb12u1".to_owned()),
                    purl: Some("pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64".to_owned()),
                    licenses: vec!["Apache-2.0".to_owned(), "not an id".to_owned()],
                    kind: Some("not-a-cyclonedx-type".to_owned()),
                    scope: ComponentScope::Development,
                },
                Component {
                    reference: "x".to_owned(),
                    name: "x".to_owned(),
                    ..Component::default()
                },
            ],
            ..Application::default()
        };
        let document = cyclonedx_json(&application, Subject::Host, now());
        assert_valid(&validator(), &document, "host");
        assert_eq!(document["components"][0]["type"], "library");
        assert_eq!(document["metadata"]["component"]["type"], "device");
    }
}
