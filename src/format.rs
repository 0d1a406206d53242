//! The output format of data files as plain data: which format, its
//! compression settings, and the shard file names that follow from it. The
//! plan names shards with it; `write` holds the writers for each format.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The output format of data files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "kebab-case")]
pub enum Format {
    /// Plain CSV.
    Csv,
    /// CSV, each shard one gzip member, at a deflate level 0..=9.
    CsvGz {
        /// Compression level.
        level: u32,
    },
    /// Parquet, one file per shard (see `write::parquet`).
    Parquet {
        /// Compression codec of every column chunk.
        codec: Codec,
        /// Rows per row group.
        row_group_rows: u64,
    },
}

impl Format {
    /// The shard files' extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::CsvGz { .. } => "csv.gz",
            Format::Parquet { .. } => "parquet",
        }
    }

    /// Whether shards are Parquet files (`--input-type=parquet`).
    pub fn is_parquet(self) -> bool {
        matches!(self, Format::Parquet { .. })
    }

    /// A shard file's name.
    pub fn shard_name(self, index: u32) -> String {
        format!("part-{index:05}.{}", self.extension())
    }

    /// A Java regex (file name part) that matches every shard file and never
    /// the header. It has no backslash, quote or space, so it passes through
    /// picocli `@`-files and shells unchanged.
    pub fn shard_pattern(self) -> String {
        let ext = self.extension().replace('.', "[.]");
        format!("part-[0-9]+[.]{ext}")
    }
}

/// A Parquet compression codec. Serialised as its text form (`snappy`,
/// `zstd:3`, `none`), which is also what `--parquet-codec` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Codec {
    /// Snappy: what neo4j-admin's Parquet reader is known to read.
    Snappy,
    /// Zstandard at a level 1..=22.
    Zstd {
        /// Compression level.
        level: i32,
    },
    /// No compression.
    None,
}

impl Codec {
    /// The zstd level used when `zstd` is given without one.
    pub const DEFAULT_ZSTD_LEVEL: i32 = 3;
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Codec::Snappy => f.write_str("snappy"),
            Codec::None => f.write_str("none"),
            Codec::Zstd { level } => write!(f, "zstd:{level}"),
        }
    }
}

impl FromStr for Codec {
    type Err = String;

    fn from_str(s: &str) -> Result<Codec, String> {
        let bad = || {
            format!("unknown Parquet codec {s:?}: expected snappy, none, zstd or zstd:LEVEL (LEVEL 1 to 22)")
        };
        match s {
            "snappy" => Ok(Codec::Snappy),
            "none" | "uncompressed" => Ok(Codec::None),
            "zstd" => Ok(Codec::Zstd {
                level: Codec::DEFAULT_ZSTD_LEVEL,
            }),
            _ => {
                let level = s.strip_prefix("zstd:").ok_or_else(bad)?;
                match level.parse::<i32>() {
                    Ok(level) if (1..=22).contains(&level) => Ok(Codec::Zstd { level }),
                    _ => Err(bad()),
                }
            }
        }
    }
}

impl From<Codec> for String {
    fn from(c: Codec) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for Codec {
    type Error = String;

    fn try_from(s: String) -> Result<Codec, String> {
        s.parse()
    }
}
