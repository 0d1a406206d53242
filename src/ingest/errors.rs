//! Bad input: every problem is reported with its file and line, counted per
//! input file, and either stops the run (`--on-error fail`) or skips the row
//! (`--on-error skip`, up to `--max-errors` skipped rows).

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// What to do with a bad row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum OnError {
    /// Stop at the first bad row, with exit code 1.
    Fail,
    /// Leave bad rows out, list them, and fail only past `--max-errors`.
    Skip,
}

/// Messages kept per input file (the count is always exact).
pub const KEPT_MESSAGES: usize = 100;

/// The bad input found in one input file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileErrors {
    /// Rows left out.
    pub skipped: u64,
    /// Problems found (a problem may skip several rows or none).
    pub problems: u64,
    /// The first [`KEPT_MESSAGES`] problems, `file:line: message`.
    pub messages: Vec<String>,
}

struct State {
    files: Vec<FileErrors>,
    /// The first problem in (file, line) order, for `--on-error fail`.
    first: Option<(usize, u64, String)>,
    /// The first file (in file order) that could not be read.
    unreadable: Option<(usize, String)>,
    skipped: u64,
}

/// Collects bad input from every thread.
pub struct Errors {
    policy: OnError,
    max: u64,
    state: Mutex<State>,
    stop: AtomicBool,
}

impl Errors {
    /// A collector for `files` input files.
    pub fn new(policy: OnError, max: u64, files: usize) -> Errors {
        Errors {
            policy,
            max,
            state: Mutex::new(State {
                files: vec![FileErrors::default(); files],
                first: None,
                unreadable: None,
                skipped: 0,
            }),
            stop: AtomicBool::new(false),
        }
    }

    /// Records a problem in input `file` at `pos` (its text already names
    /// the place), which leaves `skipped` rows out.
    pub fn bad(&self, file: usize, pos: u64, message: String, skipped: u64) {
        let Ok(mut s) = self.state.lock() else {
            self.stop.store(true, Ordering::SeqCst);
            return;
        };
        if s.first
            .as_ref()
            .is_none_or(|(f, p, _)| (file, pos) < (*f, *p))
        {
            s.first = Some((file, pos, message.clone()));
        }
        s.skipped += skipped;
        let e = &mut s.files[file];
        e.skipped += skipped;
        e.problems += 1;
        if e.messages.len() < KEPT_MESSAGES {
            e.messages.push(message);
        }
        let over = s.skipped > self.max;
        if self.policy == OnError::Fail || over {
            self.stop.store(true, Ordering::SeqCst);
        }
    }

    /// Records that input `file` cannot be read (not opened, not of its
    /// format, empty, or broken off): its rows cannot be counted, so it
    /// stops the run under either policy instead of passing as 0 skipped
    /// rows.
    pub fn unreadable(&self, file: usize, message: String) {
        if let Ok(mut s) = self.state.lock() {
            if s.unreadable.as_ref().is_none_or(|(f, _)| file < *f) {
                s.unreadable = Some((file, message.clone()));
            }
            let e = &mut s.files[file];
            e.problems += 1;
            if e.messages.len() < KEPT_MESSAGES {
                e.messages.push(message);
            }
        }
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether the run must stop.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The policy.
    pub fn policy(&self) -> OnError {
        self.policy
    }

    /// The error that ends the run, if it must end: the first problem in
    /// file and line order (so the message does not depend on threads).
    pub fn verdict(&self) -> Option<String> {
        if !self.stopped() {
            return None;
        }
        let s = self.state.lock().ok()?;
        if let Some((_, m)) = &s.unreadable {
            return Some(format!(
                "{m}\n(an input file that cannot be read stops the run under any --on-error: its rows cannot be counted, so it is never left out as 0 skipped rows)"
            ));
        }
        let first = s
            .first
            .as_ref()
            .map(|(_, _, m)| m.clone())
            .unwrap_or_else(|| "an internal error stopped the run".into());
        Some(match self.policy {
            OnError::Fail => format!(
                "{first}\n(bad input stops the run under --on-error fail; --on-error skip leaves bad rows out and lists them)"
            ),
            OnError::Skip => format!(
                "{} bad rows were skipped, more than --max-errors {}; the first: {first}",
                s.skipped, self.max
            ),
        })
    }

    /// The per-file figures.
    pub fn files(&self) -> Vec<FileErrors> {
        self.state
            .lock()
            .map(|s| s.files.clone())
            .unwrap_or_default()
    }

    /// Rows skipped so far.
    pub fn skipped(&self) -> u64 {
        self.state.lock().map(|s| s.skipped).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_stops_at_the_first_problem_in_file_order() {
        let e = Errors::new(OnError::Fail, 0, 2);
        assert!(e.verdict().is_none());
        e.bad(1, 3, "b.csv:3: bad".into(), 1);
        e.bad(0, 9, "a.csv:9: bad".into(), 1);
        assert!(e.stopped());
        assert!(e.verdict().unwrap().starts_with("a.csv:9: bad"));
    }

    #[test]
    fn an_unreadable_file_stops_any_policy() {
        let e = Errors::new(OnError::Skip, u64::MAX, 2);
        e.bad(0, 1, "a.csv:1: bad".into(), 1);
        e.unreadable(1, "b.parquet: not a readable Parquet file".into());
        assert!(e.stopped());
        let v = e.verdict().unwrap();
        assert!(v.starts_with("b.parquet: not a readable"), "{v}");
        assert_eq!(e.files()[1].skipped, 0);
        assert_eq!(e.files()[1].problems, 1);
    }

    #[test]
    fn skip_counts_and_fails_past_the_tolerance() {
        let e = Errors::new(OnError::Skip, 2, 1);
        e.bad(0, 1, "x:1: one".into(), 1);
        e.bad(0, 2, "x:2: two".into(), 1);
        assert!(!e.stopped());
        e.bad(0, 3, "x:3: three".into(), 1);
        assert!(e.stopped());
        let v = e.verdict().unwrap();
        assert!(v.contains("3 bad rows") && v.contains("x:1: one"), "{v}");
        assert_eq!(e.files()[0].skipped, 3);
        assert_eq!(e.files()[0].messages.len(), 3);
    }
}
