//! SBOMs: CycloneDX (JSON and XML, 1.0 to 1.6) and SPDX (2.2/2.3 JSON and tag-value, 3.0
//! JSON-LD), read into an [`Application`] with its components and dependency edges.
//!
//! Every document is untrusted. Before anything is built from it, a document is held to the
//! bounds of a [`Limits`]: its size, its nesting depth, its number of XML elements and of
//! components; crossing one is an error naming the bound. XML documents with a DOCTYPE are
//! refused outright, so no DTD is read and no entity is ever expanded.
//!
//! What counts as a component follows each format's own notion: in CycloneDX, every
//! component object under `components`, nested ones included, and not `metadata.component`
//! (which describes the application itself); in SPDX 2, every package; in SPDX 3, every
//! software package (`software_Package` and its `ai_AIPackage` and `dataset_DatasetPackage`
//! kinds). Documents with no components (VEX-only, SaaSBOM) read as applications with none.

#[cfg(test)]
mod corpus;
pub mod cyclonedx;
mod cyclonedx_xml;
pub mod export;
pub(crate) mod json;
mod limits;
pub mod purl;
pub mod spdx;
pub mod spdx3;

use std::collections::HashSet;

use steward_core::inventory::{Application, Component, Dependency, Unresolved};

pub use limits::{DocumentError, Limits};

/// The SBOM formats this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SbomFormat {
    /// CycloneDX JSON.
    CycloneDxJson,
    /// CycloneDX XML.
    CycloneDxXml,
    /// SPDX 2.x JSON.
    Spdx2Json,
    /// SPDX 2.x tag-value.
    Spdx2TagValue,
    /// SPDX 3.0 JSON-LD.
    Spdx3JsonLd,
}

impl SbomFormat {
    /// A short name for messages: `CycloneDX JSON`, `SPDX 2 tag-value`, …
    pub fn as_str(self) -> &'static str {
        match self {
            SbomFormat::CycloneDxJson => "CycloneDX JSON",
            SbomFormat::CycloneDxXml => "CycloneDX XML",
            SbomFormat::Spdx2Json => "SPDX 2 JSON",
            SbomFormat::Spdx2TagValue => "SPDX 2 tag-value",
            SbomFormat::Spdx3JsonLd => "SPDX 3 JSON-LD",
        }
    }
}

/// A document read: its format, the specification version it declares, and what it
/// describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    /// The format the document was read as.
    pub format: SbomFormat,
    /// The specification version the document declares (`1.4`, `SPDX-2.3`, `3.0.1`).
    pub spec_version: String,
    /// The application described, with its components and dependencies.
    pub application: Application,
}

/// Recognises an SBOM by its content, or `None` when the bytes are not one this module
/// reads. Only the start of the document is looked at for XML and tag-value; JSON is
/// recognised by its top-level keys.
pub fn detect(bytes: &[u8]) -> Option<SbomFormat> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = &text[start..];
    match text.first()? {
        b'{' => json::detect(text),
        b'<' => {
            let head = &text[..text.len().min(64 << 10)];
            let head = String::from_utf8_lossy(head);
            head.contains("cyclonedx.org/schema/bom")
                .then_some(SbomFormat::CycloneDxXml)
        }
        _ => spdx::looks_like_tag_value(text).then_some(SbomFormat::Spdx2TagValue),
    }
}

/// Reads a document of any supported format, recognised by its content.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Sbom, DocumentError> {
    limits.check_size(bytes.len())?;
    let format = detect(bytes).ok_or_else(|| {
        DocumentError::Refused(
            "not a CycloneDX or SPDX document: no bomFormat, spdxVersion, SPDX 3 @context, \
             CycloneDX XML namespace or SPDXVersion tag was found"
                .to_owned(),
        )
    })?;
    read_as(format, bytes, limits)
}

/// Reads a document in the given format.
pub fn read_as(format: SbomFormat, bytes: &[u8], limits: &Limits) -> Result<Sbom, DocumentError> {
    limits.check_size(bytes.len())?;
    match format {
        SbomFormat::CycloneDxJson => cyclonedx::read_json(bytes, limits),
        SbomFormat::CycloneDxXml => cyclonedx::read_xml(bytes, limits),
        SbomFormat::Spdx2Json => spdx::read_json(bytes, limits),
        SbomFormat::Spdx2TagValue => spdx::read_tag_value(bytes, limits),
        SbomFormat::Spdx3JsonLd => spdx3::read_json(bytes, limits),
    }
}

/// Collects components and edges into an [`Application`], keeping each reference and each
/// edge once and holding the component count to its bound.
pub(crate) struct Assembly {
    application: Application,
    references: HashSet<String>,
    edges: HashSet<(String, String)>,
    max_components: usize,
}

impl Assembly {
    pub(crate) fn new(limits: &Limits) -> Self {
        Assembly {
            application: Application::default(),
            references: HashSet::new(),
            edges: HashSet::new(),
            max_components: limits.max_components,
        }
    }

    /// The application being assembled, for its name, version and notes.
    pub(crate) fn application_mut(&mut self) -> &mut Application {
        &mut self.application
    }

    /// Adds a component. A missing reference becomes `component-N` (its position); a
    /// reference already taken gets `#N` appended, so every component stays addressable.
    pub(crate) fn push(&mut self, mut component: Component) -> Result<(), DocumentError> {
        let position = self.application.components.len() + 1;
        if position > self.max_components {
            return Err(DocumentError::Limit {
                what: "number of components".to_owned(),
                limit: self.max_components,
            });
        }
        if component.reference.is_empty() {
            component.reference = format!("component-{position}");
        }
        if !self.references.insert(component.reference.clone()) {
            let unique = format!("{}#{position}", component.reference);
            self.references.insert(unique.clone());
            component.reference = unique;
        }
        self.application.components.push(component);
        Ok(())
    }

    /// Adds the edge `from` depends on `to`, unless it is already there.
    pub(crate) fn edge(&mut self, from: &str, to: &str) {
        if self.edges.insert((from.to_owned(), to.to_owned())) {
            self.application.dependencies.push(Dependency {
                from: from.to_owned(),
                to: to.to_owned(),
            });
        }
    }

    /// Records an entry that could not become an assessable component.
    pub(crate) fn unresolved(&mut self, line: Option<usize>, entry: &str, reason: String) {
        self.application.unresolved.push(Unresolved {
            line,
            entry: entry.to_owned(),
            reason,
        });
    }

    pub(crate) fn finish(self) -> Application {
        self.application
    }
}
