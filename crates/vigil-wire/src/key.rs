//! The cluster key file (`vigil keygen`, like corosync-keygen's authkey).

use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Where `vigil keygen` writes the key and `vigild` reads it by default.
pub const DEFAULT_KEY_PATH: &str = "/etc/vigil/authkey";
/// The smallest key accepted: 1024 bits, as corosync requires of its authkey.
pub const KEY_MIN_BYTES: usize = 128;
/// The largest key accepted.
pub const KEY_MAX_BYTES: usize = 4096;
/// The size `vigil keygen` writes (2048 bits, corosync-keygen's default).
pub const KEY_DEFAULT_BYTES: usize = 256;

/// The shared secret of a cluster: the raw bytes of the key file. Every
/// byte counts (a file is not trimmed or decoded), so a corosync authkey
/// works too. `Debug` does not show the bytes, and they are wiped when the
/// key is dropped.
pub struct ClusterKey {
    bytes: zeroize::Zeroizing<Vec<u8>>,
}

/// Why a key could not be read, accepted or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: the key is {len} bytes long; a key has {KEY_MIN_BYTES} to {KEY_MAX_BYTES} bytes (`vigil keygen` writes {KEY_DEFAULT_BYTES})",
        path.as_deref().map_or("key".into(), |p| p.display().to_string())
    )]
    BadLength { path: Option<PathBuf>, len: usize },
    #[error("{path}: the file exists; use --force to overwrite it")]
    Exists { path: PathBuf },
}

impl ClusterKey {
    /// A key from its bytes, which must number [`KEY_MIN_BYTES`] to
    /// [`KEY_MAX_BYTES`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<ClusterKey, KeyError> {
        let bytes = zeroize::Zeroizing::new(bytes);
        if !(KEY_MIN_BYTES..=KEY_MAX_BYTES).contains(&bytes.len()) {
            return Err(KeyError::BadLength {
                path: None,
                len: bytes.len(),
            });
        }
        Ok(ClusterKey { bytes })
    }

    /// Reads a key file. Its permissions are not checked here; the daemon
    /// decides whether a key readable by others is worth a warning
    /// ([`ClusterKey::mode_is_private`]).
    pub fn load(path: &Path) -> Result<ClusterKey, KeyError> {
        let bytes = fs::read(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
        ClusterKey::from_bytes(bytes).map_err(|err| match err {
            KeyError::BadLength { len, .. } => KeyError::BadLength {
                path: Some(path.to_owned()),
                len,
            },
            other => other,
        })
    }

    /// Whether the file at `path` is readable by its owner only (no group
    /// or other permission bits).
    pub fn mode_is_private(path: &Path) -> Result<bool, KeyError> {
        let meta = fs::metadata(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(meta.permissions().mode() & 0o077 == 0)
    }

    /// Writes the key to `path` with mode 0400. An existing file is an
    /// error unless `overwrite`; then it is replaced atomically (a
    /// temporary file beside it, renamed over it), so a reader sees the
    /// old key or the new one, never a mix.
    pub fn write_new(&self, path: &Path, overwrite: bool) -> Result<(), KeyError> {
        let io = |source| KeyError::Io {
            path: path.to_owned(),
            source,
        };
        if !overwrite {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o400)
                .open(path)
                .map_err(|source| match source.kind() {
                    std::io::ErrorKind::AlreadyExists => KeyError::Exists {
                        path: path.to_owned(),
                    },
                    _ => io(source),
                })?;
            return file
                .write_all(&self.bytes)
                .and_then(|()| file.sync_all())
                .map_err(io);
        }
        let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
        tmp_name.push(format!(".tmp{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let _ = fs::remove_file(&tmp);
        let written = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o400)
            .open(&tmp)
            .and_then(|mut file| {
                file.write_all(&self.bytes)?;
                file.sync_all()
            })
            .and_then(|()| fs::rename(&tmp, path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.map_err(io)
    }

    /// The key's length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: a key has at least [`KEY_MIN_BYTES`] bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Derives a 32-byte subkey for one purpose with HKDF-SHA256: the key
    /// file's bytes as input keying material, the cluster name as salt and
    /// `purpose` as info. Different purposes or cluster names give
    /// independent keys.
    pub(crate) fn derive(
        &self,
        cluster_name: &str,
        purpose: &[u8],
    ) -> zeroize::Zeroizing<[u8; 32]> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(cluster_name.as_bytes()), &self.bytes);
        let mut okm = zeroize::Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's limit of 255 * 32.
        if hk.expand(purpose, okm.as_mut()).is_err() {
            unreachable!("HKDF-SHA256 can always expand 32 bytes");
        }
        okm
    }
}

impl fmt::Debug for ClusterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClusterKey({} bytes)", self.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("vigil-wire-key-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn lengths_outside_the_range_are_refused() {
        assert!(ClusterKey::from_bytes(vec![1; KEY_MIN_BYTES - 1]).is_err());
        assert!(ClusterKey::from_bytes(vec![1; KEY_MAX_BYTES + 1]).is_err());
        assert_eq!(
            ClusterKey::from_bytes(vec![1; KEY_MIN_BYTES])
                .unwrap()
                .len(),
            KEY_MIN_BYTES
        );
        assert_eq!(
            ClusterKey::from_bytes(vec![1; KEY_MAX_BYTES])
                .unwrap()
                .len(),
            KEY_MAX_BYTES
        );
    }

    #[test]
    fn debug_hides_the_bytes() {
        let key = ClusterKey::from_bytes(vec![0xab; 128]).unwrap();
        assert_eq!(format!("{key:?}"), "ClusterKey(128 bytes)");
    }

    #[test]
    fn write_then_load_with_mode_0400_and_no_silent_overwrite() {
        let dir = scratch("write");
        let path = dir.join("authkey");
        let key = ClusterKey::from_bytes((0..=255).collect()).unwrap();
        key.write_new(&path, false).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o400);
        assert!(ClusterKey::mode_is_private(&path).unwrap());
        assert_eq!(*ClusterKey::load(&path).unwrap().bytes, *key.bytes);

        let other = ClusterKey::from_bytes(vec![9; 200]).unwrap();
        assert!(matches!(
            other.write_new(&path, false),
            Err(KeyError::Exists { .. })
        ));
        assert_eq!(ClusterKey::load(&path).unwrap().len(), 256);
        other.write_new(&path, true).unwrap();
        assert_eq!(*ClusterKey::load(&path).unwrap().bytes, vec![9; 200]);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o400);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn load_reports_the_path() {
        let dir = scratch("load");
        let short = dir.join("short");
        fs::write(&short, [0u8; 16]).unwrap();
        // Whatever the umask: readable by others.
        fs::set_permissions(&short, fs::Permissions::from_mode(0o644)).unwrap();
        let err = ClusterKey::load(&short).unwrap_err().to_string();
        assert!(err.contains("short") && err.contains("16 bytes"), "{err}");
        assert!(!ClusterKey::mode_is_private(&short).unwrap());
        let missing = ClusterKey::load(&dir.join("missing"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("missing"), "{missing}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn derived_keys_depend_on_cluster_name_and_purpose() {
        let key = ClusterKey::from_bytes(vec![5; 128]).unwrap();
        let a = key.derive("alpha", b"p");
        assert_eq!(*a, *key.derive("alpha", b"p"));
        assert_ne!(*a, *key.derive("beta", b"p"));
        assert_ne!(*a, *key.derive("alpha", b"q"));
    }
}
