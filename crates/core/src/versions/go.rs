//! Go module versions, ordered as the Go toolchain orders them (`golang.org/x/mod/semver`).
//!
//! A Go version is SemVer with a leading `v`: `v1.2.3`, `v1.2.3-rc.1`, and the shorthands
//! `v1` and `v1.2`, which mean `v1.0.0` and `v1.2.0`. Pseudo-versions such as
//! `v0.0.0-20191109021931-daa7c04131f5` are ordinary pre-releases and need no rule of their own.
//! Build metadata, notably `+incompatible`, does not take part in the order. Numbers compare by
//! value however long they are.
//!
//! Two decisions depart from the toolchain on purpose. Go sorts every invalid version before
//! every valid one and calls two invalid versions equal; Steward refuses an invalid version
//! with a [`VersionError`] instead, because placing it below everything would put it inside
//! every `introduced`/`fixed` range. And OSV's Go records often write versions without the
//! `v` (`1.2.3`), so the `v` may be left out.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// Compares two Go module versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(a)?;
    let b = parse(b)?;
    Ok(a.cmp(&b))
}

/// The parts of a Go version that take part in its order, borrowed from the input.
#[derive(Debug, PartialEq, Eq)]
struct GoVersion<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    /// Pre-release identifiers; empty for a release.
    pre: Vec<&'a str>,
}

impl Ord for GoVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_numbers(self.major, other.major)
            .then_with(|| compare_numbers(self.minor, other.minor))
            .then_with(|| compare_numbers(self.patch, other.patch))
            .then_with(|| compare_prereleases(&self.pre, &other.pre))
    }
}

impl PartialOrd for GoVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn parse(input: &str) -> Result<GoVersion<'_>, VersionError> {
    parse_parts(input.strip_prefix('v').unwrap_or(input)).map_err(|reason| VersionError {
        scheme: Scheme::Go,
        version: input.to_owned(),
        reason: reason.to_owned(),
    })
}

const BAD_BUILD: &str =
    "the build metadata has an empty identifier or a character other than [0-9A-Za-z-]";
const BAD_PRERELEASE: &str =
    "the pre-release has an empty identifier or a character other than [0-9A-Za-z-]";

fn parse_parts(rest: &str) -> Result<GoVersion<'_>, &'static str> {
    let (core, build) = match rest.split_once('+') {
        Some((core, build)) => (core, Some(build)),
        None => (rest, None),
    };
    if let Some(build) = build {
        identifiers(build, BAD_BUILD)?;
    }
    let (numbers, pre) = match core.split_once('-') {
        Some((numbers, pre)) => (numbers, identifiers(pre, BAD_PRERELEASE)?),
        None => (core, Vec::new()),
    };
    if pre
        .iter()
        .any(|id| id.len() > 1 && is_number(id) && id.starts_with('0'))
    {
        return Err("a numeric pre-release identifier has a leading zero");
    }

    let mut parts = numbers.split('.');
    let major = number(parts.next())?;
    let minor = parts.next().map(|part| number(Some(part))).transpose()?;
    let patch = parts.next().map(|part| number(Some(part))).transpose()?;
    if parts.next().is_some() {
        return Err("it has more than three numbers");
    }
    if patch.is_none() && (!pre.is_empty() || build.is_some()) {
        return Err("a shorthand version (v1, v1.2) cannot have a pre-release or build suffix");
    }
    Ok(GoVersion {
        major,
        minor: minor.unwrap_or("0"),
        patch: patch.unwrap_or("0"),
        pre,
    })
}

/// A major, minor or patch number: decimal digits without a leading zero.
fn number(part: Option<&str>) -> Result<&str, &'static str> {
    match part {
        Some(digits) if is_number(digits) && (digits == "0" || !digits.starts_with('0')) => {
            Ok(digits)
        }
        Some(_) => Err("a version number is not a decimal number without leading zeros"),
        None => Err("it has no version number"),
    }
}

/// Dot-separated, non-empty identifiers of ASCII letters, digits and hyphens; `refusal` when not.
fn identifiers<'a>(text: &'a str, refusal: &'static str) -> Result<Vec<&'a str>, &'static str> {
    let ids: Vec<&str> = text.split('.').collect();
    let valid =
        |id: &&str| !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
    if ids.iter().all(valid) {
        Ok(ids)
    } else {
        Err(refusal)
    }
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|c| c.is_ascii_digit())
}

/// Decimal numbers without leading zeros: the longer is the larger, else compare digit by digit.
fn compare_numbers(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn compare_prereleases(a: &[&str], b: &[&str]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    for (x, y) in a.iter().zip(b) {
        let order = match (is_number(x), is_number(y)) {
            (true, true) => compare_numbers(x, y),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::compare;

    #[test]
    fn orders_like_the_go_toolchain() {
        let cases = [
            ("v1.2.3", "v1.2.3", Equal),
            ("v1", "v1.0.0", Equal),
            ("v1.2", "v1.2.0", Equal),
            ("v1.2", "v1.10", Less),
            ("v1.9.9", "v1.10.0", Less),
            ("v2.0.0", "v10.0.0", Less),
            ("v1.0.0-rc.1", "v1.0.0", Less),
            ("v1.0.0-alpha", "v1.0.0-alpha.1", Less),
            ("v1.0.0-alpha.1", "v1.0.0-alpha.beta", Less),
            ("v1.0.0-beta.2", "v1.0.0-beta.11", Less),
            ("v1.0.0-1", "v1.0.0-a", Less),
            ("v1.0.0-Z", "v1.0.0-a", Less),
            (
                "v1.0.0-99999999999999999999",
                "v1.0.0-100000000000000000000",
                Less,
            ),
            (
                "v99999999999999999999.0.0",
                "v100000000000000000000.0.0",
                Less,
            ),
            ("v2.0.0+incompatible", "v2.0.0", Equal),
            ("v2.0.0+incompatible", "v2.0.1", Less),
            ("v1.0.0+build.1", "v1.0.0+build.2", Equal),
            ("1.2.3", "v1.2.3", Equal),
            ("0", "v0.0.0", Equal),
            // Pseudo-versions: before the release they precede, ordered by their timestamp.
            ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", Less),
            (
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-000000000000",
                Less,
            ),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", Greater),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", Less),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre", Less),
            (
                "v1.2.3-pre.0.20191109021931-daa7c04131f5",
                "v1.2.3-pre",
                Greater,
            ),
            (
                "v1.2.3-pre.0.20191109021931-daa7c04131f5",
                "v1.2.3-pre.1",
                Less,
            ),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare(a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn refuses_what_the_go_toolchain_calls_invalid() {
        for bad in [
            "",
            "v",
            "vv1.0.0",
            "V1.0.0",
            "v01.0.0",
            "v1.02.0",
            "v1.0.0.0",
            "v1.0.0-01",
            "v1.0.0-",
            "v1.0.0-a..b",
            "v1.0.0+",
            "v1.0.0-a_b",
            "v1-pre",
            "v1.2-pre",
            "v1.2+meta",
            "v1.",
            "v1..2",
            "v1.0.0 ",
            "vx.y.z",
            "latest",
        ] {
            let err = compare(bad, "v1.0.0").expect_err(bad);
            assert_eq!(err.version, bad);
        }
    }
}
