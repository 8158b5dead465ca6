//! What a node keeps across restarts, in its state directory: the highest
//! ring sequence number it has used (as corosync's `ringid_<nodeid>` file),
//! so a restarted node never reuses a ring id.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct StateDir {
    dir: PathBuf,
    nodeid: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {what}")]
pub struct StateError {
    pub path: PathBuf,
    pub what: String,
}

impl StateDir {
    /// Opens (creating) the state directory of node `nodeid`.
    pub fn open(dir: &Path, nodeid: u32) -> Result<StateDir, StateError> {
        fs::create_dir_all(dir).map_err(|e| StateError {
            path: dir.to_path_buf(),
            what: format!("cannot create the state directory: {e}"),
        })?;
        Ok(StateDir {
            dir: dir.to_path_buf(),
            nodeid,
        })
    }

    fn ring_seq_path(&self) -> PathBuf {
        self.dir.join(format!("ringid_{}", self.nodeid))
    }

    /// The stored ring sequence number (0 when none was stored yet).
    pub fn ring_seq(&self) -> Result<u64, StateError> {
        let path = self.ring_seq_path();
        match fs::read_to_string(&path) {
            Ok(text) => text.trim().parse().map_err(|_| StateError {
                path,
                what: format!(
                    "expected a ring sequence number, found {:?} (remove the file to start from 0)",
                    text.trim()
                ),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(StateError {
                path,
                what: e.to_string(),
            }),
        }
    }

    /// Stores `seq` durably: written beside, synced, renamed over.
    pub fn store_ring_seq(&self, seq: u64) -> Result<(), StateError> {
        let path = self.ring_seq_path();
        let tmp = path.with_extension("tmp");
        let written = fs::File::create(&tmp)
            .and_then(|mut f| {
                writeln!(f, "{seq}")?;
                f.sync_all()
            })
            .and_then(|()| fs::rename(&tmp, &path))
            .and_then(|()| fs::File::open(&self.dir)?.sync_all());
        written.map_err(|e| StateError {
            path,
            what: format!("cannot store the ring sequence number: {e}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_seq_round_trips_and_bad_content_is_reported() {
        let dir = std::env::temp_dir().join(format!("vigil-state-test-{}", std::process::id()));
        let state = StateDir::open(&dir, 7).unwrap();
        assert_eq!(state.ring_seq().unwrap(), 0);
        state.store_ring_seq(42).unwrap();
        assert_eq!(state.ring_seq().unwrap(), 42);
        fs::write(dir.join("ringid_7"), "junk").unwrap();
        let e = state.ring_seq().unwrap_err().to_string();
        assert!(e.contains("ringid_7") && e.contains("\"junk\""), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
