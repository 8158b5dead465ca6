//! Shrink a CIB on which `vigil simulate` and `crm_simulate` disagree.
//!
//! `cargo run --release -p vigil-testgen --example minimize -- FILE.xml [VIGIL]`
//!
//! Greedily removes elements (whole resources, constraints, nodes,
//! history records, attribute blocks...; see `keep` for what stays) as
//! long as crm_simulate still
//! accepts the CIB and the two Transition Summaries still differ, then
//! writes `FILE.min.xml` and prints both summaries. VIGIL defaults to
//! `target/release/vigil`. The result is a starting point for a bug
//! report: the disagreement left may not be the one first seen, so read
//! it before filing.

use std::process::{Command, ExitCode, Stdio};

use vigil_xml::{Element, Node};

/// Elements kept because the document is not a CIB without them.
const STRUCTURAL: &[&str] = &[
    "cib",
    "configuration",
    "crm_config",
    "nodes",
    "resources",
    "constraints",
    "status",
];

fn summary(stdout: &str) -> Option<Vec<String>> {
    let mut lines = stdout.lines();
    lines.find(|l| l.trim_end() == "Transition Summary:")?;
    Some(
        lines
            .take_while(|l| !l.trim().is_empty() && l.starts_with(' '))
            .map(str::to_string)
            .collect(),
    )
}

/// Both summaries when crm_simulate accepted the CIB, else `None`.
fn summaries(xml: &str, vigil: &str, scratch: &str) -> Option<(Vec<String>, Vec<String>)> {
    std::fs::write(scratch, xml).ok()?;
    let run = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .ok()
    };
    let reference = run("crm_simulate", &["-R", "-x", scratch])?;
    if !reference.status.success()
        || String::from_utf8_lossy(&reference.stderr).contains("fatal assertion")
    {
        return None;
    }
    let ours = run(vigil, &["simulate", "-x", scratch])?;
    Some((
        summary(&String::from_utf8_lossy(&reference.stdout))?,
        summary(&String::from_utf8_lossy(&ours.stdout)).unwrap_or_default(),
    ))
}

/// Whether removing `e` would change the kind of cluster rather than shrink
/// it, so that the disagreement found is likely a different one:
/// - a resource's last-operation record goes only with the whole resource
///   history (histories without one are not what a DC records);
/// - cluster options stay (dropping `stonith-enabled=false` turns fencing
///   on), and so do fence devices (fencing without a device is a
///   misconfiguration with behaviour of its own).
fn keep(e: &Element, parent: &Element) -> bool {
    STRUCTURAL.contains(&&*e.name)
        || (e.name == "lrm_rsc_op" && e.id().ends_with("_last_0"))
        || e.name == "cluster_property_set"
        || (parent.name == "cluster_property_set" && e.name == "nvpair")
        || (e.name == "primitive" && e.attr("class") == Some("stonith"))
}

/// Paths (child indices) of every removable element, parents first.
fn candidates(e: &Element, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    for (i, child) in e.children.iter().enumerate() {
        if let Node::Element(c) = child {
            path.push(i);
            if !keep(c, e) {
                out.push(path.clone());
            }
            candidates(c, path, out);
            path.pop();
        }
    }
}

fn remove(doc: &Element, path: &[usize]) -> Element {
    let mut doc = doc.clone();
    let mut e = &mut doc;
    for &i in &path[..path.len() - 1] {
        e = match &mut e.children[i] {
            Node::Element(c) => c,
            _ => unreachable!("paths only lead through elements"),
        };
    }
    e.children.remove(path[path.len() - 1]);
    doc
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(file) = args.first() else {
        eprintln!("usage: minimize FILE.xml [VIGIL]");
        return ExitCode::from(64);
    };
    let vigil = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "target/release/vigil".to_string());
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("minimize: {file}: {e}");
            return ExitCode::from(66);
        }
    };
    let mut doc = match vigil_xml::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("minimize: {file}: {e:?}");
            return ExitCode::from(65);
        }
    };
    let scratch = format!("{file}.try.xml");
    let differs = |doc: &Element| -> Option<(Vec<String>, Vec<String>)> {
        summaries(&doc.to_pretty_xml(), &vigil, &scratch).filter(|(a, b)| a != b)
    };
    let Some(mut last) = differs(&doc) else {
        eprintln!("minimize: the summaries do not differ (or crm_simulate rejects the CIB)");
        let _ = std::fs::remove_file(&scratch);
        return ExitCode::from(1);
    };
    loop {
        let mut shrunk = false;
        let mut i = 0;
        loop {
            let mut list = Vec::new();
            candidates(&doc, &mut Vec::new(), &mut list);
            let Some(path) = list.get(i) else { break };
            let smaller = remove(&doc, path);
            if let Some(found) = differs(&smaller) {
                doc = smaller;
                last = found;
                shrunk = true;
            } else {
                i += 1;
            }
        }
        if !shrunk {
            break;
        }
    }
    let _ = std::fs::remove_file(&scratch);
    let out = file.strip_suffix(".xml").unwrap_or(file).to_string() + ".min.xml";
    if let Err(e) = std::fs::write(&out, doc.to_pretty_xml()) {
        eprintln!("minimize: {out}: {e}");
        return ExitCode::from(73);
    }
    println!("wrote {out}\ncrm_simulate:");
    for l in &last.0 {
        println!("{l}");
    }
    println!("vigil:");
    for l in &last.1 {
        println!("{l}");
    }
    ExitCode::SUCCESS
}
