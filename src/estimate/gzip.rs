//! gzip bytes of a sampled table: deflate's ratio inside a stream, from
//! windows over many strata, and the fixed cost of a stream's start and end,
//! from a few long runs (docs/capacity-planning.md).

use super::bytes::{collect, exact_shard, runs, Sampling};
use super::store::StoreAcc;
use crate::gen::World;
use crate::plan::TablePlan;
use crate::write::Format;
use flate2::Compression;
use std::io;
use std::ops::Range;

/// Whole shards sampled when shards are small.
const WHOLE_SHARDS: u64 = 32;

/// The gzip bytes of a sampled table's shards, whose CSV is `mean` bytes
/// per row. Adds the rows it renders to `rendered`.
pub(super) fn shards(
    world: &World,
    tp: &TablePlan,
    level: u32,
    mean: f64,
    cfg: &Sampling,
    rendered: &mut u64,
) -> io::Result<f64> {
    let table = tp.table;
    let format = Format::CsvGz { level };
    let mut scratch = StoreAcc::default();
    // Below this, a shard is mostly its cold start: compress it instead.
    let small = (2 * cfg.gz_warm_bytes) as f64;
    let mut shard_exact = |rows: Range<u64>, rendered: &mut u64| -> io::Result<f64> {
        *rendered += rows.end - rows.start;
        Ok(exact_shard(world, table, rows, format, &mut scratch)?.0 as f64)
    };
    let full: Vec<_> = tp
        .shards
        .iter()
        .filter(|s| s.rows.end - s.rows.start == tp.shard_rows)
        .collect();
    let full_is_small = mean * tp.shard_rows as f64 <= small;
    let mut total = 0f64;
    if full_is_small && !full.is_empty() {
        // Small shards: whole shards, evenly over the full-size ones.
        let len = full.len() as u64;
        let k = WHOLE_SHARDS.clamp(1, len);
        let mut sum = 0f64;
        for i in 0..k {
            let s = full[crate::cast::index(i * len / k + len / (2 * k))];
            sum += shard_exact(s.rows.clone(), rendered)?;
        }
        total += sum / k as f64 * len as f64;
    }
    let needs_model = tp.shards.iter().any(|s| {
        let r = s.rows.end - s.rows.start;
        !(r == tp.shard_rows && full_is_small) && mean * r as f64 > small
    });
    let (ratio, start) = if needs_model {
        stream_model(world, tp, level, mean, cfg, rendered)?
    } else {
        (0.0, 0.0)
    };
    for s in &tp.shards {
        let r = s.rows.end - s.rows.start;
        let u = mean * r as f64;
        if r == tp.shard_rows && full_is_small {
            continue;
        }
        total += if u <= small {
            shard_exact(s.rows.clone(), rendered)?
        } else {
            18.0 + start + ratio * u
        };
    }
    Ok(total)
}

/// The raw deflate length of `data` compressed as one complete stream at
/// `level`, with `dict` as the history it may refer back to.
pub(super) fn deflate_after(level: u32, dict: &[u8], data: &[u8]) -> io::Result<u64> {
    use flate2::{Compress, FlushCompress, Status};
    let mut c = Compress::new(Compression::new(level), false);
    if !dict.is_empty() {
        c.set_dictionary(dict).map_err(io::Error::other)?;
    }
    let mut out = Vec::with_capacity(64 << 10);
    loop {
        out.clear();
        let done = crate::cast::index(c.total_in());
        let status = c
            .compress_vec(&data[done..], &mut out, FlushCompress::Finish)
            .map_err(io::Error::other)?;
        if status == Status::StreamEnd {
            return Ok(c.total_out());
        }
    }
}

/// Deflate's bytes per CSV byte inside a stream at `level`, and the bytes a
/// stream's start and end add to that.
///
/// Each of many strata gives a window compressed with the rows before it as
/// history: its bytes are `ratio × window + end`, where `end` is what closing
/// a stream costs (a last block and its code tables: ~70 B at level 6, ~0
/// at level 1 — 1–2 % of a 16 KiB window, so it must come out). A few long
/// runs measure `end`: compressing a run whole and as consecutive windows
/// differs by one `end` per extra window, on the very same bytes. The long
/// runs' cold start (their warm-up compressed without history) gives the
/// rest of a shard's fixed cost.
fn stream_model(
    world: &World,
    tp: &TablePlan,
    level: u32,
    mean: f64,
    cfg: &Sampling,
    rendered: &mut u64,
) -> io::Result<(f64, f64)> {
    let warm = crate::cast::whole((cfg.gz_warm_bytes as f64 / mean).ceil());
    let window = crate::cast::whole((cfg.gz_window_bytes as f64 / mean).ceil()).max(1);
    let long = crate::cast::whole((cfg.gz_long_bytes as f64 / mean).ceil()).max(1);
    let mut scratch = StoreAcc::default();

    // The long runs: the end cost and the cold start.
    let (mut ends, mut end_sum) = (0u64, 0f64);
    let (mut cold_c, mut cold_u, mut cold_n) = (0u64, 0u64, 0u64);
    let (mut long_c, mut long_u) = (0u64, 0u64);
    let runs_n = cfg.gz_long_runs.clamp(1, tp.rows);
    for range in runs(tp.rows, runs_n, warm + long) {
        *rendered += range.end - range.start;
        let c = collect(world, tp.table, range, warm, &mut scratch)?;
        let split = if c.rows < warm {
            c.buf.len()
        } else {
            c.split_at
        };
        cold_c += deflate_after(level, &[], &c.buf[..split])?;
        cold_u += split as u64;
        cold_n += 1;
        let rest = &c.buf[split..];
        let piece = crate::cast::index(cfg.gz_window_bytes);
        if split == 0 || rest.len() < 2 * piece {
            continue;
        }
        let whole = deflate_after(level, &c.buf[..split], rest)?;
        long_c += whole;
        long_u += rest.len() as u64;
        let mut parts = 0u64;
        let mut sum = 0u64;
        let mut at = split;
        while at < c.buf.len() {
            let end = (at + piece).min(c.buf.len());
            let hist = at.saturating_sub(crate::cast::index(cfg.gz_warm_bytes));
            sum += deflate_after(level, &c.buf[hist..at], &c.buf[at..end])?;
            parts += 1;
            at = end;
        }
        end_sum += (sum as f64 - whole as f64) / (parts - 1) as f64;
        ends += 1;
    }
    let end = if ends > 0 { end_sum / ends as f64 } else { 0.0 };

    // The windows, over many strata.
    let (mut win_c, mut win_u, mut wins) = (0u64, 0u64, 0u64);
    for range in runs(tp.rows, cfg.gz_strata.clamp(1, tp.rows), warm + window) {
        *rendered += range.end - range.start;
        let c = collect(world, tp.table, range, warm, &mut scratch)?;
        if c.rows <= warm {
            continue;
        }
        win_c += deflate_after(level, &c.buf[..c.split_at], &c.buf[c.split_at..])?;
        win_u += (c.buf.len() - c.split_at) as u64;
        wins += 1;
    }
    let ratio = if win_u > 0 {
        ((win_c as f64 - wins as f64 * end) / win_u as f64).max(0.0)
    } else if long_u > 0 {
        long_c as f64 / long_u as f64
    } else {
        // Tables shorter than a warm-up: their cold ratio.
        return Ok((cold_c as f64 / cold_u.max(1) as f64, 0.0));
    };
    // A stream's fixed cost: its cold start (the warm-up's bytes beyond the
    // ratio, which include one end).
    let start = (cold_c as f64 - ratio * cold_u as f64) / cold_n.max(1) as f64;
    Ok((ratio, start))
}
