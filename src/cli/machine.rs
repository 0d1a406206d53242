//! What the machine offers a run: the free space under the bundle folder
//! and the RAM. Asked here, at the edge, and passed to [`crate::estimate`]
//! as plain figures (`generate`'s preflight and `estimate` both use it).

use crate::error::Usage;
use crate::estimate::Disk;
use anyhow::Result;
use std::path::Path;

/// Free space of the file system `out` is (or will be) on. The test hook
/// `CMDBGEN_FAKE_FREE_BYTES` replaces the real figure.
pub(super) fn disk_of(out: &Path) -> Result<Disk> {
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
pub(super) fn machine_ram() -> (u64, String) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_is_checked_at_its_nearest_parent() {
        let d = disk_of(Path::new("/nonexistent/deeper/still")).unwrap();
        assert_eq!(d.checked_path, "/");
    }
}
