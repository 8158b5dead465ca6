//! An owned, ordered XML tree: the compatibility kernel of Vigil.
//!
//! Pacemaker's configuration is XML, and users (and Pacemaker's own tools)
//! care about more than the information in it: attribute order, comments and
//! the exact serialization all show up in diffs and in the CIB digest. This
//! crate keeps all of that:
//!
//! - [`parse`] reads a document into an [`Element`] tree that keeps attribute
//!   order, comments and the source line of every element (for diagnostics).
//!   Blank text between elements is dropped, as Pacemaker does.
//! - [`Element::to_xml`] writes the tree back the way Pacemaker does
//!   (`pcmk__xml_string`): no declaration, `<a/>` for empty elements,
//!   ` name="value"` attributes with `&lt; &gt; &amp; &quot;` and control
//!   characters escaped as upper-case hexadecimal character references.
//! - [`Element::to_pretty_xml`] is the indented form `cibadmin -Q` prints.
//! - [`Element::digest`] is the on-disk CIB digest (`cibadmin --md5-sum`):
//!   MD5 over `" " + to_xml() + "\n"`.

use std::borrow::Cow;
use std::fmt::Write as _;

mod attributes;
mod parse;
pub use attributes::{Attributes, Iter as AttributesIter, NAMES};
pub use parse::{ParseError, parse};

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Comment(String),
    Text(String),
}

/// An element: its name, attributes in document order, and children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Borrowed from [`NAMES`] when Pacemaker's schema knows it (no
    /// allocation per element), else owned.
    pub name: Cow<'static, str>,
    pub attrs: Attributes,
    pub children: Vec<Node>,
    /// 1-based line of the element's start tag in the source; 0 when built in memory.
    pub line: u32,
}

impl Element {
    pub fn new(name: impl AsRef<str>) -> Self {
        Element {
            name: element_name(name.as_ref()),
            ..Default::default()
        }
    }

    /// Builder: add an attribute (replacing an existing one of the same name).
    pub fn with_attr(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.set_attr(name, value);
        self
    }

    /// Builder: add a child element.
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name)
    }

    /// The `id` attribute, or "" when absent.
    pub fn id(&self) -> &str {
        self.attr("id").unwrap_or("")
    }

    /// Set an attribute, keeping its position when it already exists.
    pub fn set_attr(&mut self, name: &str, value: impl AsRef<str>) {
        self.attrs.set(name, value.as_ref());
    }

    pub fn remove_attr(&mut self, name: &str) -> Option<String> {
        self.attrs.remove(name)
    }

    /// Child elements, in order (comments and text skipped).
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    pub fn elements_mut(&mut self) -> impl Iterator<Item = &mut Element> {
        self.children.iter_mut().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements with the given name.
    pub fn elements_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first child element with the given name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    pub fn child_mut(&mut self, name: &str) -> Option<&mut Element> {
        self.elements_mut().find(|e| e.name == name)
    }

    /// The first child element with the given name, created (appended) if absent.
    pub fn child_or_insert(&mut self, name: &str) -> &mut Element {
        let pos = self
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if e.name == name));
        let pos = match pos {
            Some(p) => p,
            None => {
                self.children.push(Node::Element(Element::new(name)));
                self.children.len() - 1
            }
        };
        match &mut self.children[pos] {
            Node::Element(e) => e,
            _ => unreachable!("position found an element"),
        }
    }

    pub fn push(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    /// Remove child elements matching `pred`; returns how many were removed.
    pub fn remove_elements(&mut self, mut pred: impl FnMut(&Element) -> bool) -> usize {
        let before = self.children.len();
        self.children
            .retain(|n| !matches!(n, Node::Element(e) if pred(e)));
        before - self.children.len()
    }

    /// Concatenated text content of direct text children.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Depth-first search (pre-order, self included) for the first element matching `pred`.
    pub fn find(&self, pred: &dyn Fn(&Element) -> bool) -> Option<&Element> {
        if pred(self) {
            return Some(self);
        }
        self.elements().find_map(|c| c.find(pred))
    }

    /// Depth-first search for an element with the given `id` attribute.
    pub fn find_id(&self, id: &str) -> Option<&Element> {
        self.find(&|e| e.attr("id") == Some(id))
    }

    /// Every element of the subtree in document order (self first).
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
            out.push(e);
            for c in e.elements() {
                walk(c, out);
            }
        }
        walk(self, &mut out);
        out
    }

    /// Pacemaker's compact serialization (no whitespace between nodes).
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        write_element(self, &mut out, None);
        out
    }

    /// Pacemaker's formatted serialization: two-space indentation, one node per line.
    pub fn to_pretty_xml(&self) -> String {
        let mut out = String::new();
        write_element(self, &mut out, Some(0));
        out
    }

    /// The on-disk CIB digest, as `cibadmin --md5-sum` prints it.
    pub fn digest(&self) -> String {
        use md5::{Digest, Md5};
        let mut hasher = Md5::new();
        hasher.update(b" ");
        hasher.update(self.to_xml().as_bytes());
        hasher.update(b"\n");
        let mut hex = String::with_capacity(32);
        for b in hasher.finalize() {
            let _ = write!(hex, "{b:02x}");
        }
        hex
    }
}

/// An element's name: the static copy in [`NAMES`] if there is one.
fn element_name(name: &str) -> Cow<'static, str> {
    match NAMES.binary_search(&name) {
        Ok(k) => Cow::Borrowed(NAMES[k]),
        Err(_) => Cow::Owned(name.to_string()),
    }
}

fn write_element(e: &Element, out: &mut String, indent: Option<usize>) {
    if let Some(depth) = indent {
        push_indent(out, depth);
    }
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        escape_into(v, true, out);
        out.push('"');
    }
    if e.children.is_empty() {
        out.push_str("/>");
        if indent.is_some() {
            out.push('\n');
        }
        return;
    }
    out.push('>');
    if indent.is_some() {
        out.push('\n');
    }
    let child_indent = indent.map(|d| d + 1);
    for child in &e.children {
        match child {
            Node::Element(c) => write_element(c, out, child_indent),
            Node::Comment(text) => {
                if let Some(depth) = child_indent {
                    push_indent(out, depth);
                }
                out.push_str("<!--");
                out.push_str(text);
                out.push_str("-->");
                if indent.is_some() {
                    out.push('\n');
                }
            }
            Node::Text(text) => {
                if let Some(depth) = child_indent {
                    push_indent(out, depth);
                }
                escape_into(text, false, out);
                if indent.is_some() {
                    out.push('\n');
                }
            }
        }
    }
    if let Some(depth) = indent {
        push_indent(out, depth);
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
    if indent.is_some() {
        out.push('\n');
    }
}

fn push_indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Escape text the way Pacemaker does: markup characters as named entities,
/// control characters as `&#xHH;` (attributes also escape `"`).
fn escape_into(s: &str, attribute: bool, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' if attribute => out.push_str("&quot;"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                if !attribute && (c == '\n' || c == '\t' || c == '\r') {
                    out.push(c);
                } else {
                    let _ = write!(out, "&#x{:02X};", c as u32);
                }
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_keeps_order_and_comments() {
        let src = "<?xml version=\"1.0\"?>\n<cib b=\"2\" a=\"1\">\n  <!-- note -->\n  <x y=\"&lt;&amp;&quot;\"/>\n</cib>\n";
        let doc = parse(src).unwrap();
        assert_eq!(
            doc.to_xml(),
            "<cib b=\"2\" a=\"1\"><!-- note --><x y=\"&lt;&amp;&quot;\"/></cib>"
        );
        assert_eq!(doc.elements().next().unwrap().line, 4);
    }

    #[test]
    fn pretty_form_indents() {
        let doc = parse("<a><b c=\"1\"><d/></b></a>").unwrap();
        assert_eq!(
            doc.to_pretty_xml(),
            "<a>\n  <b c=\"1\">\n    <d/>\n  </b>\n</a>\n"
        );
    }

    #[test]
    fn attribute_whitespace_is_normalized_and_control_chars_escaped() {
        let doc = parse("<a v=\"x\ty&#10;z\"/>").unwrap();
        assert_eq!(doc.attr("v"), Some("x y\nz"));
        assert_eq!(doc.to_xml(), "<a v=\"x y&#x0A;z\"/>");
    }

    #[test]
    fn set_attr_keeps_position() {
        let mut e = Element::new("n").with_attr("a", "1").with_attr("b", "2");
        e.set_attr("a", "3");
        assert_eq!(e.to_xml(), "<n a=\"3\" b=\"2\"/>");
    }
}
