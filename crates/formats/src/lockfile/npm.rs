//! `package-lock.json` (and `npm-shrinkwrap.json`), lockfile versions 1, 2 and 3.
//!
//! Versions 2 and 3 list every installed package under `packages`, keyed by its folder
//! (`node_modules/a/node_modules/b`); the root project is the entry keyed `""` and is the
//! application, not a component. Version 1 nests packages under `dependencies`, and the folder
//! of each follows from that nesting. Version 2 carries both; `packages` is read.
//!
//! Each installed copy is one component, referenced by its folder, so the same name and
//! version installed in two folders is two components (as npm installs it). Flags are kept:
//! `dev` and `optional` become the scope; `link` and `inBundle` are kept on [`NpmPackage`].
//! Links, local folders and versions that are URLs or file paths are not registry releases:
//! they carry no ecosystem, so no npm advisory is matched against them.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use steward_core::inventory::{Application, Component, ComponentScope, Dependency};

use crate::sbom::json;
use crate::sbom::purl;
use crate::sbom::{DocumentError, Limits};

/// A parsed `package-lock.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpmLockfile {
    /// `lockfileVersion`: 1, 2 or 3.
    pub version: u32,
    /// The root project's name, when given.
    pub name: Option<String>,
    /// The root project's version, when given.
    pub project_version: Option<String>,
    /// Every installed package except the root, ordered by folder.
    pub packages: Vec<NpmPackage>,
}

/// One installed package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NpmPackage {
    /// Folder, e.g. `node_modules/a/node_modules/b`: unique within the lockfile.
    pub path: String,
    /// Package name (from the entry's `name` for aliases, else from the folder).
    pub name: String,
    /// Version, when the entry has one (links have none).
    pub version: Option<String>,
    /// Where the package was fetched from (`resolved`).
    pub resolved: Option<String>,
    /// Needed only for development.
    pub dev: bool,
    /// Optional dependency.
    pub optional: bool,
    /// Both development-only and optional (`devOptional`).
    pub dev_optional: bool,
    /// A symbolic link to a local folder (`link`); its target is another entry.
    pub link: bool,
    /// Shipped inside its parent's tarball (`inBundle`, or `bundled` in version 1).
    pub bundled: bool,
    /// Names this package depends on (`dependencies`, `optionalDependencies`, and
    /// `requires` in version 1).
    pub depends_on: Vec<String>,
}

impl NpmPackage {
    /// Whether this is a release from the npm registry, the packages npm advisories describe.
    pub fn is_registry_release(&self) -> bool {
        let local =
            !self.path.starts_with("node_modules/") && !self.path.contains("/node_modules/");
        let version_is_spec = self.version.as_deref().is_none_or(|v| v.contains(':'));
        !(self.link || local || version_is_spec)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLockfile {
    lockfile_version: Option<u32>,
    name: Option<String>,
    version: Option<String>,
    packages: Option<BTreeMap<String, RawPackage>>,
    #[serde(default)]
    dependencies: BTreeMap<String, RawDependency>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPackage {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    dev_optional: bool,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    in_bundle: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct RawDependency {
    version: Option<String>,
    resolved: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    bundled: bool,
    #[serde(default)]
    requires: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default)]
    dependencies: BTreeMap<String, RawDependency>,
}

/// Reads a `package-lock.json`.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<NpmLockfile, DocumentError> {
    limits.check_size(bytes.len())?;
    let raw: RawLockfile = json::parse(bytes, limits)?;
    let version = raw.lockfile_version.unwrap_or(1);
    if !(1..=3).contains(&version) {
        return Err(DocumentError::Refused(format!(
            "lockfileVersion {version} is not 1, 2 or 3"
        )));
    }
    let packages = match raw.packages {
        Some(packages) => from_packages(packages),
        None => {
            let mut out = Vec::new();
            from_dependencies(raw.dependencies, "", &mut out);
            out
        }
    };
    if packages.len() > limits.max_components {
        return Err(DocumentError::Limit {
            what: "number of packages".to_owned(),
            limit: limits.max_components,
        });
    }
    Ok(NpmLockfile {
        version,
        name: raw.name,
        project_version: raw.version,
        packages,
    })
}

fn from_packages(packages: BTreeMap<String, RawPackage>) -> Vec<NpmPackage> {
    let entries = packages.into_iter().filter(|(path, _)| !path.is_empty());
    entries
        .map(|(path, raw)| {
            let mut depends_on: Vec<String> = raw.dependencies.into_keys().collect();
            depends_on.extend(raw.optional_dependencies.into_keys());
            NpmPackage {
                name: raw.name.unwrap_or_else(|| name_from_path(&path).to_owned()),
                path,
                version: raw.version,
                resolved: raw.resolved,
                dev: raw.dev,
                optional: raw.optional,
                dev_optional: raw.dev_optional,
                link: raw.link,
                bundled: raw.in_bundle,
                depends_on,
            }
        })
        .collect()
}

fn from_dependencies(
    dependencies: BTreeMap<String, RawDependency>,
    parent: &str,
    out: &mut Vec<NpmPackage>,
) {
    for (name, raw) in dependencies {
        let path = format!("{parent}node_modules/{name}");
        out.push(NpmPackage {
            path: path.clone(),
            name,
            version: raw.version,
            resolved: raw.resolved,
            dev: raw.dev,
            optional: raw.optional,
            bundled: raw.bundled,
            depends_on: raw.requires.into_keys().collect(),
            ..NpmPackage::default()
        });
        from_dependencies(raw.dependencies, &format!("{path}/"), out);
    }
}

/// The package name a folder holds: what follows its last `node_modules/`.
fn name_from_path(path: &str) -> &str {
    path.rsplit_once("node_modules/")
        .map_or(path, |(_, name)| name)
}

impl NpmLockfile {
    /// The lockfile as an application: one component per installed package, referenced by its
    /// folder, with edges resolved the way Node finds a dependency (the nearest
    /// `node_modules` folder up the tree). The root project's reference is `""`.
    pub fn to_application(&self) -> Application {
        let paths: HashSet<&str> = self.packages.iter().map(|p| p.path.as_str()).collect();
        let mut edges = HashSet::new();
        let mut dependencies = Vec::new();
        for package in &self.packages {
            for name in &package.depends_on {
                let Some(target) = resolve(&paths, &package.path, name) else {
                    continue;
                };
                if edges.insert((package.path.as_str(), target)) {
                    dependencies.push(Dependency {
                        from: package.path.clone(),
                        to: target.to_owned(),
                    });
                }
            }
        }
        Application {
            name: self.name.clone(),
            version: self.project_version.clone(),
            purl: None,
            reference: Some(String::new()),
            components: self.packages.iter().map(component).collect(),
            dependencies,
            unresolved: Vec::new(),
        }
    }
}

fn component(package: &NpmPackage) -> Component {
    let registry = package.is_registry_release();
    let scope = if package.dev || package.dev_optional {
        ComponentScope::Development
    } else if package.optional {
        ComponentScope::Optional
    } else {
        ComponentScope::Required
    };
    Component {
        reference: package.path.clone(),
        ecosystem: registry.then(|| "npm".to_owned()),
        name: package.name.clone(),
        version: package.version.clone(),
        purl: registry
            .then(|| purl::build("npm", &package.name, package.version.as_deref()))
            .flatten(),
        licenses: Vec::new(),
        kind: Some(if registry { "library" } else { "local" }.to_owned()),
        scope,
    }
}

/// The folder Node would load `name` from when required from `from`.
fn resolve<'a>(paths: &HashSet<&'a str>, from: &str, name: &str) -> Option<&'a str> {
    let mut base = from.to_owned();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{base}/node_modules/{name}")
        };
        if let Some(found) = paths.get(candidate.as_str()) {
            return Some(found);
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("/node_modules/") {
            Some(at) => base[..at].to_owned(),
            None => String::new(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    const V3: &str = r#"{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": {
      "": {"name": "app", "version": "1.0.0", "dependencies": {"a": "^1", "local": "*"}},
      "node_modules/a": {"version": "1.2.0", "dependencies": {"b": "^2"}},
      "node_modules/a/node_modules/b": {"version": "2.0.1", "inBundle": true},
      "node_modules/b": {"version": "3.0.0", "dev": true},
      "node_modules/@scope/c": {"version": "0.1.0", "optional": true},
      "node_modules/local": {"resolved": "packages/local", "link": true},
      "packages/local": {"name": "local", "version": "0.0.1"}
    }}"#;

    #[test]
    fn v3_packages_skip_the_root_and_keep_flags() {
        let lock = read(V3.as_bytes(), &Limits::DEFAULT).expect("valid");
        assert_eq!(lock.version, 3);
        assert_eq!(lock.packages.len(), 6);
        let app = lock.to_application();
        assert_eq!(app.name.as_deref(), Some("app"));
        let find = |r: &str| app.components.iter().find(|c| c.reference == r).expect(r);
        assert_eq!(find("node_modules/@scope/c").name, "@scope/c");
        assert_eq!(
            find("node_modules/@scope/c").scope,
            ComponentScope::Optional
        );
        assert_eq!(
            find("node_modules/@scope/c").purl.as_deref(),
            Some("pkg:npm/%40scope/c@0.1.0")
        );
        assert_eq!(find("node_modules/b").scope, ComponentScope::Development);
        assert!(lock.packages.iter().any(|p| p.bundled && p.name == "b"));
        assert_eq!(
            find("node_modules/local").ecosystem,
            None,
            "a link is not a registry release"
        );
        assert_eq!(find("packages/local").ecosystem, None);

        let edge = app
            .dependencies
            .iter()
            .find(|d| d.from == "node_modules/a")
            .expect("a -> b");
        assert_eq!(
            edge.to, "node_modules/a/node_modules/b",
            "the nearest copy wins"
        );
    }

    #[test]
    fn v1_nesting_gives_folders() {
        let doc = r#"{"lockfileVersion": 1, "dependencies": {
          "a": {"version": "1.0.0", "requires": {"b": "^1"},
                "dependencies": {"b": {"version": "1.5.0", "bundled": true}}},
          "b": {"version": "2.0.0", "dev": true},
          "g": {"version": "git+https://example.com/g.git#abc"}}}"#;
        let lock = read(doc.as_bytes(), &Limits::DEFAULT).expect("valid");
        let paths: Vec<_> = lock.packages.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "node_modules/a",
                "node_modules/a/node_modules/b",
                "node_modules/b",
                "node_modules/g"
            ]
        );
        let app = lock.to_application();
        assert_eq!(
            app.components[3].ecosystem, None,
            "a git version is not a registry release"
        );
        assert_eq!(app.dependencies[0].to, "node_modules/a/node_modules/b");
    }

    #[test]
    fn malformed_lockfile_names_line_and_field() {
        let doc =
            "{\"lockfileVersion\": 2,\n\"packages\": {\"node_modules/a\": {\"dev\": \"yes\"}}}";
        let err = read(doc.as_bytes(), &Limits::DEFAULT).expect_err("dev is a string");
        assert!(
            err.to_string()
                .starts_with("line 2: invalid type: string \"yes\", expected a boolean"),
            "{err}"
        );
        let err = read(br#"{"lockfileVersion": 9}"#, &Limits::DEFAULT).expect_err("v9");
        assert!(err.to_string().contains("lockfileVersion 9"), "{err}");
    }

    #[test]
    fn nodejs_goof_yields_one_component_per_installed_folder() {
        let path = test_data::path("lockfiles/npm/nodejs-goof/package-lock.json");
        let bytes = std::fs::read(path).expect("readable");
        let lock = read(&bytes, &Limits::DEFAULT).expect("valid");
        assert_eq!(lock.version, 2);
        // 1,275 `packages` entries less the root project.
        assert_eq!(lock.packages.len(), 1274);
        let app = lock.to_application();
        assert_eq!(app.components.len(), 1274);
        let dev = app
            .components
            .iter()
            .filter(|c| c.scope == ComponentScope::Development);
        assert_eq!(dev.count(), 563);
        assert_eq!(lock.packages.iter().filter(|p| p.bundled).count(), 326);
        let lodash = app
            .components
            .iter()
            .find(|c| c.reference == "node_modules/lodash")
            .expect("lodash");
        assert_eq!(lodash.version.as_deref(), Some("4.17.4"));
        assert_eq!(lodash.ecosystem.as_deref(), Some("npm"));
    }
}
