//! `cmdbgen report`: load times per customer and size, from the history file.

use crate::error::{exit, Usage};
use crate::report;
use anyhow::Result;
use std::path::PathBuf;

/// Options of `cmdbgen report`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The history file (default: $CMDBGEN_HISTORY, else out/history.jsonl).
    #[arg(long)]
    history: Option<PathBuf>,
    /// Only this customer.
    #[arg(long)]
    customer: Option<String>,
    /// Print the groups as a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `report`.
pub fn run(a: Args) -> Result<u8> {
    let path = a
        .history
        .unwrap_or_else(|| report::default_history(std::env::var_os("CMDBGEN_HISTORY")));
    if !path.exists() {
        return Err(Usage(format!(
            "history file {} does not exist (it is written by `cmdbgen generate --history FILE` and scripts/import.sh; set CMDBGEN_HISTORY or pass --history)",
            path.display()
        ))
        .into());
    }
    let (mut records, warnings) =
        report::load(&path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    for w in &warnings {
        eprintln!("cmdbgen: warning: {w}");
    }
    if let Some(c) = &a.customer {
        records.retain(|r| &r.customer == c);
    }
    let groups = report::summarise(&records);
    if a.json {
        super::outln!("{}", serde_json::to_string_pretty(&groups)?)?;
    } else if groups.is_empty() {
        super::outln!("no records in {}", path.display())?;
    } else {
        print!("{}", report::render_table(&groups));
    }
    Ok(exit::OK)
}
