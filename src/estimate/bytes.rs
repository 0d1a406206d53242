//! Bytes on disk per table, from real generated rows.
//!
//! A table is either rendered in full through the very writer `generate`
//! uses (exact), or sampled:
//!
//! * **CSV bytes**: the table's rows are cut into equal strata and a run of
//!   contiguous rows is rendered from the middle of each (so trends along the
//!   index, such as numbers growing a digit, are followed); bytes per row
//!   times rows.
//! * **gzip**: a window from the middle of each of many strata is compressed
//!   at the chosen level with the rows before it as deflate's history, so
//!   it costs what it would inside a shard, plus the fixed cost of ending a
//!   stream; a few long runs measure that end cost and a stream's cold start
//!   (see the `gzip` module). A shard costs `18 (gzip header and trailer) +
//!   cold start + ratio × its CSV bytes`. When shards are small, whole
//!   shards are sampled instead (and a short last shard is compressed
//!   exactly).
//! * **Parquet** (see the `parquet` module): exact mode writes each shard
//!   through the Parquet writer into a byte counter; sampled mode encodes a
//!   few whole row groups at their real positions, spread over the table,
//!   each as a one-row-group file, and adds up per shard: the footer of an
//!   empty file, its full row groups at the mean measured cost, and its short
//!   last row group encoded at a real position.

use super::store::StoreAcc;
use crate::gen::{Value, World};
use crate::model::{Provenance, Table};
use crate::plan::TablePlan;
use crate::write::{self, Counters, Format, FormatRows, RowWriter};
use std::io::{self, Write};
use std::ops::Range;

/// How much to render when sampling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sampling {
    /// Tables whose CSV is at most this many bytes (by a 64-row pilot) are
    /// rendered in full: their figure is exact.
    pub exact_below: u64,
    /// Runs for the CSV bytes per row, one from the middle of each stratum.
    pub csv_strata: u64,
    /// CSV bytes of each of those runs.
    pub csv_run_bytes: u64,
    /// Windows for the gzip ratio, one from the middle of each stratum.
    pub gz_strata: u64,
    /// Bytes before each window, given to deflate as its history (≥ its
    /// 32 KiB window), so that the window compresses as inside a stream.
    pub gz_warm_bytes: u64,
    /// Bytes of each window.
    pub gz_window_bytes: u64,
    /// Long runs that measure the cost of a stream's start and end.
    pub gz_long_runs: u64,
    /// Bytes of each long run after its warm-up.
    pub gz_long_bytes: u64,
    /// Whole Parquet row groups encoded, one from the middle of each stratum
    /// of the table's full row groups.
    pub pq_row_groups: u64,
    /// `Some(k)`: short last row groups are not encoded but fitted as a
    /// fixed part plus a part per row, through the first `k` rows of the
    /// first sampled full group and that whole group (the `parquet` module).
    /// Much cheaper when shards end in large short groups.
    pub pq_fit_rows: Option<u64>,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            exact_below: 2 << 20,
            csv_strata: 32,
            csv_run_bytes: 16 << 10,
            gz_strata: 32,
            gz_warm_bytes: 32 << 10,
            gz_window_bytes: 16 << 10,
            gz_long_runs: 2,
            gz_long_bytes: 256 << 10,
            pq_row_groups: 6,
            pq_fit_rows: None,
        }
    }
}

impl Sampling {
    /// The lighter settings of the check `generate` runs before writing
    /// (disk fit and the one-line estimate): fewer CSV and gzip strata, one
    /// whole Parquet row group a table instead of six, and short last groups
    /// fitted rather than encoded (docs/performance.md has its cost and
    /// error).
    pub fn preflight() -> Sampling {
        Sampling {
            exact_below: 256 << 10,
            csv_strata: 16,
            gz_strata: 16,
            gz_long_runs: 1,
            pq_row_groups: 1,
            pq_fit_rows: Some(8192),
            ..Sampling::default()
        }
    }
}

/// Exact or sampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Every row rendered through the real writer.
    Exact,
    /// Stratified sample.
    Sampled,
}

/// A table's bytes on disk.
#[derive(Clone, Debug, PartialEq)]
pub struct TableBytes {
    /// The header file (always plain CSV).
    pub header: u64,
    /// All shard files.
    pub data: u64,
    /// Uncompressed CSV bytes of all shards.
    pub csv: u64,
    /// How `data` was found.
    pub method: Method,
    /// Rows rendered to find it.
    pub rendered_rows: u64,
    /// Store costs of the rendered rows (not yet scaled).
    pub store: StoreAcc,
}

/// Counts the bytes written through it.
#[derive(Default)]
pub(super) struct Count(pub(super) u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A row writer that also adds every row to a [`StoreAcc`] and counts rows
/// (and, for writers that are not CSV, the row's CSV bytes).
struct Tap<'a, W> {
    inner: W,
    table: Table,
    provenance: Provenance,
    store: &'a mut StoreAcc,
    scratch: Vec<u8>,
    /// CSV bytes of the rows, when counted.
    csv: Option<u64>,
}

impl<W: RowWriter> RowWriter for Tap<'_, W> {
    type Inner = W::Inner;
    fn write_row(&mut self, row: &[Value<'_>]) -> io::Result<()> {
        self.store
            .add(self.table, self.provenance, row, &mut self.scratch);
        if let Some(n) = &mut self.csv {
            self.scratch.clear();
            write::csv::put_row(row, &mut self.scratch);
            *n += self.scratch.len() as u64;
        }
        self.inner.write_row(row)
    }
    fn finish(self) -> io::Result<W::Inner> {
        self.inner.finish()
    }
}

/// Collects rendered CSV and the byte offset after `split` rows.
pub(super) struct Collect {
    pub(super) buf: Vec<u8>,
    pub(super) rows: u64,
    split: u64,
    pub(super) split_at: usize,
}

impl RowWriter for Collect {
    type Inner = Collect;
    fn write_row(&mut self, row: &[Value<'_>]) -> io::Result<()> {
        write::csv::put_row(row, &mut self.buf);
        self.rows += 1;
        if self.rows == self.split {
            self.split_at = self.buf.len();
        }
        Ok(())
    }
    fn finish(self) -> io::Result<Collect> {
        Ok(self)
    }
}

fn tap<W>(inner: W, table: Table, p: Provenance, store: &mut StoreAcc) -> Tap<'_, W> {
    Tap {
        inner,
        table,
        provenance: p,
        store,
        scratch: Vec::new(),
        csv: None,
    }
}

/// The exact bytes of one shard file and its uncompressed CSV bytes, written
/// through the same writer stack as `generate` (CSV rows over a gzip
/// encoder) into a counter.
pub fn exact_shard(
    world: &World,
    table: Table,
    rows: Range<u64>,
    format: Format,
    store: &mut StoreAcc,
) -> io::Result<(u64, u64)> {
    let counters = Counters::default();
    let p = world.provenance();
    let mut w = tap(
        FormatRows::new(format, table, (p, world.ids()), Count::default())?,
        table,
        p,
        store,
    );
    // Parquet renders no CSV: the tap renders it to count.
    if format.is_parquet() {
        w.csv = Some(0);
    }
    write::fill(world, table, rows, &mut w, &counters)?;
    let csv = w.csv.or(w.inner.csv_bytes()).unwrap_or(0);
    Ok((w.finish()?.0, csv))
}

/// Renders rows `range`, noting where the first `split` rows end.
pub(super) fn collect(
    world: &World,
    table: Table,
    range: Range<u64>,
    split: u64,
    store: &mut StoreAcc,
) -> io::Result<Collect> {
    let mut w = tap(
        Collect {
            buf: Vec::new(),
            rows: 0,
            split,
            split_at: 0,
        },
        table,
        world.provenance(),
        store,
    );
    write::fill(world, table, range, &mut w, &Counters::default())?;
    w.finish()
}

/// The average CSV bytes per row over up to 64 rows spread over the table.
fn pilot(world: &World, table: Table, rows: u64) -> f64 {
    let n = rows.min(64);
    if n == 0 {
        return 0.0;
    }
    let mut store = StoreAcc::default();
    let mut bytes = 0usize;
    for s in 0..n {
        let i = crate::cast::narrow(u128::from(s) * u128::from(rows) / u128::from(n));
        if let Ok(c) = collect(world, table, i..i + 1, 0, &mut store) {
            bytes += c.buf.len();
        }
    }
    bytes as f64 / n as f64
}

/// Midpoint positions of `k` runs of `run` rows over `0..n`.
pub(super) fn runs(n: u64, k: u64, run: u64) -> Vec<Range<u64>> {
    (0..k)
        .map(|s| {
            let lo = s * n / k;
            let hi = (s + 1) * n / k;
            let start = lo + (hi - lo).saturating_sub(run) / 2;
            start..(start + run).min(n)
        })
        .collect()
}

/// The bytes on disk of one table of the plan.
pub fn table_bytes(
    world: &World,
    tp: &TablePlan,
    format: Format,
    cfg: &Sampling,
) -> io::Result<TableBytes> {
    let table = tp.table;
    let header = write::csv::header_line(&world.header_cells(table)).len() as u64;
    let mut store = StoreAcc::default();
    let per_row = pilot(world, table, tp.rows).max(1.0);
    let sampling_is_whole = match format {
        Format::Parquet { row_group_rows, .. } => {
            super::parquet::sample_rows(tp, row_group_rows, cfg) >= tp.rows
        }
        Format::Csv | Format::CsvGz { .. } => false,
    };
    if sampling_is_whole || per_row * tp.rows as f64 <= cfg.exact_below as f64 {
        let (mut data, mut csv) = (0, 0);
        for s in &tp.shards {
            let (d, c) = exact_shard(world, table, s.rows.clone(), format, &mut store)?;
            data += d;
            csv += c;
        }
        return Ok(TableBytes {
            header,
            data,
            csv,
            method: Method::Exact,
            rendered_rows: tp.rows,
            store,
        });
    }

    // CSV bytes per row: short runs from the middle of many strata.
    let per_run = crate::cast::whole((cfg.csv_run_bytes as f64 / per_row).ceil()).max(1);
    let (mut rows, mut bytes) = (0u64, 0u64);
    for range in runs(tp.rows, cfg.csv_strata.clamp(1, tp.rows), per_run) {
        rows += range.end - range.start;
        bytes += collect(world, table, range, 0, &mut store)?.buf.len() as u64;
    }
    let mean = bytes as f64 / rows.max(1) as f64;
    let csv = crate::cast::whole((mean * tp.rows as f64).round());
    let mut rendered_rows = rows;
    let data = match format {
        Format::Csv => csv,
        Format::CsvGz { level } => {
            let gz = super::gzip::shards(world, tp, level, mean, cfg, &mut rendered_rows)?;
            crate::cast::whole(gz.round())
        }
        Format::Parquet {
            codec,
            row_group_rows,
        } => super::parquet::shards(world, tp, codec, row_group_rows, cfg, &mut rendered_rows)?,
    };
    Ok(TableBytes {
        header,
        data,
        csv,
        method: Method::Sampled,
        rendered_rows: rendered_rows.min(tp.rows),
        store,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeKind;
    use crate::plan::{Plan, ShardSize};
    use crate::profile::Profile;
    use flate2::Compression;

    fn exact(world: &World, tp: &TablePlan, format: Format) -> u64 {
        let mut st = StoreAcc::default();
        tp.shards
            .iter()
            .map(|s| {
                exact_shard(world, tp.table, s.rows.clone(), format, &mut st)
                    .unwrap()
                    .0
            })
            .sum()
    }

    fn forced() -> Sampling {
        Sampling {
            exact_below: 0,
            ..Sampling::default()
        }
    }

    #[test]
    fn history_makes_a_window_cheaper() {
        let w = World::new(&Profile::load("medium").unwrap());
        let csv = write::render_csv(&w, Table::Node(NodeKind::Event), 0..1700);
        let (h, win) = csv.split_at(64 << 10);
        let cold = super::super::gzip::deflate_after(6, &[], win).unwrap();
        let warm = super::super::gzip::deflate_after(6, &h[h.len() - (32 << 10)..], win).unwrap();
        assert!(warm < cold, "{warm} vs {cold}");
        // Without history the length is that of an ordinary raw stream (to
        // within 0.2%: zlib-rs's block boundaries depend a little on how
        // the streaming writer hands it input and output space).
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Compression::new(6));
        e.write_all(win).unwrap();
        let raw = e.finish().unwrap().len() as u64;
        assert!(cold.abs_diff(raw) * 500 <= raw, "{cold} vs {raw}");
    }

    #[test]
    fn exact_mode_matches_the_writer() {
        let w = World::new(&Profile::load("tiny").unwrap());
        for format in [Format::Csv, Format::CsvGz { level: 6 }] {
            let plan = Plan::new(&w, format, ShardSize::Rows(7));
            for tp in &plan.tables {
                let tb = table_bytes(&w, tp, format, &Sampling::default()).unwrap();
                assert_eq!(tb.method, Method::Exact);
                let want: u64 = tp
                    .shards
                    .iter()
                    .map(|s| {
                        let csv = write::render_csv(&w, tp.table, s.rows.clone());
                        match format {
                            Format::Csv => csv.len() as u64,
                            Format::CsvGz { level } => {
                                let mut g = flate2::GzBuilder::new()
                                    .mtime(0)
                                    .write(Vec::new(), Compression::new(level));
                                g.write_all(&csv).unwrap();
                                g.finish().unwrap().len() as u64
                            }
                            Format::Parquet { .. } => unreachable!("CSV formats only here"),
                        }
                    })
                    .sum();
                assert_eq!(tb.data, want, "{}", tp.table);
                assert_eq!(tb.store.rows, tp.rows);
            }
        }
    }

    /// Estimates every table of `medium` in `format` with sampling forced
    /// and asserts the total, and every table over 200 kB, within 2 % of the
    /// exact figure. `all_sampled`: no table may fall back to exact mode.
    fn assert_sampling_close(w: &World, format: Format, shard_rows: u64, all_sampled: bool) {
        let plan = Plan::new(w, format, ShardSize::Rows(shard_rows));
        let (mut est, mut act) = (0u64, 0u64);
        for tp in &plan.tables {
            let tb = table_bytes(w, tp, format, &forced()).unwrap();
            if all_sampled {
                assert_eq!(tb.method, Method::Sampled);
            }
            let want = exact(w, tp, format);
            est += tb.data;
            act += want;
            if want > 200_000 {
                let err = tb.data as f64 / want as f64 - 1.0;
                assert!(
                    err.abs() < 0.02,
                    "{} {format:?} shards of {shard_rows}: {} vs {want} ({:+.2}%)",
                    tp.table,
                    tb.data,
                    err * 100.0
                );
            }
        }
        let err = est as f64 / act as f64 - 1.0;
        assert!(err.abs() < 0.02, "{format:?}: {est} vs {act}");
    }

    /// Sampling forced on every table of `medium` stays within 2 % of the
    /// exact figure, for big and small shards.
    #[test]
    fn sampling_is_within_two_percent() {
        let w = World::new(&Profile::load("medium").unwrap());
        for (format, shard_rows) in [
            (Format::Csv, 1_000_000),
            (Format::CsvGz { level: 1 }, 1_000_000),
            (Format::CsvGz { level: 6 }, 1_000_000),
            (Format::CsvGz { level: 6 }, 300),
        ] {
            assert_sampling_close(&w, format, shard_rows, true);
        }
    }

    fn parquet(codec: &str, row_group_rows: u64) -> Format {
        Format::Parquet {
            codec: codec.parse().unwrap(),
            row_group_rows,
        }
    }

    /// Exact Parquet figures equal the files `generate`'s shard writer puts
    /// on disk.
    #[test]
    fn exact_parquet_matches_the_files() {
        let w = World::new(&Profile::load("tiny").unwrap());
        let dir = tempfile::tempdir().unwrap();
        for format in [parquet("snappy", 5), parquet("zstd:3", 1000)] {
            let plan = Plan::new(&w, format, ShardSize::Rows(7));
            for tp in &plan.tables {
                let tb = table_bytes(&w, tp, format, &Sampling::default()).unwrap();
                assert_eq!(tb.method, Method::Exact);
                std::fs::create_dir_all(dir.path().join(tp.table.dir())).unwrap();
                let on_disk: u64 = tp
                    .shards
                    .iter()
                    .map(|s| {
                        let c = Counters::default();
                        write::write_shard(
                            &w,
                            tp.table,
                            s.rows.clone(),
                            dir.path(),
                            &s.path,
                            (format, false),
                            &c,
                        )
                        .unwrap()
                        .bytes
                    })
                    .sum();
                assert_eq!(tb.data, on_disk, "{} {format:?}", tp.table);
                let csv: u64 = tp
                    .shards
                    .iter()
                    .map(|s| write::render_csv(&w, tp.table, s.rows.clone()).len() as u64)
                    .sum();
                assert_eq!(tb.csv, csv, "{}", tp.table);
                assert_eq!(tb.store.rows, tp.rows);
            }
        }
    }

    /// Parquet sampling forced on every table of `medium` stays within 2 % of
    /// the exact figure, with shards of many row groups and of one short one
    /// (tables that sampling would encode whole are exact).
    #[test]
    fn parquet_sampling_is_within_two_percent() {
        let w = World::new(&Profile::load("medium").unwrap());
        for (format, shard_rows) in [
            (parquet("snappy", 1000), 4500),
            (parquet("zstd:3", 800), 1_000_000),
            (parquet("snappy", 122_880), 7000),
        ] {
            assert_sampling_close(&w, format, shard_rows, false);
        }
    }

    #[test]
    fn runs_cover_the_middle_of_each_stratum() {
        assert_eq!(runs(100, 4, 10), vec![7..17, 32..42, 57..67, 82..92]);
        // Runs longer than a stratum are clipped to the table.
        assert_eq!(runs(10, 2, 20), vec![0..10, 5..10]);
        let w = World::new(&Profile::load("tiny").unwrap());
        assert!(pilot(&w, Table::Node(NodeKind::Server), 24) > 50.0);
    }
}
