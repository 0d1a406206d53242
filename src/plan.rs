//! The plan: exact row counts and shard ranges per table, known before any
//! file is written. A plan is a value: it can be printed, compared and tested.

use crate::format::Format;
use crate::gen::World;
use crate::model::{Ids, Provenance, Table};
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

/// One of `count` parts of a distributed run (`--part index/count`, 1-based):
/// the shards whose global ordinal (their position in [`Plan::shards`]) is
/// `index - 1` modulo `count`. Round-robin over the ordinal spreads every
/// table, large and small, evenly over the parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// This part, from 1.
    pub index: u32,
    /// Number of parts.
    pub count: u32,
}

impl Part {
    /// Whether the shard with this global ordinal belongs to the part.
    pub fn owns(self, ordinal: usize) -> bool {
        ordinal % self.count as usize == (self.index - 1) as usize
    }

    /// The part that owns a shard ordinal.
    pub fn owner(ordinal: usize, count: u32) -> u32 {
        crate::cast::small(ordinal % count as usize) + 1
    }

    /// The file name of the part's manifest (`manifest.part-2-of-8.json`).
    pub fn manifest_name(self) -> String {
        format!("manifest.part-{}-of-{}.json", self.index, self.count)
    }
}

impl std::str::FromStr for Part {
    type Err = String;

    /// Parses `i/n` with `1 <= i <= n`.
    fn from_str(s: &str) -> Result<Part, String> {
        let bad = || format!("--part must look like i/n with 1 <= i <= n (got '{s}')");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Part { index, count })
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
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
    /// The provenance columns of every table (the world's).
    pub provenance: Provenance,
    /// How the tables identify nodes (the world's).
    pub ids: Ids,
}

/// Splits `0..rows` into consecutive ranges of `per` rows (the last shorter).
pub fn split(rows: u64, per: u64) -> Vec<Range<u64>> {
    let per = per.max(1);
    (0..rows.div_ceil(per))
        .map(|s| s * per..((s + 1) * per).min(rows))
        .collect()
}

impl TablePlan {
    /// A table of `rows` rows cut into shards of `shard_rows` rows, with
    /// its header and shard paths.
    pub fn cut(table: Table, rows: u64, shard_rows: u64, format: Format) -> TablePlan {
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
        TablePlan {
            table,
            rows,
            shard_rows,
            header: format!("{dir}/header.csv"),
            shards,
        }
    }
}

impl Plan {
    /// Plans every non-empty table of `world`. For byte-sized shards,
    /// `row_bytes(table)` is the table's average uncompressed CSV bytes per
    /// row, measured on the format side (`Plan::new` in `write` renders a
    /// sample), so the plan itself renders nothing.
    pub fn sized(
        world: &World,
        format: Format,
        size: ShardSize,
        row_bytes: impl Fn(Table) -> f64,
    ) -> Plan {
        let tables = Table::all()
            .filter_map(|table| {
                let rows = world.rows(table);
                if rows == 0 {
                    return None;
                }
                let shard_rows = match size {
                    ShardSize::Rows(n) => n.max(1),
                    ShardSize::Bytes(b) => {
                        let per_row = row_bytes(table).max(1.0);
                        crate::cast::whole(b as f64 / per_row).max(1)
                    }
                };
                Some(TablePlan::cut(table, rows, shard_rows, format))
            })
            .collect();
        Plan {
            tables,
            format,
            provenance: world.provenance(),
            ids: world.ids(),
        }
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

    /// The shards of one part of a distributed run, in plan order; all
    /// shards when `part` is `None`.
    pub fn shards_of(&self, part: Option<Part>) -> impl Iterator<Item = &Shard> {
        self.shards()
            .enumerate()
            .filter(move |(ordinal, _)| part.is_none_or(|p| p.owns(*ordinal)))
            .map(|(_, s)| s)
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

    proptest! {
        #[test]
        fn parts_cover_every_shard_exactly_once(shards in 0usize..500, count in 1u32..40) {
            let mut seen = vec![0u32; shards];
            for index in 1..=count {
                let p = Part { index, count };
                for (o, n) in seen.iter_mut().enumerate() {
                    if p.owns(o) {
                        *n += 1;
                        prop_assert_eq!(Part::owner(o, count), index);
                    }
                }
            }
            prop_assert!(seen.iter().all(|&n| n == 1));
        }
    }

    #[test]
    fn part_parses_and_rejects() {
        assert_eq!("2/8".parse::<Part>(), Ok(Part { index: 2, count: 8 }));
        assert_eq!(
            "1/1".parse::<Part>().map(|p| p.to_string()),
            Ok("1/1".into())
        );
        for bad in ["0/3", "4/3", "x", "1/0", "/2", "1/", "-1/3", "1/3/4"] {
            let e = bad.parse::<Part>().unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
        assert_eq!(
            Part {
                index: 3,
                count: 12
            }
            .manifest_name(),
            "manifest.part-3-of-12.json"
        );
    }

    #[test]
    fn shards_of_parts_partition_the_plan() {
        let p = crate::profile::Profile::load("small").unwrap();
        let w = World::new(&p);
        let plan = Plan::new(&w, Format::Csv, ShardSize::Rows(97));
        let all: Vec<&str> = plan.shards().map(|s| s.path.as_str()).collect();
        assert_eq!(plan.shards_of(None).count(), all.len());
        let mut union: Vec<&str> = (1..=5)
            .flat_map(|i| plan.shards_of(Some(Part { index: i, count: 5 })))
            .map(|s| s.path.as_str())
            .collect();
        union.sort_unstable();
        let mut want = all.clone();
        want.sort_unstable();
        assert_eq!(union, want);
        // Round robin: every part gets within one shard of the others.
        let sizes: Vec<usize> = (1..=5)
            .map(|i| plan.shards_of(Some(Part { index: i, count: 5 })).count())
            .collect();
        assert!(
            sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
            "{sizes:?}"
        );
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
}
