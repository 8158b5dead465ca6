//! An element's attributes, stored compactly and shared.
//!
//! A big CIB's status section holds close to a million attributes (some
//! twenty on each of tens of thousands of operation records). Kept as a
//! pair of `String`s each, they cost two allocations and 48 bytes of
//! pointers per attribute before any text, and dominate the memory of
//! every tool that reads the CIB. Here one element's attributes are one
//! string (the values, and the names Pacemaker's schema does not know)
//! and one slot per attribute; a name the schema knows is a number into
//! [`NAMES`]. The storage is reference counted, so a clone costs nothing
//! (the typed view keeps the attributes of history records this way);
//! changing attributes that are shared copies them first.

use std::fmt;
use std::sync::Arc;

/// An element's attributes, in document order.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Attributes(Option<Arc<Packed>>);

#[derive(PartialEq, Eq)]
struct Packed {
    /// Each attribute's name (when not in [`NAMES`]) and value, back to
    /// back in attribute order.
    text: Box<str>,
    slots: Box<[Slot]>,
}

/// Where one attribute is: its name, and where its value ends in the text
/// (the value starts where the previous attribute, or its own name, ends).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Slot {
    name: Name,
    end: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Name {
    /// `NAMES[i]`.
    Known(u16),
    /// In the text, ending here (starting where the previous attribute ends).
    Inline(u32),
}

impl Packed {
    fn get(&self, i: usize) -> (&str, &str) {
        let start = match i {
            0 => 0,
            _ => self.slots[i - 1].end as usize,
        };
        let slot = self.slots[i];
        let (name, value_start) = match slot.name {
            Name::Known(k) => (NAMES[usize::from(k)], start),
            Name::Inline(end) => (&self.text[start..end as usize], end as usize),
        };
        (name, &self.text[value_start..slot.end as usize])
    }
}

impl Attributes {
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |p| p.slots.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of the attribute `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|&(k, _)| k == name).map(|(_, v)| v)
    }

    /// Every attribute as (name, value), in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            packed: self.0.as_deref(),
            next: 0,
        }
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
pub struct Iter<'a> {
    packed: Option<&'a Packed>,
    next: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let packed = self.packed?;
        if self.next >= packed.slots.len() {
            return None;
        }
        self.next += 1;
        Some(packed.get(self.next - 1))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.packed.map_or(0, |p| p.slots.len()) - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Collects attributes one at a time (the parser reuses one for every
/// element, so reading a document allocates only the finished sets).
#[derive(Default)]
pub(crate) struct Builder {
    text: String,
    slots: Vec<Slot>,
}

impl Builder {
    pub(crate) fn push(&mut self, name: &str, value: &str) {
        let written: Result<(), std::convert::Infallible> = self.push_with(name, |text| {
            text.push_str(value);
            Ok(())
        });
        let Ok(()) = written;
    }

    /// Add an attribute whose value `write_value` appends to the text.
    pub(crate) fn push_with<E>(
        &mut self,
        name: &str,
        write_value: impl FnOnce(&mut String) -> Result<(), E>,
    ) -> Result<(), E> {
        let name = match NAMES.binary_search(&name) {
            Ok(k) => Name::Known(k as u16),
            Err(_) => {
                self.text.push_str(name);
                Name::Inline(offset(self.text.len()))
            }
        };
        write_value(&mut self.text)?;
        self.slots.push(Slot {
            name,
            end: offset(self.text.len()),
        });
        Ok(())
    }

    /// The attributes collected, leaving the builder empty for the next set.
    pub(crate) fn finish(&mut self) -> Attributes {
        if self.slots.is_empty() {
            return Attributes(None);
        }
        let packed = Packed {
            text: self.text.as_str().into(),
            slots: self.slots.as_slice().into(),
        };
        self.text.clear();
        self.slots.clear();
        Attributes(Some(Arc::new(packed)))
    }
}

/// One element's attributes are at most 4 GiB of text (the parser checks
/// before building them; in memory, more is a bug).
fn offset(len: usize) -> u32 {
    u32::try_from(len).expect("the attributes of one element exceed 4 GiB")
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
        assert!(NAMES.len() <= usize::from(u16::MAX));
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
        assert_eq!(a.iter().len(), 4);
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
