//! Alpine package versions, ordered as current apk-tools orders them.
//!
//! An apk version such as `1.2.3a_rc1_p2~1f2e-r4` is a sequence of tokens: a first number,
//! further numbers after `.`, one lower-case letter, `_` suffixes each optionally followed by a
//! number, a `~` commit hash in hex, and the package revision after `-r`. Tokens come in that
//! order (a `.` number cannot follow a letter or a suffix, nothing follows the revision), and a
//! string whose tokens break it is refused, as apk refuses it.
//!
//! Two versions are compared token by token while their token types agree. Numbers compare by
//! value, except that a `.` number starting with `0` in either version compares as text, so
//! `1.01 < 1.1` and `1.0 < 1.00`. Suffixes rank `_alpha < _beta < _pre < _rc` (pre-releases,
//! below the plain version) `< _cvs < _svn < _git < _hg < _p` (after it); commit hashes
//! compare as text. When one version runs out or changes token type first, the one whose next
//! token is of the lower type is the greater, unless that token is a pre-release suffix:
//! `1.0 < 1.0.1`, `1.0 < 1.0-r1`, `1.0 < 1.0a`, `1.0a < 1.0.1`, `1.0_rc1 < 1.0`.
//!
//! Numbers are compared by value at any length, where apk-tools reads them into 64 bits.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// Compares two Alpine package versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = tokens(a)?;
    let b = tokens(b)?;
    Ok(compare_tokens(&a, &b))
}

/// Token types in the order they may appear; [`compare_tokens`] also ranks them by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialNumber,
    Number,
    Letter,
    Suffix,
    SuffixNumber,
    CommitHash,
    Revision,
    End,
}

/// Suffixes in ascending order; those before `NO_SUFFIX` mark pre-releases.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
const NO_SUFFIX: usize = 4;

/// One token: its type and its text (digits, the letter, the suffix name or the hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
}

fn tokens(version: &str) -> Result<Vec<Token<'_>>, VersionError> {
    let refuse = |reason: &str| VersionError {
        scheme: Scheme::Apk,
        version: version.to_owned(),
        reason: reason.to_owned(),
    };
    let (first, mut rest) = split_run(version, |c| c.is_ascii_digit());
    if first.is_empty() {
        return Err(refuse("an apk version starts with a number"));
    }
    let mut found = vec![Token {
        kind: Kind::InitialNumber,
        text: first,
    }];
    while !rest.is_empty() {
        let previous = found.last().map_or(Kind::InitialNumber, |t| t.kind);
        let (token, after) = next_token(previous, rest).ok_or_else(|| {
            refuse(&format!(
                "{rest:?} cannot follow there: apk versions are numbers separated by '.', one \
                 letter, '_' suffixes (alpha, beta, pre, rc, cvs, svn, git, hg, p) with optional \
                 numbers, a '~' hash and a '-r' revision, in that order"
            ))
        })?;
        found.push(token);
        rest = after;
    }
    found.push(Token {
        kind: Kind::End,
        text: "",
    });
    Ok(found)
}

/// Reads the token at the start of `rest`, if it may follow a token of type `previous`.
fn next_token(previous: Kind, rest: &str) -> Option<(Token<'_>, &str)> {
    let token = |kind, text| Token { kind, text };
    let first = rest.chars().next()?;
    match first {
        'a'..='z' if previous <= Kind::Number => {
            Some((token(Kind::Letter, &rest[..1]), &rest[1..]))
        }
        '.' if previous <= Kind::Number => {
            let (digits, after) = split_run(&rest[1..], |c| c.is_ascii_digit());
            (!digits.is_empty()).then(|| (token(Kind::Number, digits), after))
        }
        '0'..='9' if previous == Kind::Suffix => {
            let (digits, after) = split_run(rest, |c| c.is_ascii_digit());
            Some((token(Kind::SuffixNumber, digits), after))
        }
        '_' if previous <= Kind::SuffixNumber => {
            let (name, after) = split_run(&rest[1..], |c| c.is_ascii_lowercase());
            SUFFIXES
                .contains(&name)
                .then(|| (token(Kind::Suffix, name), after))
        }
        '~' if previous < Kind::CommitHash => {
            let (hash, after) = split_run(&rest[1..], |c| c.is_ascii_hexdigit());
            (!hash.is_empty()).then(|| (token(Kind::CommitHash, hash), after))
        }
        '-' if previous < Kind::Revision => {
            let (digits, after) = split_run(rest.strip_prefix("-r")?, |c| c.is_ascii_digit());
            (!digits.is_empty()).then(|| (token(Kind::Revision, digits), after))
        }
        _ => None,
    }
}

/// Splits off the longest prefix whose characters all satisfy `accept`.
fn split_run(text: &str, accept: impl Fn(char) -> bool) -> (&str, &str) {
    let end = text.find(|c| !accept(c)).unwrap_or(text.len());
    text.split_at(end)
}

fn compare_tokens(a: &[Token<'_>], b: &[Token<'_>]) -> Ordering {
    let mut i = 0;
    while a[i].kind == b[i].kind && a[i].kind != Kind::End {
        let order = compare_same_kind(a[i], b[i]);
        if order.is_ne() {
            return order;
        }
        i += 1;
    }
    let (x, y) = (a[i], b[i]);
    if x.kind == y.kind {
        return Ordering::Equal;
    }

    // The version that goes on is the greater, unless it goes on with a pre-release suffix.
    if is_pre_release(x) {
        return Ordering::Less;
    }
    if is_pre_release(y) {
        return Ordering::Greater;
    }
    y.kind.cmp(&x.kind)
}

fn is_pre_release(token: Token<'_>) -> bool {
    token.kind == Kind::Suffix && suffix_rank(token.text) < NO_SUFFIX
}

fn suffix_rank(name: &str) -> usize {
    SUFFIXES
        .iter()
        .position(|s| *s == name)
        .unwrap_or(NO_SUFFIX)
}

fn compare_same_kind(a: Token<'_>, b: Token<'_>) -> Ordering {
    match a.kind {
        Kind::Number if a.text.starts_with('0') || b.text.starts_with('0') => a.text.cmp(b.text),
        Kind::InitialNumber | Kind::Number | Kind::SuffixNumber | Kind::Revision => {
            compare_numbers(a.text, b.text)
        }
        Kind::Suffix => suffix_rank(a.text).cmp(&suffix_rank(b.text)),
        Kind::Letter | Kind::CommitHash | Kind::End => a.text.cmp(b.text),
    }
}

/// Compares decimal digit runs by value, whatever their length and leading zeros.
fn compare_numbers(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::compare;

    #[test]
    fn orders_like_apk_tools() {
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "1.0.1", Less),
            ("1.9", "1.10", Less),
            ("1.0", "1.0-r1", Less),
            ("1.0-r1", "1.0-r2", Less),
            ("1.0-r9", "1.0-r10", Less),
            ("1.0-r10", "1.0.1-r0", Less),
            ("1.0_alpha", "1.0_beta", Less),
            ("1.0_beta", "1.0_pre", Less),
            ("1.0_pre", "1.0_rc", Less),
            ("1.0_rc1", "1.0", Less),
            ("1.0_rc1", "1.0_rc2", Less),
            ("1.0_rc2", "1.0_rc10", Less),
            ("1.0_rc1-r5", "1.0-r0", Less),
            ("1.0", "1.0_cvs", Less),
            ("1.0_cvs", "1.0_svn", Less),
            ("1.0_svn", "1.0_git", Less),
            ("1.0_git", "1.0_hg", Less),
            ("1.0_hg", "1.0_p", Less),
            ("1.0_p1", "1.0_p2", Less),
            ("1.0_p1", "1.0.1", Less),
            ("1.0_git20240101", "1.0_git20240102", Less),
            ("1.0", "1.0a", Less),
            ("1.0a", "1.0b", Less),
            ("1.0z", "1.0.1", Less),
            ("1.0a", "1.0_p1", Greater),
            ("1.2.3_rc1-r0", "1.2.3-r0", Less),
            ("1.2.3_alpha_p1", "1.2.3_alpha", Greater),
            ("1.2.3_alpha_p1", "1.2.3_beta", Less),
            ("1.01", "1.1", Less),
            ("1.001", "1.01", Less),
            ("1.0", "1.00", Less),
            ("1.0", "1.0.0", Less),
            ("1.0_rc1", "1.0_rc1_p1", Less),
            ("1.0~abc-r1", "1.0~abd-r0", Less),
            ("1.0~abc", "1.0", Greater),
            ("1.0_pre1", "1.0_p1", Less),
            ("2.4.05", "2.4.5", Less),
            ("01.2", "1.2", Equal),
            (
                "1.2.99999999999999999999",
                "1.2.100000000000000000000",
                Less,
            ),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare(a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn refuses_what_apk_tools_refuses() {
        for bad in [
            "",
            "1.0-1",
            "1.0-r1.2",
            "1.0_foo",
            "1.0_rc1.2",
            "1.0-r1_p1",
            "1.0A",
            "1.0~rc1",
            "1.0+git",
            "1.0 ",
            "1.0_preview",
            "1.0-r",
        ] {
            let err = compare(bad, "1.0").expect_err(bad);
            assert_eq!(err.version, bad);
        }
    }
}
