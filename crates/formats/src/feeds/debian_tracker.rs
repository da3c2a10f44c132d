//! The Debian security tracker's advisory lists (`data/DSA/list`, `data/DLA/list`), read into
//! [`Advisory`] records.
//!
//! Each record opens with `[29 Mar 2023] DSA-5380-1 xorg-server - security update`, followed by
//! indented `{CVE-…}` lines (the aliases), `[release] - source-package version` lines and
//! `NOTE:` lines. Each release line becomes one [`Affected`] entry with the OSV ecosystem
//! `Debian:<release number>` and an `ECOSYSTEM` range from `0` to the fixed version.
//! `<not-affected>` and `<removed>` mean the release never shipped the flaw and add no entry;
//! `<unfixed>`, `<end-of-life>`, `<no-dsa>`, `<postponed>` and `<ignored>` mean no fix was
//! issued for that release, so every version is affected (a range with no `fixed` event).
//!
//! Release code names map to numbers through a fixed table that matches distro-info's
//! `debian.csv` (so `woody` is `3.0`, `etch` `4.0` and `wheezy` `7`, as osv.dev spells them).

use jiff::civil::Date;
use steward_core::assessment::advisory::{Advisory, Affected, Event, Range, RangeKind};

use super::ReadError;

/// The `source` given to advisories read from the tracker's lists.
pub const SOURCE: &str = "debian-tracker";

/// Debian release code names and their version numbers, from distro-info's `debian.csv`.
const RELEASES: [(&str, &str); 19] = [
    ("buzz", "1.1"),
    ("rex", "1.2"),
    ("bo", "1.3"),
    ("hamm", "2.0"),
    ("slink", "2.1"),
    ("potato", "2.2"),
    ("woody", "3.0"),
    ("sarge", "3.1"),
    ("etch", "4.0"),
    ("lenny", "5.0"),
    ("squeeze", "6.0"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
];

/// The version number of a Debian release code name (`bookworm` → `12`).
pub fn release_number(codename: &str) -> Option<&'static str> {
    let codename = codename.to_ascii_lowercase();
    RELEASES
        .iter()
        .find(|(name, _)| *name == codename)
        .map(|(_, number)| *number)
}

/// Whether a file name is one of the tracker's lists this reader takes (`DSA-list`,
/// `DLA-list`, with an optional `.txt` and `.gz`, or `list` files under `DSA/` and `DLA/`).
pub fn is_list_file_name(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    let name = name.strip_suffix(".txt").unwrap_or(name);
    matches!(name, "DSA-list" | "DLA-list")
}

/// Reads a whole DSA or DLA list.
pub fn read_list(input: &[u8]) -> Result<Vec<Advisory>, ReadError> {
    ReadError::check_size(input)?;
    let text = std::str::from_utf8(input).map_err(|err| {
        let line = input[..err.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ReadError::line(line, "not UTF-8")
    })?;
    let mut advisories: Vec<Advisory> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('[') {
            advisories.push(header(line, number)?);
            continue;
        }
        let Some(current) = advisories.last_mut() else {
            return Err(ReadError::line(
                number,
                "indented line before the first advisory",
            ));
        };
        detail(current, line.trim(), number)?;
    }
    Ok(advisories)
}

/// `[29 Mar 2023] DSA-5380-1 xorg-server - security update`
fn header(line: &str, number: usize) -> Result<Advisory, ReadError> {
    let (date, rest) = line[1..]
        .split_once(']')
        .ok_or_else(|| ReadError::line(number, "no `]` closing the date"))?;
    let published = Date::strptime("%d %b %Y", date.trim())
        .map_err(|_| ReadError::line(number, format!("{date:?} is not a date like 29 Mar 2023")))?;
    let mut words = rest.trim_start().splitn(2, char::is_whitespace);
    let id = words.next().unwrap_or_default();
    if !(id.starts_with("DSA-") || id.starts_with("DLA-")) {
        return Err(ReadError::line(
            number,
            format!("{id:?} is not a DSA or DLA id"),
        ));
    }
    let rest = words.next().unwrap_or_default().trim();
    let summary = match rest.split_once(" - ").or_else(|| rest.split_once(" -- ")) {
        Some((_, description)) => description.trim(),
        None => rest,
    };
    let published = published
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|err| ReadError::line(number, err.to_string()))?
        .timestamp();
    Ok(Advisory {
        id: id.to_owned(),
        published: Some(published),
        summary: summary.to_owned(),
        references: vec![format!("https://security-tracker.debian.org/tracker/{id}")],
        source: SOURCE.to_owned(),
        ..Advisory::default()
    })
}

/// One indented line of a record: aliases, a release line or a note.
fn detail(advisory: &mut Advisory, line: &str, number: usize) -> Result<(), ReadError> {
    if let Some(ids) = line.strip_prefix('{') {
        let ids = ids
            .strip_suffix('}')
            .ok_or_else(|| ReadError::line(number, "no `}` closing the id list"))?;
        advisory
            .aliases
            .extend(ids.split_whitespace().map(str::to_owned));
        return Ok(());
    }
    if line.starts_with("NOTE:") {
        return Ok(());
    }
    if let Some(release_line) = line.strip_prefix('[') {
        if let Some(affected) = release(release_line, number)? {
            advisory.affected.push(affected);
        }
        return Ok(());
    }
    Err(ReadError::line(number, format!("unexpected line {line:?}")))
}

/// `bullseye] - xorg-server 2:1.20.11-1+deb11u6 (medium)`, the `[` already taken off.
fn release(line: &str, number: usize) -> Result<Option<Affected>, ReadError> {
    let (codename, rest) = line
        .split_once(']')
        .ok_or_else(|| ReadError::line(number, "no `]` closing the release"))?;
    let release = release_number(codename.trim())
        .ok_or_else(|| ReadError::line(number, format!("unknown Debian release {codename:?}")))?;
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix('-')
        .ok_or_else(|| ReadError::line(number, "no `-` after the release"))?;
    let mut words = rest.split_whitespace();
    let (Some(package), Some(version)) = (words.next(), words.next()) else {
        return Err(ReadError::line(
            number,
            "expected `- source-package version`",
        ));
    };

    let mut events = vec![Event::Introduced("0".to_owned())];
    match version {
        "<not-affected>" | "<removed>" => return Ok(None),
        "<unfixed>" | "<end-of-life>" | "<no-dsa>" | "<postponed>" | "<ignored>" => {}
        marker if marker.starts_with('<') => {
            return Err(ReadError::line(number, format!("unknown marker {marker}")));
        }
        fixed => events.push(Event::Fixed(fixed.to_owned())),
    }
    Ok(Some(Affected {
        ecosystem: format!("Debian:{release}"),
        name: package.to_owned(),
        ranges: vec![Range {
            kind: RangeKind::Ecosystem,
            repo: None,
            events,
        }],
        ..Affected::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "[29 Mar 2023] DSA-5380-1 xorg-server - security update
\t{CVE-2023-1393}
\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6
[02 Jul 2002] DSA-135 libapache-mod-ssl -- buffer overflow / DoS
\t{CVE-2002-0653 CVE-2002-0654}
\t[woody] - libapache-mod-ssl 2.8.9-2 (medium)
\t[potato] - libapache-mod-ssl <not-affected> (Vulnerable code not present)
\t[sarge] - libapache-mod-ssl <unfixed>
\tNOTE: fixed in testing at time of DSA
[18 Apr 2018] DSA-4205-1 jessie end-of-life
";

    #[test]
    fn reads_records_with_fixed_unfixed_and_unaffected_releases() {
        let advisories = read_list(LIST.as_bytes()).expect("valid list");
        assert_eq!(advisories.len(), 3);

        let xorg = &advisories[0];
        assert_eq!(xorg.id, "DSA-5380-1");
        assert_eq!(xorg.summary, "security update");
        assert_eq!(xorg.aliases, ["CVE-2023-1393"]);
        assert_eq!(xorg.source, "debian-tracker");
        assert_eq!(
            xorg.published,
            Some("2023-03-29T00:00:00Z".parse().expect("valid"))
        );
        assert_eq!(xorg.affected[0].ecosystem, "Debian:11");
        assert_eq!(xorg.affected[0].name, "xorg-server");
        assert_eq!(
            xorg.affected[0].ranges[0].events,
            [
                Event::Introduced("0".into()),
                Event::Fixed("2:1.20.11-1+deb11u6".into())
            ]
        );

        let ssl = &advisories[1];
        assert_eq!(ssl.id, "DSA-135");
        assert_eq!(ssl.summary, "buffer overflow / DoS");
        assert_eq!(ssl.aliases, ["CVE-2002-0653", "CVE-2002-0654"]);
        assert_eq!(ssl.affected.len(), 2, "potato is not affected");
        assert_eq!(ssl.affected[0].ecosystem, "Debian:3.0");
        assert_eq!(ssl.affected[1].ecosystem, "Debian:3.1");
        assert_eq!(
            ssl.affected[1].ranges[0].events,
            [Event::Introduced("0".into())]
        );

        assert_eq!(advisories[2].summary, "jessie end-of-life");
        assert!(advisories[2].affected.is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        let bad = LIST.replace("[bullseye]", "[hurd]");
        let err = read_list(bad.as_bytes()).expect_err("unknown release");
        assert_eq!(err.to_string(), "line 3: unknown Debian release \"hurd\"");

        let bad = LIST.replace("29 Mar 2023", "29 Foo 2023");
        let err = read_list(bad.as_bytes()).expect_err("bad date");
        assert!(err.to_string().starts_with("line 1: "), "{err}");

        let err = read_list(b"\t{CVE-2023-1}\n").expect_err("orphan line");
        assert_eq!(
            err.to_string(),
            "line 1: indented line before the first advisory"
        );

        let bad = LIST.replace("<unfixed>", "<maybe>");
        let err = read_list(bad.as_bytes()).expect_err("unknown marker");
        assert_eq!(err.to_string(), "line 8: unknown marker <maybe>");
    }

    #[test]
    fn release_numbers_follow_distro_info() {
        assert_eq!(release_number("Bookworm"), Some("12"));
        assert_eq!(release_number("etch"), Some("4.0"));
        assert_eq!(release_number("sid"), None);
        assert!(is_list_file_name("DSA-list.txt.gz"));
        assert!(is_list_file_name("DLA-list"));
        assert!(!is_list_file_name("DTSA-list.txt"));
    }
}
