//! The estimate as text: the one-line form `generate` prints and the
//! aligned table of `cmdbgen estimate`.

use super::{bytes::Method, memory, Estimate, BYTES_ERROR};
use crate::plan::ShardSize;
use std::fmt::Write as _;

fn format_name(e: &Estimate) -> String {
    match (
        e.format.gzip_level,
        e.format.parquet_codec,
        e.format.row_group_rows,
    ) {
        (Some(l), ..) => format!("{} level {l}", e.format.name),
        (None, Some(c), Some(g)) => {
            format!("{} {c}, row groups of {} rows", e.format.name, group(g))
        }
        _ => e.format.name.clone(),
    }
}

/// The one-line form `generate` prints.
pub fn short(e: &Estimate) -> String {
    let fits = match (e.disk.fits, e.disk.disk.free_bytes) {
        (Some(true), Some(f)) => format!(
            "{} free at {}: fits",
            human_bytes(f),
            e.disk.disk.checked_path
        ),
        (Some(false), Some(f)) => format!(
            "{} free at {}: does NOT fit",
            human_bytes(f),
            e.disk.disk.checked_path
        ),
        _ => "free space unknown".to_string(),
    };
    format!(
        "estimate: {} nodes and {} relationships in {} files, about {} as {} (±{:.0}%); {fits}",
        group(e.rows.nodes),
        group(e.rows.relationships),
        group(e.bundle.files),
        human_bytes(e.bundle.bytes),
        format_name(e),
        BYTES_ERROR * 100.0
    )
}

/// `1234567` as `1,234,567`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in binary units with one decimal (`12.3 MiB`).
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Seconds as `0.4 s`, `12 s`, `3 min 20 s` or `2 h 05 min`.
pub fn human_secs(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        let m = (s / 60.0).floor();
        format!("{m:.0} min {:02.0} s", (s - m * 60.0).floor())
    } else {
        let h = (s / 3600.0).floor();
        format!("{h:.0} h {:02.0} min", ((s - h * 3600.0) / 60.0).floor())
    }
}

/// The human form: an aligned table and the sections after it.
pub fn human(e: &Estimate) -> String {
    let mut o = String::new();
    let shard = match e.shard_size {
        ShardSize::Rows(r) => format!("shards of {} rows", group(r)),
        ShardSize::Bytes(b) => format!("shards of ~{} of CSV", human_bytes(b)),
    };
    let _ = writeln!(
        o,
        "cmdbgen estimate: profile {} (seed {}), {}, {shard}\n",
        e.profile.name,
        e.profile.seed,
        format_name(e)
    );
    let w = e
        .tables
        .iter()
        .map(|t| t.dir.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        o,
        "{:<w$}  {:>15}  {:>7}  {:>11}  {:>11}  METHOD",
        "TABLE", "ROWS", "FILES", "BYTES", "CSV BYTES"
    );
    for t in &e.tables {
        let method = match t.method {
            Method::Exact => "exact".to_string(),
            Method::Sampled => {
                format!("sampled ({} rows)", group(t.rendered_rows))
            }
        };
        let _ = writeln!(
            o,
            "{:<w$}  {:>15}  {:>7}  {:>11}  {:>11}  {method}",
            t.dir,
            group(t.rows),
            group(t.files),
            human_bytes(t.bytes),
            human_bytes(t.csv_bytes + t.header_bytes),
        );
    }
    let b = &e.bundle;
    let _ = writeln!(
        o,
        "{:<w$}  {:>15}  {:>7}  {:>11}  {:>11}  ±{:.0}% ({} exact, {} sampled tables)\n",
        "total",
        group(e.rows.total),
        group(b.files),
        human_bytes(b.bytes),
        human_bytes(b.csv_bytes),
        b.error * 100.0,
        b.exact_tables,
        b.sampled_tables
    );
    let join = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {}", group(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        o,
        "Rows (exact): {} nodes, {} relationships\n  nodes: {}\n  relationships: {}\n",
        group(e.rows.nodes),
        group(e.rows.relationships),
        join(&e.rows.node_kinds),
        join(&e.rows.relationship_types)
    );

    let d = &e.disk;
    let free = match d.disk.free_bytes {
        Some(f) => format!(
            "{} free at {} ({})",
            human_bytes(f),
            d.disk.checked_path,
            d.disk.free_source
        ),
        None => format!("free space at {} unknown", d.disk.checked_path),
    };
    let verdict = match d.fits {
        Some(true) => "fits",
        Some(false) => "does NOT fit (generate refuses to start without --force)",
        None => "cannot tell",
    };
    let _ = writeln!(
        o,
        "Disk: {free}; the run needs {} (estimate + {:.0}%{}): {verdict}\n",
        human_bytes(d.needed_bytes),
        b.error * 100.0,
        if d.disk.reusable_bytes > 0 {
            format!(
                ", less {} of an earlier run",
                human_bytes(d.disk.reusable_bytes)
            )
        } else {
            String::new()
        }
    );

    let r = &e.neo4j.record_format;
    let _ = writeln!(
        o,
        "Neo4j store after import, record format (aligned; from record sizes, see docs/capacity-planning.md):"
    );
    let lines = [
        (
            "nodes",
            format!("{} × 15 B", group(e.rows.nodes)),
            r.nodes_bytes,
        ),
        (
            "relationships",
            format!("{} × 34 B", group(e.rows.relationships)),
            r.relationships_bytes,
        ),
        (
            "properties",
            format!(
                "{} properties in {} records × 41 B",
                group(r.properties),
                group(r.property_records)
            ),
            r.properties_bytes,
        ),
        (
            "strings",
            format!("{} dynamic records × 128 B", group(r.string_records)),
            r.strings_bytes,
        ),
        (
            "arrays",
            format!("{} dynamic records × 128 B", group(r.array_records)),
            r.arrays_bytes,
        ),
        (
            "id indexes",
            format!(
                "{} RANGE indexes for the id constraints",
                e.rows.node_kinds.len()
            ),
            r.id_indexes_bytes,
        ),
        (
            "token indexes",
            "label and relationship-type lookup".to_string(),
            r.token_indexes_bytes,
        ),
    ];
    for (name, how, bytes) in lines {
        let _ = writeln!(o, "  {name:<14} {how:<56} {:>11}", human_bytes(bytes));
    }
    let _ = writeln!(
        o,
        "  {:<14} {:<56} {:>11}",
        "total",
        "",
        human_bytes(r.total_bytes)
    );
    let _ = writeln!(
        o,
        "  (not included: relationship group records of dense nodes, at most {})",
        human_bytes(r.relationship_groups_max_bytes)
    );
    let bf = &e.neo4j.block_format;
    let _ = writeln!(
        o,
        "Block format (Enterprise): about {} (range {} – {}; coarse model)",
        human_bytes(bf.bytes),
        human_bytes(bf.low_bytes),
        human_bytes(bf.high_bytes)
    );
    let l = &e.neo4j.limits;
    if l.record_format_ok {
        let _ = writeln!(
            o,
            "Limits: within the record format's (2^35 nodes, 2^35 relationships, 2^36 properties)\n"
        );
    } else {
        let _ = writeln!(
            o,
            "Limits: EXCEEDED for the record format ({}): import with --format=block (Enterprise)\n",
            l.exceeded.join("; ")
        );
    }

    let m = &e.memory;
    let im = &m.import;
    let _ = writeln!(
        o,
        "Memory (RAM {} from {}):",
        human_bytes(m.ram_bytes),
        m.ram_source
    );
    let _ = writeln!(
        o,
        "  import: HEAP_SIZE={} neo4j-admin database import full ... {}\n    (id mapping {} + node-relationship cache {}, +25%){}",
        im.env["HEAP_SIZE"],
        im.args.join(" "),
        human_bytes(im.id_mapping_bytes),
        human_bytes(im.node_relationship_cache_bytes),
        if im.fits_in_ram {
            ""
        } else {
            "; does NOT fit this RAM"
        }
    );
    let s = &m.server;
    let _ = writeln!(
        o,
        "  server: heap {}, page cache {} (memory-recommendation leaves {} for it; the store needs 1.2 × (store + indexes) = {}{})",
        memory::conf_size(s.heap_bytes),
        memory::conf_size(s.page_cache_bytes),
        human_bytes(s.page_cache_available_bytes),
        human_bytes(s.page_cache_needed_bytes),
        if s.store_fits_in_page_cache {
            ": fits".to_string()
        } else {
            format!(
                ": does NOT fit; about {} of RAM would hold it",
                human_bytes(s.ram_for_full_page_cache_bytes)
            )
        }
    );
    let _ = writeln!(o, "    neo4j.conf:");
    for l in &s.neo4j_conf {
        let _ = writeln!(o, "      {l}");
    }
    let _ = writeln!(o, "    docker-compose environment:");
    for (k, v) in &s.docker_env {
        let _ = writeln!(o, "      {k}: \"{v}\"");
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "Time:");
    if let Some(g) = &e.time.generate {
        let _ = writeln!(
            o,
            "  generate: about {} with {} threads ({}, {} rows timed; {} CPU; needs {}/s of disk writes)",
            human_secs(g.seconds),
            g.threads,
            g.basis,
            group(g.calibration_rows),
            human_secs(g.cpu_seconds),
            human_bytes(g.write_bytes_per_second as u64)
        );
    }
    let it = &e.time.import;
    let _ = writeln!(
        o,
        "  import:   about {} (range {} – {}); {}:",
        human_secs(it.seconds),
        human_secs(it.seconds_low),
        human_secs(it.seconds_high),
        it.basis
    );
    for t in &it.sources {
        let _ = writeln!(o, "    {} — {}", t.what, t.source);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 << 30), "5.0 GiB");
        assert_eq!(human_secs(0.31), "0.3 s");
        assert_eq!(human_secs(200.0), "3 min 20 s");
        assert_eq!(human_secs(7500.0), "2 h 05 min");
    }
}
