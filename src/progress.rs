//! Progress on long work: a bar with rate and ETA on a terminal, or one JSON
//! line per interval for pipelines, or nothing.

use crate::write::Counters;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
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
    /// `Auto` made concrete for this process's stderr.
    pub fn resolve(self) -> Mode {
        match self {
            Mode::Auto if std::io::stderr().is_terminal() => Mode::Bar,
            Mode::Auto => Mode::Json,
            m => m,
        }
    }
}

/// A command's own lines on stderr (notes, warnings, the closing summary):
/// plain text, or in JSON mode one JSON object per line, so that a pipeline
/// reading stderr sees nothing but JSON (schemas in docs/operations.md).
#[derive(Clone, Copy, Debug)]
pub struct Console {
    json: bool,
    quiet: bool,
}

/// One note in JSON mode.
#[derive(Serialize)]
struct Note<'a> {
    event: &'a str,
    message: &'a str,
}

impl Console {
    /// The console of a command run with progress `mode` (resolved for this
    /// process's stderr) and `--quiet`.
    pub fn new(mode: Mode, quiet: bool) -> Console {
        Console {
            json: mode.resolve() == Mode::Json,
            quiet,
        }
    }

    /// Plain text lines, none when `quiet` (warnings excepted): for commands
    /// without a JSON mode.
    pub fn plain(quiet: bool) -> Console {
        Console { json: false, quiet }
    }

    /// Plain text lines.
    pub fn text() -> Console {
        Console::plain(false)
    }

    /// Whether lines are JSON objects.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// The line a note is printed as: `text` as it is, or in JSON mode
    /// `{"event": event, "message": text}`.
    pub fn line(&self, event: &str, text: &str) -> String {
        if self.json {
            let note = Note {
                event,
                message: text,
            };
            serde_json::to_string(&note).unwrap_or_else(|_| text.to_string())
        } else {
            text.to_string()
        }
    }

    /// Prints a note on stderr (nothing when quiet). `event` names it in
    /// JSON mode: `estimate`, `warning` or `notice`.
    pub fn note(&self, event: &str, text: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{}", self.line(event, text));
        }
    }

    /// Prints a warning on stderr, even when quiet.
    pub fn warn(&self, text: &str) {
        let text = format!("cmdbgen: warning: {text}");
        let _ = writeln!(std::io::stderr().lock(), "{}", self.line("warning", &text));
    }

    /// Prints the error a run ends with: the text, or in JSON mode
    /// `{"event": "error", "message": text, "exit_code": code}`.
    pub fn error(&self, text: &str, code: u8) {
        let line = if self.json {
            serde_json::json!({"event": "error", "message": text, "exit_code": code}).to_string()
        } else {
            text.to_string()
        };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// In JSON mode, the run's last line: `summary` with `"event":
    /// "summary"` first. Plain text summaries stay on stdout, as before.
    pub fn summary<T: Serialize>(&self, summary: &T) {
        if !self.json || self.quiet {
            return;
        }
        // `event` first, then the summary's fields in their declared order.
        let fields = serde_json::to_string(summary).unwrap_or_default();
        let line = match fields.strip_prefix('{') {
            Some("}") | None => r#"{"event":"summary"}"#.to_string(),
            Some(rest) => format!(r#"{{"event":"summary",{rest}"#),
        };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

/// One progress report (the JSON line schema is in docs/operations.md).
#[derive(Serialize)]
struct Report {
    event: &'static str,
    rows: u64,
    total_rows: u64,
    /// Bytes rendered (uncompressed CSV; encoded Parquet).
    bytes: u64,
    /// Bytes of finished files on disk (compressed when gzip).
    written_bytes: u64,
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
        written_bytes: c.written.load(Ordering::Relaxed),
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

/// Seconds as h:mm:ss.
pub fn hms(seconds: f64) -> String {
    let s = crate::cast::whole(seconds.max(0.0).round());
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The bar's two lines: the bar itself fills the terminal's width (indicatif
/// measures it), and the figures go on their own line so that neither wraps
/// in an 80-column terminal.
fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix} [{wide_bar}] {percent:>3}%\n{wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#>.")
}

/// Updates `bar` from a report.
fn draw(bar: &ProgressBar, r: &Report) {
    bar.set_length(r.total_rows.max(1));
    bar.set_position(r.rows.min(r.total_rows.max(1)));
    let eta = r.eta_s.map(hms).unwrap_or_else(|| "-".into());
    bar.set_prefix(format!("{} ETA {eta}", hms(r.elapsed_s)));
    let secs = r.elapsed_s.max(0.1);
    bar.set_message(format!(
        "{}/{} rows  {} rows/s  {:.1} MB/s rendered  {:.1} MB/s written",
        human(r.rows as f64),
        human(r.total_rows as f64),
        human(r.rows_per_s),
        r.bytes as f64 / 1e6 / secs,
        r.written_bytes as f64 / 1e6 / secs,
    ));
}

impl Reporter {
    /// Starts reporting `counters` against `total` rows (`done` of them were
    /// already complete before this run, e.g. kept on resume).
    pub fn start(mode: Mode, counters: Arc<Counters>, total: u64, done: u64) -> Reporter {
        Reporter::start_to(mode, counters, total, done, ProgressDrawTarget::stderr())
    }

    /// As [`Reporter::start`], drawing the bar on `target` (tests draw on an
    /// in-memory terminal).
    pub fn start_to(
        mode: Mode,
        counters: Arc<Counters>,
        total: u64,
        done: u64,
        target: ProgressDrawTarget,
    ) -> Reporter {
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
        let bar = (mode == Mode::Bar).then(|| {
            let b = ProgressBar::with_draw_target(Some(total.max(1)), target);
            b.set_style(bar_style());
            b
        });
        let handle = std::thread::spawn(move || {
            let start = Instant::now();
            let mut last = Instant::now();
            loop {
                let stopping = flag.load(Ordering::Relaxed);
                if stopping || last.elapsed() >= interval {
                    last = Instant::now();
                    let r = report(&counters, total, start, done);
                    if let Some(bar) = &bar {
                        draw(bar, &r);
                        if stopping {
                            bar.abandon();
                        }
                    } else if let Ok(line) = serde_json::to_string(&r) {
                        let _ = writeln!(std::io::stderr().lock(), "{line}");
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

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::InMemoryTerm;

    #[test]
    fn console_lines_are_text_or_json() {
        let text = Console {
            json: false,
            quiet: false,
        };
        assert_eq!(
            text.line("estimate", "estimate: 3 rows"),
            "estimate: 3 rows"
        );
        let json = Console {
            json: true,
            quiet: false,
        };
        let line = json.line("warning", "a \"quoted\" path\\x");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["event"], "warning");
        assert_eq!(v["message"], "a \"quoted\" path\\x");
    }

    #[test]
    fn hms_formats_hours_minutes_seconds() {
        assert_eq!(hms(0.0), "0:00:00");
        assert_eq!(hms(59.6), "0:01:00");
        assert_eq!(hms(3723.0), "1:02:03");
        assert_eq!(hms(-5.0), "0:00:00");
    }

    /// Many redraws in an 80x24 terminal leave one bar (two lines), none
    /// wider than the terminal.
    #[test]
    fn bar_redraws_in_place_in_80_columns() {
        let term = InMemoryTerm::new(24, 80);
        let counters = Arc::new(Counters::default());
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        let r = Reporter::start_to(Mode::Bar, counters.clone(), 10_000_000, 0, target);
        for _ in 0..12 {
            counters.rows.fetch_add(400_000, Ordering::Relaxed);
            counters.bytes.fetch_add(40_000_000, Ordering::Relaxed);
            counters.written.fetch_add(9_000_000, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(260));
        }
        r.finish();
        let screen = term.contents();
        let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 2, "one bar of two lines, got:\n{screen}");
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{screen}");
        assert!(
            lines[0].contains("ETA") && lines[0].contains('%'),
            "{screen}"
        );
        assert!(
            lines[1].contains("rows/s") && lines[1].contains("MB/s written"),
            "{screen}"
        );
        assert!(lines[1].starts_with("4.80M/10.00M rows"), "{screen}");
    }
}
