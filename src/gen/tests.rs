//! Properties of the generator: endpoints exist, rows do not depend on where
//! generation starts, degrees and targets obey the model.

use super::*;
use crate::model::{NodeKind, RelKind, Table};
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

#[test]
fn rows_have_one_value_per_column() {
    let w = world("small");
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
                    assert_eq!(row.len(), t.columns().len(), "{t}");
                }
            }
            Table::Rel(r) => {
                let mut it = w.rel_rows(r, 0);
                assert!(it.next_row(&mut row), "{t} is empty");
                assert_eq!(row.len(), t.columns().len(), "{t}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Rows from any starting row equal the same rows of a full pass, so the
    /// output does not depend on shard boundaries or threads.
    #[test]
    fn rel_rows_do_not_depend_on_the_start(rel in 0usize..14, start_frac in 0.0f64..1.0, seed in 0u64..1000) {
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
    fn node_rows_are_pure(k in 0usize..8, i in 0u64..500, seed in any::<u64>()) {
        let mut p = Profile::load("small").unwrap();
        p.seed = seed % (1 << 40);
        let w = World::new(&p);
        let kind = NodeKind::ALL[k];
        let i = i % w.count(kind);
        let a = crate::write::render_csv(&w, Table::Node(kind), i..i + 1);
        let b = crate::write::render_csv(&w, Table::Node(kind), i..i + 1);
        let many = crate::write::render_csv(&w, Table::Node(kind), 0..i + 1);
        prop_assert_eq!(&a, &b);
        prop_assert!(many.ends_with(&a));
    }
}
