//! The output of `apt list --upgradable`: the updates apt would install from its local lists.
//!
//! Each row reads `name/suite[,suite…] candidate arch [upgradable from: installed]`. The
//! suites become the update's origin; an update counts as a security update when any of its
//! suites is a security suite (`bookworm-security`, `oldstable-security`, `jammy-security`).
//! The `Listing...` banner, blank lines and apt's CLI-stability warning are skipped.

use steward_core::inventory::PendingUpdate;

use crate::ParseError;

/// The most rows accepted; a host has at most a few thousand packages.
pub const MAX_ROWS: usize = 100_000;

/// Parses the whole output into pending updates, in the order apt printed them.
pub fn parse_upgradable(text: &str) -> Result<Vec<PendingUpdate>, ParseError> {
    let mut updates = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with("Listing...") || line.starts_with("WARNING:") {
            continue;
        }
        if updates.len() == MAX_ROWS {
            return Err(ParseError::TooLarge {
                line: line_number,
                what: "rows",
                limit: MAX_ROWS,
            });
        }
        updates.push(parse_row(line).map_err(|message| ParseError::line(line_number, message))?);
    }
    Ok(updates)
}

/// Parses one row.
fn parse_row(line: &str) -> Result<PendingUpdate, String> {
    let (head, from) = line
        .split_once(" [upgradable from: ")
        .ok_or("expected `[upgradable from: VERSION]`")?;
    let installed = from
        .strip_suffix(']')
        .ok_or("unterminated `[upgradable from:`")?
        .trim();
    let mut words = head.split_ascii_whitespace();
    let (Some(name_suites), Some(candidate), Some(arch), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err("expected `name/suite version arch`".to_owned());
    };
    let (name, origin) = name_suites.split_once('/').ok_or("expected `name/suite`")?;
    if name.is_empty() || installed.is_empty() {
        return Err("empty package name or installed version".to_owned());
    }
    Ok(PendingUpdate {
        name: name.to_owned(),
        arch: arch.to_owned(),
        installed_version: installed.to_owned(),
        candidate_version: candidate.to_owned(),
        security: origin.split(',').any(is_security_suite),
        origin: origin.to_owned(),
    })
}

/// Whether a suite name is a security archive.
fn is_security_suite(suite: &str) -> bool {
    suite.ends_with("-security") || suite.contains("security")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_and_flags_security_suites() {
        let text = "WARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\
                    \nListing...\n\
                    apt/oldstable-security 2.6.2 amd64 [upgradable from: 2.6.1]\n\
                    base-files/oldstable 12.4+deb12u15 amd64 [upgradable from: 12.4+deb12u11]\n\
                    libssl3/jammy-updates,jammy-security 3.0.2-0ubuntu1.18 amd64 [upgradable from: 3.0.2-0ubuntu1.15]\n";
        let updates = parse_upgradable(text).unwrap();
        assert_eq!(
            updates[0],
            PendingUpdate {
                name: "apt".into(),
                arch: "amd64".into(),
                installed_version: "2.6.1".into(),
                candidate_version: "2.6.2".into(),
                origin: "oldstable-security".into(),
                security: true,
            }
        );
        assert!(!updates[1].security);
        assert_eq!(updates[1].origin, "oldstable");
        assert!(updates[2].security);
        assert_eq!(updates[2].origin, "jammy-updates,jammy-security");
    }

    #[test]
    fn malformed_row_names_its_line() {
        let err = parse_upgradable("Listing...\napt 2.6.2 amd64\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "line 2: expected `[upgradable from: VERSION]`");
    }

    #[test]
    fn shared_fixture_has_136_updates_89_from_security() {
        let path = crate::test_data::path("inventory/dpkg/apt-list-upgradable.txt");
        let updates = parse_upgradable(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(updates.len(), 136);
        assert_eq!(updates.iter().filter(|u| u.security).count(), 89);
        let base_files = updates.iter().find(|u| u.name == "base-files").unwrap();
        assert_eq!(base_files.candidate_version, "12.4+deb12u15");
        assert_eq!(base_files.installed_version, "12.4+deb12u11");
    }
}
