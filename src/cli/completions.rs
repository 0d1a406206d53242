//! `cmdbgen completions SHELL` and the hidden `cmdbgen man [DIR]`: the
//! shell completion script and the manual pages, both built from the clap
//! definitions so that they never drift from the real options.

use crate::error::exit;
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::PathBuf;

/// Options of `cmdbgen completions`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  cmdbgen completions bash > ~/.local/share/bash-completion/completions/cmdbgen
  cmdbgen completions zsh > ~/.zfunc/_cmdbgen
  cmdbgen completions fish > ~/.config/fish/completions/cmdbgen.fish")]
pub(super) struct Args {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Prints the completion script of `shell` on stdout.
pub(super) fn run(a: Args) -> Result<u8> {
    let mut cmd = super::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "cmdbgen", &mut buf);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?;
    Ok(exit::OK)
}

/// Options of the hidden `cmdbgen man` (used by `make install`).
#[derive(clap::Args, Debug)]
pub(super) struct ManArgs {
    /// Write cmdbgen.1 and one cmdbgen-SUBCOMMAND.1 per subcommand into
    /// this folder (created when missing); without it, print cmdbgen.1.
    dir: Option<PathBuf>,
}

/// Writes the manual pages (roff).
pub(super) fn man(a: ManArgs) -> Result<u8> {
    let cmd = super::Cli::command();
    match a.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("writing the manual pages into {}", dir.display()))?;
        }
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?;
        }
    }
    Ok(exit::OK)
}
