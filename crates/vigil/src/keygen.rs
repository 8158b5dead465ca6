//! `vigil keygen`: write a new cluster key (corosync-keygen's job).
//!
//! The key is [`KEY_DEFAULT_BYTES`] bytes from the operating system's
//! random source, written with mode 0400 to `/etc/vigil/authkey` (or
//! `-k FILE`). Every node of a cluster needs the same file: copy it with
//! `scp`/`install -m 0400`. An existing key is never replaced without
//! `--force`, since replacing it on one node cuts that node off.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vigil_wire::{ClusterKey, DEFAULT_KEY_PATH, KEY_DEFAULT_BYTES, KEY_MAX_BYTES, KEY_MIN_BYTES};

use crate::output;

/// The key was written.
const EXIT_OK: u8 = 0;
/// The key file exists and --force was not given (EX_CANTCREAT).
const EXIT_CANT_CREATE: u8 = 73;
/// No random bytes, or the file could not be written (EX_IOERR).
const EXIT_IO_ERROR: u8 = 74;

#[derive(clap::Args)]
#[command(after_help = "\
Copy the key to every node of the cluster, keeping it private, e.g.:
  install -D -m 0400 -o root -g root authkey /etc/vigil/authkey

Exit status: 0 written, 73 the file exists (use --force), 74 I/O error.")]
pub struct Args {
    /// Write the key to FILE.
    #[arg(short = 'k', long = "key-file", value_name = "FILE", default_value = DEFAULT_KEY_PATH)]
    key_file: PathBuf,
    /// Replace an existing key file.
    #[arg(long)]
    force: bool,
    /// Key size in bytes.
    #[arg(
        short = 's',
        long = "size",
        value_name = "BYTES",
        default_value_t = KEY_DEFAULT_BYTES,
        value_parser = key_size,
    )]
    size: usize,
}

fn key_size(value: &str) -> Result<usize, String> {
    let size: usize = value
        .parse()
        .map_err(|_| format!("'{value}' is not a number of bytes"))?;
    if (KEY_MIN_BYTES..=KEY_MAX_BYTES).contains(&size) {
        Ok(size)
    } else {
        Err(format!(
            "a key has {KEY_MIN_BYTES} to {KEY_MAX_BYTES} bytes"
        ))
    }
}

pub fn run(args: Args) -> ExitCode {
    output::finish_with(EXIT_IO_ERROR, |out, err| {
        match generate(&args.key_file, args.size, args.force) {
            Ok(()) => {
                writeln!(out, "Writing vigil key to {}.", args.key_file.display())?;
                Ok(EXIT_OK)
            }
            Err((status, message)) => {
                writeln!(err, "vigil keygen: {message}")?;
                Ok(status)
            }
        }
    })
}

fn generate(path: &Path, size: usize, force: bool) -> Result<(), (u8, String)> {
    let mut bytes = vec![0u8; size];
    getrandom::fill(&mut bytes).map_err(|e| {
        (
            EXIT_IO_ERROR,
            format!("cannot read random bytes from the system: {e}"),
        )
    })?;
    let key = ClusterKey::from_bytes(bytes).map_err(|e| (EXIT_IO_ERROR, e.to_string()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| (EXIT_IO_ERROR, format!("{}: {e}", dir.display())))?;
    }
    key.write_new(path, force).map_err(|e| match e {
        vigil_wire::KeyError::Exists { .. } => (EXIT_CANT_CREATE, e.to_string()),
        _ => (EXIT_IO_ERROR, e.to_string()),
    })
}
