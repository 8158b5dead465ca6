//! Print the generated CIB for a seed:
//! `cargo run -p vigil-testgen --example cibgen -- SEED [FEATURES]`
//! where FEATURES is a list like `error_op_status,-groups` (see
//! `vigil_testgen::Options::apply`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(seed) = args.first().and_then(|s| s.parse::<u64>().ok()) else {
        eprintln!("usage: cibgen SEED [FEATURES]");
        return ExitCode::from(64);
    };
    let mut options = vigil_testgen::Options::default();
    if let Some(list) = args.get(1)
        && let Err(e) = options.apply(list)
    {
        eprintln!("cibgen: {e}");
        return ExitCode::from(64);
    }
    print!("{}", vigil_testgen::generate(seed, &options));
    ExitCode::SUCCESS
}
