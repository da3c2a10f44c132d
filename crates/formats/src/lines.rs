//! Bounded line reading shared by the streaming readers.
//!
//! A hostile or corrupt file can hold one enormous line; reading through [`LineReader`] never
//! buffers more than [`MAX_LINE`] bytes of it and reports the line number on every error. A
//! line holding a NUL character is refused: no format Steward reads has one in its text.

use std::io::{BufRead, Read};

use crate::ParseError;

/// The longest line any reader accepts, in bytes. Real dpkg and metadata lines stay far below.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// Reads lines one at a time into a reused buffer, counting them.
pub(crate) struct LineReader<R> {
    inner: R,
    buf: String,
    line: usize,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: String::new(),
            line: 0,
        }
    }

    /// The number of the line last read (1-based; 0 before the first).
    pub(crate) fn line_number(&self) -> usize {
        self.line
    }

    /// The next line's number and text without its line ending, or `None` at the end.
    pub(crate) fn next_line(&mut self) -> Result<Option<(usize, &str)>, ParseError> {
        self.buf.clear();
        self.line += 1;
        let limit = (MAX_LINE + 1) as u64;
        let read = (&mut self.inner).take(limit).read_line(&mut self.buf);
        let n = read.map_err(|source| ParseError::Read {
            line: self.line,
            source,
        })?;
        if n == 0 {
            return Ok(None);
        }
        if n > MAX_LINE {
            return Err(ParseError::TooLarge {
                line: self.line,
                what: "line",
                limit: MAX_LINE,
            });
        }
        if self.buf.contains('\0') {
            return Err(ParseError::line(
                self.line,
                "contains a NUL character (U+0000), which Steward does not accept",
            ));
        }
        let trimmed = self.buf.trim_end_matches(['\n', '\r']);
        Ok(Some((self.line, trimmed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_nul_is_refused_naming_the_line() {
        let text = "Package: a\nDescription: b\0c\n";
        let mut reader = LineReader::new(text.as_bytes());
        assert!(matches!(reader.next_line(), Ok(Some((1, "Package: a")))));
        let err = reader.next_line().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("line 2: contains a NUL character (U+0000), which Steward does not accept")
        );
    }

    #[test]
    fn other_control_characters_are_kept() {
        let mut reader = LineReader::new("a\u{1}\u{1b}b\r\n".as_bytes());
        assert!(matches!(reader.next_line(), Ok(Some((1, "a\u{1}\u{1b}b")))));
    }
}
