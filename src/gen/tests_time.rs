//! Properties of lifecycle and time: events only touch CIs alive at their
//! time, lifecycle dates are ordered, the rhythm has business hours and
//! quiet weekends, chains run forward in time, open events have no end.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "tests convert small known values"
)]

use super::*;
use crate::model::{NodeKind, RelKind};
use crate::profile::Profile;
use proptest::prelude::*;

/// `small` with more events: enough for shares to be stable.
fn busy() -> World {
    // `small` with many more events, whatever its own event count.
    let text: String = crate::profile::BUILTIN[1]
        .1
        .lines()
        .map(|l| match l.starts_with("Event = ") {
            true => "Event = 60000\n".to_string(),
            false => format!("{l}\n"),
        })
        .collect();
    World::new(&Profile::parse(&text, "busy").unwrap())
}

/// The event column `name` of row `i`.
fn event_cell<'w>(w: &'w World, i: u64, name: &str, row: &mut Vec<Value<'w>>) -> Value<'w> {
    row.clear();
    w.node_row(NodeKind::Event, i, row);
    let c = NodeKind::Event
        .columns(w.provenance())
        .iter()
        .position(|c| c.name == name)
        .unwrap();
    row[c]
}

#[test]
fn events_affect_only_cis_alive_at_their_time() {
    let w = busy();
    let mut row = Vec::new();
    let mut seen = 0;
    for r in RelKind::AFFECTS {
        let end = r.spec().end;
        for (j, ci) in pairs(&w, r) {
            let Value::DateTime(t) = event_cell(&w, j, "occurred_at", &mut row) else {
                panic!("event {j} has no time");
            };
            assert_eq!(t, w.event_time(j));
            let life = w.life(end, ci);
            assert!(
                life.created <= t,
                "{r}: event {j} before {end} {ci} was created"
            );
            assert!(life.first.is_some(), "{r}: event {j} on planned {end} {ci}");
            assert!(life.alive_at(t), "{r}: event {j} at {t} on {ci}: {life:?}");
            seen += 1;
        }
    }
    assert_eq!(seen, w.count(NodeKind::Event));
    // Pods, days to months old, take their share too.
    let pods = pairs(&w, RelKind::EventAffectsPod).len() as u64;
    assert!(pods * 20 > seen, "{pods} of {seen} events on pods");
}

#[test]
fn events_on_pods_keep_the_lifecycle_in_a_short_window() {
    // Pods only, a month's window: pods are at most two months old, and
    // every event hits a pod alive at its time (few fall back to the
    // anchor although most pods are younger than the early events).
    let text = "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 40\nKubernetesCluster = 2\n\
                Namespace = 10\nPod = 500\nEvent = 5000\n[events.affects]\nPod = 1\n\
                [time]\nevent_window_days = 30\n";
    let w = World::new(&Profile::parse(text, "t").unwrap());
    let r = w.reference();
    let oldest = r - 60 * 86_400;
    for p in 0..500 {
        let l = w.life(NodeKind::Pod, p);
        assert!(oldest <= l.created && l.created < r, "pod {p}: {l:?}");
    }
    let anchor = w.anchors[NodeKind::Pod.index()];
    let hits = pairs(&w, RelKind::EventAffectsPod);
    assert_eq!(hits.len(), 5000);
    let mut on_anchor = 0;
    for (j, p) in hits {
        let (t, l) = (w.event_time(j), w.life(NodeKind::Pod, p));
        assert!(l.alive_at(t), "event {j} at {t} on pod {p}: {l:?}");
        assert!(l.first.is_some() && l.retired.is_none_or(|x| t <= x));
        on_anchor += u64::from(p == anchor);
    }
    assert!(on_anchor < 1000, "{on_anchor} of 5000 on the anchor");
}

#[test]
fn lifecycle_dates_are_ordered_and_statuses_agree() {
    let w = busy();
    let r = w.reference();
    let mut states = [0u64; 7];
    for k in NodeKind::ESTATE.into_iter().filter(|k| k.is_ci()) {
        for i in 0..w.count(k) {
            let l = w.life(k, i);
            states[l.state] += 1;
            assert!(l.created < r);
            match (l.first, l.last) {
                (Some(f), Some(last)) => {
                    assert!(l.created <= f && f <= last && last <= r, "{k} {i}: {l:?}");
                    if let Some(x) = l.retired {
                        assert!(last <= x && x <= r, "{k} {i}: {l:?}");
                    }
                }
                (None, None) => assert_eq!(lifecycle::STATUS[l.state].text, "planned"),
                _ => panic!("{k} {i}: {l:?}"),
            }
            let retired = lifecycle::STATUS[l.state].text == "retired";
            assert_eq!(l.retired.is_some(), retired, "{k} {i}: {l:?}");
            assert_eq!(
                lifecycle::INSTALL_STATUS[l.state].text == "Retired",
                lifecycle::OPERATIONAL_STATUS[l.state].text == "Retired"
            );
        }
        // The anchor predates the window; nothing is older than its kind.
        let window = w.profile().time.event_window_days;
        let anchor = w.life(k, w.anchors[k.index()]);
        assert!(anchor.alive_at(r - i64::from(window) * 86_400), "{k}");
        let oldest = r - k.max_age().seconds(window);
        assert!(
            (0..w.count(k)).all(|i| w.life(k, i).created >= oldest),
            "{k}"
        );
    }
    assert!(
        states.iter().all(|&n| n > 0),
        "every state occurs: {states:?}"
    );
}

/// Day of week (Monday 0) and hour of an instant.
fn dow_hour(t: i64) -> (i64, i64) {
    (
        (t.div_euclid(86_400) + 3).rem_euclid(7),
        t.rem_euclid(86_400) / 3600,
    )
}

#[test]
fn incidents_keep_business_hours_and_weekends_are_quiet() {
    let w = busy();
    let (mut incidents, mut office, mut weekend, mut all_weekend) = (0, 0, 0, 0);
    let n = w.count(NodeKind::Event);
    let from = w.reference() - 365 * 86_400;
    for j in 0..n {
        let t = w.event_time(j);
        assert!((from..w.reference()).contains(&t), "event {j} at {t}");
        if j > 0 {
            assert!(w.event_time(j - 1) <= t, "index order is time order");
        }
        let (dow, hour) = dow_hour(t);
        all_weekend += u64::from(dow >= 5);
        if w.event_type(j) == events::INCIDENT {
            incidents += 1;
            office += u64::from(dow < 5 && (8..18).contains(&hour));
            weekend += u64::from(dow >= 5);
        }
    }
    // Uniform time would give 50/168 = 30 % and 2/7 = 29 %.
    let office = office as f64 / incidents as f64;
    assert!(office > 0.5, "office-hours share {office}");
    let weekend = weekend as f64 / incidents as f64;
    assert!(weekend < 0.2, "weekend share {weekend}");
    assert!((all_weekend as f64 / n as f64) < 0.2);
}

#[test]
fn chains_run_forward_and_stay_on_one_ci() {
    let w = busy();
    let caused = pairs(&w, RelKind::EventCausedByEvent);
    assert!(caused.len() > 1000, "{}", caused.len());
    let mut ci = vec![None; w.count(NodeKind::Event) as usize];
    for r in RelKind::AFFECTS {
        for (j, c) in pairs(&w, r) {
            ci[j as usize] = Some((r, c));
        }
    }
    let mut same = 0;
    let mut kinds = [0u64; 3];
    for &(effect, cause) in &caused {
        assert!(cause < effect);
        assert!(w.event_time(cause) <= w.event_time(effect));
        kinds[w.event_type(cause)] += 1;
        same += u64::from(ci[effect as usize] == ci[cause as usize]);
    }
    assert!(
        kinds.iter().all(|&k| k > 0),
        "alerts, incidents and changes cause: {kinds:?}"
    );
    assert!(
        same * 10 > caused.len() as u64 * 9,
        "{same} of {}",
        caused.len()
    );
}

#[test]
fn storms_hit_one_ci_in_a_burst() {
    let w = busy();
    let mut ci = vec![None; w.count(NodeKind::Event) as usize];
    for r in RelKind::AFFECTS {
        for (j, c) in pairs(&w, r) {
            ci[j as usize] = Some((r, c));
        }
    }
    // A storm block: most of its 64 events on one CI, within hours.
    let storms = ci
        .chunks(64)
        .enumerate()
        .filter(|(b, block)| {
            let mut counts = std::collections::HashMap::new();
            for c in block.iter() {
                *counts.entry(*c).or_insert(0) += 1;
            }
            let top = counts.values().copied().max().unwrap_or(0);
            let b = *b as u64 * 64;
            top >= 32 && w.event_time(b + 63) - w.event_time(b) < 86_400
        })
        .count();
    assert!(storms > 0);
}

#[test]
fn storms_spread_to_the_failing_cis_dependents() {
    let w = busy();
    let mut ci = vec![None; w.count(NodeKind::Event) as usize];
    for r in RelKind::AFFECTS {
        for (j, c) in pairs(&w, r) {
            ci[j as usize] = Some((r, c));
        }
    }
    let (mut spread, mut blocks) = (0, std::collections::HashSet::new());
    for j in 0..w.count(NodeKind::Event) {
        let Some((slot, dep)) = w.spread(j) else {
            continue;
        };
        spread += 1;
        // The row says the same, and the dependent hangs off a CI that the
        // storm's other events hit.
        let hit = RelKind::AFFECTS[slot];
        assert_eq!(ci[j as usize], Some((hit, dep)), "event {j}");
        assert!(w.alive_at(hit.spec().end, dep, w.event_time(j)));
        let (fail, failing, deps) = w.spread_source(j).unwrap();
        assert!(
            deps.contains(&dep),
            "event {j}: {dep} is no dependent of {failing}"
        );
        let mut block = (j / 64 * 64..(j / 64 + 1) * 64).filter_map(|k| ci[k as usize]);
        assert!(
            block.any(|hit| hit == (fail, failing)),
            "event {j}: its storm's events never hit {failing}"
        );
        assert_eq!(w.cause_of(j), None, "a spread event has no cause");
        blocks.insert(j / 64);
    }
    assert!(spread > 20 && blocks.len() > 2, "{spread} in {blocks:?}");
}

#[test]
fn a_failing_hypervisor_takes_down_its_guests() {
    // Server events only, and a third of the servers hypervisor hosts.
    let w = World::new(
        &Profile::parse(
            "[nodes]\nRegion = 2\nDataCenter = 3\nServer = 600\nEvent = 80000\n\
             [compute]\ncloud = 0.0\nphysical = 0.3\ncontainer = 0.0\nhypervisors = 1.0\n\
             [events]\naffects_skew = 1.0\n[events.affects]\nServer = 1\n",
            "hypervisors",
        )
        .unwrap(),
    );
    let mut ci = vec![None; w.count(NodeKind::Event) as usize];
    for (j, c) in pairs(&w, RelKind::EventAffectsServer) {
        ci[j as usize] = Some(c);
    }
    let (mut hits, mut hosts) = (0, std::collections::HashSet::new());
    for j in 0..w.count(NodeKind::Event) {
        let Some((slot, guest)) = w.spread(j) else {
            continue;
        };
        assert_eq!(RelKind::AFFECTS[slot], RelKind::EventAffectsServer);
        assert_eq!(ci[j as usize], Some(guest), "event {j}");
        let (_, host, _) = w.spread_source(j).unwrap();
        assert!(w.is_hypervisor(host), "event {j}: {host} is no host");
        assert_eq!(
            w.host_of(guest),
            Some(host),
            "event {j}: {guest} is not on {host}"
        );
        assert!(w.alive_at(NodeKind::Server, guest, w.event_time(j)));
        // The host itself fails in the same storm.
        let block = j / 64 * 64..(j / 64 + 1) * 64;
        assert!(block.filter_map(|k| ci[k as usize]).any(|c| c == host));
        hits += 1;
        hosts.insert(host);
    }
    assert!(
        hits > 20 && hosts.len() > 2,
        "{hits} spread events on {hosts:?}"
    );
}

#[test]
fn a_failing_node_takes_down_its_pods() {
    // Server and pod events, every server a container, pods on them.
    let w = World::new(
        &Profile::parse(
            "[nodes]\nRegion = 2\nDataCenter = 3\nServer = 300\nKubernetesCluster = 6\n\
             Namespace = 30\nPod = 3000\nEvent = 80000\n\
             [compute]\ncloud = 0.0\nphysical = 0.0\ncontainer = 1.0\n\
             [events]\naffects_skew = 1.0\n[events.affects]\nServer = 3\nPod = 1\n",
            "nodes",
        )
        .unwrap(),
    );
    let mut ci = vec![None; w.count(NodeKind::Event) as usize];
    for r in [RelKind::EventAffectsServer, RelKind::EventAffectsPod] {
        for (j, c) in pairs(&w, r) {
            ci[j as usize] = Some((r, c));
        }
    }
    let (mut hits, mut nodes) = (0, std::collections::HashSet::new());
    let mut on = Vec::new();
    for j in 0..w.count(NodeKind::Event) {
        let Some((slot, pod)) = w.spread(j) else {
            continue;
        };
        assert_eq!(RelKind::AFFECTS[slot], RelKind::EventAffectsPod);
        assert_eq!(ci[j as usize], Some((RelKind::EventAffectsPod, pod)));
        let (fail, node, deps) = w.spread_source(j).unwrap();
        assert_eq!(fail, RelKind::EventAffectsServer);
        assert_eq!(
            w.pod_node(pod),
            Some(node),
            "event {j}: {pod} not on {node}"
        );
        assert!(w.alive_at(NodeKind::Pod, pod, w.event_time(j)));
        // The dependents are exactly the pods on the node.
        w.pods_on(node, &mut on);
        assert_eq!(deps, on);
        let all: Vec<u64> = (0..w.count(NodeKind::Pod))
            .filter(|&p| w.pod_node(p) == Some(node))
            .collect();
        assert_eq!(on, all, "node {node}");
        hits += 1;
        nodes.insert(node);
    }
    assert!(
        hits > 20 && nodes.len() > 2,
        "{hits} spread events on {nodes:?}"
    );
}

#[test]
fn open_events_have_no_end_and_closed_ones_end_before_the_reference() {
    let w = busy();
    let mut row = Vec::new();
    let (mut open, mut closed) = (0, 0);
    for j in 0..w.count(NodeKind::Event) {
        let status = match event_cell(&w, j, "status", &mut row) {
            Value::Word(s) => s.text,
            v => panic!("{v:?}"),
        };
        let t = w.event_time(j);
        match (status, event_cell(&w, j, "duration_min", &mut row)) {
            ("open" | "acknowledged", Value::Null) => open += 1,
            ("resolved" | "closed", Value::Int(m)) => {
                assert!(
                    t + m * 60 <= w.reference(),
                    "event {j} ends after the reference"
                );
                closed += 1;
            }
            (s, v) => panic!("event {j}: {s} with {v:?}"),
        }
    }
    assert!(open > 0 && closed > open);
}

#[test]
fn a_profile_moves_the_window() {
    let text = "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 50\nEvent = 500\n\
                [time]\nreference = \"2020-06-01\"\nevent_window_days = 30\n";
    let w = World::new(&Profile::parse(text, "t").unwrap());
    let r = w.reference();
    assert_eq!(r, 1_590_969_600);
    for j in 0..500 {
        let t = w.event_time(j);
        assert!((r - 30 * 86_400..r).contains(&t), "{t}");
    }
    for (j, ci) in pairs(&w, RelKind::EventAffectsServer) {
        assert!(w.life(NodeKind::Server, ci).alive_at(w.event_time(j)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Per row, for any seed: lifecycle dates are ordered, event times are
    /// in the window and the affected CI was alive.
    #[test]
    fn per_row_time_holds_for_any_seed(seed in any::<u64>(), i in 0u64..2000) {
        let mut p = Profile::load("small").unwrap();
        p.seed = seed;
        let w = World::new(&p);
        // Rows inside the profile's tables, whatever their counts.
        let i = i % w.count(NodeKind::Event);
        let server = i % w.count(NodeKind::Server);
        let l = w.life(NodeKind::Server, server);
        if let (Some(f), Some(last)) = (l.first, l.last) {
            prop_assert!(l.created <= f && f <= last && last <= w.reference());
        }
        let t = w.event_time(i);
        prop_assert_eq!(w.alive_at(NodeKind::Server, server, t), l.alive_at(t));
        prop_assert!(t < w.reference() && t >= w.reference() - 365 * 86_400);
        if let Some(c) = w.cause_of(i) {
            prop_assert!(c < i && w.event_time(c) <= t);
        }
        for r in RelKind::AFFECTS {
            if w.degree(r, i) == 1 {
                let ci = w.affected(r, i);
                prop_assert!(w.life(r.spec().end, ci).alive_at(t));
            }
        }
    }
}
