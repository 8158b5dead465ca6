//! Agent meta-data: the XML an agent prints for `meta-data` (OCF) or
//! `action=metadata` (fence agents), read into [`Metadata`].
//!
//! Both dialects are accepted: OCF's `<shortdesc>` element and version
//! elements, and fence-agents' `shortdesc` attribute with `<getopt>`
//! children and `obsoletes`/`deprecated` attributes.

use vigil_xml::{Element, Node};

/// What an agent says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub name: String,
    /// The agent's own version (`version` attribute or `<version>`).
    pub version: Option<String>,
    pub shortdesc: String,
    pub longdesc: String,
    pub parameters: Vec<Parameter>,
    pub actions: Vec<ActionSpec>,
}

/// One instance parameter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parameter {
    pub name: String,
    pub shortdesc: String,
    pub longdesc: String,
    /// `<content type=...>`: string, integer, boolean, second, select, ...
    pub content_type: String,
    pub default: Option<String>,
    /// Allowed values of a `select` parameter.
    pub options: Vec<String>,
    pub required: bool,
    pub unique: bool,
    /// OCF 1.1 `unique-group`.
    pub unique_group: Option<String>,
    pub reloadable: bool,
    pub deprecated: bool,
    /// For fence agents: the parameter this one replaces.
    pub obsoletes: Option<String>,
    /// Advanced parameters are marked so in their shortdesc by agents
    /// ("Advanced use only"), as pcs does.
    pub advanced: bool,
}

/// An action and the timeout/interval the agent suggests for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionSpec {
    pub name: String,
    pub timeout: Option<String>,
    pub interval: Option<String>,
    pub depth: Option<String>,
    pub role: Option<String>,
    pub start_delay: Option<String>,
}

/// Why meta-data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("meta-data is not well-formed XML at line {}, column {}: {}", .0.line, .0.column, .0.message)]
    Xml(vigil_xml::ParseError),
    #[error("meta-data's root element is <{0}>, expected <resource-agent>")]
    NotResourceAgent(String),
    #[error("meta-data line {line}: <parameter> has no name")]
    UnnamedParameter { line: u32 },
}

fn is_english(e: &Element) -> bool {
    e.attr("lang").is_none_or(|l| l.eq_ignore_ascii_case("en"))
}

/// Text of the first English `<name>` child (OCF allows one per language).
fn desc(e: &Element, name: &str) -> Option<String> {
    e.elements_named(name)
        .find(|c| is_english(c))
        .or_else(|| e.child(name))
        .map(|c| c.text().trim().to_string())
}

fn flag(e: &Element, name: &str) -> bool {
    matches!(e.attr(name), Some("1" | "true" | "yes"))
}

impl Metadata {
    pub fn parse(xml: &str) -> Result<Metadata, MetadataError> {
        let root = vigil_xml::parse(xml).map_err(MetadataError::Xml)?;
        if root.name != "resource-agent" {
            return Err(MetadataError::NotResourceAgent(root.name.into_owned()));
        }
        let mut parameters = Vec::new();
        for p in root
            .child("parameters")
            .into_iter()
            .flat_map(|ps| ps.elements_named("parameter"))
        {
            let Some(name) = p.attr("name") else {
                return Err(MetadataError::UnnamedParameter { line: p.line });
            };
            let content = p.child("content");
            let shortdesc = desc(p, "shortdesc")
                .or_else(|| p.attr("shortdesc").map(str::to_string))
                .unwrap_or_default();
            parameters.push(Parameter {
                name: name.to_string(),
                longdesc: desc(p, "longdesc").unwrap_or_default(),
                content_type: content
                    .and_then(|c| c.attr("type"))
                    .unwrap_or("string")
                    .to_string(),
                default: content.and_then(|c| c.attr("default")).map(str::to_string),
                options: content
                    .into_iter()
                    .flat_map(|c| c.elements_named("option"))
                    .filter_map(|o| o.attr("value").map(str::to_string))
                    .collect(),
                required: flag(p, "required"),
                unique: flag(p, "unique"),
                unique_group: p.attr("unique-group").map(str::to_string),
                reloadable: flag(p, "reloadable"),
                deprecated: flag(p, "deprecated") || p.child("deprecated").is_some(),
                obsoletes: p.attr("obsoletes").map(str::to_string),
                advanced: shortdesc.to_ascii_lowercase().contains("advanced use only"),
                shortdesc,
            });
        }
        let actions = root
            .child("actions")
            .into_iter()
            .flat_map(|a| a.elements_named("action"))
            .filter_map(|a| {
                Some(ActionSpec {
                    name: a.attr("name")?.to_string(),
                    timeout: a.attr("timeout").map(str::to_string),
                    interval: a.attr("interval").map(str::to_string),
                    depth: a.attr("depth").map(str::to_string),
                    role: a.attr("role").map(str::to_string),
                    start_delay: a.attr("start-delay").map(str::to_string),
                })
            })
            .collect();
        Ok(Metadata {
            name: root.attr("name").unwrap_or("").to_string(),
            version: root
                .attr("version")
                .map(str::to_string)
                .or_else(|| root.child("version").map(|v| v.text().trim().to_string())),
            shortdesc: desc(&root, "shortdesc")
                .or_else(|| root.attr("shortdesc").map(str::to_string))
                .unwrap_or_default(),
            longdesc: desc(&root, "longdesc").unwrap_or_default(),
            parameters,
            actions,
        })
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// Required parameters that `given` lacks.
    pub fn missing_required<'a>(
        &'a self,
        given: &std::collections::BTreeMap<String, String>,
    ) -> Vec<&'a str> {
        self.parameters
            .iter()
            .filter(|p| p.required && !given.contains_key(&p.name))
            // A fence agent's parameter may be given under the old name
            // it replaces.
            .filter(|p| {
                !p.obsoletes
                    .as_ref()
                    .is_some_and(|old| given.contains_key(old))
            })
            .map(|p| p.name.as_str())
            .collect()
    }
}

/// An element holding text.
pub fn text_element(name: &str, text: &str) -> Element {
    let mut e = Element::new(name);
    e.children.push(Node::Text(text.to_string()));
    e
}

/// Meta-data for agents that have none of their own (LSB scripts, systemd
/// units): no parameters, these actions with their timeouts (and intervals)
/// in seconds.
pub fn synthesized(
    name: &str,
    shortdesc: &str,
    longdesc: &str,
    actions: &[(&str, u32, Option<u32>)],
    special: Option<Element>,
) -> String {
    let mut acts = Element::new("actions");
    for (action, timeout, interval) in actions {
        let mut a = Element::new("action")
            .with_attr("name", *action)
            .with_attr("timeout", format!("{timeout}s"));
        if let Some(i) = interval {
            a = a.with_attr("interval", format!("{i}s"));
        }
        acts.push(a);
    }
    let mut root = Element::new("resource-agent")
        .with_attr("name", name)
        .with_attr("version", "0.1")
        .with_child(text_element("version", "1.1"))
        .with_child(text_element("longdesc", longdesc).with_attr("lang", "en"))
        .with_child(text_element("shortdesc", shortdesc).with_attr("lang", "en"))
        .with_child(Element::new("parameters"))
        .with_child(acts);
    if let Some(s) = special {
        root.push(s);
    }
    format!("<?xml version=\"1.0\"?>\n{}", root.to_pretty_xml())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OCF: &str = r#"<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Dummy" version="1.0">
<version>1.1</version>
<longdesc lang="en">Does nothing.</longdesc>
<shortdesc lang="en">Example stateless resource agent</shortdesc>
<parameters>
<parameter name="state" unique-group="state">
<longdesc lang="en">Location to store the resource state in.</longdesc>
<shortdesc lang="en">State file</shortdesc>
<content type="string" default="/run/Dummy.state" />
</parameter>
<parameter name="mode" required="1" reloadable="1">
<shortdesc lang="de">Modus</shortdesc>
<shortdesc lang="en">Mode</shortdesc>
<content type="select" default="a"><option value="a"/><option value="b"/></content>
</parameter>
</parameters>
<actions>
<action name="start" timeout="20s" />
<action name="monitor" timeout="20s" interval="10s" depth="0"/>
</actions>
</resource-agent>"#;

    #[test]
    fn reads_ocf_meta_data() {
        let md = Metadata::parse(OCF).unwrap();
        assert_eq!(md.name, "Dummy");
        assert_eq!(md.version.as_deref(), Some("1.0"));
        assert_eq!(md.shortdesc, "Example stateless resource agent");
        let state = md.parameter("state").unwrap();
        assert_eq!(state.default.as_deref(), Some("/run/Dummy.state"));
        assert_eq!(state.unique_group.as_deref(), Some("state"));
        assert!(!state.required);
        let mode = md.parameter("mode").unwrap();
        assert!(mode.required && mode.reloadable);
        assert_eq!(mode.shortdesc, "Mode");
        assert_eq!(mode.options, ["a", "b"]);
        assert_eq!(md.actions[1].interval.as_deref(), Some("10s"));
        assert_eq!(md.missing_required(&Default::default()), ["mode"]);
    }

    #[test]
    fn reads_fence_agent_meta_data() {
        let xml = r#"<?xml version="1.0" ?>
<resource-agent name="fence_x" shortdesc="Fence agent for X" >
<longdesc>Long.</longdesc>
<parameters>
	<parameter name="password" unique="0" required="1" obsoletes="passwd">
		<getopt mixed="-p, --password=[password]" />
		<content type="string"  />
		<shortdesc lang="en">Login password or passphrase</shortdesc>
	</parameter>
	<parameter name="passwd" unique="0" required="0" deprecated="1">
		<content type="string"  />
		<shortdesc lang="en">Login password or passphrase</shortdesc>
	</parameter>
</parameters>
<actions><action name="on" automatic="0"/><action name="status" /></actions>
</resource-agent>"#;
        let md = Metadata::parse(xml).unwrap();
        assert_eq!(md.shortdesc, "Fence agent for X");
        assert!(md.parameter("passwd").unwrap().deprecated);
        let given = [("passwd".to_string(), "x".to_string())]
            .into_iter()
            .collect();
        assert!(md.missing_required(&given).is_empty());
        assert_eq!(md.actions.len(), 2);
    }

    #[test]
    fn bad_meta_data_says_where() {
        let err = Metadata::parse(
            "<resource-agent><parameters><parameter/></parameters></resource-agent>",
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "meta-data line 1: <parameter> has no name");
        let err = Metadata::parse("<html/>").unwrap_err();
        assert!(err.to_string().contains("expected <resource-agent>"));
        let err = Metadata::parse("<resource-agent>").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("meta-data is not well-formed XML at line 1")
        );
    }
}
