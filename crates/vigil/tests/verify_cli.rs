//! `vigil verify` as a user runs it: exit codes, the one-line format and
//! the JSON output.

mod common;

use std::io::Write as _;
use std::process::Stdio;

use common::{run, scratch, stderr, stdout, vigil, write};

fn cib(options: &str, resources: &str, constraints: &str) -> String {
    let resources = format!(
        r#"<primitive id="fence1" class="stonith" type="fence_ipmilan"/>
      <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
      {resources}"#
    );
    common::cib("pacemaker-3.9", options, &resources, constraints, "")
}

#[test]
fn a_valid_cib_prints_nothing_and_exits_0() {
    let dir = scratch("valid");
    let f = write(&dir, "cib.xml", &cib("", "", ""));
    let o = run(&["verify", "-x", &f]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), "");
}

#[test]
fn an_invalid_cib_gives_one_line_per_problem_and_exits_78() {
    let dir = scratch("invalid");
    let f = write(
        &dir,
        "cib.xml",
        &cib(
            "",
            "",
            r#"<rsc_location id="loc1" rsc="wbe" node="node1" score="100"/>
      <rsc_order id="ord1" first="web" then="fence1" kind="Sometimes"/>"#,
        ),
    );
    let o = run(&["verify", "-x", &f]);
    assert_eq!(o.status.code(), Some(78));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        format!(
            "{f}:18: error: rsc=\"wbe\" names a resource that does not exist (id loc1): did you mean \"web\"?"
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "{f}:19: error: invalid kind \"Sometimes\" (id ord1): use one of: Optional, Mandatory, Serialize"
        )
    );
    assert_eq!(lines[2], "Errors found during check: config not valid");
}

#[test]
fn fencing_without_devices_is_explained() {
    let dir = scratch("fencing");
    let text = cib("", "", "").replace(
        r#"<primitive id="fence1" class="stonith" type="fence_ipmilan"/>"#,
        "",
    );
    let f = write(&dir, "cib.xml", &text);
    let o = run(&["verify", "-x", &f]);
    assert_eq!(o.status.code(), Some(78));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("{f}:4: error: fencing is enabled (stonith-enabled is true by default) but no fence device is configured")),
        "{out}"
    );
    assert!(out.contains("(id cib-bootstrap-options)"), "{out}");
    assert!(out.contains("set stonith-enabled=false"), "{out}");
}

#[test]
fn warnings_need_dash_v() {
    let dir = scratch("warnings");
    let f = write(
        &dir,
        "cib.xml",
        &cib(
            r#"<nvpair id="opt1" name="no-quorum-polcy" value="ignore"/>"#,
            "",
            "",
        ),
    );
    let quiet = run(&["verify", "-x", &f]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(stdout(&quiet), "");
    assert!(stderr(&quiet).contains("1 warning not shown; -V shows them"));

    let verbose = run(&["verify", "-V", "-x", &f]);
    assert_eq!(verbose.status.code(), Some(0));
    assert_eq!(
        stdout(&verbose),
        format!(
            "{f}:5: warning: unknown cluster option \"no-quorum-polcy\" (Pacemaker ignores it) (id opt1): did you mean \"no-quorum-policy\"?\n"
        )
    );
}

#[test]
fn a_missing_file_exits_66() {
    let o = run(&["verify", "-x", "/nonexistent/cib.xml"]);
    assert_eq!(o.status.code(), Some(66));
    assert_eq!(
        stdout(&o),
        "/nonexistent/cib.xml: error: cannot read the file: it does not exist: check the path\n"
    );
    let dir = scratch("empty");
    let f = write(&dir, "empty.xml", "\n");
    let o = run(&["verify", "-x", &f]);
    assert_eq!(o.status.code(), Some(66));
    assert!(stdout(&o).contains("the input is empty"), "{}", stdout(&o));
}

#[test]
fn xml_that_is_not_well_formed_names_the_line_and_column() {
    let dir = scratch("malformed");
    let f = write(
        &dir,
        "bad.xml",
        "<cib>\n  <configuration>\n    <resources>\n  </configuration>\n</cib>\n",
    );
    let o = run(&["verify", "-x", &f]);
    assert_eq!(o.status.code(), Some(78));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!(
            "{f}:4:3: error: XML is not well-formed: found </configuration>, \
             expected </resources> to close <resources> (opened at line 3, column 5)"
        )),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2, "one error, then the verdict: {out}");
}

#[test]
fn a_root_that_is_not_cib_is_rejected() {
    let dir = scratch("root");
    let f = write(&dir, "x.xml", "<configuration/>\n");
    let o = run(&["verify", "-x", &f]);
    assert_eq!(o.status.code(), Some(78));
    assert!(
        stdout(&o).starts_with(&format!(
            "{f}:1: error: the root element is <configuration>, not <cib>"
        )),
        "{}",
        stdout(&o)
    );
}

#[test]
fn json_output_for_machines() {
    let dir = scratch("json");
    let f = write(
        &dir,
        "cib.xml",
        &cib(
            "",
            "",
            r#"<rsc_location id="loc1" rsc="nope" node="node1" score="1"/>"#,
        ),
    );
    let o = run(&["verify", "--output-as", "json", "-x", &f]);
    assert_eq!(o.status.code(), Some(78));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["valid"], false);
    assert_eq!(v["exit_code"], 78);
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 18);
    assert_eq!(d["id"], "loc1");
    assert_eq!(d["file"], f.as_str());
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"nope\""))
    );
    assert!(d["hint"].as_str().is_some_and(|h| !h.is_empty()));

    let o = run(&["verify", "--output-as", "json", "-x", "/nonexistent.xml"]);
    assert_eq!(o.status.code(), Some(66));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["exit_code"], 66);
}

#[test]
fn stdin_and_inline_text() {
    let text = cib("", "", "");
    let mut child = vigil()
        .args(["verify", "-p"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run vigil");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write stdin");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    let o = run(&["verify", "-X", "<cib><configuration/></cib>"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(
        stdout(&o).starts_with("xml-text:1: error: <configuration> has no <crm_config> section")
    );
}

#[test]
fn usage_errors() {
    let o = run(&["verify"]);
    assert_eq!(o.status.code(), Some(64));
    assert!(stderr(&o).contains("use -x FILE"));
    let o = run(&["verify", "-L"]);
    assert_eq!(o.status.code(), Some(66));
    assert!(stdout(&o).contains("no running cluster"));
}
