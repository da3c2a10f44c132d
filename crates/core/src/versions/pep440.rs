//! PEP 440 version ordering for Python packages, by the `pep440_rs` crate.
//!
//! Versions are normalised before they are compared (`1.0 == 1.0.0`, `1.0alpha1 == 1.0a1`,
//! `v1.0 == 1.0`); pre-, post- and development releases and local versions order as PEP 440
//! says. A string PEP 440 does not accept (legacy versions such as `2004d`) is refused rather
//! than guessed at.

use std::cmp::Ordering;
use std::str::FromStr;

use pep440_rs::Version;

use super::{Scheme, VersionError};

/// Compares two PEP 440 versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(a)?;
    let b = parse(b)?;
    Ok(a.cmp(&b))
}

fn parse(input: &str) -> Result<Version, VersionError> {
    Version::from_str(input).map_err(|err| VersionError {
        scheme: Scheme::Pep440,
        version: input.to_owned(),
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::compare;

    #[test]
    fn orders_by_pep440() {
        let cases = [
            ("1.0", "1.0.0", Equal),
            ("1.0.0.0", "1", Equal),
            ("1.0alpha1", "1.0a1", Equal),
            ("1.0RC1", "1.0rc1", Equal),
            ("1.0c1", "1.0rc1", Equal),
            ("1.0-1", "1.0.post1", Equal),
            ("1.0-beta-2", "1.0b2", Equal),
            ("v1.0", "1.0", Equal),
            ("1.0.dev1", "1.0a1", Less),
            ("1.0a1", "1.0b1", Less),
            ("1.0b1", "1.0rc1", Less),
            ("1.0rc1", "1.0", Less),
            ("1.0a1.dev1", "1.0a1", Less),
            ("1.0", "1.0.post1", Less),
            ("1.0.post1.dev1", "1.0.post1", Less),
            ("1.0", "1.0+local", Less),
            ("1.0+abc", "1.0+1", Less),
            ("1.0+1.2", "1.0+1.10", Less),
            ("1!0.1", "2.0", Greater),
            ("2.0", "10.0", Less),
            ("2.31.0", "2.32.3", Less),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare(a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn refuses_versions_pep440_does_not_define() {
        for bad in ["", "not-a-version", "1.0.x", "2004d", "1.0..1", "1.*"] {
            let err = compare(bad, "1.0").expect_err(bad);
            assert_eq!(err.version, bad);
            assert!(!err.reason.is_empty());
        }
    }
}
