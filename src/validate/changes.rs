//! A change set (`cmdbgen changes`): every CSV table checked like a bundle's
//! (headers, records, values; ids are not looked up, since a day refers to
//! nodes of its base), and its neo4j-admin incremental import: each input's
//! header parses, and every ID group a relationship input names is declared
//! by a node input of the increment.

use super::bundle::{FileEntry, Import, TableEntry};
use super::check::{self, Columns, DataFile, Ids};
use super::findings::FileReport;
use super::header::{self, group_name, FileKind, IdType};
use super::Summary;
use crate::write::Counters;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

/// A table of a change set.
#[derive(Clone, Debug, Deserialize)]
pub struct ChangeEntry {
    /// `nodes`, `relationships`, `updates`, `moves` or `deletes`.
    pub op: String,
    /// The table.
    #[serde(flatten)]
    pub table: TableEntry,
}

/// What validate reads from a change set's `manifest.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct ChangeManifest {
    /// Must be `cmdbgen`.
    pub tool: String,
    /// `changes`.
    pub kind: String,
    /// Tables in apply order.
    pub tables: Vec<ChangeEntry>,
    /// The incremental import, if written.
    #[serde(default)]
    pub incremental: Option<Import>,
    /// Files under `incremental/`.
    #[serde(default)]
    pub incremental_files: Vec<FileEntry>,
}

/// The manifest's `kind` of a change set.
pub const KIND: &str = "changes";

fn kind_of(t: &TableEntry) -> FileKind {
    if t.kind == "relationship" {
        FileKind::Relationship
    } else {
        FileKind::Node
    }
}

/// Checks a header file and a CSV data file list against it.
fn check_files(
    root: &Path,
    header: &FileEntry,
    kind: FileKind,
    data: &[&FileEntry],
    (keep, counters): (usize, &Counters),
    reports: &mut Vec<FileReport>,
) -> (Option<header::Header>, u64) {
    let (mut rep, cells) = check::read_header(root, header, keep);
    let mut rows = 0;
    let Some(cells) = cells else {
        reports.push(rep);
        return (None, 0);
    };
    let (h, errors) = header::parse_header(&cells, kind, IdType::String);
    for e in errors {
        rep.error(Some(1), e);
    }
    reports.push(rep);
    let cols = Columns {
        header: &h,
        cells: &cells,
    };
    for entry in data {
        let out = check::check_data(&DataFile {
            root,
            entry,
            cols: Some(&cols),
            ids: &Ids::Off,
            keep,
            counters,
        });
        rows += out.rows;
        reports.push(out.report);
    }
    (Some(h), rows)
}

/// Validates the change set in `dir` whose manifest is `m`.
pub fn run(
    dir: &Path,
    m: &ChangeManifest,
    mut top: FileReport,
    keep: usize,
) -> (Vec<FileReport>, Summary) {
    let counters = Counters::default();
    if m.tool != "cmdbgen" {
        top.error(None, format!("tool is '{}', not cmdbgen", m.tool));
    }
    let mut reports = Vec::new();
    let mut rows = 0;
    let mut files = 0;
    for e in &m.tables {
        let t = &e.table;
        let paths = std::iter::once(&t.header).chain(&t.shards);
        if let Some(bad) = paths.clone().find(|f| !super::bundle::safe_path(&f.path)) {
            top.error(
                None,
                format!("table {}: unsafe path '{}'", t.name, bad.path),
            );
            continue;
        }
        // JSON lines are not neo4j-admin input; their CSV copies under
        // incremental/ are checked below.
        let data: Vec<&FileEntry> = t.shards.iter().filter(|s| is_csv(&s.path)).collect();
        files += 1 + data.len() as u64;
        let (_, n) = check_files(
            dir,
            &t.header,
            kind_of(t),
            &data,
            (keep, &counters),
            &mut reports,
        );
        rows += n;
    }
    if let Some(inc) = &m.incremental {
        let (n, f) = check_incremental(dir, m, inc, &mut top, (keep, &counters), &mut reports);
        rows += n;
        files += f;
    }
    let mut all = vec![top];
    all.extend(reports);
    let summary = Summary {
        errors: 0,
        warnings: 0,
        files,
        rows,
        ids: None,
        ids_skipped: None,
        notes: vec![
            "a change set refers to nodes of its base: ID uniqueness and START_ID/END_ID ends are not checked".into(),
        ],
    };
    (all, summary)
}

fn is_csv(p: &str) -> bool {
    p.ends_with(".csv") || p.ends_with(".csv.gz")
}

/// The incremental import's inputs: headers parse, node headers name their
/// label, relationship groups are declared. Returns (rows, files) read.
fn check_incremental(
    dir: &Path,
    m: &ChangeManifest,
    inc: &Import,
    top: &mut FileReport,
    (keep, counters): (usize, &Counters),
    reports: &mut Vec<FileReport>,
) -> (u64, u64) {
    let listed = |p: &str| m.incremental_files.iter().find(|f| f.path == p);
    let mut declared: BTreeSet<Option<String>> = BTreeSet::new();
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    let (mut rows, mut files) = (0, 0);
    for a in &inc.args {
        let (kind, v) = if let Some(v) = a.strip_prefix("--nodes=") {
            (FileKind::Node, v)
        } else if let Some(v) = a.strip_prefix("--relationships=") {
            (FileKind::Relationship, v)
        } else {
            continue;
        };
        let files_part = v.split_once('=').map_or(v, |(_, f)| f);
        let head = files_part.split(',').next().unwrap_or_default();
        let Some(header) = listed(head).filter(|_| super::bundle::safe_path(head)) else {
            top.error(
                None,
                format!(
                    "incremental import arg {a}: its header {head} is not in incremental_files"
                ),
            );
            continue;
        };
        // Data files copied for the increment (JSON lines change sets) sit
        // beside their header; CSV change sets share the tables' parts.
        let folder = head.rsplit_once('/').map_or("", |(d, _)| d);
        let data: Vec<&FileEntry> = m
            .incremental_files
            .iter()
            .filter(|f| f.path != head && f.path.rsplit_once('/').map(|(d, _)| d) == Some(folder))
            .filter(|f| is_csv(&f.path))
            .collect();
        files += 1 + data.len() as u64;
        let (h, n) = check_files(dir, header, kind, &data, (keep, counters), reports);
        rows += n;
        let Some(h) = h else { continue };
        match kind {
            FileKind::Node => {
                if let Some(g) = h.id_group {
                    declared.insert(g);
                }
            }
            FileKind::Relationship => {
                for g in [h.start_group, h.end_group].into_iter().flatten() {
                    wanted.push((head.to_string(), g));
                }
            }
        }
    }
    for (head, g) in wanted {
        if !declared.contains(&g) {
            let n = g.clone().unwrap_or_default();
            top.error(
                None,
                format!(
                    "incremental import: ID group {} of {head} is declared by no --nodes input of the increment; neo4j-admin stops with \"HeaderException: Group '{n}' not found\" (a header-only input id:ID({n}){{label:{n}}} declares it)",
                    group_name(&g)
                ),
            );
        }
    }
    (rows, files)
}
