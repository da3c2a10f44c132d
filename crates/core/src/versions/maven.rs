//! Maven version ordering, as Maven's `ComparableVersion` (maven-artifact 3.8) orders versions.
//!
//! Maven reads any string as a version, so nothing is refused but the empty string. The string
//! is lower-cased and cut into items: `.` and `-` separate items, and so does every change
//! between ASCII digits and other characters (`1.0alpha1` reads as `1`, `0`, `alpha`, `1`).
//! A digit run is a number (leading zeros dropped, any length); anything else is a qualifier.
//! A `-`, or a change between digits and letters, opens a sub-list that holds the rest of the
//! version, which is why `1-1 < 1.1`: at the same position a number outranks a sub-list, and a
//! sub-list outranks a qualifier.
//!
//! Qualifiers order `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release
//! < sp`, then every other qualifier, alphabetically. A single letter `a`, `b` or `m` directly
//! followed by a digit stands for `alpha`, `beta` or `milestone`. Trailing items equal to
//! nothing (`0`, the release qualifier, an empty sub-list) are trimmed from each list, so
//! `1.0.0 == 1 == 1-ga`. A missing item compares as nothing: `1 < 1.1`, `1-rc < 1`,
//! `1 < 1-sp`.
//!
//! Maven's own digit test is Unicode's; here only ASCII digits are digits, and other Unicode
//! digits, which no published version uses, read as letters.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// Compares two Maven versions.
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(a)?;
    let b = parse(b)?;
    Ok(compare_lists(&a, &b))
}

/// One item of a parsed version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Decimal digits without leading zeros (`0` is `"0"`).
    Number(String),
    /// A qualifier, by its rank.
    Qualifier(Qualifier),
    /// The rest of the version after a `-` or a digit/letter change.
    List(Vec<Item>),
}

/// A qualifier's rank: Maven's known qualifiers by position, then any other, alphabetically.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier {
    Known(u8),
    Other(String),
}

/// Known qualifiers in ascending order; the empty string is a release.
const KNOWN_QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// The rank of a release, the qualifier every missing item is compared as.
const RELEASE: Qualifier = Qualifier::Known(5);

impl Qualifier {
    fn new(text: &str, followed_by_digit: bool) -> Qualifier {
        let name = match text {
            "a" if followed_by_digit => "alpha",
            "b" if followed_by_digit => "beta",
            "m" if followed_by_digit => "milestone",
            "ga" | "final" | "release" => "",
            "cr" => "rc",
            other => other,
        };
        match KNOWN_QUALIFIERS.iter().position(|known| *known == name) {
            Some(rank) => Qualifier::Known(rank as u8),
            None => Qualifier::Other(name.to_owned()),
        }
    }
}

impl Item {
    fn number(digits: &str) -> Item {
        let trimmed = digits.trim_start_matches('0');
        Item::Number(if trimmed.is_empty() { "0" } else { trimmed }.to_owned())
    }

    /// Whether the item equals a missing one, so that trailing copies of it can be dropped.
    fn is_null(&self) -> bool {
        match self {
            Item::Number(digits) => digits == "0",
            Item::Qualifier(qualifier) => *qualifier == RELEASE,
            Item::List(items) => items.is_empty(),
        }
    }
}

fn parse(input: &str) -> Result<Vec<Item>, VersionError> {
    if input.is_empty() {
        return Err(VersionError {
            scheme: Scheme::Maven,
            version: input.to_owned(),
            reason: "the version is empty".to_owned(),
        });
    }
    let lists = split_into_lists(&input.to_lowercase());
    Ok(nest(lists))
}

/// Cuts a lower-cased version into its chain of lists: each list after the first is the last
/// item of the one before, so the chain is kept flat here and nested by [`nest`].
fn split_into_lists(version: &str) -> Vec<Vec<Item>> {
    let mut lists = vec![Vec::new()];
    let mut start = 0;
    let mut in_digits = false;

    for (i, c) in version.char_indices() {
        let current = lists.len() - 1;
        if c == '.' || c == '-' {
            let item = if i == start {
                Item::number("0")
            } else {
                token(&version[start..i], in_digits, false)
            };
            lists[current].push(item);
            start = i + 1;
            if c == '-' {
                lists.push(Vec::new());
            }
        } else if c.is_ascii_digit() != in_digits {
            if i > start {
                let followed_by_digit = c.is_ascii_digit();
                if !in_digits {
                    open_list_for_qualifier(&mut lists);
                }
                let last = lists.len() - 1;
                lists[last].push(token(&version[start..i], in_digits, followed_by_digit));
                start = i;
                lists.push(Vec::new());
            }
            in_digits = c.is_ascii_digit();
        }
    }

    if start < version.len() {
        if !in_digits {
            open_list_for_qualifier(&mut lists);
        }
        let last = lists.len() - 1;
        lists[last].push(token(&version[start..], in_digits, false));
    }
    lists
}

/// Maven reads a qualifier that ends the version or runs into digits as if a `-` preceded it
/// (`1.0.rc1 == 1.0-rc1`, `1.foo == 1-foo`), by opening a sub-list unless the current list is
/// still empty. A qualifier followed by `.` or `-` stays in place (`1.foo.1 < 1-foo.1`).
fn open_list_for_qualifier(lists: &mut Vec<Vec<Item>>) {
    if lists.last().is_some_and(|list| !list.is_empty()) {
        lists.push(Vec::new());
    }
}

fn token(text: &str, digits: bool, followed_by_digit: bool) -> Item {
    if digits {
        Item::number(text)
    } else {
        Item::Qualifier(Qualifier::new(text, followed_by_digit))
    }
}

/// Trims and nests the chain of lists from the innermost outwards, as Maven normalises them.
fn nest(mut lists: Vec<Vec<Item>>) -> Vec<Item> {
    let mut inner: Option<Vec<Item>> = None;
    while let Some(mut list) = lists.pop() {
        if let Some(sublist) = inner.take() {
            list.push(Item::List(sublist));
        }
        trim(&mut list);
        inner = Some(list);
    }
    inner.unwrap_or_default()
}

/// Drops null items from the end of a list, looking past sub-lists that are not null.
fn trim(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    let longest = a.len().max(b.len());
    (0..longest)
        .map(|i| compare_items(a.get(i), b.get(i)))
        .find(|order| order.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Compares two items; a missing item (`None`) stands for "nothing more".
fn compare_items(a: Option<&Item>, b: Option<&Item>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (Some(a), None) => compare_with_nothing(a),
        (None, Some(b)) => compare_with_nothing(b).reverse(),
        (Some(a), Some(b)) => compare_present(a, b),
    }
}

fn compare_with_nothing(item: &Item) -> Ordering {
    match item {
        Item::Number(digits) if digits == "0" => Ordering::Equal,
        Item::Number(_) => Ordering::Greater,
        Item::Qualifier(qualifier) => qualifier.cmp(&RELEASE),
        // Maven looks at the first item of a sub-list only.
        Item::List(items) => items.first().map_or(Ordering::Equal, compare_with_nothing),
    }
}

fn compare_present(a: &Item, b: &Item) -> Ordering {
    use Item::{List, Number, Qualifier};
    match (a, b) {
        (Number(x), Number(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
        (Number(_), _) => Ordering::Greater,
        (_, Number(_)) => Ordering::Less,
        (Qualifier(x), Qualifier(y)) => x.cmp(y),
        (Qualifier(_), List(_)) => Ordering::Less,
        (List(_), Qualifier(_)) => Ordering::Greater,
        (List(x), List(y)) => compare_lists(x, y),
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    use super::compare;

    fn check(cases: &[(&str, &str, Ordering)]) {
        for &(a, b, expected) in cases {
            assert_eq!(compare(a, b), Ok(expected), "{a} vs {b}");
            assert_eq!(compare(b, a), Ok(expected.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn qualifiers_rank_alpha_beta_milestone_rc_snapshot_release_sp_then_others() {
        let ascending = [
            "1-alpha",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-def",
            "1-pom",
        ];
        for pair in ascending.windows(2) {
            check(&[(pair[0], pair[1], Less)]);
        }
        check(&[
            ("1-cr", "1-rc", Equal),
            ("1-ga", "1", Equal),
            ("1-final", "1", Equal),
            ("1-release", "1", Equal),
            ("1.0.RELEASE", "1.0", Equal),
            ("1.0.Final", "1.0.GA", Equal),
            ("1-SNAPSHOT", "1-snapshot", Equal),
            ("1.0-rc1", "1.0-cr1", Equal),
        ]);
    }

    #[test]
    fn single_letters_before_a_digit_abbreviate_qualifiers() {
        check(&[
            ("1a1", "1-alpha-1", Equal),
            ("1b2", "1-beta-2", Equal),
            ("1m3", "1-milestone-3", Equal),
            ("1.0a", "1.0-alpha", Greater),
            ("1-a", "1-alpha", Greater),
            ("1-c1", "1-rc1", Greater),
        ]);
    }

    #[test]
    fn trailing_zeros_and_release_qualifiers_are_trimmed() {
        check(&[
            ("1", "1.0", Equal),
            ("1", "1.0.0", Equal),
            ("1.0", "1.0-0", Equal),
            ("1-0", "1", Equal),
            ("1.0.0-ga", "1", Equal),
            ("1.0-final-0", "1", Equal),
            ("1.0.0-0.0.0", "1", Equal),
            ("1.0-alpha", "1-alpha", Equal),
            ("1.0.0.0.0.1", "1", Greater),
            ("01.002", "1.2", Equal),
            ("1..2", "1.0.2", Equal),
            ("1-", "1", Equal),
        ]);
    }

    #[test]
    fn numbers_outrank_sub_lists_which_outrank_qualifiers() {
        check(&[
            ("1-1", "1.1", Less),
            ("1-1", "1", Greater),
            ("1-sp", "1.1", Less),
            ("1-sp", "1-1", Less),
            ("1.0.1", "1.0-sp", Greater),
            ("1-1-snapshot", "1-1", Less),
            ("1-abc", "1-1", Less),
            ("1.a", "1-a", Equal),
            ("1.a1", "1-a1", Equal),
            ("1.a.1", "1-a.1", Less),
            ("1.a-1", "1-a-1", Less),
            ("1.2.foo.3", "1.2-foo.3", Less),
            ("1.0.0-1", "1.0.1", Less),
            ("2.0", "1.999-sp", Greater),
        ]);
    }

    #[test]
    fn digit_letter_changes_separate_items() {
        check(&[
            ("1alpha1", "1-alpha-1", Equal),
            ("1.0alpha1", "1.0-alpha-1", Equal),
            ("1-alpha2snapshot", "1-alpha2", Less),
            ("1-alpha2", "1-alpha-123", Less),
            ("1-beta123", "1-m2", Less),
            ("1-rc123", "1-snapshot", Less),
            ("1-sp2", "1-sp123", Less),
            (
                "2.0.0.v200706041905-7C78EK9E_EkMNfNOd2d8qq",
                "2.0.0",
                Greater,
            ),
            ("1.0jre", "1.0", Greater),
            ("33.0-jre", "33.0-android", Greater),
        ]);
    }

    #[test]
    fn numbers_compare_by_value_however_long() {
        check(&[
            ("1.9", "1.10", Less),
            ("2.0.1", "2.0.10", Less),
            ("1.2147483647", "1.2147483648", Less),
            ("1.9999999999", "1.10000000000", Less),
            ("1.999999999999999999", "1.1000000000000000000", Less),
            ("1.00000000000000000000001", "1.1", Equal),
        ]);
    }

    #[test]
    fn ordinary_release_trains_sort_as_published() {
        let ascending = [
            "2.9.10",
            "2.9.10.1",
            "2.9.10.8",
            "2.10.0-rc1",
            "2.10.0-SNAPSHOT",
            "2.10.0",
            "2.10.0.pr1",
            "2.10.1",
        ];
        for pair in ascending.windows(2) {
            check(&[(pair[0], pair[1], Less)]);
        }
    }

    #[test]
    fn refuses_only_the_empty_string() {
        assert!(compare("", "1").is_err());
        assert_eq!(compare("not a version", "not a version"), Ok(Equal));
    }
}
