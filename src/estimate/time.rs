//! Time estimates: generation on this machine from a calibration sample, and
//! `neo4j-admin database import` from published throughput figures.

use crate::gen::World;
use crate::model::{Ids, Table};
use crate::plan::Plan;
use crate::write::{self, Counters, Format, RowWriter};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::time::{Duration, Instant};

/// Seconds per row of each table, measured in this process on one thread.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Calibration {
    /// (table, seconds per row generating, rendering and compressing).
    pub per_row: Vec<(Table, f64)>,
    /// Rows timed in all (each measured run three times).
    pub rows: u64,
    /// Wall time of the calibration.
    pub seconds: f64,
}

impl Calibration {
    /// Seconds per row of `t` (0 when not measured).
    pub fn of(&self, t: Table) -> f64 {
        self.per_row
            .iter()
            .find(|(x, _)| *x == t)
            .map_or(0.0, |&(_, s)| s)
    }
}

/// Renders (for gzip also compresses, for Parquet encodes) rows `range` of `table` into a sink.
fn run(world: &World, table: Table, range: std::ops::Range<u64>, format: Format) -> io::Result<()> {
    let counters = Counters::default();
    let mut w =
        write::FormatRows::new(format, table, (world.provenance(), world.ids()), io::sink())?;
    write::fill(world, table, range, &mut w, &counters)?;
    w.finish()?;
    Ok(())
}

/// Times generating, rendering and (for gzip) compressing rows from the
/// middle of each table of the plan, on this thread: `rows` rows at first,
/// doubled until one run takes `min_time` (at most 64 × `rows`); that run
/// is then repeated twice more and the median taken, which damps other
/// processes' load on a shared machine.
pub fn calibrate(
    world: &World,
    plan: &Plan,
    rows: u64,
    min_time: Duration,
) -> io::Result<Calibration> {
    let started = Instant::now();
    let mut per_row = Vec::new();
    let mut total = 0;
    for tp in &plan.tables {
        let mut n = rows.clamp(1, tp.rows.max(1));
        loop {
            let start = (tp.rows - n) / 2;
            let t0 = Instant::now();
            run(world, tp.table, start..start + n, plan.format)?;
            let took = t0.elapsed();
            if took >= min_time || n >= tp.rows || n >= rows * 64 {
                let mut times = vec![took.as_secs_f64()];
                for _ in 0..2 {
                    let t0 = Instant::now();
                    run(world, tp.table, start..start + n, plan.format)?;
                    times.push(t0.elapsed().as_secs_f64());
                }
                times.sort_by(f64::total_cmp);
                total += 3 * n;
                per_row.push((tp.table, times[1] / n as f64));
                break;
            }
            n = (n * 2).min(tp.rows);
        }
    }
    Ok(Calibration {
        per_row,
        rows: total,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The disk write bandwidth the generation time assumes unless told
/// otherwise: 1 GiB/s, a local NVMe SSD's sustained sequential writes.
/// Network volumes and SATA disks are slower (pass `--disk-write-speed`).
pub const DEFAULT_DISK_WRITE_BYTES_PER_SECOND: u64 = 1 << 30;

/// Which limit sets the generation time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// Generating, rendering and compressing rows on the threads.
    Cpu,
    /// Writing the bytes at the disk's bandwidth.
    Disk,
}

impl Bound {
    /// `CPU` or `disk`, as the text output says it.
    pub fn label(self) -> &'static str {
        match self {
            Bound::Cpu => "CPU",
            Bound::Disk => "disk",
        }
    }
}

/// Generation time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GenerateTime {
    /// Estimated wall time: world set-up plus the slower of the shards
    /// scheduled largest first over the threads and writing the bytes at
    /// `disk_bytes_per_second`.
    pub seconds: f64,
    /// Which of the two sets `seconds`.
    pub bound: Bound,
    /// Threads assumed.
    pub threads: usize,
    /// CPU time of all shards.
    pub cpu_seconds: f64,
    /// Wall time if the disk kept up: world set-up plus the shards' makespan.
    pub cpu_bound_seconds: f64,
    /// Seconds to write the bundle's bytes at `disk_bytes_per_second`.
    pub disk_seconds: f64,
    /// The disk write bandwidth assumed (bytes per second).
    pub disk_bytes_per_second: u64,
    /// Measured time to build the world (counts, partitions, degree totals).
    pub world_seconds: f64,
    /// Rows timed for the calibration.
    pub calibration_rows: u64,
    /// Bytes per second the threads would produce if the disk kept up (a
    /// disk slower than this makes the run disk-bound).
    pub write_bytes_per_second: f64,
    /// Always "calibrated on this machine": the figure depends on the build,
    /// the machine and its load at the time.
    pub basis: String,
}

/// The makespan of `jobs` (seconds each) on `threads` workers, largest
/// first, each to the least-loaded worker (as the runner's rayon pool does).
pub fn makespan(mut jobs: Vec<f64>, threads: usize) -> f64 {
    jobs.sort_by(|a, b| b.total_cmp(a));
    let mut heap: BinaryHeap<Reverse<u64>> = (0..threads.max(1)).map(|_| Reverse(0)).collect();
    // Nanosecond integers keep the heap ordering total.
    for j in jobs {
        if let Some(Reverse(t)) = heap.pop() {
            heap.push(Reverse(t + crate::cast::whole(j * 1e9)));
        }
    }
    heap.into_iter().map(|Reverse(t)| t).max().unwrap_or(0) as f64 / 1e9
}

/// Generation time of `plan` with `threads` threads writing `bytes` to a disk
/// that takes `disk_bytes_per_second`: the CPU work and the writes overlap,
/// so the slower of the two sets the time.
pub fn generate_time(
    plan: &Plan,
    cal: &Calibration,
    threads: usize,
    world_seconds: f64,
    (bytes, disk_bytes_per_second): (u64, u64),
) -> GenerateTime {
    let jobs: Vec<f64> = plan
        .shards()
        .map(|s| (s.rows.end - s.rows.start) as f64 * cal.of(s.table))
        .collect();
    let cpu: f64 = jobs.iter().sum();
    let makespan = makespan(jobs, threads);
    let disk_seconds = bytes as f64 / disk_bytes_per_second.max(1) as f64;
    let bound = if disk_seconds > makespan {
        Bound::Disk
    } else {
        Bound::Cpu
    };
    GenerateTime {
        seconds: world_seconds + makespan.max(disk_seconds),
        bound,
        threads,
        cpu_seconds: cpu,
        cpu_bound_seconds: world_seconds + makespan,
        disk_seconds,
        disk_bytes_per_second,
        world_seconds,
        calibration_rows: cal.rows,
        write_bytes_per_second: bytes as f64 / makespan.max(1e-9),
        basis: "calibrated on this machine".to_string(),
    }
}

/// A published import throughput (../shared/neo4j-import-spec.md §3.6).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Throughput {
    /// What was measured.
    pub what: &'static str,
    /// Where it comes from.
    pub source: &'static str,
    /// Estimated seconds for this data at that pace.
    pub seconds: f64,
}

/// Import time: a rough range from published figures, not a measurement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportTime {
    /// The typical figure.
    pub seconds: f64,
    /// Fastest published pace.
    pub seconds_low: f64,
    /// Slowest published pace.
    pub seconds_high: f64,
    /// The figures used.
    pub sources: Vec<Throughput>,
    /// The factor the published paces were scaled by for this data's
    /// property store ([`property_scale`]).
    pub property_scale: f64,
    /// The factor for the id mode ([`id_scale`]): 1 for string ids.
    pub id_scale: f64,
    /// Always "rough estimate from published throughput".
    pub basis: String,
}

/// An entity's fixed import cost, in property-store bytes it weighs as:
/// fitted to enterprise imported by neo4j-admin 5.26 with and without the
/// provenance columns (1.32 GB and 0.56 GB of estimated property, string and
/// array stores; 35.2 s and 26.8 s; benches/results/provenance-2026-12-05.md).
const ENTITY_IMPORT_BYTES: f64 = 440.0;

/// The property-store bytes per entity the published paces are taken to
/// hold: enterprise with every provenance column (309 B).
const PUBLISHED_PROPERTY_BYTES: f64 = 309.0;

/// How much longer (or shorter) than the published paces an import of
/// `entities` entities with `property_bytes` bytes of property, string and
/// array stores takes: writing those stores is part of each stage.
pub fn property_scale(entities: u64, property_bytes: u64) -> f64 {
    if entities == 0 {
        return 1.0;
    }
    let per_entity = property_bytes as f64 / entities as f64;
    (ENTITY_IMPORT_BYTES + per_entity) / (ENTITY_IMPORT_BYTES + PUBLISHED_PROPERTY_BYTES)
}

/// How much faster neo4j-admin imports integer ids than string ids (the
/// published paces are taken to be string ids): the median of six paired
/// imports of enterprise, integer over string, neo4j-admin 5.26.30
/// (benches/results/ids-2026-12-06.md).
const INTEGER_ID_SCALE: f64 = 0.82;

/// The import-time factor of an id mode.
pub fn id_scale(ids: Ids) -> f64 {
    match ids {
        Ids::String => 1.0,
        Ids::Integer => INTEGER_ID_SCALE,
    }
}

/// Import time of `nodes` nodes and `rels` relationships whose property,
/// string and array stores take `property_bytes` bytes, identified by `ids`.
pub fn import_time(nodes: u64, rels: u64, property_bytes: u64, ids: Ids) -> ImportTime {
    let (n, r) = (nodes as f64, rels as f64);
    let scale = property_scale(nodes + rels, property_bytes) * id_scale(ids);
    // 22.3 M nodes in 71 s and 94.4 M relationships in 31 s (52 threads).
    let fast = scale * (n / (22.3e6 / 71.0) + r / (94.4e6 / 31.0));
    // 400 M nodes + 1 G relationships in about 2 h.
    let typical = scale * (n + r) / (1.4e9 / 7200.0);
    // LDBC SF100: 287.9 M nodes + 2.095 G relationships in 5 h 59 m.
    let slow = scale * (n + r) / (2.3829e9 / 21_540.0);
    ImportTime {
        seconds: typical,
        seconds_low: fast,
        seconds_high: slow,
        sources: vec![
            Throughput {
                what: "22.3 M nodes in 71 s (node stage), 94.4 M relationships in 31 s (relationship stage); 52 threads, 2026",
                source: "https://github.com/alibaba/neug/issues/72",
                seconds: fast,
            },
            Throughput {
                what: "400 M nodes and 1 G relationships in about 2 h, 2023",
                source: "https://opencredo.com/blogs/ingesting-big-data-into-neo4j-part-3/",
                seconds: typical,
            },
            Throughput {
                what: "LDBC SNB SF100, 287.9 M nodes and 2.095 G relationships in 5 h 59 m, PCIe SSD, 2016",
                source: "https://github.com/neo4j/neo4j/pull/7790",
                seconds: slow,
            },
        ],
        property_scale: scale / id_scale(ids),
        id_scale: id_scale(ids),
        basis: match ids {
            Ids::String => "rough estimate from published throughput, scaled by the property store",
            Ids::Integer => {
                "rough estimate from published throughput, scaled by the property store and integer ids"
            }
        }
        .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makespan_schedules_largest_first() {
        assert_eq!(makespan(vec![], 4), 0.0);
        assert!((makespan(vec![3.0, 3.0, 2.0, 2.0, 2.0], 2) - 7.0).abs() < 1e-6);
        assert!((makespan(vec![5.0, 1.0, 1.0], 8) - 5.0).abs() < 1e-6);
        assert!((makespan(vec![1.0; 10], 1) - 10.0).abs() < 1e-6);
    }

    #[test]
    fn import_time_orders_its_range() {
        let e = 1_400_000_000;
        let t = import_time(400_000_000, 1_000_000_000, 309 * e, Ids::String);
        assert!((t.seconds - 7200.0).abs() < 1.0);
        let i = import_time(400_000_000, 1_000_000_000, 309 * e, Ids::Integer);
        assert!((i.seconds / t.seconds - INTEGER_ID_SCALE).abs() < 1e-9);
        assert!(i.seconds < t.seconds && i.id_scale < 1.0);
        assert!(t.seconds_low < t.seconds && t.seconds < t.seconds_high);
        assert_eq!(t.sources.len(), 3);
    }

    #[test]
    fn the_property_scale_reproduces_the_measured_imports() {
        // Enterprise: 4.29 M entities, 0.556 GB and 1.324 GB of property
        // stores; neo4j-admin took 26.8 s and 35.2 s.
        let e = 4_294_000;
        let ratio = property_scale(e, 556_000_000) / property_scale(e, 1_324_000_000);
        assert!((ratio - 26.8 / 35.2).abs() < 0.01, "{ratio}");
        assert!((property_scale(e, 309 * e) - 1.0).abs() < 1e-9);
        assert_eq!(property_scale(0, 0), 1.0);
    }

    #[test]
    fn calibration_measures_every_table() {
        let w = World::new(&crate::profile::Profile::load("tiny").unwrap());
        let plan = Plan::new(
            &w,
            crate::write::Format::CsvGz { level: 1 },
            crate::plan::ShardSize::Rows(10),
        );
        let c = calibrate(&w, &plan, 100, Duration::from_millis(1)).unwrap();
        assert_eq!(c.per_row.len(), plan.tables.len());
        assert!(c.per_row.iter().all(|&(_, s)| s > 0.0));
        let pq = Plan::new(
            &w,
            crate::write::Format::Parquet {
                codec: crate::write::parquet::Codec::Snappy,
                row_group_rows: 50,
            },
            crate::plan::ShardSize::Rows(10),
        );
        let p = calibrate(&w, &pq, 100, Duration::from_millis(1)).unwrap();
        assert_eq!(p.per_row.len(), pq.tables.len());
        assert!(p.per_row.iter().all(|&(_, s)| s > 0.0));
        let g = generate_time(
            &plan,
            &c,
            2,
            0.0,
            (1000, DEFAULT_DISK_WRITE_BYTES_PER_SECOND),
        );
        assert!(g.seconds > 0.0 && g.cpu_seconds >= g.seconds / 2.0 - 1e-9);
        assert_eq!(g.bound, Bound::Cpu);
    }
}
