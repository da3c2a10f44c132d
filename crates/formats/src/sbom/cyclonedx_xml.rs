//! CycloneDX XML, read event by event into the same model as the JSON documents.
//!
//! The reader is strict about what could be abused and lenient about what does not matter:
//! a DOCTYPE is refused (so no DTD is read and no entity declared), an entity reference other
//! than the five predefined ones and character references is refused, nesting depth and the
//! number of elements are bounded. Elements this reader does not use (hashes, pedigree,
//! evidence, services, vulnerabilities) are skipped whole, so a component inside a pedigree
//! is not mistaken for one of the application's.

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::DocumentError;
use super::Limits;
use super::cyclonedx::{Bom, BomComponent, BomDependency, License, LicenseChoice, Metadata};
use crate::ParseError;

/// The namespace every CycloneDX BOM schema lives under, followed by its version.
const NAMESPACE_PREFIX: &str = "http://cyclonedx.org/schema/bom/";

/// Where a finished component goes.
#[derive(Debug, Clone, Copy)]
enum Destination {
    /// `bom/components`.
    Top,
    /// `metadata/component`.
    Metadata,
    /// The `components` of the enclosing component.
    Parent,
}

/// A text-valued element this reader keeps.
#[derive(Debug, Clone, Copy)]
enum Field {
    Name,
    Version,
    Group,
    Purl,
    Scope,
    LicenseId,
    LicenseName,
    Expression,
}

/// What an open element is, for the elements below it.
#[derive(Debug, Clone, Copy)]
enum Frame {
    Bom,
    Metadata,
    Components(Destination),
    Component(Destination),
    Licenses,
    License,
    Text(Field),
    Dependencies,
    Dependency,
    Skipped,
}

struct Parser<'a> {
    source: &'a str,
    limits: &'a Limits,
    stack: Vec<Frame>,
    bom: Bom,
    open: Vec<BomComponent>,
    /// The line each open component started on, for errors about it.
    open_lines: Vec<usize>,
    license: License,
    text: String,
    elements: usize,
    /// The last offset asked for and its line: the reader moves forward, so counting newlines
    /// from there keeps line numbers linear in the document's size, not quadratic.
    line_cursor: std::cell::Cell<(usize, usize)>,
}

/// Parses a CycloneDX XML document into the shared model.
pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<Bom, DocumentError> {
    let source = std::str::from_utf8(bytes).map_err(|err| {
        let line = line_at(bytes, err.valid_up_to());
        ParseError::line(line, "not UTF-8 text")
    })?;
    let mut parser = Parser {
        source,
        limits,
        stack: Vec::new(),
        bom: Bom::default(),
        open: Vec::new(),
        open_lines: Vec::new(),
        license: License::default(),
        text: String::new(),
        elements: 0,
        line_cursor: std::cell::Cell::new((0, 1)),
    };
    parser.run()?;
    Ok(parser.bom)
}

impl Parser<'_> {
    fn run(&mut self) -> Result<(), DocumentError> {
        // Text is trimmed per field, not per event: an entity reference splits text events.
        let mut reader = Reader::from_str(self.source);
        loop {
            let event = reader.read_event().map_err(|err| {
                let position = reader.error_position() as usize;
                ParseError::line(self.line(position), format!("malformed XML: {err}"))
            })?;
            let position = reader.buffer_position() as usize;
            match event {
                Event::Start(start) => self.start(&start, position)?,
                Event::Empty(start) => {
                    self.start(&start, position)?;
                    self.end()?;
                }
                Event::End(_) => self.end()?,
                Event::Text(text) => self.text.push_str(&text.xml10_content()),
                Event::CData(data) => self.text.push_str(data.as_ref()),
                Event::GeneralRef(reference) => self.reference(&reference, position)?,
                Event::DocType(_) => {
                    return Err(DocumentError::Refused(format!(
                        "line {}: XML document type declarations (DOCTYPE) are not accepted",
                        self.line(position)
                    )));
                }
                Event::Eof => break,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            }
        }
        if self.bom.spec_version.is_none() {
            return Err(ParseError::line(1, "no <bom> element in the CycloneDX namespace").into());
        }
        Ok(())
    }

    fn line(&self, position: usize) -> usize {
        let bytes = self.source.as_bytes();
        let position = position.min(bytes.len());
        let (from, line) = match self.line_cursor.get() {
            (offset, line) if offset <= position => (offset, line),
            _ => (0, 1),
        };
        let line = line
            + bytes[from..position]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
        self.line_cursor.set((position, line));
        line
    }

    fn start(&mut self, start: &BytesStart<'_>, position: usize) -> Result<(), DocumentError> {
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(DocumentError::Limit {
                what: format!("number of XML elements at line {}", self.line(position)),
                limit: self.limits.max_elements,
            });
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(DocumentError::Limit {
                what: format!("XML nesting depth at line {}", self.line(position)),
                limit: self.limits.max_depth,
            });
        }
        let local = start.local_name();
        let name = local.as_ref();
        let frame = match (self.stack.last().copied(), name) {
            (None, _) => self.root(start, name, position)?,
            (Some(Frame::Bom), "metadata") => Frame::Metadata,
            (Some(Frame::Bom), "components") => Frame::Components(Destination::Top),
            (Some(Frame::Bom), "dependencies") => Frame::Dependencies,
            (Some(Frame::Metadata), "component") => {
                self.open_component(start, Destination::Metadata, position)?
            }
            (Some(Frame::Components(to)), "component") => {
                self.open_component(start, to, position)?
            }
            (Some(Frame::Component(_)), "components") => Frame::Components(Destination::Parent),
            (Some(Frame::Component(_)), "licenses") => Frame::Licenses,
            (Some(Frame::Component(_)), field) => match field {
                "name" => self.field(Field::Name),
                "version" => self.field(Field::Version),
                "group" => self.field(Field::Group),
                "purl" => self.field(Field::Purl),
                "scope" => self.field(Field::Scope),
                _ => Frame::Skipped,
            },
            (Some(Frame::Licenses), "license") => {
                self.license = License::default();
                Frame::License
            }
            (Some(Frame::Licenses), "expression") => self.field(Field::Expression),
            (Some(Frame::License), "id") => self.field(Field::LicenseId),
            (Some(Frame::License), "name") => self.field(Field::LicenseName),
            (Some(Frame::Dependencies), "dependency") => {
                let reference = self.attribute(start, "ref", position)?.unwrap_or_default();
                self.bom.dependencies.push(BomDependency {
                    reference,
                    depends_on: Vec::new(),
                });
                Frame::Dependency
            }
            (Some(Frame::Dependency), "dependency") => {
                let reference = self.attribute(start, "ref", position)?;
                if let (Some(reference), Some(node)) = (reference, self.bom.dependencies.last_mut())
                {
                    node.depends_on.push(reference);
                }
                Frame::Skipped
            }
            _ => Frame::Skipped,
        };
        self.stack.push(frame);
        Ok(())
    }

    fn root(
        &mut self,
        start: &BytesStart<'_>,
        name: &str,
        position: usize,
    ) -> Result<Frame, DocumentError> {
        let namespace = start
            .attributes()
            .flatten()
            .filter(|a| a.key.as_ref() == "xmlns" || a.key.as_ref().starts_with("xmlns:"))
            .find_map(|a| {
                let value = a.normalized_value(XmlVersion::Implicit1_0).ok()?;
                value.strip_prefix(NAMESPACE_PREFIX).map(str::to_owned)
            });
        match (name, namespace) {
            ("bom", Some(version)) => {
                self.bom.bom_format = Some("CycloneDX".to_owned());
                self.bom.spec_version = Some(version);
                Ok(Frame::Bom)
            }
            _ => Err(ParseError::line(
                self.line(position),
                format!("root element <{name}> is not a <bom> in the CycloneDX namespace"),
            )
            .into()),
        }
    }

    fn open_component(
        &mut self,
        start: &BytesStart<'_>,
        destination: Destination,
        position: usize,
    ) -> Result<Frame, DocumentError> {
        let component = BomComponent {
            kind: self.attribute(start, "type", position)?,
            bom_ref: self.attribute(start, "bom-ref", position)?,
            ..BomComponent::default()
        };
        self.open.push(component);
        self.open_lines.push(self.line(position));
        Ok(Frame::Component(destination))
    }

    fn field(&mut self, field: Field) -> Frame {
        self.text.clear();
        Frame::Text(field)
    }

    fn attribute(
        &self,
        start: &BytesStart<'_>,
        key: &str,
        position: usize,
    ) -> Result<Option<String>, DocumentError> {
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|err| {
                ParseError::line(self.line(position), format!("malformed attribute: {err}"))
            })?;
            if attribute.key.local_name().as_ref() == key {
                let value = attribute
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|err| ParseError::field(self.line(position), key, err.to_string()))?;
                return Ok(Some(value.into_owned()));
            }
        }
        Ok(None)
    }

    /// Resolves `&name;`: character references and the five predefined entities only.
    fn reference(
        &mut self,
        reference: &BytesRef<'_>,
        position: usize,
    ) -> Result<(), DocumentError> {
        let resolved = match reference.resolve_char_ref() {
            Ok(Some(ch)) => ch,
            Ok(None) => match reference.as_ref() {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "apos" => '\'',
                "quot" => '"',
                other => {
                    return Err(DocumentError::Refused(format!(
                        "line {}: entity reference &{other}; is not expanded (only the \
                         predefined XML entities are)",
                        self.line(position)
                    )));
                }
            },
            Err(err) => {
                return Err(ParseError::line(self.line(position), err.to_string()).into());
            }
        };
        self.text.push(resolved);
        Ok(())
    }

    fn end(&mut self) -> Result<(), DocumentError> {
        let text = std::mem::take(&mut self.text);
        match self.stack.pop() {
            Some(Frame::Text(field)) => self.set(field, text),
            Some(Frame::License) => {
                let license = std::mem::take(&mut self.license);
                if let Some(component) = self.open.last_mut() {
                    component.licenses.push(LicenseChoice {
                        license: Some(license),
                        expression: None,
                    });
                }
            }
            Some(Frame::Component(destination)) => self.close_component(destination)?,
            _ => {}
        }
        Ok(())
    }

    fn set(&mut self, field: Field, text: String) {
        let text = text.trim().to_owned();
        match field {
            Field::LicenseId => self.license.id = Some(text),
            Field::LicenseName => self.license.name = Some(text),
            _ => {
                if let Some(component) = self.open.last_mut() {
                    set_component_field(component, field, text);
                }
            }
        }
    }

    fn close_component(&mut self, destination: Destination) -> Result<(), DocumentError> {
        let line = self.open_lines.pop().unwrap_or(0);
        let Some(component) = self.open.pop() else {
            return Ok(());
        };
        if component.name.is_empty() {
            return Err(ParseError::field(line, "name", "the component has no name").into());
        }
        match destination {
            Destination::Top => self.bom.components.push(component),
            Destination::Metadata => {
                self.bom.metadata = Some(Metadata {
                    component: Some(component),
                });
            }
            Destination::Parent => {
                if let Some(parent) = self.open.last_mut() {
                    parent.components.push(component);
                }
            }
        }
        Ok(())
    }
}

fn set_component_field(component: &mut BomComponent, field: Field, text: String) {
    match field {
        Field::Name => component.name = text,
        Field::Version => component.version = Some(text),
        Field::Group => component.group = Some(text),
        Field::Purl => component.purl = Some(text),
        Field::Scope => component.scope = Some(text),
        Field::Expression => component.licenses.push(LicenseChoice {
            license: None,
            expression: Some(text),
        }),
        Field::LicenseId | Field::LicenseName => {}
    }
}

/// The 1-based line of a byte offset.
fn line_at(bytes: &[u8], position: usize) -> usize {
    let end = position.min(bytes.len());
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::super::cyclonedx::read_xml;
    use super::*;

    const DOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <metadata><component type="application" bom-ref="app"><name>web</name>
    <version>3.1</version></component></metadata>
  <components>
    <component type="library" bom-ref="pkg:npm/a@1.0.0">
      <name><![CDATA[a]]></name><version>1.0.0</version>
      <licenses><license><id>MIT</id></license><expression>MIT AND BSD-3-Clause</expression></licenses>
      <purl>pkg:npm/a@1.0.0</purl>
      <pedigree><ancestors><component type="library"><name>not-counted</name></component></ancestors></pedigree>
      <components>
        <component type="library" bom-ref="b"><name>b &amp; c</name><version>2</version></component>
      </components>
    </component>
  </components>
  <dependencies>
    <dependency ref="app"><dependency ref="pkg:npm/a@1.0.0"/></dependency>
  </dependencies>
</bom>"#;

    #[test]
    fn components_nest_and_pedigree_is_skipped() {
        let sbom = read_xml(DOC.as_bytes(), &Limits::DEFAULT).expect("valid");
        assert_eq!(sbom.spec_version, "1.5");
        let app = &sbom.application;
        assert_eq!(
            (app.name.as_deref(), app.version.as_deref()),
            (Some("web"), Some("3.1"))
        );
        let names: Vec<_> = app.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b & c"]);
        assert_eq!(app.components[0].licenses, ["MIT", "MIT AND BSD-3-Clause"]);
        assert_eq!(app.components[0].ecosystem.as_deref(), Some("npm"));
        assert_eq!(app.dependencies.len(), 1);
        assert_eq!(app.dependencies[0].to, "pkg:npm/a@1.0.0");
    }

    #[test]
    fn billion_laughs_is_refused_at_the_doctype() {
        let doc = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component type="library">
<name>&lol2;</name></component></components></bom>"#;
        let err = read_xml(doc.as_bytes(), &Limits::DEFAULT).expect_err("DOCTYPE");
        assert_eq!(
            err.to_string(),
            "refused: line 2: XML document type declarations (DOCTYPE) are not accepted"
        );
    }

    #[test]
    fn undeclared_entity_is_refused() {
        let doc = "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\"><components>\n\
                   <component type=\"library\"><name>&ext;</name></component></components></bom>";
        let err = read_xml(doc.as_bytes(), &Limits::DEFAULT).expect_err("entity");
        assert!(
            err.to_string().contains("line 2: entity reference &ext;"),
            "{err}"
        );
    }

    #[test]
    fn depth_and_element_limits_are_named() {
        let deep = format!(
            "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">{}{}</bom>",
            "<x>".repeat(80),
            "</x>".repeat(80)
        );
        let err = read_xml(deep.as_bytes(), &Limits::DEFAULT).expect_err("deep");
        assert_eq!(
            err.to_string(),
            "XML nesting depth at line 1 exceeds the limit of 64"
        );

        let limits = Limits {
            max_elements: 3,
            ..Limits::DEFAULT
        };
        let err = read_xml(DOC.as_bytes(), &limits).expect_err("many");
        assert!(
            err.to_string().starts_with("number of XML elements"),
            "{err}"
        );
    }

    #[test]
    fn mismatched_tags_name_their_line() {
        let doc = "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n<components>\n</bom>";
        let err = read_xml(doc.as_bytes(), &Limits::DEFAULT).expect_err("mismatch");
        assert!(
            err.to_string().starts_with("line 3: malformed XML"),
            "{err}"
        );
    }

    #[test]
    fn foreign_root_is_refused() {
        let err = read_xml(b"<html/>", &Limits::DEFAULT).expect_err("html");
        assert!(err.to_string().contains("root element <html>"), "{err}");
    }
}
