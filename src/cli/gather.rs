//! `cmdbgen gather`: part manifests of a distributed run -> one bundle.

use crate::error::exit;
use crate::gather::{self, Options};
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
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `gather`.
pub(super) fn run(a: Args) -> Result<u8> {
    let out = a.out.clone().unwrap_or_else(|| a.dirs[0].clone());
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
    Ok(exit::OK)
}
