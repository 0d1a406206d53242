//! Pure generation: row `i` of a table is a function of (seed, table, i).
//!
//! A [`World`] is built once from a [`Profile`]: it holds the node counts, the
//! data-centre partitions and the per-family degree totals, all computed
//! without generating a row. After that, [`World::node_row`] and [`RelRows`]
//! produce any row range of any table on any thread; relationship ends are
//! computed, never looked up, so every end exists by construction.
//!
//! Rows are lists of [`Value`]s; the writers (`crate::write`) render them.

pub mod compute;
mod events;
pub mod index;
mod infra;
pub mod json;
mod kubernetes;
pub(crate) mod lifecycle;
mod multi;
mod network;
mod nodes;
pub mod platform;
pub mod pools;
mod rels;
mod storage;
pub mod text;

pub use multi::{natural_key_hash, record_key_hash, ReportInfo, Reports};
pub use nodes::NodeRows;
pub(crate) use rels::push_props as push_rel_props;
pub use rels::RelRows;

use crate::model::{Column, Ids, Layout, NodeKind, Provenance, RelKind, Shape, Table};
use crate::profile::{Fanout, Profile};
use crate::rng::{self, Perm, Stream};
use index::{Cumulative, Partition, Split};

/// One cell of a generated row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// Absent: an empty field, no property.
    Null,
    /// A string.
    Str(&'a str),
    /// A pool string, checked for CSV quoting when the pool was built and
    /// copied without a scan (see [`pools::Word`]). Writers treat it exactly
    /// as [`Value::Str`] of its text; a column is always filled with the same
    /// variant, so equality between rows holds.
    Word(&'static pools::Word),
    /// An id: `prefix` + `n` zero-padded to 9 digits (`srv-000000042`).
    Id {
        /// Kind prefix such as `srv-`.
        prefix: &'static str,
        /// Node index.
        n: u64,
    },
    /// A node's id under `--ids integer`: the integer import id `n` and then
    /// the string id (`42,srv-000000042`), two fields of a CSV row that
    /// fill the one id column of the model (`Table::column_cells`).
    IntegerId {
        /// Kind prefix such as `srv-`.
        prefix: &'static str,
        /// Node index: the integer id.
        n: u64,
    },
    /// A composed name: `a` [`sep` `b`] `sep` `n` (`web-prd-42`, `US East 2`).
    Name {
        /// First part.
        a: &'a str,
        /// Optional middle part (empty for none).
        b: &'a str,
        /// Separator.
        sep: &'static str,
        /// Trailing number.
        n: u64,
    },
    /// An integer (`int` or `long`).
    Int(i64),
    /// A decimal with two digits, as hundredths (`double`).
    Cents(i64),
    /// Seconds since the Unix epoch, UTC (`datetime`).
    DateTime(i64),
    /// An IPv4 address, as a string.
    Ipv4(u32),
    /// An IPv6 address, a CIDR block or a MAC address, as a string.
    Net(text::Net),
    /// `:LABEL` values.
    Labels(&'static [&'static str]),
    /// A `string[]` of tags: bit k selects `pools::TAGS[k]`.
    Tags(u16),
    /// A `boolean`.
    Bool(bool),
    /// A `string[]` of source names: bit k selects `names[k]` (in priority
    /// order in multi-source mode; a one-element slice with mask 1 for a
    /// single source).
    Sources {
        /// The names the mask selects from (at most 64).
        names: &'a [String],
        /// The selected names.
        mask: u64,
    },
    /// A canonical id: `prefix` + the 32 lowercase hex digits of `hash`
    /// (`srv-` + xxh3-128 of `Server:<name>`, docs/sources.md).
    Key {
        /// Kind prefix such as `srv-`.
        prefix: &'static str,
        /// The 128-bit hash.
        hash: u128,
    },
    /// A source's report of an item as a JSON object (the `attributes` of a
    /// `SourceRecord`), rendered on demand.
    Report(Report<'a>),
}

/// One source's report of one item, for [`Value::Report`].
#[derive(Clone, Copy)]
pub struct Report<'a> {
    world: &'a World,
    kind: NodeKind,
    i: u64,
    source: usize,
}

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Report({}, {}, {})", self.kind, self.i, self.source)
    }
}

impl PartialEq for Report<'_> {
    fn eq(&self, o: &Self) -> bool {
        std::ptr::eq(self.world, o.world)
            && (self.kind, self.i, self.source) == (o.kind, o.i, o.source)
    }
}

impl Report<'_> {
    /// Appends the report's attributes as a JSON object, in column order,
    /// empty values left out.
    pub fn put_json(&self, out: &mut Vec<u8>) {
        self.world.report_json(self.kind, self.i, self.source, out);
    }
}

impl Value<'_> {
    /// Appends the value's text when it is an id, a name or a plain string
    /// (what a natural key or an id is made of); nothing otherwise.
    pub fn put_text(&self, out: &mut Vec<u8>) {
        match *self {
            Value::Str(s) => out.extend_from_slice(s.as_bytes()),
            Value::Word(w) => out.extend_from_slice(w.text.as_bytes()),
            Value::Name { a, b, sep, n } => {
                out.extend_from_slice(a.as_bytes());
                if !b.is_empty() {
                    out.extend_from_slice(sep.as_bytes());
                    out.extend_from_slice(b.as_bytes());
                }
                out.extend_from_slice(sep.as_bytes());
                out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
            }
            Value::Id { prefix, n } | Value::IntegerId { prefix, n } => {
                text::put_id(prefix, n, out)
            }
            Value::Key { prefix, hash } => put_key(prefix, hash, out),
            Value::Report(r) => r.put_json(out),
            _ => {}
        }
    }
}

/// Appends a canonical id: `prefix` + 32 lowercase hex digits.
#[inline]
pub fn put_key(prefix: &str, hash: u128, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(prefix.as_bytes());
    for k in (0..32).rev() {
        out.push(HEX[((hash >> (4 * k)) & 0xF) as usize]);
    }
}

/// Iterates the names a [`Value::Sources`] mask selects, in order.
pub fn selected(names: &[String], mask: u64) -> impl Iterator<Item = &str> {
    names
        .iter()
        .take(64)
        .enumerate()
        .filter(move |(k, _)| mask >> k & 1 != 0)
        .map(|(_, n)| n.as_str())
}

/// Stream ids: stable constants (changing one changes the output).
mod streams {
    pub(super) const NODE: u64 = 0x100;
    pub(super) const PARTITION: u64 = 0x200;
    pub(super) const DEGREE: u64 = 0x300;
    pub(super) const TARGET: u64 = 0x400;
    pub(super) const REL_PROPS: u64 = 0x500;
    pub(super) const AFFECTS: u64 = 0x600;
    pub(super) const PERM: u64 = 0x700;
    pub(super) const CHAIN: u64 = 0x800;
    // Apart from the multi-source streams (0x2000 and 0x2100 per kind).
    pub(super) const LIFE: u64 = 0x3100;
    pub(super) const EVENT_TIME: u64 = 0x3200;
    pub(super) const STORM: u64 = 0x3300;
}

/// 2026-11-01T00:00:00Z, the default reference: observations are up to
/// 2 x `lag_days` before the profile's reference.
pub const OBSERVED_REF: i64 = crate::profile::DEFAULT_REFERENCE;

/// Sources that report a kind, with weights.
#[derive(Clone, Debug)]
struct SourcePool {
    /// Indices into the profile's sources.
    index: Vec<usize>,
    weights: Vec<u32>,
    total: u64,
}

impl SourcePool {
    /// The index (into the profile's sources) of the source a draw picks.
    #[inline]
    fn pick(&self, h: u64) -> usize {
        self.index[rng::weighted(h, &self.weights, self.total)]
    }
}

/// A relationship family's derived layout.
#[derive(Clone, Debug)]
struct Family {
    rows: u64,
    /// For fan-out and one-of families: degree totals per block.
    cum: Option<Cumulative>,
}

/// Everything needed to produce any row of any table.
pub struct World {
    profile: Profile,
    counts: [u64; NodeKind::ALL.len()],
    node_streams: [Stream; NodeKind::ALL.len()],
    degree_streams: [Stream; RelKind::ALL.len()],
    target_streams: [Stream; RelKind::ALL.len()],
    prop_streams: [Stream; RelKind::ALL.len()],
    affects_stream: Stream,
    /// Draws of event chains (`events::cause_of`).
    chain_stream: Stream,
    /// Draws of event times and storms (`events`).
    time_stream: Stream,
    storm_stream: Stream,
    /// The profile's reference instant (`[time]`).
    reference: i64,
    /// The event window, weighted hour by hour.
    rhythm: events::Rhythm,
    /// Per kind, the lifecycle draws and the most popular CI (rank 0 of
    /// the permutation), which is always old and operational.
    life_streams: [Stream; NodeKind::ALL.len()],
    anchors: [u64; NodeKind::ALL.len()],
    /// Per kind, how long before the reference its CIs were created
    /// ([`NodeKind::max_age`] for the profile's window), in seconds.
    created_span: [i64; NodeKind::ALL.len()],
    affects_weights: [u32; RelKind::AFFECTS.len()],
    affects_total: u64,
    /// The sum of the profile's event type weights.
    event_total: u64,
    perms: [Perm; NodeKind::ALL.len()],
    /// Each family's fan-out settings (the profile's, or the default for
    /// families that do not fan out), indexed like [`RelKind::ALL`]: read
    /// once per start node, so not looked up in the profile's map.
    fanouts: [Fanout; RelKind::ALL.len()],
    sources: Vec<SourcePool>,
    /// The profile's source names (priority order in multi-source mode).
    source_names: Vec<String>,
    /// Per source: the span of its observation ages, in seconds.
    source_lag: Vec<u64>,
    /// Multi-source generation (profiles with `[merge]`).
    multi: Option<multi::Multi>,
    /// The provenance columns every table carries ([`Profile::provenance`]).
    provenance: Provenance,
    /// Each parent-shaped family's split of the part of its start kind it
    /// places, indexed like [`RelKind::ALL`] (`None` for other shapes).
    splits: Vec<Option<Split>>,
    /// Each family's part of its start kind ([`RelKind::parent_part`]).
    parts: Vec<std::ops::Range<u64>>,
    families: Vec<Family>,
    /// Per site, where its subnets' address blocks start (`network`).
    network: network::Network,
}

/// A fan-out family's degree inputs ([`World::fanout_family`]).
#[derive(Clone, Copy)]
struct FanoutFamily {
    dist: crate::profile::Dist,
    stream: Stream,
    /// Ends of the start's own kind: a node is not its own end.
    same_kind: bool,
    /// Network devices connect to the servers (or interfaces) of their
    /// data centre only.
    in_dc: bool,
    /// The family, for the ones whose candidates are their own (storage).
    rel: RelKind,
    /// The end kind.
    end: NodeKind,
    /// The number of nodes of the end kind.
    ends: u64,
}

impl World {
    /// Builds the world of a profile. Cost: O(number of start nodes of the
    /// fan-out families), in parallel; memory: O(regions + data centres) plus
    /// at most 512 KiB per family.
    pub fn new(profile: &Profile) -> World {
        let seed = profile.seed;
        let mut counts = NodeKind::ALL.map(|k| profile.count(k));
        let node_streams =
            NodeKind::ALL.map(|k| Stream::new(seed, streams::NODE + k.index() as u64));
        let rel_stream =
            |base: u64| RelKind::ALL.map(|r| Stream::new(seed, base + r.index() as u64));
        let perms = NodeKind::ALL.map(|k| {
            let i = k.index();
            Perm::new(counts[i], Stream::new(seed, streams::PERM).at(i as u64))
        });
        let sources = source_pools(profile);
        let multi = profile
            .merge
            .is_some()
            .then(|| multi::Multi::new(profile, &sources, &counts));
        if let Some(m) = &multi {
            counts[NodeKind::SourceRecord.index()] = m.record_start[NodeKind::ALL.len()];
        }
        let size_weight = |salt: u64| {
            let stream = Stream::new(seed, streams::PARTITION + salt);
            let alpha = profile.size_alpha;
            move |p: u64| {
                let u = rng::unit(stream.at(p));
                crate::cast::whole((100.0 / u.powf(1.0 / alpha)).min(1e7))
            }
        };
        let c = |k: NodeKind| counts[k.index()];
        let parts: Vec<_> = RelKind::ALL
            .iter()
            .map(|r| {
                let part = r.parent_part();
                let tail = part.share().map_or(0, |s| profile.share_count(s));
                let placed = r.placement().map_or(r.spec().start, |p| p.0);
                part.range(c(placed), tail)
            })
            .collect();
        // Each parent- or owner-shaped family's split, from its layout in
        // the model, over the part of the placed kind it places.
        let splits = RelKind::ALL
            .iter()
            .map(|r| {
                let (_, placer) = r.placement()?;
                let part = &parts[r.index()];
                let (parents, children) = (c(placer), part.end - part.start);
                r.parent_layout().map(|layout| match layout {
                    Layout::Skewed(salt) => {
                        Split::Table(Partition::new(parents, children, size_weight(salt)))
                    }
                    Layout::Even => Split::Even { parents, children },
                })
            })
            .collect();
        let mut affects_weights = profile.affects;
        for (slot, r) in RelKind::AFFECTS.iter().enumerate() {
            if c(r.spec().end) == 0 {
                affects_weights[slot] = 0;
            }
        }
        let mut world = World {
            profile: profile.clone(),
            counts,
            node_streams,
            degree_streams: rel_stream(streams::DEGREE),
            target_streams: rel_stream(streams::TARGET),
            prop_streams: rel_stream(streams::REL_PROPS),
            affects_stream: Stream::new(seed, streams::AFFECTS),
            chain_stream: Stream::new(seed, streams::CHAIN),
            time_stream: Stream::new(seed, streams::EVENT_TIME),
            storm_stream: Stream::new(seed, streams::STORM),
            reference: profile.time.reference,
            rhythm: events::Rhythm::new(profile.time.reference, profile.time.event_window_days),
            life_streams: NodeKind::ALL
                .map(|k| Stream::new(seed, streams::LIFE + k.index() as u64)),
            anchors: perms.map(|p| p.apply(0)),
            created_span: NodeKind::ALL
                .map(|k| k.max_age().seconds(profile.time.event_window_days)),
            affects_weights,
            affects_total: affects_weights.iter().map(|&w| u64::from(w)).sum(),
            event_total: profile.event_types.iter().map(|&w| u64::from(w)).sum(),
            perms,
            fanouts: RelKind::ALL.map(|r| {
                profile
                    .fanout
                    .get(&r)
                    .copied()
                    .unwrap_or_else(|| crate::profile::default_fanout(r))
            }),
            sources,
            source_names: profile.sources.iter().map(|s| s.name.clone()).collect(),
            source_lag: profile
                .sources
                .iter()
                .map(|s| 2 * u64::from(s.lag_days) * 86_400)
                .collect(),
            multi,
            provenance: profile.provenance(),
            splits,
            parts,
            families: Vec::new(),
            network: network::Network::default(),
        };
        world.network = network::Network::new(&world);
        world.families = world.count_families();
        world
    }

    /// Every relationship family's exact row count (and its cumulative
    /// degrees where rows are found by position): one parallel pass over
    /// each family's start nodes; the event families share one pass.
    fn count_families(&self) -> Vec<Family> {
        // The event families share one pass: each event's slot is drawn once.
        let n_events = self.count(NodeKind::Event);
        let mut affects =
            Cumulative::many(n_events, |j, acc: &mut [u64; RelKind::AFFECTS.len()]| {
                if let Some(slot) = self.affects_slot(j) {
                    acc[slot] += 1;
                }
            })
            .map(Some);
        // The database families share one pass: each database's first
        // server is drawn once.
        let mut databases =
            Cumulative::many(self.count(NodeKind::Database), |j, acc: &mut [u64; 2]| {
                let first = std::cell::OnceCell::new();
                let server =
                    || *first.get_or_init(|| self.first_target(RelKind::DatabaseRunsOnServer, j));
                acc[0] += self.database_storage_degree(j, server);
                acc[1] += u64::from(self.database_cluster_on(j, server).is_some());
            })
            .map(Some);
        RelKind::ALL
            .iter()
            .map(|&r| {
                let spec = r.spec();
                let n = self.count(spec.start);
                let cum = match spec.shape {
                    Shape::Parent => {
                        let part = &self.parts[r.index()];
                        let rows = part.end - part.start;
                        return Family { rows, cum: None };
                    }
                    // One row per owned node.
                    Shape::Owns => {
                        let rows = self.count(spec.end);
                        return Family { rows, cum: None };
                    }
                    _ if r == RelKind::DatabaseUsesStorageStorageVolume => {
                        databases[0].take().expect("counted once")
                    }
                    _ if r == RelKind::DatabaseMemberOfCluster => {
                        databases[1].take().expect("counted once")
                    }
                    Shape::Fanout | Shape::Optional if self.range_counted(r) => {
                        Cumulative::from_counts(n, |rows| self.range_rows(r, rows))
                    }
                    Shape::Fanout => {
                        let f = self.fanout_family(r);
                        Cumulative::new(n, |j| self.fanout_degree(&f, j))
                    }
                    Shape::OneOf => {
                        let slot = r.affects_slot().expect("one-of families are AFFECTS");
                        affects[slot].take().expect("each slot is used once")
                    }
                    Shape::Optional => match self
                        .platform_fixed_degree(r)
                        .or_else(|| self.network_fixed_degree(r))
                        .or_else(|| self.k8s_fixed_degree(r))
                    {
                        Some(d) => Cumulative::new(n, |_| d),
                        None if r == RelKind::PodRunsOnServer => {
                            Cumulative::from_counts(n, |rows| self.pod_node_rows(rows))
                        }
                        None => {
                            Cumulative::new(n, |j| u64::from(self.optional_end(r, j).is_some()))
                        }
                    },
                    Shape::Reports => {
                        let cum = self
                            .multi
                            .as_ref()
                            .and_then(|m| m.reports[spec.start.index()].clone());
                        match cum {
                            Some(c) => c,
                            None => return Family { rows: 0, cum: None },
                        }
                    }
                };
                Family {
                    rows: cum.total(),
                    cum: Some(cum),
                }
            })
            .collect()
    }

    /// The profile's reference instant: discoveries and events end there.
    pub fn reference(&self) -> i64 {
        self.reference
    }

    /// The profile the world was built from.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The provenance columns of the world's tables.
    pub fn provenance(&self) -> Provenance {
        self.provenance
    }

    /// A table's columns in this world: the one list every writer, reader
    /// and estimate follows.
    pub fn columns(&self, t: Table) -> &'static [Column] {
        t.columns(self.provenance)
    }

    /// How the world's bundle identifies nodes (`--ids`).
    pub fn ids(&self) -> Ids {
        self.profile.ids
    }

    /// A table's header cells in this world.
    pub fn header_cells(&self, t: Table) -> Vec<String> {
        t.header_cells_as(self.provenance, self.ids())
    }

    /// The number of nodes of a kind.
    pub fn count(&self, k: NodeKind) -> u64 {
        self.counts[k.index()]
    }

    /// The number of rows of a table.
    pub fn rows(&self, t: Table) -> u64 {
        match t {
            Table::Node(k) => self.count(k),
            Table::Rel(r) => self.families[r.index()].rows,
        }
    }

    #[inline]
    fn fanout(&self, r: RelKind) -> Fanout {
        self.fanouts[r.index()]
    }

    /// The number of relationships of family `r` that start at node `j`.
    #[inline]
    pub fn degree(&self, r: RelKind, j: u64) -> u64 {
        let spec = r.spec();
        match spec.shape {
            Shape::Parent => u64::from(self.parts[r.index()].contains(&j)),
            Shape::Reports => self.report_count(spec.start, j),
            Shape::OneOf => u64::from(
                self.affects_slot(j).is_some() && self.affects_slot(j) == r.affects_slot(),
            ),
            Shape::Fanout => self.fanout_degree(&self.fanout_family(r), j),
            Shape::Optional => u64::from(self.optional_end(r, j).is_some()),
            Shape::Owns => {
                let owned = self.owned(r, j);
                owned.end - owned.start
            }
        }
    }

    /// The one end of an `Optional`-shaped relationship starting at `j`, if
    /// it has one. Each family's rule lives in its generator.
    #[inline]
    pub fn optional_end(&self, r: RelKind, j: u64) -> Option<u64> {
        match r {
            RelKind::EventCausedByEvent => self.cause_of(j),
            RelKind::ServerMemberOfCluster => self.server_cluster(j),
            RelKind::DatabaseMemberOfCluster => self.database_cluster(j),
            RelKind::ServerBelongsToCloudAccount => self.account_of(j),
            RelKind::ServerVirtualizedByServer => self.host_of(j),
            RelKind::IpAddressInSubnet
            | RelKind::SubnetLocatedInDataCenter
            | RelKind::SubnetLocatedInAvailabilityZone => self.network_end(r, j),
            RelKind::PodRunsOnServer => self.pod_node(j),
            RelKind::PodInstanceOfApplication => self.pod_app(j),
            _ => self.platform_end(r, j),
        }
    }

    /// What the degrees of fan-out family `r` depend on, resolved once so
    /// that a pass over all its start nodes does no per-node look-up.
    fn fanout_family(&self, r: RelKind) -> FanoutFamily {
        let spec = r.spec();
        FanoutFamily {
            dist: self.fanout(r).dist,
            stream: self.degree_streams[r.index()],
            same_kind: spec.start == spec.end,
            in_dc: matches!(
                r,
                RelKind::NetworkDeviceConnectsToServer
                    | RelKind::NetworkDeviceConnectsToNetworkInterface
            ),
            rel: r,
            end: spec.end,
            ends: self.count(spec.end),
        }
    }

    /// Node `j`'s degree in fan-out family `f`.
    #[inline]
    fn fanout_degree(&self, f: &FanoutFamily, j: u64) -> u64 {
        // A zero draw needs no candidates (the cap cannot raise it).
        if f.dist.min() == 0 && f.dist.sample(f.stream.at(j)) == 0 {
            return 0;
        }
        let (_, candidates) = self.candidates(f, j);
        Self::capped_degree(f, j, candidates)
    }

    /// A draw from `f`'s distribution for node `j`, at most the number of
    /// distinct ends it can have among `candidates`.
    #[inline]
    fn capped_degree(f: &FanoutFamily, j: u64, candidates: u64) -> u64 {
        let cap = if f.same_kind {
            candidates.saturating_sub(1)
        } else {
            candidates
        };
        f.dist.sample(f.stream.at(j)).min(cap)
    }

    /// The slot in [`RelKind::AFFECTS`] of the family event `j` belongs to
    /// (`None` when no kind can be affected).
    #[inline]
    fn affects_slot(&self, j: u64) -> Option<usize> {
        match self.spread(j) {
            Some((slot, _)) => Some(slot),
            None => self.slot_of_key(self.draw_key(j)),
        }
    }

    /// The candidate ends of fan-out family `f` for start node `j`, as
    /// `(first, how many)`: a device connects to servers (or interfaces) in
    /// its data centre.
    #[inline]
    fn candidates(&self, f: &FanoutFamily, j: u64) -> (u64, u64) {
        if let Some(c) = self.storage_candidates(f.rel, j) {
            return c;
        }
        if f.in_dc {
            let dc = self.parent(RelKind::NetworkDeviceHostedInDataCenter, j);
            let range = if f.end == NodeKind::NetworkInterface {
                self.dc_interfaces(dc)
            } else {
                self.children(RelKind::ServerHostedInDataCenter, dc)
            };
            (range.start, range.end - range.start)
        } else {
            (0, f.ends)
        }
    }

    /// Fills `out` with the distinct ends of start node `j` in fan-out family
    /// `r`, in generation order (`degree(r, j)` of them).
    pub fn fanout_targets(&self, r: RelKind, j: u64, out: &mut Vec<u64>) {
        out.clear();
        let f = self.fanout_family(r);
        let (lo, n) = self.candidates(&f, j);
        let d = Self::capped_degree(&f, j, n);
        if d == 0 {
            return;
        }
        let spec = r.spec();
        let skew = self.fanout(r).target_skew;
        let own = f.same_kind.then_some(j);
        let mut draws = self.target_streams[r.index()].draws(j);
        let local = lo != 0 || n != f.ends;
        let local_perm = if local {
            Perm::new(n, draws.next())
        } else {
            self.perms[spec.end.index()]
        };
        let taken = |t: u64, out: &Vec<u64>| Some(t) == own || out.contains(&t);
        for _ in 0..d {
            let mut t = lo + local_perm.apply(rng::skewed(draws.next(), n, skew));
            let mut attempts = 0;
            while taken(t, out) {
                attempts += 1;
                t = if attempts < 8 {
                    lo + local_perm.apply(rng::skewed(draws.next(), n, skew))
                } else {
                    // Dense case: walk to the next free candidate.
                    lo + (t - lo + 1) % n
                };
            }
            out.push(t);
        }
    }

    /// The first end [`World::fanout_targets`] gives for start node `j`
    /// (`None` when `j` has none), without collecting the others: a first
    /// draw is never a repeat, so it is the same end.
    pub fn first_target(&self, r: RelKind, j: u64) -> Option<u64> {
        let f = self.fanout_family(r);
        let (lo, n) = self.candidates(&f, j);
        if Self::capped_degree(&f, j, n) == 0 {
            return None;
        }
        let skew = self.fanout(r).target_skew;
        let mut draws = self.target_streams[r.index()].draws(j);
        let perm = if lo != 0 || n != f.ends {
            Perm::new(n, draws.next())
        } else {
            self.perms[r.spec().end.index()]
        };
        let mut t = lo + perm.apply(rng::skewed(draws.next(), n, skew));
        if f.same_kind && t == j {
            // The same walk as `fanout_targets` past a start node's own index.
            let mut attempts = 0;
            while t == j {
                attempts += 1;
                t = if attempts < 8 {
                    lo + perm.apply(rng::skewed(draws.next(), n, skew))
                } else {
                    lo + (t - lo + 1) % n
                };
            }
        }
        Some(t)
    }

    /// The end of a `Parent`-shaped relationship starting at `j` (`j` in
    /// the family's part of its start kind, [`World::part`]).
    #[inline]
    pub(crate) fn parent(&self, r: RelKind, j: u64) -> u64 {
        let from = self.parts[r.index()].start;
        self.split(r).parent_of(j - from)
    }

    /// The start nodes whose parent in `Parent`-shaped family `r` is `p`.
    #[inline]
    pub(crate) fn children(&self, r: RelKind, p: u64) -> std::ops::Range<u64> {
        let from = self.parts[r.index()].start;
        let c = self.split(r).children_of(p);
        c.start + from..c.end + from
    }

    /// The start nodes a `Parent`-shaped family places (all of its start
    /// kind, or the part [`RelKind::parent_part`] names).
    #[inline]
    pub fn part(&self, r: RelKind) -> std::ops::Range<u64> {
        self.parts[r.index()].clone()
    }

    /// The owner of node `e` of the end kind of `Owns`-shaped family `r`.
    #[inline]
    pub(crate) fn owner(&self, r: RelKind, e: u64) -> u64 {
        self.split(r).parent_of(e)
    }

    /// The end nodes owned by node `s` in `Owns`-shaped family `r`.
    #[inline]
    pub(crate) fn owned(&self, r: RelKind, s: u64) -> std::ops::Range<u64> {
        self.split(r).children_of(s)
    }

    #[inline]
    fn split(&self, r: RelKind) -> &Split {
        match &self.splits[r.index()] {
            Some(s) => s,
            None => unreachable!("{r} is not parent- or owner-shaped"),
        }
    }

    /// The source system of a record of kind `k` for a 64-bit draw `h`.
    pub fn source_of(&self, k: NodeKind, h: u64) -> &str {
        &self.source_names[self.sources[k.index()].pick(h)]
    }

    /// Pushes the single-source tags of a record of kind `k`: `source`, the
    /// source a draw picks by weight, and with full provenance `sources` and
    /// `observed_at` (from a second draw, taken either way so that the
    /// following values do not depend on the provenance).
    #[inline]
    pub fn push_source_tags<'w>(
        &'w self,
        k: NodeKind,
        d: &mut rng::Draws,
        out: &mut Vec<Value<'w>>,
    ) {
        let x = self.sources[k.index()].pick(d.next());
        let h = d.next();
        match self.provenance {
            Provenance::Full => self.push_tags(x, 1 << x, h, out),
            Provenance::SourceOnly => out.push(Value::Str(&self.source_names[x])),
        }
    }

    /// Pushes `source` (source `x`), `sources` (the mask over the profile's
    /// sources) and `observed_at` (source `x`'s observation for draw `h`).
    #[inline]
    fn push_tags<'w>(&'w self, x: usize, mask: u64, h: u64, out: &mut Vec<Value<'w>>) {
        out.push(Value::Str(&self.source_names[x]));
        out.push(self.sources_value(x, mask));
        out.push(Value::DateTime(self.observed_at(x, h)));
    }

    /// The `sources` value of a mask (`x` is a selected source, used when
    /// the profile has more sources than a mask holds).
    #[inline]
    fn sources_value(&self, x: usize, mask: u64) -> Value<'_> {
        if self.source_names.len() <= 64 {
            Value::Sources {
                names: &self.source_names,
                mask,
            }
        } else {
            Value::Sources {
                names: &self.source_names[x..=x],
                mask: 1,
            }
        }
    }

    /// Source `x`'s observation time for a draw `h`: the reference minus a
    /// uniform 0..=2 x lag_days days, in whole seconds.
    #[inline]
    pub(crate) fn observed_at(&self, x: usize, h: u64) -> i64 {
        self.reference - rng::below(h, self.source_lag[x] + 1) as i64
    }

    /// The rows of a relationship table from row `start` on.
    pub fn rel_rows(&self, r: RelKind, start: u64) -> RelRows<'_> {
        RelRows::new(self, r, start)
    }
}

/// Per node kind, the sources that report it and their weights.
fn source_pools(profile: &Profile) -> Vec<SourcePool> {
    NodeKind::ALL
        .iter()
        .map(|k| {
            let chosen: Vec<_> = (0..profile.sources.len())
                .filter(|&x| profile.sources[x].kinds.contains(k))
                .collect();
            let weight = |x: &usize| profile.sources[*x].weight;
            SourcePool {
                weights: chosen.iter().map(weight).collect(),
                total: chosen.iter().map(|x| u64::from(weight(x))).sum(),
                index: chosen,
            }
        })
        .collect()
}

/// Every (start, end) pair of family `r`, for tests.
#[cfg(test)]
pub(crate) fn pairs(w: &World, r: RelKind) -> Vec<(u64, u64)> {
    let mut it = w.rel_rows(r, 0);
    std::iter::from_fn(|| it.next_pair()).collect()
}

/// The text a CSV cell holds for value `v`, for tests.
#[cfg(test)]
pub(crate) fn text(v: &Value<'_>) -> String {
    match *v {
        Value::Int(n) => n.to_string(),
        Value::Ipv4(_) | Value::Net(_) => {
            let mut b = Vec::new();
            match *v {
                Value::Ipv4(a) => text::put_ipv4(a, &mut b),
                Value::Net(n) => text::put_net(n, &mut b),
                _ => {}
            }
            String::from_utf8(b).unwrap()
        }
        _ => {
            let mut b = Vec::new();
            v.put_text(&mut b);
            String::from_utf8(b).unwrap()
        }
    }
}

/// The text of column `name` of row `i` of `kind`, for tests.
#[cfg(test)]
pub(crate) fn cell(w: &World, kind: NodeKind, i: u64, name: &str) -> String {
    let at = w
        .columns(crate::model::Table::Node(kind))
        .iter()
        .position(|c| c.name == name)
        .unwrap();
    let mut row = Vec::new();
    w.node_row(kind, i, &mut row);
    text(&row[at])
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_time;
