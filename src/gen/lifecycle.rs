//! The lifecycle of a configuration item: an install status and an
//! operational status that agree (as ServiceNow keeps them), its creation,
//! discovery and retirement times (written as `status_since`: the
//! retirement of a retired CI, else its first discovery, or its record's
//! creation while planned). A pure function of (seed, kind, i) on
//! its own stream, so an event can ask whether a CI was alive at an instant
//! without generating the CI's row.

use super::pools::Word;
use super::World;
use crate::model::NodeKind;
use crate::rng;

/// `status` of each lifecycle state (the short form earlier bundles had).
pub(crate) static STATUS: [Word; 7] = [
    Word::new("active"),
    Word::new("active"),
    Word::new("maintenance"),
    Word::new("maintenance"),
    Word::new("planned"),
    Word::new("planned"),
    Word::new("retired"),
];
/// `install_status` of each lifecycle state.
pub(crate) static INSTALL_STATUS: [Word; 7] = [
    Word::new("Installed"),
    Word::new("Installed"),
    Word::new("In Maintenance"),
    Word::new("Pending Repair"),
    Word::new("Pending Install"),
    Word::new("On Order"),
    Word::new("Retired"),
];
/// `operational_status` of each lifecycle state.
pub(crate) static OPERATIONAL_STATUS: [Word; 7] = [
    Word::new("Operational"),
    Word::new("DR Standby"),
    Word::new("Repair in Progress"),
    Word::new("Non-Operational"),
    Word::new("Ready"),
    Word::new("Pipeline"),
    Word::new("Retired"),
];
/// The weights of the states, in percent.
const WEIGHTS: &[u32] = &[80, 3, 5, 2, 3, 1, 6];
// The states by name, indices into the tables above.
pub(crate) const OPERATIONAL: usize = 0;
pub(crate) const STANDBY: usize = 1;
pub(crate) const IN_MAINTENANCE: usize = 2;
pub(crate) const PENDING_REPAIR: usize = 3;
pub(crate) const RETIRED: usize = 6;
/// Planned states (pending install, on order): recorded, never discovered.
const PLANNED: [usize; 2] = [4, 5];

/// The states a CI in each state can move to in a day's change, as a
/// CMDB records them: an operational CI goes on standby, into maintenance
/// or repair, or is retired; repairs end operational (or retired); a
/// planned CI is ordered, then installed; a retired CI stays retired.
pub(crate) static NEXT: [&[usize]; 7] = [
    &[1, 2, 3, RETIRED],
    &[OPERATIONAL, 2],
    &[OPERATIONAL, 3],
    &[2, OPERATIONAL, RETIRED],
    &[OPERATIONAL],
    &[4],
    &[],
];

const DAY: i64 = 86_400;
/// Planned CIs were recorded in the last quarter (or the kind's
/// [`NodeKind::max_age`], when shorter).
const PLANNED_SPAN: i64 = 90 * DAY;
/// Discovery finds a CI within three days of its record.
const DISCOVERY_DELAY: i64 = 3 * DAY;
/// A live CI was last seen in the week before the reference (a retired one
/// in the week before its retirement).
const LAST_SEEN: i64 = 7 * DAY;

/// One CI's lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Life {
    /// Index into the status tables.
    pub(crate) state: usize,
    /// `created_at`.
    pub(crate) created: i64,
    /// `first_discovered`: none while planned.
    pub(crate) first: Option<i64>,
    /// `last_discovered`: none while planned.
    pub(crate) last: Option<i64>,
    /// The retirement (`status_since` of a retired CI): retired CIs only.
    pub(crate) retired: Option<i64>,
}

impl Life {
    /// Whether an event can affect the CI at `t`: discovered by then (so
    /// created), not planned, not yet retired.
    #[inline]
    pub(crate) fn alive_at(&self, t: i64) -> bool {
        self.first.is_some_and(|f| f <= t) && self.retired.is_none_or(|r| t <= r)
    }
}

impl World {
    /// The lifecycle of CI `i` of kind `kind`.
    #[inline]
    pub(crate) fn life(&self, kind: NodeKind, i: u64) -> Life {
        let (mut life, d) = self.life_but_last(kind, i);
        if let (Some(first), Some(mut d)) = (life.first, d) {
            let end = life.retired.unwrap_or(self.reference);
            life.last = Some(end - span(&mut d, (end - first).min(LAST_SEEN) + 1));
        }
        life
    }

    /// Whether CI `i` of kind `kind` can be affected at `t` ([`Life::alive_at`]),
    /// a draw cheaper than the whole lifecycle.
    #[inline]
    pub(crate) fn alive_at(&self, kind: NodeKind, i: u64, t: i64) -> bool {
        self.life_but_last(kind, i).0.alive_at(t)
    }

    /// The lifecycle without `last` (left equal to `first`), and the draws
    /// that give `last` (none for a planned CI).
    #[inline]
    fn life_but_last(&self, kind: NodeKind, i: u64) -> (Life, Option<rng::Draws>) {
        let r = self.reference;
        let mut d = self.life_streams[kind.index()].draws(i);
        // The most popular CI of each kind (rank 0 of its permutation) is as
        // old as can be and operational: the fallback every event can use.
        let anchor = i == self.anchors[kind.index()];
        // Creation times span the kind's longest age before the reference.
        let created_span = self.created_span[kind.index()];
        let state = if anchor {
            OPERATIONAL
        } else {
            rng::weighted(d.next(), WEIGHTS, 100)
        };
        if PLANNED.contains(&state) {
            let created = r - 1 - span(&mut d, PLANNED_SPAN.min(created_span));
            let life = Life {
                state,
                created,
                first: None,
                last: None,
                retired: None,
            };
            return (life, None);
        }
        let age = if anchor {
            created_span
        } else {
            1 + span(&mut d, created_span)
        };
        let created = r - age;
        // first < r: the delay is below the age.
        let first = created + span(&mut d, DISCOVERY_DELAY.min(age));
        let retired = (state == RETIRED).then(|| first + 1 + span(&mut d, r - first));
        let life = Life {
            state,
            created,
            first: Some(first),
            last: Some(first),
            retired,
        };
        (life, Some(d))
    }
}

/// A uniform draw in `0..n` seconds (`n` > 0).
#[inline]
fn span(d: &mut rng::Draws, n: i64) -> i64 {
    d.below(n.unsigned_abs()) as i64
}

// The fallback CI (created its kind's longest age ago, discovered within
// the discovery delay) predates every event, whatever the window: the
// margin is linear in the window, so its two ends suffice.
const _: () = {
    let mut k = 0;
    while k < NodeKind::ALL.len() {
        let age = NodeKind::ALL[k].max_age();
        let (lo, hi) = (1, crate::profile::MAX_EVENT_WINDOW_DAYS);
        assert!(
            age.seconds(lo) - DISCOVERY_DELAY >= lo as i64 * DAY
                && age.seconds(hi) - DISCOVERY_DELAY >= hi as i64 * DAY,
            "the fallback CI must predate every event"
        );
        k += 1;
    }
};
