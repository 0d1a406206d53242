//! Capacity planning before any byte is written: rows, bytes on disk, free
//! space, Neo4j store size, memory and time, for a [`World`] and its
//! [`Plan`]. docs/capacity-planning.md says how each figure is computed and
//! how far off it can be.
//!
//! Everything here is computation: the caller passes in what needs the
//! machine (free space, RAM, a timing calibration), so the same inputs give
//! the same estimate (apart from the calibrated generation time).
//!
//! * [`bytes`]: bytes per table from real rendered rows (exact or sampled),
//!   with the gzip model in `gzip`.
//! * [`store`]: record- and block-format store sizes and limits.
//! * [`memory`]: import and server memory advice.
//! * [`time`]: generation time (calibrated) and import time (published).
//! * [`render`]: the estimate as text.

pub mod bytes;
mod gzip;
pub mod memory;
mod parquet;
mod preflight;
pub mod render;
mod short_string;
pub mod store;
pub mod time;

use crate::gen::World;
use crate::model::Table;
use crate::plan::{Plan, ShardSize};
use crate::write::Format;
use bytes::{Method, Sampling};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io;
use store::StoreAcc;

pub use preflight::preflight;

/// The `schema` value of the JSON form; bumped on any incompatible change.
pub const SCHEMA: &str = "cmdbgen-estimate/1";
/// The stated error of the byte estimate (tests hold it to this).
pub const BYTES_ERROR: f64 = 0.02;

/// What the estimate needs from the machine.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// Free space of the target folder's file system.
    pub disk: Disk,
    /// RAM to plan memory for, and where that figure came from.
    pub ram_bytes: u64,
    /// `--ram`, `/proc/meminfo` or `assumed`.
    pub ram_source: String,
    /// Threads `generate` would use.
    pub threads: usize,
    /// Timing calibration; `None` leaves the generation time out.
    pub calibration: Option<time::Calibration>,
    /// The disk write bandwidth (bytes per second) that caps the generation
    /// time; [`time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND`] unless told.
    pub disk_write_bytes_per_second: u64,
    /// Measured time to build the world.
    pub world_seconds: f64,
    /// Sampling settings.
    pub sampling: Sampling,
}

/// Free space where the bundle goes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Disk {
    /// The target folder as given.
    pub path: String,
    /// The existing folder whose file system was asked (the target or its
    /// nearest existing ancestor).
    pub checked_path: String,
    /// Free bytes for unprivileged users; `None` when unknown.
    pub free_bytes: Option<u64>,
    /// `statvfs`, `CMDBGEN_FAKE_FREE_BYTES` (test hook) or `unknown`.
    pub free_source: String,
    /// Bytes of cmdbgen data files already in the target (an earlier or
    /// interrupted run), which the new files replace.
    pub reusable_bytes: u64,
}

/// The estimate. Its JSON form is documented in docs/capacity-planning.md.
#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The profile.
    pub profile: ProfileInfo,
    /// The format.
    pub format: FormatInfo,
    /// Shard sizing, as `{"rows": n}` or `{"bytes": n}`.
    pub shard_size: ShardSize,
    /// Exact row counts.
    pub rows: Rows,
    /// Per table, nodes first.
    pub tables: Vec<TableEstimate>,
    /// The whole bundle.
    pub bundle: Bundle,
    /// Free space and whether the bundle fits.
    pub disk: DiskCheck,
    /// The Neo4j store after import.
    pub neo4j: Neo4j,
    /// Memory advice.
    pub memory: Memory,
    /// Time estimates.
    pub time: Time,
}

/// Profile name and seed.
#[derive(Clone, Debug, Serialize)]
pub struct ProfileInfo {
    /// Name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// The provenance columns estimated: `source-only` or `full`.
    pub provenance: crate::model::Provenance,
    /// The id mode estimated (`--ids`): `string` or `integer`.
    pub ids: crate::model::Ids,
}

/// The output format.
#[derive(Clone, Debug, Serialize)]
pub struct FormatInfo {
    /// `csv`, `csv-gz` or `parquet`.
    pub name: String,
    /// The gzip level (csv-gz only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gzip_level: Option<u32>,
    /// The Parquet codec, as `--parquet-codec` takes it (parquet only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parquet_codec: Option<crate::write::parquet::Codec>,
    /// Rows per Parquet row group (parquet only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_group_rows: Option<u64>,
}

/// Exact row counts.
#[derive(Clone, Debug, Serialize)]
pub struct Rows {
    /// Nodes.
    pub nodes: u64,
    /// Relationships.
    pub relationships: u64,
    /// Both.
    pub total: u64,
    /// Nodes per kind.
    pub node_kinds: BTreeMap<String, u64>,
    /// Relationships per type (summed over start and end kinds).
    pub relationship_types: BTreeMap<String, u64>,
}

/// One table.
#[derive(Clone, Debug, Serialize)]
pub struct TableEstimate {
    /// `Server` or `Server-HOSTED_IN-DataCenter`.
    pub name: String,
    /// `node` or `relationship`.
    pub kind: &'static str,
    /// Folder in the bundle.
    pub dir: String,
    /// Exact rows.
    pub rows: u64,
    /// Exact shard files.
    pub shards: u64,
    /// Exact files (header + shards).
    pub files: u64,
    /// Exact header bytes.
    pub header_bytes: u64,
    /// Shard bytes on disk.
    pub data_bytes: u64,
    /// Header + shards.
    pub bytes: u64,
    /// Uncompressed CSV bytes of the shards.
    pub csv_bytes: u64,
    /// `exact` or `sampled`.
    pub method: Method,
    /// Rows rendered to find the bytes.
    pub rendered_rows: u64,
}

/// The whole bundle's files (headers and shards; not the manifest and
/// scripts, a few KB).
#[derive(Clone, Debug, Serialize)]
pub struct Bundle {
    /// Exact file count.
    pub files: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// `bytes` minus the stated error.
    pub bytes_low: u64,
    /// `bytes` plus the stated error.
    pub bytes_high: u64,
    /// Uncompressed CSV bytes.
    pub csv_bytes: u64,
    /// The stated relative error ([`BYTES_ERROR`]).
    pub error: f64,
    /// Tables whose figure is exact.
    pub exact_tables: u64,
    /// Tables whose figure is sampled.
    pub sampled_tables: u64,
}

/// Free space check.
#[derive(Clone, Debug, Serialize)]
pub struct DiskCheck {
    /// Where the space was looked up.
    #[serde(flatten)]
    pub disk: Disk,
    /// Bytes the run needs: (bundle − reusable) × (1 + error).
    pub needed_bytes: u64,
    /// Whether `needed_bytes` ≤ free; `None` when free space is unknown.
    pub fits: Option<bool>,
}

/// The store after import.
#[derive(Clone, Debug, Serialize)]
pub struct Neo4j {
    /// Record format (aligned), with indexes.
    pub record_format: store::RecordStore,
    /// Block format, a range.
    pub block_format: store::BlockStore,
    /// Record-format limits.
    pub limits: Limits,
}

/// Record-format limits.
#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    /// No limit exceeded.
    pub record_format_ok: bool,
    /// The limits exceeded.
    pub exceeded: Vec<String>,
    /// `--format=block` (Enterprise) is required.
    pub block_format_required: bool,
}

/// Memory advice.
#[derive(Clone, Debug, Serialize)]
pub struct Memory {
    /// RAM planned for.
    pub ram_bytes: u64,
    /// Where it came from.
    pub ram_source: String,
    /// For neo4j-admin import.
    pub import: memory::ImportMemory,
    /// For the server afterwards.
    pub server: memory::ServerMemory,
}

/// Time estimates.
#[derive(Clone, Debug, Serialize)]
pub struct Time {
    /// Generation; `null` when not calibrated.
    pub generate: Option<time::GenerateTime>,
    /// neo4j-admin import.
    pub import: time::ImportTime,
}

fn format_info(f: Format) -> FormatInfo {
    match f {
        Format::Csv => FormatInfo {
            name: "csv".into(),
            gzip_level: None,
            parquet_codec: None,
            row_group_rows: None,
        },
        Format::CsvGz { level } => FormatInfo {
            name: "csv-gz".into(),
            gzip_level: Some(level),
            parquet_codec: None,
            row_group_rows: None,
        },
        Format::Parquet {
            codec,
            row_group_rows,
        } => FormatInfo {
            name: "parquet".into(),
            gzip_level: None,
            parquet_codec: Some(codec),
            row_group_rows: Some(row_group_rows),
        },
    }
}

/// Estimates everything for `plan` of `world`.
pub fn estimate(
    world: &World,
    plan: &Plan,
    shard_size: ShardSize,
    inputs: &Inputs,
) -> io::Result<Estimate> {
    let measured: Vec<bytes::TableBytes> = plan
        .tables
        .par_iter()
        .map(|tp| bytes::table_bytes(world, tp, plan.format, &inputs.sampling))
        .collect::<io::Result<_>>()?;
    let (tables, rows, node_acc, rel_acc) = per_table(plan, &measured);
    let bundle = bundle_of(&tables);
    let total = bundle.bytes;
    let needed = crate::cast::whole(
        (total.saturating_sub(inputs.disk.reusable_bytes) as f64 * (1.0 + BYTES_ERROR)).ceil(),
    );
    let disk = DiskCheck {
        fits: inputs.disk.free_bytes.map(|f| needed <= f),
        needed_bytes: needed,
        disk: inputs.disk.clone(),
    };
    let neo4j = neo4j_store(&rows, &node_acc, &rel_acc);
    let store_bytes = if neo4j.limits.block_format_required {
        neo4j.block_format.bytes
    } else {
        neo4j.record_format.total_bytes
    };
    let memory = Memory {
        ram_bytes: inputs.ram_bytes,
        ram_source: inputs.ram_source.clone(),
        import: memory::import_memory(rows.nodes, rows.relationships, inputs.ram_bytes),
        server: memory::server_memory(store_bytes, inputs.ram_bytes),
    };
    let time = Time {
        generate: inputs.calibration.as_ref().map(|c| {
            let disk = (total, inputs.disk_write_bytes_per_second);
            time::generate_time(plan, c, inputs.threads, inputs.world_seconds, disk)
        }),
        import: time::import_time(
            rows.nodes,
            rows.relationships,
            neo4j.record_format.properties_bytes
                + neo4j.record_format.strings_bytes
                + neo4j.record_format.arrays_bytes,
            world.ids(),
        ),
    };
    let profile = world.profile();
    Ok(Estimate {
        schema: SCHEMA,
        profile: ProfileInfo {
            name: profile.name.clone(),
            seed: profile.seed,
            provenance: world.provenance(),
            ids: world.ids(),
        },
        format: format_info(plan.format),
        shard_size,
        rows,
        tables,
        bundle,
        disk,
        neo4j,
        memory,
        time,
    })
}

/// Each table's estimate from its measured bytes, the exact row counts per
/// kind and type, and the store accumulators of nodes and relationships.
fn per_table(
    plan: &Plan,
    measured: &[bytes::TableBytes],
) -> (Vec<TableEstimate>, Rows, StoreAcc, StoreAcc) {
    let mut tables = Vec::new();
    let mut rows = Rows {
        nodes: plan.nodes(),
        relationships: plan.relationships(),
        total: plan.nodes() + plan.relationships(),
        node_kinds: BTreeMap::new(),
        relationship_types: BTreeMap::new(),
    };
    let (mut node_acc, mut rel_acc) = (StoreAcc::default(), StoreAcc::default());
    for (tp, tb) in plan.tables.iter().zip(measured) {
        let scaled = tb.store.scaled(tp.rows);
        let kind = match tp.table {
            Table::Node(k) => {
                node_acc.merge(&scaled);
                *rows.node_kinds.entry(k.name().to_string()).or_default() += tp.rows;
                "node"
            }
            Table::Rel(r) => {
                rel_acc.merge(&scaled);
                *rows
                    .relationship_types
                    .entry(r.spec().rel_type.to_string())
                    .or_default() += tp.rows;
                "relationship"
            }
        };
        let shards = tp.shards.len() as u64;
        tables.push(TableEstimate {
            name: tp.table.name(),
            kind,
            dir: tp.table.dir(),
            rows: tp.rows,
            shards,
            files: shards + 1,
            header_bytes: tb.header,
            data_bytes: tb.data,
            bytes: tb.header + tb.data,
            csv_bytes: tb.csv,
            method: tb.method,
            rendered_rows: tb.rendered_rows,
        });
    }
    (tables, rows, node_acc, rel_acc)
}

/// The whole bundle: files, bytes with their stated error, CSV bytes and
/// how many tables were exact or sampled.
fn bundle_of(tables: &[TableEstimate]) -> Bundle {
    let total: u64 = tables.iter().map(|t| t.bytes).sum();
    let err = |f: f64| crate::cast::whole((total as f64 * f).round());
    Bundle {
        files: tables.iter().map(|t| t.files).sum(),
        bytes: total,
        bytes_low: total - err(BYTES_ERROR),
        bytes_high: total + err(BYTES_ERROR),
        csv_bytes: tables.iter().map(|t| t.csv_bytes + t.header_bytes).sum(),
        error: BYTES_ERROR,
        exact_tables: tables.iter().filter(|t| t.method == Method::Exact).count() as u64,
        sampled_tables: tables
            .iter()
            .filter(|t| t.method == Method::Sampled)
            .count() as u64,
    }
}

/// The Neo4j store after import: record and block format sizes, and
/// whether the record format's limits hold.
fn neo4j_store(rows: &Rows, node_acc: &StoreAcc, rel_acc: &StoreAcc) -> Neo4j {
    let rel_types = rows.relationship_types.len() as u64;
    let record = store::record_store(node_acc, rel_acc, rel_types);
    let block = store::block_store(
        node_acc,
        rel_acc,
        record.id_indexes_bytes + record.token_indexes_bytes,
    );
    let exceeded = store::exceeded_limits(
        rows.nodes,
        rows.relationships,
        record.properties,
        record.property_records,
    );
    let limits = Limits {
        record_format_ok: exceeded.is_empty(),
        block_format_required: !exceeded.is_empty(),
        exceeded,
    };
    Neo4j {
        record_format: record,
        block_format: block,
        limits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    fn inputs(free: Option<u64>) -> Inputs {
        Inputs {
            disk: Disk {
                path: "out".into(),
                checked_path: ".".into(),
                free_bytes: free,
                free_source: "test".into(),
                reusable_bytes: 0,
            },
            ram_bytes: 16 << 30,
            ram_source: "test".into(),
            threads: 2,
            calibration: None,
            disk_write_bytes_per_second: time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND,
            world_seconds: 0.0,
            sampling: Sampling::default(),
        }
    }

    #[test]
    fn rows_and_files_are_exact_and_bytes_add_up() {
        let w = World::new(&Profile::load("small").unwrap());
        let size = ShardSize::Rows(500);
        let plan = Plan::new(&w, Format::Csv, size);
        let e = estimate(&w, &plan, size, &inputs(Some(1 << 40))).unwrap();
        assert_eq!(e.rows.nodes, plan.nodes());
        assert_eq!(e.rows.relationships, plan.relationships());
        assert_eq!(e.rows.node_kinds["Server"], 540);
        let affects: u64 = crate::model::RelKind::AFFECTS
            .iter()
            .map(|&r| w.rows(Table::Rel(r)))
            .sum();
        assert_eq!(e.rows.relationship_types["AFFECTS"], affects);
        assert_eq!(
            e.bundle.files,
            plan.tables.len() as u64 + plan.shards().count() as u64
        );
        assert_eq!(
            e.bundle.bytes,
            e.tables.iter().map(|t| t.bytes).sum::<u64>()
        );
        assert_eq!(e.disk.fits, Some(true));
        assert!(e.neo4j.limits.record_format_ok);
        // Every node has a 15 B record, every relationship 34 B, and every
        // entity here at least one property record.
        let r = &e.neo4j.record_format;
        assert!(r.nodes_bytes >= e.rows.nodes * 15);
        assert!(r.relationships_bytes >= e.rows.relationships * 34);
        assert!(r.property_records >= e.rows.total);
        assert!(r.total_bytes > r.nodes_bytes + r.relationships_bytes + r.properties_bytes);
        let b = &e.neo4j.block_format;
        assert!(b.low_bytes <= b.bytes && b.bytes <= b.high_bytes);
        assert_eq!(b.x1_bytes, 128 * e.rows.nodes);
    }

    #[test]
    fn the_free_space_check() {
        let w = World::new(&Profile::load("tiny").unwrap());
        let size = ShardSize::default();
        let plan = Plan::new(&w, Format::CsvGz { level: 1 }, size);
        let e = estimate(&w, &plan, size, &inputs(Some(10))).unwrap();
        assert_eq!(e.disk.fits, Some(false));
        assert!(e.disk.needed_bytes > e.bundle.bytes);
        let e = estimate(&w, &plan, size, &inputs(None)).unwrap();
        assert_eq!(e.disk.fits, None);
        let mut i = inputs(Some(e.bundle.bytes / 2));
        i.disk.reusable_bytes = e.bundle.bytes;
        assert_eq!(estimate(&w, &plan, size, &i).unwrap().disk.fits, Some(true));
    }

    /// xlarge on 32 threads writes ~400 GiB: at the assumed disk bandwidth
    /// that takes longer than the CPU work, so the estimate is disk-bound
    /// and never claims less than bytes / bandwidth.
    #[test]
    fn generation_time_is_capped_by_the_disk() {
        let w = World::new(&Profile::load("xlarge").unwrap());
        let size = ShardSize::default();
        let plan = Plan::new(&w, Format::Csv, size);
        // 0.3 µs per row: the pace that claimed 39 s before the disk counted.
        let per_row = plan.tables.iter().map(|t| (t.table, 3e-7)).collect();
        let mut i = inputs(Some(1 << 50));
        i.threads = 32;
        i.calibration = Some(time::Calibration {
            per_row,
            rows: 1000,
            seconds: 0.1,
        });
        let e = estimate(&w, &plan, size, &i).unwrap();
        let g = e.time.generate.as_ref().unwrap();
        let bw = time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND as f64;
        assert_eq!(g.bound, time::Bound::Disk);
        assert!(g.seconds >= e.bundle.bytes as f64 / bw, "{g:?}");
        assert!(g.cpu_bound_seconds < g.seconds);
        // A disk a hundred times faster leaves the CPU as the limit.
        i.disk_write_bytes_per_second = 100 * time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND;
        let e = estimate(&w, &plan, size, &i).unwrap();
        assert_eq!(e.time.generate.unwrap().bound, time::Bound::Cpu);
    }
}
