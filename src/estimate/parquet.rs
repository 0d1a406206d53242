//! Parquet bytes of a sampled table (docs/capacity-planning.md).
//!
//! A shard file is the magic, its row groups' column chunks, their page
//! indexes and the footer. Writing one row group alone and subtracting the
//! size of an empty file of the same schema gives what that row group adds
//! to a file: its data, page index and footer entry. So a shard costs
//! `empty + full groups × mean full group + its short last group`, where the
//! full groups are measured at a few real positions spread over the table
//! (values depend on the row index) and each distinct short group is encoded
//! at a real position too.

use super::bytes::{exact_shard, Sampling};
use super::store::StoreAcc;
use crate::gen::World;
use crate::plan::TablePlan;
use crate::write::parquet::Codec;
use crate::write::Format;
use std::collections::BTreeMap;
use std::io;
use std::ops::Range;

/// Rows of a shard.
fn len(r: &Range<u64>) -> u64 {
    r.end - r.start
}

/// Full row groups of the whole table.
fn full_groups(tp: &TablePlan, rg: u64) -> u64 {
    tp.shards.iter().map(|s| len(&s.rows) / rg).sum()
}

/// Short last row groups to encode: for each distinct shard length that
/// leaves one, the rows of that group in the middle shard of that length.
fn short_groups(tp: &TablePlan, rg: u64) -> BTreeMap<u64, Range<u64>> {
    let mut by_len: BTreeMap<u64, Vec<&Range<u64>>> = BTreeMap::new();
    for s in &tp.shards {
        if len(&s.rows) % rg > 0 {
            by_len.entry(len(&s.rows)).or_default().push(&s.rows);
        }
    }
    by_len
        .into_iter()
        .map(|(n, shards)| {
            let s = shards[shards.len() / 2];
            (n, s.start + n / rg * rg..s.end)
        })
        .collect()
}

/// The rows of the table's `idx`-th full row group.
fn nth_full_group(tp: &TablePlan, rg: u64, mut idx: u64) -> Range<u64> {
    for s in &tp.shards {
        let g = len(&s.rows) / rg;
        if idx < g {
            let start = s.rows.start + idx * rg;
            return start..start + rg;
        }
        idx -= g;
    }
    0..0
}

/// Rows that sampling would encode: when that is the whole table, encoding
/// it exactly costs no more.
pub(super) fn sample_rows(tp: &TablePlan, rg: u64, cfg: &Sampling) -> u64 {
    let rg = rg.max(1);
    if let Some(f) = fit_rows(rg, cfg) {
        if full_groups(tp, rg) > 0 {
            return cfg.pq_row_groups.max(1).min(full_groups(tp, rg)) * rg + f;
        }
    }
    let full = cfg.pq_row_groups.max(1).min(full_groups(tp, rg)) * rg;
    full + short_groups(tp, rg).values().map(len).sum::<u64>()
}

/// The run length of the fitted mode, when it applies: it needs a run
/// shorter than a row group.
fn fit_rows(rg: u64, cfg: &Sampling) -> Option<u64> {
    cfg.pq_fit_rows.filter(|&k| k > 0 && k < rg)
}

/// The Parquet bytes of a sampled table's shards. Adds the rows it encodes
/// to `rendered`.
pub(super) fn shards(
    world: &World,
    tp: &TablePlan,
    codec: Codec,
    rg: u64,
    cfg: &Sampling,
    rendered: &mut u64,
) -> io::Result<u64> {
    let rg = rg.max(1);
    let format = Format::Parquet {
        codec,
        row_group_rows: rg,
    };
    let mut scratch = StoreAcc::default();
    let mut encode = |rows: Range<u64>, rendered: &mut u64| -> io::Result<u64> {
        *rendered += len(&rows);
        Ok(exact_shard(world, tp.table, rows, format, &mut scratch)?.0)
    };
    let empty = encode(0..0, rendered)?;

    let groups = full_groups(tp, rg);
    let mut per_full = 0f64;
    // The fitted mode: `fixed + per_row × n` through the first sampled
    // group's first `k` rows and the whole group.
    let mut fit = None;
    if groups > 0 {
        let k = cfg.pq_row_groups.clamp(1, groups);
        let mut sum = 0u64;
        for i in 0..k {
            let idx = (2 * i + 1) * groups / (2 * k);
            let rows = nth_full_group(tp, rg, idx);
            let whole = encode(rows.clone(), rendered)?.saturating_sub(empty);
            if let (0, Some(f)) = (i, fit_rows(rg, cfg)) {
                let part = encode(rows.start..rows.start + f, rendered)?.saturating_sub(empty);
                let per_row = (whole as f64 - part as f64) / (rg - f) as f64;
                fit = Some((part as f64 - per_row * f as f64, per_row));
            }
            sum += whole;
        }
        per_full = sum as f64 / k as f64;
    }
    let mut short = BTreeMap::new();
    for (n, rows) in short_groups(tp, rg) {
        let bytes = match fit {
            Some((fixed, per_row)) => {
                crate::cast::whole((fixed + per_row * len(&rows) as f64).max(0.0).round())
            }
            None => encode(rows, rendered)?.saturating_sub(empty),
        };
        short.insert(n, bytes);
    }

    let mut total = 0f64;
    for s in &tp.shards {
        let n = len(&s.rows);
        total += empty as f64 + (n / rg) as f64 * per_full;
        total += short.get(&n).copied().unwrap_or(0) as f64;
    }
    Ok(crate::cast::whole(total.round()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeKind, Table};
    use crate::plan::{Plan, ShardSize};
    use crate::profile::Profile;
    use crate::write::Format;

    #[test]
    fn groups_sit_at_their_real_positions() {
        // 20,000 events, whatever the built-in profile's count.
        let mut p = Profile::load("medium").unwrap();
        p.nodes.insert(NodeKind::Event, 20_000);
        let w = World::new(&p);
        let format = Format::Parquet {
            codec: Codec::Snappy,
            row_group_rows: 1000,
        };
        let plan = Plan::new(&w, format, ShardSize::Rows(4500));
        let tp = plan
            .tables
            .iter()
            .find(|t| t.table == Table::Node(NodeKind::Event))
            .unwrap();
        // 20,000 rows: four shards of 4,500 (4 full groups + 500 each) and
        // one of 2,000 (2 full groups).
        assert_eq!(full_groups(tp, 1000), 18);
        assert_eq!(nth_full_group(tp, 1000, 0), 0..1000);
        assert_eq!(nth_full_group(tp, 1000, 4), 4500..5500);
        assert_eq!(nth_full_group(tp, 1000, 17), 19_000..20_000);
        let short = short_groups(tp, 1000);
        assert_eq!(short.len(), 1);
        assert_eq!(short[&4500], 13_000..13_500);
        let cfg = Sampling::default();
        assert_eq!(sample_rows(tp, 1000, &cfg), 6 * 1000 + 500);
    }

    #[test]
    fn fitted_short_groups_stay_close_to_encoded_ones() {
        let w = World::new(&Profile::load("medium").unwrap());
        let (rg, codec) = (1000, Codec::Zstd { level: 3 });
        let format = Format::Parquet {
            codec,
            row_group_rows: rg,
        };
        let plan = Plan::new(&w, format, ShardSize::Rows(4500));
        let tp = plan
            .tables
            .iter()
            .find(|t| t.table == Table::Node(NodeKind::Event))
            .unwrap();
        let format = Format::Parquet {
            codec,
            row_group_rows: rg,
        };
        let mut st = StoreAcc::default();
        let exact: u64 = tp
            .shards
            .iter()
            .map(|s| {
                exact_shard(&w, tp.table, s.rows.clone(), format, &mut st)
                    .unwrap()
                    .0
            })
            .sum();
        let fitted = Sampling {
            pq_row_groups: 1,
            pq_fit_rows: Some(200),
            ..Sampling::default()
        };
        // One whole group and the first 200 rows of it, no short group.
        assert_eq!(sample_rows(tp, rg, &fitted), 1200);
        let mut rendered = 0;
        let got = shards(&w, tp, codec, rg, &fitted, &mut rendered).unwrap();
        assert_eq!(rendered, 1200);
        let err = (got as f64 - exact as f64).abs() / exact as f64;
        assert!(err < 0.02, "fitted {got} vs exact {exact}: {err}");
    }
}
