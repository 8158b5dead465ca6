//! Bad input never panics: every CIB of Pacemaker's scheduler regression
//! corpus is damaged by seeded structural mutations (attributes deleted or
//! set to garbage, elements dropped, duplicated or moved, references
//! pointed at missing or wrong-kind ids, unknown agents, truncated text)
//! and then loaded, scheduled and verified under `catch_unwind`. Any panic
//! fails the test with the case, its seed and the mutations applied, and
//! leaves the damaged CIB in the temporary directory for replay.
//!
//! The corpus is read from `$VIGIL_SCHEDULER_CORPUS/xml` (default
//! `../shared/conformance/scheduler` beside the checkout, else
//! `/work/shared/conformance/scheduler`); without it the test is skipped
//! with a message.
//!
//! - `VIGIL_MUTATIONS=N`: mutated variants per corpus CIB (default 8);
//!   raise it to hunt.
//! - `VIGIL_MUTATION_SEED=S`: base seed (default 0), for a fresh sample.
//! - `VIGIL_MUTATION_CASE=NAME`: only the corpus CIBs whose file name
//!   contains NAME.
//! - `VIGIL_MUTATION_TRACE=1`: print each case before running it (a stack
//!   overflow aborts the process and cannot be caught).

use std::cell::RefCell;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use vigil_cib::Cib;
use vigil_cib::time::DateTime;
use vigil_xml::{Element, Node};

fn corpus_dir() -> Option<PathBuf> {
    let candidates = match std::env::var_os("VIGIL_SCHEDULER_CORPUS") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/scheduler"),
            PathBuf::from("/work/shared/conformance/scheduler"),
        ],
    };
    candidates
        .into_iter()
        .map(|d| d.join("xml"))
        .find(|d| d.is_dir())
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// SplitMix64: small, seedable, and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// FNV-1a, to give each corpus file its own seed.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Values that are wrong (or at the edge) for some attribute somewhere.
const GARBAGE: &[&str] = &[
    "",
    " ",
    "garbage",
    "-INFINITY",
    "INFINITY",
    "+INFINITY",
    "infinity",
    "-infinity",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
    "2147483648",
    "-1",
    "0",
    "1.5",
    "1e308",
    "NaN",
    "0x10",
    "2024-13-45T99:99:99Z",
    "2024-02-30",
    "9999999999-12-31",
    "-5000-01-01",
    "0000-00-00 00:00:00",
    "2024-W54-9",
    "2024-400",
    "P",
    "PT",
    "P99999999999999Y",
    "PT-5S",
    "P1Y/P2Y",
    "R5/2024-01-01/P1D",
    "2024-01-01/",
    "1-2-3-4",
    "99999999999999999999ms",
    "10x",
    "a b c",
    "&<>\"'",
    "\u{1F600}",
    "#uname",
    "Promoted",
    "Stopped",
    "no-such-id",
    "ocf::",
    ":",
    "true",
    "maybe",
    "1:2",
    "0:0;1:2:3:",
    ";;;",
    ":::",
    "_",
    "x_monitor_",
    "_0",
    "0:7;4:12:7:not-a-uuid",
    "ocf:heartbeat:",
];

/// Meta attributes, instance attributes and cluster options whose values
/// steer the scheduler.
const OPTIONS: &[&str] = &[
    "target-role",
    "clone-max",
    "clone-node-max",
    "promoted-max",
    "promoted-node-max",
    "master-max",
    "master-node-max",
    "migration-threshold",
    "failure-timeout",
    "resource-stickiness",
    "priority",
    "requires",
    "container",
    "remote-node",
    "remote-port",
    "is-managed",
    "maintenance",
    "multiple-active",
    "allow-migrate",
    "interleave",
    "globally-unique",
    "notify",
    "ordered",
    "critical",
    "container-attribute-target",
    "placement-strategy",
    "node-health-strategy",
    "node-health-base",
    "stonith-enabled",
    "no-quorum-policy",
    "cluster-recheck-interval",
    "shutdown-lock",
    "shutdown-lock-limit",
    "start-failure-is-fatal",
    "symmetric-cluster",
    "concurrent-fencing",
    "priority-fencing-delay",
    "stonith-timeout",
    "stop-all-resources",
    "batch-limit",
    "#health-disk",
    "standby",
];

/// Attributes that refer to other elements (or nodes) by name.
const REFERENCES: &[&str] = &[
    "id-ref",
    "idref",
    "rsc",
    "with-rsc",
    "first",
    "then",
    "node",
    "container",
    "remote-node",
    "target",
    "devices",
    "ticket",
    "on_node",
    "uname",
    "template",
    "score-attribute",
    "attribute",
];

/// Pairs of attributes naming the two sides of a constraint.
const SIDES: &[(&str, &str)] = &[("rsc", "with-rsc"), ("first", "then")];

type Path_ = Vec<usize>;

/// Child-index paths of every element, the root (the empty path) first,
/// in document order.
fn element_paths(root: &Element) -> Vec<Path_> {
    fn walk(e: &Element, prefix: &mut Path_, out: &mut Vec<Path_>) {
        for (i, child) in e.children.iter().enumerate() {
            if let Node::Element(c) = child {
                prefix.push(i);
                out.push(prefix.clone());
                walk(c, prefix, out);
                prefix.pop();
            }
        }
    }
    let mut out = vec![Vec::new()];
    walk(root, &mut Vec::new(), &mut out);
    out
}

fn at<'a>(root: &'a Element, path: &[usize]) -> &'a Element {
    path.iter().fold(root, |e, &i| match &e.children[i] {
        Node::Element(c) => c,
        _ => unreachable!("paths lead to elements"),
    })
}

fn at_mut<'a>(root: &'a mut Element, path: &[usize]) -> &'a mut Element {
    path.iter().fold(root, |e, &i| match &mut e.children[i] {
        Node::Element(c) => c,
        _ => unreachable!("paths lead to elements"),
    })
}

fn describe(e: &Element) -> String {
    match e.attr("id") {
        Some(id) => format!("<{} id={id:?}> (line {})", e.name, e.line),
        None => format!("<{}> (line {})", e.name, e.line),
    }
}

/// Picks an element: half the time one inside `<configuration>` (where
/// most of the meaning is), otherwise anywhere.
fn pick_path(rng: &mut Rng, root: &Element, filter: &dyn Fn(&Element) -> bool) -> Option<Path_> {
    let paths: Vec<Path_> = element_paths(root)
        .into_iter()
        .filter(|p| filter(at(root, p)))
        .collect();
    if paths.is_empty() {
        return None;
    }
    let config: Vec<&Path_> = paths
        .iter()
        .filter(|p| !p.is_empty() && at(root, &p[..1]).name == "configuration")
        .collect();
    if !config.is_empty() && rng.chance(50) {
        return Some((*rng.pick(&config)).clone());
    }
    Some(rng.pick(&paths).clone())
}

fn all_ids(root: &Element) -> Vec<String> {
    root.descendants()
        .into_iter()
        .filter_map(|e| e.attr("id").map(str::to_string))
        .collect()
}

/// Apply one structural mutation to the tree; returns what was done, or
/// `None` when the document has nothing it applies to.
fn mutate_tree(rng: &mut Rng, root: &mut Element) -> Option<String> {
    match rng.below(13) {
        0 => {
            let path = pick_path(rng, root, &|e| !e.attrs.is_empty())?;
            let e = at_mut(root, &path);
            let what = describe(e);
            let i = rng.below(e.attrs.len());
            let name = e.attrs.iter().nth(i)?.0.to_string();
            e.remove_attr(&name);
            Some(format!("delete attribute {name} of {what}"))
        }
        1 | 2 => {
            let path = pick_path(rng, root, &|e| !e.attrs.is_empty())?;
            let value = if rng.chance(5) {
                "9".repeat(10_000)
            } else {
                rng.pick(GARBAGE).to_string()
            };
            let e = at_mut(root, &path);
            let what = describe(e);
            let i = rng.below(e.attrs.len());
            let name = e.attrs.iter().nth(i)?.0.to_string();
            e.set_attr(&name, &value);
            Some(format!(
                "set {name} of {what} to {:?}",
                truncate_for_display(&value)
            ))
        }
        3 => {
            let path = pick_path(rng, root, &|_| true)?;
            let (last, parent) = path.split_last()?;
            let what = describe(at(root, &path));
            at_mut(root, parent).children.remove(*last);
            Some(format!("drop {what}"))
        }
        4 => {
            let path = pick_path(rng, root, &|_| true)?;
            let (last, parent) = path.split_last()?;
            let copy = at(root, &path).clone();
            let what = describe(&copy);
            at_mut(root, parent)
                .children
                .insert(*last + 1, Node::Element(copy));
            Some(format!("duplicate {what}"))
        }
        5 => {
            let path = pick_path(rng, root, &|e| {
                REFERENCES.iter().any(|r| e.attr(r).is_some())
            })?;
            let ids = all_ids(root);
            let e = at_mut(root, &path);
            let what = describe(e);
            let present: Vec<&str> = REFERENCES
                .iter()
                .copied()
                .filter(|r| e.attr(r).is_some())
                .collect();
            let name = *rng.pick(&present);
            let value = if rng.chance(50) || ids.is_empty() {
                "no-such-id".to_string()
            } else {
                rng.pick(&ids).clone()
            };
            e.set_attr(name, value.clone());
            Some(format!("point {name} of {what} at {value:?}"))
        }
        6 => {
            let path = pick_path(rng, root, &|e| {
                SIDES
                    .iter()
                    .any(|(a, b)| e.attr(a).is_some() && e.attr(b).is_some())
            })?;
            let e = at_mut(root, &path);
            let what = describe(e);
            let (a, b) = SIDES
                .iter()
                .find(|(a, b)| e.attr(a).is_some() && e.attr(b).is_some())?;
            let same = e.attr(a)?.to_string();
            e.set_attr(b, same);
            Some(format!("make {what} refer to itself ({b} = {a})"))
        }
        7 => {
            let path = pick_path(rng, root, &|e| e.name == "primitive")?;
            let field = *rng.pick(&["class", "provider", "type"]);
            let value = *rng.pick(&[
                "nosuch",
                "ocf",
                "stonith",
                "lsb",
                "systemd",
                "service",
                "heartbeat",
                "",
            ]);
            let e = at_mut(root, &path);
            let what = describe(e);
            if rng.chance(20) {
                e.remove_attr(field);
                Some(format!("remove {field} of {what}"))
            } else {
                e.set_attr(field, value);
                Some(format!("set {field} of {what} to {value:?}"))
            }
        }
        8 => {
            let from = pick_path(rng, root, &|_| true)?;
            let (last, parent) = from.split_last()?;
            let Node::Element(moved) = at_mut(root, parent).children.remove(*last) else {
                return None;
            };
            let what = describe(&moved);
            let to = pick_path(rng, root, &|_| true).unwrap_or_default();
            let target = at_mut(root, &to);
            let into = describe(target);
            let pos = rng.below(target.children.len() + 1);
            target.children.insert(pos, Node::Element(moved));
            Some(format!("move {what} into {into}"))
        }
        9 => {
            let path = pick_path(rng, root, &|e| {
                matches!(
                    &*e.name,
                    "meta_attributes"
                        | "instance_attributes"
                        | "cluster_property_set"
                        | "utilization"
                        | "instance_attributes_set"
                )
            })?;
            let name = *rng.pick(OPTIONS);
            let value = *rng.pick(GARBAGE);
            let e = at_mut(root, &path);
            let what = describe(e);
            let id = format!("{}-mutated-{name}", e.id());
            e.children.insert(
                0,
                Node::Element(
                    Element::new("nvpair")
                        .with_attr("id", id)
                        .with_attr("name", name)
                        .with_attr("value", value),
                ),
            );
            Some(format!("set {name}={value:?} first in {what}"))
        }
        10 => {
            const RESOURCES: &[&str] = &["primitive", "group", "clone", "master", "bundle"];
            let path = pick_path(rng, root, &|e| RESOURCES.contains(&&*e.name))?;
            let (last, parent) = path.split_last()?;
            let wrapper = *rng.pick(&["group", "clone", "master", "bundle"]);
            let Node::Element(inner) = std::mem::replace(
                &mut at_mut(root, parent).children[*last],
                Node::Comment(String::new()),
            ) else {
                return None;
            };
            let what = describe(&inner);
            let id = format!("{}-wrapped", inner.id());
            at_mut(root, parent).children[*last] =
                Node::Element(Element::new(wrapper).with_attr("id", id).with_child(inner));
            Some(format!("wrap {what} in a <{wrapper}>"))
        }
        11 => {
            let path = pick_path(rng, root, &|e| e.elements().next().is_some())?;
            let e = at_mut(root, &path);
            let what = describe(e);
            e.children.clear();
            Some(format!("empty {what}"))
        }
        _ => {
            let ids = all_ids(root);
            let path = pick_path(rng, root, &|e| e.attr("id").is_some())?;
            let id = rng.pick(&ids).clone();
            let e = at_mut(root, &path);
            let what = describe(e);
            e.set_attr("id", id.clone());
            Some(format!("rename {what} to the existing id {id:?}"))
        }
    }
}

fn truncate_for_display(value: &str) -> String {
    if value.len() > 40 {
        format!("{}... ({} bytes)", &value[..20], value.len())
    } else {
        value.to_string()
    }
}

/// Damage the text itself: cut it short, or drop markup into it.
fn mutate_text(rng: &mut Rng, text: &mut String) -> String {
    let mut at = rng.below(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    if rng.chance(60) {
        text.truncate(at);
        format!("truncate the text at byte {at}")
    } else {
        let junk = *rng.pick(&[
            "<", ">", "&", "\"", "'", "</", "<a", "]]>", "<!--", "&#0;", "\n",
        ]);
        text.insert_str(at, junk);
        format!("insert {junk:?} at byte {at}")
    }
}

/// One damaged CIB: its text and what was done to it.
struct Case {
    text: String,
    mutations: Vec<String>,
}

fn make_case(original: &Element, seed: u64) -> Case {
    let mut rng = Rng(seed);
    let mut doc = original.clone();
    let mut mutations = Vec::new();
    let wanted = 1 + rng.below(3);
    for _ in 0..wanted * 4 {
        if mutations.len() == wanted {
            break;
        }
        if let Some(m) = mutate_tree(&mut rng, &mut doc) {
            mutations.push(m);
        }
    }
    let mut text = doc.to_pretty_xml();
    if rng.chance(10) {
        mutations.push(mutate_text(&mut rng, &mut text));
    }
    Case { text, mutations }
}

/// Load, schedule and verify, as `vigil simulate` and `vigil verify` do;
/// false when the text did not load (which is not a failure).
fn exercise(text: &str) -> bool {
    let Ok(cib) = Cib::parse(text, "mutated.xml") else {
        return false;
    };
    for d in &cib.diagnostics.items {
        let _ = d.render("mutated.xml");
    }
    let now = cib
        .execution_date()
        .unwrap_or_else(|| DateTime::from_epoch(1_700_000_000));
    let (current, _) = vigil_scheduler::current_state(&cib, &now);
    let _ = vigil_scheduler::display::header_text(&current);
    let _ = vigil_scheduler::display::status_text(&current);
    let t = vigil_scheduler::schedule(&cib, &now);
    let _ = t.summary.len();
    let _ = vigil_cib::verify::verify(&cib);
    true
}

thread_local! {
    /// Where and why the last panic on this thread happened.
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs one case; returns whether the damaged CIB loaded.
fn run_case(name: &str, original: &Element, seed: u64, failures: &Mutex<Vec<String>>) -> bool {
    let case = make_case(original, seed);
    if std::env::var_os("VIGIL_MUTATION_TRACE").is_some() {
        // A stack overflow or hang cannot be caught: say what runs first.
        // Written directly: the test harness does not capture it.
        let line = format!(
            "case {name} seed {seed:#018x}: {}\n",
            case.mutations.join("; ")
        );
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    }
    if let Ok(loaded) = panic::catch_unwind(AssertUnwindSafe(|| exercise(&case.text))) {
        return loaded;
    }
    let why = LAST_PANIC.with(|p| p.borrow().clone());
    let saved = std::env::temp_dir().join(format!("vigil-mutation-{name}-{seed:016x}.xml"));
    let saved = match std::fs::write(&saved, &case.text) {
        Ok(()) => saved.display().to_string(),
        Err(e) => format!("(could not save the case: {e})"),
    };
    let mut report = format!("{name} seed {seed:#018x}: panicked: {why}\n  mutations:\n");
    for m in &case.mutations {
        let _ = writeln!(report, "    - {m}");
    }
    let _ = writeln!(report, "  damaged CIB saved as {saved}");
    failures
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(report);
    true
}

fn corpus_files(dir: &Path, only: Option<&str>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .filter(|p| only.is_none_or(|o| p.to_string_lossy().contains(o)))
        .collect();
    files.sort();
    files
}

#[test]
fn mutated_corpus_never_panics() {
    let Some(dir) = corpus_dir() else {
        eprintln!(
            "skipping: scheduler corpus not found (set VIGIL_SCHEDULER_CORPUS to the \
             directory holding xml/)"
        );
        return;
    };
    let per_file = env_number("VIGIL_MUTATIONS", 8);
    let base_seed = env_number("VIGIL_MUTATION_SEED", 0);
    let only = std::env::var("VIGIL_MUTATION_CASE").ok();
    let files = corpus_files(&dir, only.as_deref());
    assert!(!files.is_empty(), "no corpus CIBs in {}", dir.display());

    panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = format!("{message} at {location}"));
    }));

    let failures = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let (cases, loaded) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let name = path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let Ok(text) = std::fs::read_to_string(path) else {
                        continue;
                    };
                    let Ok(original) = vigil_xml::parse(&text) else {
                        continue;
                    };
                    for k in 0..per_file {
                        let seed = fnv(&name) ^ base_seed.wrapping_mul(0x9E37_79B9) ^ k;
                        cases.fetch_add(1, Ordering::Relaxed);
                        if run_case(&name, &original, seed, &failures) {
                            loaded.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    let _ = panic::take_hook();

    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    let (cases, loaded) = (cases.into_inner(), loaded.into_inner());
    eprintln!(
        "mutation test: {} CIBs x {per_file} variants (seed {base_seed}): {cases} cases, \
         {loaded} loaded and scheduled, {} panicked",
        files.len(),
        failures.len()
    );
    // Most damage leaves a loadable CIB; if not, the test checks nothing.
    assert!(
        loaded * 2 >= cases,
        "only {loaded} of {cases} mutated CIBs loaded: the mutations no longer exercise the scheduler"
    );
    assert!(
        failures.is_empty(),
        "{} mutated CIBs made the code panic:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
