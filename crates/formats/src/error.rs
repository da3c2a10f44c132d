//! The one error type of the readers: what went wrong, and on which line and field.

/// A reader's failure, naming the 1-based line (and field, where there is one) of the input.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// A field is missing or its value is malformed.
    #[error("line {line}: field {field}: {message}")]
    Field {
        /// Line of the record (or field) at fault.
        line: usize,
        /// Field name, as the format spells it.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A line does not have the shape the format requires.
    #[error("line {line}: {message}")]
    Line {
        /// Line at fault.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The input goes past a reader's bound.
    #[error("line {line}: {what} exceeds the limit of {limit}")]
    TooLarge {
        /// Line where the bound was crossed.
        line: usize,
        /// What grew too large (a line, the number of records).
        what: &'static str,
        /// The bound.
        limit: usize,
    },
    /// The underlying reader failed.
    #[error("line {line}: read failed: {source}")]
    Read {
        /// Line being read when it failed.
        line: usize,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl ParseError {
    pub(crate) fn field(line: usize, field: &str, message: impl Into<String>) -> Self {
        ParseError::Field {
            line,
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn line(line: usize, message: impl Into<String>) -> Self {
        ParseError::Line {
            line,
            message: message.into(),
        }
    }
}
