//! Merging several sources' reports of the same record, as pure functions.
//!
//! Generation (`gen`) and ingest of real exports (`ingest`) share these rules,
//! so a merged generation and an ingest of the same per-source exports write
//! the same graph. docs/sources.md states the rules for users:
//!
//! * the record's winner (written as `source`, with its `observed_at`): the
//!   highest-priority reporter (`priority`, `keep-all`), or the reporter with
//!   the newest `observed_at`, ties to priority (`latest`);
//! * each attribute: the same rule, among the reporters that have a value;
//!   no reporter with a value leaves it empty;
//! * a conflict: two or more different non-empty values for one attribute of
//!   one record. The [`Summary`] counts them per kind and attribute, with the
//!   source whose value was written.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// How the written value is chosen among several sources' values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The highest-priority source that has a value wins, per attribute.
    #[default]
    Priority,
    /// The most recent `observed_at` that has a value wins, ties to priority.
    Latest,
    /// As `priority` for the canonical node, plus one `SourceRecord` node per
    /// reporting source with a `REPORTED_BY` relationship, for audit.
    KeepAll,
}

impl Strategy {
    /// All strategies.
    pub const ALL: [Strategy; 3] = [Strategy::Priority, Strategy::Latest, Strategy::KeepAll];

    /// The name used in profiles, flags and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Priority => "priority",
            Strategy::Latest => "latest",
            Strategy::KeepAll => "keep-all",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Strategy, String> {
        Strategy::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| {
                format!("unknown merge strategy '{s}' (expected priority, latest or keep-all)")
            })
    }
}

/// One source's report of a record: who and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reporter {
    /// The source's priority rank: 0 is the most trusted. Ranks are distinct.
    pub rank: u32,
    /// When the source observed the record, seconds since the Unix epoch.
    pub observed_at: i64,
}

/// Whether `a` beats `b` under `strategy`.
#[inline]
fn beats(strategy: Strategy, a: &Reporter, b: &Reporter) -> bool {
    match strategy {
        Strategy::Priority | Strategy::KeepAll => a.rank < b.rank,
        Strategy::Latest => {
            (a.observed_at, std::cmp::Reverse(a.rank)) > (b.observed_at, std::cmp::Reverse(b.rank))
        }
    }
}

/// The index of the record's winner among `reporters` (`None` if empty).
/// The result does not depend on the order of `reporters`.
pub fn record_winner(strategy: Strategy, reporters: &[Reporter]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, r) in reporters.iter().enumerate() {
        if best.is_none_or(|b| beats(strategy, r, &reporters[b])) {
            best = Some(i);
        }
    }
    best
}

/// The index of the reporter whose value of one attribute is written:
/// the winner among those with `values[i]` present (`None` if all are empty).
/// `values` is parallel to `reporters`.
pub fn attribute_winner<V>(
    strategy: Strategy,
    reporters: &[Reporter],
    values: &[Option<V>],
) -> Option<usize> {
    debug_assert_eq!(reporters.len(), values.len());
    let mut best: Option<usize> = None;
    for (i, (r, v)) in reporters.iter().zip(values).enumerate() {
        if v.is_some() && best.is_none_or(|b| beats(strategy, r, &reporters[b])) {
            best = Some(i);
        }
    }
    best
}

/// Whether the present values disagree (two or more distinct values).
pub fn is_conflict<V: PartialEq>(values: &[Option<V>]) -> bool {
    let mut first: Option<&V> = None;
    for v in values.iter().flatten() {
        match first {
            None => first = Some(v),
            Some(f) if f != v => return true,
            Some(_) => {}
        }
    }
    false
}

/// One attribute's conflicts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeSummary {
    /// Records whose sources disagree on this attribute.
    pub conflicts: u64,
    /// How each conflict was resolved: the source whose value was written.
    pub resolved_by: BTreeMap<String, u64>,
}

/// One kind's merge figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindSummary {
    /// Merged records written.
    pub records: u64,
    /// Source reports merged into them.
    pub reports: u64,
    /// Records reported by two or more sources.
    pub multi_source: u64,
    /// Records with at least one conflict.
    pub conflicting_records: u64,
    /// Per attribute with at least one conflict.
    pub attributes: BTreeMap<String, AttributeSummary>,
}

/// The conflict summary of a merge: printed by `generate` and `ingest` and
/// recorded in the manifest. Summaries of disjoint record sets add up
/// ([`Summary::add`]), so they can be computed in parallel in any order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The strategy that resolved the conflicts.
    pub strategy: Strategy,
    /// Per kind (node kind name or relationship table name).
    pub kinds: BTreeMap<String, KindSummary>,
}

impl Summary {
    /// An empty summary.
    pub fn new(strategy: Strategy) -> Summary {
        Summary {
            strategy,
            kinds: BTreeMap::new(),
        }
    }

    /// Adds another summary of disjoint records (same strategy).
    pub fn add(&mut self, other: Summary) {
        for (kind, o) in other.kinds {
            let k = self.kinds.entry(kind).or_default();
            k.records += o.records;
            k.reports += o.reports;
            k.multi_source += o.multi_source;
            k.conflicting_records += o.conflicting_records;
            for (attr, oa) in o.attributes {
                let a = k.attributes.entry(attr).or_default();
                a.conflicts += oa.conflicts;
                for (src, n) in oa.resolved_by {
                    *a.resolved_by.entry(src).or_default() += n;
                }
            }
        }
    }

    /// Records one merged record of `kind` with `reports` source reports;
    /// returns a recorder for its attributes.
    pub fn record<'a>(&'a mut self, kind: &str, reports: usize) -> RecordTally<'a> {
        if !self.kinds.contains_key(kind) {
            self.kinds.insert(kind.to_string(), KindSummary::default());
        }
        let k = self.kinds.get_mut(kind).expect("inserted above");
        k.records += 1;
        k.reports += reports as u64;
        if reports > 1 {
            k.multi_source += 1;
        }
        RecordTally {
            kind: k,
            any: false,
        }
    }

    /// Total conflicts over all kinds and attributes.
    pub fn total_conflicts(&self) -> u64 {
        self.kinds
            .values()
            .flat_map(|k| k.attributes.values())
            .map(|a| a.conflicts)
            .sum()
    }
}

/// Counts one record's conflicts (see [`Summary::record`]).
pub struct RecordTally<'a> {
    kind: &'a mut KindSummary,
    any: bool,
}

impl RecordTally<'_> {
    /// Records a conflict on `attribute`, resolved in favour of `source`.
    pub fn conflict(&mut self, attribute: &str, source: &str) {
        if !self.any {
            self.any = true;
            self.kind.conflicting_records += 1;
        }
        let a = match self.kind.attributes.get_mut(attribute) {
            Some(a) => a,
            None => self
                .kind
                .attributes
                .entry(attribute.to_string())
                .or_default(),
        };
        a.conflicts += 1;
        match a.resolved_by.get_mut(source) {
            Some(n) => *n += 1,
            None => {
                a.resolved_by.insert(source.to_string(), 1);
            }
        }
    }
}

impl fmt::Display for Summary {
    /// A table: one line per kind, then one per conflicting attribute.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "merge ({}):", self.strategy)?;
        writeln!(
            f,
            "  {:<34} {:>12} {:>12} {:>12} {:>12}",
            "kind / attribute", "records", "multi-src", "conflicting", "conflicts"
        )?;
        for (name, k) in &self.kinds {
            writeln!(
                f,
                "  {:<34} {:>12} {:>12} {:>12} {:>12}",
                name,
                k.records,
                k.multi_source,
                k.conflicting_records,
                k.attributes.values().map(|a| a.conflicts).sum::<u64>()
            )?;
            for (attr, a) in &k.attributes {
                let by: Vec<String> = a
                    .resolved_by
                    .iter()
                    .map(|(s, n)| format!("{s} {n}"))
                    .collect();
                writeln!(
                    f,
                    "    {:<32} {:>51}   won by: {}",
                    attr,
                    a.conflicts,
                    by.join(", ")
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(rank: u32, observed_at: i64) -> Reporter {
        Reporter { rank, observed_at }
    }

    #[test]
    fn priority_takes_the_lowest_rank_with_a_value() {
        let reps = [r(2, 300), r(0, 100), r(1, 200)];
        assert_eq!(record_winner(Strategy::Priority, &reps), Some(1));
        assert_eq!(record_winner(Strategy::KeepAll, &reps), Some(1));
        let vals = [Some("c"), None, Some("b")];
        assert_eq!(attribute_winner(Strategy::Priority, &reps, &vals), Some(2));
        assert_eq!(
            attribute_winner(Strategy::Priority, &reps, &[None::<&str>, None, None]),
            None
        );
    }

    #[test]
    fn latest_takes_the_newest_with_ties_to_priority() {
        let reps = [r(2, 300), r(0, 100), r(1, 300)];
        assert_eq!(record_winner(Strategy::Latest, &reps), Some(2));
        let vals = [Some("a"), Some("b"), None];
        assert_eq!(attribute_winner(Strategy::Latest, &reps, &vals), Some(0));
    }

    #[test]
    fn winners_do_not_depend_on_input_order() {
        let reps = [r(3, 50), r(1, 70), r(0, 70), r(2, 10)];
        let vals = [Some(1), None, Some(2), Some(3)];
        for s in Strategy::ALL {
            let w = record_winner(s, &reps).map(|i| reps[i]);
            let a = attribute_winner(s, &reps, &vals).map(|i| vals[i]);
            let mut rr = reps;
            let mut vv = vals;
            rr.reverse();
            vv.reverse();
            assert_eq!(record_winner(s, &rr).map(|i| rr[i]), w, "{s}");
            assert_eq!(attribute_winner(s, &rr, &vv).map(|i| vv[i]), a, "{s}");
        }
    }

    #[test]
    fn conflicts_need_two_distinct_present_values() {
        assert!(!is_conflict::<u8>(&[]));
        assert!(!is_conflict(&[Some(1), None, Some(1)]));
        assert!(is_conflict(&[Some(1), None, Some(2)]));
    }

    #[test]
    fn summaries_add_up() {
        let mut a = Summary::new(Strategy::Latest);
        a.record("Server", 2).conflict("os", "bmc");
        let mut b = Summary::new(Strategy::Latest);
        {
            let mut t = b.record("Server", 1);
            t.conflict("os", "servicenow");
            t.conflict("status", "bmc");
        }
        b.record("Database", 3);
        a.add(b);
        let s = &a.kinds["Server"];
        assert_eq!(
            (s.records, s.reports, s.multi_source, s.conflicting_records),
            (2, 3, 1, 2)
        );
        assert_eq!(s.attributes["os"].conflicts, 2);
        assert_eq!(s.attributes["os"].resolved_by["bmc"], 1);
        assert_eq!(a.total_conflicts(), 3);
        assert_eq!(a.kinds["Database"].multi_source, 1);
        assert!(a.to_string().contains("won by: bmc 1, servicenow 1"));
        assert_eq!("keep-all".parse::<Strategy>(), Ok(Strategy::KeepAll));
        assert!("newest".parse::<Strategy>().is_err());
    }
}
