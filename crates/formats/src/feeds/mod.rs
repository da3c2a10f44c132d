//! Readers for advisory and lifecycle feeds, and the walker that loads a whole feed mirror.
//!
//! Each reader turns the bytes of one file into Steward's own types: advisories (OSV, the Debian
//! security tracker's DSA/DLA lists, Alpine secdb) become [`steward_core::assessment::advisory`]
//! records, the CISA KEV catalog becomes [`kev::KevEntry`] facts, and endoflife.date and
//! distro-info tables become [`eol::LifecycleProduct`]s. Readers never open files; [`mirror`]
//! does, recognising each file by its content and naming the file in every error it reports.
//!
//! Inputs are untrusted: every reader refuses input larger than [`MAX_FILE_BYTES`], and no
//! reader panics on malformed input.

pub mod alpine_secdb;
pub mod debian_tracker;
pub mod eol;
pub mod kev;
pub mod mirror;
pub mod osv;

mod text;

/// The largest single file (after decompression) any feed reader accepts: 64 MiB.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Why one feed file could not be read; the caller adds the file's path.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The JSON or YAML syntax is broken, or a value has the wrong type.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line of the fault (0 when the parser could not tell).
        line: usize,
        /// 1-based column of the fault (0 when the parser could not tell).
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// A field is present but its value is not acceptable.
    #[error("field {field}: {message}")]
    Field {
        /// Path of the field, as the format spells it (`affected[0].ranges[1].type`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A line of a line-oriented format is malformed.
    #[error("line {line}: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The input is larger than a reader accepts.
    #[error("input exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The bound, in bytes.
        limit: u64,
    },
}

impl ReadError {
    pub(crate) fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ReadError::Field {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn line(line: usize, message: impl Into<String>) -> Self {
        ReadError::Line {
            line,
            message: message.into(),
        }
    }

    /// Refuses input past [`MAX_FILE_BYTES`].
    pub(crate) fn check_size(input: &[u8]) -> Result<(), ReadError> {
        if input.len() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge {
                limit: MAX_FILE_BYTES,
            });
        }
        Ok(())
    }
}

impl From<serde_json::Error> for ReadError {
    fn from(err: serde_json::Error) -> Self {
        ReadError::Syntax {
            line: err.line(),
            column: err.column(),
            message: strip_position(&err.to_string()),
        }
    }
}

impl From<serde_norway::Error> for ReadError {
    fn from(err: serde_norway::Error) -> Self {
        let (line, column) = err.location().map_or((0, 0), |at| (at.line(), at.column()));
        ReadError::Syntax {
            line,
            column,
            message: strip_position(&err.to_string()),
        }
    }
}

/// Drops the parser's own " at line X column Y" suffix, since [`ReadError::Syntax`] shows both.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
