//! `cmdbgen validate` (being implemented).
use anyhow::Result;
use std::path::PathBuf;

/// Options of `cmdbgen validate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bundle folder.
    dir: PathBuf,
}

/// Runs `validate`.
pub fn run(a: Args) -> Result<u8> {
    anyhow::bail!("validate is not implemented yet ({})", a.dir.display())
}
