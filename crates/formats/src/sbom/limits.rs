//! The bounds every SBOM and lockfile reader holds its input to, and the error it reports.
//!
//! The defaults are far above any real document (the largest example SBOMs hold a few
//! thousand components in a few megabytes) and far below what would exhaust the server.

use crate::ParseError;

/// Bounds on an untrusted document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest document accepted, in bytes.
    pub max_bytes: usize,
    /// Most components one document may hold.
    pub max_components: usize,
    /// Deepest nesting of JSON arrays and objects, XML elements, or CycloneDX components.
    pub max_depth: usize,
    /// Most XML elements one document may hold.
    pub max_elements: usize,
}

impl Limits {
    /// The default bounds: 64 MiB, 500,000 components, depth 64, 4,000,000 XML elements.
    pub const DEFAULT: Limits = Limits {
        max_bytes: 64 << 20,
        max_components: 500_000,
        max_depth: 64,
        max_elements: 4_000_000,
    };

    /// Refuses a document larger than [`Limits::max_bytes`].
    pub fn check_size(&self, len: usize) -> Result<(), DocumentError> {
        if len > self.max_bytes {
            return Err(DocumentError::Limit {
                what: format!("document size ({len} bytes)"),
                limit: self.max_bytes,
            });
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Why a document was not read.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The document goes past one of its [`Limits`].
    #[error("{what} exceeds the limit of {limit}")]
    Limit {
        /// What grew too large, with where when it is known.
        what: String,
        /// The bound.
        limit: usize,
    },
    /// The document is malformed: the line and field at fault.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The document is well-formed but not accepted, for the reason given.
    #[error("refused: {0}")]
    Refused(String),
}
