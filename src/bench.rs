//! The peer benchmark workload (../shared/bench/peers-schema.md): an
//! 8-column server table and a 2-column edge table, the same rows DuckDB
//! writes in `scripts/bench.sh`, produced through cmdbgen's own shard writer
//! so the comparison measures our formatting, compression and file path.

use crate::gen::pools::Word;
use crate::gen::Value;
use crate::model::{ColKind, Column, PropType};
use crate::rng::mix;
use crate::write::parquet::Codec;
use crate::write::{self, Counters, FileInfo, Format};
use anyhow::{Context, Result};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use std::path::Path;

static TYPES: [Word; 5] = [
    Word::new("physical"),
    Word::new("virtual"),
    Word::new("container"),
    Word::new("cloud"),
    Word::new("appliance"),
];
static CRITICALITY: [Word; 4] = [
    Word::new("low"),
    Word::new("medium"),
    Word::new("high"),
    Word::new("critical"),
];
static STATUS: [Word; 4] = [
    Word::new("active"),
    Word::new("maintenance"),
    Word::new("retired"),
    Word::new("planned"),
];
static SOURCES: [Word; 4] = [
    Word::new("servicenow"),
    Word::new("bmc"),
    Word::new("device42"),
    Word::new("manual"),
];

const fn col(name: &'static str, kind: ColKind) -> Column {
    Column { name, kind }
}

const fn text(name: &'static str) -> Column {
    col(name, ColKind::Prop(PropType::String))
}

/// The node table's columns (they type its Parquet columns).
static NODE_COLUMNS: [Column; 8] = [
    col("id", ColKind::Id),
    text("name"),
    text("type"),
    text("criticality"),
    text("status"),
    col("cpu_cores", ColKind::Prop(PropType::Int)),
    col("cost", ColKind::Prop(PropType::Double)),
    text("source"),
];

/// The edge table's columns.
static EDGE_COLUMNS: [Column; 2] = [col("", ColKind::StartId), col("", ColKind::EndId)];

/// Which peer table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchTable {
    /// N server rows, 8 columns.
    Nodes,
    /// E edge rows `start_id,end_id` over E/2 servers.
    Edges,
}

impl BenchTable {
    /// The columns, in header order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            BenchTable::Nodes => &NODE_COLUMNS,
            BenchTable::Edges => &EDGE_COLUMNS,
        }
    }

    /// The columns whose values (nearly) all differ within a row group, so
    /// Parquet writes them plain: a dictionary would only cost time before
    /// the writer gives up on it, and grow the file (docs/performance.md).
    /// The node table's `id` is plain through its column kind already.
    fn plain_columns(self) -> &'static [usize] {
        match self {
            // name, cost (a million values)
            BenchTable::Nodes => &[1, 6],
            // Each start repeats only on the next row; ends are random.
            BenchTable::Edges => &[0, 1],
        }
    }

    /// The Parquet writer settings: `generate`'s, with `plain_columns`
    /// written without a dictionary.
    pub fn parquet_properties(
        self,
        codec: Codec,
        row_group_rows: u64,
    ) -> std::io::Result<WriterProperties> {
        let names = self.header();
        let mut b = write::parquet::builder_of(self.columns(), &names, codec, row_group_rows)?;
        for &k in self.plain_columns() {
            b = b.set_column_dictionary_enabled(ColumnPath::new(vec![names[k].clone()]), false);
        }
        Ok(b.build())
    }

    /// The header cells (neo4j-admin style).
    pub fn header(self) -> Vec<String> {
        match self {
            BenchTable::Nodes => [
                "id:ID(Server)",
                "name",
                "type",
                "criticality",
                "status",
                "cpu_cores:int",
                "cost:double",
                "source",
            ]
            .map(String::from)
            .to_vec(),
            BenchTable::Edges => [":START_ID(Server)", ":END_ID(Server)"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Node row `i`.
#[inline]
pub fn node_row(i: u64, out: &mut Vec<Value<'static>>) {
    let h = mix(i);
    out.push(Value::Id {
        prefix: "srv-",
        n: i,
    });
    out.push(Value::Name {
        a: "server",
        b: "",
        sep: "-",
        n: i,
    });
    out.push(Value::Word(&TYPES[(i % 5) as usize]));
    out.push(Value::Word(&CRITICALITY[(h % 4) as usize]));
    out.push(Value::Word(&STATUS[((h >> 8) % 4) as usize]));
    out.push(Value::Int((1 + (h >> 16) % 128) as i64));
    out.push(Value::Cents(((h >> 24) % 1_000_000) as i64));
    out.push(Value::Word(&SOURCES[(i % 4) as usize]));
}

/// Edge row `i` of `edges`.
#[inline]
pub fn edge_row(i: u64, edges: u64, out: &mut Vec<Value<'static>>) {
    let servers = (edges / 2).max(1);
    out.push(Value::Id {
        prefix: "srv-",
        n: i / 2,
    });
    out.push(Value::Id {
        prefix: "srv-",
        n: mix(i) % servers,
    });
}

/// Writes `rows` rows of `table` into `dir` as shards of `shard_rows`, on the
/// current rayon pool, with a `header.csv` unless the format is Parquet
/// (whose column names are the header cells). Returns the files written.
pub fn write(
    table: BenchTable,
    rows: u64,
    format: Format,
    dir: &Path,
    (shard_rows, direct): (u64, bool),
) -> Result<Vec<FileInfo>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let names = table.header();
    if !format.is_parquet() {
        std::fs::write(dir.join("header.csv"), write::csv::header_line(&names))?;
    }
    let columns = table.columns();
    let props = match format {
        Format::Parquet {
            codec,
            row_group_rows,
        } => Some(table.parquet_properties(codec, row_group_rows)?),
        _ => None,
    };
    let counters = Counters::default();
    let shards = crate::plan::split(rows, shard_rows);
    shards
        .par_iter()
        .enumerate()
        .map(|(k, range)| {
            let name = format.shard_name(u32::try_from(k).unwrap_or(u32::MAX));
            let info = match table {
                BenchTable::Nodes => write::write_rows(
                    dir,
                    &name,
                    (format, direct),
                    (columns, &names, props.as_ref()),
                    range.clone(),
                    &counters,
                    node_row,
                ),
                BenchTable::Edges => write::write_rows(
                    dir,
                    &name,
                    (format, direct),
                    (columns, &names, props.as_ref()),
                    range.clone(),
                    &counters,
                    |i, out| edge_row(i, rows, out),
                ),
            };
            info.with_context(|| format!("writing {name}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_the_peer_schema() {
        let mut out = Vec::new();
        node_row(123, &mut out);
        let mut csv = Vec::new();
        write::csv::put_row(&out, &mut csv);
        let line = String::from_utf8(csv).unwrap();
        let f: Vec<&str> = line.trim_end().split(',').collect();
        assert_eq!(f.len(), 8);
        assert_eq!(f[0], "srv-000000123");
        assert_eq!(f[1], "server-123");
        assert_eq!(f[2], TYPES[123 % 5].text);
        assert_eq!(f[7], SOURCES[123 % 4].text);
        let cores: u32 = f[5].parse().unwrap();
        assert!((1..=128).contains(&cores));
        let cost: f64 = f[6].parse().unwrap();
        assert!((0.0..10_000.0).contains(&cost));
        let mut e = Vec::new();
        edge_row(7, 100, &mut e);
        let mut csv = Vec::new();
        write::csv::put_row(&e, &mut csv);
        assert_eq!(
            csv.len(),
            28,
            "every edge row is 28 bytes as in the peer schema"
        );
    }
}
