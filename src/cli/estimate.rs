//! `cmdbgen estimate`: capacity planning before any byte is written. The
//! figures come from [`crate::estimate`]; this file asks the machine (free
//! space and RAM through [`super::machine`], a timing calibration) and
//! prints.

use super::machine::{disk_of, machine_ram};
use super::output::OutputArgs;
use crate::error::exit;
use crate::estimate::render::human;
use crate::estimate::{self, bytes::Sampling, memory, time, Inputs};
use crate::plan::Plan;
use anyhow::Result;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Options of `cmdbgen estimate`.
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// A built-in profile (tiny, small, medium, large, enterprise, xlarge) or a
    /// profile TOML file.
    #[arg(long, default_value = "small")]
    profile: String,
    /// Override the profile's seed.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    provenance: super::ProvenanceArg,
    #[command(flatten)]
    ids: super::IdsArg,
    /// The output to estimate, as `generate` takes it.
    #[command(flatten)]
    output: OutputArgs,
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

fn threads(t: Option<usize>) -> usize {
    t.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `estimate`.
pub(super) fn run(a: Args) -> Result<u8> {
    let profile = a.provenance.apply(super::load_profile(&a.profile, a.seed)?);
    super::check_threads(a.threads)?;
    let format = a.output.format()?;
    let profile = a.ids.apply(profile)?;
    let size = a.output.shard_size()?;
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
        super::out!("{}", human(&e))?;
    }
    Ok(exit::OK)
}
