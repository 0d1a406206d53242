//! The command line: clap definitions and dispatch; one file per subcommand.

mod apply;
mod changes;
mod generate;
mod validate;

use crate::error::{exit, Usage};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Deterministic generator of large CMDB graphs for neo4j-admin import.
#[derive(Parser, Debug)]
#[command(name = "cmdbgen", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a bundle: header files, sharded CSV, manifest and import script.
    Generate(generate::Args),
    /// Check a bundle against the neo4j-admin import format, without Neo4j.
    Validate(validate::Args),
    /// Write day N's change set (new CIs, relationships, updates, deletions).
    Changes(changes::Args),
    /// Apply a bundle or change set to a running Neo4j over Bolt.
    Apply(apply::Args),
}

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(a) => generate::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Changes(a) => changes::run(a),
        Command::Apply(a) => apply::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::from(exit::OK);
                }
            }
            eprintln!("cmdbgen: error: {e:#}");
            if e.downcast_ref::<Usage>().is_some() {
                ExitCode::from(exit::USAGE)
            } else {
                ExitCode::from(exit::FAILURE)
            }
        }
    }
}
