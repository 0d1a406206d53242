//! The output options of `generate`, `estimate`, `ingest` and `bench-table`:
//! one format scheme (`--format csv|csv-gz|parquet`, `--gzip` its alias for
//! `csv-gz`, `--gzip-level`, the Parquet options) and one shard sizing.

use crate::error::Usage;
use crate::plan::ShardSize;
use crate::write::parquet::{Codec, DEFAULT_ROW_GROUP_ROWS};
use crate::write::{Format, DEFAULT_GZIP_LEVEL};

/// `--format`: the shard file format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FormatName {
    /// CSV with a header file per table.
    Csv,
    /// CSV, each shard gzip-compressed (`--gzip` is the same).
    CsvGz,
    /// Parquet, one file per shard, column names as header entries.
    Parquet,
}

/// The format options every writing command takes.
#[derive(clap::Args, Debug)]
pub(super) struct FormatArgs {
    /// Shard file format: csv, csv-gz (each shard gzip-compressed) or
    /// parquet (docs/parquet.md).
    #[arg(long, value_enum, default_value_t = FormatName::Csv)]
    format: FormatName,
    /// The same as --format csv-gz.
    #[arg(long)]
    gzip: bool,
    /// gzip level of csv-gz, 0 (store) to 9 (smallest). The default 4 is
    /// within 3% of level 6's size at about twice its speed
    /// (docs/performance.md).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=9))]
    gzip_level: Option<u32>,
    #[command(flatten)]
    parquet: ParquetArgs,
}

/// The Parquet options (they need `--format parquet`).
#[derive(clap::Args, Debug)]
pub(super) struct ParquetArgs {
    /// Who reads the Parquet files; picks the default codec: snappy for
    /// neo4j-admin (the codec its reader is known to handle), zstd:3 for
    /// archives. Default: neo4j-admin (bench-table: archive).
    #[arg(long, value_enum)]
    parquet_target: Option<ParquetTarget>,
    /// Parquet codec: snappy, zstd, zstd:LEVEL (1-22) or none.
    #[arg(long, value_name = "CODEC")]
    parquet_codec: Option<Codec>,
    /// Rows per Parquet row group (memory per busy thread grows with it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    row_group_rows: Option<u64>,
}

/// The reader Parquet output is meant for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ParquetTarget {
    /// `neo4j-admin database import --input-type=parquet` (default codec snappy).
    Neo4jAdmin,
    /// Pipelines and archives (default codec zstd:3).
    Archive,
}

impl FormatArgs {
    /// The format asked for, Parquet aimed at neo4j-admin unless
    /// `--parquet-target` says otherwise; a usage error for a mix that makes
    /// no sense.
    pub(super) fn format(&self) -> Result<Format, Usage> {
        self.format_for(ParquetTarget::Neo4jAdmin)
    }

    /// As [`FormatArgs::format`], with another default Parquet target.
    pub(super) fn format_for(&self, target: ParquetTarget) -> Result<Format, Usage> {
        let name = match (self.format, self.gzip) {
            (FormatName::Parquet, true) => {
                return Err(Usage(
                    "--gzip is for CSV (it means --format csv-gz); Parquet compresses with --parquet-codec"
                        .into(),
                ))
            }
            // `--format csv --gzip` was generate's spelling of csv-gz.
            (FormatName::Csv, true) => FormatName::CsvGz,
            (name, _) => name,
        };
        if name != FormatName::Parquet
            && (self.parquet.parquet_codec.is_some() || self.parquet.row_group_rows.is_some())
        {
            return Err(Usage(
                "--parquet-codec and --row-group-rows need --format parquet".into(),
            ));
        }
        match name {
            FormatName::Csv | FormatName::Parquet if self.gzip_level.is_some() => Err(Usage(
                "--gzip-level needs --format csv-gz (or --gzip)".into(),
            )),
            FormatName::Csv => Ok(Format::Csv),
            FormatName::CsvGz => Ok(Format::CsvGz {
                level: self.gzip_level.unwrap_or(DEFAULT_GZIP_LEVEL),
            }),
            FormatName::Parquet => Ok(self.parquet.format(target)),
        }
    }
}

impl ParquetArgs {
    /// The Parquet format these options ask for.
    fn format(&self, default_target: ParquetTarget) -> Format {
        let codec =
            self.parquet_codec
                .unwrap_or(match self.parquet_target.unwrap_or(default_target) {
                    ParquetTarget::Neo4jAdmin => Codec::Snappy,
                    ParquetTarget::Archive => Codec::Zstd {
                        level: Codec::DEFAULT_ZSTD_LEVEL,
                    },
                });
        Format::Parquet {
            codec,
            row_group_rows: self.row_group_rows.unwrap_or(DEFAULT_ROW_GROUP_ROWS),
        }
    }
}

/// Shard sizing by rows or by bytes (`generate`, `estimate`; `ingest` and
/// `bench-table` cut by rows only and take their own `--shard-rows`).
#[derive(clap::Args, Debug)]
pub(super) struct ShardArgs {
    /// Rows per shard file.
    #[arg(long, conflicts_with = "shard_bytes")]
    shard_rows: Option<u64>,
    /// Target uncompressed bytes per shard file (e.g. 268435456).
    #[arg(long)]
    shard_bytes: Option<u64>,
}

impl ShardArgs {
    /// The shard size asked for, or a usage error.
    pub(super) fn shard_size(&self) -> Result<ShardSize, Usage> {
        match (self.shard_rows, self.shard_bytes) {
            (Some(0), _) => Err(Usage("--shard-rows must be at least 1".into())),
            (_, Some(b)) if b < 1024 => Err(Usage("--shard-bytes must be at least 1024".into())),
            (Some(r), _) => Ok(ShardSize::Rows(r)),
            (None, Some(b)) => Ok(ShardSize::Bytes(b)),
            (None, None) => Ok(ShardSize::default()),
        }
    }
}

/// The output options of `generate` and `estimate`: format and shard size.
#[derive(clap::Args, Debug)]
pub(super) struct OutputArgs {
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    shards: ShardArgs,
}

impl OutputArgs {
    /// See [`FormatArgs::format`].
    pub(super) fn format(&self) -> Result<Format, Usage> {
        self.format.format()
    }

    /// See [`ShardArgs::shard_size`].
    pub(super) fn shard_size(&self) -> Result<ShardSize, Usage> {
        self.shards.shard_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        o: OutputArgs,
    }

    fn parse(args: &[&str]) -> Result<Format, String> {
        let t = T::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        t.o.shard_size().map_err(|e| e.0)?;
        t.o.format().map_err(|e| e.0)
    }

    #[test]
    fn one_scheme_and_its_aliases() {
        let gz = |level| Ok(Format::CsvGz { level });
        assert_eq!(parse(&[]), Ok(Format::Csv));
        assert_eq!(parse(&["--format", "csv-gz"]), gz(DEFAULT_GZIP_LEVEL));
        assert_eq!(parse(&["--gzip"]), gz(DEFAULT_GZIP_LEVEL));
        assert_eq!(
            parse(&["--format", "csv", "--gzip"]),
            gz(DEFAULT_GZIP_LEVEL)
        );
        assert_eq!(
            parse(&["--format", "csv-gz", "--gzip"]),
            gz(DEFAULT_GZIP_LEVEL)
        );
        assert_eq!(parse(&["--gzip", "--gzip-level", "1"]), gz(1));
        assert_eq!(parse(&["--format", "csv-gz", "--gzip-level", "9"]), gz(9));
        assert!(matches!(
            parse(&["--format", "parquet"]),
            Ok(Format::Parquet {
                codec: Codec::Snappy,
                ..
            })
        ));
        for bad in [
            &["--format", "parquet", "--gzip"][..],
            &["--gzip-level", "3"],
            &["--format", "parquet", "--gzip-level", "3"],
            &["--parquet-codec", "zstd"],
            &["--format", "csv-gz", "--row-group-rows", "10"],
            &["--shard-rows", "0"],
            &["--shard-bytes", "10"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
