//! rpm version ordering: epoch, version and release, with `~` before and `^` after.
//!
//! The ordering itself is the `rpm-version` crate's, which follows rpm's `rpmvercmp`. This
//! module first checks the string is one rpm could have produced, because the crate reads
//! anything and would silently misplace, say, a non-numeric epoch or a second hyphen (rpm
//! splits the release at the last hyphen, the crate at the first): the epoch, when present,
//! is decimal digits; version and release are non-empty and use only ASCII letters, digits
//! and `._+~^`, the characters rpmbuild allows in them.

use std::cmp::Ordering;

use rpm_version::Evr;

use super::{Scheme, VersionError};

/// Compares two rpm versions (`[epoch:]version[-release]`).
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(a)?;
    let b = parse(b)?;
    Ok(a.cmp(&b))
}

/// Checks an EVR string and parses it.
fn parse(input: &str) -> Result<Evr<'_>, VersionError> {
    let refuse = |reason: String| VersionError {
        scheme: Scheme::Rpm,
        version: input.to_owned(),
        reason,
    };

    let (epoch, rest) = input.split_once(':').unwrap_or(("", input));
    if input.contains(':') && (epoch.is_empty() || !epoch.bytes().all(|c| c.is_ascii_digit())) {
        return Err(refuse(format!("epoch {epoch:?} is not a decimal number")));
    }

    let (version, release) = match rest.split_once('-') {
        Some((version, release)) => (version, Some(release)),
        None => (rest, None),
    };
    check_field("version", version).map_err(&refuse)?;
    if let Some(release) = release {
        check_field("release", release).map_err(&refuse)?;
    }

    Ok(Evr::parse(input))
}

fn check_field(field: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("the {field} is empty"));
    }
    match value
        .chars()
        .find(|&c| !c.is_ascii_alphanumeric() && !"._+~^".contains(c))
    {
        Some(c) => Err(format!(
            "the {field} contains {c:?}, which rpm does not allow"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::compare;

    #[test]
    fn orders_like_rpmvercmp() {
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "1.0.1", Less),
            ("1.01", "1.1", Equal),
            ("10", "9", Greater),
            ("1.0a", "1.0", Greater),
            ("1.a", "1.0", Less),
            ("5.5p1", "5.5p2", Less),
            ("1_0", "1.0", Equal),
            ("1:1.0", "2.0", Greater),
            ("0:1.0", "1.0", Equal),
            ("2:1.0-1.el9", "10:0.1-1.el9", Less),
            ("1.0-1.el9", "1.0-2.el9", Less),
            ("1.0-1.el9_2", "1.0-1.el9_10", Less),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0~~", "1.0~", Less),
            ("1.0^", "1.0", Greater),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("1.0^20160101^git1", "1.0^20160101^git2", Less),
            ("1.0~rc1^git1", "1.0~rc1", Greater),
            ("1.0^git1~pre", "1.0^git1", Less),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare(a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn refuses_strings_rpm_could_not_have_produced() {
        for bad in [
            "", "a:1.0", ":1.0", "1.0-", "-1", "1.0-1-2", "1.0 beta", "1,0", "1.0/2",
        ] {
            assert!(compare(bad, "1.0").is_err(), "{bad:?} should be refused");
        }
    }
}
