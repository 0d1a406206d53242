//! `cmdbgen estimate`: capacity planning before any byte is written, and the
//! free-space check `generate` runs first. The figures come from
//! [`crate::estimate`]; this file asks the machine (free space, RAM, a
//! timing calibration) and prints.

use crate::error::{exit, Usage};
use crate::estimate::{self, bytes::Sampling, memory, time, Disk, Estimate, Inputs};
use crate::gen::World;
use crate::plan::{Plan, ShardSize};
use crate::profile::Profile;
use crate::write::Format;
use anyhow::Result;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Output formats `estimate` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Plain CSV.
    Csv,
    /// gzip-compressed CSV (`generate --gzip`).
    CsvGz,
    /// Parquet (not supported by estimate yet).
    Parquet,
}

/// Options of `cmdbgen estimate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A built-in profile (tiny, small, medium, large, enterprise, xlarge) or a
    /// profile TOML file.
    #[arg(long, default_value = "small")]
    profile: String,
    /// Override the profile's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Output format to estimate.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    format: FormatArg,
    /// Same as --format csv-gz (the flag `generate` takes).
    #[arg(long)]
    gzip: bool,
    /// gzip level, 0 (store) to 9 (smallest); default 1, as in generate.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=9))]
    gzip_level: Option<u32>,
    /// Rows per shard file.
    #[arg(long, conflicts_with = "shard_bytes")]
    shard_rows: Option<u64>,
    /// Target uncompressed bytes per shard file.
    #[arg(long)]
    shard_bytes: Option<u64>,
    /// The bundle folder whose free space is checked.
    #[arg(long, default_value = "out/default")]
    out: PathBuf,
    /// Threads generate would use (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// RAM to plan memory for, e.g. 64G (default: this machine's).
    #[arg(long, value_parser = parse_size_arg)]
    ram: Option<u64>,
    /// Print JSON (schema in docs/capacity-planning.md).
    #[arg(long)]
    json: bool,
    /// Tables of at most this many CSV bytes are rendered in full (exact);
    /// larger ones are sampled.
    #[arg(long, value_parser = parse_size_or_zero, default_value = "2MiB")]
    exact_below: u64,
}

fn parse_size_arg(s: &str) -> Result<u64, String> {
    memory::parse_size(s).ok_or_else(|| format!("'{s}' is not a size (e.g. 64G, 512M, 1073741824)"))
}

fn parse_size_or_zero(s: &str) -> Result<u64, String> {
    if s.trim() == "0" {
        return Ok(0);
    }
    parse_size_arg(s)
}

/// Shard sizing from `--shard-rows` / `--shard-bytes` (as in generate).
fn shard_size(rows: Option<u64>, bytes: Option<u64>) -> Result<ShardSize, Usage> {
    match (rows, bytes) {
        (Some(0), _) => Err(Usage("--shard-rows must be at least 1".into())),
        (_, Some(b)) if b < 1024 => Err(Usage("--shard-bytes must be at least 1024".into())),
        (Some(r), _) => Ok(ShardSize::Rows(r)),
        (None, Some(b)) => Ok(ShardSize::Bytes(b)),
        (None, None) => Ok(ShardSize::default()),
    }
}

fn format_of(a: &Args) -> Result<Format, Usage> {
    let f = if a.gzip { FormatArg::CsvGz } else { a.format };
    match f {
        FormatArg::Parquet => Err(Usage(
            "--format parquet is not supported by estimate yet (Parquet output is not in this build); estimate csv or csv-gz"
                .into(),
        )),
        FormatArg::Csv if a.gzip_level.is_some() => {
            Err(Usage("--gzip-level needs --format csv-gz".into()))
        }
        FormatArg::Csv => Ok(Format::Csv),
        FormatArg::CsvGz => Ok(Format::CsvGz {
            level: a.gzip_level.unwrap_or(1),
        }),
    }
}

/// Free space of the file system `out` is (or will be) on. The test hook
/// `CMDBGEN_FAKE_FREE_BYTES` replaces the real figure.
pub fn disk_of(out: &Path) -> Result<Disk> {
    let mut checked = out;
    while !checked.exists() {
        match checked.parent() {
            Some(p) if !p.as_os_str().is_empty() => checked = p,
            _ => {
                checked = Path::new(".");
                break;
            }
        }
    }
    let (free_bytes, free_source) = match std::env::var("CMDBGEN_FAKE_FREE_BYTES") {
        Ok(v) => {
            let n = v.trim().parse::<u64>().map_err(|_| {
                Usage(format!(
                    "CMDBGEN_FAKE_FREE_BYTES must be a number of bytes, not '{v}'"
                ))
            })?;
            (Some(n), "CMDBGEN_FAKE_FREE_BYTES".to_string())
        }
        Err(_) => match free_space(checked) {
            Some(n) => (Some(n), "statvfs".to_string()),
            None => (None, "unknown".to_string()),
        },
    };
    Ok(Disk {
        path: out.display().to_string(),
        checked_path: checked.display().to_string(),
        free_bytes,
        free_source,
        reusable_bytes: ["nodes", "relationships"]
            .iter()
            .map(|d| tree_bytes(&out.join(d)))
            .sum(),
    })
}

#[cfg(unix)]
fn free_space(p: &Path) -> Option<u64> {
    let s = rustix::fs::statvfs(p).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

#[cfg(not(unix))]
fn free_space(_: &Path) -> Option<u64> {
    None
}

/// Bytes of the files under `dir` (0 if it does not exist).
fn tree_bytes(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.filter_map(|e| e.ok())
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => tree_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// This machine's RAM: the smaller of `/proc/meminfo`'s MemTotal and a
/// cgroup v2 `memory.max`, or 16 GiB assumed when neither can be read.
fn machine_ram() -> (u64, String) {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok());
    match (total, cgroup) {
        (Some(t), Some(c)) if c < t => (c, "cgroup memory.max".into()),
        (Some(t), _) => (t, "/proc/meminfo".into()),
        (None, Some(c)) => (c, "cgroup memory.max".into()),
        (None, None) => (16 << 30, "assumed (pass --ram)".into()),
    }
}

fn threads(t: Option<usize>) -> usize {
    t.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `estimate`.
pub fn run(a: Args) -> Result<u8> {
    let mut profile = Profile::load(&a.profile).map_err(Usage::from)?;
    if let Some(seed) = a.seed {
        profile.seed = seed;
    }
    if a.threads == Some(0) {
        return Err(Usage("--threads must be at least 1".into()).into());
    }
    let format = format_of(&a)?;
    let size = shard_size(a.shard_rows, a.shard_bytes)?;
    let t0 = Instant::now();
    let world = World::new(&profile);
    let world_seconds = t0.elapsed().as_secs_f64();
    let plan = Plan::new(&world, format, size);
    let calibration = time::calibrate(&world, &plan, 500, Duration::from_millis(5))?;
    let (ram_bytes, ram_source) = match a.ram {
        Some(r) => (r, "--ram".to_string()),
        None => machine_ram(),
    };
    let inputs = Inputs {
        disk: disk_of(&a.out)?,
        ram_bytes,
        ram_source,
        threads: threads(a.threads),
        calibration: Some(calibration),
        world_seconds,
        sampling: Sampling {
            exact_below: a.exact_below,
            ..Sampling::default()
        },
    };
    let e = estimate::estimate(&world, &plan, size, &inputs)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
    } else {
        print!("{}", human(&e));
    }
    Ok(exit::OK)
}

/// What `generate` runs before writing: the estimate's short form (unless
/// `quiet`), and a refusal (usage error) when the bundle does not fit the
/// free space, unless `force`.
pub fn preflight(
    world: &World,
    plan: &Plan,
    size: ShardSize,
    out: &Path,
    force: bool,
    quiet: bool,
) -> Result<()> {
    let (ram_bytes, ram_source) = machine_ram();
    let inputs = Inputs {
        disk: disk_of(out)?,
        ram_bytes,
        ram_source,
        threads: 1,
        calibration: None,
        world_seconds: 0.0,
        sampling: Sampling::default(),
    };
    let e = estimate::estimate(world, plan, size, &inputs)?;
    if !quiet {
        println!("{}", short(&e));
    }
    if e.disk.fits == Some(false) {
        let msg =
            format!(
            "the bundle needs about {} (estimate {} + {:.0}% margin{}) but only {} is free at {}",
            human_bytes(e.disk.needed_bytes),
            human_bytes(e.bundle.bytes),
            estimate::BYTES_ERROR * 100.0,
            if e.disk.disk.reusable_bytes > 0 {
                format!(", less {} already there", human_bytes(e.disk.disk.reusable_bytes))
            } else {
                String::new()
            },
            human_bytes(e.disk.disk.free_bytes.unwrap_or(0)),
            e.disk.disk.checked_path
        );
        if force {
            eprintln!("cmdbgen: warning: {msg}; starting anyway because of --force");
        } else {
            return Err(Usage(format!(
                "{msg}; free some space, choose another --out, or pass --force to start anyway"
            ))
            .into());
        }
    }
    Ok(())
}

fn format_name(e: &Estimate) -> String {
    match e.format.gzip_level {
        Some(l) => format!("{} level {l}", e.format.name),
        None => e.format.name.clone(),
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
        estimate::BYTES_ERROR * 100.0
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
            estimate::bytes::Method::Exact => "exact".to_string(),
            estimate::bytes::Method::Sampled => {
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

    #[test]
    fn shard_sizes_and_formats() {
        assert!(shard_size(Some(0), None).is_err());
        assert!(shard_size(None, Some(10)).is_err());
        assert_eq!(shard_size(None, None).unwrap(), ShardSize::default());
        assert!(disk_of(Path::new("/nonexistent/deeper/still")).is_ok());
    }
}
