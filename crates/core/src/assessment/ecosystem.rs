//! Ecosystem and package names as each ecosystem compares them.
//!
//! An advisory names a package by (ecosystem, name) as its publisher spelled them; an inventory
//! or a lockfile names it as the package manager did. Both go through this module before they
//! are compared, so that `Debian:12` splits into the ecosystem `Debian` and the release `12`,
//! `pypi` reads as `PyPI`, and `Django`, `django` and `DJANGO` are one PyPI project.
//!
//! The rules per ecosystem, and why:
//!
//! - **PyPI**: PEP 503 normalisation — lower case, and every run of `-`, `_` and `.` becomes one
//!   `-`. PyPI itself treats names that normalise alike as one project.
//! - **crates.io**: lower case, and `_` reads as `-`. crates.io refuses to publish a name that
//!   differs from an existing one only in case or in `-` versus `_`, so this folding can never
//!   merge two real crates, while it absorbs a feed or lockfile that spells a name differently
//!   from its canonical form. (cargo-audit compares exact names; on real data both agree,
//!   because RustSec and Cargo.lock both use the published spelling.)
//! - **NuGet** and **Packagist**: lower case; both registries compare ids case-insensitively.
//! - **npm**: as published. Scoped names (`@scope/name`) are one name; new names must be lower
//!   case, but legacy names with capitals (`JSONStream`) are distinct packages, so case is kept.
//! - **Go** module paths, **Maven** `groupId:artifactId`, **RubyGems**, and distribution source
//!   packages (**Debian**, **Ubuntu**, **Alpine**, RPM distributions): as published, since
//!   those names are case-sensitive.
//!
//! Leading and trailing white space is never part of a name.

use std::borrow::Cow;
use std::fmt;

/// The ecosystems OSV defines, spelled as OSV spells them.
const KNOWN: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GIT",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "TuxCare",
    "Ubuntu",
    "VSCode",
    "Wolfi",
];

/// An OSV ecosystem name split into its base ecosystem and its optional release
/// (`Debian:12` → `Debian` + `12`; `Ubuntu:22.04:LTS` → `Ubuntu` + `22.04:LTS`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ecosystem {
    base: String,
    release: Option<String>,
}

impl Ecosystem {
    /// Reads an ecosystem name. A known base is spelled as OSV spells it whatever the case it
    /// came in (`pypi` → `PyPI`); an unknown base is kept as given, trimmed. Everything after
    /// the first `:` is the release; an empty release is none.
    pub fn parse(ecosystem: &str) -> Ecosystem {
        let (base, release) = match ecosystem.split_once(':') {
            Some((base, release)) => (base.trim(), Some(release.trim())),
            None => (ecosystem.trim(), None),
        };
        let base = KNOWN
            .iter()
            .find(|known| known.eq_ignore_ascii_case(base))
            .map_or_else(|| base.to_owned(), |known| (*known).to_owned());
        let release = release.filter(|r| !r.is_empty()).map(str::to_owned);
        Ecosystem { base, release }
    }

    /// The base ecosystem, as OSV spells it when known (`Debian`, `crates.io`, `PyPI`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The release part, if any (`12` in `Debian:12`, `v3.18` in `Alpine:v3.18`).
    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }

    /// Whether OSV defines this base ecosystem.
    pub fn is_known(&self) -> bool {
        KNOWN.contains(&self.base.as_str())
    }

    /// Whether an advisory's ecosystem (`self`) covers a package from `package`'s ecosystem.
    ///
    /// The bases must be equal. An advisory without a release covers every release; one with a
    /// release covers only a package from the same release, compared by [`same_release`] — a
    /// package whose release is unknown is not covered, since release-scoped records carry
    /// that release's own package versions.
    pub fn covers(&self, package: &Ecosystem) -> bool {
        if self.base != package.base {
            return false;
        }
        match (&self.release, &package.release) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(ours), Some(theirs)) => same_release(&self.base, ours, theirs),
        }
    }

    /// A package name in the form this ecosystem compares names in (see the module docs).
    pub fn normalize_name<'a>(&self, name: &'a str) -> Cow<'a, str> {
        normalize_name(&self.base, name)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.release {
            Some(release) => write!(f, "{}:{release}", self.base),
            None => f.write_str(&self.base),
        }
    }
}

/// A package name in the form the base ecosystem `base` compares names in.
pub fn normalize_name<'a>(base: &str, name: &'a str) -> Cow<'a, str> {
    let name = name.trim();
    match base {
        "PyPI" => Cow::Owned(pep503(name)),
        "crates.io" => fold(name, |c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        }),
        "NuGet" | "Packagist" => fold(name, |c| c.to_ascii_lowercase()),
        _ => Cow::Borrowed(name),
    }
}

/// Whether two spellings of a release of the base ecosystem `base` name the same release.
///
/// Hosts report releases as os-release gives them (`VERSION_ID`), feeds as OSV spells them:
///
/// - Debian, AlmaLinux, Rocky Linux, Mageia: the major number decides (`12` = `12.5`).
/// - Alpine: major.minor decides, with or without the `v` (`v3.18` = `3.18.4`).
/// - Ubuntu: the `YY.MM` part decides (`22.04:LTS` = `22.04`, `Pro:18.04:LTS` = `18.04`).
/// - Any other: exact equality.
pub fn same_release(base: &str, a: &str, b: &str) -> bool {
    release_key(base, a) == release_key(base, b)
}

/// The part of a release of `base` that names it (see [`same_release`]).
fn release_key<'a>(base: &str, release: &'a str) -> &'a str {
    let release = release.trim();
    match base {
        "Debian" | "AlmaLinux" | "Rocky Linux" | "Mageia" => leading_parts(release, 1),
        "Alpine" => leading_parts(release.trim_start_matches('v'), 2),
        "Ubuntu" => release
            .split(':')
            .find(|part| part.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or(release),
        _ => release,
    }
}

/// The first `n` dot-separated parts of a release (`n` ≥ 1): all of it up to its `n`th dot.
fn leading_parts(release: &str, n: usize) -> &str {
    match release.match_indices('.').nth(n - 1) {
        Some((dot, _)) => &release[..dot],
        None => release,
    }
}

/// PEP 503: lower case, and runs of `-`, `_`, `.` become one `-`.
fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// Maps each character, borrowing when nothing changes.
fn fold(name: &str, map: impl Fn(char) -> char) -> Cow<'_, str> {
    if name.chars().all(|c| map(c) == c) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(name.chars().map(map).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystem_names_split_into_base_and_release() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("Debian:12", "Debian", Some("12")),
            ("Debian", "Debian", None),
            ("debian:12", "Debian", Some("12")),
            ("Alpine:v3.18", "Alpine", Some("v3.18")),
            ("AlmaLinux:8", "AlmaLinux", Some("8")),
            ("Ubuntu:22.04:LTS", "Ubuntu", Some("22.04:LTS")),
            ("Ubuntu:Pro:18.04:LTS", "Ubuntu", Some("Pro:18.04:LTS")),
            (
                "Maven:https://maven.google.com",
                "Maven",
                Some("https://maven.google.com"),
            ),
            ("crates.io", "crates.io", None),
            ("CRATES.IO", "crates.io", None),
            ("pypi", "PyPI", None),
            ("NPM", "npm", None),
            ("go", "Go", None),
            ("rubygems", "RubyGems", None),
            ("rocky linux:9", "Rocky Linux", Some("9")),
            ("Debian:", "Debian", None),
            (" Go ", "Go", None),
            ("Homebrew", "Homebrew", None),
        ];
        for (input, base, release) in cases {
            let ecosystem = Ecosystem::parse(input);
            assert_eq!(ecosystem.base(), *base, "{input}");
            assert_eq!(ecosystem.release(), *release, "{input}");
        }
        assert!(Ecosystem::parse("pypi").is_known());
        assert!(!Ecosystem::parse("Homebrew").is_known());
        assert_eq!(Ecosystem::parse("debian:12").to_string(), "Debian:12");
    }

    #[test]
    fn an_advisory_release_covers_only_that_release_and_none_covers_all() {
        let cases: &[(&str, &str, bool)] = &[
            ("Debian:12", "Debian:12", true),
            ("Debian:12", "Debian:11", false),
            ("Debian:12", "Debian:12.5", true),
            ("Debian:12", "Debian", false),
            ("Debian", "Debian:12", true),
            ("Debian", "Debian", true),
            ("Debian", "Ubuntu:22.04", false),
            ("Alpine:v3.18", "Alpine:3.18.4", true),
            ("Alpine:v3.18", "Alpine:v3.18", true),
            ("Alpine:v3.18", "Alpine:3.19.0", false),
            ("Alpine:v3.1", "Alpine:3.18", false),
            ("AlmaLinux:8", "AlmaLinux:8.9", true),
            ("AlmaLinux:8", "AlmaLinux:9.3", false),
            ("Ubuntu:22.04:LTS", "Ubuntu:22.04", true),
            ("Ubuntu:Pro:18.04:LTS", "Ubuntu:18.04", true),
            ("Ubuntu:22.04:LTS", "Ubuntu:24.04", false),
            ("crates.io", "crates.io", true),
            ("crates.io", "npm", false),
            ("openSUSE:Leap 15.5", "openSUSE:Leap 15.5", true),
            ("openSUSE:Leap 15.5", "openSUSE:Leap 15.6", false),
        ];
        for (advisory, package, expected) in cases {
            let covers = Ecosystem::parse(advisory).covers(&Ecosystem::parse(package));
            assert_eq!(covers, *expected, "{advisory} covers {package}");
        }
    }

    #[test]
    fn package_names_are_normalised_per_ecosystem() {
        let cases: &[(&str, &str, &str)] = &[
            // PEP 503.
            ("PyPI", "Django", "django"),
            ("PyPI", "zope.interface", "zope-interface"),
            ("PyPI", "Foo__Bar-.baz", "foo-bar-baz"),
            ("PyPI", "typing_extensions", "typing-extensions"),
            ("PyPI", " requests ", "requests"),
            // crates.io: case and `-`/`_` folded.
            ("crates.io", "serde_json", "serde-json"),
            ("crates.io", "Inflector", "inflector"),
            ("crates.io", "tokio", "tokio"),
            // npm: scopes kept whole, case kept.
            ("npm", "@babel/core", "@babel/core"),
            ("npm", "JSONStream", "JSONStream"),
            // Maven, Go, RubyGems, distributions: as published.
            (
                "Maven",
                "org.apache.logging.log4j:log4j-core",
                "org.apache.logging.log4j:log4j-core",
            ),
            (
                "Go",
                "github.com/BurntSushi/toml",
                "github.com/BurntSushi/toml",
            ),
            ("RubyGems", "ActiveRecord", "ActiveRecord"),
            ("Debian", "openssl", "openssl"),
            ("Alpine", "py3-pip", "py3-pip"),
            // Case-insensitive registries.
            ("NuGet", "Newtonsoft.Json", "newtonsoft.json"),
            ("Packagist", "Symfony/HTTP-Kernel", "symfony/http-kernel"),
        ];
        for (base, name, expected) in cases {
            assert_eq!(normalize_name(base, name), *expected, "{base} {name}");
        }
    }

    #[test]
    fn crate_names_differing_only_by_dash_or_underscore_are_one_crate() {
        let crates = Ecosystem::parse("crates.io");
        assert_eq!(
            crates.normalize_name("serde_json"),
            crates.normalize_name("serde-json")
        );
        let npm = Ecosystem::parse("npm");
        assert_ne!(
            npm.normalize_name("left_pad"),
            npm.normalize_name("left-pad")
        );
    }

    #[test]
    fn unchanged_names_are_borrowed() {
        assert!(matches!(
            normalize_name("crates.io", "tokio"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(normalize_name("npm", "@a/b"), Cow::Borrowed(_)));
    }
}
