//! `vigil keygen` as a user runs it: the key file, its mode, no silent
//! overwrite, and a key the wire layer accepts.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{run, scratch, stderr, stdout};
use vigil_wire::{ClusterKey, Incarnation, NodeId, Opener, Sealer};

#[test]
fn writes_a_private_random_key_that_seals_packets() {
    let dir = scratch("write");
    let path = dir.join("etc/vigil/authkey");
    let key_file = path.to_str().unwrap();
    let o = run(&["keygen", "-k", key_file]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("Writing vigil key to {key_file}.\n"));
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o400);
    assert_eq!(meta.len(), 256);
    let bytes = std::fs::read(&path).unwrap();
    // Random, not a constant fill.
    assert!(bytes.iter().any(|&b| b != bytes[0]));
    let key = ClusterKey::load(&path).unwrap();
    let mut sealer = Sealer::new(&key, "c", NodeId(1), Incarnation(1));
    let mut opener = Opener::new(&key, "c");
    assert_eq!(
        opener.open(&sealer.seal(b"hi").unwrap()).unwrap().payload,
        b"hi"
    );
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = scratch("force");
    let path = dir.join("authkey");
    let key_file = path.to_str().unwrap();
    assert_eq!(run(&["keygen", "-k", key_file]).status.code(), Some(0));
    let first = std::fs::read(&path).unwrap();
    let o = run(&["keygen", "-k", key_file]);
    assert_eq!(o.status.code(), Some(73));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(std::fs::read(&path).unwrap(), first);
    let o = run(&["keygen", "--force", "-k", key_file, "-s", "128"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let second = std::fs::read(&path).unwrap();
    assert_eq!(second.len(), 128);
    assert_ne!(second[..], first[..128]);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o400
    );
}

#[test]
fn a_size_outside_the_range_is_a_usage_error() {
    let dir = scratch("size");
    let key_file = dir.join("authkey");
    let o = run(&["keygen", "-k", key_file.to_str().unwrap(), "-s", "64"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("128 to 4096 bytes"), "{}", stderr(&o));
    assert!(!key_file.exists());
}
