//! What `apply` reads: a generated bundle or a change set, through its
//! manifest, and the rows of each table as typed Bolt values.
//!
//! Types come from each table's header file (neo4j-admin syntax:
//! `name:type(group){options}`), so CSV and JSON lines decode the same way:
//! `int`/`long`/`short`/`byte` become integers, `float`/`double` floats,
//! `boolean` is true only for exactly `true` (as neo4j-admin reads it),
//! `datetime` becomes a Bolt DateTime, `date` a Date, `T[]` a list split on
//! `;`. An unquoted empty CSV field (or a missing JSON key) is absent.

use crate::changes::Op;
use crate::error::Usage;
use crate::manifest::TableEntry;
use crate::model::{Ids, NodeKind};
use crate::runner::changes::{ChangeManifest, KIND as CHANGES_KIND};
use crate::write::FileInfo;
use anyhow::{anyhow, bail, Context, Result};
use neo4j::ValueSend;
use std::collections::HashMap;

use std::io::BufRead;

use crate::bundle_read::open_data;
pub use crate::bundle_read::{CsvReader, Field};
use std::path::{Path, PathBuf};

/// One table to apply.
#[derive(Clone, Debug)]
pub struct SourceTable {
    /// What to do with its rows.
    pub op: Op,
    /// The kind or family name.
    pub name: String,
    /// Node tables: the ID group, used as the MERGE/MATCH label.
    /// Relationship tables: the relationship type.
    pub label_or_type: String,
    /// Start and end ID groups of relationships.
    pub start: Option<String>,
    /// End ID group.
    pub end: Option<String>,
    /// Rows in all shards.
    pub rows: u64,
    /// The header file.
    pub header: FileInfo,
    /// The data files, in order.
    pub shards: Vec<FileInfo>,
    /// How the files identify nodes: the bundle's `--ids` (change sets
    /// always use string ids).
    pub ids: Ids,
}

impl SourceTable {
    /// The table's key in progress, errors and the checkpoint: `op/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.op.name(), self.name)
    }
}

/// A bundle or change set to apply.
#[derive(Debug)]
pub struct Source {
    /// Its folder.
    pub root: PathBuf,
    /// `bundle` or `changes`.
    pub kind: &'static str,
    /// The manifest's fingerprint (what the checkpoint belongs to).
    pub fingerprint: String,
    /// The tables in apply order: nodes, relationships, updates, moves,
    /// deletes.
    pub tables: Vec<SourceTable>,
}

fn from_entry(op: Op, t: &TableEntry) -> SourceTable {
    SourceTable {
        op,
        name: t.name.clone(),
        label_or_type: t.label_or_type.clone(),
        start: t.start.clone(),
        end: t.end.clone(),
        rows: t.rows,
        header: t.header.clone(),
        shards: t.shards.clone(),
        ids: Ids::String,
    }
}

/// What `apply` needs of a bundle's manifest: the tables. Generated
/// (`generate`, `gather`) and ingested (`ingest`) bundles record their runs
/// differently, and both are applied the same way.
#[derive(serde::Deserialize)]
struct BundleTables {
    fingerprint: String,
    tables: Vec<TableEntry>,
    /// The run's id mode (`run.profile.ids`; ingested bundles have string
    /// ids and no such field).
    #[serde(default)]
    run: Option<BundleRun>,
}

#[derive(serde::Deserialize)]
struct BundleRun {
    #[serde(default)]
    profile: Option<BundleProfile>,
}

#[derive(serde::Deserialize)]
struct BundleProfile {
    #[serde(default)]
    ids: Ids,
}

impl Source {
    /// Opens `dir`: reads its manifest. A folder without one is not a
    /// complete bundle or change set (a usage error).
    pub fn open(dir: &Path) -> Result<Source> {
        let path = dir.join(crate::manifest::FILE);
        let text = match crate::bundle_file::read_to_string(dir, crate::manifest::FILE) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Usage(format!(
                    "{} has no {}: it is not a complete cmdbgen bundle or change set",
                    dir.display(),
                    crate::manifest::FILE
                ))
                .into())
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Usage(format!("{}: not a cmdbgen manifest: {e}", path.display())))?;
        let bad = |e: serde_json::Error| Usage(format!("{}: {e}", path.display()));
        let (kind, fingerprint, mut tables) =
            if json.get("kind").and_then(|k| k.as_str()) == Some(CHANGES_KIND) {
                let m: ChangeManifest = serde_json::from_value(json).map_err(bad)?;
                let tables = m
                    .tables
                    .iter()
                    .map(|t| {
                        let op = Op::from_name(&t.op).ok_or_else(|| {
                            Usage(format!("{}: unknown op '{}'", path.display(), t.op))
                        })?;
                        Ok(from_entry(op, &t.table))
                    })
                    .collect::<Result<Vec<_>, Usage>>()?;
                ("changes", m.fingerprint, tables)
            } else {
                let m: BundleTables = serde_json::from_value(json).map_err(bad)?;
                let ids = m
                    .run
                    .as_ref()
                    .and_then(|r| r.profile.as_ref())
                    .map_or(Ids::String, |p| p.ids);
                let tables = m
                    .tables
                    .iter()
                    .map(|t| {
                        let op = if t.kind == "node" {
                            Op::Nodes
                        } else {
                            Op::Relationships
                        };
                        SourceTable {
                            ids,
                            ..from_entry(op, t)
                        }
                    })
                    .collect();
                ("bundle", m.fingerprint, tables)
            };
        // apply reads CSV (`bundle_read`); a Parquet bundle, of either id
        // mode, is for neo4j-admin (or regenerate it as CSV).
        if let Some(f) = tables
            .iter()
            .flat_map(|t| &t.shards)
            .find(|f| f.path.ends_with(".parquet"))
        {
            return Err(Usage(format!(
                "{} is a Parquet bundle ({}): apply reads CSV and csv.gz bundles and change \
                 sets; import it with neo4j-admin (its import.sh, docs/import.md), or \
                 generate the same rows with --format csv or csv-gz to apply them",
                dir.display(),
                f.path
            ))
            .into());
        }
        // The same path rule as validate's: nothing outside the folder.
        for t in &tables {
            for f in std::iter::once(&t.header).chain(&t.shards) {
                crate::bundle_file::check_path(&f.path)
                    .map_err(|e| Usage(format!("{}: table {}: {e}", path.display(), t.name)))?;
            }
        }
        tables.sort_by_key(|t| t.op);
        Ok(Source {
            root: dir.to_path_buf(),
            kind,
            fingerprint,
            tables,
        })
    }

    /// Checks that every file still has the size and xxh3 the manifest
    /// recorded.
    pub fn verify(&self) -> Result<()> {
        for t in &self.tables {
            for f in std::iter::once(&t.header).chain(&t.shards) {
                let path = self.root.join(&f.path);
                let (bytes, hash) = crate::bundle_file::hash(&self.root, &f.path)
                    .with_context(|| format!("reading {}", path.display()))?;
                if bytes != f.bytes || format!("{hash:016x}") != f.xxh3 {
                    bail!(
                        "{} does not match the manifest (size or xxh3 changed); regenerate the folder",
                        path.display()
                    );
                }
            }
        }
        Ok(())
    }

    /// Total rows.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

// ---------------------------------------------------------------------------
// Headers.

/// The type of a property column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValType {
    /// `string` (or no type).
    Str,
    /// `int`, `long`, `short`, `byte`.
    Int,
    /// `float`, `double`.
    Float,
    /// `boolean`.
    Bool,
    /// `datetime`.
    DateTime,
    /// `date`.
    Date,
}

/// One header column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Col {
    /// `name:ID(group)`.
    Id {
        /// Property name.
        name: String,
    },
    /// `:LABEL`.
    Label,
    /// `:START_ID(group)`.
    Start,
    /// `:END_ID(group)`.
    End,
    /// `:TYPE` or `:IGNORE` or an empty cell: not used.
    Skip,
    /// A property.
    Prop {
        /// Name.
        name: String,
        /// Element type.
        ty: ValType,
        /// `T[]`.
        array: bool,
    },
}

/// Parses one header cell (neo4j-import-spec §1.2).
pub fn parse_cell(cell: &str) -> Result<Col, String> {
    let mut s = cell.to_string();
    if let Some(open) = s.find('{') {
        let close = s
            .rfind('}')
            .filter(|&c| c > open)
            .ok_or_else(|| format!("'{cell}': '{{' without '}}'"))?;
        s.replace_range(open..=close, "");
    }
    if let Some(open) = s.find('(') {
        let close = s
            .rfind(')')
            .filter(|&c| c > open)
            .ok_or_else(|| format!("'{cell}': '(' without ')'"))?;
        s.replace_range(open..=close, "");
    }
    if s.is_empty() {
        return Ok(Col::Skip);
    }
    let (name, ty) = match s.rfind(':') {
        Some(i) => (s[..i].to_string(), s[i + 1..].to_string()),
        None => (s.clone(), "string".to_string()),
    };
    if ty == "IGNORE" {
        return Ok(Col::Skip);
    }
    match ty.to_ascii_uppercase().as_str() {
        "ID" => Ok(Col::Id { name }),
        "LABEL" => Ok(Col::Label),
        "START_ID" => Ok(Col::Start),
        "END_ID" => Ok(Col::End),
        "TYPE" => Ok(Col::Skip),
        t => {
            let (base, array) = match t.strip_suffix("[]") {
                Some(b) => (b, true),
                None => (t, false),
            };
            let ty = match base {
                "STRING" => ValType::Str,
                "INT" | "LONG" | "SHORT" | "BYTE" => ValType::Int,
                "FLOAT" | "DOUBLE" => ValType::Float,
                "BOOLEAN" => ValType::Bool,
                "DATETIME" => ValType::DateTime,
                "DATE" => ValType::Date,
                _ => return Err(format!("'{cell}': type '{ty}' is not supported by apply")),
            };
            if name.is_empty() {
                return Err(format!("'{cell}': a property needs a name"));
            }
            Ok(Col::Prop { name, ty, array })
        }
    }
}

/// Reads and parses the header file `rel` of the bundle at `root`.
pub fn read_header(root: &Path, rel: &str) -> Result<Vec<Col>> {
    let path = root.join(rel);
    crate::bundle_read::header_cells(root, rel)?
        .iter()
        .map(|f| parse_cell(&f.text).map_err(|e| anyhow!("{}: {e}", path.display())))
        .collect()
}

// ---------------------------------------------------------------------------
// Rows.

/// One decoded row.
#[derive(Clone, Debug, Default)]
pub struct Row {
    /// The node id (nodes, updates, deletes).
    pub id: String,
    /// Start and end ids (relationships).
    pub start: String,
    /// End id.
    pub end: String,
    /// Labels from `:LABEL`, in file order.
    pub labels: Vec<String>,
    /// Properties with values.
    pub props: HashMap<String, ValueSend>,
    /// Shard index within the table and line number (from 1).
    pub shard: u32,
    /// Line number of the row in its shard.
    pub line: u64,
    /// Bytes the row took in the file.
    pub bytes: u64,
}

enum Decoder {
    Csv(CsvReader<Box<dyn BufRead>>),
    Jsonl { input: Box<dyn BufRead>, line: u64 },
}

/// Streams the rows of one table, shard after shard.
pub struct TableRows<'s> {
    root: &'s Path,
    table: &'s SourceTable,
    cols: Vec<Col>,
    shard: usize,
    decoder: Option<Decoder>,
    fields: Vec<Field>,
}

/// Parses a scalar of type `ty`.
fn scalar(ty: ValType, s: &str) -> Result<ValueSend, String> {
    match ty {
        ValType::Str => Ok(ValueSend::String(s.to_string())),
        ValType::Int => s
            .trim()
            .parse::<i64>()
            .map(ValueSend::Integer)
            .map_err(|_| format!("not an integer: '{s}'")),
        ValType::Float => s
            .trim()
            .parse::<f64>()
            .map(ValueSend::Float)
            .map_err(|_| format!("not a number: '{s}'")),
        ValType::Bool => Ok(ValueSend::Boolean(s.trim() == "true")),
        ValType::DateTime => parse_datetime(s.trim()).map(ValueSend::DateTimeFixed),
        ValType::Date => chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(ValueSend::Date)
            .map_err(|_| format!("not a date: '{s}'")),
    }
}

/// An ISO-8601 date-time with an offset (`Z`, `+02:00`) or none (UTC).
pub fn parse_datetime(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| t.and_utc().fixed_offset())
        .map_err(|_| format!("not a datetime: '{s}'"))
}

/// Converts CSV text to a value of a column's type; `None` when absent.
fn from_text(ty: ValType, array: bool, f: &Field) -> Result<Option<ValueSend>, String> {
    if f.text.is_empty() && !(f.quoted && ty == ValType::Str && !array) {
        return Ok(None);
    }
    if array {
        let items = f
            .text
            .split(';')
            .map(|e| scalar(ty, e))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Some(ValueSend::List(items)));
    }
    scalar(ty, &f.text).map(Some)
}

/// Converts a JSON value to a column's type; `None` when null.
fn from_json(ty: ValType, array: bool, v: &serde_json::Value) -> Result<Option<ValueSend>, String> {
    use serde_json::Value as J;
    let one = |v: &J| -> Result<ValueSend, String> {
        match (ty, v) {
            (ValType::Str, J::String(s)) => Ok(ValueSend::String(s.clone())),
            (ValType::Int, J::Number(n)) => n
                .as_i64()
                .map(ValueSend::Integer)
                .ok_or_else(|| format!("not an integer: {n}")),
            (ValType::Float, J::Number(n)) => n
                .as_f64()
                .map(ValueSend::Float)
                .ok_or_else(|| format!("not a number: {n}")),
            (ValType::Bool, J::Bool(b)) => Ok(ValueSend::Boolean(*b)),
            (ValType::DateTime | ValType::Date, J::String(s)) => scalar(ty, s),
            (_, v) => Err(format!("unexpected JSON value {v} for a {ty:?} column")),
        }
    };
    match v {
        J::Null => Ok(None),
        J::Array(items) if array => Ok(Some(ValueSend::List(
            items.iter().map(one).collect::<Result<_, _>>()?,
        ))),
        v if !array => one(v).map(Some),
        v => Err(format!("expected an array, got {v}")),
    }
}

impl<'s> TableRows<'s> {
    /// Opens a table of `source`.
    pub fn open(root: &'s Path, table: &'s SourceTable) -> Result<TableRows<'s>> {
        let cols = read_header(root, &table.header.path)?;
        let has = |c: &Col| cols.contains(c);
        let ids = cols.iter().filter(|c| matches!(c, Col::Id { .. })).count();
        let ok = match table.op {
            op if op.is_rel() => has(&Col::Start) && has(&Col::End),
            _ => ids == 1,
        };
        if !ok {
            bail!(
                "{}: the header does not fit a {} table (nodes need one ID column, relationships START_ID and END_ID)",
                table.header.path,
                table.op.name()
            );
        }
        Ok(TableRows {
            root,
            table,
            cols,
            shard: 0,
            decoder: None,
            fields: Vec::new(),
        })
    }

    /// The header's ID property name (`id`), for node tables. With integer
    /// ids the `:ID` has no name and the string id is the property `id`.
    pub fn id_name(&self) -> Option<&str> {
        self.cols.iter().find_map(|c| match c {
            Col::Id { name } if name.is_empty() && self.table.ids == Ids::Integer => Some("id"),
            Col::Id { name } => Some(name.as_str()),
            _ => None,
        })
    }

    fn shard_path(&self) -> String {
        self.table.shards[self.shard].path.clone()
    }

    /// The next row, or `None` after the last shard.
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        loop {
            if self.decoder.is_none() {
                if self.shard >= self.table.shards.len() {
                    return Ok(None);
                }
                let rel = self.shard_path();
                let input = open_data(self.root, &rel)?;
                self.decoder = Some(if rel.ends_with(".jsonl") {
                    Decoder::Jsonl { input, line: 0 }
                } else {
                    Decoder::Csv(CsvReader::new(input))
                });
            }
            let rel = self.shard_path();
            let got = match self.decoder.as_mut() {
                Some(Decoder::Csv(r)) => match r
                    .next_record(&mut self.fields)
                    .with_context(|| rel.clone())?
                {
                    None => None,
                    Some((line, bytes)) => {
                        let fields = std::mem::take(&mut self.fields);
                        let row = self.csv_row(&fields, line, bytes);
                        self.fields = fields;
                        Some(row.map_err(|e| anyhow!("{rel} line {line}: {e}"))?)
                    }
                },
                Some(Decoder::Jsonl { input, line }) => {
                    let mut text = String::new();
                    let mut found = None;
                    loop {
                        text.clear();
                        if input.read_line(&mut text)? == 0 {
                            break;
                        }
                        *line += 1;
                        if !text.trim().is_empty() {
                            found = Some((*line, text.len() as u64));
                            break;
                        }
                    }
                    match found {
                        None => None,
                        Some((line, bytes)) => {
                            let row = serde_json::from_str::<serde_json::Value>(&text)
                                .map_err(|e| e.to_string())
                                .and_then(|v| self.json_row(&v, line, bytes));
                            Some(row.map_err(|e| anyhow!("{rel} line {line}: {e}"))?)
                        }
                    }
                }
                None => None,
            };
            match got {
                Some(row) => return Ok(Some(row)),
                None => {
                    self.decoder = None;
                    self.shard += 1;
                }
            }
        }
    }

    fn new_row(&self, line: u64, bytes: u64) -> Row {
        Row {
            shard: crate::cast::small(self.shard),
            line,
            bytes,
            ..Row::default()
        }
    }

    fn csv_row(&self, fields: &[Field], line: u64, bytes: u64) -> Result<Row, String> {
        if fields.len() > self.cols.len() {
            return Err(format!(
                "{} fields, but the header has {}",
                fields.len(),
                self.cols.len()
            ));
        }
        let mut row = self.new_row(line, bytes);
        for (c, f) in self.cols.iter().zip(fields) {
            match c {
                Col::Id { .. } => row.id = f.text.clone(),
                Col::Start => row.start = f.text.clone(),
                Col::End => row.end = f.text.clone(),
                Col::Label => {
                    row.labels = f
                        .text
                        .split(';')
                        .filter(|l| !l.is_empty())
                        .map(String::from)
                        .collect()
                }
                Col::Skip => {}
                Col::Prop { name, ty, array } => {
                    if let Some(v) =
                        from_text(*ty, *array, f).map_err(|e| format!("{name}: {e}"))?
                    {
                        row.props.insert(name.clone(), v);
                    }
                }
            }
        }
        if self.table.ids == Ids::Integer {
            self.integer_ids(&mut row)?;
        }
        self.check_ids(&row)?;
        Ok(row)
    }

    /// Turns a row of an integer-id bundle into the row of the same bundle
    /// with string ids, so `apply` builds the same graph from either: a
    /// node's key is its string `id` property (checked to be the string
    /// form of its integer `:ID`, which is how `generate --ids integer`
    /// writes it), and a relationship's ends become the string ids of
    /// their groups' nodes.
    fn integer_ids(&self, row: &mut Row) -> Result<(), String> {
        let t = self.table;
        match t.op {
            op if op.is_rel() => {
                row.start = string_id(t.start.as_deref().unwrap_or_default(), &row.start)?;
                row.end = string_id(t.end.as_deref().unwrap_or_default(), &row.end)?;
            }
            _ => {
                let Some(ValueSend::String(id)) = row.props.remove("id") else {
                    return Err("an integer-id node needs its string id in property 'id'".into());
                };
                let want = string_id(&t.label_or_type, &row.id)?;
                if id != want {
                    return Err(format!(
                        "integer id {} of {} has the string id '{id}', not '{want}'",
                        row.id, t.label_or_type
                    ));
                }
                row.id = id;
            }
        }
        Ok(())
    }

    fn json_row(&self, v: &serde_json::Value, line: u64, bytes: u64) -> Result<Row, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| "a line must be a JSON object".to_string())?;
        let text = |key: &str| -> String {
            obj.get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let mut row = self.new_row(line, bytes);
        for c in &self.cols {
            match c {
                Col::Id { name } => row.id = text(name),
                Col::Start => row.start = text(":START_ID"),
                Col::End => row.end = text(":END_ID"),
                Col::Label => {
                    row.labels = obj
                        .get(":LABEL")
                        .and_then(|v| v.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|l| l.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default()
                }
                Col::Skip => {}
                Col::Prop { name, ty, array } => {
                    if let Some(j) = obj.get(name) {
                        if let Some(v) =
                            from_json(*ty, *array, j).map_err(|e| format!("{name}: {e}"))?
                        {
                            row.props.insert(name.clone(), v);
                        }
                    }
                }
            }
        }
        self.check_ids(&row)?;
        Ok(row)
    }

    fn check_ids(&self, row: &Row) -> Result<(), String> {
        match self.table.op {
            op if op.is_rel() && (row.start.is_empty() || row.end.is_empty()) => {
                Err("a relationship needs a start and an end id".into())
            }
            op if op.is_rel() => Ok(()),
            _ if row.id.is_empty() => Err("a node row needs an id".into()),
            _ => Ok(()),
        }
    }
}

/// The string id of the node with integer id `n` in ID group `group` (a
/// node kind): the kind's prefix and `n`, as the generator writes both.
fn string_id(group: &str, n: &str) -> Result<String, String> {
    let kind = NodeKind::from_name(group)
        .ok_or_else(|| format!("'{group}' is not a node kind of cmdbgen's model"))?;
    let n: u64 = n
        .parse()
        .map_err(|_| format!("'{n}' is not an integer id of {group}"))?;
    let mut out = Vec::with_capacity(16);
    crate::gen::text::put_id(kind.id_prefix(), n, &mut out);
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The text of line `line` (from 1) of the data file `rel` of the bundle at
/// `root`, for error messages.
pub fn line_text(root: &Path, rel: &str, line: u64) -> Option<String> {
    let input = open_data(root, rel).ok()?;
    let text = input
        .lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let mut text = text.ok()?;
    if text.len() > 300 {
        let mut cut = 300;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn f(text: &str, quoted: bool) -> Field {
        Field {
            text: text.into(),
            quoted,
        }
    }

    #[test]
    fn bundles_open_whatever_run_made_them() {
        // An ingested bundle records an ingest run, not a profile; apply
        // needs only the fingerprint and the tables.
        let dir = tempfile::tempdir().unwrap();
        let manifest = serde_json::json!({
            "tool": "cmdbgen",
            "fingerprint": "00000000000000ab",
            "run": { "mode": "ingest", "strategy": "latest" },
            "tables": [{
                "name": "Server", "kind": "node", "label_or_type": "Server", "rows": 0,
                "header": { "path": "nodes/Server/header.csv", "rows": 0, "bytes": 0, "xxh3": "0" },
                "shards": []
            }],
        });
        fs::write(dir.path().join(crate::manifest::FILE), manifest.to_string()).unwrap();
        let src = Source::open(dir.path()).unwrap();
        assert_eq!(
            (src.kind, src.fingerprint.as_str()),
            ("bundle", "00000000000000ab")
        );
        assert_eq!(src.tables.len(), 1);
        assert_eq!(src.rows(), 0);
    }

    /// An integer-id bundle reads as the same rows with string ids; a node
    /// whose `id` is not its integer's string form is an error.
    #[test]
    fn integer_ids_read_as_string_ids() {
        let dir = tempfile::tempdir().unwrap();
        let file = |path: &str, text: &str| {
            let p = dir.path().join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, text).unwrap();
            serde_json::json!({ "path": path, "rows": 0, "bytes": text.len(), "xxh3": "0" })
        };
        let nh = file("nodes/Server/header.csv", ":ID(Server),id,:LABEL,name\n");
        let ns = file(
            "nodes/Server/part-00000.csv",
            "3,srv-000000003,Server,a\n4,srv-000000005,Server,b\n",
        );
        let rh = file(
            "relationships/S/header.csv",
            ":START_ID(Server),:END_ID(DataCenter)\n",
        );
        let rs = file("relationships/S/part-00000.csv", "3,12\n");
        let manifest = serde_json::json!({
            "fingerprint": "1",
            "run": { "profile": { "ids": "integer" } },
            "tables": [
                { "name": "Server", "kind": "node", "label_or_type": "Server", "rows": 2,
                  "header": nh, "shards": [ns] },
                { "name": "S", "kind": "relationship", "label_or_type": "HOSTED_IN",
                  "start": "Server", "end": "DataCenter", "rows": 1, "header": rh, "shards": [rs] },
            ],
        });
        fs::write(dir.path().join(crate::manifest::FILE), manifest.to_string()).unwrap();
        let src = Source::open(dir.path()).unwrap();
        let nodes = &src.tables[0];
        assert_eq!(nodes.ids, Ids::Integer);
        let mut rows = TableRows::open(dir.path(), nodes).unwrap();
        assert_eq!(rows.id_name(), Some("id"));
        let r = rows.next_row().unwrap().unwrap();
        assert_eq!(r.id, "srv-000000003");
        assert!(!r.props.contains_key("id"), "the key is not set twice");
        let err = rows.next_row().unwrap_err().to_string();
        assert!(err.contains("not 'srv-000000004'"), "{err}");
        let mut rels = TableRows::open(dir.path(), &src.tables[1]).unwrap();
        let r = rels.next_row().unwrap().unwrap();
        assert_eq!(
            (r.start.as_str(), r.end.as_str()),
            ("srv-000000003", "dc-000000012")
        );
    }

    #[test]
    fn header_cells() {
        assert_eq!(
            parse_cell("id:ID(Server){label:Server}"),
            Ok(Col::Id { name: "id".into() })
        );
        assert_eq!(parse_cell(":LABEL"), Ok(Col::Label));
        assert_eq!(parse_cell(":START_ID(Server)"), Ok(Col::Start));
        assert_eq!(
            parse_cell("cpu_cores:int"),
            Ok(Col::Prop {
                name: "cpu_cores".into(),
                ty: ValType::Int,
                array: false
            })
        );
        assert_eq!(
            parse_cell("tags:string[]"),
            Ok(Col::Prop {
                name: "tags".into(),
                ty: ValType::Str,
                array: true
            })
        );
        assert_eq!(
            parse_cell("name"),
            Ok(Col::Prop {
                name: "name".into(),
                ty: ValType::Str,
                array: false
            })
        );
        assert!(parse_cell("p:point").is_err());
        assert_eq!(parse_cell("x:IGNORE"), Ok(Col::Skip));
    }

    #[test]
    fn values_follow_neo4j_admin() {
        let v = |ty, array, text: &str, quoted| from_text(ty, array, &f(text, quoted)).unwrap();
        assert_eq!(
            v(ValType::Int, false, " 42 ", false),
            Some(ValueSend::Integer(42))
        );
        assert_eq!(
            v(ValType::Bool, false, "TRUE", false),
            Some(ValueSend::Boolean(false))
        );
        assert_eq!(v(ValType::Str, false, "", false), None);
        assert_eq!(
            v(ValType::Str, false, "", true),
            Some(ValueSend::String(String::new()))
        );
        assert_eq!(v(ValType::Str, true, "", false), None);
        assert_eq!(
            v(ValType::Str, true, "a;b", false),
            Some(ValueSend::List(vec![
                ValueSend::String("a".into()),
                ValueSend::String("b".into())
            ]))
        );
        assert!(from_text(ValType::Int, false, &f("1.5", false)).is_err());
        match v(ValType::DateTime, false, "2024-02-29T12:34:56Z", false) {
            Some(ValueSend::DateTimeFixed(t)) => assert_eq!(t.timestamp(), 1_709_210_096),
            other => panic!("{other:?}"),
        }
        assert!(parse_datetime("2024-02-29T12:34:56").is_ok());
        assert!(parse_datetime("yesterday").is_err());
    }

    #[test]
    fn json_values_are_typed() {
        let j: serde_json::Value = serde_json::json!([1, 2.5, "2024-01-01T00:00:00Z", ["a"]]);
        assert_eq!(
            from_json(ValType::Int, false, &j[0]).unwrap(),
            Some(ValueSend::Integer(1))
        );
        assert_eq!(
            from_json(ValType::Float, false, &j[1]).unwrap(),
            Some(ValueSend::Float(2.5))
        );
        assert!(matches!(
            from_json(ValType::DateTime, false, &j[2]).unwrap(),
            Some(ValueSend::DateTimeFixed(_))
        ));
        assert!(from_json(ValType::Int, false, &j[2]).is_err());
        assert_eq!(
            from_json(ValType::Str, true, &j[3]).unwrap(),
            Some(ValueSend::List(vec![ValueSend::String("a".into())]))
        );
    }
}
