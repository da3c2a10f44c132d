//! `poetry.lock`: the `[[package]]` tables Poetry pins a Python project's dependencies with.
//!
//! A package with no `source` comes from PyPI and is assessed as a PyPI release. A package
//! from git, a directory, a file or a URL, or from another package index (`legacy`), is kept
//! without an ecosystem: PyPI advisories do not describe it. `category = "dev"` (Poetry 1.1
//! and older) and `optional = true` become the scope. Each package's `[package.dependencies]`
//! become edges to the locked package of that name.

use std::collections::HashMap;

use serde::Deserialize;
use steward_core::inventory::{Application, Component, ComponentScope};

use crate::ParseError;
use crate::sbom::purl;
use crate::sbom::{Assembly, DocumentError, Limits};

#[derive(Deserialize)]
struct RawLock {
    #[serde(default)]
    package: Vec<RawPackage>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    category: Option<String>,
    #[serde(default)]
    optional: bool,
    source: Option<RawSource>,
    #[serde(default)]
    dependencies: toml::Table,
}

#[derive(Deserialize)]
struct RawSource {
    #[serde(rename = "type")]
    kind: String,
}

/// Reads a `poetry.lock`.
pub fn read(text: &str, limits: &Limits) -> Result<Application, DocumentError> {
    limits.check_size(text.len())?;
    let lock: RawLock = toml::from_str(text).map_err(|err| {
        let line = err.span().map_or(1, |span| line_at(text, span.start));
        ParseError::line(line, err.message().to_owned())
    })?;

    let mut assembly = Assembly::new(limits);
    let by_name: HashMap<String, String> = lock
        .package
        .iter()
        .map(|p| (normalize(&p.name), reference(p)))
        .collect();
    for package in &lock.package {
        assembly.push(component(package))?;
        for dependency in package.dependencies.keys() {
            if let Some(target) = by_name.get(&normalize(dependency)) {
                assembly.edge(&reference(package), target);
            }
        }
    }
    Ok(assembly.finish())
}

fn reference(package: &RawPackage) -> String {
    format!("{}@{}", package.name, package.version)
}

/// PEP 503 normalisation, so that `Foo_Bar` in a dependency finds `foo-bar`.
fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

fn component(package: &RawPackage) -> Component {
    let from_pypi = package.source.is_none();
    let scope = if package.category.as_deref() == Some("dev") {
        ComponentScope::Development
    } else if package.optional {
        ComponentScope::Optional
    } else {
        ComponentScope::Required
    };
    let kind = match &package.source {
        None => "library".to_owned(),
        Some(source) => source.kind.clone(),
    };
    Component {
        reference: reference(package),
        ecosystem: from_pypi.then(|| "PyPI".to_owned()),
        name: package.name.clone(),
        version: Some(package.version.clone()),
        purl: from_pypi
            .then(|| purl::build("pypi", &normalize(&package.name), Some(&package.version)))
            .flatten(),
        licenses: Vec::new(),
        kind: Some(kind),
        scope,
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
[[package]]
name = "Django"
version = "4.2.1"
description = "web framework"
optional = false
python-versions = ">=3.8"

[package.dependencies]
asgiref = ">=3.6.0,<4"
sqlparse = ">=0.3.1"

[[package]]
name = "asgiref"
version = "3.7.2"
category = "dev"

[[package]]
name = "sqlparse"
version = "0.4.4"
optional = true

[[package]]
name = "internal"
version = "0.1.0"

[package.source]
type = "git"
url = "https://example.com/internal.git"
reference = "main"

[metadata]
lock-version = "2.0"
"#;

    #[test]
    fn packages_sources_scopes_and_edges() {
        let app = read(LOCK, &Limits::DEFAULT).expect("valid");
        let names: Vec<_> = app
            .components
            .iter()
            .map(|c| c.reference.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "Django@4.2.1",
                "asgiref@3.7.2",
                "sqlparse@0.4.4",
                "internal@0.1.0"
            ]
        );
        assert_eq!(
            app.components[0].purl.as_deref(),
            Some("pkg:pypi/django@4.2.1")
        );
        assert_eq!(app.components[1].scope, ComponentScope::Development);
        assert_eq!(app.components[2].scope, ComponentScope::Optional);
        assert_eq!(app.components[3].ecosystem, None);
        assert_eq!(app.components[3].kind.as_deref(), Some("git"));
        assert_eq!(app.dependencies.len(), 2);
    }

    #[test]
    fn missing_version_names_its_line() {
        let err = read("[[package]]\nname = \"a\"\n", &Limits::DEFAULT).expect_err("no version");
        assert_eq!(err.to_string(), "line 1: missing field `version`");
    }
}
