//! Heap gating and retry timing.
//!
//! Before each batch the server's JVM heap is read with
//! `CALL dbms.queryJmx('java.lang:type=Memory')`; while `used/max` is above
//! the threshold the batch waits, with a doubling pause. A server without the
//! procedure (or without the privilege to call it, or with an answer of
//! another shape) turns gating off: that is said once, and loading goes on.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// A failed heap probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeError {
    /// Worth retrying (connection loss, transient server error).
    pub transient: bool,
    /// What happened.
    pub text: String,
}

/// The first and the longest pause while the heap is above the threshold.
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const LONGEST_PAUSE: Duration = Duration::from_secs(16);

/// Shared by all workers.
#[derive(Debug)]
pub struct HeapGate {
    threshold: f64,
    max_wait: Duration,
    off: AtomicBool,
    /// Times a batch paused because the heap was above the threshold.
    pub waits: AtomicU64,
    /// Where the gate's notices go.
    console: crate::progress::Console,
}

impl HeapGate {
    /// A gate at `threshold` (a fraction of max heap); a batch waits at most
    /// `max_wait` in all, then goes ahead with a warning.
    pub fn new(threshold: f64, max_wait: Duration) -> HeapGate {
        HeapGate {
            threshold,
            max_wait,
            off: AtomicBool::new(false),
            waits: AtomicU64::new(0),
            console: crate::progress::Console::text(),
        }
    }

    /// The gate, saying its notices on `console`.
    pub fn with_console(mut self, console: crate::progress::Console) -> HeapGate {
        self.console = console;
        self
    }

    /// Whether gating was turned off because the server cannot report its heap.
    pub fn is_off(&self) -> bool {
        self.off.load(Ordering::SeqCst)
    }

    fn turn_off(&self, why: &str) {
        if !self.off.swap(true, Ordering::SeqCst) {
            self.console.warn(&format!(
                "heap gating is off: the server did not report its heap via dbms.queryJmx ({why}); continuing without it"
            ));
        }
    }

    /// Waits until the heap is at or below the threshold. `probe` reads
    /// `(used, max)`; `Ok(None)` means an answer of another shape.
    pub fn wait(
        &self,
        mut probe: impl FnMut() -> Result<Option<(i64, i64)>, ProbeError>,
        mut sleep: impl FnMut(Duration),
    ) -> Result<(), ProbeError> {
        let mut waited = Duration::ZERO;
        let mut pause = FIRST_PAUSE;
        while !self.is_off() {
            let (used, max) = match probe() {
                Err(e) if e.transient => return Err(e),
                Err(e) => {
                    self.turn_off(&e.text);
                    return Ok(());
                }
                Ok(None) => {
                    self.turn_off("its answer has no numeric used/max");
                    return Ok(());
                }
                Ok(Some(x)) => x,
            };
            let ratio = used as f64 / max as f64;
            if ratio <= self.threshold {
                return Ok(());
            }
            if waited >= self.max_wait {
                self.console.warn(&format!(
                    "server heap still at {:.0}% after waiting {:.0}s; going on",
                    ratio * 100.0,
                    waited.as_secs_f64()
                ));
                return Ok(());
            }
            if waited.is_zero() {
                self.console.note(
                    "notice",
                    &format!(
                        "cmdbgen: server heap at {:.0}% of {:.1} GiB (threshold {:.0}%): waiting",
                        ratio * 100.0,
                        max as f64 / f64::from(1u32 << 30),
                        self.threshold * 100.0
                    ),
                );
            }
            self.waits.fetch_add(1, Ordering::Relaxed);
            // The last pause is cut short so that the wait ends at the bound.
            let step = pause.min(self.max_wait - waited);
            sleep(step);
            waited += step;
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
        Ok(())
    }
}

/// The pause before retry `attempt` (from 0): `base · 2^attempt`, at most
/// 30 s, times a jitter factor in [0.5, 1) from `noise`.
pub fn backoff(attempt: u32, base: Duration, noise: u64) -> Duration {
    let cap = Duration::from_secs(30);
    let full = base
        .checked_mul(1u32 << attempt.min(20))
        .unwrap_or(cap)
        .min(cap);
    full.mul_f64(0.5 + 0.5 * crate::rng::unit(noise).min(0.999_999))
}

/// Fresh noise for jitter: time, thread and a counter, mixed.
pub fn noise() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    crate::rng::mix(t ^ crate::rng::mix(COUNTER.fetch_add(1, Ordering::Relaxed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_while_above_the_threshold() {
        let gate = HeapGate::new(0.8, Duration::from_secs(600));
        let mut readings = vec![(90, 100), (85, 100), (50, 100)].into_iter();
        let mut slept = Vec::new();
        gate.wait(|| Ok(readings.next()), |d| slept.push(d))
            .unwrap();
        assert_eq!(
            slept,
            [Duration::from_millis(250), Duration::from_millis(500)]
        );
        assert_eq!(gate.waits.load(Ordering::Relaxed), 2);
        assert!(!gate.is_off());
    }

    #[test]
    fn gives_up_waiting_after_the_limit() {
        let gate = HeapGate::new(0.8, Duration::from_secs(1));
        let mut calls = 0;
        let mut slept = Duration::ZERO;
        gate.wait(
            || {
                calls += 1;
                Ok(Some((99, 100)))
            },
            |d| slept += d,
        )
        .unwrap();
        assert!(
            slept >= Duration::from_secs(1) && calls == 4,
            "{slept:?} {calls}"
        );
    }

    #[test]
    fn the_wait_ends_at_the_bound() {
        // 250 + 500 + 1000 ms, then 1250 ms instead of 2000: 3 s in all, not 3.75.
        for secs in [0, 1, 3, 7] {
            let gate = HeapGate::new(0.8, Duration::from_secs(secs));
            let mut slept = Vec::new();
            gate.wait(|| Ok(Some((99, 100))), |d| slept.push(d))
                .unwrap();
            let total: Duration = slept.iter().sum();
            assert_eq!(total, Duration::from_secs(secs), "{slept:?}");
        }
    }

    #[test]
    fn a_missing_procedure_turns_gating_off_once() {
        let gate = HeapGate::new(0.8, Duration::from_secs(60));
        let mut calls = 0;
        for _ in 0..3 {
            gate.wait(
                || {
                    calls += 1;
                    Err(ProbeError {
                        transient: false,
                        text: "Neo.ClientError.Procedure.ProcedureNotFound".into(),
                    })
                },
                |_| panic!("no sleeping"),
            )
            .unwrap();
        }
        assert_eq!(calls, 1);
        assert!(gate.is_off());
        let odd = HeapGate::new(0.8, Duration::from_secs(60));
        odd.wait(|| Ok(None), |_| {}).unwrap();
        assert!(odd.is_off());
    }

    #[test]
    fn transient_probe_errors_are_passed_on() {
        let gate = HeapGate::new(0.8, Duration::from_secs(60));
        let e = ProbeError {
            transient: true,
            text: "connection lost".into(),
        };
        assert_eq!(gate.wait(|| Err(e.clone()), |_| {}), Err(e));
        assert!(!gate.is_off());
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let base = Duration::from_millis(100);
        for a in 0..8 {
            let d = backoff(a, base, noise());
            let full = base * (1 << a);
            assert!(d >= full / 2 && d < full, "{a}: {d:?}");
        }
        assert!(backoff(40, base, 0) <= Duration::from_secs(30));
    }
}
