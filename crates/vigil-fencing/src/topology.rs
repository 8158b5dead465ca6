//! Fencing topology: which devices fence a node, level by level
//! (Pacemaker Explained, "Fencing Topologies"). Levels are tried in index
//! order until one succeeds; every device of a level must succeed.

use std::collections::BTreeMap;

use vigil_cib::config::FencingLevel;

/// One level for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub index: u32,
    pub id: String,
    pub devices: Vec<String>,
}

/// Whether a `fencing-level` applies to `target` (by name, by regular
/// expression, searched as Pacemaker does, or by node attribute).
pub fn applies(level: &FencingLevel, target: &str, attrs: &BTreeMap<String, String>) -> bool {
    if let Some(t) = &level.target {
        return t == target;
    }
    if let Some(p) = &level.target_pattern {
        return regex::Regex::new(p).is_ok_and(|re| re.is_match(target));
    }
    if let (Some(name), Some(value)) = (&level.target_attribute, &level.target_value) {
        return attrs.get(name) == Some(value);
    }
    false
}

/// The levels for `target`, in index order (the first definition of an
/// index wins).
pub fn levels_for(
    levels: &[FencingLevel],
    target: &str,
    attrs: &BTreeMap<String, String>,
) -> Vec<Level> {
    let mut by_index: BTreeMap<u32, Level> = BTreeMap::new();
    for l in levels.iter().filter(|l| applies(l, target, attrs)) {
        by_index.entry(l.index).or_insert_with(|| Level {
            index: l.index,
            id: l.id.clone(),
            devices: l.devices.clone(),
        });
    }
    by_index.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(
        index: u32,
        target: Option<&str>,
        pattern: Option<&str>,
        devices: &str,
    ) -> FencingLevel {
        FencingLevel {
            id: format!("l{index}"),
            index,
            target: target.map(str::to_string),
            target_pattern: pattern.map(str::to_string),
            target_attribute: None,
            target_value: None,
            devices: devices.split(',').map(str::to_string).collect(),
            line: 0,
        }
    }

    #[test]
    fn levels_match_by_name_pattern_and_attribute() {
        let mut by_attr = level(3, None, None, "pdu");
        by_attr.target_attribute = Some("rack".into());
        by_attr.target_value = Some("r1".into());
        let levels = [
            level(2, Some("node1"), None, "psu1,psu2"),
            level(1, None, Some("node[0-9]"), "ipmi"),
            by_attr,
            level(1, Some("node1"), None, "ignored-duplicate"),
        ];
        let attrs = [("rack".to_string(), "r1".to_string())]
            .into_iter()
            .collect();
        let got = levels_for(&levels, "node1", &attrs);
        let summary: Vec<(u32, Vec<String>)> =
            got.into_iter().map(|l| (l.index, l.devices)).collect();
        assert_eq!(
            summary,
            [
                (1, vec!["ipmi".to_string()]),
                (2, vec!["psu1".to_string(), "psu2".to_string()]),
                (3, vec!["pdu".to_string()]),
            ]
        );
        assert!(levels_for(&levels, "web", &BTreeMap::new()).is_empty());
    }
}
