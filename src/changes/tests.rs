//! The change set's guarantees on built-in profiles: purity, pool
//! discipline, ends that exist on their day, the model's invariants kept.

use super::*;
use crate::gen::platform::group_name;
use crate::profile::Profile;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

fn world(name: &str) -> World {
    World::new(&Profile::load(name).unwrap())
}

fn ids(cs: &ChangeSet<'_>, t: ChangeTable) -> Vec<String> {
    let mut out = Vec::new();
    let mut row = Vec::new();
    for i in 0..cs.rows(t) {
        row.clear();
        cs.row(t, i, &mut row);
        let mut buf = Vec::new();
        row[0].put_text(&mut buf);
        if matches!(t, ChangeTable::Rels(_)) {
            buf.push(b'>');
            row[1].put_text(&mut buf);
        }
        out.push(String::from_utf8(buf).unwrap());
    }
    out
}

#[test]
fn day_zero_is_rejected() {
    let w = world("tiny");
    assert!(ChangeSet::new(&w, 0).is_err());
    assert!(ChangeSet::new(&w, MAX_DAY + 1).is_err());
}

#[test]
fn rows_match_columns_and_are_pure() {
    let w = world("small");
    let a = ChangeSet::new(&w, 3).unwrap();
    let b = ChangeSet::new(&w, 3).unwrap();
    for t in a.tables() {
        for i in (0..a.rows(t)).rev() {
            let (mut x, mut y) = (Vec::new(), Vec::new());
            a.row(t, i, &mut x);
            b.row(t, i, &mut y);
            assert_eq!(x.len(), t.columns(w.provenance()).len(), "{t}");
            assert_eq!(x, y, "{t} row {i}");
        }
    }
}

#[test]
fn every_kind_of_change_happens_on_tiny() {
    let w = world("tiny");
    let cs = ChangeSet::new(&w, 1).unwrap();
    let ops: HashSet<Op> = cs.tables().iter().map(|t| t.op()).collect();
    assert_eq!(ops.len(), Op::ALL.len(), "{:?}", cs.tables());
    assert!(cs.rows(ChangeTable::Nodes(NodeKind::Event)) > 0);
    assert!(cs.rows(ChangeTable::Deletes(NodeKind::Server)) > 0);
}

#[test]
fn new_ids_never_collide_across_days_or_with_the_base() {
    let w = world("small");
    let mut seen = HashSet::new();
    for day in 1..=5 {
        let cs = ChangeSet::new(&w, day).unwrap();
        for k in NodeKind::ALL {
            for i in 0..cs.rows(ChangeTable::Nodes(k)) {
                let n = cs.new_row_index(k, i);
                assert!(n >= w.count(k));
                assert!(seen.insert((k, n)), "{k} {n} twice");
            }
        }
    }
}

#[test]
fn deletions_are_disjoint_and_never_touched_otherwise() {
    let w = world("small");
    let mut deleted = HashSet::new();
    for day in 1..=40 {
        let cs = ChangeSet::new(&w, day).unwrap();
        for k in NodeKind::ALL {
            for i in 0..cs.rows(ChangeTable::Deletes(k)) {
                let n = cs.deleted_index(k, i);
                assert!(n < w.count(k));
                assert!(cs.in_pool(k, n));
                assert!(deleted.insert((k, n)), "{k} {n} deleted twice");
            }
            for i in 0..cs.rows(ChangeTable::Updates(k)) {
                assert!(!cs.in_pool(k, cs.updated_index(k, i)));
            }
        }
        for r in RelKind::ALL {
            let spec = r.spec();
            for i in 0..cs.rows(ChangeTable::Rels(r)) {
                let (s, e) = cs.rel_pair(r, i);
                for (k, n) in [(spec.start, s), (spec.end, e)] {
                    if n < w.count(k) {
                        assert!(!cs.in_pool(k, n), "{r} row {i} touches pool {k} {n}");
                    } else {
                        let first = cs.new_index(k, 0);
                        assert!(n >= first && n < first + cs.plan(k).new, "{r} {k} {n}");
                    }
                }
                // Every new relationship starts at a node created today.
                assert!(s >= w.count(spec.start), "{r} {i}");
            }
        }
    }
    // The pool is used up eventually: day 40 of small deletes nothing
    // more than the pool holds.
    assert!(!deleted.is_empty());
}

#[test]
fn relationships_within_a_day_are_distinct() {
    for name in ["tiny", "small"] {
        let w = world(name);
        let cs = ChangeSet::new(&w, 2).unwrap();
        for t in cs.tables() {
            if let ChangeTable::Rels(r) = t {
                let pairs = ids(&cs, t);
                let set: HashSet<_> = pairs.iter().collect();
                assert_eq!(set.len(), pairs.len(), "{name} {r}: {pairs:?}");
                let spec = r.spec();
                if spec.start == spec.end {
                    for i in 0..cs.rows(t) {
                        let (s, e) = cs.rel_pair(r, i);
                        assert_ne!(s, e, "{r} self loop");
                    }
                }
            }
        }
    }
}

#[test]
fn updates_are_distinct_nodes_and_set_something() {
    let w = world("small");
    let cs = ChangeSet::new(&w, 7).unwrap();
    let t = ChangeTable::Updates(NodeKind::Server);
    let rows = ids(&cs, t);
    let set: HashSet<_> = rows.iter().collect();
    assert_eq!(set.len(), rows.len());
    for i in 0..cs.rows(t) {
        let mut row = Vec::new();
        cs.row(t, i, &mut row);
        assert!(row[1..].iter().any(|v| *v != Value::Null));
    }
}

#[test]
fn days_differ_and_times_fall_on_the_day() {
    let w = world("tiny");
    let a = ChangeSet::new(&w, 1).unwrap();
    let b = ChangeSet::new(&w, 2).unwrap();
    let t = ChangeTable::Nodes(NodeKind::Event);
    assert_ne!(ids(&a, t), ids(&b, t));
    let col = NodeKind::Event
        .columns(w.provenance())
        .iter()
        .position(|c| c.name == "occurred_at")
        .unwrap();
    let mut row = Vec::new();
    b.row(t, 0, &mut row);
    match row[col] {
        Value::DateTime(s) => assert!((b.day_start()..b.day_start() + 86_400).contains(&s)),
        ref v => panic!("{v:?}"),
    }
}

#[test]
fn incremental_headers_name_the_label() {
    let p = Provenance::SourceOnly;
    let h = ChangeTable::Nodes(NodeKind::Server).header_cells(p, true);
    assert_eq!(h[0], "id:ID(Server){label:Server}");
    assert!(!h.iter().any(|c| c.starts_with("sources")), "{h:?}");
    let full = ChangeTable::Nodes(NodeKind::Server).header_cells(Provenance::Full, false);
    assert!(full.iter().any(|c| c == "sources:string[]"), "{full:?}");
    let u = ChangeTable::Updates(NodeKind::Server).header_cells(p, false);
    assert_eq!(
        u,
        [
            "id:ID(Server)",
            "status",
            "install_status",
            "operational_status",
            "status_since:datetime",
            "criticality",
            "owner_team"
        ]
    );
    let d = ChangeTable::Deletes(NodeKind::Database).header_cells(p, true);
    assert_eq!(d, ["id:ID(Database)"]);
}

/// Built once: the worlds the day-by-day checks run on.
static WORLDS: LazyLock<Vec<World>> =
    LazyLock::new(|| ["tiny", "small", "medium"].map(world).into_iter().collect());

use crate::gen::text;

/// Column `name`'s position in kind `k`'s rows.
fn col(w: &World, k: NodeKind, name: &str) -> usize {
    k.columns(w.provenance())
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("{k} has no {name}"))
}

/// Every (start, end) of family `r` on a day.
fn pairs(cs: &ChangeSet<'_>, r: RelKind) -> Vec<(u64, u64)> {
    (0..cs.rows(ChangeTable::Rels(r)))
        .map(|i| cs.rel_pair(r, i))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Nothing dangles: both ends of every new relationship exist on its
    /// day whatever else was applied (a stable base node or a node of the
    /// day), and the start is one of the day's.
    #[test]
    fn every_relationship_end_exists_on_its_day(p in 0usize..3, day in 1u64..400) {
        let w = &WORLDS[p];
        let cs = ChangeSet::new(w, day).unwrap();
        for r in RelKind::ALL {
            let spec = r.spec();
            for (i, (s, e)) in pairs(&cs, r).into_iter().enumerate() {
                prop_assert!(s >= w.count(spec.start) && cs.exists(spec.start, s), "{} row {}: start {}", r, i, s);
                prop_assert!(cs.exists(spec.end, e), "{} row {}: end {} does not exist on day {}", r, i, e, day);
            }
        }
        // A move re-points a stable CI to a group, both there on the day.
        for r in RelKind::OWNED_BY {
            for i in 0..cs.rows(ChangeTable::Moves(r)) {
                let (ci, g) = cs.rel_pair_of_move(r, i);
                prop_assert!(cs.exists(r.spec().start, ci) && ci < w.count(r.spec().start), "{} move {}", r, i);
                prop_assert!(cs.exists(r.spec().end, g), "{} move {}: group {}", r, i, g);
            }
        }
    }
}

#[test]
fn the_pool_test_is_the_walk() {
    let w = world("small");
    let cs = ChangeSet::new(&w, 1).unwrap();
    for k in NodeKind::ALL {
        let p = cs.plan(k);
        let walked: HashSet<u64> = (0..p.pool)
            .filter_map(|pos| p.perm.map(|perm| perm.apply(pos)))
            .collect();
        for n in 0..p.base {
            // A node that comes with its owner is in its root owner's pool.
            let want = match cs.root_of(k, n) {
                Some((root, m)) => cs.in_pool(root, m),
                None => walked.contains(&n),
            };
            assert_eq!(cs.in_pool(k, n), want, "{k} {n}");
        }
    }
}

/// The families the generic rule gives no rows, with why: a new family
/// that lands here is refused on purpose, and this list says so.
#[test]
fn the_families_the_rule_skips_are_these() {
    let w = world("small");
    let cs = ChangeSet::new(&w, 1).unwrap();
    let skipped: Vec<(RelKind, &str)> = RelKind::ALL
        .into_iter()
        .filter_map(|r| match cs.rule(r) {
            Rule::Skip(why) => Some((r, why)),
            _ => None,
        })
        .collect();
    // Keep-all records have no rule.
    let want: Vec<(RelKind, &str)> = RelKind::ALL
        .into_iter()
        .filter(|r| r.spec().shape == Shape::Reports)
        .map(|r| (r, "no change rule for its shape"))
        .collect();
    assert_eq!(skipped, want);
    for (r, _) in skipped {
        assert_eq!(cs.rows(ChangeTable::Rels(r)), 0, "{r}");
    }
}

/// Every family whose base gives each node of its start kind one end gives
/// each node a day adds one too (its parent, groups, business
/// application, server...).
#[test]
fn new_nodes_get_the_relationships_every_node_of_their_kind_has() {
    for w in WORLDS.iter() {
        for day in [1, 2, 9] {
            let cs = ChangeSet::new(w, day).unwrap();
            let mut checked = 0;
            for r in RelKind::ALL {
                let spec = r.spec();
                let one_each = matches!(spec.shape, Shape::Parent | Shape::Optional)
                    && w.count(spec.start) > 0
                    && w.rows(Table::Rel(r)) == w.count(spec.start);
                if !one_each {
                    continue;
                }
                let starts: Vec<u64> = pairs(&cs, r).into_iter().map(|(s, _)| s).collect();
                let want: Vec<u64> = (0..cs.rows(ChangeTable::Nodes(spec.start)))
                    .map(|i| cs.new_row_index(spec.start, i))
                    .collect();
                assert_eq!(starts, want, "{} day {day}: {r}", w.profile().name);
                checked += 1;
            }
            assert!(checked >= 20, "{checked}");
        }
    }
}

/// A new CI's `owner_team` is its `OWNED_BY` group's name, and a new
/// server's cluster is in its data centre, as in the base.
#[test]
fn new_nodes_keep_the_models_invariants() {
    let w = world("medium");
    let cs = ChangeSet::new(&w, 3).unwrap();
    let mut owned = 0;
    for k in NodeKind::ALL.into_iter().filter(|k| k.is_ci()) {
        let r = crate::gen::platform::owned_by(k).unwrap();
        let team = col(&w, k, "owner_team");
        let mut row = Vec::new();
        for (s, g) in pairs(&cs, r) {
            let i = s - cs.new_index(k, 0);
            row.clear();
            cs.row(ChangeTable::Nodes(k), i, &mut row);
            assert_eq!(text(&row[team]), text(&group_name(g)), "{k} {s}");
            owned += 1;
        }
    }
    assert!(owned > 0);
    // New servers extend the last share of the servers, the cloud one:
    // each is in a zone (its twin's), none in a data centre or a cluster.
    let new_servers = cs.rows(ChangeTable::Nodes(NodeKind::Server));
    let zoned = pairs(&cs, RelKind::ServerHostedInAvailabilityZone);
    assert!(new_servers > 0);
    assert_eq!(zoned.len() as u64, new_servers);
    assert!(pairs(&cs, RelKind::ServerHostedInDataCenter).is_empty());
    assert!(pairs(&cs, RelKind::ServerMemberOfCluster).is_empty());
    assert_eq!(
        pairs(&cs, RelKind::ServerBelongsToCloudAccount).len() as u64,
        new_servers
    );
    // A device connects to servers of its own data centre.
    let dev_dc: HashMap<u64, u64> = pairs(&cs, RelKind::NetworkDeviceHostedInDataCenter)
        .into_iter()
        .collect();
    for (d, s) in pairs(&cs, RelKind::NetworkDeviceConnectsToServer) {
        assert_eq!(w.parent(RelKind::ServerHostedInDataCenter, s), dev_dc[&d]);
    }
}

/// Updates move along the lifecycle (the three statuses of one state, a
/// state the base one can move to, `status_since` on the day) and draw a
/// criticality the base could have given.
#[test]
fn updates_follow_the_lifecycle_and_the_criticality_rules() {
    let w = world("medium");
    let cs = ChangeSet::new(&w, 5).unwrap();
    let (mut moves, mut crits) = (0, 0);
    for k in NodeKind::ALL {
        let t = ChangeTable::Updates(k);
        for i in 0..cs.rows(t) {
            let mut row = Vec::new();
            cs.row(t, i, &mut row);
            let n = cs.updated_index(k, i);
            let [_, st, inst, op, since, crit, _team] = &row[..] else {
                panic!("{row:?}");
            };
            let s = (0..lifecycle::STATUS.len())
                .find(|&s| {
                    text(st) == lifecycle::STATUS[s].text
                        && text(inst) == lifecycle::INSTALL_STATUS[s].text
                        && text(op) == lifecycle::OPERATIONAL_STATUS[s].text
                })
                .unwrap_or_else(|| panic!("{k} {n}: statuses disagree: {row:?}"));
            let Value::DateTime(since) = *since else {
                panic!("{since:?}")
            };
            let from = w.life(k, n).state;
            if s == from {
                // No move: the base's lifecycle, as it was.
                let mut base = Vec::new();
                w.node_row(k, n, &mut base);
                assert_eq!(base[col(&w, k, "status_since")], Value::DateTime(since));
                assert_ne!(*crit, Value::Null, "{k} {n}: the row changes nothing");
            } else {
                assert!(lifecycle::NEXT[from].contains(&s), "{k} {n}: {from} -> {s}");
                assert!((cs.day_start()..cs.day_start() + 86_400).contains(&since));
                moves += 1;
            }
            if *crit != Value::Null {
                let c = pools::CRITICALITY
                    .values
                    .iter()
                    .position(|v| *v == text(crit))
                    .unwrap();
                assert!(
                    w.criticality_weights(k, n)[c] > 0,
                    "{k} {n}: {}",
                    text(crit)
                );
                crits += 1;
            }
        }
    }
    assert!(moves > 50 && crits > 50, "{moves} {crits}");
}

/// Every CI kind has the columns an update sets.
#[test]
fn every_ci_kind_has_the_columns_updates_set() {
    for k in NodeKind::ALL.into_iter().filter(|k| k.is_ci()) {
        let cols = k.columns(Provenance::SourceOnly);
        for c in &UPDATE_COLUMNS[1..] {
            assert!(cols.contains(c), "{k} has no {}", c.name);
        }
    }
}

/// A day's new events occur in id order, so a cause of the same day comes
/// before its effect.
#[test]
fn new_events_occur_in_order() {
    let w = world("medium");
    let cs = ChangeSet::new(&w, 4).unwrap();
    let t = ChangeTable::Nodes(NodeKind::Event);
    let at = col(&w, NodeKind::Event, "occurred_at");
    let times: Vec<Value<'_>> = (0..cs.rows(t))
        .map(|i| {
            let mut row = Vec::new();
            cs.row(t, i, &mut row);
            row[at]
        })
        .collect();
    assert!(times.len() > 10);
    assert!(times.windows(2).all(|p| match p {
        [Value::DateTime(a), Value::DateTime(b)] => a <= b,
        _ => false,
    }));
    let caused = pairs(&cs, RelKind::EventCausedByEvent);
    assert!(!caused.is_empty());
    for (e, c) in caused {
        assert!(c < e, "{e} caused by {c}");
    }
}

/// A server a day adds brings one interface and, in a site with an IPv6
/// subnet, one address there: unique among the base's and other days'
/// addresses, inside its subnet, and the server's `ip`. A server a day
/// decommissions takes its interfaces and addresses with it.
#[test]
fn new_servers_bring_an_interface_and_an_address_in_their_site() {
    use std::net::Ipv6Addr;
    let w = world("medium");
    let (server, nic, addr) = (
        NodeKind::Server,
        NodeKind::NetworkInterface,
        NodeKind::IPAddress,
    );
    let mut seen: HashSet<String> = (0..w.count(addr))
        .map(|k| text(&w.address_value(k)))
        .collect();
    assert_eq!(seen.len() as u64, w.count(addr));
    let (ip, address, cidr) = (
        col(&w, server, "ip"),
        col(&w, addr, "address"),
        col(&w, NodeKind::Subnet, "cidr"),
    );
    fn node_rows<'w>(cs: &ChangeSet<'w>, k: NodeKind) -> HashMap<u64, Vec<Value<'w>>> {
        (0..cs.rows(ChangeTable::Nodes(k)))
            .map(|i| {
                let mut row = Vec::new();
                cs.row(ChangeTable::Nodes(k), i, &mut row);
                (cs.new_row_index(k, i), row)
            })
            .collect()
    }
    for day in 1..=3 {
        let cs = ChangeSet::new(&w, day).unwrap();
        let servers = node_rows(&cs, server);
        let addrs = node_rows(&cs, addr);
        assert!(!servers.is_empty());
        let nics: HashMap<u64, u64> = pairs(&cs, RelKind::ServerHasNetworkInterface)
            .into_iter()
            .collect();
        let ips: HashMap<u64, u64> = pairs(&cs, RelKind::NetworkInterfaceHasIpAddress)
            .into_iter()
            .collect();
        let subnets: HashMap<u64, u64> =
            pairs(&cs, RelKind::IpAddressInSubnet).into_iter().collect();
        let zones: HashMap<u64, u64> = pairs(&cs, RelKind::ServerHostedInAvailabilityZone)
            .into_iter()
            .collect();
        assert_eq!(nics.len(), servers.len(), "day {day}: one interface each");
        assert_eq!(cs.rows(ChangeTable::Nodes(nic)), servers.len() as u64);
        // A server whose zone has an IPv6 subnet gets an address there.
        assert_eq!(ips.len(), addrs.len(), "day {day}");
        assert!(addrs.len() * 4 > servers.len() * 3, "day {day}");
        let dcs = w.count(NodeKind::DataCenter);
        for (s, row) in &servers {
            let Some(&a) = ips.get(&nics[s]) else {
                assert_eq!(w.new_address_subnet(dcs + zones[s]), None, "server {s}");
                assert_eq!(row[ip], Value::Null);
                continue;
            };
            let t = subnets[&a];
            let zone = w.optional_end(RelKind::SubnetLocatedInAvailabilityZone, t);
            assert_eq!(zone, zones.get(s).copied(), "server {s}: subnet {t}");
            let value = text(&addrs[&a][address]);
            assert_eq!(text(&row[ip]), value, "server {s}");
            assert!(seen.insert(value.clone()), "{value} repeated");
            let mut subnet = Vec::new();
            w.node_row(NodeKind::Subnet, t, &mut subnet);
            let net = text(&subnet[cidr]);
            let net: Ipv6Addr = net.split('/').next().unwrap().parse().unwrap();
            let a: Ipv6Addr = value.parse().unwrap();
            assert_eq!(
                u128::from(a) >> 64,
                u128::from(net) >> 64,
                "{a} outside {net}/64"
            );
        }
        // Decommissioned servers take exactly their interfaces and addresses.
        let gone = |k: NodeKind| -> HashSet<u64> {
            (0..cs.rows(ChangeTable::Deletes(k)))
                .map(|i| cs.deleted_index(k, i))
                .collect()
        };
        let (dead, dead_nics, dead_addrs) = (gone(server), gone(nic), gone(addr));
        assert!(!dead.is_empty());
        let want_nics: HashSet<u64> = dead
            .iter()
            .flat_map(|&s| w.owned(RelKind::ServerHasNetworkInterface, s))
            .collect();
        let want_addrs: HashSet<u64> = want_nics
            .iter()
            .flat_map(|&n| w.owned(RelKind::NetworkInterfaceHasIpAddress, n))
            .collect();
        assert_eq!(dead_nics, want_nics, "day {day}");
        assert_eq!(dead_addrs, want_addrs, "day {day}");
        assert!(!dead_addrs.is_empty());
    }
}

/// In a site whose one subnet is IPv4 a new server gets an interface but
/// no address, and the rows say so consistently.
#[test]
fn a_site_without_an_ipv6_subnet_gives_no_address() {
    let w = world("tiny");
    let cs = ChangeSet::new(&w, 1).unwrap();
    let servers = cs.rows(ChangeTable::Nodes(NodeKind::Server));
    assert!(servers > 0);
    assert_eq!(
        cs.rows(ChangeTable::Nodes(NodeKind::NetworkInterface)),
        servers
    );
    assert_eq!(cs.rows(ChangeTable::Nodes(NodeKind::IPAddress)), 0);
    assert_eq!(cs.rows(ChangeTable::Rels(RelKind::IpAddressInSubnet)), 0);
    let ip = col(&w, NodeKind::Server, "ip");
    let mut row = Vec::new();
    cs.row(ChangeTable::Nodes(NodeKind::Server), 0, &mut row);
    assert_eq!(row[ip], Value::Null);
}

/// A move hands one of the day's updated CIs to another group: its
/// `OWNED_BY` is re-pointed there, never to its base group, and its update
/// row's `owner_team` names the group, so the two keep agreeing.
#[test]
fn moves_hand_updated_cis_to_another_group_and_rename_their_team() {
    let w = world("medium");
    let team = UPDATE_COLUMNS
        .iter()
        .position(|c| c.name == "owner_team")
        .unwrap();
    for day in [1, 4] {
        let cs = ChangeSet::new(&w, day).unwrap();
        let mut moved = 0;
        for r in RelKind::OWNED_BY {
            let k = r.spec().start;
            let moves = cs.rows(ChangeTable::Moves(r));
            assert_eq!(moves, cs.moves(k));
            assert!(moves <= cs.rows(ChangeTable::Updates(k)), "{r}");
            for i in 0..cs.rows(ChangeTable::Updates(k)) {
                let mut row = Vec::new();
                cs.row(ChangeTable::Updates(k), i, &mut row);
                if i >= moves {
                    assert_eq!(row[team], Value::Null, "{r} update {i}");
                    continue;
                }
                let (ci, g) = cs.rel_pair_of_move(r, i);
                assert_eq!(ci, cs.updated_index(k, i));
                assert!(!cs.in_pool(k, ci));
                assert_ne!(Some(g), w.optional_end(r, ci), "{r} {ci}: not moved");
                assert!(g < w.count(NodeKind::Group));
                assert_eq!(text(&row[team]), text(&group_name(g)), "{r} {ci}");
                moved += 1;
            }
        }
        assert!(moved > 0, "day {day}");
    }
}
