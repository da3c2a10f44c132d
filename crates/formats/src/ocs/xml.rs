//! A small bounded element tree: the OCS envelope is shallow and uses no attributes, so the
//! whole document is read into elements with their text and children, then mapped.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

use super::{Limits, OcsError};

/// One XML element: its name, trimmed text and child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name, as written (OCS names are upper case).
    pub name: String,
    /// Text content, trimmed.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Line the element starts on.
    pub line: usize,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The non-empty text of the first child with this name.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
    }
}

/// Parses a whole document into its root element.
pub(super) fn parse(bytes: &[u8], limits: &Limits) -> Result<Element, OcsError> {
    let source = std::str::from_utf8(bytes).map_err(|err| OcsError::Malformed {
        line: line_at(bytes, err.valid_up_to()),
        message: "not UTF-8 text".into(),
    })?;
    // XML 1.0 has no NUL, and Steward stores none: refused here with its line, before the
    // parser, which would pass a raw NUL through as text.
    if let Some(at) = source.find('\0') {
        return Err(malformed(
            line_at(bytes, at),
            "a NUL character (U+0000) is not allowed",
        ));
    }
    let mut lines = Lines::new(bytes);
    let mut line = |position: usize| lines.at(position);
    let mut reader = Reader::from_str(source);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut elements = 0usize;

    loop {
        let event = reader.read_event().map_err(|err| OcsError::Malformed {
            line: line(reader.error_position() as usize),
            message: format!("malformed XML: {err}"),
        })?;
        let position = reader.buffer_position() as usize;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(malformed(line(position), "content after the root element"));
            }
            Event::Start(start) => {
                elements += 1;
                check_bounds(elements, stack.len(), limits, line(position))?;
                stack.push(Element {
                    name: start.local_name().as_ref().to_owned(),
                    line: line(position),
                    ..Element::default()
                });
            }
            Event::Empty(start) => {
                elements += 1;
                check_bounds(elements, stack.len(), limits, line(position))?;
                let element = Element {
                    name: start.local_name().as_ref().to_owned(),
                    line: line(position),
                    ..Element::default()
                };
                close(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                let Some(mut element) = stack.pop() else {
                    return Err(malformed(
                        line(position),
                        "closing tag without an opening one",
                    ));
                };
                element.text = element.text.trim().to_owned();
                close(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(data.as_ref());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = resolve(&reference, line(position))?;
                if let Some(open) = stack.last_mut() {
                    open.text.push(resolved);
                }
            }
            Event::DocType(_) => {
                return Err(OcsError::Refused(format!(
                    "line {}: XML document type declarations (DOCTYPE) are not accepted",
                    line(position)
                )));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(malformed(
            open.line,
            format!("<{}> is never closed", open.name),
        ));
    }
    root.ok_or_else(|| malformed(1, "no XML element"))
}

fn close(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn check_bounds(
    elements: usize,
    depth: usize,
    limits: &Limits,
    line: usize,
) -> Result<(), OcsError> {
    if elements > limits.max_elements {
        return Err(OcsError::Limit {
            what: format!("number of XML elements at line {line}"),
            limit: limits.max_elements,
        });
    }
    if depth >= limits.max_depth {
        return Err(OcsError::Limit {
            what: format!("XML nesting depth at line {line}"),
            limit: limits.max_depth,
        });
    }
    Ok(())
}

/// Character references and the five predefined entities; anything else is refused.
fn resolve(reference: &BytesRef<'_>, line: usize) -> Result<char, OcsError> {
    match reference.resolve_char_ref() {
        Ok(Some(ch)) => Ok(ch),
        Ok(None) => match reference.as_ref() {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "apos" => Ok('\''),
            "quot" => Ok('"'),
            other => Err(OcsError::Refused(format!(
                "line {line}: entity reference &{other}; is not expanded (only the predefined \
                 XML entities are)"
            ))),
        },
        Err(err) => Err(malformed(line, err.to_string())),
    }
}

fn malformed(line: usize, message: impl Into<String>) -> OcsError {
    OcsError::Malformed {
        line,
        message: message.into(),
    }
}

/// Line numbers of increasing positions, counted incrementally so that a large document costs
/// one pass.
struct Lines<'a> {
    bytes: &'a [u8],
    position: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Lines {
            bytes,
            position: 0,
            line: 1,
        }
    }

    fn at(&mut self, position: usize) -> usize {
        let end = position.min(self.bytes.len());
        if end < self.position {
            return line_at(self.bytes, end);
        }
        self.line += self.bytes[self.position..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.position = end;
        self.line
    }
}

fn line_at(bytes: &[u8], position: usize) -> usize {
    let end = position.min(bytes.len());
    bytes[..end].iter().filter(|b| **b == b'\n').count() + 1
}
