//! Day-by-day change sets against a generated base: pure data, no I/O.
//!
//! Day `N` (from 1) of a profile is a set of tables, each a list of rows, and
//! row `i` of every table is a pure function of (seed, day, table, i),
//! computed against the base [`World`] of the profile. Every rule is derived
//! from the model (each kind's [`Churn`], each family's [`Shape`] and
//! [`RelKind::follows_placement`]), so a new kind or family needs no code
//! here:
//!
//! * **new nodes** of each kind ([`Churn::new_bp`] of the base count): the
//!   base generator's row for an index past the base count,
//!   `count + (N-1)·per_day + i`, so days never collide; the creation (or
//!   occurrence) time is moved to day `N`, and a new CI is installed and
//!   operational;
//! * **new relationships**: every one starts at a node created on day `N`,
//!   so none can repeat a base relationship or another day's. A new node is
//!   placed like a stable base node of its kind, its *twin*: its `Parent`
//!   ends (data centre, region) and the ends of families that follow
//!   placement (the servers a database runs on, a server's cluster, an
//!   install's server) are the twin's; its other ends (owner and support
//!   groups, business application, dependencies, an event's cause) are the
//!   generator's for the new node's own index, so `owner_team` names its
//!   `OWNED_BY` group as in the base. Ends that do not exist on day `N`
//!   (decommission pool, other days' nodes) are left out; a family that
//!   gives every base node one end gets one for every new node too (the
//!   twin is chosen so that its ends exist). Each new event `AFFECTS` one
//!   CI alive on the day, the events split over the kinds by the profile's
//!   weights. Families the rule cannot place yet get no rows
//!   ([`Rule::Skip`]);
//! * **owned kinds** (a server's interfaces and addresses, [`Churn::Owned`])
//!   come and go with their owner: a new server brings one interface and,
//!   where the world can place it, one address (`owned.rs`); a
//!   decommissioned server takes its own;
//! * **updates** of existing configuration items: a status change along
//!   the lifecycle (`status`, `install_status` and `operational_status`
//!   together, to a state the base one can move to, and `status_since` set
//!   to the day), a new `criticality` drawn with the weights the base gives
//!   that CI, or both. A row without a move writes the base's lifecycle
//!   as it was (no empty date-time). The day's first updates of a kind
//!   ([`MOVE_BP`] of its base) also hand the CI to another owner group: a
//!   new `owner_team` and a **move** of its `OWNED_BY` relationship to that
//!   group, so the two keep agreeing;
//! * **deletions** (decommissions, [`Churn::delete_bp`]) of existing nodes,
//!   with their relationships.
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
//! day applied last (each day's status change starts from the base state).
//! Applied to a graph without the base, updates and deletions of missing
//! nodes match nothing and are no-ops.

use crate::gen::index::Cumulative;
use crate::gen::{lifecycle, pools, Value, World};
use crate::model::{
    Churn, ColKind, Column, NodeKind, Part, PropType, Provenance, RelKind, Shape, Table,
};
use crate::rng::{self, Perm, Stream};
use std::fmt;

mod owned;

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

/// Updated nodes per day, in basis points of the kind's base count.
pub fn update_bp(kind: NodeKind) -> u64 {
    if kind.is_ci() {
        100
    } else {
        0
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
    /// Re-point relationships: each row's start loses its relationships of
    /// the family and gains the one to the row's end (a CI handed to
    /// another owner group).
    Moves,
    /// Delete nodes with their relationships.
    Deletes,
}

impl Op {
    /// All operations, in the order they are applied.
    pub const ALL: [Op; 5] = [
        Op::Nodes,
        Op::Relationships,
        Op::Updates,
        Op::Moves,
        Op::Deletes,
    ];

    /// The operation's folder and manifest name.
    pub fn name(self) -> &'static str {
        match self {
            Op::Nodes => "nodes",
            Op::Relationships => "relationships",
            Op::Updates => "updates",
            Op::Moves => "moves",
            Op::Deletes => "deletes",
        }
    }

    /// Whether its rows are relationships (a start and an end id).
    pub fn is_rel(self) -> bool {
        matches!(self, Op::Relationships | Op::Moves)
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
    /// Relationships of a family re-pointed (an `OWNED_BY` group changed).
    Moves(RelKind),
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
/// An update row: a lifecycle move (the three statuses and `status_since`)
/// and a criticality, either or both set.
const UPDATE_COLUMNS: &[Column] = &[
    ID,
    text("status"),
    text("install_status"),
    text("operational_status"),
    Column {
        name: "status_since",
        kind: ColKind::Prop(PropType::DateTime),
    },
    text("criticality"),
    text("owner_team"),
];
const DELETE_COLUMNS: &[Column] = &[ID];

impl ChangeTable {
    /// The operation.
    pub fn op(self) -> Op {
        match self {
            ChangeTable::Nodes(_) => Op::Nodes,
            ChangeTable::Rels(_) => Op::Relationships,
            ChangeTable::Updates(_) => Op::Updates,
            ChangeTable::Moves(_) => Op::Moves,
            ChangeTable::Deletes(_) => Op::Deletes,
        }
    }

    /// The table's name: the kind or family name (unique within an op).
    pub fn name(self) -> String {
        match self {
            ChangeTable::Nodes(k) | ChangeTable::Updates(k) | ChangeTable::Deletes(k) => {
                k.name().to_string()
            }
            ChangeTable::Rels(r) | ChangeTable::Moves(r) => r.name(),
        }
    }

    /// The folder relative to the change set's root (`updates/Server`).
    pub fn dir(self) -> String {
        format!("{}/{}", self.op().name(), self.name())
    }

    /// The matching base table for new nodes and relationships (and moved
    /// ones: their rows are the family's).
    pub fn base_table(self) -> Option<Table> {
        match self {
            ChangeTable::Nodes(k) => Some(Table::Node(k)),
            ChangeTable::Rels(r) | ChangeTable::Moves(r) => Some(Table::Rel(r)),
            _ => None,
        }
    }

    /// The columns under the base bundle's provenance, in file order.
    pub fn columns(self, p: Provenance) -> &'static [Column] {
        match self {
            ChangeTable::Nodes(k) => k.columns(p),
            ChangeTable::Rels(r) | ChangeTable::Moves(r) => r.columns(p),
            ChangeTable::Updates(_) => UPDATE_COLUMNS,
            ChangeTable::Deletes(_) => DELETE_COLUMNS,
        }
    }

    /// The node kind (ID group) of node tables, or `None` for relationships.
    pub fn node_kind(self) -> Option<NodeKind> {
        match self {
            ChangeTable::Nodes(k) | ChangeTable::Updates(k) | ChangeTable::Deletes(k) => Some(k),
            ChangeTable::Rels(_) | ChangeTable::Moves(_) => None,
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
                        ColKind::Prop(t) => match t.header_suffix() {
                            Some(suffix) => format!("{}:{suffix}", c.name),
                            None => c.name.to_string(),
                        },
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
    pub(super) const TWIN: u64 = 0x1_5000;
    pub(super) const MOVE: u64 = 0x1_6000;
}

/// CIs handed to another owner group per day, in basis points of the
/// kind's base count (taken from the day's updates, which write the new
/// `owner_team`).
pub const MOVE_BP: u64 = 20;
/// Other CIs' owner groups tried for a moved CI's new group.
const MOVE_TRIES: u64 = 4;

/// How many stable base nodes are tried for a new node's twin, looking for
/// one whose one-per-node ends exist on the day.
const TWIN_TRIES: u64 = 8;

/// How a family's rows of a day are laid out, derived from the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// One row per new start node: its twin's parent.
    Parent,
    /// Each new start node's ends by the base generator's rule, for the
    /// node itself or (`twin`) for its twin, those that exist on the day.
    Ends {
        /// The ends follow placement: they are the twin's.
        twin: bool,
    },
    /// Each new event's one relationship, the day's events split over the
    /// `AFFECTS` families by the profile's weights.
    OneOf,
    /// An `Owns` family whose owned kind comes with its owner: one row per
    /// owned node a day adds, from its new owner.
    Owns,
    /// A family starting at a kind that comes with its owner: the end the
    /// world places such a node at, from its root owner's twin (an
    /// address's subnet).
    Placed,
    /// No rows: the generic rule cannot place the family's ends (why).
    Skip(&'static str),
}

impl Rule {
    /// The rule of family `r` in `world`: from its shape, its end kind's
    /// churn and its row count in the base. A `Parent` family must give
    /// every start node a parent that is never decommissioned; shapes the
    /// rule does not know are refused rather than guessed.
    pub fn of(world: &World, r: RelKind) -> Rule {
        let spec = r.spec();
        if spec.end.churn() == Churn::Owned && spec.shape == Shape::Owns {
            return Rule::Owns;
        }
        if spec.start.churn() == Churn::Owned {
            return Rule::Placed;
        }
        match spec.shape {
            Shape::Parent if spec.end.churn().delete_bp() > 0 => {
                Rule::Skip("its parents are decommissioned")
            }
            // Over part of its start kind: a new node is placed like its
            // twin, when the twin is in the part.
            Shape::Parent if world.rows(Table::Rel(r)) != world.count(spec.start) => {
                Rule::Ends { twin: true }
            }
            Shape::Parent => Rule::Parent,
            Shape::Fanout | Shape::Optional => Rule::Ends {
                twin: r.follows_placement(),
            },
            Shape::OneOf if r.affects_slot().is_some() => Rule::OneOf,
            Shape::OneOf => Rule::Skip("a one-of family outside AFFECTS"),
            _ => Rule::Skip("no change rule for its shape"),
        }
    }
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
    affects: [(u64, u64); RelKind::AFFECTS.len()],
    /// Per-table row streams (keyed by seed and day).
    seed: u64,
    /// Each family's rule, indexed like [`RelKind::ALL`].
    rules: [Rule; RelKind::ALL.len()],
    /// Per kind, the placed families every base node has one end in: a
    /// twin is chosen so that its ends in them exist on the day.
    must: [Vec<RelKind>; NodeKind::ALL.len()],
    /// Per [`Rule::Ends`] and [`Rule::Placed`] family, running totals of
    /// the rows per new start.
    cums: Vec<Option<Cumulative>>,
    /// Per kind that comes with its owner ([`Churn::Owned`]), its day.
    owned: Vec<Option<owned::OwnedPlan>>,
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
                share(base, k.churn().delete_bp())
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
                new: share(base, k.churn().new_bp()),
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
        let mut counts = [0u64; RelKind::AFFECTS.len()];
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
        // A kind that comes with its owner gets a new node per new root
        // owner (when the base has any), at the root's positions.
        let mut kinds = kinds;
        for k in NodeKind::ALL {
            if k.churn() == Churn::Owned && world.count(k) > 0 {
                kinds[k.index()].new = kinds[owned::root_kind(k).index()].new;
            }
        }
        let mut affects = [(0, 0); RelKind::AFFECTS.len()];
        let mut first = 0;
        for s in 0..RelKind::AFFECTS.len() {
            affects[s] = (first, counts[s]);
            first += counts[s];
        }
        let rules = RelKind::ALL.map(|r| Rule::of(world, r));
        // A family every base node has one end in, taken from the twin.
        let must = NodeKind::ALL.map(|k| {
            RelKind::ALL
                .into_iter()
                .filter(|&r| {
                    let spec = r.spec();
                    spec.start == k
                        && spec.shape == Shape::Optional
                        && rules[r.index()] == Rule::Ends { twin: true }
                        && world.count(k) > 0
                        && world.rows(Table::Rel(r)) == world.count(k)
                })
                .collect()
        });
        let mut cs = ChangeSet {
            world,
            day,
            kinds,
            affects,
            seed,
            rules,
            must,
            cums: Vec::new(),
            owned: Vec::new(),
        };
        cs.owned = NodeKind::ALL
            .iter()
            .map(|&k| owned::OwnedPlan::new(&cs, k))
            .collect();
        let cums = RelKind::ALL
            .iter()
            .map(|&r| match cs.rules[r.index()] {
                Rule::Ends { .. } | Rule::Placed => {
                    let starts = cs.plan(r.spec().start).new;
                    Some(Cumulative::new(starts, |i| cs.ends_len(r, i)))
                }
                _ => None,
            })
            .collect();
        cs.cums = cums;
        Ok(cs)
    }

    /// The rule of family `r` on this day's base.
    pub fn rule(&self, r: RelKind) -> Rule {
        self.rules[r.index()]
    }

    /// The twin of the `i`-th node created today of kind `k`: the stable
    /// base node it is placed like (`None` when the kind has none). The
    /// first of a few drawn whose ends in the kind's one-per-node placed
    /// families exist on the day, else the first.
    pub fn twin(&self, k: NodeKind, i: u64) -> Option<u64> {
        let stable = self.plan(k).stable();
        if stable == 0 {
            return None;
        }
        let mut d = self.stream(streams::TWIN, k.index()).draws(i);
        // A new node's index is past the base, so it extends the kind's
        // last part (a tail share, such as the cloud servers): its twin is
        // drawn there.
        if let Some(tail) = self.tail_part(k) {
            let n = tail.end - tail.start;
            let found = (0..TWIN_TRIES * 4)
                .map(|_| tail.start + d.below(n))
                .find(|&c| !self.in_pool(k, c) && self.twin_fits(k, c));
            if found.is_some() {
                return found;
            }
        }
        let first = self.stable(k, d.below(stable));
        let fits = |c: u64| self.twin_fits(k, c);
        if fits(first) {
            return Some(first);
        }
        let found = (1..TWIN_TRIES)
            .map(|_| self.stable(k, d.below(stable)))
            .find(|&c| fits(c));
        Some(found.unwrap_or(first))
    }

    /// The non-empty tail part of kind `k`'s nodes that a `Parent` family
    /// places (`Part::Tail`), if any.
    fn tail_part(&self, k: NodeKind) -> Option<std::ops::Range<u64>> {
        RelKind::ALL
            .into_iter()
            .filter(|r| r.spec().start == k && matches!(r.parent_part(), Part::Tail(_)))
            .map(|r| self.world.part(r))
            .find(|p| !p.is_empty())
    }

    /// Whether base node `c` of kind `k` has an existing end in every
    /// family a twin must have one in.
    fn twin_fits(&self, k: NodeKind, c: u64) -> bool {
        self.must[k.index()].iter().all(|&r| {
            self.world
                .optional_end(r, c)
                .is_some_and(|e| self.exists(r.spec().end, e))
        })
    }

    /// Whether node `n` of kind `k` exists on the day whatever else was
    /// applied: a base node outside the decommission pool, or one created
    /// today.
    pub fn exists(&self, k: NodeKind, n: u64) -> bool {
        let p = self.plan(k);
        if self.owned_plan(k).is_some() {
            return self.owned_exists(k, n);
        }
        if n < p.base {
            !self.in_pool(k, n)
        } else {
            let first = self.new_index(k, 0);
            (first..first + p.new).contains(&n)
        }
    }

    /// Fills `out` with the ends of [`Rule::Ends`] family `r` for the
    /// `i`-th start node created today, in the generator's order.
    fn ends(&self, r: RelKind, i: u64, out: &mut Vec<u64>) {
        out.clear();
        let spec = r.spec();
        let from = match self.rules[r.index()] {
            Rule::Placed => {
                out.extend(self.placed_end(r, i));
                return;
            }
            Rule::Ends { twin: true } => match self.twin(spec.start, i) {
                Some(t) => t,
                None => return,
            },
            Rule::Ends { twin: false } => self.new_index(spec.start, i),
            _ => return,
        };
        match spec.shape {
            Shape::Fanout => self.world.fanout_targets(r, from, out),
            Shape::Parent => {
                if self.world.part(r).contains(&from) {
                    out.push(self.world.parent(r, from));
                }
            }
            _ => out.extend(self.world.optional_end(r, from)),
        }
        out.retain(|&e| self.exists(spec.end, e));
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
            .chain(RelKind::OWNED_BY.map(ChangeTable::Moves))
            .chain(NodeKind::ALL.map(ChangeTable::Deletes));
        all.filter(|&t| self.rows(t) > 0).collect()
    }

    /// The number of ends of [`Rule::Ends`] family `r` for the `i`-th start
    /// node created today.
    fn ends_len(&self, r: RelKind, i: u64) -> u64 {
        let mut out = Vec::new();
        self.ends(r, i, &mut out);
        out.len() as u64
    }

    /// The number of rows of a table.
    pub fn rows(&self, t: ChangeTable) -> u64 {
        match t {
            ChangeTable::Nodes(k) => match self.owned_plan(k) {
                Some(o) => o.new_rows(),
                None => self.plan(k).new,
            },
            ChangeTable::Updates(k) => self.plan(k).updates,
            ChangeTable::Moves(r) => self.moves(r.spec().start),
            ChangeTable::Deletes(k) => match self.owned_plan(k) {
                Some(o) => o.deleted_rows(),
                None => self.plan(k).deletes,
            },
            ChangeTable::Rels(r) => match self.rules[r.index()] {
                Rule::Parent => {
                    let p = self.plan(r.spec().start);
                    if p.stable() > 0 {
                        p.new
                    } else {
                        0
                    }
                }
                Rule::Ends { .. } | Rule::Placed => {
                    self.cums[r.index()].as_ref().map_or(0, Cumulative::total)
                }
                Rule::Owns => self.rows(ChangeTable::Nodes(r.spec().end)),
                Rule::OneOf => r.affects_slot().map_or(0, |s| self.affects[s].1),
                Rule::Skip(_) => 0,
            },
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
    /// deleted on some day; never updated or linked by changes).
    pub fn in_pool(&self, k: NodeKind, n: u64) -> bool {
        if let Some((root, m)) = self.root_of(k, n) {
            return self.in_pool(root, m);
        }
        let p = self.plan(k);
        n < p.base && p.perm.is_some_and(|perm| perm.invert(n) < p.pool)
    }

    /// The node index of the `i`-th node created today of kind `k`.
    pub fn new_index(&self, k: NodeKind, i: u64) -> u64 {
        let p = self.plan(k);
        p.base + (self.day - 1) * p.new + i
    }

    /// The node index of row `i` of today's new nodes of kind `k`: the
    /// `i`-th created, or for a kind that comes with its owner, the one at
    /// the position of its root owner.
    pub fn new_row_index(&self, k: NodeKind, i: u64) -> u64 {
        self.new_index(k, self.new_position(k, i))
    }

    /// The node index deleted by row `i` of today's deletions of kind `k`.
    pub fn deleted_index(&self, k: NodeKind, i: u64) -> u64 {
        if self.owned_plan(k).is_some() {
            return self.owned_deleted_index(k, i);
        }
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
        match self.rules[r.index()] {
            Rule::Parent => {
                let twin = self.twin(spec.start, i).unwrap_or(0);
                (self.new_index(spec.start, i), self.world.parent(r, twin))
            }
            Rule::Owns => {
                let p = self.new_position(spec.end, i);
                (self.new_index(spec.start, p), self.new_index(spec.end, p))
            }
            Rule::Ends { .. } | Rule::Placed => {
                let Some(cum) = &self.cums[r.index()] else {
                    return (0, 0);
                };
                let (j, k) = cum.locate(i, |j| self.ends_len(r, j));
                let mut ends = Vec::new();
                self.ends(r, j, &mut ends);
                let end = ends.get(crate::cast::index(k)).copied().unwrap_or(0);
                (self.new_index(spec.start, j), end)
            }
            _ => self.affects_pair(r, i),
        }
    }

    /// Row `i` of an `AFFECTS` family.
    fn affects_pair(&self, r: RelKind, i: u64) -> (u64, u64) {
        let spec = r.spec();
        let h = self.stream(streams::REL, r.index());
        let cands = self.plan(spec.end).candidates();
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
            ChangeTable::Moves(r) => self.move_row(r, i, out),
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
        self.world.node_row(k, self.new_row_index(k, i), out);
        self.place_addresses(k, self.new_position(k, i), from, out);
        // Move the creation (or occurrence) time to today: every date-time
        // of a new node is that instant (`observed_at`, a source's report,
        // aside). A new CI is installed, operational and discovered at once.
        // The day is cut into one slot per new node, in order, so a node
        // comes after the ones before it (an event after its cause).
        let mut d = self.stream(streams::NEW, k.index()).draws(i);
        let n = self.plan(k).new.max(1);
        let slot = |i: u64| crate::cast::narrow(u128::from(i) * 86_400 / u128::from(n));
        let (lo, hi) = (slot(i), slot(i + 1));
        let t = Value::DateTime(self.day_start() + (lo + d.below((hi - lo).max(1))) as i64);
        let status = [
            ("status", &lifecycle::STATUS[0]),
            ("install_status", &lifecycle::INSTALL_STATUS[0]),
            ("operational_status", &lifecycle::OPERATIONAL_STATUS[0]),
        ];
        for (c, col) in k.columns(self.world.provenance()).iter().enumerate() {
            if col.kind == ColKind::Prop(PropType::DateTime) && !col.is_multi_source_only() {
                out[from + c] = t;
            } else if k.is_ci() {
                if let Some((_, w)) = status.iter().find(|(name, _)| *name == col.name) {
                    out[from + c] = Value::Word(w);
                }
            }
        }
    }

    fn rel_row(&self, r: RelKind, i: u64, out: &mut Vec<Value<'w>>) {
        let d = self.stream(streams::REL + 0x100, r.index()).draws(i);
        self.put_rel(r, self.rel_pair(r, i), d, out);
    }

    /// A relationship row of family `r` from `s` to `e`, its source tags and
    /// properties drawn from `d`.
    fn put_rel(&self, r: RelKind, (s, e): (u64, u64), mut d: rng::Draws, out: &mut Vec<Value<'w>>) {
        let spec = r.spec();
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
        let n = self.updated_index(k, i);
        out.push(Value::Id {
            prefix: k.id_prefix(),
            n,
        });
        // A status move, a criticality, or both (a retired CI, which moves
        // nowhere, gets a criticality). Every row writes the lifecycle: the
        // move, or the base's state and `status_since` as they were, since
        // neo4j-admin 5.0 to 5.5 cannot read an empty date-time.
        let life = self.world.life(k, n);
        let next = lifecycle::NEXT[life.state];
        let mut mask = 1 + d.below(3);
        if next.is_empty() {
            mask = 2;
        }
        let to = next
            .get(crate::cast::index(d.below(next.len().max(1) as u64)))
            .copied();
        let since = self.day_start() + d.below(86_400) as i64;
        let (state, since) = match to {
            Some(s) if mask & 1 != 0 => (s, since),
            _ => {
                let first = life.first.unwrap_or(life.created);
                (life.state, life.retired.unwrap_or(first))
            }
        };
        out.extend([
            Value::Word(&lifecycle::STATUS[state]),
            Value::Word(&lifecycle::INSTALL_STATUS[state]),
            Value::Word(&lifecycle::OPERATIONAL_STATUS[state]),
            Value::DateTime(since),
        ]);
        let h = d.next();
        out.push(if mask & 2 != 0 {
            let c = rng::weighted(h, self.world.criticality_weights(k, n), 100);
            Value::Word(&pools::CRITICALITY.words[c])
        } else {
            Value::Null
        });
        // The first updates of a day hand their CI to another group.
        out.push(match crate::gen::platform::owned_by(k) {
            Some(r) if i < self.moves(k) => crate::gen::platform::group_name(self.moved_to(r, i)),
            _ => Value::Null,
        });
    }

    /// The CIs of kind `k` handed to another owner group today: the first
    /// of its updates (none without two groups to move between).
    pub fn moves(&self, k: NodeKind) -> u64 {
        let groups = self.world.count(NodeKind::Group);
        if crate::gen::platform::owned_by(k).is_none() || groups < 2 {
            return 0;
        }
        share(self.plan(k).base, MOVE_BP).min(self.plan(k).updates)
    }

    /// The new group of the CI of move row `i` of `OWNED_BY` family `r`:
    /// the owner of another CI of its kind (so popular teams get more), the
    /// first of a few tried that differs from its base group, else the
    /// next group.
    pub fn moved_to(&self, r: RelKind, i: u64) -> u64 {
        let k = r.spec().start;
        let ci = self.updated_index(k, i);
        let now = self.world.optional_end(r, ci).unwrap_or(0);
        let mut d = self.stream(streams::MOVE, k.index()).draws(i);
        let base = self.plan(k).base;
        (0..MOVE_TRIES)
            .filter_map(|_| self.world.optional_end(r, d.below(base)))
            .find(|&g| g != now)
            .unwrap_or((now + 1) % self.world.count(NodeKind::Group))
    }

    /// The (CI, new group) of move row `i` of `OWNED_BY` family `r`.
    pub fn rel_pair_of_move(&self, r: RelKind, i: u64) -> (u64, u64) {
        (self.updated_index(r.spec().start, i), self.moved_to(r, i))
    }

    /// Row `i` of the moves of `OWNED_BY` family `r`: the CI of update row
    /// `i` and its new group.
    fn move_row(&self, r: RelKind, i: u64, out: &mut Vec<Value<'w>>) {
        let d = self.stream(streams::MOVE + 0x100, r.index()).draws(i);
        self.put_rel(r, self.rel_pair_of_move(r, i), d, out);
    }
}

#[cfg(test)]
mod tests;
