//! Day-by-day change sets against a generated base: pure data, no I/O.
//!
//! Day `N` (from 1) of a profile is a set of tables, each a list of rows, and
//! row `i` of every table is a pure function of (seed, day, table, i),
//! computed against the base [`World`] of the profile:
//!
//! * **new nodes** of each kind: the base generator's row for an index past
//!   the base count, `count + (N-1)·per_day + i`, so days never collide; the
//!   creation (or occurrence) time is moved to day `N`;
//! * **new relationships**: each has at least one end created on day `N`
//!   (its structural links: a new server is hosted in a data centre, a new
//!   application runs on servers, a new event affects one CI, existing
//!   applications support a new business service...), so none can repeat a
//!   base relationship or another day's;
//! * **updates** of `status`, `criticality` and `owner_team` on existing
//!   configuration items (each row sets one to three of them);
//! * **deletions** (decommissions) of existing configuration items, with
//!   their relationships.
//!
//! How days interact: for each kind, a fixed pseudo-random tenth of the base
//! nodes is the *decommission pool* ([`POOL_BP`]). Day `N` deletes the pool's
//! slice `(N-1)·d .. N·d`, so every node is deleted on at most one day (a
//! pool is used up after `pool / d` days; later days delete nothing). Pool
//! nodes are never updated and never the end of a new relationship on any
//! day, and new relationships only reach base nodes outside the pool or nodes
//! of the same day. Hence each day needs only the base, days can be applied
//! in any order or skipped, and applying a day twice changes nothing. The one
//! order dependency: a node updated on several days keeps the values of the
//! day applied last. Applied to a graph without the base, updates and
//! deletions of missing nodes match nothing and are no-ops.

use crate::gen::{lifecycle, pools, Value, World};
use crate::model::{ColKind, Column, NodeKind, PropType, Provenance, RelKind, Table};
use crate::rng::{self, Perm, Stream};
use std::fmt;

/// The manifest's `kind` for change sets.
pub const KIND: &str = "changes";
/// The neo4j-admin argument file of a change set's incremental import.
pub const INCREMENTAL_ARGS: &str = "incremental.args";

/// Day 1 of the change calendar starts at the profile's reference (`[time]`),
/// where the base's discoveries and events end.
/// The largest day number.
pub const MAX_DAY: u64 = 1_000_000;
/// The decommission pool, in basis points of a kind's base count.
pub const POOL_BP: u64 = 1_000;

/// New nodes per day, in basis points of the kind's base count.
pub fn new_bp(kind: NodeKind) -> u64 {
    match kind {
        NodeKind::Server | NodeKind::Database | NodeKind::Application => 100,
        NodeKind::NetworkDevice | NodeKind::BusinessService => 50,
        NodeKind::Event => 200,
        // Regions, data centres, records and kinds without a change rule.
        _ => 0,
    }
}

/// Updated nodes per day, in basis points of the kind's base count.
pub fn update_bp(kind: NodeKind) -> u64 {
    if kind.is_ci() {
        100
    } else {
        0
    }
}

/// Deleted nodes per day, in basis points of the kind's base count.
pub fn delete_bp(kind: NodeKind) -> u64 {
    match kind {
        NodeKind::Server
        | NodeKind::NetworkDevice
        | NodeKind::Database
        | NodeKind::Application
        | NodeKind::BusinessService => 10,
        _ => 0,
    }
}

/// `ceil(base · bp / 10000)`, 0 when either is 0.
fn share(base: u64, bp: u64) -> u64 {
    u64::try_from((u128::from(base) * u128::from(bp)).div_ceil(10_000)).unwrap_or(u64::MAX)
}

/// What a change table does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// Create (MERGE) nodes.
    Nodes,
    /// Create (MERGE) relationships.
    Relationships,
    /// Set properties on existing nodes.
    Updates,
    /// Delete nodes with their relationships.
    Deletes,
}

impl Op {
    /// All operations, in the order they are applied.
    pub const ALL: [Op; 4] = [Op::Nodes, Op::Relationships, Op::Updates, Op::Deletes];

    /// The operation's folder and manifest name.
    pub fn name(self) -> &'static str {
        match self {
            Op::Nodes => "nodes",
            Op::Relationships => "relationships",
            Op::Updates => "updates",
            Op::Deletes => "deletes",
        }
    }

    /// Parses [`Op::name`].
    pub fn from_name(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.name() == s)
    }
}

/// One table of a change set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeTable {
    /// New nodes of a kind.
    Nodes(NodeKind),
    /// New relationships of a family.
    Rels(RelKind),
    /// Property updates of a kind.
    Updates(NodeKind),
    /// Deletions of a kind.
    Deletes(NodeKind),
}

const ID: Column = Column {
    name: "id",
    kind: ColKind::Id,
};
const fn text(name: &'static str) -> Column {
    Column {
        name,
        kind: ColKind::Prop(PropType::String),
    }
}
const UPDATE_COLUMNS: &[Column] = &[ID, text("status"), text("criticality"), text("owner_team")];
const DELETE_COLUMNS: &[Column] = &[ID];

impl ChangeTable {
    /// The operation.
    pub fn op(self) -> Op {
        match self {
            ChangeTable::Nodes(_) => Op::Nodes,
            ChangeTable::Rels(_) => Op::Relationships,
            ChangeTable::Updates(_) => Op::Updates,
            ChangeTable::Deletes(_) => Op::Deletes,
        }
    }

    /// The table's name: the kind or family name (unique within an op).
    pub fn name(self) -> String {
        match self {
            ChangeTable::Nodes(k) | ChangeTable::Updates(k) | ChangeTable::Deletes(k) => {
                k.name().to_string()
            }
            ChangeTable::Rels(r) => r.name(),
        }
    }

    /// The folder relative to the change set's root (`updates/Server`).
    pub fn dir(self) -> String {
        format!("{}/{}", self.op().name(), self.name())
    }

    /// The matching base table for new nodes and relationships.
    pub fn base_table(self) -> Option<Table> {
        match self {
            ChangeTable::Nodes(k) => Some(Table::Node(k)),
            ChangeTable::Rels(r) => Some(Table::Rel(r)),
            _ => None,
        }
    }

    /// The columns under the base bundle's provenance, in file order.
    pub fn columns(self, p: Provenance) -> &'static [Column] {
        match self {
            ChangeTable::Nodes(k) => k.columns(p),
            ChangeTable::Rels(r) => r.columns(p),
            ChangeTable::Updates(_) => UPDATE_COLUMNS,
            ChangeTable::Deletes(_) => DELETE_COLUMNS,
        }
    }

    /// The node kind (ID group) of node tables, or `None` for relationships.
    pub fn node_kind(self) -> Option<NodeKind> {
        match self {
            ChangeTable::Nodes(k) | ChangeTable::Updates(k) | ChangeTable::Deletes(k) => Some(k),
            ChangeTable::Rels(_) => None,
        }
    }

    /// Header cells in neo4j-admin syntax. With `incremental`, the ID cell of
    /// new nodes carries `{label:Kind}`, as `neo4j-admin database import
    /// incremental` requires.
    pub fn header_cells(self, p: Provenance, incremental: bool) -> Vec<String> {
        let mut cells = match self.base_table() {
            Some(t) => t.header_cells(p),
            None => {
                let k = self.node_kind().map(NodeKind::name).unwrap_or_default();
                self.columns(p)
                    .iter()
                    .map(|c| match c.kind {
                        ColKind::Id => format!("{}:ID({k})", c.name),
                        _ => c.name.to_string(),
                    })
                    .collect()
            }
        };
        if let (true, ChangeTable::Nodes(k)) = (incremental, self) {
            cells[0] = format!("{}{{label:{}}}", cells[0], k.name());
        }
        cells
    }
}

impl fmt::Display for ChangeTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dir())
    }
}

/// Stream ids of the change streams (the base uses `0x100..=0x700`).
mod streams {
    pub(super) const POOL: u64 = 0x1_0000;
    pub(super) const NEW: u64 = 0x1_1000;
    pub(super) const REL: u64 = 0x1_2000;
    pub(super) const UPDATE: u64 = 0x1_3000;
    pub(super) const UPDATE_PICK: u64 = 0x1_4000;
}

/// The per-kind layout of a day.
#[derive(Clone, Copy, Debug, Default)]
struct KindPlan {
    base: u64,
    /// Decommission pool size.
    pool: u64,
    new: u64,
    updates: u64,
    /// First pool position deleted today, and how many.
    delete_from: u64,
    deletes: u64,
    /// Permutation of `0..base`: positions `< pool` are the pool.
    perm: Option<Perm>,
}

impl KindPlan {
    /// Base nodes outside the pool (never deleted).
    fn stable(&self) -> u64 {
        self.base - self.pool
    }

    /// Candidate ends: stable base nodes, then today's new nodes.
    fn candidates(&self) -> u64 {
        self.stable() + self.new
    }
}

/// Day `day`'s changes against `world`.
pub struct ChangeSet<'w> {
    world: &'w World,
    day: u64,
    kinds: [KindPlan; NodeKind::ALL.len()],
    /// Events affecting each `AFFECTS` family: (first event, count).
    affects: [(u64, u64); 5],
    /// Per-table row streams (keyed by seed and day).
    seed: u64,
}

/// A day number out of range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayError(pub String);

impl fmt::Display for DayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DayError {}

/// Distinct positions `start, start+1, ...` modulo `n`, skipping `skip`.
fn nth_distinct(start: u64, k: u64, n: u64, skip: Option<u64>) -> u64 {
    match skip {
        None => (start + k) % n,
        Some(s) => {
            // Walk the n-1 positions other than `s`, from `start`.
            let m = n - 1;
            let first = if start > s { start - 1 } else { start } % m;
            let p = (first + k) % m;
            if p >= s {
                p + 1
            } else {
                p
            }
        }
    }
}

impl<'w> ChangeSet<'w> {
    /// The change set of `day` (1..=[`MAX_DAY`]).
    pub fn new(world: &'w World, day: u64) -> Result<ChangeSet<'w>, DayError> {
        if !(1..=MAX_DAY).contains(&day) {
            return Err(DayError(format!(
                "--day must be between 1 and {MAX_DAY} (got {day})"
            )));
        }
        let seed = world.profile().seed;
        let kinds = NodeKind::ALL.map(|k| {
            let base = world.count(k);
            let deletes_per_day = if base > 1 {
                share(base, delete_bp(k))
            } else {
                0
            };
            let pool = if deletes_per_day == 0 {
                0
            } else {
                share(base, POOL_BP).max(deletes_per_day).min(base - 1)
            };
            let delete_from = ((day - 1).saturating_mul(deletes_per_day)).min(pool);
            let deletes = deletes_per_day.min(pool - delete_from);
            let perm = (base > 0)
                .then(|| Perm::new(base, Stream::new(seed, streams::POOL).at(k.index() as u64)));
            KindPlan {
                base,
                pool,
                new: share(base, new_bp(k)),
                updates: share(base, update_bp(k)).min(base - pool),
                delete_from,
                deletes,
                perm,
            }
        });
        // A day's events are split over the AFFECTS families by the profile's
        // weights (largest remainder), in slot order.
        let events = kinds[NodeKind::Event.index()].new;
        let mut weights = world.profile().affects;
        for (slot, r) in RelKind::AFFECTS.iter().enumerate() {
            if kinds[r.spec().end.index()].candidates() == 0 {
                weights[slot] = 0;
            }
        }
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut counts = [0u64; 5];
        if total > 0 {
            let mut rem: Vec<(u64, usize)> = Vec::new();
            for (s, &w) in weights.iter().enumerate() {
                let x = u128::from(events) * u128::from(w);
                counts[s] = crate::cast::narrow(x / u128::from(total));
                rem.push((crate::cast::narrow(x % u128::from(total)), s));
            }
            let left = events - counts.iter().sum::<u64>();
            rem.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for &(_, s) in rem.iter().take(crate::cast::index(left)) {
                counts[s] += 1;
            }
        }
        let mut affects = [(0, 0); 5];
        let mut first = 0;
        for s in 0..5 {
            affects[s] = (first, counts[s]);
            first += counts[s];
        }
        Ok(ChangeSet {
            world,
            day,
            kinds,
            affects,
            seed,
        })
    }

    /// The day.
    pub fn day(&self) -> u64 {
        self.day
    }

    /// The base world.
    pub fn world(&self) -> &'w World {
        self.world
    }

    fn plan(&self, k: NodeKind) -> &KindPlan {
        &self.kinds[k.index()]
    }

    /// Every table with at least one row, in apply order: new nodes, new
    /// relationships, updates, deletions.
    pub fn tables(&self) -> Vec<ChangeTable> {
        let all = NodeKind::ALL
            .map(ChangeTable::Nodes)
            .into_iter()
            .chain(RelKind::ALL.map(ChangeTable::Rels))
            .chain(NodeKind::ALL.map(ChangeTable::Updates))
            .chain(NodeKind::ALL.map(ChangeTable::Deletes));
        all.filter(|&t| self.rows(t) > 0).collect()
    }

    /// The fixed number of relationships of family `r` per start node created
    /// today (before capping by the candidates), or `None` for families whose
    /// rows are laid out otherwise.
    fn degree(r: RelKind) -> Option<u64> {
        use RelKind as R;
        match r {
            R::ServerHostedInDataCenter
            | R::NetworkDeviceHostedInDataCenter
            | R::DatabaseRunsOnServer
            | R::ApplicationDependsOnDatabase
            | R::ApplicationDependsOnApplication => Some(1),
            R::NetworkDeviceConnectsToServer | R::ApplicationRunsOnServer => Some(2),
            _ => None,
        }
    }

    /// Candidates for the end of `r` (start excluded for self-families).
    fn end_candidates(&self, r: RelKind) -> u64 {
        let spec = r.spec();
        let end = self.plan(spec.end);
        // Data centres and regions are never in a pool, so their candidates
        // are all of them.
        let n = end.candidates();
        if spec.start == spec.end {
            n.saturating_sub(1)
        } else {
            n
        }
    }

    /// Rows per new `SUPPORTS` business service (existing apps linked to it).
    const SUPPORTERS: u64 = 2;

    /// The number of rows of a table.
    pub fn rows(&self, t: ChangeTable) -> u64 {
        match t {
            ChangeTable::Nodes(k) => self.plan(k).new,
            ChangeTable::Updates(k) => self.plan(k).updates,
            ChangeTable::Deletes(k) => self.plan(k).deletes,
            ChangeTable::Rels(r) => {
                let spec = r.spec();
                let starts = self.plan(spec.start).new;
                let cands = self.end_candidates(r);
                if let Some(d) = Self::degree(r) {
                    return starts * d.min(cands);
                }
                match r {
                    RelKind::ApplicationSupportsBusinessService => {
                        let apps = self.plan(NodeKind::Application);
                        let own = starts * u64::from(cands > 0);
                        let bsvc = self.plan(NodeKind::BusinessService).new;
                        own + bsvc * Self::SUPPORTERS.min(apps.stable())
                    }
                    _ => match r.affects_slot() {
                        Some(slot) => self.affects[slot].1,
                        None => 0, // no new data centres: no LOCATED_IN
                    },
                }
            }
        }
    }

    /// The node index of the `j`-th candidate end of kind `k`: stable base
    /// nodes first, then today's new nodes.
    fn candidate(&self, k: NodeKind, j: u64) -> u64 {
        let p = self.plan(k);
        if j < p.stable() {
            self.stable(k, j)
        } else {
            self.new_index(k, j - p.stable())
        }
    }

    /// The `j`-th base node of kind `k` outside the decommission pool.
    pub fn stable(&self, k: NodeKind, j: u64) -> u64 {
        let p = self.plan(k);
        p.perm.map(|perm| perm.apply(p.pool + j)).unwrap_or(j)
    }

    /// Whether base node `n` of kind `k` is in the decommission pool (may be
    /// deleted on some day; never updated or linked by changes). O(pool):
    /// for tests and checks.
    pub fn in_pool(&self, k: NodeKind, n: u64) -> bool {
        let p = self.plan(k);
        (0..p.pool).any(|pos| p.perm.map(|perm| perm.apply(pos)) == Some(n))
    }

    /// The node index of the `i`-th node created today of kind `k`.
    pub fn new_index(&self, k: NodeKind, i: u64) -> u64 {
        let p = self.plan(k);
        p.base + (self.day - 1) * p.new + i
    }

    /// The node index deleted by row `i` of today's deletions of kind `k`.
    pub fn deleted_index(&self, k: NodeKind, i: u64) -> u64 {
        let p = self.plan(k);
        p.perm
            .map(|perm| perm.apply(p.delete_from + i))
            .unwrap_or(0)
    }

    /// The node index updated by row `i` of today's updates of kind `k`.
    pub fn updated_index(&self, k: NodeKind, i: u64) -> u64 {
        let p = self.plan(k);
        let key = self.stream(streams::UPDATE_PICK, k.index()).at(0);
        let day_perm = Perm::new(p.stable(), key);
        self.stable(k, day_perm.apply(i))
    }

    /// A stream keyed by (seed, day, family, index); `index` is a node
    /// kind's or relationship family's [`index`](NodeKind::index).
    fn stream(&self, family: u64, index: usize) -> Stream {
        let base = Stream::new(self.seed, family + index as u64);
        Stream::new(base.at(self.day), 0)
    }

    /// The (start, end) node indices of row `i` of relationship family `r`.
    pub fn rel_pair(&self, r: RelKind, i: u64) -> (u64, u64) {
        let spec = r.spec();
        let h = self.stream(streams::REL, r.index());
        let cands = self.end_candidates(r);
        if let Some(d) = Self::degree(r) {
            let d = d.min(cands);
            let (j, k) = (i / d, i % d);
            let start = self.new_index(spec.start, j);
            let end = match r {
                RelKind::ServerHostedInDataCenter | RelKind::NetworkDeviceHostedInDataCenter => {
                    rng::below(h.at(j), self.plan(spec.end).base)
                }
                RelKind::ApplicationDependsOnApplication => {
                    let all = self.plan(spec.end).candidates();
                    let own = self.plan(spec.end).stable() + j;
                    let pos = nth_distinct(rng::below(h.at(j), all), k, all, Some(own));
                    self.candidate(spec.end, pos)
                }
                _ => {
                    let pos = nth_distinct(rng::below(h.at(j), cands), k, cands, None);
                    self.candidate(spec.end, pos)
                }
            };
            return (start, end);
        }
        if r == RelKind::ApplicationSupportsBusinessService {
            let own = self.plan(NodeKind::Application).new * u64::from(cands > 0);
            if i < own {
                let pos = rng::below(h.at(i), cands);
                return (
                    self.new_index(NodeKind::Application, i),
                    self.candidate(NodeKind::BusinessService, pos),
                );
            }
            let stable = self.plan(NodeKind::Application).stable();
            let per = Self::SUPPORTERS.min(stable);
            let (j, k) = ((i - own) / per, (i - own) % per);
            let first = rng::below(h.at(own + j), stable);
            return (
                self.stable(NodeKind::Application, (first + k) % stable),
                self.new_index(NodeKind::BusinessService, j),
            );
        }
        // AFFECTS: event `first + i` of today affects a stable base CI (all
        // created before day 1), the first of a few tried that is neither
        // planned nor retired.
        let slot = r.affects_slot().unwrap_or(0);
        let event = self.affects[slot].0 + i;
        let stable = self.plan(spec.end).stable();
        if stable == 0 {
            // No base CI of the kind: one of today's.
            let pos = rng::below(h.at(i), cands.max(1));
            return (
                self.new_index(NodeKind::Event, event),
                self.candidate(spec.end, pos),
            );
        }
        let first = rng::below(h.at(i), stable);
        let pick = |k: u64| self.candidate(spec.end, (first + k) % stable);
        let ci = (0..8)
            .map(pick)
            .find(|&n| self.world.alive_at(spec.end, n, self.day_start()))
            .unwrap_or_else(|| pick(0));
        (self.new_index(NodeKind::Event, event), ci)
    }

    /// Appends row `i` of table `t` to `out`, in the order of `t.columns(p)`, `p` the world's provenance.
    pub fn row(&self, t: ChangeTable, i: u64, out: &mut Vec<Value<'w>>) {
        match t {
            ChangeTable::Nodes(k) => self.node_row(k, i, out),
            ChangeTable::Rels(r) => self.rel_row(r, i, out),
            ChangeTable::Updates(k) => self.update_row(k, i, out),
            ChangeTable::Deletes(k) => out.push(Value::Id {
                prefix: k.id_prefix(),
                n: self.deleted_index(k, i),
            }),
        }
    }

    /// The first second of the day.
    pub fn day_start(&self) -> i64 {
        self.world.reference() + (self.day as i64 - 1) * 86_400
    }

    fn node_row(&self, k: NodeKind, i: u64, out: &mut Vec<Value<'w>>) {
        let from = out.len();
        self.world.node_row(k, self.new_index(k, i), out);
        // Move the creation (or occurrence) time to today; a new CI is
        // installed, operational and discovered at once.
        let mut d = self.stream(streams::NEW, k.index()).draws(i);
        let t = Value::DateTime(self.day_start() + d.below(86_400) as i64);
        let now: &[(&str, Value<'static>)] = if k == NodeKind::Event {
            &[("occurred_at", t)]
        } else {
            &[
                ("created_at", t),
                ("first_discovered", t),
                ("last_discovered", t),
                ("status_since", t),
                ("status", Value::Word(&lifecycle::STATUS[0])),
                ("install_status", Value::Word(&lifecycle::INSTALL_STATUS[0])),
                (
                    "operational_status",
                    Value::Word(&lifecycle::OPERATIONAL_STATUS[0]),
                ),
            ]
        };
        let cols = k.columns(self.world.provenance());
        for (name, v) in now {
            if let Some(c) = cols.iter().position(|c| c.name == *name) {
                out[from + c] = *v;
            }
        }
    }

    fn rel_row(&self, r: RelKind, i: u64, out: &mut Vec<Value<'w>>) {
        let spec = r.spec();
        let (s, e) = self.rel_pair(r, i);
        let mut d = self.stream(streams::REL + 0x100, r.index()).draws(i);
        out.push(Value::Id {
            prefix: spec.start.id_prefix(),
            n: s,
        });
        out.push(Value::Id {
            prefix: spec.end.id_prefix(),
            n: e,
        });
        self.world.push_source_tags(spec.start, &mut d, out);
        crate::gen::push_rel_props(r, &mut d, out);
    }

    fn update_row(&self, k: NodeKind, i: u64, out: &mut Vec<Value<'w>>) {
        let mut d = self.stream(streams::UPDATE, k.index()).draws(i);
        out.push(Value::Id {
            prefix: k.id_prefix(),
            n: self.updated_index(k, i),
        });
        // One to three of the fields: a non-empty subset of 3 bits.
        let mask = 1 + d.below(7);
        let pools = [&pools::CI_STATUS, &pools::CRITICALITY, &pools::OWNER_TEAM];
        for (b, pool) in pools.iter().enumerate() {
            let v = pool.pick_word(d.next());
            out.push(if mask & (1 << b) != 0 {
                Value::Word(v)
            } else {
                Value::Null
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use std::collections::HashSet;

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
        assert_eq!(ops.len(), 4, "{:?}", cs.tables());
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
                    let n = cs.new_index(k, i);
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
                    // Every new relationship has an end created today.
                    assert!(
                        s >= w.count(spec.start) || e >= w.count(spec.end),
                        "{r} {i}"
                    );
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
    fn nth_distinct_skips_and_covers() {
        for n in 2..9u64 {
            for s in 0..n {
                for start in 0..n {
                    let got: HashSet<u64> = (0..n - 1)
                        .map(|k| nth_distinct(start, k, n, Some(s)))
                        .collect();
                    assert_eq!(got.len() as u64, n - 1);
                    assert!(!got.contains(&s));
                }
            }
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
        assert_eq!(u, ["id:ID(Server)", "status", "criticality", "owner_team"]);
        let d = ChangeTable::Deletes(NodeKind::Database).header_cells(p, true);
        assert_eq!(d, ["id:ID(Database)"]);
    }
}
