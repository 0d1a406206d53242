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

/// The widest line the human form prints, so it reads in a terminal of the
/// usual width and in a mail or ticket without wrapping.
pub const MAX_WIDTH: usize = 100;

/// The human form: a headline of the figures that decide a run (rows, bytes
/// and whether they fit, Neo4j store, import memory, time), then the detail
/// behind each.
pub fn human(e: &Estimate) -> String {
    let mut o = String::new();
    title(&mut o, e);
    headline(&mut o, e);
    table_detail(&mut o, e);
    rows_detail(&mut o, e);
    disk_detail(&mut o, e);
    store_detail(&mut o, e);
    memory_detail(&mut o, e);
    time_detail(&mut o, e);
    o
}

/// `text` word-wrapped to [`MAX_WIDTH`] at spaces, each line after the
/// first indented by `hang` spaces; a line that fits is left as it is (its
/// alignment spaces too), and a word longer than a line stays whole.
fn wrap(text: &str, hang: usize) -> String {
    let mut out = String::new();
    let mut rest = text.to_string();
    let mut floor = text.len() - text.trim_start().len();
    while rest.chars().count() > MAX_WIDTH {
        // The last space within the width, after the indentation; else the
        // first space after it (a long word overflows rather than splits).
        let limit = rest
            .char_indices()
            .nth(MAX_WIDTH)
            .map_or(rest.len(), |(i, _)| i);
        let cut = rest[floor..=limit]
            .rfind(' ')
            .map(|i| i + floor)
            .filter(|&i| i > floor)
            .or_else(|| rest[limit..].find(' ').map(|i| i + limit));
        let Some(cut) = cut else { break };
        out.push_str(rest[..cut].trim_end());
        out.push('\n');
        rest = format!("{}{}", " ".repeat(hang), rest[cut..].trim_start());
        floor = hang;
    }
    out.push_str(&rest);
    out
}

/// Writes `text` wrapped (see [`wrap`]) and a newline.
fn line(o: &mut String, text: &str, hang: usize) {
    let _ = writeln!(o, "{}", wrap(text, hang));
}

/// What was estimated: profile, seed, format and shard sizing.
fn title(o: &mut String, e: &Estimate) {
    let shard = match e.shard_size {
        ShardSize::Rows(r) => format!("shards of {} rows", group(r)),
        ShardSize::Bytes(b) => format!("shards of ~{} of CSV", human_bytes(b)),
    };
    // String ids are the default and go unsaid.
    let ids = match e.profile.ids {
        crate::model::Ids::String => "",
        crate::model::Ids::Integer => ", integer ids",
    };
    let text = format!(
        "cmdbgen estimate: profile {} (seed {}, provenance {}{ids}), {}, {shard}",
        e.profile.name,
        e.profile.seed,
        match e.profile.provenance {
            crate::model::Provenance::SourceOnly => "source only",
            crate::model::Provenance::Full => "full",
        },
        format_name(e)
    );
    line(o, &text, 4);
    let _ = writeln!(o);
}

/// The answer first: one labelled line per figure that decides whether and
/// how to run, each detailed in a section below.
fn headline(o: &mut String, e: &Estimate) {
    let b = &e.bundle;
    let d = &e.disk;
    let fits = match (d.fits, d.disk.free_bytes) {
        (Some(true), Some(f)) => {
            format!("fits in {} free at {}", human_bytes(f), d.disk.checked_path)
        }
        (Some(false), Some(f)) => format!(
            "does NOT fit in {} free at {}",
            human_bytes(f),
            d.disk.checked_path
        ),
        _ => "free space unknown".to_string(),
    };
    let l = &e.neo4j.limits;
    let store = if l.record_format_ok {
        format!(
            "{} (record format)",
            human_bytes(e.neo4j.record_format.total_bytes)
        )
    } else {
        format!(
            "about {} (block format: the record format's limits are exceeded)",
            human_bytes(e.neo4j.block_format.bytes)
        )
    };
    let im = &e.memory.import;
    let memory = format!(
        "{} (heap {} + off-heap {}): {} {} of RAM",
        human_bytes(im.heap_bytes + im.max_off_heap_bytes),
        human_bytes(im.heap_bytes),
        human_bytes(im.max_off_heap_bytes),
        if im.fits_in_ram {
            "fits in"
        } else {
            "does NOT fit in"
        },
        human_bytes(e.memory.ram_bytes)
    );
    let it = &e.time.import;
    let time = match &e.time.generate {
        Some(g) => format!(
            "generate about {} ({}-bound, {} threads), import about {}",
            human_secs(g.seconds),
            g.bound.label(),
            g.threads,
            human_secs(it.seconds)
        ),
        None => format!("import about {}", human_secs(it.seconds)),
    };
    let rows = format!(
        "{} ({} nodes, {} relationships)",
        group(e.rows.total),
        group(e.rows.nodes),
        group(e.rows.relationships)
    );
    let disk = format!(
        "{} ±{:.0}% in {} files; {fits}",
        human_bytes(b.bytes),
        b.error * 100.0,
        group(b.files)
    );
    for (label, value) in [
        ("rows", rows),
        ("on disk", disk),
        ("Neo4j store", store),
        ("import memory", memory),
        ("time", time),
    ] {
        line(o, &format!("  {label:<14} {value}"), 17);
    }
    let _ = writeln!(o);
}

/// Per table: rows, files, bytes and how the bytes were found. Node and
/// relationship tables are listed under their own heading so the names stay
/// short; the CSV column appears only when the format is not plain CSV.
fn table_detail(o: &mut String, e: &Estimate) {
    let plain = e.format.gzip_level.is_none() && e.format.parquet_codec.is_none();
    let short_name = |dir: &str| dir.split_once('/').map_or(dir, |(_, n)| n).to_string();
    let method = |t: &super::TableEstimate| match t.method {
        Method::Exact => "exact".to_string(),
        Method::Sampled => format!("sampled {}", group(t.rendered_rows)),
    };
    let mut rows: Vec<[String; 6]> = Vec::new();
    for t in &e.tables {
        rows.push([
            short_name(&t.dir),
            group(t.rows),
            group(t.files),
            human_bytes(t.bytes),
            human_bytes(t.csv_bytes + t.header_bytes),
            method(t),
        ]);
    }
    let b = &e.bundle;
    let total = [
        "total".to_string(),
        group(e.rows.total),
        group(b.files),
        human_bytes(b.bytes),
        human_bytes(b.csv_bytes),
        String::new(),
    ];
    let header = ["TABLE", "ROWS", "FILES", "BYTES", "CSV BYTES", "METHOD"];
    let mut w = header.map(str::len);
    for r in rows.iter().chain([&total]) {
        for (w, c) in w.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    // Names too long for one line at the other columns' widths go on a line
    // of their own, the numbers under them.
    let rest: usize = w[1..].iter().sum::<usize>() + 10 - if plain { w[4] + 2 } else { 0 };
    let cap = MAX_WIDTH.saturating_sub(rest).max(header[0].len());
    w[0] = w[0].min(cap);
    let fmt = |c: [&str; 6]| {
        let csv = if plain {
            String::new()
        } else {
            format!("  {:>w4$}", c[4], w4 = w[4])
        };
        let text = format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}{csv}  {}",
            c[0],
            c[1],
            c[2],
            c[3],
            c[5],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        );
        text.trim_end().to_string()
    };
    let _ = writeln!(o, "{}", fmt(header));
    let mut kind = "";
    for (t, r) in e.tables.iter().zip(&rows) {
        if t.kind != kind {
            kind = t.kind;
            let _ = writeln!(
                o,
                "{}:",
                if kind == "node" {
                    "nodes"
                } else {
                    "relationships"
                }
            );
        }
        let mut cells = r.each_ref().map(String::as_str);
        if cells[0].chars().count() > w[0] {
            let _ = writeln!(o, "{}", cells[0]);
            cells[0] = "";
        }
        let _ = writeln!(o, "{}", fmt(cells));
    }
    let _ = writeln!(o, "{}", fmt(total.each_ref().map(String::as_str)));
    line(
        o,
        &format!(
            "Bytes ±{:.0}%: {} tables rendered in full (exact), {} sampled (scaled from the rows \
             rendered).",
            b.error * 100.0,
            b.exact_tables,
            b.sampled_tables
        ),
        2,
    );
    let _ = writeln!(o);
}

/// Exact row counts per node label and relationship type.
fn rows_detail(o: &mut String, e: &Estimate) {
    let join = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {}", group(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    line(
        o,
        &format!(
            "Rows (exact): {} nodes, {} relationships",
            group(e.rows.nodes),
            group(e.rows.relationships)
        ),
        2,
    );
    line(o, &format!("  nodes: {}", join(&e.rows.node_kinds)), 4);
    line(
        o,
        &format!("  relationships: {}", join(&e.rows.relationship_types)),
        4,
    );
    let _ = writeln!(o);
}

/// Free space, what the run needs with its margin, and the verdict.
fn disk_detail(o: &mut String, e: &Estimate) {
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
    let reuse = if d.disk.reusable_bytes > 0 {
        format!(
            ", less {} of an earlier run",
            human_bytes(d.disk.reusable_bytes)
        )
    } else {
        String::new()
    };
    let text = format!(
        "Disk: {free}; the run needs {} (estimate + {:.0}%{reuse}): {verdict}",
        human_bytes(d.needed_bytes),
        e.bundle.error * 100.0,
    );
    line(o, &text, 2);
    let _ = writeln!(o);
}

/// The Neo4j store after import: record format by record kind, block
/// format's range, and the record format's limits.
fn store_detail(o: &mut String, e: &Estimate) {
    let r = &e.neo4j.record_format;
    line(
        o,
        "Neo4j store after import, record format (aligned; from record sizes, see \
         docs/capacity-planning.md):",
        2,
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
        ("total", String::new(), r.total_bytes),
    ];
    for (name, how, bytes) in lines {
        let _ = writeln!(o, "  {name:<14} {how:<56} {:>11}", human_bytes(bytes));
    }
    line(
        o,
        &format!(
            "  (not included: relationship group records of dense nodes, at most {})",
            human_bytes(r.relationship_groups_max_bytes)
        ),
        4,
    );
    let bf = &e.neo4j.block_format;
    line(
        o,
        &format!(
            "Block format (Enterprise): about {} (range {} – {}; coarse model)",
            human_bytes(bf.bytes),
            human_bytes(bf.low_bytes),
            human_bytes(bf.high_bytes)
        ),
        2,
    );
    let l = &e.neo4j.limits;
    let limits = if l.record_format_ok {
        "Limits: within the record format's (2^35 nodes, 2^35 relationships, 2^36 properties)"
            .to_string()
    } else {
        format!(
            "Limits: EXCEEDED for the record format ({}): import with --format=block (Enterprise)",
            l.exceeded.join("; ")
        )
    };
    line(o, &limits, 2);
    let _ = writeln!(o);
}

/// Import and server memory, with the settings to paste.
fn memory_detail(o: &mut String, e: &Estimate) {
    let m = &e.memory;
    let im = &m.import;
    line(
        o,
        &format!(
            "Memory (RAM {} from {}):",
            human_bytes(m.ram_bytes),
            m.ram_source
        ),
        2,
    );
    line(
        o,
        &format!(
            "  import: HEAP_SIZE={} neo4j-admin database import full ... {}",
            im.env["HEAP_SIZE"],
            im.args.join(" ")
        ),
        4,
    );
    line(
        o,
        &format!(
            "    (id mapping {} + node-relationship cache {}, +25%){}",
            human_bytes(im.id_mapping_bytes),
            human_bytes(im.node_relationship_cache_bytes),
            if im.fits_in_ram {
                ""
            } else {
                "; does NOT fit this RAM"
            }
        ),
        5,
    );
    let s = &m.server;
    line(
        o,
        &format!(
            "  server: heap {}, page cache {} (memory-recommendation leaves {} for it)",
            memory::conf_size(s.heap_bytes),
            memory::conf_size(s.page_cache_bytes),
            human_bytes(s.page_cache_available_bytes),
        ),
        4,
    );
    let need = if s.store_fits_in_page_cache {
        ": fits".to_string()
    } else {
        format!(
            ": does NOT fit; about {} of RAM would hold it",
            human_bytes(s.ram_for_full_page_cache_bytes)
        )
    };
    line(
        o,
        &format!(
            "    the store needs 1.2 × (store + indexes) = {}{need}",
            human_bytes(s.page_cache_needed_bytes)
        ),
        6,
    );
    let _ = writeln!(o, "    neo4j.conf:");
    for l in &s.neo4j_conf {
        line(o, &format!("      {l}"), 8);
    }
    let _ = writeln!(o, "    docker-compose environment:");
    for (k, v) in &s.docker_env {
        line(o, &format!("      {k}: \"{v}\""), 8);
    }
    let _ = writeln!(o);
}

/// Generation time (CPU or disk bound, and both figures) and import time
/// with the published figures it comes from.
fn time_detail(o: &mut String, e: &Estimate) {
    let _ = writeln!(o, "Time:");
    if let Some(g) = &e.time.generate {
        line(
            o,
            &format!(
                "  generate: about {} with {} threads, {}-bound ({}, {} rows timed)",
                human_secs(g.seconds),
                g.threads,
                g.bound.label(),
                g.basis,
                group(g.calibration_rows),
            ),
            4,
        );
        line(
            o,
            &format!(
                "    world set-up {}, then the slower of the CPU and the disk:",
                human_secs(g.world_seconds)
            ),
            6,
        );
        line(
            o,
            &format!(
                "    CPU:  {} ({} of CPU over the threads; they produce {}/s)",
                human_secs(g.cpu_bound_seconds - g.world_seconds),
                human_secs(g.cpu_seconds),
                human_bytes(crate::cast::whole(g.write_bytes_per_second))
            ),
            6,
        );
        line(
            o,
            &format!(
                "    disk: {} ({} at {}/s; set with --disk-write-speed)",
                human_secs(g.disk_seconds),
                human_bytes(e.bundle.bytes),
                human_bytes(g.disk_bytes_per_second)
            ),
            6,
        );
    }
    let it = &e.time.import;
    line(
        o,
        &format!(
            "  import:   about {} (range {} – {}); {}:",
            human_secs(it.seconds),
            human_secs(it.seconds_low),
            human_secs(it.seconds_high),
            it.basis
        ),
        4,
    );
    for t in &it.sources {
        line(o, &format!("    {} — {}", t.what, t.source), 6);
    }
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

    #[test]
    fn wrap_keeps_short_lines_and_breaks_long_ones_at_spaces() {
        assert_eq!(wrap("  a    b", 4), "  a    b");
        let long = format!("  {}", "word ".repeat(30).trim_end());
        let wrapped = wrap(&long, 4);
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= MAX_WIDTH),
            "{wrapped}"
        );
        assert!(wrapped.lines().skip(1).all(|l| l.starts_with("    word")));
        assert_eq!(wrapped.split_whitespace().count(), 30);
        let unbreakable = "x".repeat(MAX_WIDTH + 5);
        assert_eq!(wrap(&unbreakable, 2), unbreakable);
    }

    /// Every built-in profile in every format, with a generation time and an
    /// import, prints no line wider than [`MAX_WIDTH`], headline first.
    #[test]
    fn no_line_is_wider_than_the_terminal() {
        use crate::estimate::{bytes::Sampling, estimate, time, Disk, Inputs};
        use crate::gen::World;
        use crate::plan::Plan;
        use crate::write::{parquet::Codec, Format};
        for (name, _) in crate::profile::BUILTIN {
            let world = World::new(&crate::profile::Profile::load(name).unwrap());
            for format in [
                Format::Csv,
                Format::CsvGz { level: 4 },
                Format::Parquet {
                    codec: Codec::Snappy,
                    row_group_rows: 122_880,
                },
            ] {
                let size = ShardSize::default();
                let plan = Plan::new(&world, format, size);
                let per_row = plan.tables.iter().map(|t| (t.table, 3e-7)).collect();
                let inputs = Inputs {
                    disk: Disk {
                        path: "out/default".into(),
                        checked_path: "out".into(),
                        free_bytes: Some(10 << 30),
                        free_source: "statvfs".into(),
                        reusable_bytes: 1 << 20,
                    },
                    ram_bytes: 64 << 30,
                    ram_source: "/proc/meminfo".into(),
                    threads: 32,
                    calibration: Some(time::Calibration {
                        per_row,
                        rows: 735_192,
                        seconds: 0.2,
                    }),
                    disk_write_bytes_per_second: time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND,
                    world_seconds: 0.01,
                    // The cheap sampling `generate` uses: widths, not bytes, matter here.
                    sampling: Sampling::preflight(),
                };
                let e = estimate(&world, &plan, size, &inputs).unwrap();
                let text = human(&e);
                for l in text.lines() {
                    assert!(
                        l.chars().count() <= MAX_WIDTH,
                        "{name} {format:?}: {} columns:\n{l}",
                        l.chars().count()
                    );
                }
                // The headline follows the (possibly wrapped) title's blank line.
                let labels: Vec<&str> = text
                    .lines()
                    .skip_while(|l| !l.is_empty())
                    .skip(1)
                    .take(5)
                    .map(|l| l.split("  ").nth(1).unwrap_or(""))
                    .collect();
                assert_eq!(
                    labels,
                    ["rows", "on disk", "Neo4j store", "import memory", "time"],
                    "{text}"
                );
            }
        }
    }
}
