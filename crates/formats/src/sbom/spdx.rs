//! SPDX 2.2 and 2.3, in JSON and in tag-value.
//!
//! Both encodings are read into one small model: the document's name, its packages (id,
//! name, version, concluded and declared licences, purl from `externalRefs`) and its
//! relationships. Every package is a component, including the one the document describes;
//! that package also names the application. Relationships that mean "depends on"
//! (`DEPENDS_ON`, the `*DEPENDENCY_OF` family reversed, `STATIC_LINK`, `DYNAMIC_LINK`) become
//! dependency edges; other relationships (containment, generation, documentation) do not.

use serde::Deserialize;
use steward_core::inventory::Component;

use super::{Assembly, DocumentError, Limits, Sbom, SbomFormat, json, purl};
use crate::ParseError;

/// Licence values that say nothing about the licence.
const NO_LICENSE: &[&str] = &["NOASSERTION", "NONE", ""];

/// The SPDX 2 model both encodings are read into.
#[derive(Debug, Default)]
struct Document {
    spec_version: String,
    id: String,
    name: Option<String>,
    describes: Vec<String>,
    packages: Vec<Package>,
    relationships: Vec<Relationship>,
}

#[derive(Debug, Default)]
struct Package {
    id: String,
    name: String,
    version: Option<String>,
    licenses: Vec<String>,
    purl: Option<String>,
}

#[derive(Debug)]
struct Relationship {
    from: String,
    kind: String,
    to: String,
}

/// Reads an SPDX 2 JSON document.
pub fn read_json(bytes: &[u8], limits: &Limits) -> Result<Sbom, DocumentError> {
    limits.check_size(bytes.len())?;
    let raw: JsonDocument = json::parse(bytes, limits)?;
    let document = raw.into_document();
    assemble(document, SbomFormat::Spdx2Json, limits)
}

/// Reads an SPDX 2 tag-value document.
pub fn read_tag_value(bytes: &[u8], limits: &Limits) -> Result<Sbom, DocumentError> {
    limits.check_size(bytes.len())?;
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let line = bytes[..err.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        ParseError::line(line, "not UTF-8 text")
    })?;
    let document = TagValue::default().read(text, limits)?;
    assemble(document, SbomFormat::Spdx2TagValue, limits)
}

/// Whether text starts (after blank and comment lines) with an `SPDXVersion` tag.
pub(crate) fn looks_like_tag_value(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 << 10)]);
    head.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| line.starts_with("SPDXVersion:"))
}

fn assemble(
    document: Document,
    format: SbomFormat,
    limits: &Limits,
) -> Result<Sbom, DocumentError> {
    if !document.spec_version.starts_with("SPDX-2.") {
        return Err(DocumentError::Refused(format!(
            "SPDX version {:?} is not 2.x (SPDX-2.2 and SPDX-2.3 are read)",
            document.spec_version
        )));
    }

    let mut assembly = Assembly::new(limits);
    let described = described_packages(&document);
    describe_application(&mut assembly, &document, &described);
    for package in document.packages {
        let component = convert(&mut assembly, package);
        assembly.push(component)?;
    }
    for relationship in &document.relationships {
        if let Some((from, to)) = dependency(relationship) {
            assembly.edge(from, to);
        }
    }

    Ok(Sbom {
        format,
        spec_version: document.spec_version,
        application: assembly.finish(),
    })
}

/// The ids the document says it describes, by `documentDescribes` or relationships.
fn described_packages(document: &Document) -> Vec<String> {
    let mut described = document.describes.clone();
    for relationship in &document.relationships {
        let id = match relationship.kind.as_str() {
            "DESCRIBES" if relationship.from == document.id => &relationship.to,
            "DESCRIBED_BY" if relationship.to == document.id => &relationship.from,
            _ => continue,
        };
        if !described.contains(id) {
            described.push(id.clone());
        }
    }
    described
}

fn describe_application(assembly: &mut Assembly, document: &Document, described: &[String]) {
    let subject = match described {
        [only] => document.packages.iter().find(|p| &p.id == only),
        _ => None,
    };
    let application = assembly.application_mut();
    match subject {
        Some(package) => {
            application.name = Some(package.name.clone());
            application.version = package.version.clone();
            application.purl = package.purl.clone();
            application.reference = Some(package.id.clone());
        }
        None => {
            application.name = document.name.clone();
            application.reference = Some(document.id.clone());
        }
    }
}

fn convert(assembly: &mut Assembly, package: Package) -> Component {
    let mut component = Component {
        reference: package.id,
        name: package.name,
        version: package.version,
        licenses: package.licenses,
        kind: Some("package".to_owned()),
        ..Component::default()
    };
    if let Some(written) = package.purl {
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

/// The edge a relationship stands for, as (dependent, dependency), if it is one.
fn dependency(relationship: &Relationship) -> Option<(&str, &str)> {
    let (from, to) = (relationship.from.as_str(), relationship.to.as_str());
    if NO_LICENSE.contains(&to) {
        return None;
    }
    match relationship.kind.as_str() {
        "DEPENDS_ON" | "STATIC_LINK" | "DYNAMIC_LINK" => Some((from, to)),
        kind if kind.ends_with("DEPENDENCY_OF") => Some((to, from)),
        _ => None,
    }
}

fn push_license(licenses: &mut Vec<String>, value: Option<String>) {
    if let Some(value) = value.map(|v| v.trim().to_owned())
        && !NO_LICENSE.contains(&value.as_str())
        && !licenses.contains(&value)
    {
        licenses.push(value);
    }
}

/// SPDX 2 JSON, as far as Steward reads it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonDocument {
    spdx_version: String,
    #[serde(rename = "SPDXID", default)]
    id: String,
    name: Option<String>,
    #[serde(default)]
    document_describes: Vec<String>,
    #[serde(default)]
    packages: Vec<JsonPackage>,
    #[serde(default)]
    relationships: Vec<JsonRelationship>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonPackage {
    #[serde(rename = "SPDXID")]
    id: String,
    name: String,
    version_info: Option<String>,
    license_concluded: Option<String>,
    license_declared: Option<String>,
    #[serde(default)]
    external_refs: Vec<JsonExternalRef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonExternalRef {
    reference_type: String,
    reference_locator: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonRelationship {
    spdx_element_id: String,
    relationship_type: String,
    related_spdx_element: String,
}

impl JsonDocument {
    fn into_document(self) -> Document {
        let packages = self
            .packages
            .into_iter()
            .map(JsonPackage::into_package)
            .collect();
        let relationships = self
            .relationships
            .into_iter()
            .map(|r| Relationship {
                from: r.spdx_element_id,
                kind: r.relationship_type,
                to: r.related_spdx_element,
            })
            .collect();
        Document {
            spec_version: self.spdx_version,
            id: self.id,
            name: self.name,
            describes: self.document_describes,
            packages,
            relationships,
        }
    }
}

impl JsonPackage {
    fn into_package(self) -> Package {
        let mut licenses = Vec::new();
        push_license(&mut licenses, self.license_concluded);
        push_license(&mut licenses, self.license_declared);
        let purl = self
            .external_refs
            .into_iter()
            .find(|r| r.reference_type == "purl")
            .map(|r| r.reference_locator);
        Package {
            id: self.id,
            name: self.name,
            version: self.version_info,
            licenses,
            purl,
        }
    }
}

/// Which element the tags being read belong to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Section {
    #[default]
    Document,
    Package,
    Other,
}

/// The tag-value reader's state: the document so far and the element being read.
#[derive(Default)]
struct TagValue {
    document: Document,
    section: Section,
    package_lines: Vec<usize>,
}

impl TagValue {
    fn read(mut self, text: &str, limits: &Limits) -> Result<Document, DocumentError> {
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        while let Some((number, line)) = lines.next() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some((tag, value)) = trimmed.split_once(':') else {
                return Err(ParseError::line(number, "expected `Tag: value`").into());
            };
            let mut value = value.trim().to_owned();
            if value.starts_with("<text>") {
                value = multi_line_value(&value, number, tag, &mut lines)?;
            }
            self.tag(tag.trim(), value, number, limits)?;
        }
        self.finish()
    }

    fn tag(
        &mut self,
        tag: &str,
        value: String,
        line: usize,
        limits: &Limits,
    ) -> Result<(), DocumentError> {
        match tag {
            "SPDXVersion" => self.document.spec_version = value,
            "DocumentName" => self.document.name = Some(value),
            "PackageName" => {
                if self.document.packages.len() >= limits.max_components {
                    return Err(DocumentError::Limit {
                        what: format!("number of packages at line {line}"),
                        limit: limits.max_components,
                    });
                }
                self.section = Section::Package;
                self.package_lines.push(line);
                self.document.packages.push(Package {
                    name: value,
                    ..Package::default()
                });
            }
            "FileName" | "SnippetSPDXID" | "LicenseID" => self.section = Section::Other,
            "SPDXID" => self.id(value),
            "PackageVersion" => self.package(line, tag)?.version = Some(value),
            "PackageLicenseConcluded" | "PackageLicenseDeclared" => {
                push_license(&mut self.package(line, tag)?.licenses, Some(value));
            }
            "ExternalRef" => {
                let mut parts = value.split_whitespace();
                let (_category, kind, locator) = (parts.next(), parts.next(), parts.next());
                if let (Some("purl"), Some(locator)) = (kind, locator) {
                    self.package(line, tag)?.purl = Some(locator.to_owned());
                }
            }
            "Relationship" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                let [from, kind, to] = parts[..] else {
                    return Err(
                        ParseError::field(line, tag, "expected `ELEMENT TYPE ELEMENT`").into(),
                    );
                };
                self.document.relationships.push(Relationship {
                    from: from.to_owned(),
                    kind: kind.to_owned(),
                    to: to.to_owned(),
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn id(&mut self, value: String) {
        match self.section {
            Section::Document if self.document.id.is_empty() => self.document.id = value,
            Section::Package => {
                if let Some(package) = self.document.packages.last_mut()
                    && package.id.is_empty()
                {
                    package.id = value;
                }
            }
            _ => {}
        }
    }

    fn package(&mut self, line: usize, tag: &str) -> Result<&mut Package, DocumentError> {
        match (self.section, self.document.packages.last_mut()) {
            (Section::Package, Some(package)) => Ok(package),
            _ => Err(ParseError::field(line, tag, "appears outside a package").into()),
        }
    }

    fn finish(self) -> Result<Document, DocumentError> {
        let mut packages = self.document.packages.iter().zip(&self.package_lines);
        if let Some((package, line)) = packages.find(|(p, _)| p.id.is_empty()) {
            let message = format!("package {:?} has no SPDXID", package.name);
            return Err(ParseError::field(*line, "SPDXID", message).into());
        }
        Ok(self.document)
    }
}

/// A `<text>…</text>` value, which may run over several lines.
fn multi_line_value<'a>(
    first: &str,
    start: usize,
    tag: &str,
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
) -> Result<String, DocumentError> {
    let mut value = first.trim_start_matches("<text>").to_owned();
    while !value.contains("</text>") {
        let Some((_, line)) = lines.next() else {
            return Err(ParseError::field(start, tag, "<text> is never closed by </text>").into());
        };
        value.push('\n');
        value.push_str(line);
    }
    let end = value.find("</text>").unwrap_or(value.len());
    value.truncate(end);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG_VALUE: &str = "SPDXVersion: SPDX-2.2
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: hello
PackageName: hello
SPDXID: SPDXRef-Package-hello
PackageVersion: 1.2
PackageLicenseConcluded: GPL-3.0-or-later
PackageLicenseDeclared: NOASSERTION
PackageComment: <text>first line
Relationship: this is still text
</text>
ExternalRef: PACKAGE-MANAGER purl pkg:golang/example.com/hello@v1.2.0

PackageName: fmt
SPDXID: SPDXRef-Package-fmt
FileName: ./fmt.go
SPDXID: SPDXRef-fmt-file
Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-Package-hello
Relationship: SPDXRef-Package-hello DEPENDS_ON SPDXRef-Package-fmt
Relationship: SPDXRef-Package-fmt TEST_DEPENDENCY_OF SPDXRef-Package-hello
Relationship: SPDXRef-Package-hello CONTAINS SPDXRef-fmt-file
";

    #[test]
    fn tag_value_packages_relationships_and_text_blocks() {
        let sbom = read_tag_value(TAG_VALUE.as_bytes(), &Limits::DEFAULT).expect("valid");
        let app = &sbom.application;
        assert_eq!(sbom.spec_version, "SPDX-2.2");
        assert_eq!(
            (app.name.as_deref(), app.version.as_deref()),
            (Some("hello"), Some("1.2"))
        );
        assert_eq!(app.components.len(), 2);
        let hello = &app.components[0];
        assert_eq!(hello.reference, "SPDXRef-Package-hello");
        assert_eq!(hello.name, "example.com/hello");
        assert_eq!(hello.ecosystem.as_deref(), Some("Go"));
        assert_eq!(hello.licenses, ["GPL-3.0-or-later"]);
        assert_eq!(app.components[1].reference, "SPDXRef-Package-fmt");
        assert_eq!(
            app.dependencies.len(),
            1,
            "DEPENDS_ON and its reverse are one edge"
        );
        assert_eq!(app.dependencies[0].to, "SPDXRef-Package-fmt");
    }

    #[test]
    fn unclosed_text_names_its_tag_and_line() {
        let doc = "SPDXVersion: SPDX-2.2\nPackageName: a\nPackageComment: <text>never closed\n";
        let err = read_tag_value(doc.as_bytes(), &Limits::DEFAULT).expect_err("unclosed");
        assert_eq!(
            err.to_string(),
            "line 3: field PackageComment: <text> is never closed by </text>"
        );
    }

    #[test]
    fn package_without_spdxid_is_refused() {
        let doc = "SPDXVersion: SPDX-2.2\n\nPackageName: a\nPackageVersion: 1\n";
        let err = read_tag_value(doc.as_bytes(), &Limits::DEFAULT).expect_err("no id");
        assert_eq!(
            err.to_string(),
            "line 3: field SPDXID: package \"a\" has no SPDXID"
        );
    }

    #[test]
    fn json_packages_and_reversed_dependency_of() {
        let doc = r#"{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "doc",
          "documentDescribes": ["SPDXRef-app"],
          "packages": [
            {"SPDXID": "SPDXRef-app", "name": "app", "versionInfo": "0.1.0",
             "licenseConcluded": "MIT", "licenseDeclared": "MIT OR Apache-2.0"},
            {"SPDXID": "SPDXRef-serde", "name": "serde", "versionInfo": "1.0.200",
             "licenseConcluded": "NOASSERTION",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
               "referenceLocator": "pkg:cargo/serde@1.0.200"}]}],
          "relationships": [{"spdxElementId": "SPDXRef-serde",
            "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-app"}]}"#;
        let sbom = read_json(doc.as_bytes(), &Limits::DEFAULT).expect("valid");
        let app = &sbom.application;
        assert_eq!(app.name.as_deref(), Some("app"));
        assert_eq!(app.components[0].licenses, ["MIT", "MIT OR Apache-2.0"]);
        assert_eq!(app.components[1].ecosystem.as_deref(), Some("crates.io"));
        assert!(app.components[1].licenses.is_empty());
        assert_eq!(app.dependencies[0].from, "SPDXRef-app");
        assert_eq!(app.dependencies[0].to, "SPDXRef-serde");
    }

    #[test]
    fn spdx_1_is_refused() {
        let doc = r#"{"spdxVersion": "SPDX-1.2"}"#;
        let err = read_json(doc.as_bytes(), &Limits::DEFAULT).expect_err("1.2");
        assert!(err.to_string().contains("not 2.x"), "{err}");
    }
}
