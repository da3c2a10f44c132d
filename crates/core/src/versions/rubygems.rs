//! RubyGems version ordering, as `Gem::Version` orders versions.
//!
//! A gem version is numbers and letters separated by dots (`1.2.3`, `2.0.0.rc1`); a `-` reads
//! as `.pre.`, so `1.0-1 == 1.0.pre.1`. The version is cut into segments, each a run of digits (a number of any size) or
//! a run of letters (compared byte by byte, case kept). The first letter segment makes the
//! version a pre-release: a letter segment sorts before any number and before nothing, so
//! `1.0.a < 1.0 < 1.0.1`. Zeros at the end of the release part and at the end of the
//! pre-release part do not count (`1.0 == 1`, `1.0.a.0 == 1.a`), and a missing segment
//! compares as zero.
//!
//! What is accepted is what `Gem::Version.new` accepts, surrounding blanks included, except
//! the empty string, which RubyGems reads as `0` and Steward refuses as a data error.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// Compares two RubyGems versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(a)?;
    let b = parse(b)?;
    Ok(compare_segments(&a, &b))
}

/// One segment: a number (decimal digits without leading zeros) or a run of letters.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Number(String),
    Letters(String),
}

impl Segment {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Number(digits) if digits == "0")
    }
}

fn parse(input: &str) -> Result<Vec<Segment>, VersionError> {
    let version = input.trim();
    if let Err(reason) = check(version) {
        return Err(VersionError {
            scheme: Scheme::RubyGems,
            version: input.to_owned(),
            reason: reason.to_owned(),
        });
    }
    Ok(canonical(segments(&version.replace('-', ".pre."))))
}

/// Gem's pattern: a number, then `.`-separated alphanumeric parts, then optionally `-` and
/// `.`-separated parts of alphanumerics and hyphens.
fn check(version: &str) -> Result<(), &'static str> {
    if version.is_empty() {
        return Err("the version is empty");
    }
    let (release, pre) = match version.split_once('-') {
        Some((release, pre)) => (release, Some(pre)),
        None => (version, None),
    };
    let mut parts = release.split('.');
    let first = parts.next().unwrap_or_default();
    if first.is_empty() || !first.bytes().all(|c| c.is_ascii_digit()) {
        return Err("a gem version starts with a number");
    }
    if !parts.all(|part| !part.is_empty() && part.bytes().all(|c| c.is_ascii_alphanumeric())) {
        return Err("a part of the version is empty or not letters and digits");
    }
    let pre_ok = |part: &str| {
        !part.is_empty() && part.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
    };
    if pre.is_some_and(|pre| !pre.split('.').all(pre_ok)) {
        return Err("the pre-release after '-' has an empty part or a character gems do not allow");
    }
    Ok(())
}

/// Runs of ASCII digits and of ASCII letters, in order; everything else only separates them.
fn segments(version: &str) -> Vec<Segment> {
    let bytes = version.as_bytes();
    let mut found = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let digits = bytes[start].is_ascii_digit();
        if !bytes[start].is_ascii_alphanumeric() {
            start += 1;
            continue;
        }
        let len = bytes[start..]
            .iter()
            .take_while(|c| c.is_ascii_digit() == digits && c.is_ascii_alphanumeric())
            .count();
        let run = &version[start..start + len];
        found.push(if digits {
            let trimmed = run.trim_start_matches('0');
            Segment::Number(if trimmed.is_empty() { "0" } else { trimmed }.to_owned())
        } else {
            Segment::Letters(run.to_owned())
        });
        start += len;
    }
    found
}

/// Drops the zeros that end the release part and those that end the pre-release part.
fn canonical(segments: Vec<Segment>) -> Vec<Segment> {
    let split = segments
        .iter()
        .position(|s| matches!(s, Segment::Letters(_)))
        .unwrap_or(segments.len());
    let (release, pre) = segments.split_at(split);
    let trimmed =
        |part: &[Segment]| part.len() - part.iter().rev().take_while(|s| s.is_zero()).count();
    let mut out = release[..trimmed(release)].to_vec();
    out.extend_from_slice(&pre[..trimmed(pre)]);
    out
}

fn compare_segments(a: &[Segment], b: &[Segment]) -> Ordering {
    let zero = Segment::Number("0".to_owned());
    let longest = a.len().max(b.len());
    for i in 0..longest {
        let x = a.get(i).unwrap_or(&zero);
        let y = b.get(i).unwrap_or(&zero);
        let order = match (x, y) {
            (Segment::Number(x), Segment::Number(y)) => {
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (Segment::Letters(_), Segment::Number(_)) => Ordering::Less,
            (Segment::Number(_), Segment::Letters(_)) => Ordering::Greater,
            (Segment::Letters(x), Segment::Letters(y)) => x.cmp(y),
        };
        if order.is_ne() {
            return order;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::compare;

    #[test]
    fn orders_like_gem_version() {
        let cases = [
            ("1.0", "1", Equal),
            ("1.0.0.0", "1", Equal),
            ("1.0", "1.0.1", Less),
            ("1.9", "1.10", Less),
            ("1.0.a", "1.0", Less),
            ("1.0.rc1", "1.0", Less),
            ("1.0.a", "1.0.b", Less),
            ("1.0.alpha", "1.0.beta", Less),
            ("1.0.rc1", "1.0.rc2", Less),
            ("1.0.rc10", "1.0.rc2", Greater),
            ("1.0.a.0", "1.0.a", Equal),
            ("1.0.a.1", "1.0.a", Greater),
            ("1.0rc1", "1.0.rc.1", Equal),
            ("1.0-rc1", "1.0.pre.rc1", Equal),
            ("1.0-1", "1.0", Less),
            ("1.0.A", "1.0.a", Less),
            ("2.0.0.pre", "2.0.0.rc1", Less),
            ("1.0.0.1", "1.0.0.a", Greater),
            ("5.2.4.3", "5.2.4.rc1", Greater),
            ("6.0.0.beta1", "6.0.0", Less),
            ("007", "7", Equal),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567891",
                Less,
            ),
            (" 1.2 ", "1.2", Equal),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare(a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn refuses_what_gem_version_refuses() {
        for bad in [
            "", "  ", "a", "1..2", "1.", ".1", "1.2_3", "1.0-", "1.0-a..b", "1 2", "v1.0",
        ] {
            let err = compare(bad, "1.0").expect_err(bad);
            assert_eq!(err.version, bad);
        }
    }
}
