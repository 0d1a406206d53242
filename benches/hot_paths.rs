//! Criterion benches of the hot paths, each measured in rows per second with
//! inputs built outside the timed loop and output into memory (no disk):
//! * `node_rows/<kind>`: generate + render CSV for node kinds;
//! * `rel_rows/<family>`: walk + render relationship families;
//! * `peer/nodes`, `peer/edges`: the peer benchmark workload (scripts/bench.sh);
//! * `gzip/level-N`: compressing 1 MiB of rendered CSV, in bytes per second;
//! * `peer-parquet/<table>`: the peer workload encoded as Parquet zstd:3
//!   (one 122,880-row group, DuckDB's default) into a byte sink.
//!
//! Run: `cargo bench --bench hot_paths` (add `-- --quick` for a short run).

// `criterion_group!` defines a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use cmdbgen::gen::World;
use cmdbgen::model::{NodeKind, RelKind, Table};
use cmdbgen::profile::Profile;
use cmdbgen::write::{self, csv};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::io::Write;

const ROWS: u64 = 20_000;

fn tables(c: &mut Criterion) {
    let world = World::new(&Profile::load("large").expect("built-in profile"));
    let mut g = c.benchmark_group("node_rows");
    g.throughput(Throughput::Elements(ROWS));
    for k in [NodeKind::Server, NodeKind::Application, NodeKind::Event] {
        g.bench_with_input(BenchmarkId::from_parameter(k), &k, |b, &k| {
            b.iter(|| black_box(write::render_csv(&world, Table::Node(k), 0..ROWS)))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("rel_rows");
    g.throughput(Throughput::Elements(ROWS));
    for r in [
        RelKind::ServerHostedInDataCenter,
        RelKind::ApplicationDependsOnApplication,
        RelKind::EventAffectsServer,
    ] {
        g.bench_with_input(BenchmarkId::from_parameter(r), &r, |b, &r| {
            b.iter(|| black_box(write::render_csv(&world, Table::Rel(r), 0..ROWS)))
        });
    }
    g.finish();
}

fn peer(c: &mut Criterion) {
    let mut g = c.benchmark_group("peer");
    g.throughput(Throughput::Elements(ROWS));
    let mut row = Vec::with_capacity(8);
    let mut out = Vec::with_capacity(4 << 20);
    g.bench_function("nodes", |b| {
        b.iter(|| {
            out.clear();
            for i in 0..ROWS {
                row.clear();
                cmdbgen::bench::node_row(i, &mut row);
                csv::put_row(&row, &mut out);
            }
            black_box(out.len())
        })
    });
    g.bench_function("edges", |b| {
        b.iter(|| {
            out.clear();
            for i in 0..ROWS {
                row.clear();
                cmdbgen::bench::edge_row(i, 2 * ROWS, &mut row);
                csv::put_row(&row, &mut out);
            }
            black_box(out.len())
        })
    });
    g.finish();
}

fn peer_parquet(c: &mut Criterion) {
    use cmdbgen::bench::BenchTable;
    use cmdbgen::write::parquet::{Codec, ParquetRows, DEFAULT_ROW_GROUP_ROWS};
    use cmdbgen::write::RowWriter;
    let rows = DEFAULT_ROW_GROUP_ROWS;
    let mut g = c.benchmark_group("peer-parquet");
    g.throughput(Throughput::Elements(rows));
    g.sample_size(10);
    for table in [BenchTable::Nodes, BenchTable::Edges] {
        let names = table.header();
        let props = table
            .parquet_properties(
                Codec::Zstd {
                    level: Codec::DEFAULT_ZSTD_LEVEL,
                },
                rows,
            )
            .expect("valid settings");
        g.bench_function(format!("{table:?}").to_lowercase(), |b| {
            let mut row = Vec::with_capacity(8);
            b.iter(|| {
                let mut w = ParquetRows::with_columns(
                    "peer",
                    (table.columns(), cmdbgen::model::Ids::String),
                    &names,
                    std::io::sink(),
                    props.clone(),
                )
                .expect("in memory");
                for i in 0..rows {
                    row.clear();
                    match table {
                        BenchTable::Nodes => cmdbgen::bench::node_row(i, &mut row),
                        BenchTable::Edges => cmdbgen::bench::edge_row(i, 2 * rows, &mut row),
                    }
                    w.write_row(&row).expect("in memory");
                }
                black_box(w.finish().expect("in memory"))
            })
        });
    }
    g.finish();
}

fn gzip(c: &mut Criterion) {
    let mut data = Vec::new();
    let mut row = Vec::with_capacity(8);
    let mut i = 0;
    while data.len() < 1 << 20 {
        row.clear();
        cmdbgen::bench::node_row(i, &mut row);
        csv::put_row(&row, &mut data);
        i += 1;
    }
    let mut g = c.benchmark_group("gzip");
    g.throughput(Throughput::Bytes(data.len() as u64));
    for level in [1u32, 4, 6] {
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("level-{level}")),
            &level,
            |b, &level| {
                b.iter(|| {
                    let mut e =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
                    e.write_all(&data).expect("in memory");
                    black_box(e.finish().expect("in memory").len())
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, tables, peer, peer_parquet, gzip);
criterion_main!(benches);
