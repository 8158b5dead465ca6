//! Writing a command's output. A reader that goes away early (`vigil
//! simulate ... | head -1`) is normal: the command stops writing and exits
//! quietly with the status it had, instead of panicking on EPIPE as
//! `println!` does.

use std::io::{self, Write};
use std::process::ExitCode;

/// The output could not be written (EX_IOERR).
const EXIT_IO_ERROR: u8 = 74;

/// Run `print` with buffered standard output and with standard error, then
/// exit with `exit`. A closed pipe on standard output ends the printing
/// early, without a message; any other failure to write it is reported.
/// Messages that cannot be written to standard error are dropped: they must
/// not stop the output proper.
pub fn finish(
    exit: u8,
    print: impl FnOnce(&mut dyn Write, &mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    finish_with(exit, |out, err| print(out, err).map(|()| exit))
}

/// As [`finish`], for printing that decides the exit status itself (a file
/// it was asked to write could not be written, say); `exit` is the status
/// when the reader goes away before the printing is done.
pub fn finish_with(
    exit: u8,
    print: impl FnOnce(&mut dyn Write, &mut dyn Write) -> io::Result<u8>,
) -> ExitCode {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut err = Forgiving(io::stderr().lock());
    let result = print(&mut out, &mut err).and_then(|exit| out.flush().map(|()| exit));
    match result {
        Ok(status) => ExitCode::from(status),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(exit),
        Err(e) => {
            let _ = writeln!(err, "vigil: cannot write the output: {e}");
            ExitCode::from(EXIT_IO_ERROR)
        }
    }
}

/// A writer whose failures are ignored.
struct Forgiving<W>(W);

impl<W: Write> Write for Forgiving<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}
