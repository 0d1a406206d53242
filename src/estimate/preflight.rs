//! The check `generate` runs before writing: the estimate's short form, and
//! a refusal when the bundle (or, with `--part`, that part's share of it)
//! does not fit the free space. The machine's figures come in as [`Disk`]
//! and RAM, asked by the command line.

use super::render::{human_bytes, short};
use super::{bytes::Sampling, estimate, Disk, Estimate, Inputs, BYTES_ERROR};
use crate::error::Usage;
use crate::gen::World;
use crate::plan::{Part, Plan, ShardSize};
use anyhow::Result;

/// The bytes part `part` of a distributed run writes: each table's estimated
/// shard bytes times the part's share of its rows, plus every header.
fn part_bytes(e: &Estimate, plan: &Plan, part: Part) -> u64 {
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
                crate::cast::whole((t.data_bytes as f64 * rows as f64 / t.rows as f64).ceil())
            };
            t.header_bytes + data
        })
        .sum()
}

/// What `generate` runs before writing: the estimate's short form (a note
/// on `console`), and a refusal (usage error) when the bundle (or, with `part`,
/// that part's share of it) does not fit `disk`, unless `force`. `ram` is
/// the machine's RAM and where that figure comes from.
pub fn preflight(
    world: &World,
    plan: &Plan,
    size: ShardSize,
    (disk, (ram_bytes, ram_source)): (Disk, (u64, String)),
    part: Option<Part>,
    (force, console): (bool, &crate::progress::Console),
) -> Result<()> {
    let inputs = Inputs {
        disk,
        ram_bytes,
        ram_source,
        disk_write_bytes_per_second: super::time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND,
        threads: 1,
        calibration: None,
        world_seconds: 0.0,
        sampling: Sampling::preflight(),
    };
    let e = estimate(world, plan, size, &inputs)?;
    // A note before the run, on stderr: stdout may be a closed pipe, and
    // that must not stop the work.
    console.note("estimate", &short(&e));
    let (what, estimated, needed, fits) = match part {
        None => (
            "the bundle".to_string(),
            e.bundle.bytes,
            e.disk.needed_bytes,
            e.disk.fits,
        ),
        Some(p) => {
            let bytes = part_bytes(&e, plan, p);
            let needed = crate::cast::whole(
                (bytes.saturating_sub(e.disk.disk.reusable_bytes) as f64 * (1.0 + BYTES_ERROR))
                    .ceil(),
            );
            let fits = e.disk.disk.free_bytes.map(|f| needed <= f);
            (format!("part {p} of the bundle"), bytes, needed, fits)
        }
    };
    if fits == Some(false) {
        let msg = format!(
            "{what} needs about {} (estimate {} + {:.0}% margin{}) but only {} is free at {}",
            human_bytes(needed),
            human_bytes(estimated),
            BYTES_ERROR * 100.0,
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
            console.warn(&format!("{msg}; starting anyway because of --force"));
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
    use crate::write::Format;

    #[test]
    fn parts_share_the_bundle_bytes() {
        let profile = crate::profile::Profile::load("small").unwrap();
        let world = World::new(&profile);
        let size = ShardSize::Rows(500);
        let plan = Plan::new(&world, Format::Csv, size);
        let inputs = Inputs {
            disk: Disk {
                path: "/tmp".into(),
                checked_path: "/tmp".into(),
                free_bytes: None,
                free_source: "test".into(),
                reusable_bytes: 0,
            },
            ram_bytes: 1 << 30,
            ram_source: "test".into(),
            disk_write_bytes_per_second: crate::estimate::time::DEFAULT_DISK_WRITE_BYTES_PER_SECOND,
            threads: 1,
            calibration: None,
            world_seconds: 0.0,
            sampling: Sampling::preflight(),
        };
        let e = estimate(&world, &plan, size, &inputs).unwrap();
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
}
