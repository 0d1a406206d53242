//! `cmdbgen estimate`: capacity planning before any byte is written, and the
//! free-space check `generate` runs first. The figures come from
//! [`crate::estimate`]; this file asks the machine (free space, RAM, a
//! timing calibration) and prints.

use crate::error::{exit, Usage};
use crate::estimate::render::{human, human_bytes, short};
use crate::estimate::{self, bytes::Sampling, memory, time, Disk, Inputs};
use crate::gen::World;
use crate::plan::{Part, Plan, ShardSize};
use crate::write::Format;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Output formats `estimate` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Plain CSV.
    Csv,
    /// gzip-compressed CSV (`generate --gzip`).
    CsvGz,
    /// Parquet (`generate --format parquet`).
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
    #[arg(long, conflicts_with = "format")]
    gzip: bool,
    /// gzip level, 0 (store) to 9 (smallest); default 4, as in generate.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=9))]
    gzip_level: Option<u32>,
    #[command(flatten)]
    parquet: super::generate::ParquetArgs,
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
    /// Disk write bandwidth per second that caps the generation time, e.g.
    /// 500M (default: 1G, a local NVMe SSD).
    #[arg(long, value_parser = parse_size_arg, value_name = "SIZE")]
    disk_write_speed: Option<u64>,
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
    if f != FormatArg::Parquet {
        a.parquet.not_for_csv()?;
    }
    match f {
        FormatArg::Csv | FormatArg::Parquet if a.gzip_level.is_some() => {
            Err(Usage("--gzip-level needs --format csv-gz".into()))
        }
        FormatArg::Parquet => Ok(a.parquet.format()),
        FormatArg::Csv => Ok(Format::Csv),
        FormatArg::CsvGz => Ok(Format::CsvGz {
            level: a.gzip_level.unwrap_or(crate::write::DEFAULT_GZIP_LEVEL),
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
    let profile = super::load_profile(&a.profile, a.seed)?;
    super::check_threads(a.threads)?;
    let format = format_of(&a)?;
    let size = shard_size(a.shard_rows, a.shard_bytes)?;
    let t0 = Instant::now();
    let world = super::build_world(&profile, false);
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
        disk_write_bytes_per_second: a
            .disk_write_speed
            .unwrap_or(time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND),
        world_seconds,
        sampling: Sampling {
            exact_below: a.exact_below,
            ..Sampling::default()
        },
    };
    let e = estimate::estimate(&world, &plan, size, &inputs)?;
    if a.json {
        super::outln!("{}", serde_json::to_string_pretty(&e)?)?;
    } else {
        print!("{}", human(&e));
    }
    Ok(exit::OK)
}

/// The bytes part `part` of a distributed run writes: each table's estimated
/// shard bytes times the part's share of its rows, plus every header.
fn part_bytes(e: &estimate::Estimate, plan: &Plan, part: Part) -> u64 {
    let mut mine: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for s in plan.shards_of(Some(part)) {
        *mine.entry(s.table.name()).or_default() += s.rows.end - s.rows.start;
    }
    e.tables
        .iter()
        .map(|t| {
            let rows = mine.get(&t.name).copied().unwrap_or(0);
            let data = if t.rows == 0 {
                0
            } else {
                (t.data_bytes as f64 * rows as f64 / t.rows as f64).ceil() as u64
            };
            t.header_bytes + data
        })
        .sum()
}

/// What `generate` runs before writing: the estimate's short form (unless
/// `quiet`), and a refusal (usage error) when the bundle (or, with `part`,
/// that part's share of it) does not fit the free space, unless `force`.
pub fn preflight(
    world: &World,
    plan: &Plan,
    size: ShardSize,
    out: &Path,
    part: Option<Part>,
    (force, quiet): (bool, bool),
) -> Result<()> {
    let (ram_bytes, ram_source) = machine_ram();
    let inputs = Inputs {
        disk: disk_of(out)?,
        ram_bytes,
        ram_source,
        threads: 1,
        calibration: None,
        disk_write_bytes_per_second: time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND,
        world_seconds: 0.0,
        sampling: Sampling::preflight(),
    };
    let e = estimate::estimate(world, plan, size, &inputs)?;
    if !quiet {
        // A note before the run, on stderr: stdout may be a closed pipe, and
        // that must not stop the work.
        eprintln!("{}", short(&e));
    }
    let (what, estimated, needed, fits) = match part {
        None => (
            "the bundle".to_string(),
            e.bundle.bytes,
            e.disk.needed_bytes,
            e.disk.fits,
        ),
        Some(p) => {
            let bytes = part_bytes(&e, plan, p);
            let needed = (bytes.saturating_sub(e.disk.disk.reusable_bytes) as f64
                * (1.0 + estimate::BYTES_ERROR))
                .ceil() as u64;
            let fits = e.disk.disk.free_bytes.map(|f| needed <= f);
            (format!("part {p} of the bundle"), bytes, needed, fits)
        }
    };
    if fits == Some(false) {
        let msg = format!(
            "{what} needs about {} (estimate {} + {:.0}% margin{}) but only {} is free at {}",
            human_bytes(needed),
            human_bytes(estimated),
            estimate::BYTES_ERROR * 100.0,
            if e.disk.disk.reusable_bytes > 0 {
                format!(
                    ", less {} already there",
                    human_bytes(e.disk.disk.reusable_bytes)
                )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_share_the_bundle_bytes() {
        let profile = crate::profile::Profile::load("small").unwrap();
        let world = World::new(&profile);
        let size = ShardSize::Rows(500);
        let plan = Plan::new(&world, Format::Csv, size);
        let inputs = Inputs {
            disk: disk_of(Path::new("/tmp")).unwrap(),
            ram_bytes: 1 << 30,
            ram_source: "test".into(),
            threads: 1,
            calibration: None,
            disk_write_bytes_per_second: time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND,
            world_seconds: 0.0,
            sampling: Sampling::preflight(),
        };
        let e = estimate::estimate(&world, &plan, size, &inputs).unwrap();
        let n = 7u32;
        let parts: Vec<u64> = (1..=n)
            .map(|index| part_bytes(&e, &plan, Part { index, count: n }))
            .collect();
        let headers: u64 = e.tables.iter().map(|t| t.header_bytes).sum();
        let data: u64 = e.tables.iter().map(|t| t.data_bytes).sum();
        let shared: u64 = parts.iter().map(|p| p - headers).sum();
        // Every part counts every header; the shard bytes add up to the
        // bundle's (each table's share rounded up once per part).
        assert!(shared >= data && shared <= data + u64::from(n) * e.tables.len() as u64);
        assert!(parts.iter().all(|&p| p > headers && p < e.bundle.bytes / 3));
    }

    #[test]
    fn shard_sizes_and_formats() {
        assert!(shard_size(Some(0), None).is_err());
        assert!(shard_size(None, Some(10)).is_err());
        assert_eq!(shard_size(None, None).unwrap(), ShardSize::default());
        assert!(disk_of(Path::new("/nonexistent/deeper/still")).is_ok());
    }
}
