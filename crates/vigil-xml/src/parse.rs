//! Reading XML text into an [`Element`] tree (quick-xml underneath).

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::{Element, Node};

/// Why a document could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: u32,
    pub message: String,
}

/// Counts lines incrementally as the reader moves forward through the source.
struct LineCounter<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
}

impl LineCounter<'_> {
    fn line_at(&mut self, offset: usize) -> u32 {
        let offset = offset.min(self.src.len());
        if offset < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.src[self.pos..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        self.pos = offset;
        self.line
    }
}

/// Parse a whole document and return its root element.
///
/// The XML declaration, processing instructions and a DOCTYPE are skipped;
/// comments and non-blank text are kept; blank text between elements is
/// dropped. Literal tabs and newlines in attribute values become spaces (XML
/// attribute-value normalization, as libxml2 does), character references
/// such as `&#10;` are kept as the characters they name.
pub fn parse(src: &str) -> Result<Element, ParseError> {
    let mut reader = Reader::from_str(src);
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    let mut lines = LineCounter {
        src: src.as_bytes(),
        pos: 0,
        line: 1,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    // Text is accumulated (it may arrive in pieces around entity references)
    // and attached to the current element when the next markup arrives.
    let mut pending_text = String::new();

    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| ParseError {
            line: lines.line_at(reader.error_position() as usize),
            message: e.to_string(),
        })?;
        let line = lines.line_at(start);
        let err = |message: String| ParseError { line, message };
        if !matches!(
            event,
            Event::Text(_) | Event::GeneralRef(_) | Event::CData(_)
        ) {
            flush_text(&mut pending_text, &mut stack);
        }
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name = std::str::from_utf8(tag.name().as_ref())
                    .map_err(|e| err(e.to_string()))?
                    .to_string();
                let mut element = Element {
                    name,
                    line,
                    ..Default::default()
                };
                for attr in tag.attributes() {
                    let attr = attr.map_err(|e| err(format!("in <{}>: {e}", element.name)))?;
                    let key =
                        std::str::from_utf8(attr.key.as_ref()).map_err(|e| err(e.to_string()))?;
                    let raw = std::str::from_utf8(&attr.value).map_err(|e| err(e.to_string()))?;
                    let value = unescape(&normalize_attr_whitespace(raw))
                        .map_err(|m| err(format!("attribute {key} of <{}>: {m}", element.name)))?;
                    element.attrs.push((key.to_string(), value));
                }
                if root.is_some() && stack.is_empty() {
                    return Err(err(format!("second root element <{}>", element.name)));
                }
                if is_empty {
                    attach(element, &mut stack, &mut root);
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| err("unexpected end tag".into()))?;
                attach(element, &mut stack, &mut root);
            }
            Event::Text(text) => {
                let raw = std::str::from_utf8(text.as_ref()).map_err(|e| err(e.to_string()))?;
                pending_text.push_str(&unescape(raw).map_err(err)?);
            }
            Event::GeneralRef(r) => {
                let name = std::str::from_utf8(r.as_ref()).map_err(|e| err(e.to_string()))?;
                pending_text.push_str(&unescape(&format!("&{name};")).map_err(err)?);
            }
            Event::CData(data) => {
                let raw = std::str::from_utf8(data.as_ref()).map_err(|e| err(e.to_string()))?;
                pending_text.push_str(raw);
            }
            Event::Comment(text) => {
                let raw = std::str::from_utf8(text.as_ref()).map_err(|e| err(e.to_string()))?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Comment(raw.to_string()));
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(ParseError {
            line: open.line,
            message: format!("element <{}> is never closed", open.name),
        });
    }
    root.ok_or(ParseError {
        line: 1,
        message: "no root element".into(),
    })
}

fn flush_text(pending: &mut String, stack: &mut [Element]) {
    if pending.is_empty() {
        return;
    }
    if !pending.trim().is_empty()
        && let Some(parent) = stack.last_mut()
    {
        parent.children.push(Node::Text(std::mem::take(pending)));
    }
    pending.clear();
}

fn attach(mut element: Element, stack: &mut [Element], root: &mut Option<Element>) {
    // The tree lives as long as the CIB: give back what growing the
    // vectors reserved (a third of the tree's memory on a big status
    // section, where elements have ~20 attributes).
    element.attrs.shrink_to_fit();
    element.children.shrink_to_fit();
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(element)),
        None => *root = Some(element),
    }
}

fn normalize_attr_whitespace(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains(['\t', '\n', '\r']) {
        raw.replace("\r\n", " ")
            .replace(['\t', '\n', '\r'], " ")
            .into()
    } else {
        raw.into()
    }
}

/// Resolve the five predefined entities and numeric character references.
fn unescape(raw: &str) -> Result<String, String> {
    if !raw.contains('&') {
        return Ok(raw.to_string());
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .ok_or_else(|| format!("unterminated entity reference in {raw:?}"))?;
        let name = &after[..semi];
        let ch = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) =
                    name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"))
                {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    return Err(format!("unknown entity &{name};"));
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("invalid character reference &{name};"))?
            }
        };
        out.push(ch);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_lines() {
        let e = parse("<a>\n<b>\n</a>").unwrap_err();
        assert!(e.line >= 2, "{e}");
        let e = parse("<a>\n  <b x=\"1\" x=\"2\"/>\n</a>").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn text_and_entities() {
        let doc = parse("<a>x &amp; y<b/></a>").unwrap();
        assert_eq!(doc.text(), "x & y");
    }
}
