//! Applications: software described by an SBOM or pinned by a lockfile, and its components.
//!
//! An application is assessed like a host, through the packages it is made of. Readers of
//! SBOMs and lockfiles produce an [`Application`]; every component appears once, under a
//! reference that is unique within the application (a CycloneDX `bom-ref`, an SPDX `SPDXID`,
//! a lockfile's own key), and dependency edges name components by that reference. Entries a
//! reader could not turn into an assessable component are kept in
//! [`Application::unresolved`], never dropped silently.

use serde::{Deserialize, Serialize};

/// An application and the components it is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Application {
    /// Name of the application the document describes, when it names one.
    pub name: Option<String>,
    /// Version of the application, when the document gives one.
    pub version: Option<String>,
    /// Package URL of the application, when the document gives one.
    pub purl: Option<String>,
    /// The application's own reference, when dependency edges can name it.
    pub reference: Option<String>,
    /// Every component, once each, in document order.
    pub components: Vec<Component>,
    /// Dependency edges, each once, in document order.
    pub dependencies: Vec<Dependency>,
    /// Entries that could not become assessable components (unpinned requirements, invalid
    /// package URLs), with where they were found and why.
    pub unresolved: Vec<Unresolved>,
}

/// One component of an application: a package, library, framework or other part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Component {
    /// Reference unique within the application (`bom-ref`, `SPDXID`, lockfile key).
    pub reference: String,
    /// OSV ecosystem (`npm`, `PyPI`, `crates.io`, `Debian`, …), when it is known.
    pub ecosystem: Option<String>,
    /// Package name as the ecosystem spells it (with its namespace where the ecosystem has
    /// one, e.g. `group:artifact` for Maven, `@scope/name` for npm).
    pub name: String,
    /// Version exactly as written, when there is one.
    pub version: Option<String>,
    /// Package URL, as written or as derived from the lockfile entry.
    pub purl: Option<String>,
    /// Licences: SPDX identifiers, names or expressions, as written.
    pub licenses: Vec<String>,
    /// The component's kind as the document states it (`library`, `application`,
    /// `cryptographic-asset`, …).
    pub kind: Option<String>,
    /// Whether the application needs the component at run time.
    pub scope: ComponentScope,
}

/// Whether an application needs a component when it runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentScope {
    /// Needed at run time (the default when a document does not say).
    #[default]
    Required,
    /// Used at run time only when present.
    Optional,
    /// Used only to develop, build or test the application.
    Development,
    /// Listed but not part of the application as shipped.
    Excluded,
}

/// A dependency edge: `from` depends on `to`, both named by reference.
///
/// A reference names a component, the application itself ([`Application::reference`]), or,
/// in SPDX documents, an element of another document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dependency {
    /// The dependent.
    pub from: String,
    /// The dependency.
    pub to: String,
}

/// An entry that could not become an assessable component, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unresolved {
    /// 1-based line of the entry, in line-based formats.
    pub line: Option<usize>,
    /// The entry as written.
    pub entry: String,
    /// Why it could not be resolved.
    pub reason: String,
}
