//! Python core metadata (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`).
//!
//! The metadata is a block of RFC 822 style headers, then an optional body (the long
//! description) after the first blank line. Only `Name` and `Version` matter here, so
//! [`read_metadata`] stops at the end of the headers and never reads the body. The name is
//! kept as written: normalising it (PEP 503) is the matcher's business.

use std::io::BufRead;

use crate::ParseError;
use crate::lines::LineReader;

/// The most header lines read before giving up; real files have at most a few hundred.
pub const MAX_HEADER_LINES: usize = 10_000;

/// The identity of one installed Python distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreMetadata {
    /// `Name`, as written.
    pub name: String,
    /// `Version`, as written.
    pub version: String,
}

/// Reads the headers of a metadata file, up to the first blank line.
pub fn read_metadata<R: BufRead>(reader: R) -> Result<CoreMetadata, ParseError> {
    let mut lines = LineReader::new(reader);
    let (mut name, mut version) = (None, None);
    while let Some((number, line)) = lines.next_line()? {
        if number > MAX_HEADER_LINES {
            let limit = MAX_HEADER_LINES;
            return Err(ParseError::TooLarge {
                line: number,
                what: "header",
                limit,
            });
        }
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue; // a folded header, e.g. a long License or Description
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(ParseError::line(number, "expected `Header: value`"));
        };
        let value = value.trim();
        if key.eq_ignore_ascii_case("Name") && name.is_none() {
            name = Some(value.to_owned());
        } else if key.eq_ignore_ascii_case("Version") && version.is_none() {
            version = Some(value.to_owned());
        }
        if name.is_some() && version.is_some() {
            break;
        }
    }
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ParseError::field(1, "Name", "missing"))?;
    let version = version
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ParseError::field(1, "Version", "missing"))?;
    Ok(CoreMetadata { name, version })
}

/// [`read_metadata`] on text already in memory.
pub fn parse_metadata(text: &str) -> Result<CoreMetadata, ParseError> {
    read_metadata(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_and_version_as_written() {
        let text = "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\nSummary: YAML parser\n\
                    License: MIT\n  continued licence text\n\nName: not-a-header\n";
        let meta = parse_metadata(text).unwrap();
        assert_eq!(
            meta,
            CoreMetadata {
                name: "PyYAML".into(),
                version: "6.0".into()
            }
        );
    }

    #[test]
    fn stops_at_the_body() {
        let text = "Metadata-Version: 1.1\nName: x\n\nVersion: 1\n";
        let err = parse_metadata(text).unwrap_err().to_string();
        assert_eq!(err, "line 1: field Version: missing");
    }

    #[test]
    fn malformed_header_names_its_line() {
        let err = parse_metadata("Name: x\nbogus line\nVersion: 1\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "line 2: expected `Header: value`");
    }
}
