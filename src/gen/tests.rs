//! Properties of the generator: endpoints exist, rows do not depend on where
//! generation starts, degrees and targets obey the model.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "tests convert small known values"
)]

use super::*;
use crate::model::{ColKind, NodeKind, Provenance, RelKind, Table};
use crate::profile::Profile;
use proptest::prelude::*;
use std::collections::HashSet;

fn world(name: &str) -> World {
    World::new(&Profile::load(name).unwrap())
}

fn all_pairs(w: &World, r: RelKind) -> Vec<(u64, u64)> {
    let mut it = w.rel_rows(r, 0);
    std::iter::from_fn(|| it.next_pair()).collect()
}

#[test]
fn every_end_exists_and_counts_match() {
    let w = world("small");
    for r in RelKind::ALL {
        let spec = r.spec();
        let pairs = all_pairs(&w, r);
        assert_eq!(pairs.len() as u64, w.rows(Table::Rel(r)), "{r}");
        for (s, e) in pairs {
            assert!(s < w.count(spec.start), "{r}: start {s}");
            assert!(e < w.count(spec.end), "{r}: end {e}");
        }
    }
}

#[test]
fn plan_totals_are_the_sums_of_the_degrees() {
    // Some families are counted from ranges of nodes, not node by node:
    // the totals must not depend on which.
    for name in ["small", "medium"] {
        let w = world(name);
        for r in RelKind::ALL {
            let n = w.count(r.spec().start);
            let sum: u64 = (0..n).map(|j| w.degree(r, j)).sum();
            assert_eq!(w.rows(Table::Rel(r)), sum, "{name} {r}");
        }
    }
}

#[test]
fn fanout_ends_are_distinct_and_not_self() {
    let w = world("small");
    for r in RelKind::ALL {
        if r.spec().shape != Shape::Fanout {
            continue;
        }
        let pairs = all_pairs(&w, r);
        let set: HashSet<_> = pairs.iter().collect();
        assert_eq!(set.len(), pairs.len(), "{r} has parallel relationships");
        if r.spec().start == r.spec().end {
            assert!(pairs.iter().all(|(s, e)| s != e), "{r} has a self loop");
        }
    }
}

#[test]
fn devices_connect_within_their_datacenter() {
    let w = world("small");
    let dc_of_server: Vec<u64> = all_pairs(&w, RelKind::ServerHostedInDataCenter)
        .into_iter()
        .map(|(_, dc)| dc)
        .collect();
    let dc_of_device: Vec<u64> = all_pairs(&w, RelKind::NetworkDeviceHostedInDataCenter)
        .into_iter()
        .map(|(_, dc)| dc)
        .collect();
    let pairs = all_pairs(&w, RelKind::NetworkDeviceConnectsToServer);
    assert!(!pairs.is_empty());
    for (d, s) in pairs {
        assert_eq!(dc_of_device[d as usize], dc_of_server[s as usize]);
    }
}

#[test]
fn dependencies_are_skewed() {
    let w = world("medium");
    let mut out_degree = vec![0u64; w.count(NodeKind::Application) as usize];
    for (s, _) in all_pairs(&w, RelKind::ApplicationDependsOnApplication) {
        out_degree[s as usize] += 1;
    }
    out_degree.sort_unstable();
    let median = out_degree[out_degree.len() / 2];
    let max = *out_degree.last().unwrap();
    assert!(median <= 3, "median {median}");
    assert!(
        max >= 100,
        "max {max}: no application with hundreds of dependencies"
    );
}

#[test]
fn every_event_affects_exactly_one_ci() {
    let w = world("small");
    let mut seen = vec![0u32; w.count(NodeKind::Event) as usize];
    for r in RelKind::AFFECTS {
        for (s, _) in all_pairs(&w, r) {
            seen[s as usize] += 1;
        }
    }
    assert!(seen.iter().all(|&c| c == 1));
}

/// The rows of `w` have one value per column of the world's provenance.
fn assert_rows_match_columns(w: &World) {
    for t in Table::all() {
        if w.rows(t) == 0 {
            continue;
        }
        let mut row = Vec::new();
        match t {
            Table::Node(k) => {
                for i in [0, w.count(k) / 2, w.count(k) - 1] {
                    row.clear();
                    w.node_row(k, i, &mut row);
                    assert_eq!(row.len(), w.columns(t).len(), "{t}");
                }
            }
            Table::Rel(r) => {
                let mut it = w.rel_rows(r, 0);
                assert!(it.next_row(&mut row), "{t} is empty");
                assert_eq!(row.len(), w.columns(t).len(), "{t}");
            }
        }
    }
}

#[test]
fn rows_have_one_value_per_column() {
    let w = world("small");
    assert_eq!(w.provenance(), Provenance::SourceOnly);
    assert_rows_match_columns(&w);
    let mut full = Profile::load("small").unwrap();
    full.provenance = crate::profile::ProvenanceMode::Full;
    let f = World::new(&full);
    assert_eq!(f.provenance(), Provenance::Full);
    assert_rows_match_columns(&f);
    assert_rows_match_columns(&multisource());
}

/// `--provenance full` adds the two columns and changes no other value.
#[test]
fn full_provenance_only_adds_sources_and_observed_at() {
    let auto = world("small");
    let mut p = Profile::load("small").unwrap();
    p.provenance = crate::profile::ProvenanceMode::Full;
    let full = World::new(&p);
    for t in [
        Table::Node(NodeKind::Server),
        Table::Node(NodeKind::Event),
        Table::Rel(RelKind::ApplicationDependsOnDatabase),
    ] {
        let keep: Vec<bool> = t
            .columns(Provenance::Full)
            .iter()
            .map(|c| Provenance::SourceOnly.keeps(c))
            .collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        match t {
            Table::Node(k) => {
                auto.node_row(k, 7, &mut a);
                full.node_row(k, 7, &mut b);
            }
            Table::Rel(r) => {
                assert!(auto.rel_rows(r, 5).next_row(&mut a));
                assert!(full.rel_rows(r, 5).next_row(&mut b));
            }
        }
        let kept: Vec<_> = b
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(v, _)| *v)
            .collect();
        assert_eq!(a, kept, "{t}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Rows from any starting row equal the same rows of a full pass, so the
    /// output does not depend on shard boundaries or threads.
    #[test]
    fn rel_rows_do_not_depend_on_the_start(rel in 0usize..RelKind::ALL.len(), start_frac in 0.0f64..1.0, seed in 0u64..1000) {
        let mut p = Profile::load("small").unwrap();
        p.seed = seed;
        let w = World::new(&p);
        let r = RelKind::ALL[rel];
        let all = all_pairs(&w, r);
        let start = (all.len() as f64 * start_frac) as u64;
        let mut it = w.rel_rows(r, start);
        let tail: Vec<_> = std::iter::from_fn(|| it.next_pair()).collect();
        prop_assert_eq!(&all[start as usize..], &tail[..]);
    }

    #[test]
    fn node_rows_are_pure(k in 0usize..NodeKind::ESTATE.len(), i in 0u64..500, seed in any::<u64>()) {
        let mut p = Profile::load("small").unwrap();
        p.seed = seed % (1 << 40);
        let w = World::new(&p);
        let kind = NodeKind::ESTATE[k];
        let i = i % w.count(kind);
        let a = crate::write::render_csv(&w, Table::Node(kind), i..i + 1);
        let b = crate::write::render_csv(&w, Table::Node(kind), i..i + 1);
        let many = crate::write::render_csv(&w, Table::Node(kind), 0..i + 1);
        prop_assert_eq!(&a, &b);
        prop_assert!(many.ends_with(&a));
    }

    /// Ids computed from names (relationship ends, SourceRecords) use the
    /// head alone; it must be the name the item's own row carries.
    #[test]
    fn name_of_is_the_rows_name(k in 0usize..NodeKind::ESTATE.len(), i in 0u64..5000, seed in any::<u64>()) {
        let mut p = Profile::load("small").unwrap();
        p.seed = seed % (1 << 40);
        let w = World::new(&p);
        let kind = NodeKind::ESTATE[k];
        prop_assume!(kind.is_ci());
        let i = i % w.count(kind);
        let mut row = Vec::new();
        w.node_row(kind, i, &mut row);
        prop_assert_eq!(w.name_of(kind, i), row[2]);
        prop_assert_eq!(w.natural_key(kind, i), row[2]);
    }
}

/// Two sources that report every server: `a` (priority 1) reports every
/// attribute stale (or, with `missing = 1`, empty) and observes 0..60 days
/// old; `b` (priority 2) reports every attribute current at the reference
/// time. So for each server the expected merged row is known by hand.
fn two_sources(strategy: &str, a_quality: &str) -> World {
    let text = format!(
        "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 40\n\
         [merge]\nstrategy = \"{strategy}\"\noverlap = 1.0\n\
         [[sources]]\nname = \"a\"\npriority = 1\ncoverage = 1.0\n{a_quality}\nlag_days = 30\n\
         [[sources]]\nname = \"b\"\npriority = 2\ncoverage = 1.0\nlag_days = 0\n"
    );
    World::new(&Profile::parse(&text, "two").unwrap())
}

fn csv_cells(row: &[Value<'_>]) -> Vec<String> {
    row.iter()
        .map(|v| {
            let mut b = Vec::new();
            crate::write::csv::put_value(v, &mut b);
            String::from_utf8(b).unwrap()
        })
        .collect()
}

/// (merged row, a's report, b's report) of server `i`, as CSV cells.
fn server_views(w: &World, i: u64) -> [Vec<String>; 3] {
    let k = NodeKind::Server;
    let (mut m, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
    w.node_row(k, i, &mut m);
    assert!(w.report_row(k, i, 0, &mut a) && w.report_row(k, i, 1, &mut b));
    [csv_cells(&m), csv_cells(&a), csv_cells(&b)]
}

fn attribute_columns() -> Vec<usize> {
    NodeKind::Server
        .columns(Provenance::Full)
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            matches!(c.kind, crate::model::ColKind::Prop(_))
                && !["name", "source", "sources", "observed_at"].contains(&c.name)
        })
        .map(|(i, _)| i)
        .collect()
}

/// The position of `source` among a server's columns.
fn source_column() -> usize {
    NodeKind::Server
        .columns(Provenance::Full)
        .iter()
        .position(|c| c.name == "source")
        .unwrap()
}

#[test]
fn priority_takes_the_trusted_sources_values_and_latest_the_newest() {
    let cols = attribute_columns();
    let src = source_column(); // source, sources, observed_at
    for strategy in ["priority", "latest", "keep-all"] {
        let w = two_sources(strategy, "stale = 1.0");
        let mut differing = 0;
        for i in 0..40 {
            let [m, a, b] = server_views(&w, i);
            // Identity and canonical id: the same in every view.
            assert_eq!((&m[..3], &a[..3]), (&b[..3], &b[..3]), "{strategy} {i}");
            let key = format!("Server:{}", m[2]);
            let hash = xxhash_rust::xxh3::xxh3_128(key.as_bytes());
            assert_eq!(m[0], format!("srv-{hash:032x}"));
            assert_eq!(m[src + 1], "a;b");
            assert_eq!(b[src + 2], "2026-11-01T00:00:00Z");
            let a_newer = a[src + 2] >= b[src + 2]; // ties go to priority
            let (first, second, name) = if strategy == "latest" && !a_newer {
                (&b, &a, "b")
            } else {
                (&a, &b, "a")
            };
            assert_eq!(m[src], name, "{strategy} {i}");
            assert_eq!(m[src + 2], first[src + 2]);
            for &c in &cols {
                let want = if first[c].is_empty() {
                    &second[c]
                } else {
                    &first[c]
                };
                assert_eq!(&m[c], want, "{strategy} server {i} column {c}");
                differing += usize::from(a[c] != b[c] && !a[c].is_empty() && !b[c].is_empty());
            }
        }
        // Stale values really are other values, so there are conflicts,
        // and the summary counts exactly those, resolved as above.
        assert!(differing > 100, "{differing}");
        let s = w.merge_summary().unwrap();
        let servers = &s.kinds["Server"];
        assert_eq!(
            (servers.records, servers.reports, servers.multi_source),
            (40, 80, 40)
        );
        let conflicts: u64 = servers.attributes.values().map(|a| a.conflicts).sum();
        assert_eq!(conflicts, differing as u64, "{strategy}");
        if strategy != "latest" {
            for a in servers.attributes.values() {
                assert_eq!(a.resolved_by.keys().collect::<Vec<_>>(), ["a"]);
            }
        }
    }
}

#[test]
fn missing_values_fall_back_to_the_next_source_without_conflict() {
    let w = two_sources("priority", "missing = 1.0");
    for i in 0..40 {
        let [m, a, b] = server_views(&w, i);
        for &c in &attribute_columns() {
            assert_eq!(a[c], "", "a reports nothing");
            assert_eq!(m[c], b[c]);
        }
        assert_eq!(
            m[source_column()],
            "a",
            "the record winner is still the trusted source"
        );
    }
    assert_eq!(w.merge_summary().unwrap().total_conflicts(), 0);
}

#[test]
fn keep_all_adds_one_source_record_per_report() {
    let w = two_sources("keep-all", "stale = 1.0");
    // Region, DataCenter and 40 servers, each reported by both sources.
    assert_eq!(w.count(NodeKind::SourceRecord), 84);
    assert_eq!(w.rows(Table::Rel(RelKind::ServerReportedBy)), 80);
    let p = two_sources("priority", "stale = 1.0");
    for i in 0..40 {
        assert_eq!(server_views(&w, i)[0], server_views(&p, i)[0]);
    }
    // Records and REPORTED_BY rows agree, ids hash `<source>:<item id>`,
    // and the attributes are the source's own view.
    let records = crate::write::render_csv(&w, Table::Node(NodeKind::SourceRecord), 0..84);
    let records = String::from_utf8(records).unwrap();
    let rels = crate::write::render_csv(&w, Table::Rel(RelKind::ServerReportedBy), 0..80);
    let rels = String::from_utf8(rels).unwrap();
    let server_records: Vec<&str> = records.lines().filter(|l| l.contains(",Server,")).collect();
    assert_eq!(server_records.len(), 80);
    for (rec, rel) in server_records.iter().zip(rels.lines()) {
        let r: Vec<&str> = rel.split(',').collect();
        assert!(
            rec.starts_with(&format!("{},SourceRecord,{},{},", r[1], r[2], r[2])),
            "{rec} / {rel}"
        );
        let h = xxhash_rust::xxh3::xxh3_128(format!("{}:{}", r[2], r[0]).as_bytes());
        assert_eq!(r[1], format!("sr-{h:032x}"));
        assert!(rec.contains(&format!(",Server,{},\"{{", r[0])), "{rec}");
    }
    // Server 0's record from `b` lists b's current os.
    let [_, _, b] = server_views(&w, 0);
    let os = NodeKind::Server
        .columns(Provenance::Full)
        .iter()
        .position(|c| c.name == "os")
        .unwrap();
    let rec_b = server_records[1];
    assert!(
        rec_b.contains(&format!("\"\"os\"\":\"\"{}\"\"", b[os])),
        "{rec_b}"
    );
}

#[test]
fn multi_source_rows_do_not_depend_on_the_start_row() {
    let mut text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles/multisource.toml"),
    )
    .unwrap();
    text = text.replace("strategy = \"priority\"", "strategy = \"keep-all\"");
    let w = World::new(&Profile::parse(&text, "ms").unwrap());
    for t in Table::all() {
        let n = w.rows(t);
        if n == 0 {
            continue;
        }
        let whole = crate::write::render_csv(&w, t, 0..n);
        let mut pieces = Vec::new();
        for r in crate::plan::split(n, 7) {
            pieces.extend(crate::write::render_csv(&w, t, r));
        }
        assert_eq!(whole, pieces, "{t}");
    }
    // Relationship ends are canonical ids of items that exist.
    let servers = String::from_utf8(crate::write::render_csv(
        &w,
        Table::Node(NodeKind::Server),
        0..w.count(NodeKind::Server),
    ))
    .unwrap();
    let ids: HashSet<&str> = servers
        .lines()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let r = RelKind::ApplicationRunsOnServer;
    let rels = String::from_utf8(crate::write::render_csv(
        &w,
        Table::Rel(r),
        0..w.rows(Table::Rel(r)),
    ))
    .unwrap();
    for l in rels.lines() {
        assert!(ids.contains(l.split(',').nth(1).unwrap()), "{l}");
    }
}

fn multisource() -> World {
    let text = include_str!("../../fixtures/profiles/multisource.toml");
    let w = World::new(&Profile::parse(text, "multisource").unwrap());
    assert_eq!(w.provenance(), Provenance::Full, "multi-source keeps them");
    w
}

/// The cells of node row `i` of `k` by column name.
fn named_cells(w: &World, k: NodeKind, i: u64) -> std::collections::HashMap<&'static str, String> {
    let mut row = Vec::new();
    w.node_row(k, i, &mut row);
    let cols = w.columns(Table::Node(k));
    cols.iter().map(|c| c.name).zip(csv_cells(&row)).collect()
}

/// The environment abbreviation a name carries: the part before its number.
fn env_in_name(name: &str, sep: char) -> &str {
    let mut parts = name.trim_matches('"').rsplit(sep);
    parts.next();
    parts.next().unwrap()
}

/// Checks the per-row attribute invariants of row `i` of `k`.
fn assert_row_agrees(w: &World, k: NodeKind, i: u64) {
    let c = named_cells(w, k, i);
    let env = pools::ENVIRONMENT
        .values
        .iter()
        .position(|e| *e == c["environment"])
        .unwrap();
    let sep = match k {
        NodeKind::Server | NodeKind::NetworkDevice => Some('-'),
        NodeKind::Database => Some(' '),
        _ => None,
    };
    if let Some(sep) = sep {
        assert_eq!(
            env_in_name(&c["name"], sep),
            pools::ENV_SHORT[env],
            "{k} {i}: {c:?}"
        );
    }
    if !matches!(k, NodeKind::Application | NodeKind::BusinessService) {
        let crit = pools::CRITICALITY
            .values
            .iter()
            .position(|v| *v == c["criticality"])
            .unwrap();
        assert!(pools::CRITICALITY_BY_ENV[env][crit] > 0, "{k} {i}: {c:?}");
    }
    let num = |col: &str| c[col].parse::<u64>().unwrap();
    match k {
        NodeKind::Region => {
            let slot = (i % pools::REGION_NAMES.len() as u64) as usize;
            assert!(c["name"].starts_with(pools::REGION_NAMES[slot]));
            assert!(c["code"].starts_with(pools::REGION_CODES[slot]));
            assert_eq!(c["geo"], pools::REGION_GEO[slot]);
        }
        NodeKind::DataCenter => {
            let region = w.parent(RelKind::DataCenterLocatedInRegion, i);
            let slot = (region % pools::REGION_NAMES.len() as u64) as usize;
            let city = c["city"].trim_matches('"');
            assert!(pools::REGION_CITIES[slot].contains(&city), "{c:?}");
            assert!(c["name"].trim_matches('"').starts_with(city));
        }
        NodeKind::Server => {
            let t = pools::SERVER_TYPES
                .iter()
                .position(|s| s.0 == c["server_type"])
                .unwrap();
            assert!(
                pools::OS_BY_TYPE[t].values.contains(&c["os"].as_str()),
                "{c:?}"
            );
            // Sizes are doubles with two digits: compared in hundredths.
            let hundredths = |col: &str| (c[col].parse::<f64>().unwrap() * 100.0).round() as u64;
            let (cores, mem) = (hundredths("cpu_cores"), hundredths("memory_gb"));
            let (lo, hi) = [(1_600, 25_600), (100, 3_200), (25, 400), (200, 6_400)][t];
            assert!((lo..=hi).contains(&cores), "{c:?}");
            if t == 2 {
                // Container limits: a quarter core to four, 0.25 to 16 GB.
                assert!(mem <= 1_600 && !c["os"].contains("Windows"), "{c:?}");
            } else {
                assert_eq!(cores % 100, 0, "whole cores: {c:?}");
            }
            assert!(mem >= cores && mem <= 16 * cores, "{c:?}");
        }
        NodeKind::NetworkDevice => {
            let t = pools::DEVICE_TYPES
                .iter()
                .position(|s| s.0 == c["device_type"])
                .unwrap();
            let m = pools::DEVICE_MODELS[t]
                .models
                .iter()
                .find(|m| m.model.text == c["model"])
                .unwrap_or_else(|| panic!("{c:?}: not a model of its type"));
            assert_eq!(m.vendor.text, c["vendor"]);
            assert_eq!(m.ports, num("port_count"));
        }
        NodeKind::Database => {
            let e = pools::DB_ENGINE
                .values
                .iter()
                .position(|v| *v == c["engine"])
                .unwrap();
            let eng = &pools::ENGINES[e];
            assert!(
                eng.versions.values.contains(&c["engine_version"].as_str()),
                "{c:?}"
            );
            let size = num("size_gb");
            assert!(size.is_power_of_two());
            let log = u64::from(size.trailing_zeros());
            assert!((eng.size_log2.0..=eng.size_log2.1).contains(&log), "{c:?}");
            assert!(
                (eng.replicas.0..=eng.replicas.1).contains(&num("replicas")),
                "{c:?}"
            );
        }
        NodeKind::Application => {
            let crit = pools::CRITICALITY
                .values
                .iter()
                .position(|v| *v == c["criticality"])
                .unwrap();
            let weights = match w.supported_tier(i) {
                Some(t) => &pools::CRITICALITY_BY_TIER[t],
                None => &pools::CRITICALITY_BY_ENV[env],
            };
            assert!(weights[crit] > 0, "{c:?}");
        }
        NodeKind::BusinessService => {
            let t = pools::BSVC_TIER
                .values
                .iter()
                .position(|v| *v == c["service_tier"])
                .unwrap();
            let crit = pools::CRITICALITY
                .values
                .iter()
                .position(|v| *v == c["criticality"])
                .unwrap();
            assert!(pools::CRITICALITY_BY_TIER[t][crit] > 0, "{c:?}");
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Each row's attributes agree with each other, for any seed.
    #[test]
    fn row_attributes_agree(k in 0usize..7, i in 0u64..5000, seed in any::<u64>()) {
        let mut p = Profile::load("small").unwrap();
        p.seed = seed % (1 << 40);
        let w = World::new(&p);
        let kind = NodeKind::ESTATE[k];
        assert_row_agrees(&w, kind, i % w.count(kind));
    }

    /// `first_target` is the first end `fanout_targets` gives.
    #[test]
    fn first_target_is_the_first_fanout_target(rel in 0usize..14, j in 0u64..5000, seed in 0u64..1000) {
        let mut p = Profile::load("small").unwrap();
        p.seed = seed;
        let w = World::new(&p);
        let r = RelKind::ALL[rel];
        if r.spec().shape == Shape::Fanout {
            let j = j % w.count(r.spec().start);
            let mut out = Vec::new();
            w.fanout_targets(r, j, &mut out);
            prop_assert_eq!(w.first_target(r, j), out.first().copied());
        }
    }
}

/// A merged multi-source row agrees with itself like a generated one: a
/// stale value is the item's previous version, which keeps the item's type,
/// environment and name, and coherent attributes share one fate. Rows with
/// an empty attribute (no source reported it) are left out.
#[test]
fn merged_multi_source_rows_agree() {
    let w = multisource();
    let mut checked = 0;
    for k in NodeKind::ALL.into_iter().filter(|k| k.is_ci()) {
        let attrs: Vec<_> = w
            .columns(Table::Node(k))
            .iter()
            .filter(|c| matches!(c.kind, ColKind::Prop(_)))
            .map(|c| c.name)
            .collect();
        for i in 0..w.count(k) {
            let c = named_cells(&w, k, i);
            if attrs.iter().all(|a| !c[a].is_empty()) {
                assert_row_agrees(&w, k, i);
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "{checked}");
}

/// Over every row of `medium`: each device model has one vendor and one
/// type, each database version one engine's, each region one geo; and
/// every row passes the per-row checks.
#[test]
fn attributes_agree_over_medium() {
    let w = world("medium");
    let mut model_of = std::collections::HashMap::new();
    for k in NodeKind::ALL.into_iter().filter(|k| k.is_ci()) {
        for i in 0..w.count(k) {
            assert_row_agrees(&w, k, i);
        }
    }
    for i in 0..w.count(NodeKind::NetworkDevice) {
        let c = named_cells(&w, NodeKind::NetworkDevice, i);
        let v = (c["vendor"].clone(), c["device_type"].clone());
        assert_eq!(
            model_of
                .entry(c["model"].clone())
                .or_insert_with(|| v.clone()),
            &v
        );
    }
    assert!(model_of.len() > 10, "{model_of:?}");
    // Cloud cores cost more than on-premises ones.
    let per_core = |t: &str| {
        let (mut cost, mut cores) = (0.0, 0.0);
        for i in 0..w.count(NodeKind::Server) {
            let c = named_cells(&w, NodeKind::Server, i);
            if c["server_type"] == t {
                cost += c["cost"].parse::<f64>().unwrap();
                cores += c["cpu_cores"].parse::<f64>().unwrap();
            }
        }
        cost / cores
    };
    assert!(per_core("cloud") > 2.0 * per_core("physical"));
}

/// `medium` has leaf applications (no application dependencies) and a hub
/// that hundreds depend on.
#[test]
fn leaf_applications_and_hubs_exist() {
    let w = world("medium");
    let n = w.count(NodeKind::Application) as usize;
    let (mut out_degree, mut in_degree) = (vec![0u64; n], vec![0u64; n]);
    for (s, e) in all_pairs(&w, RelKind::ApplicationDependsOnApplication) {
        out_degree[s as usize] += 1;
        in_degree[e as usize] += 1;
    }
    let leaves = out_degree.iter().filter(|&&d| d == 0).count() as f64 / n as f64;
    assert!((0.2..=0.4).contains(&leaves), "leaf share {leaves}");
    let hub = in_degree.iter().max().copied().unwrap();
    assert!(hub >= 100, "largest hub {hub}");
}
