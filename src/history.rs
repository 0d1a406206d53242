//! Per-customer metrics history: one JSON line per phase run (generate,
//! import, apply, ...) appended to a history file, and the summary that
//! `cmdbgen report` prints from it.
//!
//! A line is a [`Record`]. `cmdbgen generate --history FILE` writes one;
//! `scripts/import.sh` writes one per import or apply. Fields the summary does
//! not know are kept out of the way (scripts may add `database`, `mode`, ...),
//! and lines that are not records are skipped with a warning naming the line.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The history file used when none is given: `from_env` (the CLI passes
/// `$CMDBGEN_HISTORY`) when set, else `out/history.jsonl`.
pub fn default_history(from_env: Option<std::ffi::OsString>) -> PathBuf {
    match from_env {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("out/history.jsonl"),
    }
}

fn yes() -> bool {
    true
}

/// One phase run of one customer's load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When the phase finished, RFC 3339 UTC.
    pub time: String,
    /// The customer (defaults to the profile's name).
    pub customer: String,
    /// The profile's name.
    pub profile: String,
    /// `generate`, `import`, `import-incremental`, `apply`, ...
    pub phase: String,
    /// Output format (`csv`, `csv-gz`, `parquet`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The part of a distributed run (`2/8`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// Node rows handled.
    pub nodes: u64,
    /// Relationship rows handled.
    pub relationships: u64,
    /// `nodes + relationships`.
    pub rows: u64,
    /// Bytes of the bundle (or part) handled.
    pub bytes: u64,
    /// Wall-clock seconds of the phase.
    pub seconds: f64,
    /// Peak resident memory of the process doing the work, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// Worker threads, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u64>,
    /// Whether the phase succeeded.
    #[serde(default = "yes")]
    pub ok: bool,
}

/// Peak resident set size of this process (`VmHWM` in `/proc/self/status`),
/// where the platform has it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Seconds since the Unix epoch as RFC 3339 UTC (`2024-05-31T10:30:00Z`).
pub fn rfc3339(unix_seconds: i64) -> String {
    let (y, m, d) = crate::write::csv::civil(unix_seconds.div_euclid(86_400));
    let s = unix_seconds.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// The current time as RFC 3339 UTC.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339(secs)
}

/// Appends one record as a JSON line, creating the file and its folder. The
/// line is written with a single `write` on an append-mode file, so
/// concurrent writers do not interleave within a line.
pub fn append(path: &Path, record: &Record) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(&line)
}

/// Reads a history file: the records, and a warning for every line that is
/// not one (`FILE:LINE: ...`).
pub fn load(path: &Path) -> io::Result<(Vec<Record>, Vec<String>)> {
    let text = fs::read_to_string(path)?;
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(r) => records.push(r),
            Err(e) => warnings.push(format!(
                "{}:{}: not a history record ({e}); skipped",
                path.display(),
                i + 1
            )),
        }
    }
    Ok((records, warnings))
}

/// The summary of one (customer, phase, profile, size) group of records.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    /// The customer.
    pub customer: String,
    /// The phase.
    pub phase: String,
    /// The profile.
    pub profile: String,
    /// Rows of the load (the size the times belong to).
    pub rows: u64,
    /// Bytes of the latest run.
    pub bytes: u64,
    /// Format of the latest run, if recorded.
    pub format: Option<String>,
    /// Successful runs.
    pub runs: u64,
    /// Failed runs.
    pub failures: u64,
    /// Seconds of the latest successful run.
    pub last_seconds: Option<f64>,
    /// Fastest successful run.
    pub best_seconds: Option<f64>,
    /// Median of the successful runs.
    pub median_seconds: Option<f64>,
    /// Seconds of the latest successful runs (at most [`RECENT_RUNS`]),
    /// oldest first: the table's sparkline.
    pub recent_seconds: Vec<f64>,
    /// Rows per second of the latest successful run.
    pub last_rows_per_second: Option<f64>,
    /// Largest peak RSS recorded.
    pub peak_rss_bytes: Option<u64>,
    /// When the latest run (successful or not) finished.
    pub last_time: String,
}

fn phase_rank(phase: &str) -> usize {
    [
        "estimate",
        "generate",
        "gather",
        "validate",
        "import",
        "import-incremental",
        "apply",
    ]
    .iter()
    .position(|p| *p == phase)
    .unwrap_or(usize::MAX)
}

/// How many of the latest successful runs the table's sparkline shows.
pub const RECENT_RUNS: usize = 12;

/// One (customer, phase, profile, size) group's records in file order, which
/// is time order for appends; the summary and the chart both start here.
struct Series<'a> {
    customer: String,
    phase: String,
    profile: String,
    rows: u64,
    records: Vec<&'a Record>,
}

/// Groups records by customer, phase, profile and size (runs of a part of a
/// distributed generation per part count), customers first, then size, then
/// phase order.
fn series(records: &[Record]) -> Vec<Series<'_>> {
    type Key = (String, usize, String, String, u64);
    let mut groups: BTreeMap<Key, Vec<&Record>> = BTreeMap::new();
    for r in records {
        let phase = match &r.part {
            Some(p) => format!("{} (part {p})", r.phase),
            None => r.phase.clone(),
        };
        groups
            .entry((
                r.customer.clone(),
                phase_rank(&r.phase),
                phase,
                r.profile.clone(),
                r.rows,
            ))
            .or_default()
            .push(r);
    }
    let mut out: Vec<Series<'_>> = groups
        .into_iter()
        .map(|((customer, _, phase, profile, rows), records)| Series {
            customer,
            phase,
            profile,
            rows,
            records,
        })
        .collect();
    out.sort_by(|a, b| {
        (
            &a.customer,
            a.rows,
            phase_rank(phase_base(&a.phase)),
            &a.phase,
        )
            .cmp(&(
                &b.customer,
                b.rows,
                phase_rank(phase_base(&b.phase)),
                &b.phase,
            ))
    });
    out
}

/// Groups records by customer, phase, profile and size; runs of a part of a
/// distributed generation are grouped per part count.
pub fn summarise(records: &[Record]) -> Vec<Group> {
    series(records).into_iter().map(summarise_series).collect()
}

/// The summary of one group's runs.
fn summarise_series(s: Series<'_>) -> Group {
    let rs = &s.records;
    let ok: Vec<&&Record> = rs.iter().filter(|r| r.ok).collect();
    let mut secs: Vec<f64> = ok.iter().map(|r| r.seconds).collect();
    let recent = secs[secs.len().saturating_sub(RECENT_RUNS)..].to_vec();
    secs.sort_by(f64::total_cmp);
    let median = match secs.len() {
        0 => None,
        n if n % 2 == 1 => Some(secs[n / 2]),
        n => Some((secs[n / 2 - 1] + secs[n / 2]) / 2.0),
    };
    let last_ok = ok.last();
    let last = rs[rs.len() - 1];
    Group {
        customer: s.customer,
        phase: s.phase,
        profile: s.profile,
        rows: s.rows,
        bytes: last.bytes,
        format: last.format.clone(),
        runs: ok.len() as u64,
        failures: (rs.len() - ok.len()) as u64,
        last_seconds: last_ok.map(|r| r.seconds),
        best_seconds: secs.first().copied(),
        median_seconds: median,
        recent_seconds: recent,
        last_rows_per_second: last_ok
            .filter(|r| r.seconds > 0.0)
            .map(|r| r.rows as f64 / r.seconds),
        peak_rss_bytes: rs.iter().filter_map(|r| r.peak_rss_bytes).max(),
        last_time: last.time.clone(),
    }
}

fn phase_base(phase: &str) -> &str {
    phase.split(" (part").next().unwrap_or(phase)
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    crate::estimate::render::group(n)
}

pub use crate::estimate::render::human_bytes;

/// A duration: `0.42s`, `12.3s`, `4m05s`, `2h07m`.
pub fn human_seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2}s")
    } else if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        let t = crate::cast::whole(s.round());
        format!("{}m{:02}s", t / 60, t % 60)
    } else {
        let t = crate::cast::whole((s / 60.0).round());
        format!("{}h{:02}m", t / 60, t % 60)
    }
}

/// The summary as an aligned text table.
pub fn render_table(groups: &[Group]) -> String {
    let opt = |v: Option<f64>, f: fn(f64) -> String| v.map(f).unwrap_or_else(|| "-".into());
    let recent = format!("last {RECENT_RUNS} runs");
    let header = [
        "customer",
        "phase",
        "profile",
        "rows",
        "bytes",
        "ok runs",
        "failed runs",
        "last",
        "best",
        "median",
        &recent,
        "rows/s",
        "peak RSS",
        "last run",
    ];
    let rows: Vec<[String; 14]> = groups
        .iter()
        .map(|g| {
            [
                g.customer.clone(),
                g.phase.clone(),
                g.profile.clone(),
                thousands(g.rows),
                human_bytes(g.bytes),
                g.runs.to_string(),
                g.failures.to_string(),
                opt(g.last_seconds, human_seconds),
                opt(g.best_seconds, human_seconds),
                opt(g.median_seconds, human_seconds),
                sparkline(&g.recent_seconds),
                opt(g.last_rows_per_second, |r| {
                    thousands(crate::cast::whole(r.round()))
                }),
                g.peak_rss_bytes
                    .map(human_bytes)
                    .unwrap_or_else(|| "-".into()),
                g.last_time.clone(),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    // Text columns left-aligned, numbers right-aligned.
    let left = [
        true, true, true, false, false, false, false, false, false, false, true, false, false, true,
    ];
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            let pad = width[i].saturating_sub(c.chars().count());
            if left[i] {
                l.push_str(c);
                if i + 1 < cells.len() {
                    l.push_str(&" ".repeat(pad));
                }
            } else {
                l.push_str(&" ".repeat(pad));
                l.push_str(c);
            }
        }
        let _ = writeln!(out, "{l}");
    };
    line(header.to_vec());
    for r in &rows {
        line(r.iter().map(String::as_str).collect());
    }
    out
}

/// Unicode block characters from lowest to highest, one per sparkline value.
const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Values as a sparkline, one block character each, scaled from the lowest
/// (`▁`) to the highest (`█`), so a slower night stands out in the table;
/// equal values are all `▄`, and no values give `-`.
pub fn sparkline(values: &[f64]) -> String {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        return "-".into();
    }
    values
        .iter()
        .map(|v| {
            if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
                BLOCKS[3]
            } else {
                let step =
                    crate::cast::index(crate::cast::whole(((v - lo) / (hi - lo) * 7.0).round()));
                BLOCKS[step.min(7)]
            }
        })
        .collect()
}

/// `&`, `<`, `>` and `"` escaped for SVG text and attribute values.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Chart geometry: one panel per series, stacked, so each series keeps its
/// own time scale (a 10-second and a 2-hour load would flatten each other).
const CHART_WIDTH: f64 = 760.0;
const PANEL_HEIGHT: f64 = 150.0;
const PLOT_LEFT: f64 = 80.0;
const PLOT_RIGHT: f64 = 20.0;
const PLOT_TOP: f64 = 34.0;
const PLOT_BOTTOM: f64 = 22.0;

/// The history as an SVG chart: for each customer, phase and size, the load
/// time of every run in order (a point per run, failed runs hollow and red,
/// a line through the successful ones and the dashed median), so a slowdown
/// from one night to the next is seen at a glance. Hand-written SVG: a few
/// elements do not justify a plotting dependency.
pub fn render_chart(records: &[Record]) -> String {
    let all = series(records);
    let height = PANEL_HEIGHT * all.len().max(1) as f64;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{CHART_WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {CHART_WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"11\">"
    );
    let _ = writeln!(
        o,
        "<style>.ok{{fill:#1f6fb4}}.failed{{fill:white;stroke:#c0392b;stroke-width:1.5}}\
         .load-time{{fill:none;stroke:#1f6fb4;stroke-width:1.5}}\
         .median{{stroke:#888;stroke-dasharray:4 3}}.axis{{stroke:#333}}</style>"
    );
    if all.is_empty() {
        let _ = writeln!(o, "<text x=\"{PLOT_LEFT}\" y=\"40\">no records</text>");
    }
    for (i, s) in all.iter().enumerate() {
        chart_panel(&mut o, s, PANEL_HEIGHT * i as f64);
    }
    o.push_str("</svg>\n");
    o
}

/// One series' panel at vertical offset `top`: title, axes, median, line and
/// a point per run.
fn chart_panel(o: &mut String, s: &Series<'_>, top: f64) {
    let last = s.records[s.records.len() - 1];
    let title = format!(
        "{} · {} · {} rows, {} (profile {})",
        s.customer,
        s.phase,
        thousands(s.rows),
        human_bytes(last.bytes),
        s.profile
    );
    let max = s
        .records
        .iter()
        .map(|r| r.seconds)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let (x0, x1) = (PLOT_LEFT, CHART_WIDTH - PLOT_RIGHT);
    let (y0, y1) = (top + PANEL_HEIGHT - PLOT_BOTTOM, top + PLOT_TOP);
    let n = s.records.len();
    let x = |k: usize| {
        if n == 1 {
            (x0 + x1) / 2.0
        } else {
            x0 + (x1 - x0) * k as f64 / (n - 1) as f64
        }
    };
    let y = |secs: f64| y0 - (y0 - y1) * (secs / (max * 1.1));
    let _ = writeln!(
        o,
        "<g class=\"series\" data-customer=\"{}\" data-rows=\"{}\">",
        xml_escape(&s.customer),
        s.rows
    );
    let _ = writeln!(
        o,
        "<text x=\"{x0}\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
        top + 18.0,
        xml_escape(&title)
    );
    let _ = writeln!(
        o,
        "<line class=\"axis\" x1=\"{x0}\" y1=\"{y1:.1}\" x2=\"{x0}\" y2=\"{y0:.1}\"/>\n\
         <line class=\"axis\" x1=\"{x0}\" y1=\"{y0:.1}\" x2=\"{x1}\" y2=\"{y0:.1}\"/>"
    );
    for (secs, label) in [(0.0, human_seconds(0.0)), (max, human_seconds(max))] {
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
            x0 - 6.0,
            y(secs) + 4.0
        );
    }
    let _ = writeln!(
        o,
        "<text x=\"{x0}\" y=\"{:.1}\">run 1</text>\n\
         <text x=\"{x1}\" y=\"{:.1}\" text-anchor=\"end\">run {n}</text>",
        y0 + 15.0,
        y0 + 15.0
    );
    let ok: Vec<(usize, &Record)> = s
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.ok)
        .map(|(k, r)| (k, *r))
        .collect();
    let mut secs: Vec<f64> = ok.iter().map(|(_, r)| r.seconds).collect();
    secs.sort_by(f64::total_cmp);
    if let Some(m) = secs.get(secs.len() / 2) {
        let _ = writeln!(
            o,
            "<line class=\"median\" x1=\"{x0}\" y1=\"{:.1}\" x2=\"{x1}\" y2=\"{:.1}\"/>",
            y(*m),
            y(*m)
        );
    }
    let points: Vec<String> = ok
        .iter()
        .map(|(k, r)| format!("{:.1},{:.1}", x(*k), y(r.seconds)))
        .collect();
    let _ = writeln!(
        o,
        "<polyline class=\"load-time\" points=\"{}\"/>",
        points.join(" ")
    );
    for (k, r) in s.records.iter().enumerate() {
        let _ = writeln!(
            o,
            "<circle class=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"><title>run {}, {}: {}{}</title></circle>",
            if r.ok { "ok" } else { "failed" },
            x(k),
            y(r.seconds),
            k + 1,
            xml_escape(&r.time),
            human_seconds(r.seconds),
            if r.ok { "" } else { " (failed)" }
        );
    }
    o.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(customer: &str, phase: &str, rows: u64, seconds: f64, ok: bool) -> Record {
        Record {
            time: "2024-01-01T00:00:00Z".into(),
            customer: customer.into(),
            profile: customer.into(),
            phase: phase.into(),
            format: Some("csv".into()),
            part: None,
            nodes: rows / 2,
            relationships: rows - rows / 2,
            rows,
            bytes: rows * 100,
            seconds,
            peak_rss_bytes: Some(rows),
            threads: None,
            ok,
        }
    }

    #[test]
    fn rfc3339_matches_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_717_151_400), "2024-05-31T10:30:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn groups_by_customer_phase_and_size() {
        let rs = vec![
            rec("globex", "import", 100, 9.0, true),
            rec("acme", "import", 1000, 4.0, true),
            rec("acme", "generate", 1000, 2.0, true),
            rec("acme", "import", 1000, 8.0, true),
            rec("acme", "import", 1000, 6.0, true),
            rec("acme", "import", 1000, 99.0, false),
            rec("acme", "generate", 10, 1.0, true),
        ];
        let g = summarise(&rs);
        let keys: Vec<(&str, &str, u64)> = g
            .iter()
            .map(|g| (g.customer.as_str(), g.phase.as_str(), g.rows))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("acme", "generate", 10),
                ("acme", "generate", 1000),
                ("acme", "import", 1000),
                ("globex", "import", 100),
            ]
        );
        let imp = &g[2];
        assert_eq!((imp.runs, imp.failures), (3, 1));
        assert_eq!(imp.last_seconds, Some(6.0));
        assert_eq!(imp.best_seconds, Some(4.0));
        assert_eq!(imp.median_seconds, Some(6.0));
        assert_eq!(imp.last_rows_per_second, Some(1000.0 / 6.0));
        assert_eq!(imp.peak_rss_bytes, Some(1000));
        let table = render_table(&g);
        assert!(table.lines().next().unwrap().starts_with("customer"));
        assert!(table.contains("1,000"), "{table}");
        assert_eq!(table.lines().count(), 5);
    }

    #[test]
    fn load_skips_and_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/h.jsonl");
        append(&p, &rec("a", "generate", 10, 1.0, true)).unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"truncated\n\n")
            .unwrap();
        // Extra fields (from scripts) are accepted.
        let mut v = serde_json::to_value(rec("b", "import", 5, 2.0, true)).unwrap();
        v["database"] = "acme".into();
        fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(format!("{v}\n").as_bytes())
            .unwrap();
        let (rs, warnings) = load(&p).unwrap();
        assert_eq!(rs.len(), 2);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("h.jsonl:2:"), "{}", warnings[0]);
    }

    #[test]
    fn human_units() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_seconds(0.5), "0.50s");
        assert_eq!(human_seconds(245.0), "4m05s");
        assert_eq!(human_seconds(7620.0), "2h07m");
    }

    #[test]
    fn peak_rss_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().is_some_and(|b| b > 0));
        }
    }

    #[test]
    fn sparkline_scales_known_values() {
        assert_eq!(sparkline(&[]), "-");
        assert_eq!(sparkline(&[5.0, 5.0, 5.0]), "▄▄▄");
        assert_eq!(
            sparkline(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),
            "▁▂▃▄▅▆▇█"
        );
        // One slow night among steady ones.
        assert_eq!(sparkline(&[10.0, 10.0, 30.0, 10.0]), "▁▁█▁");
    }

    #[test]
    fn table_labels_runs_and_shows_recent_sparkline() {
        let rs = vec![
            rec("acme", "import", 1000, 4.0, true),
            rec("acme", "import", 1000, 8.0, true),
            rec("acme", "import", 1000, 99.0, false),
        ];
        let g = summarise(&rs);
        assert_eq!(g[0].recent_seconds, vec![4.0, 8.0]);
        let table = render_table(&g);
        let header = table.lines().next().unwrap();
        assert!(
            header.contains("ok runs") && header.contains("failed runs"),
            "{header}"
        );
        assert!(
            header.contains(&format!("last {RECENT_RUNS} runs")),
            "{header}"
        );
        assert!(table.contains("▁█"), "{table}");
    }

    /// A tiny XML well-formedness check: every tag closes in order, and no
    /// text holds a bare `<` or `&` that is not an entity. Returns the
    /// element names in document order.
    fn xml_elements(doc: &str) -> Vec<String> {
        let body = doc
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .expect("XML declaration");
        let mut stack: Vec<String> = Vec::new();
        let mut names = Vec::new();
        let mut rest = body;
        while let Some(lt) = rest.find('<') {
            let text = &rest[..lt];
            for (i, _) in text.match_indices('&') {
                let ent = &text[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;"]
                        .iter()
                        .any(|e| ent.starts_with(e)),
                    "bare & in {text:?}"
                );
            }
            let gt = rest[lt..].find('>').expect("unclosed tag") + lt;
            let tag = &rest[lt + 1..gt];
            assert!(!tag.contains('<'), "< inside tag {tag:?}");
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in {tag:?}"
            );
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
            } else {
                let name: String = tag
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '/')
                    .collect();
                names.push(name.clone());
                if !tag.ends_with('/') {
                    stack.push(name);
                }
            }
            rest = &rest[gt + 1..];
        }
        assert!(rest.trim().is_empty(), "text after the root: {rest:?}");
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
        assert_eq!(names.first().map(String::as_str), Some("svg"));
        names
    }

    #[test]
    fn chart_is_well_formed_with_a_series_per_customer_and_size() {
        let mut rs = vec![
            rec("acme", "import", 1000, 4.0, true),
            rec("acme", "import", 1000, 5.0, true),
            rec("acme", "import", 1000, 9.0, false),
            rec("acme", "import", 1000, 12.0, true),
            rec("acme", "import", 10, 1.0, true),
            rec("globex <&> \"x\"", "import", 100, 2.0, true),
            rec("globex <&> \"x\"", "import", 100, 3.0, true),
        ];
        rs[3].time = "2024-01-04T00:00:00Z".into();
        let svg = render_chart(&rs);
        let names = xml_elements(&svg);
        let count = |n: &str| names.iter().filter(|e| *e == n).count();
        assert_eq!(count("polyline"), 3, "one line per customer and size");
        assert_eq!(svg.matches("<g class=\"series\"").count(), 3);
        assert_eq!(count("circle"), rs.len(), "a point per run");
        assert_eq!(svg.matches("class=\"failed\"").count(), 1);
        // Series in summary order, each with its own runs.
        let per_series: Vec<usize> = svg
            .split("<g class=\"series\"")
            .skip(1)
            .map(|g| g.matches("<circle").count())
            .collect();
        assert_eq!(per_series, vec![1, 4, 2]);
        assert!(svg.contains("run 4, 2024-01-04T00:00:00Z: 12.0s"), "{svg}");
        assert!(svg.contains("globex &lt;&amp;&gt; &quot;x&quot;"));
        assert_eq!(
            xml_elements(&render_chart(&[])),
            vec!["svg", "style", "text"]
        );
    }
}
