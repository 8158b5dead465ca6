//! An element's attributes, stored compactly and shared.
//!
//! A big CIB's status section holds close to a million attributes (some
//! twenty on each of tens of thousands of operation records). Kept as a
//! pair of `String`s each, they cost two allocations and 48 bytes of
//! pointers per attribute before any text, and dominate the memory of
//! every tool that reads the CIB. Here all of one element's attributes
//! are one string: per attribute its name (a number into [`NAMES`] when
//! Pacemaker's schema knows it, else the name itself) and its value, each
//! preceded by its length. The string is reference counted, so a clone
//! costs nothing (the typed view keeps the attributes of history records
//! this way); changing attributes that are shared copies them first.
//!
//! The encoding, attribute after attribute:
//!
//! ```text
//! code [len name] len value
//! ```
//!
//! where `code` is 0 for a name written out (its length and text follow)
//! or `k + 1` for `NAMES[k]`, and every number is written in base 64,
//! least significant digit first, one byte per digit: the digit is in the
//! low six bits, and `0x40` is set on every digit but the last. These
//! bytes are ASCII, so the whole stays a `str`.

use std::fmt;
use std::sync::Arc;

/// An element's attributes, in document order.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Attributes(Option<Arc<str>>);

impl Attributes {
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The value of the attribute `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|&(k, _)| k == name).map(|(_, v)| v)
    }

    /// Every attribute as (name, value), in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(Reader::of(self))
    }

    /// Set an attribute, keeping its position when it already exists.
    pub fn set(&mut self, name: &str, value: &str) {
        if self.get(name) == Some(value) {
            return;
        }
        let mut found = false;
        let mut b = Builder::default();
        for (k, v) in self.iter() {
            if k == name {
                found = true;
                b.push(k, value);
            } else {
                b.push(k, v);
            }
        }
        if !found {
            b.push(name, value);
        }
        *self = b.finish();
    }

    /// Remove an attribute, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let value = self.get(name)?.to_string();
        *self = self.iter().filter(|&(k, _)| k != name).collect();
        Some(value)
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Attributes {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut b = Builder::default();
        for (k, v) in iter {
            b.push(k.as_ref(), v.as_ref());
        }
        b.finish()
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The attributes of an [`Attributes`], in order.
#[derive(Clone)]
pub struct Iter<'a>(Reader<'a>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let r = &mut self.0;
        if r.done() {
            return None;
        }
        let name = match r.number() {
            0 => r.text(),
            code => NAMES[code - 1],
        };
        Some((name, r.text()))
    }
}

/// Reads the encoding from the start.
#[derive(Clone)]
struct Reader<'a> {
    packed: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn of(attrs: &'a Attributes) -> Self {
        Reader {
            packed: attrs.0.as_deref().unwrap_or(""),
            at: 0,
        }
    }

    fn done(&self) -> bool {
        self.at >= self.packed.len()
    }

    fn number(&mut self) -> usize {
        let bytes = self.packed.as_bytes();
        let mut n = 0;
        let mut shift = 0;
        loop {
            let digit = bytes[self.at];
            self.at += 1;
            n |= usize::from(digit & 0x3f) << shift;
            if digit & 0x40 == 0 {
                return n;
            }
            shift += 6;
        }
    }

    /// A length and the text it measures.
    fn text(&mut self) -> &'a str {
        let len = self.number();
        let text = &self.packed[self.at..self.at + len];
        self.at += len;
        text
    }
}

/// Collects attributes one at a time (the parser reuses one for every
/// element, so reading a document allocates only the finished sets).
#[derive(Default)]
pub(crate) struct Builder {
    packed: String,
    /// A value being written, before its length is known.
    value: String,
}

impl Builder {
    pub(crate) fn push(&mut self, name: &str, value: &str) {
        self.push_name(name);
        self.push_text(value);
    }

    /// Add an attribute whose value `write_value` writes.
    pub(crate) fn push_with<E>(
        &mut self,
        name: &str,
        write_value: impl FnOnce(&mut String) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut value = std::mem::take(&mut self.value);
        value.clear();
        write_value(&mut value)?;
        self.push(name, &value);
        self.value = value;
        Ok(())
    }

    fn push_name(&mut self, name: &str) {
        match NAMES.binary_search(&name) {
            Ok(k) => self.push_number(k + 1),
            Err(_) => {
                self.push_number(0);
                self.push_text(name);
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        self.push_number(text.len());
        self.packed.push_str(text);
    }

    fn push_number(&mut self, mut n: usize) {
        while n >= 0x40 {
            self.packed.push(char::from(0x40 | (n & 0x3f) as u8));
            n >>= 6;
        }
        self.packed.push(char::from(n as u8));
    }

    /// The attributes collected, leaving the builder empty for the next set.
    pub(crate) fn finish(&mut self) -> Attributes {
        if self.packed.is_empty() {
            return Attributes(None);
        }
        let packed = Arc::from(self.packed.as_str());
        self.packed.clear();
        Attributes(Some(packed))
    }
}

/// Names of the Pacemaker CIB (attributes and elements), sorted: an
/// attribute with one of these names stores a number, not the name.
/// Any other name works too, written out in full.
pub const NAMES: &[&str] = &[
    "acls",
    "admin_epoch",
    "alert",
    "alerts",
    "allow-migrate",
    "attribute",
    "boolean-op",
    "bundle",
    "call-id",
    "cib",
    "cib-last-written",
    "class",
    "clone",
    "cluster_property_set",
    "configuration",
    "constraints",
    "container",
    "control-port",
    "crm-debug-origin",
    "crm_config",
    "crm_feature_set",
    "crmd",
    "date_expression",
    "date_spec",
    "dc-uuid",
    "description",
    "devices",
    "docker",
    "duration",
    "enabled",
    "end",
    "epoch",
    "exec-time",
    "execution-date",
    "exit-reason",
    "expected",
    "expression",
    "fencing-level",
    "fencing-topology",
    "first",
    "first-action",
    "first-role",
    "granted",
    "group",
    "ha",
    "have-quorum",
    "host-interface",
    "host-netmask",
    "hours",
    "id",
    "id-ref",
    "image",
    "in_ccm",
    "index",
    "instance_attributes",
    "interval",
    "interval-origin",
    "ip-range-start",
    "join",
    "kind",
    "last-granted",
    "last-rc-change",
    "last-run",
    "level",
    "loss-policy",
    "lrm",
    "lrm_resource",
    "lrm_resources",
    "lrm_rsc_op",
    "meta_attributes",
    "migrate_source",
    "migrate_target",
    "monthdays",
    "months",
    "name",
    "network",
    "no-quorum-panic",
    "node",
    "node-attribute",
    "node_fenced",
    "node_state",
    "nodes",
    "num_updates",
    "nvpair",
    "obj_ref",
    "on-fail",
    "on_node",
    "op",
    "op-digest",
    "op-force-restart",
    "op-restart-digest",
    "op-secure-digest",
    "op-secure-params",
    "op-status",
    "op_defaults",
    "operation",
    "operation_key",
    "operations",
    "options",
    "path",
    "podman",
    "port",
    "port-mapping",
    "primitive",
    "promoted-max",
    "provider",
    "queue-time",
    "rc-code",
    "recipient",
    "record-pending",
    "remote-clear-port",
    "remote-tls-port",
    "remote_node",
    "replicas",
    "require-all",
    "resource-discovery",
    "resource_ref",
    "resource_set",
    "resources",
    "role",
    "rsc",
    "rsc-pattern",
    "rsc-role",
    "rsc_colocation",
    "rsc_defaults",
    "rsc_expression",
    "rsc_location",
    "rsc_order",
    "rsc_ticket",
    "rule",
    "run-command",
    "score",
    "score-attribute",
    "sequential",
    "shutdown",
    "shutdown-lock",
    "source-dir",
    "source-dir-root",
    "standby",
    "start",
    "start-delay",
    "status",
    "storage",
    "storage-mapping",
    "symmetrical",
    "tag",
    "tags",
    "target",
    "target-attribute",
    "target-dir",
    "target-pattern",
    "target-role",
    "target-value",
    "template",
    "then",
    "then-action",
    "then-role",
    "ticket",
    "ticket_state",
    "tickets",
    "timeout",
    "transient_attributes",
    "transition-key",
    "transition-magic",
    "type",
    "uname",
    "update-client",
    "update-origin",
    "update-user",
    "utilization",
    "validate-with",
    "value",
    "value-source",
    "weekdays",
    "weeks",
    "with-rsc",
    "with-rsc-role",
    "yeardays",
    "years",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_distinct() {
        assert!(NAMES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn long_names_and_values_keep_their_length() {
        for len in [0, 1, 63, 64, 65, 4095, 4096, 4097, 300_000] {
            let long = "é".repeat(len);
            let a: Attributes = [("id", long.as_str()), (long.as_str(), "v")]
                .into_iter()
                .collect();
            assert_eq!(a.get("id"), Some(long.as_str()), "{len}");
            assert_eq!(a.get(&long), Some("v"), "{len}");
            assert_eq!(a.len(), 2);
        }
    }

    #[test]
    fn known_and_other_names_keep_their_order() {
        let a: Attributes = [("id", "x"), ("zz-custom", ""), ("value", "1"), ("é", "ü")]
            .into_iter()
            .collect();
        let all: Vec<_> = a.iter().collect();
        assert_eq!(
            all,
            [("id", "x"), ("zz-custom", ""), ("value", "1"), ("é", "ü")]
        );
        assert_eq!(a.get("zz-custom"), Some(""));
        assert_eq!(a.get("value"), Some("1"));
        assert_eq!(a.get("name"), None);
        assert_eq!(a.len(), 4);
    }

    #[test]
    fn set_and_remove_change_only_the_copy() {
        let mut a: Attributes = [("id", "x"), ("custom", "1")].into_iter().collect();
        let shared = a.clone();
        a.set("custom", "2");
        a.set("id", "y");
        a.set("new", "3");
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            [("id", "y"), ("custom", "2"), ("new", "3")]
        );
        assert_eq!(a.remove("custom").as_deref(), Some("2"));
        assert_eq!(a.remove("custom"), None);
        assert_eq!(a.iter().collect::<Vec<_>>(), [("id", "y"), ("new", "3")]);
        assert_eq!(
            shared.iter().collect::<Vec<_>>(),
            [("id", "x"), ("custom", "1")]
        );
    }

    #[test]
    fn equality_is_by_content() {
        let a: Attributes = [("id", "x"), ("other", "")].into_iter().collect();
        let mut b: Attributes = [("id", "x")].into_iter().collect();
        assert_ne!(a, b);
        b.set("other", "");
        assert_eq!(a, b);
        assert_eq!(Attributes::default(), [("", ""); 0].into_iter().collect());
        assert!(Attributes::default().is_empty());
    }
}
