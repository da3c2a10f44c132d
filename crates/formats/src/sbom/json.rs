//! JSON shared by the JSON readers: a nesting-depth bound checked before parsing, parse errors
//! turned into line-numbered errors, and recognition of a JSON SBOM by its top-level keys.

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::{DocumentError, Limits, SbomFormat};
use crate::ParseError;

/// Refuses JSON nested deeper than the limit, naming the line where it went too deep. Runs in
/// one pass over the bytes, before any value is built.
pub(crate) fn check_depth(bytes: &[u8], limits: &Limits) -> Result<(), DocumentError> {
    let (mut depth, mut line) = (0usize, 1usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in bytes {
        if byte == b'\n' {
            line += 1;
        }
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(DocumentError::Limit {
                        what: format!("JSON nesting depth at line {line}"),
                        limit: limits.max_depth,
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Checks the depth bound, then deserializes, reporting errors with their line.
pub(crate) fn parse<T: DeserializeOwned>(
    bytes: &[u8],
    limits: &Limits,
) -> Result<T, DocumentError> {
    check_depth(bytes, limits)?;
    serde_json::from_slice(bytes).map_err(|err| DocumentError::Parse(parse_error(&err)))
}

/// A serde_json error as a [`ParseError`] on the error's line.
pub(crate) fn parse_error(err: &serde_json::Error) -> ParseError {
    let text = err.to_string();
    let message = match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_owned(),
        None => text,
    };
    ParseError::line(err.line(), message)
}

/// The top-level keys that tell the JSON SBOM formats apart.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "bomFormat")]
    bom_format: Option<IgnoredAny>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<IgnoredAny>,
    #[serde(rename = "@context")]
    context: Option<IgnoredAny>,
    #[serde(rename = "@graph")]
    graph: Option<IgnoredAny>,
}

/// Recognises a JSON SBOM: `bomFormat` is CycloneDX, `spdxVersion` SPDX 2, and `@context`
/// or `@graph` SPDX 3. A document too deep or malformed is not recognised.
pub(crate) fn detect(bytes: &[u8]) -> Option<SbomFormat> {
    check_depth(bytes, &Limits::DEFAULT).ok()?;
    let probe: Probe = serde_json::from_slice(bytes).ok()?;
    if probe.bom_format.is_some() {
        Some(SbomFormat::CycloneDxJson)
    } else if probe.spdx_version.is_some() {
        Some(SbomFormat::Spdx2Json)
    } else if probe.context.is_some() || probe.graph.is_some() {
        Some(SbomFormat::Spdx3JsonLd)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_with_its_line() {
        let doc = format!("{{\n\"a\": {}{}}}", "[".repeat(70), "]".repeat(70));
        let err = check_depth(doc.as_bytes(), &Limits::DEFAULT).expect_err("too deep");
        assert_eq!(
            err.to_string(),
            "JSON nesting depth at line 2 exceeds the limit of 64"
        );
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let doc = format!("{{\"a\": \"{}\\\"{}\"}}", "[".repeat(100), "{".repeat(100));
        assert!(check_depth(doc.as_bytes(), &Limits::DEFAULT).is_ok());
    }
}
