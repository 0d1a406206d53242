//! Progress on long work: a bar with rate and ETA on a terminal, or one JSON
//! line per interval for pipelines, or nothing.

use crate::write::Counters;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// A bar when stderr is a terminal, JSON lines otherwise.
    Auto,
    /// A bar on stderr.
    Bar,
    /// One JSON object per line on stderr.
    Json,
    /// Nothing.
    None,
}

impl Mode {
    fn resolve(self) -> Mode {
        match self {
            Mode::Auto if std::io::stderr().is_terminal() => Mode::Bar,
            Mode::Auto => Mode::Json,
            m => m,
        }
    }
}

/// One progress report.
#[derive(Serialize)]
struct Report {
    event: &'static str,
    rows: u64,
    total_rows: u64,
    bytes: u64,
    elapsed_s: f64,
    rows_per_s: f64,
    eta_s: Option<f64>,
}

/// A running reporter; stops and prints a last line when dropped or finished.
pub struct Reporter {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

fn report(c: &Counters, total: u64, start: Instant, done: u64) -> Report {
    let rows = done + c.rows.load(Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    let rate = if elapsed > 0.0 {
        c.rows.load(Ordering::Relaxed) as f64 / elapsed
    } else {
        0.0
    };
    let eta = (rate > 0.0).then(|| total.saturating_sub(rows) as f64 / rate);
    Report {
        event: "progress",
        rows,
        total_rows: total,
        bytes: c.bytes.load(Ordering::Relaxed),
        elapsed_s: (elapsed * 10.0).round() / 10.0,
        rows_per_s: rate.round(),
        eta_s: eta.map(|e| e.round()),
    }
}

fn human(n: f64) -> String {
    if n >= 1e9 {
        format!("{:.2}G", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.2}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn draw_bar(r: &Report) -> String {
    let frac = if r.total_rows == 0 {
        1.0
    } else {
        r.rows as f64 / r.total_rows as f64
    };
    let width = 30;
    let filled = ((frac * width as f64) as usize).min(width);
    let eta = r
        .eta_s
        .map(|e| format!("ETA {e:.0}s"))
        .unwrap_or_else(|| "ETA -".into());
    format!(
        "\r[{}{}] {:5.1}% {}/{} rows  {} rows/s  {:.1} MB/s  {}   ",
        "#".repeat(filled),
        ".".repeat(width - filled),
        frac * 100.0,
        human(r.rows as f64),
        human(r.total_rows as f64),
        human(r.rows_per_s),
        r.bytes as f64 / 1e6 / r.elapsed_s.max(0.1),
        eta
    )
}

impl Reporter {
    /// Starts reporting `counters` against `total` rows (`done` of them were
    /// already complete before this run, e.g. kept on resume).
    pub fn start(mode: Mode, counters: Arc<Counters>, total: u64, done: u64) -> Reporter {
        let mode = mode.resolve();
        let stop = Arc::new(AtomicBool::new(false));
        if mode == Mode::None {
            return Reporter { stop, handle: None };
        }
        let flag = stop.clone();
        let interval = if mode == Mode::Bar {
            Duration::from_millis(250)
        } else {
            Duration::from_secs(2)
        };
        let handle = std::thread::spawn(move || {
            let start = Instant::now();
            let mut last = Instant::now();
            loop {
                let stopping = flag.load(Ordering::Relaxed);
                if stopping || last.elapsed() >= interval {
                    last = Instant::now();
                    let r = report(&counters, total, start, done);
                    let mut err = std::io::stderr().lock();
                    if mode == Mode::Bar {
                        let _ = write!(err, "{}", draw_bar(&r));
                        if stopping {
                            let _ = writeln!(err);
                        }
                    } else if let Ok(line) = serde_json::to_string(&r) {
                        let _ = writeln!(err, "{line}");
                    }
                }
                if stopping {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        Reporter {
            stop,
            handle: Some(handle),
        }
    }

    /// Prints the last report and stops.
    pub fn finish(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.halt();
    }
}
