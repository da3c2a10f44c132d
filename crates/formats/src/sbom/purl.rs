//! Package URLs: parsed with the `packageurl` crate, mapped to OSV ecosystems and to the
//! package name each ecosystem uses.
//!
//! The OSV ecosystem follows from the purl type, and for distribution packages from its
//! namespace (`pkg:deb/debian/…` is Debian, `pkg:rpm/almalinux/…` is AlmaLinux). A type or
//! distribution OSV has no ecosystem for yields `None`: the component is kept, unassessed.

use std::str::FromStr;

use packageurl::PackageUrl;

/// A parsed package URL with what assessment needs from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPurl {
    /// OSV ecosystem, when the purl type (and namespace) maps to one.
    pub ecosystem: Option<String>,
    /// The package name as its ecosystem spells it (see [`package_name`]).
    pub name: String,
    /// The version, when the purl has one.
    pub version: Option<String>,
}

/// Parses a purl, or says why it is not one.
pub fn parse(purl: &str) -> Result<ParsedPurl, String> {
    let parsed = PackageUrl::from_str(purl).map_err(|err| format!("invalid purl: {err}"))?;
    Ok(ParsedPurl {
        ecosystem: osv_ecosystem(&parsed),
        name: package_name(&parsed),
        version: parsed.version().map(str::to_owned),
    })
}

/// The OSV ecosystem of a purl, from its type and, for distribution packages, namespace.
pub fn osv_ecosystem(purl: &PackageUrl<'_>) -> Option<String> {
    let namespace = purl.namespace().map(str::to_ascii_lowercase);
    let ecosystem = match purl.ty() {
        "cargo" => "crates.io",
        "pypi" => "PyPI",
        "npm" => "npm",
        "maven" => "Maven",
        "golang" => "Go",
        "gem" => "RubyGems",
        "nuget" => "NuGet",
        "composer" => "Packagist",
        "hex" => "Hex",
        "pub" => "Pub",
        "hackage" => "Hackage",
        "cran" => "CRAN",
        "swift" => "SwiftURL",
        "conan" => "ConanCenter",
        "bitnami" => "Bitnami",
        "deb" => deb_ecosystem(namespace.as_deref()?)?,
        "rpm" => rpm_ecosystem(namespace.as_deref()?)?,
        "apk" => apk_ecosystem(namespace.as_deref()?)?,
        _ => return None,
    };
    Some(ecosystem.to_owned())
}

fn deb_ecosystem(namespace: &str) -> Option<&'static str> {
    match namespace {
        "debian" => Some("Debian"),
        "ubuntu" => Some("Ubuntu"),
        _ => None,
    }
}

fn rpm_ecosystem(namespace: &str) -> Option<&'static str> {
    match namespace {
        "redhat" => Some("Red Hat"),
        "almalinux" => Some("AlmaLinux"),
        "rocky" | "rocky-linux" => Some("Rocky Linux"),
        "opensuse" => Some("openSUSE"),
        "suse" | "sles" => Some("SUSE"),
        "mageia" => Some("Mageia"),
        "openeuler" => Some("openEuler"),
        _ => None,
    }
}

fn apk_ecosystem(namespace: &str) -> Option<&'static str> {
    match namespace {
        "alpine" => Some("Alpine"),
        "wolfi" => Some("Wolfi"),
        "chainguard" => Some("Chainguard"),
        _ => None,
    }
}

/// The package name as its ecosystem (and OSV) spells it: `group:artifact` for Maven,
/// `@scope/name` for npm, the full module path for Go, `vendor/name` for Composer, and the
/// bare name elsewhere (a deb, rpm or apk namespace names the distribution, not the package).
pub fn package_name(purl: &PackageUrl<'_>) -> String {
    let name = purl.name();
    match (purl.ty(), purl.namespace()) {
        ("maven", Some(group)) => format!("{group}:{name}"),
        ("npm" | "golang" | "composer" | "swift", Some(namespace)) => {
            format!("{namespace}/{name}")
        }
        _ => name.to_owned(),
    }
}

/// Builds the purl of a registry package: `pkg:TYPE/NAME@VERSION`, with a namespace where
/// the name carries one (`@scope/name` for npm, the module path for Go). `None` when the
/// parts do not make a valid purl.
pub fn build(ty: &str, name: &str, version: Option<&str>) -> Option<String> {
    let (namespace, short) = match ty {
        "npm" | "golang" => match name.rsplit_once('/') {
            Some((namespace, short)) => (Some(namespace), short),
            None => (None, name),
        },
        _ => (None, name),
    };
    let mut purl = PackageUrl::new(ty.to_owned(), short.to_owned()).ok()?;
    if let Some(namespace) = namespace {
        purl.with_namespace(namespace.to_owned()).ok()?;
    }
    if let Some(version) = version {
        purl.with_version(version.to_owned()).ok()?;
    }
    Some(purl.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_follow_type_and_distribution() {
        let cases = [
            ("pkg:cargo/serde@1.0.0", Some("crates.io"), "serde"),
            ("pkg:pypi/django@4.2", Some("PyPI"), "django"),
            ("pkg:npm/%40babel/core@7.0.0", Some("npm"), "@babel/core"),
            (
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                Some("Maven"),
                "org.apache.logging.log4j:log4j-core",
            ),
            (
                "pkg:golang/github.com/gorilla/mux@v1.8.0",
                Some("Go"),
                "github.com/gorilla/mux",
            ),
            ("pkg:gem/nokogiri@1.13.0", Some("RubyGems"), "nokogiri"),
            (
                "pkg:deb/debian/openssl@3.0.11-1?arch=amd64",
                Some("Debian"),
                "openssl",
            ),
            ("pkg:rpm/almalinux/bash@5.1", Some("AlmaLinux"), "bash"),
            ("pkg:rpm/fedora/bash@5.1", None, "bash"),
            ("pkg:apk/alpine/musl@1.2.4-r2", Some("Alpine"), "musl"),
            ("pkg:generic/openssl@3.0", None, "openssl"),
        ];
        for (purl, ecosystem, name) in cases {
            let parsed = parse(purl).expect(purl);
            assert_eq!(parsed.ecosystem.as_deref(), ecosystem, "{purl}");
            assert_eq!(parsed.name, name, "{purl}");
        }
    }

    #[test]
    fn invalid_purl_is_named() {
        let err = parse("not-a-purl").expect_err("no scheme");
        assert!(err.starts_with("invalid purl"), "{err}");
    }

    #[test]
    fn built_purls_carry_namespaces() {
        assert_eq!(
            build("npm", "@babel/core", Some("7.0.0")).as_deref(),
            Some("pkg:npm/%40babel/core@7.0.0")
        );
        assert_eq!(
            build("golang", "golang.org/x/text", Some("v0.3.7")).as_deref(),
            Some("pkg:golang/golang.org/x/text@v0.3.7")
        );
    }
}
