//! Helpers shared by the CLI tests: running the `vigil` binary and scratch
//! files.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn vigil() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
}

/// A scratch directory for one test, removed when dropped.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh scratch directory named after the test binary and `test`.
pub fn scratch(test: &str) -> Scratch {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("vigil-{binary}-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    Scratch(dir)
}

/// Write `text` to `dir/name`; returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    write_bytes(dir, name, text.as_bytes())
}

/// Write `bytes` (not necessarily text) to `dir/name`; returns the path.
pub fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path.to_str().expect("UTF-8 path").to_string()
}

pub fn run(args: &[&str]) -> Output {
    vigil().args(args).output().expect("run vigil")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A CIB with nodes node1 and node2, the given cluster options (nvpairs),
/// resources, constraints and status section contents.
pub fn cib(
    validate_with: &str,
    options: &str,
    resources: &str,
    constraints: &str,
    status: &str,
) -> String {
    format!(
        r#"<cib validate-with="{validate_with}" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        {options}
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      {resources}
    </resources>
    <constraints>
      {constraints}
    </constraints>
  </configuration>
  <status>{status}</status>
</cib>
"#
    )
}
