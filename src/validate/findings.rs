//! Problems found in a bundle, kept per file in bounded memory, and printed
//! as `FILE:LINE: message` lines (compiler style): LINE is a CSV file's
//! physical line or a Parquet file's 1-based row; `FILE: message` concerns
//! the whole file.

use std::io::{self, Write};
use std::path::Path;

/// One problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Physical line in the (decompressed) CSV file, or 1-based row in a
    /// Parquet file; `None` for the whole file.
    pub line: Option<u64>,
    /// A warning does not make the bundle invalid.
    pub warning: bool,
    /// What is wrong.
    pub message: String,
}

/// The problems of one file: the first `keep` are kept, all are counted.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// Path relative to the bundle root.
    pub path: String,
    /// Kept problems.
    pub items: Vec<Problem>,
    /// Errors found.
    pub errors: u64,
    /// Warnings found.
    pub warnings: u64,
    keep: usize,
}

impl FileReport {
    /// An empty report for `path` keeping at most `keep` problems.
    pub fn new(path: impl Into<String>, keep: usize) -> FileReport {
        FileReport {
            path: path.into(),
            items: Vec::new(),
            errors: 0,
            warnings: 0,
            keep,
        }
    }

    fn add(&mut self, line: Option<u64>, warning: bool, message: String) {
        if warning {
            self.warnings += 1;
        } else {
            self.errors += 1;
        }
        if self.items.len() < self.keep {
            self.items.push(Problem {
                line,
                warning,
                message,
            });
        }
    }

    /// Records an error.
    pub fn error(&mut self, line: Option<u64>, message: impl Into<String>) {
        self.add(line, false, message.into());
    }

    /// Records a warning.
    pub fn warn(&mut self, line: Option<u64>, message: impl Into<String>) {
        self.add(line, true, message.into());
    }

    /// Adds another report's problems for the same file.
    pub fn absorb(&mut self, other: FileReport) {
        self.errors += other.errors;
        self.warnings += other.warnings;
        for p in other.items {
            if self.items.len() < self.keep {
                self.items.push(p);
            }
        }
    }
}

/// Prints the problems of `reports` in order (file by file, by line within
/// a file), at most `max` lines, then how many were not shown. Returns
/// (errors, warnings).
pub fn print(
    out: &mut impl Write,
    root: &Path,
    reports: &mut [FileReport],
    max: usize,
) -> io::Result<(u64, u64)> {
    let (mut errors, mut warnings, mut shown) = (0u64, 0u64, 0usize);
    for r in reports.iter_mut() {
        errors += r.errors;
        warnings += r.warnings;
        r.items.sort_by_key(|p| p.line);
        let path = root.join(&r.path);
        for p in &r.items {
            if shown == max {
                break;
            }
            shown += 1;
            let kind = if p.warning { "warning: " } else { "" };
            match p.line {
                Some(l) => writeln!(out, "{}:{l}: {kind}{}", path.display(), p.message)?,
                None => writeln!(out, "{}: {kind}{}", path.display(), p.message)?,
            }
        }
    }
    let total = errors + warnings;
    if total > shown as u64 {
        writeln!(
            out,
            "... and {} more problems not shown (--max-problems {max})",
            total - shown as u64
        )?;
    }
    Ok((errors, warnings))
}

/// One problem as `validate --json` prints it.
#[derive(serde::Serialize, Debug, PartialEq, Eq)]
pub struct Shown {
    /// The file, as a path under the bundle folder.
    pub file: String,
    /// CSV physical line or Parquet 1-based row; absent for the whole file.
    pub line: Option<u64>,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The problems of `reports` in print order, at most `max` of them, with
/// the totals: (shown, errors, warnings, not shown).
pub fn collect(root: &Path, reports: &mut [FileReport], max: usize) -> (Vec<Shown>, u64, u64, u64) {
    let (mut errors, mut warnings) = (0u64, 0u64);
    let mut shown = Vec::new();
    for r in reports.iter_mut() {
        errors += r.errors;
        warnings += r.warnings;
        r.items.sort_by_key(|p| p.line);
        for p in &r.items {
            if shown.len() == max {
                break;
            }
            shown.push(Shown {
                file: root.join(&r.path).display().to_string(),
                line: p.line,
                severity: if p.warning { "warning" } else { "error" },
                message: p.message.clone(),
            });
        }
    }
    let hidden = (errors + warnings).saturating_sub(shown.len() as u64);
    (shown, errors, warnings, hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_and_counts_all() {
        let mut r = FileReport::new("a.csv", 2);
        r.error(Some(3), "x");
        r.warn(Some(1), "w");
        r.error(None, "y");
        assert_eq!((r.errors, r.warnings, r.items.len()), (2, 1, 2));
        let mut out = Vec::new();
        let mut reports = [r];
        let (e, w) = print(&mut out, Path::new("b"), &mut reports, 1).unwrap();
        assert_eq!((e, w), (2, 1));
        let text = String::from_utf8(out).unwrap();
        let sep = std::path::MAIN_SEPARATOR;
        assert_eq!(
            text,
            format!(
                "b{sep}a.csv:1: warning: w\n... and 2 more problems not shown (--max-problems 1)\n"
            )
        );
        let (shown, e, w, hidden) = collect(Path::new("b"), &mut reports, 2);
        assert_eq!((e, w, hidden), (2, 1, 1));
        assert_eq!(shown[0].severity, "warning");
        assert_eq!((shown[1].line, shown[1].severity), (Some(3), "error"));
    }
}
