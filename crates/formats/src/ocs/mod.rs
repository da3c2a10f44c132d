//! OCS Inventory NG and FusionInventory agent messages: the body's compression, the XML
//! `REQUEST` envelope (`PROLOG` or `INVENTORY`) and the inventory's mapping into Steward's model.
//!
//! Both agents POST one XML document per request, usually raw zlib (RFC 1950, not a
//! `Content-Encoding`), sometimes gzip or plain. Everything here is untrusted: the body and
//! its inflated size are bounded (inflation stops at the bound, so a zlib bomb costs no more
//! memory than the bound), a DOCTYPE is refused so no DTD is read and no entity is declared,
//! entity references other than the predefined five are refused, and nesting depth and
//! element count are bounded. Errors name the line and element at fault.

pub(crate) mod map;
mod xml;

use std::io::Read;

pub use map::{OcsInventory, map_inventory};
pub use xml::Element;

/// Bounds on an OCS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest body accepted as sent (compressed), in bytes.
    pub max_body: usize,
    /// Largest document once inflated, in bytes.
    pub max_inflated: usize,
    /// Deepest element nesting.
    pub max_depth: usize,
    /// Most elements in one document.
    pub max_elements: usize,
}

impl Limits {
    /// 32 MiB sent, 128 MiB inflated, depth 32, 2,000,000 elements: a host with 10,000
    /// packages sends about 5 MiB of XML in about 100,000 elements.
    pub const DEFAULT: Limits = Limits {
        max_body: 32 << 20,
        max_inflated: 128 << 20,
        max_depth: 32,
        max_elements: 2_000_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Why a message was not read.
#[derive(Debug, thiserror::Error)]
pub enum OcsError {
    /// The message goes past one of its [`Limits`].
    #[error("{what} exceeds the limit of {limit}")]
    Limit {
        /// What grew too large.
        what: String,
        /// The bound.
        limit: usize,
    },
    /// The body could not be inflated.
    #[error("body: {0}")]
    Compression(String),
    /// The XML is malformed or not an OCS request.
    #[error("line {line}: {message}")]
    Malformed {
        /// Line at fault.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The XML uses a construct refused on principle (DOCTYPE, entity declarations).
    #[error("{0}")]
    Refused(String),
}

/// How a body was (or should be) compressed; replies use the request's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// RFC 1950 zlib, what both agents send by default.
    Zlib,
    /// RFC 1952 gzip, what the agents fall back to without `Compress::Zlib`.
    Gzip,
    /// Plain XML.
    None,
}

/// What the agent asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// "May I send an inventory?"
    Prolog,
    /// An inventory.
    Inventory,
    /// Anything else (`UPDATE`, `SNMP`, …), by name.
    Other(String),
}

/// One agent request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The query.
    pub query: Query,
    /// The agent's device id (`hostname-YYYY-MM-DD-HH-MM-SS`), stable for one installation.
    pub device_id: String,
    /// The `CONTENT` element, for inventories.
    pub content: Option<Element>,
}

/// Recognises the body's compression from its first bytes and inflates it within the bound.
pub fn inflate(body: &[u8], limits: &Limits) -> Result<(Vec<u8>, Compression), OcsError> {
    if body.len() > limits.max_body {
        return Err(OcsError::Limit {
            what: format!("body size ({} bytes)", body.len()),
            limit: limits.max_body,
        });
    }
    let (compression, reader): (Compression, Box<dyn Read + '_>) = match body {
        [0x78, flags, ..] if (0x7800 | u16::from(*flags)) % 31 == 0 => (
            Compression::Zlib,
            Box::new(flate2::read::ZlibDecoder::new(body)),
        ),
        [0x1f, 0x8b, ..] => (
            Compression::Gzip,
            Box::new(flate2::read::GzDecoder::new(body)),
        ),
        _ if looks_like_xml(body) => return Ok((body.to_vec(), Compression::None)),
        _ => {
            return Err(OcsError::Compression(
                "neither zlib, gzip nor XML (the agents send zlib-compressed XML)".into(),
            ));
        }
    };

    let mut inflated = Vec::new();
    let limit = limits.max_inflated;
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|err| OcsError::Compression(format!("cannot inflate: {err}")))?;
    if inflated.len() > limit {
        return Err(OcsError::Limit {
            what: "inflated body size".into(),
            limit,
        });
    }
    Ok((inflated, compression))
}

/// Compresses a reply the way the request came.
pub fn deflate(xml: &[u8], compression: Compression) -> Vec<u8> {
    use std::io::Write;

    // Writing into a Vec cannot fail; an empty reply makes the agent log an error and retry.
    let encoded = match compression {
        Compression::Zlib => {
            let mut encoder =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(xml).and_then(|()| encoder.finish())
        }
        Compression::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(xml).and_then(|()| encoder.finish())
        }
        Compression::None => Ok(xml.to_vec()),
    };
    encoded.unwrap_or_default()
}

fn looks_like_xml(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<')
}

/// Parses an inflated request: the `REQUEST` root with its `QUERY`, `DEVICEID` and `CONTENT`.
pub fn parse_request(xml: &[u8], limits: &Limits) -> Result<Request, OcsError> {
    let root = xml::parse(xml, limits)?;
    if root.name != "REQUEST" {
        return Err(OcsError::Malformed {
            line: root.line,
            message: format!("root element is <{}>, not <REQUEST>", root.name),
        });
    }
    let query = match root
        .text_of("QUERY")
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("PROLOG") => Query::Prolog,
        Some("INVENTORY") => Query::Inventory,
        Some(other) => Query::Other(other.to_owned()),
        None => {
            return Err(OcsError::Malformed {
                line: root.line,
                message: "<REQUEST> has no <QUERY>".into(),
            });
        }
    };
    let device_id = root.text_of("DEVICEID").unwrap_or_default().to_owned();
    if device_id.is_empty() || device_id.len() > 255 {
        return Err(OcsError::Malformed {
            line: root.line,
            message: "<DEVICEID> must be 1 to 255 characters".into(),
        });
    }
    let content = root.children.into_iter().find(|c| c.name == "CONTENT");
    Ok(Request {
        query,
        device_id,
        content,
    })
}

#[cfg(test)]
pub(crate) mod tests;
