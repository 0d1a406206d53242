//! The bundle as a whole: its manifest (read with its own small schema, so a
//! manifest from another version still validates as far as it can), the
//! import arguments, and files on disk that the manifest does not list.

use super::findings::FileReport;
use serde::Deserialize;
use std::collections::HashSet;
use std::fs;
use std::path::Path;

/// A file listed in the manifest.
#[derive(Clone, Debug, Deserialize)]
pub struct FileEntry {
    /// Path relative to the bundle root.
    pub path: String,
    /// Data rows.
    #[serde(default)]
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// xxh3-64 as hex.
    pub xxh3: String,
}

/// A table listed in the manifest.
#[derive(Clone, Debug, Deserialize)]
pub struct TableEntry {
    /// Table name.
    pub name: String,
    /// `node` or `relationship`.
    pub kind: String,
    /// ID group of a node table, type of a relationship table.
    pub label_or_type: String,
    /// Start ID group of a relationship table.
    #[serde(default)]
    pub start: Option<String>,
    /// End ID group of a relationship table.
    #[serde(default)]
    pub end: Option<String>,
    /// Rows in all shards.
    pub rows: u64,
    /// The header file.
    pub header: FileEntry,
    /// The shard files.
    pub shards: Vec<FileEntry>,
}

/// The manifest's totals.
#[derive(Clone, Debug, Deserialize)]
pub struct Totals {
    /// Node rows.
    pub nodes: u64,
    /// Relationship rows.
    pub relationships: u64,
    /// Header and shard files.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// The import command.
#[derive(Clone, Debug, Deserialize)]
pub struct Import {
    /// neo4j-admin arguments.
    pub args: Vec<String>,
}

/// The run key's shard format (`run.format`).
#[derive(Clone, Debug, Deserialize)]
pub struct RunFormat {
    /// `csv`, `csv-gz` or `parquet`.
    pub format: String,
    /// Parquet codec (`snappy`, `zstd:3`, `none`).
    #[serde(default)]
    pub codec: Option<String>,
    /// Parquet rows per row group.
    #[serde(default)]
    pub row_group_rows: Option<u64>,
}

/// The part of the run key validate reads.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Run {
    /// The shard format.
    #[serde(default)]
    pub format: Option<RunFormat>,
    /// The profile (only its id mode is read).
    #[serde(default)]
    pub profile: Option<RunProfile>,
}

/// The part of the run's profile validate reads.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RunProfile {
    /// `generate --ids`: `string` (absent) or `integer`.
    #[serde(default)]
    pub ids: Option<String>,
}

impl Manifest {
    /// The id mode the manifest records (`run.profile.ids`; `string` when
    /// absent, as in every bundle written before the option existed).
    pub fn ids(&self) -> &str {
        self.run
            .profile
            .as_ref()
            .and_then(|p| p.ids.as_deref())
            .unwrap_or("string")
    }
}

/// What validate reads from `manifest.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct Manifest {
    /// Must be `cmdbgen`.
    pub tool: String,
    /// The run key (only its format is read).
    #[serde(default)]
    pub run: Run,
    /// Totals.
    pub totals: Totals,
    /// Tables.
    pub tables: Vec<TableEntry>,
    /// Import arguments.
    pub import: Import,
    /// `import.sh` and `schema.cypher` as cmdbgen wrote them (absent in
    /// bundles of older versions).
    #[serde(default)]
    pub scripts: Vec<FileEntry>,
}

/// Whether `p` is a plain relative path inside the bundle (the rule every
/// command uses: [`crate::bundle_file::safe_path`]).
pub use crate::bundle_file::safe_path;

/// How the shards of a bundle are encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataFormat {
    /// CSV, plain or gzip (told apart per file by its magic bytes).
    Csv,
    /// Parquet (`--input-type=parquet`), with the manifest's codec and row
    /// group size when it gives them.
    Parquet {
        /// Codec of every column chunk.
        codec: Option<String>,
        /// Most rows per row group.
        row_group_rows: Option<u64>,
    },
}

impl DataFormat {
    /// Whether shards are Parquet files.
    pub fn is_parquet(&self) -> bool {
        matches!(self, DataFormat::Parquet { .. })
    }

    /// Endings of shard file names (`part-NNNNN.<ending>`).
    fn shard_endings(&self) -> &'static [&'static str] {
        match self {
            DataFormat::Csv => &[".csv", ".csv.gz"],
            DataFormat::Parquet { .. } => &[".parquet"],
        }
    }
}

/// The bundle's shard format, from `run.format` in the manifest. Without
/// one (a manifest of another version), or with an unknown one, the shard
/// names decide.
pub fn data_format(m: &Manifest, report: &mut FileReport) -> DataFormat {
    let guess = || {
        let mut shards = m.tables.iter().flat_map(|t| &t.shards).peekable();
        if shards.peek().is_some() && shards.all(|s| s.path.ends_with(".parquet")) {
            DataFormat::Parquet {
                codec: None,
                row_group_rows: None,
            }
        } else {
            DataFormat::Csv
        }
    };
    let name = |f: &DataFormat| if f.is_parquet() { "Parquet" } else { "CSV" };
    match &m.run.format {
        None => {
            let f = guess();
            report.warn(
                None,
                format!(
                    "run.format is missing; the shards are read as {} by their names",
                    name(&f)
                ),
            );
            f
        }
        Some(rf) => match rf.format.as_str() {
            "csv" | "csv-gz" => DataFormat::Csv,
            "parquet" => DataFormat::Parquet {
                codec: rf.codec.clone(),
                row_group_rows: rf.row_group_rows,
            },
            other => {
                let f = guess();
                report.error(
                    None,
                    format!(
                        "run.format '{other}' is not csv, csv-gz or parquet; the shards are read as {} by their names",
                        name(&f)
                    ),
                );
                f
            }
        },
    }
}

/// Settings of the import that change how files are read.
#[derive(Clone, Debug)]
pub struct Dialect {
    /// `--id-type` (default `string`).
    pub id_type: String,
}

/// Options that only apply to CSV input (spec §2.6).
const CSV_ONLY: [&str; 7] = [
    "--delimiter",
    "--quote",
    "--multiline-fields",
    "--trim-strings",
    "--input-encoding",
    "--ignore-extra-columns",
    "--auto-skip-subsequent-headers",
];

/// The folder part of a bundle path (`nodes/Server` of
/// `nodes/Server/header.csv`).
fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Checks the import arguments: `--input-type` agrees with the shard format;
/// for CSV the dialect is the default one; each table has a
/// `--nodes`/`--relationships` group (CSV: the one whose first file is its
/// header; Parquet: the one naming its folder, with no header file, since a
/// `.csv` file in a Parquet group is read as a header) whose file-name
/// regexes match every shard and not the header.
pub fn check_args(m: &Manifest, format: &DataFormat, report: &mut FileReport) -> Dialect {
    let parquet = format.is_parquet();
    let mut dialect = Dialect {
        id_type: "string".into(),
    };
    let mut input_type = "csv".to_string();
    for a in &m.import.args {
        let Some((flag, value)) = a.split_once('=') else {
            continue;
        };
        if parquet && CSV_ONLY.contains(&flag) {
            report.warn(
                None,
                format!("import arg {a}: a CSV-only option, ignored with --input-type=parquet"),
            );
            continue;
        }
        match flag {
            "--input-type" => input_type = value.to_ascii_lowercase(),
            "--delimiter" if value != "," => report.error(
                None,
                format!("import arg {a}: validate reads only the default delimiter ','"),
            ),
            "--array-delimiter" if value != ";" => report.error(
                None,
                format!("import arg {a}: validate reads only the default array delimiter ';'"),
            ),
            "--quote" if value != "\"" => report.error(
                None,
                format!("import arg {a}: validate reads only the default quote '\"'"),
            ),
            "--multiline-fields"
            | "--legacy-style-quoting"
            | "--trim-strings"
            | "--ignore-empty-strings"
                if value != "false" =>
            {
                report.error(
                    None,
                    format!("import arg {a}: validate assumes the default (false)"),
                )
            }
            "--id-type" => dialect.id_type = value.to_ascii_lowercase(),
            _ => {}
        }
    }
    let ids = m.ids();
    match ids {
        "string" | "integer" if dialect.id_type != ids => report.error(
            None,
            format!(
                "import args: --id-type={}, but the manifest's run.profile.ids says {ids}",
                dialect.id_type
            ),
        ),
        "string" | "integer" => {}
        other => report.error(
            None,
            format!("manifest: run.profile.ids is '{other}', not string or integer"),
        ),
    }
    let want = if parquet { "parquet" } else { "csv" };
    if input_type != want {
        report.error(
            None,
            format!(
                "import args: --input-type is {input_type}, but the manifest's run.format says the shards are {}",
                if parquet { "Parquet" } else { "CSV" }
            ),
        );
    }
    for t in &m.tables {
        check_group(m, t, parquet, report);
    }
    dialect
}

/// Checks the import group of one table (see [`check_args`]).
fn check_group(m: &Manifest, t: &TableEntry, parquet: bool, report: &mut FileReport) {
    let flag = if t.kind == "node" {
        "--nodes="
    } else {
        "--relationships="
    };
    let folder = dir_of(&t.header.path);
    let group = m.import.args.iter().find_map(|a| {
        let v = a.strip_prefix(flag)?;
        // Text before the first '=' is a label list or a default type.
        let (prefix, files) = match v.split_once('=') {
            Some((p, f)) => (Some(p), f),
            None => (None, v),
        };
        let parts: Vec<&str> = files.split(',').collect();
        let mine = if parquet {
            parts.iter().any(|p| dir_of(p) == folder)
        } else {
            parts.first() == Some(&t.header.path.as_str())
        };
        mine.then_some((prefix, parts))
    });
    let Some((prefix, parts)) = group else {
        let what = if parquet {
            format!("names the folder {folder}")
        } else {
            format!("starts with {}", t.header.path)
        };
        report.error(None, format!("import args: no {flag}... group {what}"));
        return;
    };
    if t.kind == "relationship" && prefix != Some(t.label_or_type.as_str()) {
        report.error(
            None,
            format!(
                "import args: the group of {} should give the type {}= (it has {:?})",
                t.name, t.label_or_type, prefix
            ),
        );
    }
    // CSV: the header comes first, then the shard patterns.
    let patterns = if parquet { &parts[..] } else { &parts[1..] };
    let mut matched: HashSet<&str> = HashSet::new();
    for part in patterns {
        if parquet && part.ends_with(".csv") {
            report.error(
                None,
                format!(
                    "import args: '{part}' in the Parquet group of {}: neo4j-admin takes a .csv file there as a header file (spec §2.6); cmdbgen's column names are the header (docs/parquet.md)",
                    t.name
                ),
            );
            continue;
        }
        let (dir, pattern) = part.rsplit_once('/').unwrap_or(("", part));
        let Some(re) = Pattern::parse(pattern) else {
            report.warn(
                None,
                format!("import args: cannot check the file pattern '{part}'"),
            );
            matched.extend(t.shards.iter().map(|s| s.path.as_str()));
            continue;
        };
        for f in std::iter::once(&t.header).chain(&t.shards) {
            let (fdir, name) = f.path.rsplit_once('/').unwrap_or(("", &f.path));
            if fdir == dir && re.matches(name) {
                if std::ptr::eq(f, &t.header) {
                    let why = if parquet {
                        "would be taken as a header file"
                    } else {
                        "which would be read again as data"
                    };
                    report.error(
                        None,
                        format!(
                            "import args: '{part}' also matches the header {}, {why}",
                            f.path
                        ),
                    );
                } else {
                    matched.insert(f.path.as_str());
                }
            }
        }
    }
    for s in &t.shards {
        if !matched.contains(s.path.as_str()) {
            report.error(
                None,
                format!(
                    "import args: no file pattern of {} matches {}",
                    t.name, s.path
                ),
            );
        }
    }
}

/// A file-name regex of the subset cmdbgen writes: literals, `.`, `[...]`
/// classes with ranges, `\` escapes, and `+ * ?` after an atom; matched
/// against the whole name as Java's `Pattern.matches` does.
#[derive(Debug)]
pub(super) struct Pattern(Vec<(Atom, Rep)>);

#[derive(Debug)]
enum Atom {
    Any,
    Lit(char),
    Set(Vec<(char, char)>, bool),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Rep {
    One,
    Opt,
    Star,
    Plus,
}

impl Atom {
    fn hit(&self, c: char) -> bool {
        match self {
            Atom::Any => true,
            Atom::Lit(l) => *l == c,
            Atom::Set(r, neg) => r.iter().any(|&(a, b)| a <= c && c <= b) != *neg,
        }
    }
}

impl Pattern {
    pub(super) fn parse(p: &str) -> Option<Pattern> {
        let mut out: Vec<(Atom, Rep)> = Vec::new();
        let mut it = p.chars().peekable();
        while let Some(c) = it.next() {
            let atom = match c {
                '.' => Atom::Any,
                '\\' => {
                    let e = it.next()?;
                    if e.is_ascii_alphanumeric() {
                        return None;
                    }
                    Atom::Lit(e)
                }
                '[' => {
                    let neg = it.peek() == Some(&'^');
                    if neg {
                        it.next();
                    }
                    let mut ranges = Vec::new();
                    loop {
                        let a = it.next()?;
                        if a == ']' && !ranges.is_empty() {
                            break;
                        }
                        if a == '[' || a == '\\' || a == '&' {
                            return None;
                        }
                        if it.peek() == Some(&'-') {
                            it.next();
                            let b = it.next()?;
                            if b == ']' {
                                ranges.push((a, a));
                                ranges.push(('-', '-'));
                                break;
                            }
                            ranges.push((a, b));
                        } else {
                            ranges.push((a, a));
                        }
                    }
                    Atom::Set(ranges, neg)
                }
                '+' | '*' | '?' => {
                    let last = out.last_mut()?;
                    if last.1 != Rep::One {
                        return None;
                    }
                    last.1 = match c {
                        '+' => Rep::Plus,
                        '*' => Rep::Star,
                        _ => Rep::Opt,
                    };
                    continue;
                }
                '(' | ')' | '{' | '}' | '|' | '^' | '$' | ']' => return None,
                c => Atom::Lit(c),
            };
            out.push((atom, Rep::One));
        }
        Some(Pattern(out))
    }

    pub(super) fn matches(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        fn go(p: &[(Atom, Rep)], s: &[char]) -> bool {
            let Some(((atom, rep), rest)) = p.split_first() else {
                return s.is_empty();
            };
            let (min, max) = match rep {
                Rep::One => (1, 1),
                Rep::Opt => (0, 1),
                Rep::Star => (0, usize::MAX),
                Rep::Plus => (1, usize::MAX),
            };
            let run = s.iter().take(max).take_while(|&&c| atom.hit(c)).count();
            (min..=run).rev().any(|k| go(rest, &s[k..]))
        }
        go(&self.0, &chars)
    }
}

/// Files under `nodes/` and `relationships/` that look like shards of the
/// bundle's format or temporary files but are not listed in the manifest,
/// and anything there that is not a regular file or folder (symbolic links
/// are reported, never followed).
pub fn stray_files(
    root: &Path,
    listed: &HashSet<&str>,
    format: &DataFormat,
    keep: usize,
) -> Vec<FileReport> {
    /// A path relative to the bundle and, for what a bundle may not hold,
    /// why.
    type Found = (String, Option<&'static str>);
    fn rel_of(root: &Path, p: &Path) -> Option<String> {
        let rel = p.strip_prefix(root).ok()?;
        Some(rel.to_string_lossy().replace('\\', "/"))
    }
    fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<Found>) {
        let Ok(rd) = fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = rd
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.path(), e.file_type().ok()?)))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (p, t) in entries {
            if t.is_dir() {
                if depth < 4 {
                    walk(root, &p, depth + 1, out);
                }
            } else if let Some(rel) = rel_of(root, &p) {
                out.push((rel, crate::bundle_file::problem_of(t)));
            }
        }
    }
    let mut found = Vec::new();
    for top in ["nodes", "relationships"] {
        let dir = root.join(top);
        match fs::symlink_metadata(&dir).map(|m| m.file_type()) {
            Ok(t) if t.is_dir() => walk(root, &dir, 0, &mut found),
            Ok(t) => found.push((top.to_string(), crate::bundle_file::problem_of(t))),
            Err(_) => {}
        }
    }
    let mut reports = Vec::new();
    for (rel, problem) in found {
        // A listed file is reported when it is opened.
        if listed.contains(rel.as_str()) {
            continue;
        }
        let mut r = FileReport::new(&rel, keep);
        if let Some(why) = problem {
            r.error(None, why);
            reports.push(r);
            continue;
        }
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        if name.ends_with(".tmp") {
            r.error(
                None,
                "a temporary file not listed in the manifest (left by an interrupted run?)",
            );
        } else if name.starts_with("part-")
            && format.shard_endings().iter().any(|e| name.ends_with(e))
        {
            r.error(None, "a shard file not listed in the manifest; neo4j-admin's shard pattern would import it");
        } else {
            r.warn(None, "a file not listed in the manifest");
        }
        reports.push(r);
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_names() {
        let p = Pattern::parse("part-[0-9]+[.]csv[.]gz").unwrap();
        assert!(p.matches("part-00000.csv.gz"));
        assert!(p.matches("part-7.csv.gz"));
        assert!(!p.matches("part-.csv.gz"));
        assert!(!p.matches("part-00000.csv"));
        assert!(!p.matches("part-00000.csv.gz.tmp"));
        assert!(!p.matches("header.csv"));
        let p = Pattern::parse("part_\\d+\\.csv");
        assert!(p.is_none(), "\\d is not in the subset");
        let p = Pattern::parse("a.*b?").unwrap();
        assert!(p.matches("axxx") && p.matches("ab") && !p.matches("b"));
        assert!(Pattern::parse("(a|b)").is_none());
    }
}
