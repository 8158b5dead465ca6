//! Option blocks: `cluster_property_set`, `meta_attributes`,
//! `instance_attributes`, `utilization` — sets of name/value pairs that may
//! carry a score (precedence) and a rule (applicability).

use std::collections::BTreeMap;

use vigil_xml::Element;

use crate::Diagnostics;
use crate::rule::{Rule, RuleContext};
use crate::score::Score;

/// One option block.
#[derive(Debug, Clone, PartialEq)]
pub struct NvSet {
    pub id: String,
    /// Precedence: blocks with higher scores are considered first.
    pub score: Score,
    pub rule: Option<Rule>,
    /// Pairs in document order; a pair without a value unsets nothing and is skipped.
    pub pairs: Vec<NvPair>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NvPair {
    pub id: String,
    pub name: String,
    pub value: Option<String>,
    pub line: u32,
}

impl NvSet {
    /// Read a block element (any of the block kinds); `root` resolves `id-ref`s.
    pub fn from_element(e: &Element, root: &Element, diags: &mut Diagnostics) -> NvSet {
        let e = crate::resolve_ref(e, root, diags);
        let score = match e.attr("score") {
            Some(s) => Score::parse(s).unwrap_or_else(|| {
                diags.error(
                    e,
                    format!("option block {} has an invalid score {s:?}", e.id()),
                );
                Score::ZERO
            }),
            None => Score::ZERO,
        };
        let mut rule = None;
        let mut pairs = Vec::new();
        for child in e.elements() {
            match &*child.name {
                "rule" => rule = Some(Rule::from_element(child, root, diags)),
                "nvpair" => {
                    let child = crate::resolve_ref(child, root, diags);
                    let Some(name) = child.attr("name") else {
                        diags.error(child, format!("nvpair {} has no name", child.id()));
                        continue;
                    };
                    pairs.push(NvPair {
                        id: child.id().to_string(),
                        name: name.to_string(),
                        value: child.attr("value").map(str::to_string),
                        line: child.line,
                    });
                }
                _ => {}
            }
        }
        NvSet {
            id: e.id().to_string(),
            score,
            rule,
            pairs,
            line: e.line,
        }
    }

    /// Every block of the given element names among `parent`'s children.
    pub fn all_in(
        parent: &Element,
        names: &[&str],
        root: &Element,
        diags: &mut Diagnostics,
    ) -> Vec<NvSet> {
        parent
            .elements()
            .filter(|c| names.contains(&&*c.name))
            .map(|c| NvSet::from_element(c, root, diags))
            .collect()
    }
}

/// Evaluate blocks into `out`: blocks in descending score order (document
/// order among equals; a block whose id is `first` goes before all), only
/// blocks whose rule passes, and the first value seen for a name wins — a
/// name already in `out` is kept. The value `#default` unsets a name.
pub fn unpack_sets(
    sets: &[NvSet],
    ctx: &RuleContext,
    first: Option<&str>,
    out: &mut BTreeMap<String, String>,
) {
    let mut order: Vec<&NvSet> = sets.iter().collect();
    order.sort_by(|a, b| {
        let a_first = first.is_some_and(|f| a.id == f);
        let b_first = first.is_some_and(|f| b.id == f);
        b_first.cmp(&a_first).then(b.score.cmp(&a.score))
    });
    for set in order {
        if let Some(rule) = &set.rule
            && !rule.evaluate(ctx)
        {
            continue;
        }
        for pair in &set.pairs {
            let Some(value) = &pair.value else { continue };
            if value.eq_ignore_ascii_case("#default") {
                // "#default" unsets the name, even a value already read.
                out.remove(&pair.name);
            } else {
                out.entry(pair.name.clone())
                    .or_insert_with(|| value.clone());
            }
        }
    }
}

/// Convenience: evaluate blocks into a fresh map.
pub fn evaluate_sets(
    sets: &[NvSet],
    ctx: &RuleContext,
    first: Option<&str>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    unpack_sets(sets, ctx, first, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(id: &str, score: i64, pairs: &[(&str, &str)]) -> NvSet {
        NvSet {
            id: id.into(),
            score: Score::new(score),
            rule: None,
            pairs: pairs
                .iter()
                .map(|(n, v)| NvPair {
                    id: format!("{id}-{n}"),
                    name: n.to_string(),
                    value: Some(v.to_string()),
                    line: 0,
                })
                .collect(),
            line: 0,
        }
    }

    #[test]
    fn higher_scores_win_and_default_unsets() {
        let sets = [
            set("low", 1, &[("a", "low"), ("b", "low"), ("c", "low")]),
            set("high", 10, &[("a", "high"), ("b", "#default")]),
        ];
        let out = evaluate_sets(&sets, &RuleContext::default(), None);
        assert_eq!(out.get("a").map(String::as_str), Some("high"));
        // Unset by the higher block, then read again from the lower one.
        assert_eq!(out.get("b").map(String::as_str), Some("low"));
        assert_eq!(out.get("c").map(String::as_str), Some("low"));
        let only = [set("s", 0, &[("x", "1"), ("x", "#DEFAULT")])];
        assert!(evaluate_sets(&only, &RuleContext::default(), None).is_empty());
    }
}
