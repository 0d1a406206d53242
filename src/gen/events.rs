//! Event chains: an incident may be caused by an earlier event. A cause
//! always has a smaller index than its effect, so chains are acyclic.

use super::World;
use crate::model::NodeKind;
use crate::rng;

/// The event type slots, in the order of `pools::EVENT_TYPES`.
const ALERT: usize = 0;
const INCIDENT: usize = 1;

/// How far back (in events) a cause is looked for.
const LOOKBACK: u64 = 16;

/// The share of incidents, in percent, that follow an earlier alert.
const CAUSED_PERCENT: u64 = 60;

impl World {
    /// The type slot of event `j` (alert, incident, change): the first draw
    /// of its row, as `event` takes it.
    #[inline]
    pub(super) fn event_type(&self, j: u64) -> usize {
        let w = &self.profile.event_types;
        let total = w.iter().map(|&x| u64::from(x)).sum();
        let h = self.node_streams[NodeKind::Event.index()].draws(j).next();
        rng::weighted(h, w, total)
    }

    /// The event that caused event `j`, if any: for an incident, the latest
    /// alert among the `LOOKBACK` events before it, drawn for a share of
    /// incidents.
    pub(super) fn cause_of(&self, j: u64) -> Option<u64> {
        if self.event_type(j) != INCIDENT {
            return None;
        }
        if rng::below(self.chain_stream.at(j), 100) >= CAUSED_PERCENT {
            return None;
        }
        (1..=LOOKBACK.min(j))
            .map(|k| j - k)
            .find(|&c| self.event_type(c) == ALERT)
    }
}
