//! The plan: exact row counts and shard ranges per table, known before any
//! file is written. A plan is a value: it can be printed, compared and tested.

use crate::gen::World;
use crate::model::Table;
use crate::write::Format;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// How big a shard may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShardSize {
    /// At most this many rows per shard.
    Rows(u64),
    /// About this many uncompressed CSV bytes per shard (converted to rows
    /// from a deterministic sample of each table's rows).
    Bytes(u64),
}

impl Default for ShardSize {
    fn default() -> Self {
        ShardSize::Rows(1_000_000)
    }
}

/// One shard: a contiguous row range of a table, written to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    /// The table.
    pub table: Table,
    /// Shard number within the table, from 0.
    pub index: u32,
    /// The rows.
    pub rows: Range<u64>,
    /// File path relative to the bundle root.
    pub path: String,
}

/// A table's part of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TablePlan {
    /// The table.
    pub table: Table,
    /// Its exact row count.
    pub rows: u64,
    /// Rows per shard for this table.
    pub shard_rows: u64,
    /// Header file path relative to the bundle root.
    pub header: String,
    /// Its shards, in order; empty for an empty table.
    pub shards: Vec<Shard>,
}

/// The whole plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Every non-empty table, nodes first.
    pub tables: Vec<TablePlan>,
    /// The format the shards are written in.
    pub format: Format,
}

/// Splits `0..rows` into consecutive ranges of `per` rows (the last shorter).
pub fn split(rows: u64, per: u64) -> Vec<Range<u64>> {
    let per = per.max(1);
    (0..rows.div_ceil(per))
        .map(|s| s * per..((s + 1) * per).min(rows))
        .collect()
}

/// The average CSV bytes per row of a table, from up to 512 rows spread
/// evenly over it (deterministic).
pub fn sample_row_bytes(world: &World, table: Table) -> f64 {
    let rows = world.rows(table);
    if rows == 0 {
        return 0.0;
    }
    let samples = rows.min(512);
    let mut bytes = 0usize;
    for s in 0..samples {
        let i = (u128::from(s) * u128::from(rows) / u128::from(samples)) as u64;
        bytes += crate::write::render_csv(world, table, i..i + 1).len();
    }
    bytes as f64 / samples as f64
}

impl Plan {
    /// Plans every non-empty table of `world`.
    pub fn new(world: &World, format: Format, size: ShardSize) -> Plan {
        let tables = Table::all()
            .filter_map(|table| {
                let rows = world.rows(table);
                if rows == 0 {
                    return None;
                }
                let shard_rows = match size {
                    ShardSize::Rows(n) => n.max(1),
                    ShardSize::Bytes(b) => {
                        let per_row = sample_row_bytes(world, table).max(1.0);
                        ((b as f64 / per_row) as u64).max(1)
                    }
                };
                let dir = table.dir();
                let shards = split(rows, shard_rows)
                    .into_iter()
                    .enumerate()
                    .map(|(index, rows)| {
                        let index = u32::try_from(index).unwrap_or(u32::MAX);
                        Shard {
                            table,
                            index,
                            rows,
                            path: format!("{dir}/{}", format.shard_name(index)),
                        }
                    })
                    .collect();
                Some(TablePlan {
                    table,
                    rows,
                    shard_rows,
                    header: format!("{dir}/header.csv"),
                    shards,
                })
            })
            .collect();
        Plan { tables, format }
    }

    /// Total node rows.
    pub fn nodes(&self) -> u64 {
        self.tables
            .iter()
            .filter(|t| t.table.is_node())
            .map(|t| t.rows)
            .sum()
    }

    /// Total relationship rows.
    pub fn relationships(&self) -> u64 {
        self.tables
            .iter()
            .filter(|t| !t.table.is_node())
            .map(|t| t.rows)
            .sum()
    }

    /// Every shard of every table.
    pub fn shards(&self) -> impl Iterator<Item = &Shard> {
        self.tables.iter().flat_map(|t| t.shards.iter())
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<50} {:>15} {:>8}", "table", "rows", "shards")?;
        for t in &self.tables {
            writeln!(
                f,
                "{:<50} {:>15} {:>8}",
                t.table.dir(),
                t.rows,
                t.shards.len()
            )?;
        }
        write!(
            f,
            "{:<50} {:>15} {:>8}",
            "total",
            self.nodes() + self.relationships(),
            self.shards().count()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn split_partitions_rows_exactly(rows in 0u64..1_000_000, per in 1u64..100_000) {
            let parts = split(rows, per);
            let mut next = 0;
            for p in &parts {
                prop_assert_eq!(p.start, next);
                prop_assert!(p.end > p.start);
                prop_assert!(p.end - p.start <= per);
                next = p.end;
            }
            prop_assert_eq!(next, rows);
        }
    }

    #[test]
    fn plan_counts_match_world() {
        let p = crate::profile::Profile::load("tiny").unwrap();
        let w = World::new(&p);
        let plan = Plan::new(&w, Format::Csv, ShardSize::Rows(7));
        for t in &plan.tables {
            assert_eq!(t.rows, w.rows(t.table));
            let covered: u64 = t.shards.iter().map(|s| s.rows.end - s.rows.start).sum();
            assert_eq!(covered, t.rows);
            assert!(t.shards.iter().all(|s| s.path.starts_with(&t.table.dir())));
        }
        assert!(plan.nodes() > 0 && plan.relationships() > 0);
    }

    #[test]
    fn byte_sized_shards_are_near_the_target() {
        let p = crate::profile::Profile::load("small").unwrap();
        let w = World::new(&p);
        let plan = Plan::new(&w, Format::Csv, ShardSize::Bytes(20_000));
        let t = plan
            .tables
            .iter()
            .find(|t| t.table == Table::Node(crate::model::NodeKind::Event))
            .unwrap();
        let first = &t.shards[0];
        let bytes = crate::write::render_csv(&w, t.table, first.rows.clone()).len();
        assert!((15_000..25_000).contains(&bytes), "{bytes}");
    }
}
