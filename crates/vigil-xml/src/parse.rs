//! Reading XML text into an [`Element`] tree (quick-xml underneath).

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::{Element, Node};

/// Why a document could not be read, and where (1-based line and column;
/// the column counts characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Finds the line and column of byte offsets, moving forward through the
/// source incrementally (offsets mostly arrive in increasing order).
struct Positions<'a> {
    src: &'a str,
    /// Offset up to which lines have been counted.
    pos: usize,
    line: u32,
    /// Offset where the line containing `pos` starts.
    line_start: usize,
}

impl<'a> Positions<'a> {
    fn new(src: &'a str) -> Self {
        Positions {
            src,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn line_at(&mut self, offset: usize) -> u32 {
        self.at(offset).0
    }

    /// (line, column) of a byte offset, clamped to the text.
    fn at(&mut self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.src.len());
        while !self.src.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.pos {
            *self = Positions::new(self.src);
        }
        for (i, b) in self.src.as_bytes()[self.pos..offset].iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.pos + i + 1;
            }
        }
        self.pos = offset;
        let column = self.src[self.line_start..offset].chars().count() + 1;
        (self.line, u32::try_from(column).unwrap_or(u32::MAX))
    }

    fn error(&mut self, offset: usize, message: String) -> ParseError {
        let (line, column) = self.at(offset);
        ParseError {
            line,
            column,
            message,
        }
    }
}

/// Parse a whole document and return its root element.
///
/// The XML declaration, processing instructions and a DOCTYPE are skipped;
/// comments and non-blank text are kept; blank text between elements is
/// dropped. Literal tabs and newlines in attribute values become spaces (XML
/// attribute-value normalization, as libxml2 does), character references
/// such as `&#10;` are kept as the characters they name.
///
/// A document that is not well-formed gives the first problem, with its
/// line and column and what was expected there.
pub fn parse(src: &str) -> Result<Element, ParseError> {
    let mut reader = Reader::from_str(src);
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    let mut pos = Positions::new(src);
    let mut stack: Vec<Element> = Vec::new();
    // Byte offsets of the start tags of the elements on `stack`.
    let mut opened_at: Vec<usize> = Vec::new();
    let mut root: Option<Element> = None;
    // Text is accumulated (it may arrive in pieces around entity references)
    // and attached to the current element when the next markup arrives.
    let mut pending_text = String::new();
    // One builder for every element's attributes.
    let mut attrs = crate::attributes::Builder::default();

    loop {
        let start = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let at = reader.error_position() as usize;
                let open = stack.last().zip(opened_at.last());
                let message = reader_problem(&e, open.map(|(el, &o)| (&*el.name, pos.at(o))));
                return Err(pos.error(at, message));
            }
        };
        let line = pos.line_at(start);
        if !matches!(
            event,
            Event::Text(_) | Event::GeneralRef(_) | Event::CData(_)
        ) {
            flush_text(&mut pending_text, &mut stack);
        }
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name = crate::element_name(utf8(tag.name().as_ref(), start, &mut pos)?);
                if root.is_some() && stack.is_empty() {
                    return Err(pos.error(
                        start,
                        format!(
                            "a second root element <{name}>: a document has exactly one \
                             root element, and everything else belongs inside it"
                        ),
                    ));
                }
                for attr in tag.attributes() {
                    let attr = attr.map_err(|e| {
                        let (at, message) = attribute_problem(&e, &name, src, start);
                        pos.error(at, message)
                    })?;
                    let key = utf8(attr.key.as_ref(), start, &mut pos)?;
                    let raw = utf8(&attr.value, start, &mut pos)?;
                    attrs
                        .push_with(key, |text| {
                            unescape_into(&normalize_attr_whitespace(raw), text)
                        })
                        .map_err(|m| {
                            pos.error(start, format!("attribute {key} of <{name}>: {m}"))
                        })?;
                }
                let element = Element {
                    name,
                    attrs: attrs.finish(),
                    line,
                    ..Default::default()
                };
                if is_empty {
                    attach(element, &mut stack, &mut root);
                } else {
                    stack.push(element);
                    opened_at.push(start);
                }
            }
            Event::End(ref tag) => {
                let Some(element) = stack.pop() else {
                    let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
                    return Err(pos.error(
                        start,
                        format!("end tag </{name}> closes nothing: no element is open here"),
                    ));
                };
                opened_at.pop();
                attach(element, &mut stack, &mut root);
            }
            Event::Text(text) => {
                let raw = utf8(text.as_ref(), start, &mut pos)?;
                if stack.is_empty() && !raw.trim_start_matches('\u{feff}').trim().is_empty() {
                    let place = if root.is_some() { "after" } else { "before" };
                    return Err(pos.error(
                        start + (raw.len() - raw.trim_start().len()),
                        format!(
                            "text {place} the root element: expected only markup \
                             (<cib>...</cib>) and blank space there"
                        ),
                    ));
                }
                pending_text.push_str(&unescape(raw).map_err(|m| pos.error(start, m))?);
            }
            Event::GeneralRef(r) => {
                let name = utf8(r.as_ref(), start, &mut pos)?;
                pending_text
                    .push_str(&unescape(&format!("&{name};")).map_err(|m| pos.error(start, m))?);
            }
            Event::CData(data) => {
                pending_text.push_str(utf8(data.as_ref(), start, &mut pos)?);
            }
            Event::Comment(text) => {
                let raw = utf8(text.as_ref(), start, &mut pos)?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Comment(raw.to_string()));
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if let (Some(open), Some(&at)) = (stack.last(), opened_at.last()) {
        let name = &open.name;
        return Err(pos.error(
            at,
            format!(
                "element <{name}> is never closed: expected </{name}> before the end of the file"
            ),
        ));
    }
    root.ok_or_else(|| {
        pos.error(
            src.len(),
            "no root element: the document is empty; expected <cib>...</cib>".into(),
        )
    })
}

/// Text from the reader as UTF-8 (it always is, coming from a `&str`; a
/// failure is still reported rather than trusted away).
fn utf8<'a>(bytes: &'a [u8], at: usize, pos: &mut Positions) -> Result<&'a str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| pos.error(at, format!("invalid UTF-8: {e}")))
}

/// What the reader found wrong, in words; `open` is the innermost element
/// still open, with where it starts.
fn reader_problem(e: &quick_xml::Error, open: Option<(&str, (u32, u32))>) -> String {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    match e {
        quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            let opened = open
                .map(|(_, (l, c))| format!(" (opened at line {l}, column {c})"))
                .unwrap_or_default();
            format!("found </{found}>, expected </{expected}> to close <{expected}>{opened}")
        }
        quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(found)) => {
            format!("end tag </{found}> closes nothing: no element is open here")
        }
        quick_xml::Error::Syntax(SyntaxError::UnclosedTag) => {
            "the tag is not closed: expected `>` before the end of the file".into()
        }
        quick_xml::Error::Syntax(SyntaxError::UnclosedComment) => {
            "the comment is not closed: expected `-->` before the end of the file".into()
        }
        quick_xml::Error::Syntax(SyntaxError::UnclosedCData) => {
            "the CDATA section is not closed: expected `]]>` before the end of the file".into()
        }
        quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => {
            "unknown markup after `<!`: expected a comment (<!-- -->), CDATA or DOCTYPE".into()
        }
        other => other.to_string(),
    }
}

/// Where an attribute problem is (a byte offset into `src`) and what it
/// is; `tag_start` is the offset of the tag's `<`.
fn attribute_problem(
    e: &quick_xml::events::attributes::AttrError,
    element: &str,
    src: &str,
    tag_start: usize,
) -> (usize, String) {
    use quick_xml::events::attributes::AttrError;
    // Positions are relative to the tag's content, just after `<`.
    let at = |p: usize| tag_start + 1 + p;
    match *e {
        AttrError::ExpectedEq(p) => (
            at(p),
            format!("in <{element}>: expected `=` and a quoted value after the attribute name"),
        ),
        AttrError::ExpectedValue(p) => (
            at(p),
            format!("in <{element}>: expected a quoted value after `=`"),
        ),
        AttrError::UnquotedValue(p) => (
            at(p),
            format!("in <{element}>: attribute values must be quoted: expected `\"` or `'`"),
        ),
        AttrError::ExpectedQuote(p, quote) => (
            at(p),
            format!(
                "in <{element}>: attribute value is not closed: expected `{}`",
                char::from(quote)
            ),
        ),
        AttrError::Duplicated(p, _) => {
            let name: String = src
                .get(at(p)..)
                .unwrap_or("")
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '=')
                .collect();
            (
                at(p),
                format!(
                    "in <{element}>: attribute {name} appears twice; each attribute may appear once"
                ),
            )
        }
    }
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
    // vector of children reserved.
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
    let mut out = String::new();
    unescape_into(raw, &mut out)?;
    Ok(out)
}

/// [`unescape`], appending to `out`.
fn unescape_into(raw: &str, out: &mut String) -> Result<(), String> {
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
    Ok(())
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

    /// (line, column, message) of the error for `src`.
    fn error(src: &str) -> (u32, u32, String) {
        let e = parse(src).expect_err("the document is malformed");
        (e.line, e.column, e.message)
    }

    #[test]
    fn errors_carry_columns_and_say_what_was_expected() {
        let (line, column, message) =
            error("<cib>\n  <configuration>\n    <resources>\n  </configuration>\n</cib>\n");
        assert_eq!((line, column), (4, 3));
        assert_eq!(
            message,
            "found </configuration>, expected </resources> to close <resources> \
             (opened at line 3, column 5)"
        );

        let (line, column, message) = error("<a>\n  <b x=\"1\" x=\"2\"/>\n</a>");
        assert_eq!((line, column), (2, 12));
        assert!(message.contains("attribute x appears twice"), "{message}");

        let (line, column, message) = error("<a>\n <b x=1/></a>");
        assert_eq!((line, column), (2, 7));
        assert!(message.contains("expected `\"` or `'`"), "{message}");

        // Columns count characters, not bytes.
        let (line, column, _) = error("<a>\n<b é=\"1\" é=\"2\"/></a>");
        assert_eq!((line, column), (2, 10));
    }

    #[test]
    fn unclosed_and_stray_markup() {
        let (line, column, message) = error("<a>\n  <b>\n");
        assert_eq!((line, column), (2, 3));
        assert_eq!(
            message,
            "element <b> is never closed: expected </b> before the end of the file"
        );
        let (line, column, message) = error("<a/>\n</b>");
        assert_eq!((line, column), (2, 1));
        assert!(message.contains("</b> closes nothing"), "{message}");
        let (_, _, message) = error("<a/><a/>");
        assert!(
            message.starts_with("a second root element <a>"),
            "{message}"
        );
        let (line, column, message) = error("<a/>\n  junk");
        assert_eq!((line, column), (2, 3));
        assert!(
            message.starts_with("text after the root element"),
            "{message}"
        );
        let (_, _, message) = error("junk <a/>");
        assert!(
            message.starts_with("text before the root element"),
            "{message}"
        );
        let (_, _, message) = error("  \n");
        assert!(message.starts_with("no root element"), "{message}");
        // A byte-order mark and blank space around the root are fine.
        assert!(parse("\u{feff}<a/>\n").is_ok());
    }

    #[test]
    fn text_and_entities() {
        let doc = parse("<a>x &amp; y<b/></a>").unwrap();
        assert_eq!(doc.text(), "x & y");
    }
}
