//! Rendering a day's change set: its data format and one row in it. The
//! run that writes the folder is `runner::changes`.

use super::{csv, jsonl};
use crate::gen::Value;
use crate::model::Column;
use serde::{Deserialize, Serialize};

/// The data file format of a change set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeFormat {
    /// CSV in neo4j-admin's dialect, as `generate` writes.
    Csv,
    /// One JSON object per line, typed; types in the folder's `header.csv`.
    Jsonl,
}

impl ChangeFormat {
    /// The shard files' extension.
    pub fn extension(self) -> &'static str {
        match self {
            ChangeFormat::Csv => "csv",
            ChangeFormat::Jsonl => "jsonl",
        }
    }
}

/// Appends one change-set row in `format`; `columns` are its table's.
pub fn put_row(format: ChangeFormat, columns: &[Column], row: &[Value<'_>], out: &mut Vec<u8>) {
    match format {
        ChangeFormat::Csv => csv::put_row(row, out),
        ChangeFormat::Jsonl => jsonl::put_row(columns, row, out),
    }
}
