//! dpkg version ordering, ported from dpkg's own parser and comparison.
//!
//! A version is `[epoch:]upstream[-revision]`: the epoch is a decimal number before the first
//! colon, the revision is whatever follows the last hyphen. Upstream and revision are compared
//! alternately as runs of non-digits (character by character, where `~` sorts before
//! everything, even the end of the string, and letters sort before other characters) and runs
//! of digits (numerically, so leading zeros do not count).
//!
//! Input is checked as dpkg 1.21 checks it. What dpkg refuses outright is a [`VersionError`]:
//! an empty string, embedded spaces, an empty, non-numeric, negative or too large epoch,
//! nothing after the epoch's colon, an empty upstream, an empty revision after a hyphen.
//! What dpkg only warns about — an upstream that does not start with a digit, characters
//! outside `[A-Za-z0-9.+~:-]` — is compared anyway, exactly as `dpkg --compare-versions`
//! does, so that Steward never disagrees with the tool that installed the package.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// Compares two dpkg versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = DpkgVersion::parse(a)?;
    let b = DpkgVersion::parse(b)?;
    Ok(a.cmp(&b))
}

/// A parsed dpkg version, borrowing its parts from the input.
#[derive(Debug, Clone, Copy)]
struct DpkgVersion<'a> {
    epoch: u32,
    upstream: &'a str,
    revision: &'a str,
}

impl<'a> DpkgVersion<'a> {
    /// Splits a version into its parts, refusing what dpkg refuses.
    fn parse(input: &'a str) -> Result<DpkgVersion<'a>, VersionError> {
        let refuse = |reason: &str| VersionError {
            scheme: Scheme::Dpkg,
            version: input.to_owned(),
            reason: reason.to_owned(),
        };

        // dpkg trims blanks (space and tab) at both ends and refuses any in the middle.
        let trimmed = input.trim_matches(is_blank);
        if trimmed.is_empty() {
            return Err(refuse("version string is empty"));
        }
        if trimmed.contains(is_blank) {
            return Err(refuse("version string has embedded spaces"));
        }

        let (epoch, rest) = match trimmed.split_once(':') {
            Some((epoch, rest)) => (parse_epoch(epoch).map_err(refuse)?, rest),
            None => (0, trimmed),
        };
        if rest.is_empty() {
            return Err(refuse("nothing after colon in version number"));
        }

        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((_, "")) => return Err(refuse("revision number is empty")),
            Some((upstream, revision)) => (upstream, revision),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(refuse("version number is empty"));
        }

        Ok(DpkgVersion {
            epoch,
            upstream,
            revision,
        })
    }
}

impl Ord for DpkgVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| compare_part(self.upstream, other.upstream))
            .then_with(|| compare_part(self.revision, other.revision))
    }
}

impl PartialOrd for DpkgVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DpkgVersion<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DpkgVersion<'_> {}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Reads an epoch the way dpkg does with `strtol`: an optional sign, then decimal digits that
/// must reach the colon; negative values and values above `i32::MAX` are refused.
fn parse_epoch(text: &str) -> Result<u32, &'static str> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let numeric_len = digits.bytes().take_while(u8::is_ascii_digit).count();
    if numeric_len == 0 {
        return Err("epoch in version is empty");
    }
    if numeric_len != digits.len() {
        return Err("epoch in version is not number");
    }

    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(0);
    }
    if negative {
        return Err("epoch in version is negative");
    }
    // Only overflow makes an all-digit string fail to parse.
    match significant.parse::<u32>() {
        Ok(epoch) if epoch <= i32::MAX.unsigned_abs() => Ok(epoch),
        _ => Err("epoch in version is too big"),
    }
}

/// The sort weight of one byte in a non-digit run; `None` is the end of the string.
///
/// `~` sorts before the end of the string, letters by their ASCII value, everything else after
/// all letters. dpkg reads bytes as C's signed `char`, so bytes above 127 weigh less than
/// ASCII punctuation; that is kept so that the answers match dpkg's for any input.
fn weight(byte: Option<u8>) -> i32 {
    match byte {
        None => 0,
        Some(b) if b.is_ascii_digit() => 0,
        Some(b) if b.is_ascii_alphabetic() => i32::from(b),
        Some(b'~') => -1,
        Some(b) => i32::from(b as i8) + 256,
    }
}

/// Compares one part (upstream or revision) by dpkg's alternating non-digit and digit runs.
fn compare_part(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        let order = compare_non_digits(&mut a, &mut b);
        if order != Ordering::Equal {
            return order;
        }

        let order = compare_digits(&mut a, &mut b);
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// Consumes the leading non-digit runs of both sides while they weigh the same.
fn compare_non_digits(a: &mut &[u8], b: &mut &[u8]) -> Ordering {
    loop {
        let (ca, cb) = (a.first().copied(), b.first().copied());
        let a_more = ca.is_some_and(|c| !c.is_ascii_digit());
        let b_more = cb.is_some_and(|c| !c.is_ascii_digit());
        if !a_more && !b_more {
            return Ordering::Equal;
        }

        let order = weight(ca).cmp(&weight(cb));
        if order != Ordering::Equal {
            return order;
        }
        // Equal weights with one side non-digit means both sides hold the same byte.
        *a = &a[1..];
        *b = &b[1..];
    }
}

/// Consumes the leading digit runs of both sides and compares them as numbers.
fn compare_digits(a: &mut &[u8], b: &mut &[u8]) -> Ordering {
    let run_a = take_digits(a);
    let run_b = take_digits(b);
    let run_a = trim_zeros(run_a);
    let run_b = trim_zeros(run_b);
    run_a.len().cmp(&run_b.len()).then_with(|| run_a.cmp(run_b))
}

fn take_digits<'s>(s: &mut &'s [u8]) -> &'s [u8] {
    let len = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let (run, rest) = s.split_at(len);
    *s = rest;
    run
}

fn trim_zeros(run: &[u8]) -> &[u8] {
    let zeros = run.iter().take_while(|&&c| c == b'0').count();
    &run[zeros..]
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    use super::compare;

    /// Hard cases, each answer obtained by running `dpkg --compare-versions` (dpkg 1.21.22).
    const DPKG_ANSWERS: &[(&str, &str, Ordering)] = &[
        ("1.0", "1.0", Equal),
        ("1.0", "1.1", Less),
        ("1:1.0", "2.0", Greater),
        ("0:1.0", "1.0", Equal),
        ("00:1.0", "0:1.0", Equal),
        ("2:0.1", "1:9.9", Greater),
        ("1:9.9-1", "2:0.0-1", Less),
        ("2147483647:1", "2147483646:9", Greater),
        ("+1:1", "1", Greater),
        ("1.0~", "1.0", Less),
        ("1.0~rc1", "1.0", Less),
        ("1.0~rc1", "1.0~rc2", Less),
        ("1.0~rc1", "1.0~", Greater),
        ("1.0~~", "1.0~", Less),
        ("1.0~~a", "1.0~~", Greater),
        ("1.0~beta", "1.0~alpha", Greater),
        ("1.0", "1.0~", Greater),
        ("1.0~rc1-1", "1.0-1", Less),
        ("1.0-1~bpo1", "1.0-1", Less),
        ("2.36-9+deb12u4", "2.36-9+deb12u10", Less),
        ("2.36-9+deb12u4", "2.36-9", Greater),
        ("12.4+deb12u11", "12.4+deb12u15", Less),
        ("7.88.1-10+deb12u5", "7.88.1-10+deb12u14", Less),
        ("0.16.1-2", "0.16.1-2+b1", Less),
        ("1.0+dfsg-1", "1.0-1", Greater),
        ("1.0+dfsg-1", "1.0.1-1", Less),
        ("1.0.", "1.0.0", Equal),
        ("1.0a", "1.0a0", Equal),
        ("1.0", "1.0.0", Less),
        ("1.0", "1.00", Equal),
        ("01.0", "1.0", Equal),
        ("1.001", "1.1", Equal),
        ("99999999999999999999", "1", Greater),
        ("1.0-0", "1.0", Equal),
        ("1.0-00", "1.0", Equal),
        ("1.0-1", "1.0", Greater),
        ("1.0-1", "1.0-0.1", Greater),
        ("5.10.0-9", "5.10.0-10", Less),
        ("1.0-a-1", "1.0-a", Greater),
        ("1:2:3", "1:2:4", Less),
        ("1.0a", "1.0+", Less),
        ("1.0a", "1.0.", Less),
        ("1.0a", "1.01", Less),
        ("1.0a", "1.0A", Greater),
        ("1.0Z", "1.0a", Less),
        ("1.0+", "1.0.", Less),
        ("1.0", "1.0.a", Less),
        ("1.0", "1.0+", Less),
        (" 1.0", "1.0", Equal),
        ("1.0\t", "1.0", Equal),
        // dpkg warns about these but still compares them.
        ("a1", "1", Greater),
        ("1:a", "1:1", Greater),
        ("1.0_1", "1.0", Greater),
        ("1.0@", "1.0", Greater),
        ("1.0é", "1.0+", Less),
        ("1.0é", "1.0a", Greater),
    ];

    #[test]
    fn hard_cases_match_dpkg() {
        for &(a, b, expected) in DPKG_ANSWERS {
            assert_eq!(compare(a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn refuses_what_dpkg_refuses() {
        let refused = [
            ("", "version string is empty"),
            ("  ", "version string is empty"),
            ("1.0 1", "version string has embedded spaces"),
            ("x:1", "epoch in version is empty"),
            (":1", "epoch in version is empty"),
            ("1a:1", "epoch in version is not number"),
            ("-1:1", "epoch in version is negative"),
            ("2147483648:1", "epoch in version is too big"),
            ("99999999999999999999:1", "epoch in version is too big"),
            ("1:", "nothing after colon in version number"),
            ("0:", "nothing after colon in version number"),
            ("1.0-", "revision number is empty"),
            ("1.0-1-", "revision number is empty"),
            ("-1", "version number is empty"),
            ("1:-1", "version number is empty"),
        ];
        for (version, reason) in refused {
            let err = compare(version, "1.0").expect_err(version);
            assert_eq!(err.reason, reason, "{version:?}");
            assert_eq!(err.version, version);
        }
    }

    #[test]
    fn negative_zero_epoch_is_zero_as_strtol_reads_it() {
        assert_eq!(compare("-0:1.0", "1.0"), Ok(Equal));
    }
}
