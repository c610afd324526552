//! The `techmarket` command: the server and its administrative tools.

use std::process::ExitCode;

fn main() -> ExitCode {
    techmarket::cli::main()
}
