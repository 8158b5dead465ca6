//! Rules: conditions on node attributes, dates, resources and operations.
//!
//! Rules appear in location constraints (where a passing rule contributes
//! its score on a node) and inside option blocks (where a passing rule makes
//! the block apply). Evaluation is pure: the caller supplies the node's
//! attributes, the time and the resource or operation in question.

use std::collections::BTreeMap;

use vigil_xml::Element;

use crate::Diagnostics;
use crate::score::Score;
use crate::time::{self, DateTime};

/// How a rule combines its expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BooleanOp {
    And,
    Or,
}

/// A `<rule>` element, with `id-ref`s resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub boolean_op: BooleanOp,
    pub score: Option<Score>,
    pub score_attribute: Option<String>,
    /// `role` restricts a location rule to a role (Promoted/Unpromoted/...).
    pub role: Option<String>,
    pub expressions: Vec<Expression>,
    pub line: u32,
}

/// One condition inside a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    Attribute(AttributeExpression),
    /// A `<date_expression>` element, evaluated by [`time::evaluate_date_expression`].
    Date(Element),
    Resource {
        class: Option<String>,
        provider: Option<String>,
        kind: Option<String>,
    },
    Operation {
        name: Option<String>,
        interval_ms: Option<u64>,
    },
    Rule(Rule),
}

/// `<expression attribute=.. operation=.. value=.. type=.. value-source=..>`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeExpression {
    pub id: String,
    pub attribute: String,
    pub operation: String,
    pub value: Option<String>,
    pub value_type: Option<String>,
    pub value_source: Option<String>,
}

/// Where rule expressions look things up.
#[derive(Default, Clone, Copy)]
pub struct RuleContext<'a> {
    pub now: Option<&'a DateTime>,
    /// Node attributes (including `#uname`, `#id`, `#kind`, `#is_dc`, ...).
    pub node_attrs: Option<&'a BTreeMap<String, String>>,
    /// The resource agent as (class, provider, type), for `rsc_expression`.
    pub rsc_agent: Option<(&'a str, Option<&'a str>, &'a str)>,
    /// The operation as (name, interval in ms), for `op_expression`.
    pub op: Option<(&'a str, u64)>,
    /// Resource parameters, for `value-source="param"`.
    pub rsc_params: Option<&'a BTreeMap<String, String>>,
    /// Resource meta-attributes, for `value-source="meta"`.
    pub rsc_meta: Option<&'a BTreeMap<String, String>>,
}

impl Rule {
    /// Whether any expression compares against the resource's own
    /// parameters or meta-attributes (`value-source="param"`/`"meta"`).
    pub fn uses_resource_values(&self) -> bool {
        self.expressions.iter().any(|e| match e {
            Expression::Attribute(a) => a
                .value_source
                .as_deref()
                .is_some_and(|v| v == "param" || v == "meta"),
            Expression::Rule(r) => r.uses_resource_values(),
            _ => false,
        })
    }

    /// Read a `<rule>` element; `root` resolves `id-ref`s.
    pub fn from_element(e: &Element, root: &Element, diags: &mut Diagnostics) -> Rule {
        let e = crate::resolve_ref(e, root, diags);
        let boolean_op = match e.attr("boolean-op") {
            Some(op) if op.eq_ignore_ascii_case("or") => BooleanOp::Or,
            _ => BooleanOp::And,
        };
        let score = e.attr("score").and_then(|s| match Score::parse(s) {
            Some(score) => Some(score),
            None => {
                diags.error(e, format!("rule {} has an invalid score {s:?}", e.id()));
                None
            }
        });
        let mut expressions = Vec::new();
        for child in e.elements() {
            let child = crate::resolve_ref(child, root, diags);
            match &*child.name {
                "expression" => expressions.push(Expression::Attribute(AttributeExpression {
                    id: child.id().to_string(),
                    attribute: child.attr("attribute").unwrap_or("").to_string(),
                    operation: child.attr("operation").unwrap_or("").to_string(),
                    value: child.attr("value").map(str::to_string),
                    value_type: child.attr("type").map(str::to_string),
                    value_source: child.attr("value-source").map(str::to_string),
                })),
                "date_expression" => expressions.push(Expression::Date(child.clone())),
                "rsc_expression" => expressions.push(Expression::Resource {
                    class: child.attr("class").map(str::to_string),
                    provider: child.attr("provider").map(str::to_string),
                    kind: child.attr("type").map(str::to_string),
                }),
                "op_expression" => expressions.push(Expression::Operation {
                    name: child.attr("name").map(str::to_string),
                    interval_ms: child.attr("interval").and_then(time::parse_interval_ms),
                }),
                "rule" => {
                    expressions.push(Expression::Rule(Rule::from_element(child, root, diags)))
                }
                _ => {}
            }
        }
        Rule {
            id: e.id().to_string(),
            boolean_op,
            score,
            score_attribute: e.attr("score-attribute").map(str::to_string),
            role: e.attr("role").map(str::to_string),
            expressions,
            line: e.line,
        }
    }

    /// Whether the rule passes in `ctx`. An empty rule passes.
    pub fn evaluate(&self, ctx: &RuleContext) -> bool {
        if self.expressions.is_empty() {
            return true;
        }
        let mut results = self.expressions.iter().map(|x| x.evaluate(ctx));
        match self.boolean_op {
            BooleanOp::And => results.all(|r| r),
            BooleanOp::Or => results.any(|r| r),
        }
    }
}

impl Expression {
    pub fn evaluate(&self, ctx: &RuleContext) -> bool {
        match self {
            Expression::Attribute(a) => a.evaluate(ctx),
            Expression::Date(e) => match ctx.now {
                Some(now) => time::evaluate_date_expression(e, now).unwrap_or(false),
                None => false,
            },
            Expression::Resource {
                class,
                provider,
                kind,
            } => match ctx.rsc_agent {
                Some((c, p, t)) => {
                    class.as_deref().is_none_or(|x| x == c)
                        && provider.as_deref().is_none_or(|x| Some(x) == p)
                        && kind.as_deref().is_none_or(|x| x == t)
                }
                None => false,
            },
            Expression::Operation { name, interval_ms } => match ctx.op {
                Some((n, i)) => {
                    name.as_deref().is_none_or(|x| x == n) && interval_ms.is_none_or(|x| x == i)
                }
                None => false,
            },
            Expression::Rule(r) => r.evaluate(ctx),
        }
    }
}

impl AttributeExpression {
    pub fn evaluate(&self, ctx: &RuleContext) -> bool {
        let actual = ctx
            .node_attrs
            .and_then(|m| m.get(&self.attribute))
            .map(String::as_str);
        let expected: Option<&str> = match self.value_source.as_deref() {
            Some("param") => self
                .value
                .as_deref()
                .and_then(|v| ctx.rsc_params.and_then(|m| m.get(v)))
                .map(String::as_str),
            Some("meta") => self
                .value
                .as_deref()
                .and_then(|v| ctx.rsc_meta.and_then(|m| m.get(v)))
                .map(String::as_str),
            _ => self.value.as_deref(),
        };
        match self.operation.as_str() {
            "defined" => return actual.is_some(),
            "not_defined" => return actual.is_none(),
            _ => {}
        }
        let (Some(actual), Some(expected)) = (actual, expected) else {
            // A missing value compares unequal to everything.
            return self.operation == "ne";
        };
        let ordering = compare_values(
            actual,
            expected,
            self.value_type.as_deref(),
            &self.operation,
        );
        match self.operation.as_str() {
            "eq" => ordering == Some(std::cmp::Ordering::Equal),
            "ne" => ordering != Some(std::cmp::Ordering::Equal),
            "lt" => ordering == Some(std::cmp::Ordering::Less),
            "lte" => matches!(
                ordering,
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            ),
            "gt" => ordering == Some(std::cmp::Ordering::Greater),
            "gte" => matches!(
                ordering,
                Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
            ),
            _ => false,
        }
    }
}

/// Compare two attribute values by the expression's type. Without a type,
/// ordering comparisons are numeric and equality is textual.
fn compare_values(
    actual: &str,
    expected: &str,
    value_type: Option<&str>,
    op: &str,
) -> Option<std::cmp::Ordering> {
    let numeric_op = matches!(op, "lt" | "lte" | "gt" | "gte");
    let kind = match value_type.map(str::to_ascii_lowercase).as_deref() {
        Some("integer") => "integer",
        Some("number") => "number",
        Some("version") => "version",
        Some("string") => "string",
        _ if numeric_op => {
            if actual.contains('.') || expected.contains('.') {
                "number"
            } else {
                "integer"
            }
        }
        _ => "string",
    };
    match kind {
        "integer" => match (parse_int(actual), parse_int(expected)) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => Some(string_cmp(actual, expected)),
        },
        "number" => match (actual.trim().parse::<f64>(), expected.trim().parse::<f64>()) {
            (Ok(a), Ok(b)) => a.partial_cmp(&b),
            _ => Some(string_cmp(actual, expected)),
        },
        "version" => Some(compare_versions(actual, expected)),
        _ => Some(string_cmp(actual, expected)),
    }
}

fn string_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase())
}

/// Integer parsing as Pacemaker does for rules: leading digits count
/// (`"5abc"` is 5); a value with no digits is not an integer.
fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let v: i64 = digits[..end].parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Compare dotted version strings numerically field by field.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let fields =
        |s: &str| -> Vec<i64> { s.split('.').map(|f| parse_int(f).unwrap_or(0)).collect() };
    let (fa, fb) = (fields(a), fields(b));
    for i in 0..fa.len().max(fb.len()) {
        let x = fa.get(i).copied().unwrap_or(0);
        let y = fb.get(i).copied().unwrap_or(0);
        if x != y {
            return x.cmp(&y);
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(xml: &str) -> Rule {
        let e = vigil_xml::parse(xml).unwrap();
        Rule::from_element(&e, &e, &mut Diagnostics::default())
    }

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn attribute_comparisons() {
        let r = rule(
            r#"<rule id="r" score="10" boolean-op="or">
                 <expression id="e1" attribute="pingd" operation="lt" value="1"/>
                 <expression id="e2" attribute="pingd" operation="not_defined"/>
               </rule>"#,
        );
        let none = attrs(&[]);
        let low = attrs(&[("pingd", "0")]);
        let high = attrs(&[("pingd", "100")]);
        assert!(r.evaluate(&RuleContext {
            node_attrs: Some(&none),
            ..Default::default()
        }));
        assert!(r.evaluate(&RuleContext {
            node_attrs: Some(&low),
            ..Default::default()
        }));
        assert!(!r.evaluate(&RuleContext {
            node_attrs: Some(&high),
            ..Default::default()
        }));
    }

    #[test]
    fn numeric_by_default_for_ordering() {
        let r = rule(
            r#"<rule id="r"><expression id="e" attribute="a" operation="gt" value="9"/></rule>"#,
        );
        let ten = attrs(&[("a", "10")]);
        assert!(r.evaluate(&RuleContext {
            node_attrs: Some(&ten),
            ..Default::default()
        }));
        let v = rule(
            r#"<rule id="r"><expression id="e" attribute="a" operation="gt" value="1.9" type="version"/></rule>"#,
        );
        let ver = attrs(&[("a", "1.10")]);
        assert!(v.evaluate(&RuleContext {
            node_attrs: Some(&ver),
            ..Default::default()
        }));
    }
}
