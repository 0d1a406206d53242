//! `cmdbgen gather`: part manifests of a distributed run -> one bundle.

use crate::error::exit;
use crate::gather::{self, Options};
use crate::progress;
use anyhow::Result;
use std::path::PathBuf;

/// Options of `cmdbgen gather`.
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// Folders holding the parts (`manifest.part-I-of-N.json` and their
    /// files). The first is the bundle folder unless --out is given.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// The bundle folder to write (default: the first DIR).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Check every file's xxh3 as well as its size.
    #[arg(long)]
    verify: bool,
    /// Move files from the other folders instead of copying them (falls back
    /// to copying across file systems).
    #[arg(long = "move")]
    move_files: bool,
    /// Progress and notes on stderr: text on a terminal, JSON lines
    /// otherwise (auto), or as chosen; JSON mode ends with a summary object.
    #[arg(long, value_enum, default_value_t = progress::Mode::Auto)]
    progress: progress::Mode,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `gather`.
impl Args {
    /// Where this run's own stderr lines go (text, or JSON in JSON mode).
    pub(super) fn console(&self) -> progress::Console {
        progress::Console::new(self.progress, self.quiet)
    }
}

pub(crate) fn run(a: Args) -> Result<u8> {
    let out = a.out.clone().unwrap_or_else(|| a.dirs[0].clone());
    let console = a.console();
    let started = std::time::Instant::now();
    let outcome = gather::gather(&Options {
        dirs: a.dirs,
        out: out.clone(),
        verify: a.verify,
        move_files: a.move_files,
    })?;
    if !a.quiet {
        let t = &outcome.manifest.totals;
        if outcome.already_complete {
            super::outln!(
                "{} is already complete ({} nodes, {} relationships); nothing to do",
                out.display(),
                t.nodes,
                t.relationships
            )?;
        } else {
            super::outln!(
                "gathered {} parts into {} ({} nodes, {} relationships, {} files, {} bytes; {} files brought in from other folders)",
                outcome.parts,
                out.display(),
                t.nodes,
                t.relationships,
                t.files,
                t.bytes,
                outcome.copied
            )?;
            super::outln!("import with: {}/import.sh", out.display())?;
        }
    }
    console.summary(&super::RunSummary::new(
        "gather",
        &out,
        &outcome.manifest.totals,
        started.elapsed().as_secs_f64(),
        outcome.already_complete,
    ));
    Ok(exit::OK)
}
