//! Events in time: when each event happens, which CI it affects, what
//! caused it, and how long it lasts.
//!
//! * **Time**: the event window (the profile's `[time]`) is weighted hour by
//!   hour (busy business hours, quiet nights and weekends, a seasonal
//!   swing), and event `j` of `n` falls at the quantile `(j + u) / n` of
//!   that weight, `u` uniform in `0..1`. Index order is time order, so a
//!   cause (a smaller index) is never later than its effect.
//! * **Storms**: a share of the blocks of 64 consecutive events
//!   are incident storms: most of their events are alerts and incidents on
//!   one failing CI, and where the failing CI has dependents (the servers a
//!   network device connects, the business services an application
//!   supports, the virtual servers a hypervisor host carries, the pods a
//!   Kubernetes node runs) half of them hit one of those instead.
//! * **Chains**: an incident may follow an earlier alert or change, a change
//!   may remediate an earlier incident; cause and effect affect the same CI
//!   when it is still alive. A cause always has a smaller index than its
//!   effect, so chains are acyclic.
//! * **Lifecycle**: an event affects a CI discovered by then and not yet
//!   retired (never a planned one): the affected CI is redrawn a few times
//!   until it was alive, falling back to the kind's most popular CI, which
//!   is always old and operational.

use super::World;
use crate::model::{MaxAge, NodeKind, RelKind};
use crate::profile::civil_from_days;
use crate::rng;

/// The event type slots, in the order of `pools::EVENT_TYPES`.
pub(super) const ALERT: usize = 0;
pub(super) const INCIDENT: usize = 1;
pub(super) const CHANGE: usize = 2;

/// How far back (in events) a cause is looked for (a power of two: offsets
/// are four-bit pieces of one draw), and how many events are tried.
const LOOKBACK: u64 = 16;
const CAUSE_TRIES: u64 = 8;

/// Percentages of the causes: an incident follows an alert (below the
/// first) or a change (below the second); a change remediates an incident.
const INCIDENT_AFTER_ALERT: u64 = 60;
const INCIDENT_AFTER_CHANGE: u64 = 75;
const CHANGE_AFTER_INCIDENT: u64 = 30;

/// Storm blocks are `1 << STORM_SHIFT` consecutive events.
const STORM_SHIFT: u32 = 6;
/// Storm blocks, per mille of blocks.
const STORM_PERMILLE: u64 = 15;
/// Of a storm block's events, those whose type draw's low byte is below
/// this are the storm's (three quarters).
const STORM_MEMBER: u64 = 192;
/// The type weights of a storm's events: alerts and incidents.
const STORM_TYPES: [u32; 3] = [45, 50, 5];
/// Storm draw keys are apart from event indices (below 2^40).
const STORM_KEY: u64 = 1 << 62;
/// How a storm's failing CI reaches the dependents it takes down.
#[derive(Clone, Copy, Debug)]
enum Via {
    /// Its ends in a forward fan-out family (a device's connected servers,
    /// an application's business services).
    Fanout(RelKind),
    /// The virtual servers it carries, when it is a hypervisor host (the
    /// starts of `Server-VIRTUALIZED_BY-Server` ending at it, a range).
    Guests,
    /// The pods running on it, when it is a Kubernetes node.
    Pods,
}

/// How a storm spreads: when its failing CI is in the first family, the
/// dependents it takes down are reached through the second, and their
/// events are in the third. A family may spread several ways: the first
/// that finds dependents of the failing CI is taken (a failing server
/// takes down its guests when it is a host, else its pods).
const SPREAD: &[(RelKind, Via, RelKind)] = &[
    (
        RelKind::EventAffectsNetworkDevice,
        Via::Fanout(RelKind::NetworkDeviceConnectsToServer),
        RelKind::EventAffectsServer,
    ),
    (
        RelKind::EventAffectsApplication,
        Via::Fanout(RelKind::ApplicationSupportsBusinessService),
        RelKind::EventAffectsBusinessService,
    ),
    (
        RelKind::EventAffectsServer,
        Via::Guests,
        RelKind::EventAffectsServer,
    ),
    (
        RelKind::EventAffectsServer,
        Via::Pods,
        RelKind::EventAffectsPod,
    ),
];
/// A storm event's hit on a dependent of its failing CI.
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "where a spread came from: tests read it")
)]
struct Spread {
    /// The dependent's family slot and the dependent.
    hit_slot: usize,
    hit: u64,
    /// The failing CI's family, the failing CI and its dependents.
    fail: RelKind,
    failing: u64,
    deps: Vec<u64>,
}

/// The bit of a storm event's first draw that sends it to a dependent.
const SPREAD_BIT: u64 = 1 << 8;

/// Attempts at a CI alive at the event's time, before the fallback; more
/// for short-lived kinds (pods), most of which are younger than an event
/// early in the window.
const ALIVE_ATTEMPTS: usize = 4;
const SHORT_LIVED_ATTEMPTS: usize = 16;
/// How many causes an affected CI is inherited through.
const INHERIT_DEPTH: u32 = 3;

/// Relative event weight per hour of a weekday and of a weekend day.
const WEEKDAY: [u64; 24] = [
    3, 3, 3, 3, 3, 3, 3, 6, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 7, 7, 7, 4, 4, 4,
];
const WEEKEND: [u64; 24] = [
    3, 3, 3, 3, 3, 3, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 3, 3, 3, 3,
];
/// Relative event weight per month, January first: year-end peak trading,
/// a December freeze, a quiet August.
const MONTH: [u64; 12] = [105, 100, 105, 100, 100, 95, 85, 80, 105, 110, 115, 90];

/// The event window weighted hour by hour.
#[derive(Clone, Debug)]
pub(super) struct Rhythm {
    /// The window's first second.
    from: i64,
    /// The total weight up to the end of each hour of the window.
    cum: Vec<u64>,
    /// For `GUIDE` equal slices of the weight, the hour each starts in: a
    /// look-up and a short scan instead of a binary search.
    guide: Vec<u32>,
}

/// Slices of the rhythm's guide table.
const GUIDE: u64 = 4096;

impl Rhythm {
    /// The `days` days before `reference`.
    pub(super) fn new(reference: i64, days: u32) -> Rhythm {
        let from = reference - i64::from(days) * 86_400;
        let mut total = 0;
        let cum = (0..i64::from(days) * 24)
            .map(|h| {
                let t = from + h * 3600;
                let day = t.div_euclid(86_400);
                // 1970-01-01 was a Thursday: Monday is 0.
                let weekend = (day + 3).rem_euclid(7) >= 5;
                let hour = crate::cast::index(t.rem_euclid(86_400).unsigned_abs() / 3600);
                let month = crate::cast::index((civil_from_days(day).1 - 1).unsigned_abs());
                let w = if weekend {
                    WEEKEND[hour]
                } else {
                    WEEKDAY[hour]
                };
                total += w * MONTH[month];
                total
            })
            .collect::<Vec<u64>>();
        let guide = (0..=GUIDE)
            .map(|g| {
                let x = g * total / GUIDE;
                u32::try_from(cum.partition_point(|&c| c <= x)).unwrap_or(u32::MAX)
            })
            .collect();
        Rhythm { from, cum, guide }
    }

    /// The window's total weight.
    fn total(&self) -> u64 {
        self.cum.last().copied().unwrap_or(0)
    }

    /// The instant at weight `x` (`x < total()`).
    #[inline]
    fn at(&self, x: u64) -> i64 {
        // The slice's first hour is at most the answer: g·total/GUIDE <= x.
        let g = crate::cast::index(x * GUIDE / self.total());
        let mut h = self.guide[g] as usize;
        while self.cum[h] <= x {
            h += 1;
        }
        let before = if h == 0 { 0 } else { self.cum[h - 1] };
        let w = self.cum[h] - before;
        self.from + (h as i64) * 3600 + ((x - before) * 3600 / w) as i64
    }
}

impl World {
    /// The type slot of event `j` (alert, incident, change), from the first
    /// draw of its row, as `event` takes it (tests; generation takes the
    /// whole [`World::event_head`]).
    #[cfg(test)]
    pub(super) fn event_type(&self, j: u64) -> usize {
        self.event_head(j).0
    }

    /// Event `j`'s type and the key of the draws that pick its family and
    /// CI: its own index, or its storm's (every event of a storm draws
    /// alike). One row-stream draw and at most one storm draw.
    #[inline]
    fn event_head(&self, j: u64) -> (usize, u64) {
        let h = self.node_streams[NodeKind::Event.index()].draws(j).next();
        if self.in_storm(j, h) {
            (
                rng::weighted(h, &STORM_TYPES, 100),
                STORM_KEY | j >> STORM_SHIFT,
            )
        } else {
            (
                rng::weighted(h, &self.profile.event_types, self.event_total),
                j,
            )
        }
    }

    /// The type of event `j` for its first row draw `h`.
    #[inline]
    pub(super) fn type_of(&self, j: u64, h: u64) -> usize {
        if self.in_storm(j, h) {
            rng::weighted(h, &STORM_TYPES, 100)
        } else {
            rng::weighted(h, &self.profile.event_types, self.event_total)
        }
    }

    /// Whether event `j` (first row draw `h`) belongs to an incident storm.
    #[inline]
    fn in_storm(&self, j: u64, h: u64) -> bool {
        h & 0xFF < STORM_MEMBER
            && rng::below(self.storm_stream.at(j >> STORM_SHIFT), 1000) < STORM_PERMILLE
    }

    /// The key of the draws that pick event `j`'s family and CI.
    #[inline]
    pub(super) fn draw_key(&self, j: u64) -> u64 {
        self.event_head(j).1
    }

    /// The family slot a draw key picks (`None` when no kind can be
    /// affected).
    #[inline]
    pub(super) fn slot_of_key(&self, key: u64) -> Option<usize> {
        (self.affects_total > 0).then(|| {
            rng::weighted(
                self.affects_stream.at(key),
                &self.affects_weights,
                self.affects_total,
            )
        })
    }

    /// The instant event `j` occurs: index order is time order.
    #[inline]
    pub(crate) fn event_time(&self, j: u64) -> i64 {
        let n = u128::from(self.count(NodeKind::Event).max(j + 1));
        let total = u128::from(self.rhythm.total());
        let u = u128::from(rng::below(self.time_stream.at(j), self.rhythm.total()));
        self.rhythm
            .at(crate::cast::narrow((u128::from(j) * total + u) / n))
    }

    /// The event that caused event `j`, if any: an incident follows an
    /// earlier alert or change, a change remediates an earlier incident;
    /// the cause is one of the `LOOKBACK` events before `j` of the wanted
    /// type and the same affected family. One chain draw gives the choice
    /// (its high bits) and the offsets tried (four bits each).
    pub(super) fn cause_of(&self, j: u64) -> Option<u64> {
        let (t, key) = self.event_head(j);
        if t == ALERT || self.spread(j).is_some() {
            return None;
        }
        let h = self.chain_stream.at(j);
        let roll = rng::below(h, 100);
        let (want, tries) = match t {
            INCIDENT if roll < INCIDENT_AFTER_ALERT => (ALERT, CAUSE_TRIES),
            INCIDENT if roll < INCIDENT_AFTER_CHANGE => (CHANGE, CAUSE_TRIES / 2),
            CHANGE if roll < CHANGE_AFTER_INCIDENT => (INCIDENT, CAUSE_TRIES),
            _ => return None,
        };
        let slot = self.slot_of_key(key);
        (0..tries)
            .map(|k| 1 + (h >> (4 * k) & (LOOKBACK - 1)))
            .filter(|&back| back <= j)
            .map(|back| j - back)
            .find(|&c| {
                let (tc, kc) = self.event_head(c);
                tc == want
                    && (kc == key || self.slot_of_key(kc) == slot)
                    && self.spread(c).is_none()
            })
    }

    /// The CI event `j` affects in one-of family `r`: its cause's CI when it
    /// is still alive, else a skewed draw (its storm's, if any) redrawn
    /// until alive at the event's time, else the kind's most popular CI.
    pub(super) fn affected(&self, r: RelKind, j: u64) -> u64 {
        match self.spread(j) {
            Some((_, ci)) => ci,
            None => self.affected_at(r, j, self.event_time(j), INHERIT_DEPTH),
        }
    }

    /// For a storm event that hits a dependent of its storm's failing CI:
    /// the dependent's family slot and CI. The failing CI is the storm's
    /// draw (alive at the event's time); the dependent is one of its
    /// dependents (`SPREAD`), the first alive at that time from a drawn
    /// position. `None` for every other event, and when no dependent is
    /// alive. Costs one fan-out per storm event, nothing for the others.
    pub(super) fn spread(&self, j: u64) -> Option<(usize, u64)> {
        self.spread_from(j).map(|s| (s.hit_slot, s.hit))
    }

    /// [`World::spread`] with where it came from.
    fn spread_from(&self, j: u64) -> Option<Spread> {
        let h = self.node_streams[NodeKind::Event.index()].draws(j).next();
        if h & SPREAD_BIT == 0 || !self.in_storm(j, h) {
            return None;
        }
        let slot = self.slot_of_key(STORM_KEY | j >> STORM_SHIFT)?;
        let t = self.event_time(j);
        let mut failing = None;
        let mut deps = Vec::new();
        for &(fail, via, hit) in SPREAD.iter().filter(|s| s.0.affects_slot() == Some(slot)) {
            let hit_slot = hit.affects_slot()?;
            if self.affects_weights[hit_slot] == 0 {
                continue;
            }
            let ci = *failing.get_or_insert_with(|| self.affected_at(fail, j, t, 0));
            self.dependents(via, ci, &mut deps);
            let n = deps.len();
            if n == 0 {
                continue;
            }
            let first = crate::cast::index(rng::below(rng::mix(h), n as u64));
            let alive = (0..n)
                .map(|k| deps[(first + k) % n])
                .find(|&d| self.alive_at(hit.spec().end, d, t));
            return alive.map(|d| Spread {
                hit_slot,
                hit: d,
                fail,
                failing: ci,
                deps,
            });
        }
        None
    }

    /// Fills `out` with the dependents a failing CI takes down through `via`.
    fn dependents(&self, via: Via, failing: u64, out: &mut Vec<u64>) {
        match via {
            Via::Fanout(r) => self.fanout_targets(r, failing, out),
            Via::Guests => {
                out.clear();
                out.extend(self.guests_of(failing));
            }
            Via::Pods => self.pods_on(failing, out),
        }
    }

    /// For a spread event `j`: its storm's failing CI and that CI's
    /// dependents (tests: where a spread came from).
    #[cfg(test)]
    pub(super) fn spread_source(&self, j: u64) -> Option<(RelKind, u64, Vec<u64>)> {
        self.spread_from(j).map(|s| (s.fail, s.failing, s.deps))
    }

    fn affected_at(&self, r: RelKind, j: u64, t: i64, depth: u32) -> u64 {
        let end = r.spec().end;
        if depth > 0 {
            if let Some(c) = self.cause_of(j) {
                let ci = self.affected_at(r, c, self.event_time(c), depth - 1);
                if self.alive_at(end, ci, t) {
                    return ci;
                }
            }
        }
        let n = self.count(end);
        let perm = &self.perms[end.index()];
        let mut draws = self.target_streams[r.index()].draws(self.draw_key(j));
        let attempts = match end.max_age() {
            MaxAge::Days(_) => ALIVE_ATTEMPTS,
            MaxAge::WindowPlusDays(_) => SHORT_LIVED_ATTEMPTS,
        };
        for _ in 0..attempts {
            let ci = perm.apply(rng::skewed(draws.next(), n, self.profile.affects_skew));
            if self.alive_at(end, ci, t) {
                return ci;
            }
        }
        self.anchors[end.index()]
    }

    /// The event's duration in minutes, by type and severity (0 info to 4
    /// critical): alerts clear in minutes to hours, critical incidents are
    /// resolved fastest, changes take planned windows.
    #[inline]
    pub(super) fn event_minutes(t: usize, severity: usize, d: &mut rng::Draws) -> i64 {
        const ALERT_MAX: [u64; 5] = [30, 60, 120, 240, 120];
        const INCIDENT_RANGE: [(u64, u64); 5] = [
            (1_440, 10_080),
            (480, 4_320),
            (240, 2_880),
            (60, 720),
            (30, 240),
        ];
        const WINDOWS: [i64; 5] = [30, 60, 120, 240, 480];
        let (lo, hi) = match t {
            ALERT => (1, ALERT_MAX[severity]),
            INCIDENT => INCIDENT_RANGE[severity],
            _ => {
                // Emergency changes take the shortest windows.
                let k = d.below(if severity == 4 { 2 } else { 5 });
                return WINDOWS[crate::cast::index(k)];
            }
        };
        // The product of two uniforms: most are short, a few run long.
        let span = hi - lo;
        let (a, b) = (d.below(span + 1), d.below(span + 1));
        (lo + a * b / span.max(1)) as i64
    }
}
