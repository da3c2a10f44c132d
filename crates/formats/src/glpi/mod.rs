//! GLPI agent messages: the native JSON inventory format (the `inventory_format` schema that
//! `glpi-agent` sends to GLPI 10 and later) and the `contact` exchange that precedes it.
//!
//! A message is one JSON object with an `action` (`contact`, `inventory`, `netinventory`, …),
//! the agent's `deviceid` and, for inventories, a `content` object. Computers (and documents
//! without an `itemtype`) become a [`HostReport`]; network equipment, printers and phones
//! become an [`AssetRecord`] of their kind. Only what Steward keeps is read; every other
//! field and section is skipped without being stored.
//!
//! Everything here is untrusted: the body and its inflated size are bounded (zlib and gzip go
//! through the OCS reader's bounded inflation), nesting depth is checked by a scan of the raw
//! text before any parsing, a NUL character (`\u0000`) is refused, and errors name the line
//! or the JSON path of the field at fault (`content.softwares[3].name: …`). Leaf values are
//! read leniently (a number where the schema says string, or the reverse, is taken as text)
//! because agents in the field do both.

mod map;
mod schema;

use steward_core::inventory::AssetRecord;

pub use crate::ocs::Compression;
pub use map::{FactPart, HostReport};

/// Bounds on a GLPI message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest body accepted as sent (compressed), in bytes.
    pub max_body: usize,
    /// Largest document once inflated, in bytes.
    pub max_inflated: usize,
    /// Deepest nesting of objects and arrays.
    pub max_depth: usize,
}

impl Limits {
    /// 32 MiB sent, 128 MiB inflated, depth 32: a computer with 3,000 packages sends about
    /// 1.4 MB of JSON nested 5 deep; network equipment with 500 ports about 0.5 MB.
    pub const DEFAULT: Limits = Limits {
        max_body: 32 << 20,
        max_inflated: 128 << 20,
        max_depth: 32,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Why a message was not read.
#[derive(Debug, thiserror::Error)]
pub enum GlpiError {
    /// The message goes past one of its [`Limits`].
    #[error("{what} exceeds the limit of {limit}")]
    Limit {
        /// What grew too large.
        what: String,
        /// The bound.
        limit: usize,
    },
    /// The body could not be inflated, or is not JSON at all.
    #[error("body: {0}")]
    Compression(String),
    /// The text is not acceptable JSON (syntax, depth, NUL).
    #[error("line {line}: {message}")]
    Malformed {
        /// Line at fault.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A field has the wrong shape, or a required one is missing.
    #[error("{path}: {message}")]
    Field {
        /// JSON path of the field (`content.cpus[0]`), `.` for the document itself.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// What the agent asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// "Which tasks do you want me to run?"
    Contact,
    /// An inventory of a computer (`inventory`) or of SNMP-read equipment (`netinventory`).
    Inventory,
    /// Anything else (`get_params`, `netdiscovery`, `register`, …), by name.
    Other(String),
}

/// What an inventory describes.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A computer: its host facts and packages.
    Host(Box<HostReport>),
    /// Network equipment, a printer or a phone: an asset of that kind.
    Asset(Box<AssetRecord>),
}

/// One agent message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The action.
    pub action: Action,
    /// The agent's device id (`hostname-YYYY-MM-DD-HH-MM-SS`), stable for one installation.
    pub device_id: String,
    /// The agent's name and version (`versionclient`, or `name` and `version` of a contact).
    pub agent: Option<String>,
    /// What an inventory describes; `None` for other actions.
    pub item: Option<Item>,
}

/// Recognises the body's compression from its first bytes and inflates it within the bound.
///
/// The agent labels its body (`application/x-compress-zlib`, `…-gzip`, `application/json`),
/// but the bytes decide: a mislabelled body is still read, and a body that is none of the
/// three is refused.
pub fn inflate(body: &[u8], limits: &Limits) -> Result<(Vec<u8>, Compression), GlpiError> {
    if body.len() > limits.max_body {
        return Err(GlpiError::Limit {
            what: format!("body size ({} bytes)", body.len()),
            limit: limits.max_body,
        });
    }
    if looks_like_json(body) {
        return Ok((body.to_vec(), Compression::None));
    }
    let compressed = matches!(body, [0x78, flags, ..] if (0x7800 | u16::from(*flags)) % 31 == 0)
        || body.starts_with(&[0x1f, 0x8b]);
    if !compressed {
        return Err(GlpiError::Compression(
            "neither zlib, gzip nor JSON (the agent sends zlib-compressed JSON)".into(),
        ));
    }
    let ocs_limits = crate::ocs::Limits {
        max_body: limits.max_body,
        max_inflated: limits.max_inflated,
        ..crate::ocs::Limits::DEFAULT
    };
    crate::ocs::inflate(body, &ocs_limits).map_err(|err| match err {
        crate::ocs::OcsError::Limit { what, limit } => GlpiError::Limit { what, limit },
        other => GlpiError::Compression(other.to_string()),
    })
}

fn looks_like_json(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// Reads an inflated message and maps its content.
pub fn read(json: &[u8], limits: &Limits) -> Result<Message, GlpiError> {
    if json.len() > limits.max_inflated {
        return Err(GlpiError::Limit {
            what: format!("document size ({} bytes)", json.len()),
            limit: limits.max_inflated,
        });
    }
    let json = json.strip_prefix(b"\xef\xbb\xbf").unwrap_or(json);
    scan(json, limits.max_depth)?;
    let document = deserialize(json)?;
    map::message(document)
}

fn deserialize(json: &[u8]) -> Result<schema::Document, GlpiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let document: schema::Document =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                GlpiError::Malformed {
                    line: inner.line(),
                    message: format!("malformed JSON: {inner}"),
                }
            } else {
                GlpiError::Field {
                    path,
                    message: inner.to_string(),
                }
            }
        })?;
    deserializer.end().map_err(|err| GlpiError::Malformed {
        line: err.line(),
        message: format!("text after the JSON object: {err}"),
    })?;
    Ok(document)
}

/// Walks the raw text once: refuses nesting deeper than `max_depth` (before a recursive
/// parser sees it) and the `\u0000` escape (a NUL in any string).
fn scan(json: &[u8], max_depth: usize) -> Result<(), GlpiError> {
    let (mut depth, mut line) = (0usize, 1usize);
    let (mut in_string, mut escaped) = (false, false);
    for (at, byte) in json.iter().enumerate() {
        if *byte == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
                if *byte == b'u' && json[at + 1..].starts_with(b"0000") {
                    return Err(GlpiError::Malformed {
                        line,
                        message: "a string contains a NUL character (\\u0000)".into(),
                    });
                }
            } else if *byte == b'\\' {
                escaped = true;
            } else if *byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max_depth {
                    return Err(GlpiError::Malformed {
                        line,
                        message: format!("nesting depth exceeds the limit of {max_depth}"),
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Inflates and reads a message in one step.
pub fn read_body(body: &[u8], limits: &Limits) -> Result<(Message, Compression), GlpiError> {
    let (json, compression) = inflate(body, limits)?;
    Ok((read(&json, limits)?, compression))
}

#[cfg(test)]
mod tests;
