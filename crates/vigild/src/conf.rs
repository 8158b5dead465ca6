//! The corosync.conf syntax: nested `name {` … `}` sections holding
//! `key: value` lines, `#` comments and blank lines. This module only reads
//! the shape; `config.rs` gives the keys their meaning.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where something was read: the file and a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A `key: value` line.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub at: Location,
}

/// A `name { … }` section, or the whole file (named "").
#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    pub at: Location,
    pub entries: Vec<Entry>,
    pub sections: Vec<Section>,
}

impl Section {
    /// The sections named `name` directly inside this one, in file order.
    pub fn sections<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Section> + 'a {
        self.sections.iter().filter(move |s| s.name == name)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{at}: {what}")]
pub struct SyntaxError {
    pub at: Location,
    pub what: String,
}

/// Parses corosync.conf text. `file` only names the source in locations.
pub fn parse(text: &str, file: &Path) -> Result<Section, SyntaxError> {
    let at = |line: usize| Location {
        file: file.to_path_buf(),
        line,
    };
    // The stack of open sections; the bottom one is the file itself.
    let mut stack = vec![Section {
        name: String::new(),
        at: at(1),
        entries: Vec::new(),
        sections: Vec::new(),
    }];
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let error = |what: String| SyntaxError {
            at: at(line_no),
            what,
        };
        if line == "}" {
            if stack.len() == 1 {
                return Err(error(
                    "`}` closes no section (there are more `}` than `{` above)".into(),
                ));
            }
            let done = stack.pop().expect("more than one open section");
            stack
                .last_mut()
                .expect("the file section stays open")
                .sections
                .push(done);
            continue;
        }
        if let Some(name) = line.strip_suffix('{') {
            let name = name.trim();
            if !is_name(name) {
                return Err(error(format!(
                    "expected a section name before `{{` (letters, digits, `_`), found `{name}`"
                )));
            }
            stack.push(Section {
                name: name.to_string(),
                at: at(line_no),
                entries: Vec::new(),
                sections: Vec::new(),
            });
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(error(format!(
                "expected `key: value`, `name {{` or `}}`, found `{line}`"
            )));
        };
        let key = key.trim();
        if !is_name(key) {
            return Err(error(format!(
                "expected an option name before `:` (letters, digits, `_`), found `{key}`"
            )));
        }
        if value.contains('{') || value.contains('}') {
            return Err(error(format!(
                "a value cannot hold `{{` or `}}` (found `{}`): open a section on a line of its own as `name {{`",
                value.trim()
            )));
        }
        stack
            .last_mut()
            .expect("the file section stays open")
            .entries
            .push(Entry {
                key: key.to_string(),
                value: value.trim().to_string(),
                at: at(line_no),
            });
    }
    if stack.len() > 1 {
        let open = stack.last().expect("checked above");
        return Err(SyntaxError {
            at: open.at.clone(),
            what: format!(
                "section `{}` is never closed (missing `}}` before the end of the file)",
                open.name
            ),
        });
    }
    Ok(stack.pop().expect("the file section"))
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Section, SyntaxError> {
        parse(text, Path::new("corosync.conf"))
    }

    #[test]
    fn nested_sections_keep_order_and_lines() {
        let text = "# comment\ntotem {\n  version: 2\n  cluster_name: web\n  interface {\n    linknumber: 0\n  }\n}\n\nnodelist {\n  node {\n    ring0_addr: fe80::1\n  }\n}\n";
        let file = parse_str(text).unwrap();
        let totem = file.sections("totem").next().unwrap();
        assert_eq!(totem.at.line, 2);
        assert_eq!(totem.entries[1].key, "cluster_name");
        assert_eq!(totem.entries[1].value, "web");
        assert_eq!(totem.entries[1].at.line, 4);
        assert_eq!(totem.sections("interface").count(), 1);
        let node = file
            .sections("nodelist")
            .next()
            .unwrap()
            .sections("node")
            .next()
            .unwrap();
        // A value keeps every `:` after the first (IPv6 addresses).
        assert_eq!(node.entries[0].value, "fe80::1");
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = parse_str("totem {\n  token 3000\n}\n").unwrap_err();
        assert_eq!(e.at.line, 2);
        assert!(e.what.contains("expected `key: value`"), "{e}");
        let e = parse_str("totem {\n  token: 3000\n").unwrap_err();
        assert_eq!(e.at.line, 1);
        assert!(e.what.contains("never closed"), "{e}");
        let e = parse_str("}\n").unwrap_err();
        assert!(e.to_string().starts_with("corosync.conf:1: "), "{e}");
        let e = parse_str("bad name {\n}\n").unwrap_err();
        assert!(e.what.contains("section name"), "{e}");
    }
}
