//! What the commands that ask the local vigild share: the `--socket` flag
//! and turning a failed exchange into a message and an exit status.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use vigild::api::{self, Client, ClientError};

use crate::output;

/// Exit status when vigild cannot be reached (EX_UNAVAILABLE).
const EXIT_UNAVAILABLE: u8 = 69;

#[derive(Args, Debug)]
pub struct SocketArgs {
    /// vigild's API socket [env: VIGIL_SOCKET; default /run/vigil/vigild.sock]
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
}

/// Connects to vigild, asks with `ask`, and prints what `render` makes of
/// the answer (exit 0), or why it failed (exit 69).
pub fn run<T>(
    args: &SocketArgs,
    ask: impl FnOnce(&mut Client) -> Result<T, ClientError>,
    render: impl FnOnce(&T) -> String,
) -> ExitCode {
    let path = api::socket_path(args.socket.as_deref());
    let answer = Client::connect(&path).and_then(|mut client| ask(&mut client));
    match answer {
        Ok(answer) => output::finish(0, |out, _| out.write_all(render(&answer).as_bytes())),
        Err(e) => output::finish(EXIT_UNAVAILABLE, |_, err| writeln!(err, "vigil: {e}")),
    }
}
