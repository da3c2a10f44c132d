//! The dpkg status database (`/var/lib/dpkg/status`).
//!
//! The file is a sequence of deb822 stanzas, one per package dpkg knows. [`StatusReader`]
//! streams it stanza by stanza, keeping only the handful of fields Steward needs, so a host
//! with thousands of packages costs one reused line buffer and no copy of the file.
//!
//! Which stanzas become packages: every package whose files are at least partly on disk.
//! A package whose status (the third word of `Status:`) is `installed` is reported with status
//! `installed`, which is exactly the set `dpkg-query` abbreviates as `?i`. Packages caught
//! mid-operation (`half-installed`, `unpacked`, `half-configured`, `triggers-awaited`,
//! `triggers-pending`) are reported too, with that status, since their files are present and
//! may be vulnerable. `config-files` (removed, only configuration left) and `not-installed`
//! stanzas carry no code and are skipped.

use std::io::BufRead;

use steward_core::inventory::{InstalledPackage, PackageSource};

use crate::ParseError;
use crate::lines::LineReader;

/// The most stanzas one status file may hold; far above any real system.
pub const MAX_STANZAS: usize = 200_000;

/// Streams the packages of a dpkg status file.
///
/// Each item is one package, or the error of one stanza; a bad stanza does not stop the
/// stanzas after it. Read failures and bound violations end the stream after their error.
pub struct StatusReader<R> {
    lines: LineReader<R>,
    ecosystem: String,
    stanzas: usize,
    finished: bool,
}

/// The fields of one stanza that Steward reads.
#[derive(Default)]
struct Stanza {
    first_line: usize,
    package: Option<String>,
    version: Option<String>,
    architecture: Option<String>,
    status: Option<String>,
    source: Option<String>,
}

impl<R: BufRead> StatusReader<R> {
    /// Reads `reader`, labelling every package with `ecosystem` (`Debian`, `Ubuntu`, …).
    pub fn new(reader: R, ecosystem: &str) -> Self {
        StatusReader {
            lines: LineReader::new(reader),
            ecosystem: ecosystem.to_owned(),
            stanzas: 0,
            finished: false,
        }
    }

    /// Collects the fields of the next stanza, or `None` at the end of input.
    fn next_stanza(&mut self) -> Result<Option<Stanza>, ParseError> {
        let mut stanza = Stanza::default();
        let mut seen_field = false;
        while let Some((number, line)) = self.lines.next_line()? {
            if line.trim().is_empty() {
                if seen_field {
                    break;
                }
                continue;
            }
            if !seen_field {
                stanza.first_line = number;
                seen_field = true;
            }
            if line.starts_with([' ', '\t']) {
                continue; // continuation of a multi-line field such as Description
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(ParseError::line(number, "expected `Field: value`"));
            };
            let slot = match name {
                n if n.eq_ignore_ascii_case("Package") => &mut stanza.package,
                n if n.eq_ignore_ascii_case("Version") => &mut stanza.version,
                n if n.eq_ignore_ascii_case("Architecture") => &mut stanza.architecture,
                n if n.eq_ignore_ascii_case("Status") => &mut stanza.status,
                n if n.eq_ignore_ascii_case("Source") => &mut stanza.source,
                _ => continue,
            };
            *slot = Some(value.trim().to_owned());
        }
        Ok(seen_field.then_some(stanza))
    }

    /// Turns a stanza into a package, or `None` when it holds no installed files.
    fn package(&self, stanza: Stanza) -> Result<Option<InstalledPackage>, ParseError> {
        let line = stanza.first_line;
        let name = stanza
            .package
            .ok_or_else(|| ParseError::field(line, "Package", "missing"))?;
        let status_field = stanza
            .status
            .ok_or_else(|| ParseError::field(line, "Status", "missing"))?;
        let status = package_status(&status_field).ok_or_else(|| {
            ParseError::field(line, "Status", format!("malformed: {status_field}"))
        })?;
        if matches!(status, "not-installed" | "config-files") {
            return Ok(None);
        }
        let version = stanza
            .version
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ParseError::field(line, "Version", format!("missing for {name}")))?;
        let (source_name, source_version) = match stanza.source.as_deref() {
            Some(source) => parse_source(source)
                .ok_or_else(|| ParseError::field(line, "Source", format!("malformed: {source}")))?,
            None => (name.clone(), None),
        };
        Ok(Some(InstalledPackage {
            ecosystem: self.ecosystem.clone(),
            source_version: Some(source_version.unwrap_or_else(|| version.clone())),
            source_name: Some(source_name),
            arch: stanza.architecture.unwrap_or_default(),
            name,
            version,
            source: PackageSource::Dpkg,
            status: status.to_owned(),
        }))
    }
}

impl<R: BufRead> Iterator for StatusReader<R> {
    type Item = Result<InstalledPackage, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let stanza = match self.next_stanza() {
                Ok(Some(stanza)) => stanza,
                Ok(None) => {
                    self.finished = true;
                    return None;
                }
                Err(err) => {
                    // A malformed line only spoils its stanza; skip to the next one.
                    self.finished = !matches!(err, ParseError::Line { .. });
                    if !self.finished {
                        self.skip_rest_of_stanza();
                    }
                    return Some(Err(err));
                }
            };
            self.stanzas += 1;
            if self.stanzas > MAX_STANZAS {
                self.finished = true;
                let line = self.lines.line_number();
                return Some(Err(ParseError::TooLarge {
                    line,
                    what: "stanzas",
                    limit: MAX_STANZAS,
                }));
            }
            match self.package(stanza) {
                Ok(Some(package)) => return Some(Ok(package)),
                Ok(None) => continue,
                Err(err) => return Some(Err(err)),
            }
        }
        None
    }
}

impl<R: BufRead> StatusReader<R> {
    fn skip_rest_of_stanza(&mut self) {
        loop {
            match self.lines.next_line() {
                Ok(Some((_, line))) if !line.trim().is_empty() => continue,
                Ok(_) => return,
                Err(_) => {
                    self.finished = true;
                    return;
                }
            }
        }
    }
}

/// Reads a whole status text into packages, failing on the first bad stanza.
pub fn parse_status(text: &str, ecosystem: &str) -> Result<Vec<InstalledPackage>, ParseError> {
    StatusReader::new(text.as_bytes(), ecosystem).collect()
}

/// The package status (third word) of a `Status: want flag status` value.
fn package_status(value: &str) -> Option<&str> {
    let mut words = value.split_ascii_whitespace();
    let (_want, _flag, status) = (words.next()?, words.next()?, words.next()?);
    words.next().is_none().then_some(status)
}

/// Splits `name` or `name (version)` into its parts.
fn parse_source(value: &str) -> Option<(String, Option<String>)> {
    let Some((name, rest)) = value.split_once(' ') else {
        return (!value.is_empty()).then(|| (value.to_owned(), None));
    };
    let version = rest.trim().strip_prefix('(')?.strip_suffix(')')?.trim();
    if name.is_empty() || version.is_empty() {
        return None;
    }
    Some((name.to_owned(), Some(version.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "\
Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u10
Description: GNU C Library: Shared libraries
 Contains the standard libraries.
 .
 More text: with a colon.

Package: libc6
Status: install ok installed
Architecture: i386
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u10

Package: libalgorithm-diff-xs-perl
Status: install ok installed
Architecture: amd64
Source: libalgorithm-diff-xs-perl (0.04-8)
Version: 0.04-8+b1

Package: oldthing
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: broken-upgrade
Status: install reinstreq half-configured
Architecture: all
Version: 2:3.1
";

    #[test]
    fn reads_installed_and_half_configured_packages_with_their_sources() {
        let packages = parse_status(STATUS, "Debian").unwrap();
        let summary: Vec<_> = packages
            .iter()
            .map(|p| {
                let source = (p.source_name.as_deref(), p.source_version.as_deref());
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.arch.as_str(),
                    source,
                    p.status.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "libc6",
                    "2.36-9+deb12u10",
                    "amd64",
                    (Some("glibc"), Some("2.36-9+deb12u10")),
                    "installed"
                ),
                (
                    "libc6",
                    "2.36-9+deb12u10",
                    "i386",
                    (Some("glibc"), Some("2.36-9+deb12u10")),
                    "installed"
                ),
                (
                    "libalgorithm-diff-xs-perl",
                    "0.04-8+b1",
                    "amd64",
                    (Some("libalgorithm-diff-xs-perl"), Some("0.04-8")),
                    "installed"
                ),
                (
                    "broken-upgrade",
                    "2:3.1",
                    "all",
                    (Some("broken-upgrade"), Some("2:3.1")),
                    "half-configured"
                ),
            ]
        );
        assert!(
            packages
                .iter()
                .all(|p| p.ecosystem == "Debian" && p.source == PackageSource::Dpkg)
        );
    }

    #[test]
    fn missing_version_names_the_stanza_line_and_field() {
        let text = "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\n";
        let err = parse_status(text, "Debian").unwrap_err().to_string();
        assert_eq!(err, "line 5: field Version: missing for b");
    }

    #[test]
    fn a_malformed_line_spoils_only_its_stanza() {
        let text = "Package: a\nnonsense\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n";
        let items: Vec<_> = StatusReader::new(text.as_bytes(), "Debian").collect();
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0].as_ref().unwrap_err().to_string(),
            "line 2: expected `Field: value`"
        );
        assert_eq!(items[1].as_ref().unwrap().name, "b");
    }

    #[test]
    fn an_overlong_line_is_refused_not_buffered() {
        let text = format!(
            "Package: a\nDescription: {}\n",
            "x".repeat(crate::lines::MAX_LINE)
        );
        let err = parse_status(&text, "Debian").unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::TooLarge {
                    line: 2,
                    what: "line",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn malformed_source_field_is_reported() {
        let text = "Package: a\nStatus: install ok installed\nVersion: 1\nSource: a (1\n";
        let err = parse_status(text, "Debian").unwrap_err().to_string();
        assert_eq!(err, "line 1: field Source: malformed: a (1");
    }
}
