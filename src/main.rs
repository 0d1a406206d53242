//! The `cmdbgen` binary: parse, run, map errors to exit codes.

use std::process::ExitCode;

fn main() -> ExitCode {
    cmdbgen::run_cli()
}
