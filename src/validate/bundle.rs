//! The bundle as a whole: its manifest (read with its own small schema, so a
//! manifest from another version still validates as far as it can), the
//! import arguments, and files on disk that the manifest does not list.

use super::report::FileReport;
use serde::Deserialize;
use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path};

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

/// What validate reads from `manifest.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct Manifest {
    /// Must be `cmdbgen`.
    pub tool: String,
    /// Totals.
    pub totals: Totals,
    /// Tables.
    pub tables: Vec<TableEntry>,
    /// Import arguments.
    pub import: Import,
}

/// Whether `p` is a plain relative path inside the bundle.
pub fn safe_path(p: &str) -> bool {
    !p.is_empty()
        && !p.contains('\\')
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Settings of the import that change how files are read.
#[derive(Clone, Debug)]
pub struct Dialect {
    /// `--id-type` (default `string`).
    pub id_type: String,
}

/// Checks the import arguments: the CSV dialect is the default one, and each
/// table has a `--nodes`/`--relationships` group whose first file is its
/// header and whose second part is a file-name regex matching every shard
/// and not the header.
pub fn check_args(m: &Manifest, report: &mut FileReport) -> Dialect {
    let mut dialect = Dialect {
        id_type: "string".into(),
    };
    for a in &m.import.args {
        let Some((flag, value)) = a.split_once('=') else {
            continue;
        };
        match flag {
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
    for t in &m.tables {
        let flag = if t.kind == "node" {
            "--nodes="
        } else {
            "--relationships="
        };
        let group = m.import.args.iter().find_map(|a| {
            let v = a.strip_prefix(flag)?;
            // Text before the first '=' is a label list or a default type.
            let (prefix, files) = match v.split_once('=') {
                Some((p, f)) => (Some(p), f),
                None => (None, v),
            };
            let parts: Vec<&str> = files.split(',').collect();
            (parts.first() == Some(&t.header.path.as_str())).then_some((prefix, parts))
        });
        let Some((prefix, parts)) = group else {
            report.error(
                None,
                format!(
                    "import args: no {flag}... group starts with {}",
                    t.header.path
                ),
            );
            continue;
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
        let mut matched: HashSet<&str> = HashSet::new();
        for part in &parts[1..] {
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
                        report.error(
                            None,
                            format!("import args: '{part}' also matches the header {}, which would be read again as data", f.path),
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
    dialect
}

/// A file-name regex of the subset cmdbgen writes: literals, `.`, `[...]`
/// classes with ranges, `\` escapes, and `+ * ?` after an atom; matched
/// against the whole name as Java's `Pattern.matches` does.
#[derive(Debug)]
struct Pattern(Vec<(Atom, Rep)>);

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
    fn parse(p: &str) -> Option<Pattern> {
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

    fn matches(&self, s: &str) -> bool {
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

/// Files under `nodes/` and `relationships/` that look like shards or
/// temporary files but are not listed in the manifest.
pub fn stray_files(root: &Path, listed: &HashSet<&str>, keep: usize) -> Vec<FileReport> {
    fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<String>) {
        let Ok(rd) = fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                if depth < 4 {
                    walk(root, &p, depth + 1, out);
                }
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut found = Vec::new();
    for top in ["nodes", "relationships"] {
        walk(root, &root.join(top), 0, &mut found);
    }
    let mut reports = Vec::new();
    for rel in found {
        if listed.contains(rel.as_str()) {
            continue;
        }
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        let mut r = FileReport::new(&rel, keep);
        if name.ends_with(".tmp") {
            r.error(
                None,
                "a temporary file not listed in the manifest (left by an interrupted run?)",
            );
        } else if name.starts_with("part-") && (name.ends_with(".csv") || name.ends_with(".csv.gz"))
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

    #[test]
    fn unsafe_paths() {
        assert!(safe_path("nodes/Server/part-00000.csv"));
        assert!(!safe_path("../x"));
        assert!(!safe_path("/etc/passwd"));
        assert!(!safe_path("nodes/../../x"));
        assert!(!safe_path(""));
    }
}
