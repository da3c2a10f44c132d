//! Versions: each ecosystem orders its versions by its own rules, and Steward follows them.
//!
//! A wrong answer here is a false alarm or a missed vulnerability, so every scheme is tested
//! against the ecosystem's own implementation where one runs here (dpkg, rpm, Python's
//! `packaging`, npm's `semver`, Maven's `ComparableVersion`) on real versions from the data.
//!
//! A string a scheme cannot read is a [`VersionError`], never a guess: the caller decides
//! whether that means "unknown" or "report it".

use std::cmp::Ordering;

/// A version ordering scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Debian and Ubuntu: dpkg's epoch, upstream and revision with `~`.
    Dpkg,
    /// RPM-based distributions: epoch, version, release with `~` and `^`.
    Rpm,
    /// Python packages: PEP 440.
    Pep440,
    /// SemVer 2.0 precedence: crates.io, npm, and OSV ranges of type `SEMVER` in any ecosystem.
    Semver,
    /// Go modules: SemVer with a `v`, shorthands `v1`/`v1.2`, `+incompatible` ignored.
    Go,
    /// Maven: `ComparableVersion`'s items, qualifiers and trimming.
    Maven,
    /// RubyGems: `Gem::Version`, where a letter segment makes a pre-release.
    RubyGems,
    /// Alpine packages: apk-tools' numbers, letter, `_` suffixes and `-r` revision.
    Apk,
}

/// A version string that its scheme cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{scheme:?} version {version:?} is not valid: {reason}")]
pub struct VersionError {
    /// The scheme that refused it.
    pub scheme: Scheme,
    /// The version string, as given.
    pub version: String,
    /// Why it was refused.
    pub reason: String,
}

impl Scheme {
    /// The scheme an OSV ecosystem name uses, if Steward knows it.
    ///
    /// The release after a colon is ignored (`Debian:12`, `Alpine:v3.20` and `Ubuntu:22.04:LTS`
    /// order versions as `Debian`, `Alpine` and `Ubuntu` do). Names are matched exactly as OSV
    /// spells them.
    pub fn for_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        match base {
            "Debian" | "Ubuntu" => Some(Scheme::Dpkg),
            "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openSUSE" | "SUSE" | "Mageia" => {
                Some(Scheme::Rpm)
            }
            "PyPI" => Some(Scheme::Pep440),
            "crates.io" | "npm" => Some(Scheme::Semver),
            "Go" => Some(Scheme::Go),
            "Maven" => Some(Scheme::Maven),
            "RubyGems" => Some(Scheme::RubyGems),
            "Alpine" => Some(Scheme::Apk),
            _ => None,
        }
    }

    /// Compares two versions by this scheme's rules.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        match self {
            Scheme::Dpkg => dpkg::compare(a, b),
            Scheme::Rpm => rpm::compare(a, b),
            Scheme::Pep440 => pep440::compare(a, b),
            Scheme::Semver => semver::compare(a, b),
            Scheme::Go => go::compare(a, b),
            Scheme::Maven => maven::compare(a, b),
            Scheme::RubyGems => rubygems::compare(a, b),
            Scheme::Apk => apk::compare(a, b),
        }
    }
}

mod apk;
mod dpkg;
mod go;
mod maven;
mod pep440;
mod rpm;
mod rubygems;
mod semver;

#[cfg(test)]
mod tests {
    use super::Scheme;

    #[test]
    fn maps_osv_ecosystem_names_to_schemes() {
        let cases = [
            ("Debian", Scheme::Dpkg),
            ("Debian:12", Scheme::Dpkg),
            ("Ubuntu:22.04:LTS", Scheme::Dpkg),
            ("AlmaLinux:9", Scheme::Rpm),
            ("Rocky Linux:8", Scheme::Rpm),
            ("Red Hat", Scheme::Rpm),
            ("openSUSE", Scheme::Rpm),
            ("SUSE", Scheme::Rpm),
            ("PyPI", Scheme::Pep440),
            ("crates.io", Scheme::Semver),
            ("npm", Scheme::Semver),
            ("Go", Scheme::Go),
            ("Maven", Scheme::Maven),
            ("RubyGems", Scheme::RubyGems),
            ("Alpine:v3.20", Scheme::Apk),
        ];
        for (ecosystem, scheme) in cases {
            assert_eq!(
                Scheme::for_ecosystem(ecosystem),
                Some(scheme),
                "{ecosystem}"
            );
        }
        assert_eq!(Scheme::for_ecosystem("GIT"), None);
        assert_eq!(Scheme::for_ecosystem("pypi"), None);
    }
}
