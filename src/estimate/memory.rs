//! Memory advice: for `neo4j-admin database import` and for the server that
//! runs the imported store (../shared/neo4j-import-spec.md §2.7, §3.4, §3.5).

use serde::Serialize;
use std::collections::BTreeMap;

const GIB: f64 = (1u64 << 30) as f64;
const MIB: u64 = 1 << 20;

/// `neo4j-admin server memory-recommendation`'s brackets (5.x
/// MemoryRecommendation, §3.4): total RAM GiB -> (OS reserve GiB, heap GiB).
/// Linear between brackets; the last bracket above 1 TiB.
const BRACKETS: [(f64, f64, f64); 15] = [
    (1.0, 0.65, 0.3),
    (2.0, 1.0, 0.5),
    (4.0, 1.5, 2.0),
    (6.0, 2.0, 3.0),
    (8.0, 2.5, 3.5),
    (10.0, 3.0, 4.0),
    (12.0, 3.5, 4.5),
    (16.0, 4.0, 5.0),
    (24.0, 6.0, 8.0),
    (32.0, 8.0, 12.0),
    (64.0, 12.0, 24.0),
    (128.0, 16.0, 31.0),
    (256.0, 20.0, 31.0),
    (512.0, 24.0, 31.0),
    (1024.0, 30.0, 31.0),
];

/// (OS reserve, heap) in bytes for `ram` bytes of RAM, interpolated.
pub fn recommendation(ram: u64) -> (u64, u64) {
    let g = ram as f64 / GIB;
    let (os, heap) = if g <= BRACKETS[0].0 {
        (BRACKETS[0].1, BRACKETS[0].2)
    } else if let Some(w) = BRACKETS.windows(2).find(|w| g <= w[1].0) {
        let (a, b) = (w[0], w[1]);
        let t = (g - a.0) / (b.0 - a.0);
        (a.1 + t * (b.1 - a.1), a.2 + t * (b.2 - a.2))
    } else {
        let last = BRACKETS[BRACKETS.len() - 1];
        (last.1, last.2)
    };
    (
        crate::cast::whole(os * GIB),
        crate::cast::whole(heap.min(31.0) * GIB),
    )
}

/// The page cache memory-recommendation leaves on `ram` bytes: total minus
/// OS reserve minus heap, clamped to [8 MiB, 16 TiB].
pub fn available_page_cache(ram: u64) -> u64 {
    let (os, heap) = recommendation(ram);
    ram.saturating_sub(os + heap).clamp(8 * MIB, 16u64 << 40)
}

/// The least RAM (to 1 GiB) whose recommended page cache holds `needed`.
pub fn ram_for_page_cache(needed: u64) -> u64 {
    let mut g = 1u64;
    while available_page_cache(g << 30) < needed && g < 1 << 16 {
        g += 1;
    }
    g << 30
}

/// A size in neo4j.conf style: whole GiB as `Ng`, else whole MiB as `Nm`,
/// rounded up.
pub fn conf_size(bytes: u64) -> String {
    let mib = bytes.div_ceil(MIB).max(1);
    if mib % 1024 == 0 {
        format!("{}g", mib / 1024)
    } else {
        format!("{mib}m")
    }
}

/// Rounds up to a whole GiB (at least one).
fn ceil_gib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 30).max(1) << 30
}

/// Rounds down to a whole GiB from 1 GiB up, else to a whole MiB (≥ 8).
fn round_down(bytes: u64) -> u64 {
    if bytes >= 1 << 30 {
        bytes >> 30 << 30
    } else {
        (bytes / MIB).max(8) * MIB
    }
}

/// The smallest page cache advised, leaving room for a store that grows a
/// little after import.
const MIN_PAGE_CACHE: u64 = 128 * MIB;

/// Advice for `neo4j-admin database import`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportMemory {
    /// JVM heap for the importer (`HEAP_SIZE`).
    pub heap_bytes: u64,
    /// ID mapping: ~15 B per node (8 B encoded id, ~5 B sort tracker, ~2 B
    /// group), more on hash collisions of string ids. Integer ids
    /// (`--ids integer`) take the same: neo4j-admin 5.26 reported the same
    /// estimate and peak for enterprise either way
    /// (benches/results/ids-2026-12-06.md).
    pub id_mapping_bytes: u64,
    /// Node-relationship cache: ~10 B per node.
    pub node_relationship_cache_bytes: u64,
    /// The recommended `--max-off-heap-memory`: the caches + 25 %, at least
    /// 1 GiB, in whole GiB.
    pub max_off_heap_bytes: u64,
    /// Heap + off-heap within RAM minus the OS reserve.
    pub fits_in_ram: bool,
    /// Arguments for neo4j-admin.
    pub args: Vec<String>,
    /// Environment for neo4j-admin (`HEAP_SIZE` overrides config files).
    pub env: BTreeMap<String, String>,
}

/// Importer heap: 2 GiB, growing linearly to ~20 GiB at 10^11 entities
/// (§2.7: `HEAP_SIZE=2G` typical, ~20G suggested for ~100 billion), ≤ 31 GiB.
pub fn import_heap(entities: u64) -> u64 {
    let gib = (2.0 + 18.0 * entities as f64 / 1e11).round().min(31.0);
    crate::cast::whole(gib) << 30
}

/// Memory advice for importing `nodes` nodes and `rels` relationships on a
/// machine with `ram` bytes.
pub fn import_memory(nodes: u64, rels: u64, ram: u64) -> ImportMemory {
    let heap = import_heap(nodes + rels);
    let id_mapping = nodes * 15;
    let cache = nodes * 10;
    let off_heap = ceil_gib((id_mapping + cache) / 4 * 5);
    let (os, _) = recommendation(ram);
    let size = conf_size(off_heap).to_uppercase();
    let heap_s = conf_size(heap).to_uppercase();
    ImportMemory {
        heap_bytes: heap,
        id_mapping_bytes: id_mapping,
        node_relationship_cache_bytes: cache,
        max_off_heap_bytes: off_heap,
        fits_in_ram: heap + off_heap + os <= ram,
        args: vec![format!("--max-off-heap-memory={size}")],
        env: BTreeMap::from([("HEAP_SIZE".to_string(), heap_s)]),
    }
}

/// Advice for the server after import.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerMemory {
    /// Heap (initial = max), as memory-recommendation gives it for the RAM.
    pub heap_bytes: u64,
    /// The OS reserve memory-recommendation keeps.
    pub os_reserve_bytes: u64,
    /// Page cache memory-recommendation would give (all the rest).
    pub page_cache_available_bytes: u64,
    /// Page cache the store needs: 1.2 × (store + indexes).
    pub page_cache_needed_bytes: u64,
    /// The page cache advised: the needed amount (at least 128 MiB) when it
    /// fits, else all that is available.
    pub page_cache_bytes: u64,
    /// The whole store and its indexes fit in the page cache.
    pub store_fits_in_page_cache: bool,
    /// The least RAM with which it would fit.
    pub ram_for_full_page_cache_bytes: u64,
    /// The settings as neo4j.conf lines.
    pub neo4j_conf: Vec<String>,
    /// The same settings as docker-compose `environment:` entries.
    pub docker_env: BTreeMap<String, String>,
}

/// Memory advice for a server on `ram` bytes whose store and indexes take
/// `store` bytes.
pub fn server_memory(store: u64, ram: u64) -> ServerMemory {
    let (os, heap) = recommendation(ram);
    let heap = round_down(heap);
    let available = round_down(available_page_cache(ram));
    let needed = crate::cast::whole((store as f64 * 1.2).ceil());
    let fits = needed <= available;
    let page_cache = if fits {
        needed.div_ceil(MIB).max(MIN_PAGE_CACHE / MIB) * MIB
    } else {
        available
    };
    let settings = [
        ("server.memory.heap.initial_size", conf_size(heap)),
        ("server.memory.heap.max_size", conf_size(heap)),
        ("server.memory.pagecache.size", conf_size(page_cache)),
    ];
    ServerMemory {
        heap_bytes: heap,
        os_reserve_bytes: os,
        page_cache_available_bytes: available,
        page_cache_needed_bytes: needed,
        page_cache_bytes: page_cache,
        store_fits_in_page_cache: fits,
        ram_for_full_page_cache_bytes: ram_for_page_cache(needed),
        neo4j_conf: settings.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        docker_env: settings
            .iter()
            .map(|(k, v)| (docker_env_name(k), v.clone()))
            .collect(),
    }
}

/// The Neo4j docker image's environment name of a setting: `NEO4J_` prefix,
/// `_` doubled, `.` as `_` (Operations Manual, Docker configuration).
pub fn docker_env_name(setting: &str) -> String {
    let mut s = String::from("NEO4J_");
    for c in setting.chars() {
        match c {
            '_' => s.push_str("__"),
            '.' => s.push('_'),
            c => s.push(c),
        }
    }
    s
}

/// Parses a size: bytes, or a number with `k`, `m`, `g` or `t` (binary;
/// `KiB`, `GB` and the like accepted, all binary).
pub fn parse_size(s: &str) -> Option<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    let v = n * mult as f64;
    (1.0..1.8e19).contains(&v).then_some(crate::cast::whole(v))
}

#[cfg(test)]
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "tests convert small known values"
)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_manual_example() {
        // 16 GiB -> heap 5g, page cache 7g (neo4j-admin memrec manual page).
        let (os, heap) = recommendation(16 << 30);
        assert_eq!((os, heap), (4 << 30, 5 << 30));
        assert_eq!(available_page_cache(16 << 30), 7 << 30);
        // Interpolated half way between 16 and 24 GiB: os 5, heap 6.5.
        let (os, heap) = recommendation(20 << 30);
        assert_eq!(os, 5 << 30);
        assert_eq!(heap, crate::cast::whole(6.5 * GIB));
        // Beyond the table: the last bracket; heap never above 31 GiB.
        assert_eq!(recommendation(4096 << 30), (30 << 30, 31 << 30));
        assert_eq!(available_page_cache(1 << 29), 8 * MIB);
    }

    #[test]
    fn server_settings_and_docker_names() {
        let m = server_memory(1 << 30, 16 << 30);
        assert_eq!(server_memory(1 << 20, 16 << 30).page_cache_bytes, 128 * MIB);
        assert!(m.store_fits_in_page_cache);
        assert_eq!(
            m.page_cache_needed_bytes,
            crate::cast::whole((1.2 * GIB).ceil())
        );
        assert_eq!(
            m.neo4j_conf,
            [
                "server.memory.heap.initial_size=5g",
                "server.memory.heap.max_size=5g",
                "server.memory.pagecache.size=1229m"
            ]
        );
        assert_eq!(m.docker_env["NEO4J_server_memory_heap_max__size"], "5g");
        assert_eq!(m.docker_env["NEO4J_server_memory_pagecache_size"], "1229m");
        let big = server_memory(100 << 30, 16 << 30);
        assert!(!big.store_fits_in_page_cache);
        assert_eq!(big.page_cache_bytes, 7 << 30);
        // 120 GiB of page cache needs more than 128 GiB of RAM.
        assert!(big.ram_for_full_page_cache_bytes > 128 << 30);
        assert!(available_page_cache(big.ram_for_full_page_cache_bytes) >= 120 << 30);
        assert_eq!(
            docker_env_name("db.tx_log.rotation.size"),
            "NEO4J_db_tx__log_rotation_size"
        );
    }

    #[test]
    fn import_advice() {
        let m = import_memory(1_000_000_000, 4_000_000_000, 64 << 30);
        // 25 B/node = 25 GB, +25 % = 31.25 GB -> 30 GiB rounded up.
        assert_eq!(
            m.id_mapping_bytes + m.node_relationship_cache_bytes,
            25_000_000_000
        );
        assert_eq!(m.max_off_heap_bytes, 30 << 30);
        assert_eq!(m.args, ["--max-off-heap-memory=30G"]);
        assert_eq!(m.heap_bytes, 3 << 30);
        assert_eq!(m.env["HEAP_SIZE"], "3G");
        assert!(m.fits_in_ram);
        assert!(!import_memory(1_000_000_000, 0, 16 << 30).fits_in_ram);
        assert_eq!(import_heap(100_000_000_000), 20 << 30);
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("16G"), Some(16 << 30));
        assert_eq!(parse_size("512m"), Some(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("12 GB"), Some(12 << 30));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("5q"), None);
        assert_eq!(parse_size("0"), None);
        assert_eq!(conf_size(5 << 30), "5g");
        assert_eq!(conf_size((1 << 30) + 1), "1025m");
    }
}
