//! `vigil simulate` on bad input, as a user runs it: a file that cannot be
//! read gives one located error and crm_simulate's exit status; a CIB with
//! configuration errors that Pacemaker tolerates still simulates as
//! crm_simulate does, with each problem located on stderr; and a reader
//! that stops early (`| head -1`) ends the output quietly.
//!
//! Where `crm_simulate` is installed, the tolerated cases are also compared
//! with it directly; the expected summaries written here are what
//! crm_simulate 2.1.5 prints for them.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use common::{run, scratch, stderr, stdout, vigil, write, write_bytes};

/// A two-node cluster (node1 and node2 online, fencing off, schema
/// validation off so that Pacemaker accepts what its schema would reject)
/// with resource `A` and the given extra resources and constraints.
fn cib(resources: &str, constraints: &str) -> String {
    let online = |id: u32| {
        format!(
            r#"<node_state id="{id}" uname="node{id}" in_ccm="true" crmd="online" join="member" expected="member"/>"#
        )
    };
    common::cib(
        "none",
        r#"<nvpair id="opts-stonith" name="stonith-enabled" value="false"/>"#,
        &format!(
            r#"<primitive id="A" class="ocf" provider="heartbeat" type="Dummy"/>
      {resources}"#
        ),
        constraints,
        &format!("{}{}", online(1), online(2)),
    )
}

/// The Transition Summary lines, with runs of blanks squeezed.
fn summary(out: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| *l != "Transition Summary:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("Executing"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// crm_simulate's summary for `file`, when crm_simulate is installed.
fn crm_simulate_summary(file: &str) -> Option<Vec<String>> {
    let o = Command::new("crm_simulate")
        .args(["-S", "-x", file])
        .output()
        .ok()?;
    Some(summary(&String::from_utf8_lossy(&o.stdout)))
}

fn assert_one_error_line(err: &str, prefix: &str) {
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with(prefix), "expected {prefix:?}, got: {err}");
}

#[test]
fn malformed_xml_is_one_located_error_and_exits_78() {
    let dir = scratch("malformed");
    let f = write(
        &dir,
        "bad.xml",
        "<cib>\n  <configuration>\n    <resources>\n  </configuration>\n</cib>\n",
    );
    let o = run(&["simulate", "-S", "-x", &f]);
    assert_eq!(o.status.code(), Some(78), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_one_error_line(
        &stderr(&o),
        &format!(
            "{f}:4:3: error: XML is not well-formed: found </configuration>, \
             expected </resources> to close <resources> (opened at line 3, column 5)"
        ),
    );

    let f = write(&dir, "attr.xml", "<cib>\n  <configuration id=x/>\n</cib>\n");
    let o = run(&["simulate", "-x", &f]);
    assert_eq!(o.status.code(), Some(78));
    assert_one_error_line(
        &stderr(&o),
        &format!(
            "{f}:2:21: error: XML is not well-formed: in <configuration>: attribute values \
             must be quoted"
        ),
    );

    let f = write_bytes(&dir, "latin1.xml", b"<cib>\n  <!-- caf\xe9 -->\n</cib>\n");
    let o = run(&["simulate", "-x", &f]);
    assert_eq!(o.status.code(), Some(78));
    assert_one_error_line(
        &stderr(&o),
        &format!("{f}:2:11: error: XML is not well-formed: byte 0xe9 is not UTF-8"),
    );
}

#[test]
fn no_cib_to_read_exits_66() {
    let dir = scratch("noinput");
    let missing = dir.join("missing.xml");
    let missing = missing.to_str().expect("UTF-8 path");
    let empty = write(&dir, "empty.xml", "\n");
    let other = write(&dir, "other.xml", "<configuration/>\n");
    for (f, what) in [
        (
            missing,
            format!("{missing}: error: cannot read the file: it does not exist"),
        ),
        (&empty, format!("{empty}: error: the input is empty")),
        (
            &other,
            format!("{other}:1: error: the root element is <configuration>, not <cib>"),
        ),
    ] {
        let o = run(&["simulate", "-x", f]);
        assert_eq!(o.status.code(), Some(66), "{f}: {}", stderr(&o));
        assert_eq!(stdout(&o), "");
        assert_one_error_line(&stderr(&o), &what);
    }
}

#[test]
fn a_bad_set_datetime_is_a_usage_error() {
    let dir = scratch("datetime");
    let f = write(&dir, "cib.xml", &cib("", ""));
    let o = run(&["simulate", "-x", &f, "-t", "2024-13-45"]);
    assert_eq!(o.status.code(), Some(64));
    assert!(
        stderr(&o).contains("invalid --set-datetime \"2024-13-45\"")
            && stderr(&o).contains("use an ISO 8601 date/time"),
        "{}",
        stderr(&o)
    );
}

/// A configuration error Pacemaker tolerates: the warning vigil prints for
/// it (on the line holding `at`) and the summary crm_simulate 2.1.5 gives.
struct Tolerated {
    name: &'static str,
    resources: &'static str,
    constraints: &'static str,
    at: &'static str,
    warning: &'static str,
    summary: &'static [&'static str],
}

const TOLERATED: &[Tolerated] = &[
    Tolerated {
        name: "unknown-class",
        resources: r#"<primitive id="B" class="nosuch" type="Dummy"/>"#,
        constraints: "",
        at: r#"id="B""#,
        warning: r#"warning: unknown resource class "nosuch" (id B)"#,
        summary: &["* Start A ( node1 )", "* Start B ( node2 )"],
    },
    Tolerated {
        name: "dangling-reference",
        resources: "",
        constraints: r#"<rsc_colocation id="c1" rsc="A" with-rsc="ghost" score="INFINITY"/>"#,
        at: r#"id="c1""#,
        warning: r#"warning: with-rsc="ghost" names a resource that does not exist (id c1)"#,
        summary: &["* Start A ( node1 )"],
    },
    Tolerated {
        name: "bad-score",
        resources: "",
        constraints: r#"<rsc_location id="l1" rsc="A" node="node1" score="abc"/>
      <rsc_location id="l2" rsc="A" node="node2" score="12x"/>"#,
        at: r#"id="l1""#,
        warning: r#"warning: invalid score "abc" (id l1)"#,
        summary: &["* Start A ( node2 )"],
    },
    Tolerated {
        name: "bad-date",
        resources: "",
        constraints: r#"<rsc_location id="l1" rsc="A">
        <rule id="r1" score="-INFINITY">
          <date_expression id="d1" operation="gt" start="2024-13-45"/>
        </rule>
      </rsc_location>"#,
        at: r#"id="d1""#,
        warning: r#"warning: start="2024-13-45" is not a valid date (id d1)"#,
        summary: &["* Start A ( node1 )"],
    },
];

#[test]
fn tolerated_configuration_errors_are_located_and_still_simulated() {
    let dir = scratch("tolerated");
    for case in TOLERATED {
        let text = cib(case.resources, case.constraints);
        let line = 1 + text
            .lines()
            .position(|l| l.contains(case.at))
            .expect("the case names a line of its CIB");
        let f = write(&dir, &format!("{}.xml", case.name), &text);
        let o = run(&["simulate", "-S", "-x", &f]);
        let (out, err) = (stdout(&o), stderr(&o));
        assert_eq!(o.status.code(), Some(0), "{}: {err}", case.name);
        let located = format!("{f}:{line}: {}", case.warning);
        assert!(
            err.lines().any(|l| l.starts_with(&located)),
            "{}: expected {located:?} on stderr:\n{err}",
            case.name
        );
        assert!(
            err.contains("configuration error") && err.contains("simulating as Pacemaker would"),
            "{}: {err}",
            case.name
        );
        assert_eq!(summary(&out), case.summary, "{}:\n{out}", case.name);
        if let Some(reference) = crm_simulate_summary(&f) {
            assert_eq!(
                summary(&out),
                reference,
                "{}: vigil and crm_simulate disagree",
                case.name
            );
        }
    }
}

#[test]
fn a_valid_cib_simulates_without_warnings() {
    let dir = scratch("valid");
    let f = write(
        &dir,
        "cib.xml",
        &cib("", "").replace("\"none\"", "\"pacemaker-3.9\""),
    );
    let o = run(&["simulate", "-x", &f]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "");
    assert_eq!(summary(&stdout(&o)), ["* Start A ( node1 )"]);
}

/// A CIB whose status and summary run to far more than a pipe holds (long
/// resource ids make long lines), with one dangling constraint per
/// resource (so verify and the warnings on stderr are long too).
fn big_cib(resources: usize) -> String {
    let long = "x".repeat(300);
    let prims: String = (0..resources)
        .map(|i| {
            format!(
                r#"<primitive id="r{i}-{long}" class="ocf" provider="heartbeat" type="Dummy"/>"#
            )
        })
        .collect();
    let cons: String = (0..resources)
        .map(|i| format!(r#"<rsc_order id="o{i}" first="r{i}-{long}" then="ghost{i}-{long}"/>"#))
        .collect();
    cib(&prims, &cons)
}

/// Run vigil with stdout (or stderr) piped, read one line, then close the
/// pipe: vigil must exit as it would have, without a panic.
fn read_one_line_then_close(args: &[&str], from_stderr: bool) -> std::process::Output {
    let mut child = vigil()
        .args(args)
        .stdout(if from_stderr {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stderr(if from_stderr {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("run vigil");
    {
        let pipe: Box<dyn std::io::Read> = if from_stderr {
            Box::new(child.stderr.take().expect("piped stderr"))
        } else {
            Box::new(child.stdout.take().expect("piped stdout"))
        };
        let mut first = String::new();
        BufReader::new(pipe)
            .read_line(&mut first)
            .expect("read the first line");
        assert!(!first.is_empty(), "vigil printed nothing");
    } // the read end closes here
    child.wait_with_output().expect("wait for vigil")
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    let dir = scratch("epipe");
    let f = write(&dir, "big.xml", &big_cib(400));

    // `vigil simulate ... | head -1`
    let o = read_one_line_then_close(&["simulate", "-x", &f], false);
    assert_eq!(o.status.code(), Some(0), "simulate died: {o:?}");

    // `vigil simulate ... 2>&1 >/dev/null | head -1`: the warnings stop,
    // the simulation still runs to the end.
    let o = read_one_line_then_close(&["simulate", "-x", &f], true);
    assert_eq!(o.status.code(), Some(0), "simulate died: {o:?}");

    // `vigil verify ... | head -1` keeps verify's verdict (invalid).
    let o = read_one_line_then_close(&["verify", "-x", &f], false);
    assert_eq!(o.status.code(), Some(78), "verify died: {o:?}");

    // The same with stderr kept shows nothing went wrong but the pipe: a
    // panic would print its message there.
    let log = dir.join("stderr.txt");
    let mut child = vigil()
        .args(["simulate", "-x", &f])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("create the stderr log"))
        .spawn()
        .expect("run vigil");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut first)
        .expect("read the first line");
    let status = child.wait().expect("wait for vigil");
    assert_eq!(status.code(), Some(0));
    let err = std::fs::read_to_string(&log).expect("read the stderr log");
    assert!(err.contains("warning: then=\"ghost0-"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}
