//! Multi-source generation (profiles with a `[merge]` table,
//! docs/sources.md): which sources report each item, what each one reports,
//! and the merged row, all pure functions of (seed, kind, i, source).
//!
//! * **Reporters** of a configuration item: source `x` reports item `i` when
//!   a uniform draw is below its coverage of the kind; with probability
//!   `overlap` that draw is the item's shared draw, otherwise `x`'s own. An
//!   item no draw hits is reported by one source picked by weight. An event
//!   is reported by one source picked by weight.
//! * **Fates**: each attribute of each report is missing, stale (the value
//!   of the item's previous version: the same generator on another stream,
//!   with the item's own head) or current. Identity columns (`id`,
//!   `:LABEL`, `name`) are neither; a `model::COHERENT` group shares one
//!   fate.
//! * **Merged row**: the rules of [`crate::merge`] over the reports.
//! * **Canonical ids**: kind prefix + xxh3-128 of `<Kind>:<name>`; events
//!   keep their sequential ids. `SourceRecord` ids hash `<source>:<item id>`.

use super::index::Cumulative;
use super::{SourcePool, Value, World};
use crate::merge::{self, RecordTally, Reporter, Strategy, Summary};
use crate::model::{ColKind, NodeKind, Provenance};
use crate::profile::Profile;
use crate::rng::Stream;
use rayon::prelude::*;

/// Stream ids of multi-source generation (stable constants).
mod streams {
    /// The item's shared coverage draw and its fallback pick, per kind.
    pub(super) const SHARED: u64 = 0x2000;
    /// The previous version of each item, per kind.
    pub(super) const PREV: u64 = 0x2100;
    /// A source's own draws for an item, per (kind, source).
    pub(super) const OWN: u64 = 0x3000;
}

/// Number of node kinds.
const KINDS: usize = NodeKind::ALL.len();

/// One report of an item: the source, when it observed the item, and which
/// attributes (bit `a` = the kind's `a`-th attribute) it left empty or
/// reported stale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportInfo {
    /// The source's index in the profile (its priority rank, 0 = most trusted).
    pub source: usize,
    /// Seconds since the Unix epoch.
    pub observed_at: i64,
    /// Attributes left empty.
    pub missing: u32,
    /// Attributes with the previous version's value.
    pub stale: u32,
}

/// The reports of one item, in priority order.
#[derive(Clone, Copy, Debug)]
pub struct Reports {
    /// The reporting sources, as a mask over the profile's sources.
    pub mask: u64,
    n: usize,
    reps: [ReportInfo; crate::profile::MAX_SOURCES],
}

impl Reports {
    /// The reports.
    pub fn list(&self) -> &[ReportInfo] {
        &self.reps[..self.n]
    }

    fn reporters(&self) -> ([Reporter; crate::profile::MAX_SOURCES], usize) {
        let mut r = [Reporter {
            rank: 0,
            observed_at: 0,
        }; crate::profile::MAX_SOURCES];
        for (slot, rep) in r.iter_mut().zip(self.list()) {
            *slot = Reporter {
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "a source index is below profile::MAX_SOURCES (16)"
                )]
                rank: rep.source as u32,
                observed_at: rep.observed_at,
            };
        }
        (r, self.n)
    }
}

/// The multi-source layout of a world.
pub(super) struct Multi {
    pub(super) strategy: Strategy,
    overlap: f64,
    /// Per kind: each source's coverage (0 for a source not listing it).
    coverage: Vec<Vec<f64>>,
    missing: Vec<f64>,
    stale: Vec<f64>,
    shared: [Stream; KINDS],
    prev: [Stream; KINDS],
    /// Per kind and source.
    own: Vec<Vec<Stream>>,
    /// Per kind: the attribute columns (indices into the kind's columns).
    pub(super) attrs: Vec<Vec<usize>>,
    /// Per kind and attribute: the attribute whose fate it shares (the
    /// first of its [`crate::model::COHERENT`] group; itself when alone).
    fate_of: Vec<Vec<usize>>,
    /// Per kind: the column of `source` (`sources` and `observed_at` follow:
    /// multi-source tables always carry them).
    pub(super) source_col: [usize; KINDS],
    /// keep-all: per kind, running totals of the items' report counts.
    pub(super) reports: Vec<Option<Cumulative>>,
    /// keep-all: per kind, the first `SourceRecord` row of its items.
    pub(super) record_start: [u64; KINDS + 1],
}

/// Whether a value is written as an empty field.
#[inline]
fn is_empty(v: &Value<'_>) -> bool {
    matches!(
        v,
        Value::Null | Value::Tags(0) | Value::Sources { mask: 0, .. }
    )
}

impl Multi {
    /// The layout of `profile` (which has a `[merge]` table).
    pub(super) fn new(profile: &Profile, pools: &[SourcePool], counts: &[u64; KINDS]) -> Multi {
        let seed = profile.seed;
        let merge = profile.merge.unwrap_or(crate::profile::Merge {
            strategy: Strategy::Priority,
            overlap: 0.0,
        });
        let n = profile.sources.len();
        let coverage = NodeKind::ALL
            .iter()
            .map(|k| {
                profile
                    .sources
                    .iter()
                    .map(|s| s.coverage.get(k).copied().unwrap_or(0.0))
                    .collect()
            })
            .collect();
        let attrs: Vec<Vec<usize>> = NodeKind::ALL
            .iter()
            .map(|k| {
                k.columns(Provenance::Full)
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        k.is_ci()
                            && matches!(c.kind, ColKind::Prop(_))
                            && !["name", "source", "sources", "observed_at"].contains(&c.name)
                    })
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let fate_of = NodeKind::ALL
            .iter()
            .zip(&attrs)
            .map(|(k, cols)| {
                let all = k.columns(Provenance::Full);
                let group = |a: usize| {
                    crate::model::COHERENT
                        .iter()
                        .position(|g| g.contains(&all[cols[a]].name))
                };
                (0..cols.len())
                    .map(|a| match group(a) {
                        Some(g) => (0..=a).find(|&b| group(b) == Some(g)).unwrap_or(a),
                        None => a,
                    })
                    .collect()
            })
            .collect();
        let source_col = NodeKind::ALL.map(|k| {
            k.columns(Provenance::Full)
                .iter()
                .position(|c| c.name == "source")
                .unwrap_or(0)
        });
        let kid = |k: NodeKind| k.index() as u64;
        let mut multi = Multi {
            strategy: merge.strategy,
            overlap: merge.overlap,
            coverage,
            missing: profile.sources.iter().map(|s| s.missing).collect(),
            stale: profile.sources.iter().map(|s| s.stale).collect(),
            shared: NodeKind::ALL.map(|k| Stream::new(seed, streams::SHARED + kid(k))),
            prev: NodeKind::ALL.map(|k| Stream::new(seed, streams::PREV + kid(k))),
            own: NodeKind::ALL
                .iter()
                .map(|&k| {
                    (0..n as u64)
                        .map(|x| Stream::new(seed, streams::OWN + (kid(k) << 8) + x))
                        .collect()
                })
                .collect(),
            attrs,
            fate_of,
            source_col,
            reports: Vec::new(),
            record_start: [0; KINDS + 1],
        };
        let keep_all = merge.strategy == Strategy::KeepAll;
        multi.reports = NodeKind::ALL
            .iter()
            .map(|&k| {
                (keep_all && k.is_ci()).then(|| {
                    Cumulative::new(counts[k.index()], |i| {
                        u64::from(multi.reporter_mask(pools, k, i).count_ones())
                    })
                })
            })
            .collect();
        let mut acc = 0;
        for (slot, c) in multi.reports.iter().enumerate() {
            multi.record_start[slot] = acc;
            acc += c.as_ref().map_or(0, Cumulative::total);
        }
        multi.record_start[KINDS] = acc;
        multi
    }

    /// The sources reporting item `i` of kind `k`, as a mask.
    #[inline]
    pub(super) fn reporter_mask(&self, pools: &[SourcePool], k: NodeKind, i: u64) -> u64 {
        let ki = k.index();
        let mut shared = self.shared[ki].draws(i);
        let u_shared = shared.unit();
        let fallback = shared.next();
        let pool = &pools[ki];
        if pool.index.is_empty() {
            return 0;
        }
        if !k.is_ci() {
            return 1 << pool.pick(fallback);
        }
        let mut mask = 0u64;
        for &x in &pool.index {
            let c = self.coverage[ki][x];
            if c <= 0.0 {
                continue;
            }
            let mut d = self.own[ki][x].draws(i);
            let shared_draw = d.unit() <= self.overlap;
            let own = d.unit();
            let u = if shared_draw { u_shared } else { own };
            if u <= c {
                mask |= 1 << x;
            }
        }
        if mask == 0 {
            mask = 1 << pool.pick(fallback);
        }
        mask
    }

    /// Source `x`'s report of item `i` of kind `k` (it need not report it).
    #[inline]
    fn report(&self, world: &World, k: NodeKind, i: u64, x: usize) -> ReportInfo {
        let ki = k.index();
        let mut d = self.own[ki][x].draws(i);
        d.next(); // overlap choice
        d.next(); // own coverage draw
        let observed_at = world.observed_at(x, d.next());
        let (mut missing, mut stale) = (0u32, 0u32);
        let (m, s) = (self.missing[x], self.stale[x]);
        if m > 0.0 || s > 0.0 {
            for a in 0..self.attrs[ki].len() {
                let u = d.unit();
                let first = self.fate_of[ki][a];
                if first != a {
                    // Coherent with an earlier attribute: its fate.
                    missing |= (missing >> first & 1) << a;
                    stale |= (stale >> first & 1) << a;
                } else if u <= m {
                    missing |= 1 << a;
                } else if u <= m + s {
                    stale |= 1 << a;
                }
            }
        }
        ReportInfo {
            source: x,
            observed_at,
            missing,
            stale,
        }
    }
}

/// Appends `<Kind>:<name>` (or any parts) into a stack buffer and hashes it.
struct KeyBuf {
    b: [u8; 256],
    n: usize,
    spill: Vec<u8>,
}

impl KeyBuf {
    fn new() -> KeyBuf {
        KeyBuf {
            b: [0; 256],
            n: 0,
            spill: Vec::new(),
        }
    }

    #[inline]
    fn put(&mut self, s: &[u8]) {
        if !self.spill.is_empty() || self.n + s.len() > self.b.len() {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.b[..self.n]);
            }
            self.spill.extend_from_slice(s);
        } else {
            self.b[self.n..self.n + s.len()].copy_from_slice(s);
            self.n += s.len();
        }
    }

    fn value(&mut self, v: &Value<'_>) {
        match *v {
            Value::Str(s) => self.put(s.as_bytes()),
            Value::Word(w) => self.put(w.text.as_bytes()),
            Value::Name { a, b, sep, n } => {
                self.put(a.as_bytes());
                if !b.is_empty() {
                    self.put(sep.as_bytes());
                    self.put(b.as_bytes());
                }
                self.put(sep.as_bytes());
                self.put(itoa::Buffer::new().format(n).as_bytes());
            }
            _ => {
                let mut t = Vec::new();
                v.put_text(&mut t);
                self.put(&t);
            }
        }
    }

    fn hash(&self) -> u128 {
        if self.spill.is_empty() {
            xxhash_rust::xxh3::xxh3_128(&self.b[..self.n])
        } else {
            xxhash_rust::xxh3::xxh3_128(&self.spill)
        }
    }
}

/// The canonical hash of a configuration item's natural key: xxh3-128 of
/// `<Kind>:<name>`.
pub fn natural_key_hash(kind: NodeKind, name: &Value<'_>) -> u128 {
    let mut k = KeyBuf::new();
    k.put(kind.name().as_bytes());
    k.put(b":");
    k.value(name);
    k.hash()
}

/// The hash of a `SourceRecord` id: xxh3-128 of `<source>:<item id>`.
pub fn record_key_hash(source: &str, item: &Value<'_>) -> u128 {
    let mut k = KeyBuf::new();
    k.put(source.as_bytes());
    k.put(b":");
    k.value(item);
    k.hash()
}

impl World {
    fn multi(&self) -> Option<&Multi> {
        self.multi.as_ref()
    }

    /// Whether the profile has a `[merge]` table.
    pub fn is_multi_source(&self) -> bool {
        self.multi.is_some()
    }

    /// The merge strategy of a multi-source profile.
    pub fn strategy(&self) -> Option<Strategy> {
        self.multi().map(|m| m.strategy)
    }

    /// The profile's source names (in priority order in multi-source mode).
    pub fn source_names(&self) -> &[String] {
        &self.source_names
    }

    /// The sources reporting item `i` of kind `k`, as a mask over the
    /// profile's sources (multi-source mode; 0 otherwise).
    pub fn reporter_mask(&self, k: NodeKind, i: u64) -> u64 {
        match self.multi() {
            Some(m) if k != NodeKind::SourceRecord => m.reporter_mask(&self.sources, k, i),
            _ => 0,
        }
    }

    /// The reports of item `i` of kind `k` (multi-source mode; `None`
    /// otherwise, and for `SourceRecord`).
    pub fn reports(&self, k: NodeKind, i: u64) -> Option<Reports> {
        let m = self.multi()?;
        if k == NodeKind::SourceRecord {
            return None;
        }
        let mask = m.reporter_mask(&self.sources, k, i);
        let mut r = Reports {
            mask,
            n: 0,
            reps: [ReportInfo::default(); crate::profile::MAX_SOURCES],
        };
        let mut bits = mask;
        while bits != 0 {
            let x = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            r.reps[r.n] = m.report(self, k, i, x);
            r.n += 1;
        }
        Some(r)
    }

    /// The record winner of item `i` of kind `k` among its reports.
    fn winner(&self, m: &Multi, reports: &Reports) -> ReportInfo {
        let (reps, n) = reports.reporters();
        let w = merge::record_winner(m.strategy, &reps[..n]).unwrap_or(0);
        reports.list()[w]
    }

    /// The row of item `i` of kind `k` as the generator makes it (the
    /// "truth"), from the given stream.
    fn truth_row<'w>(&'w self, k: NodeKind, i: u64, stream: Stream, out: &mut Vec<Value<'w>>) {
        let mut d = stream.draws(i);
        self.row_from(k, i, &mut d, out);
    }

    /// The id of item `i` of kind `k` as rows refer to it: canonical for a
    /// configuration item in multi-source mode, sequential otherwise.
    pub fn item_id<'w>(&'w self, k: NodeKind, i: u64) -> Value<'w> {
        if self.multi.is_none() || !k.is_ci() {
            return Value::Id {
                prefix: k.id_prefix(),
                n: i,
            };
        }
        Value::Key {
            prefix: k.id_prefix(),
            hash: natural_key_hash(k, &self.name_of(k, i)),
        }
    }

    /// The natural key of item `i` of kind `k`: its name (an event's id).
    pub fn natural_key(&self, k: NodeKind, i: u64) -> Value<'static> {
        if !k.is_ci() {
            return Value::Id {
                prefix: k.id_prefix(),
                n: i,
            };
        }
        self.name_of(k, i)
    }

    /// Pushes `source`, `sources` and `observed_at` of a relationship
    /// starting at item `s` of kind `k` (multi-source mode): those of the
    /// start item's record.
    pub(super) fn push_record_tags<'w>(&'w self, k: NodeKind, s: u64, out: &mut Vec<Value<'w>>) {
        let Some(m) = self.multi() else { return };
        let Some(r) = self.reports(k, s) else { return };
        let w = self.winner(m, &r);
        self.push_tags(w.source, r.mask, 0, out);
        let last = out.len() - 1;
        out[last] = Value::DateTime(w.observed_at);
    }

    /// Rewrites a freshly generated truth row at `out[from..]` into the
    /// merged row of item `i` (multi-source mode), counting its conflicts
    /// in `tally` if given.
    pub(super) fn merge_row<'w>(
        &'w self,
        k: NodeKind,
        i: u64,
        from: usize,
        out: &mut Vec<Value<'w>>,
        tally: Option<&mut RecordTally<'_>>,
    ) {
        let Some(m) = self.multi() else { return };
        let Some(reports) = self.reports(k, i) else {
            return;
        };
        let ki = k.index();
        let (reps, n) = reports.reporters();
        let reps = &reps[..n];
        let list = reports.list();
        let w = self.winner(m, &reports);
        let src = from + m.source_col[ki];
        out[src] = Value::Str(&self.source_names[w.source]);
        out[src + 1] = self.sources_value(w.source, reports.mask);
        out[src + 2] = Value::DateTime(w.observed_at);
        if k.is_ci() {
            out[from] = Value::Key {
                prefix: k.id_prefix(),
                hash: natural_key_hash(k, &out[from + 2]),
            };
        }
        let any_stale = list.iter().any(|r| r.stale != 0);
        let any_gap = any_stale || list.iter().any(|r| r.missing != 0);
        if !any_gap {
            return;
        }
        let width = out.len() - from;
        if any_stale {
            self.truth_row(k, i, m.prev[ki], out);
        }
        let mut tally = tally;
        for (a, &c) in m.attrs[ki].iter().enumerate() {
            let cur = out[from + c];
            let old = if any_stale {
                out[from + width + c]
            } else {
                cur
            };
            let differ = cur != old;
            let mut codes = [None::<u8>; crate::profile::MAX_SOURCES];
            for (slot, r) in codes.iter_mut().zip(list) {
                *slot = if r.missing >> a & 1 != 0 {
                    None
                } else if r.stale >> a & 1 != 0 {
                    (!is_empty(&old)).then_some(u8::from(differ))
                } else {
                    (!is_empty(&cur)).then_some(0)
                };
            }
            let codes = &codes[..n];
            let win = merge::attribute_winner(m.strategy, reps, codes);
            out[from + c] = match win.and_then(|x| codes[x]) {
                Some(1) => old,
                Some(_) => cur,
                None => Value::Null,
            };
            if let (Some(t), Some(x)) = (tally.as_deref_mut(), win) {
                if merge::is_conflict(codes) {
                    let col = k.columns(Provenance::Full)[c].name;
                    t.conflict(col, &self.source_names[list[x].source]);
                }
            }
        }
        out.truncate(from + width);
    }

    /// Appends source `x`'s view of item `i` of kind `k` (multi-source
    /// mode): its attributes as it reports them (missing: empty; stale: the
    /// previous version's), its own `source`/`sources`/`observed_at`, and
    /// the canonical id. Returns `false` (and appends nothing) when `x` does
    /// not report the item.
    pub fn report_row<'w>(
        &'w self,
        k: NodeKind,
        i: u64,
        x: usize,
        out: &mut Vec<Value<'w>>,
    ) -> bool {
        let Some(m) = self.multi() else { return false };
        if k == NodeKind::SourceRecord || m.reporter_mask(&self.sources, k, i) >> x & 1 == 0 {
            return false;
        }
        let ki = k.index();
        let from = out.len();
        self.truth_row(k, i, self.node_streams[ki], out);
        let width = out.len() - from;
        // An event's one reporter observes it like any report.
        let r = m.report(self, k, i, x);
        let src = from + m.source_col[ki];
        out[src] = Value::Str(&self.source_names[x]);
        out[src + 1] = self.sources_value(x, 1 << x);
        out[src + 2] = Value::DateTime(r.observed_at);
        if k.is_ci() {
            out[from] = Value::Key {
                prefix: k.id_prefix(),
                hash: natural_key_hash(k, &out[from + 2]),
            };
        }
        if r.stale != 0 {
            self.truth_row(k, i, m.prev[ki], out);
        }
        for (a, &c) in m.attrs[ki].iter().enumerate() {
            if r.missing >> a & 1 != 0 {
                out[from + c] = Value::Null;
            } else if r.stale >> a & 1 != 0 {
                out[from + c] = out[from + width + c];
            }
        }
        out.truncate(from + width);
        true
    }

    /// Appends source `x`'s report of item `i` of kind `k` as a JSON object
    /// of its attributes, in column order, empty values left out.
    pub(super) fn report_json(&self, k: NodeKind, i: u64, x: usize, out: &mut Vec<u8>) {
        let mut row = Vec::with_capacity(24);
        out.push(b'{');
        if self.report_row(k, i, x, &mut row) {
            let mut first = true;
            let attrs = self.multi().map(|m| &m.attrs[k.index()]);
            for &c in attrs.into_iter().flatten() {
                let v = &row[c];
                if is_empty(v) {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                super::json::put_json_str(k.columns(Provenance::Full)[c].name, out);
                out.push(b':');
                super::json::put_value(v, out);
            }
        }
        out.push(b'}');
    }

    /// The `SourceRecord` row `r`: the kind, item and source it records.
    pub(super) fn source_record_of(&self, r: u64) -> Option<(NodeKind, u64, usize)> {
        let m = self.multi()?;
        let slot = m.record_start.partition_point(|&s| s <= r).checked_sub(1)?;
        let k = *NodeKind::ALL.get(slot)?;
        let cum = m.reports.get(slot)?.as_ref()?;
        let (i, nth) = cum.locate(r - m.record_start[slot], |i| {
            u64::from(m.reporter_mask(&self.sources, k, i).count_ones())
        });
        let mask = m.reporter_mask(&self.sources, k, i);
        Some((k, i, nth_bit(mask, nth)))
    }

    /// Appends the `SourceRecord` row of source `x`'s report of item `i` of
    /// kind `k`.
    pub(super) fn source_record_row<'w>(
        &'w self,
        k: NodeKind,
        i: u64,
        x: usize,
        out: &mut Vec<Value<'w>>,
    ) {
        let Some(m) = self.multi() else { return };
        let item = self.item_id(k, i);
        let name = &self.source_names[x];
        out.push(Value::Key {
            prefix: NodeKind::SourceRecord.id_prefix(),
            hash: record_key_hash(name, &item),
        });
        out.push(Value::Labels(crate::model::SOURCE_RECORD_LABELS[0]));
        let r = m.report(self, k, i, x);
        out.push(Value::Str(name));
        out.push(self.sources_value(x, 1 << x));
        out.push(Value::DateTime(r.observed_at));
        out.push(Value::Str(k.name()));
        out.push(item);
        out.push(Value::Report(super::Report {
            world: self,
            kind: k,
            i,
            source: x,
        }));
    }

    /// Appends the `REPORTED_BY` row from item `i` of kind `k` to source
    /// `x`'s record of it.
    pub(super) fn reported_by_row<'w>(
        &'w self,
        k: NodeKind,
        i: u64,
        x: usize,
        out: &mut Vec<Value<'w>>,
    ) {
        let Some(m) = self.multi() else { return };
        let item = self.item_id(k, i);
        let name = &self.source_names[x];
        out.push(item);
        out.push(Value::Key {
            prefix: NodeKind::SourceRecord.id_prefix(),
            hash: record_key_hash(name, &item),
        });
        let r = m.report(self, k, i, x);
        out.push(Value::Str(name));
        out.push(self.sources_value(x, 1 << x));
        out.push(Value::DateTime(r.observed_at));
    }

    /// The number of sources reporting item `j` of kind `k` (keep-all
    /// degree of its `REPORTED_BY` family).
    pub(super) fn report_count(&self, k: NodeKind, j: u64) -> u64 {
        match self.multi() {
            Some(m) if m.strategy == Strategy::KeepAll && k.is_ci() => {
                u64::from(m.reporter_mask(&self.sources, k, j).count_ones())
            }
            _ => 0,
        }
    }

    /// The `x`s reporting item `j` of kind `k`, in priority order.
    pub(super) fn reporter_list(&self, k: NodeKind, j: u64, out: &mut Vec<u64>) {
        out.clear();
        if let Some(m) = self.multi() {
            let mut bits = m.reporter_mask(&self.sources, k, j);
            while bits != 0 {
                out.push(u64::from(bits.trailing_zeros()));
                bits &= bits - 1;
            }
        }
    }

    /// The conflict summary of a multi-source profile (`None` otherwise):
    /// every configuration item merged once, in parallel blocks, added up in
    /// block order, so it does not depend on threads or on which shards
    /// were written.
    pub fn merge_summary(&self) -> Option<Summary> {
        let m = self.multi()?;
        let mut total = Summary::new(m.strategy);
        for k in NodeKind::ESTATE.into_iter().filter(|k| k.is_ci()) {
            let n = self.count(k);
            const BLOCK: u64 = 4096;
            let parts: Vec<Summary> = (0..n.div_ceil(BLOCK))
                .into_par_iter()
                .map(|b| {
                    let mut s = Summary::new(m.strategy);
                    let mut row = Vec::with_capacity(32);
                    for i in b * BLOCK..((b + 1) * BLOCK).min(n) {
                        let Some(r) = self.reports(k, i) else {
                            continue;
                        };
                        let mut t = s.record(k.name(), r.list().len());
                        // Without a stale report every present value is
                        // the current one: no conflict is possible.
                        if r.list().iter().any(|x| x.stale != 0) {
                            row.clear();
                            self.truth_row(k, i, self.node_streams[k.index()], &mut row);
                            self.merge_row(k, i, 0, &mut row, Some(&mut t));
                        }
                    }
                    s
                })
                .collect();
            for p in parts {
                total.add(p);
            }
        }
        Some(total)
    }
}

/// The index of the `nth` set bit of `mask` (from the lowest).
#[inline]
fn nth_bit(mask: u64, nth: u64) -> usize {
    let mut bits = mask;
    for _ in 0..nth {
        bits &= bits.wrapping_sub(1);
    }
    bits.trailing_zeros() as usize
}
