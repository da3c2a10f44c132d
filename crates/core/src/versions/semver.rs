//! SemVer 2.0 precedence for crates.io, npm and OSV `SEMVER` ranges, by the `semver` crate.
//!
//! Precedence is what matters for matching: `major.minor.patch`, then the pre-release (a version
//! with one sorts before the same version without), and build metadata ignored, so
//! `1.0.0+a == 1.0.0+b`. The crate's plain `Ord` also orders build metadata, which is why the
//! comparison goes through `cmp_precedence`.
//!
//! What is accepted follows npm's `semver.compare` in its strict (non-loose) mode, which is a
//! superset of what Cargo writes: surrounding whitespace is ignored and one leading `v` is
//! allowed (`v1.2.3 == 1.2.3`), while `=1.2.3`, a missing component (`1.2`), leading zeros
//! (`01.2.3`, `1.2.3-01`) and empty identifiers are refused. Numbers may be as large as `u64`;
//! npm refuses components above 2^53 - 1, which no real package uses.

use std::cmp::Ordering;

use semver::Version;

use super::{Scheme, VersionError};

/// Compares two SemVer versions by precedence.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(a)?;
    let b = parse(b)?;
    Ok(a.cmp_precedence(&b))
}

fn parse(input: &str) -> Result<Version, VersionError> {
    let trimmed = input.trim();
    let bare = trimmed.strip_prefix('v').unwrap_or(trimmed);
    Version::parse(bare).map_err(|err| VersionError {
        scheme: Scheme::Semver,
        version: input.to_owned(),
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::compare;

    #[test]
    fn orders_by_semver_precedence() {
        let cases = [
            ("1.0.0", "1.0.0", Equal),
            ("1.0.0", "2.0.0", Less),
            ("2.0.0", "2.1.0", Less),
            ("2.1.0", "2.1.1", Less),
            ("1.9.0", "1.10.0", Less),
            ("1.0.0-alpha", "1.0.0", Less),
            ("1.0.0-alpha", "1.0.0-alpha.1", Less),
            ("1.0.0-alpha.1", "1.0.0-alpha.beta", Less),
            ("1.0.0-alpha.beta", "1.0.0-beta", Less),
            ("1.0.0-beta", "1.0.0-beta.2", Less),
            ("1.0.0-beta.2", "1.0.0-beta.11", Less),
            ("1.0.0-beta.11", "1.0.0-rc.1", Less),
            ("1.0.0-rc.1", "1.0.0", Less),
            ("1.0.0-1", "1.0.0-a", Less),
            ("1.0.0-9", "1.0.0-10", Less),
            ("1.0.0-a10", "1.0.0-a9", Less),
            ("1.0.0-B", "1.0.0-a", Less),
            ("1.0.0-x-y", "1.0.0-x", Greater),
            ("1.0.0+build.1", "1.0.0+build.2", Equal),
            ("1.0.0+zzz", "1.0.0", Equal),
            ("1.0.0-rc.1+build", "1.0.0-rc.1", Equal),
            ("v1.2.3", "1.2.3", Equal),
            (" 1.2.3 ", "1.2.3", Equal),
            ("0.0.0-20191109021931-daa7c04131f5", "0.0.1", Less),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare(a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn refuses_what_strict_npm_refuses() {
        for bad in [
            "",
            "1",
            "1.2",
            "=1.2.3",
            "vv1.2.3",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3-a..b",
            "1.2.3+",
            "1.2.3 beta",
            "^1.2.3",
            "1.2.x",
        ] {
            let err = compare(bad, "1.0.0").expect_err(bad);
            assert_eq!(err.version, bad);
        }
    }
}
