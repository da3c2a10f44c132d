//! Lockfiles: the exact package versions an application was built with.
//!
//! Each reader turns one lockfile's text into the packages it pins, with where each came
//! from, so that assessment can match them against advisories of the right ecosystem. A
//! package that did not come from the ecosystem's public registry (a git or path dependency)
//! is still listed, marked by its source, because advisories about the registry's package of
//! the same name do not describe it.

pub mod cargo;
pub mod gemfile;
pub mod gomod;
pub mod npm;
pub mod poetry;
pub mod requirements;

use steward_core::inventory::{Application, Component};

use crate::sbom::{DocumentError, Limits, purl};

/// The lockfile kinds [`read`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockfileKind {
    /// `Cargo.lock`.
    Cargo,
    /// `package-lock.json` (or `npm-shrinkwrap.json`).
    Npm,
    /// `requirements.txt` or `pip freeze` output.
    Requirements,
    /// `poetry.lock`.
    Poetry,
    /// `Gemfile.lock`.
    Gemfile,
    /// `go.mod`.
    GoMod,
}

impl LockfileKind {
    /// Recognises a lockfile by its file name (the last path component): the names each
    /// tool writes, and `*requirements*.txt` for pip.
    pub fn from_file_name(name: &str) -> Option<LockfileKind> {
        let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let lower = name.to_ascii_lowercase();
        let kind = match lower.as_str() {
            "cargo.lock" => LockfileKind::Cargo,
            "package-lock.json" | "npm-shrinkwrap.json" => LockfileKind::Npm,
            "poetry.lock" => LockfileKind::Poetry,
            "gemfile.lock" | "gems.locked" => LockfileKind::Gemfile,
            "go.mod" => LockfileKind::GoMod,
            _ if lower.ends_with("cargo.lock") => LockfileKind::Cargo,
            _ if lower.ends_with("package-lock.json") => LockfileKind::Npm,
            _ if lower.ends_with(".txt") && lower.contains("requirements") => {
                LockfileKind::Requirements
            }
            _ if lower.ends_with(".txt") && lower.contains("freeze") => LockfileKind::Requirements,
            _ => return None,
        };
        Some(kind)
    }

    /// A short name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            LockfileKind::Cargo => "Cargo.lock",
            LockfileKind::Npm => "package-lock.json",
            LockfileKind::Requirements => "requirements.txt",
            LockfileKind::Poetry => "poetry.lock",
            LockfileKind::Gemfile => "Gemfile.lock",
            LockfileKind::GoMod => "go.mod",
        }
    }
}

/// Reads a lockfile of the given kind into an application. Text formats must be UTF-8.
pub fn read(
    kind: LockfileKind,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Application, DocumentError> {
    limits.check_size(bytes.len())?;
    let text = std::str::from_utf8(bytes).map_err(|err| {
        DocumentError::Refused(format!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            kind.as_str(),
            err.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match kind {
        LockfileKind::Cargo => cargo_application(text, limits),
        LockfileKind::Requirements => requirements::read(text, limits),
        LockfileKind::Poetry => poetry::read(text, limits),
        LockfileKind::Gemfile => gemfile::read(text, limits),
        LockfileKind::GoMod => gomod::read(text, limits)?.to_application(limits),
        LockfileKind::Npm => Ok(npm::read(bytes, limits)?.to_application()),
    }
}

/// A `Cargo.lock` as an application: one component per `[[package]]`, referenced as
/// `name@version` (Cargo's own key for a locked package). Only crates.io packages get the
/// `crates.io` ecosystem; git, path and other-registry packages are kept without one.
fn cargo_application(text: &str, limits: &Limits) -> Result<Application, DocumentError> {
    let lockfile = cargo::parse(text)?;
    if lockfile.packages.len() > limits.max_components {
        return Err(DocumentError::Limit {
            what: "number of components".to_owned(),
            limit: limits.max_components,
        });
    }
    let mut application = Application::default();
    let mut seen = std::collections::HashSet::new();
    for (index, package) in lockfile.packages.iter().enumerate() {
        let mut reference = format!("{}@{}", package.name, package.version);
        if !seen.insert(reference.clone()) {
            reference = format!("{reference}#{}", index + 1);
        }
        let crates_io = package.is_crates_io();
        application.components.push(Component {
            reference,
            ecosystem: crates_io.then(|| "crates.io".to_owned()),
            name: package.name.clone(),
            version: Some(package.version.clone()),
            purl: if crates_io {
                purl::build("cargo", &package.name, Some(&package.version))
            } else {
                None
            },
            kind: Some("library".to_owned()),
            ..Component::default()
        });
    }
    Ok(application)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    #[test]
    fn kinds_are_recognised_by_file_name() {
        let cases = [
            ("x/Cargo.lock", Some(LockfileKind::Cargo)),
            ("vaultwarden-1.13.0-Cargo.lock", Some(LockfileKind::Cargo)),
            ("package-lock.json", Some(LockfileKind::Npm)),
            (
                "pygoat-requirements-2021-09.txt",
                Some(LockfileKind::Requirements),
            ),
            ("poetry.lock", Some(LockfileKind::Poetry)),
            ("Gemfile.lock", Some(LockfileKind::Gemfile)),
            ("go.mod", Some(LockfileKind::GoMod)),
            ("notes.txt", None),
        ];
        for (name, kind) in cases {
            assert_eq!(LockfileKind::from_file_name(name), kind, "{name}");
        }
    }

    #[test]
    fn every_shared_lockfile_reads_as_an_application() {
        let cases = [
            ("lockfiles/rust/cargo-audit-0.22.2-Cargo.lock", 0),
            ("lockfiles/rust/vaultwarden-1.13.0-Cargo.lock", 0),
            ("lockfiles/rust/vaultwarden-2026-08-Cargo.lock", 0),
            ("lockfiles/npm/nodejs-goof/package-lock.json", 0),
            ("lockfiles/python/pygoat-requirements-2021-09.txt", 0),
            ("lockfiles/python/pygoat-requirements-2025-04.txt", 0),
        ];
        for (relative, _) in cases {
            let path = test_data::path(relative);
            let bytes = std::fs::read(&path).expect("read lockfile");
            let kind = LockfileKind::from_file_name(relative).expect("kind");
            let application = read(kind, &bytes, &Limits::DEFAULT)
                .unwrap_or_else(|err| panic!("{relative}: {err}"));
            assert!(!application.components.is_empty(), "{relative}");
        }
    }

    #[test]
    fn cargo_components_are_counted_and_keyed_by_name_and_version() {
        let text = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\
                    source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
                    [[package]]\nname = \"me\"\nversion = \"0.1.0\"\n";
        let app = read(LockfileKind::Cargo, text.as_bytes(), &Limits::DEFAULT).expect("read");
        assert_eq!(app.components.len(), 2);
        assert_eq!(app.components[0].reference, "a@1.0.0");
        assert_eq!(app.components[0].ecosystem.as_deref(), Some("crates.io"));
        assert_eq!(app.components[0].purl.as_deref(), Some("pkg:cargo/a@1.0.0"));
        assert_eq!(app.components[1].ecosystem, None);
    }

    #[test]
    fn a_lockfile_that_is_not_utf8_is_refused_with_the_offset() {
        let err = read(LockfileKind::Poetry, b"ab\xff", &Limits::DEFAULT).unwrap_err();
        assert!(err.to_string().contains("offset 2"), "{err}");
    }
}
