//! Checking one CSV file: its bytes against the manifest, its records
//! against the lexical rules, its fields against the header, and its ids
//! against the ID sets. What the Parquet path (`super::parquet`) shares with
//! it lives here too: the [`DataFile`] job and its outcome, the [`IdFlow`]
//! of ids into the ID sets, and [`locate_duplicates`].

use super::bundle::FileEntry;
use super::findings::FileReport;
use super::header::{group_name, Header, IdType, Kind, Scalar};
use super::ids::{self, Batch, Frozen, GroupKey, Store};
use super::reader::{Reader, Record};
use super::source::{finish, open, Magic};
use super::values;
use crate::write::Counters;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// Compares a file's size and hash with its manifest entry.
pub fn compare(report: &mut FileReport, expect: &FileEntry, bytes: u64, hash: u64) {
    if bytes != expect.bytes {
        report.error(
            None,
            format!("size is {bytes} bytes, the manifest says {}", expect.bytes),
        );
    }
    let hex = format!("{hash:016x}");
    if !hex.eq_ignore_ascii_case(&expect.xxh3) {
        report.error(
            None,
            format!(
                "xxh3 is {hex}, the manifest says {} (the file changed after it was written)",
                expect.xxh3
            ),
        );
    }
}

fn check_name(report: &mut FileReport, path: &str, magic: Magic) {
    let gz_name = path.ends_with(".gz");
    match magic {
        Magic::Zip => report.error(
            None,
            "is a zip archive: cmdbgen writes plain or gzip CSV and validate does not read zip",
        ),
        Magic::Gzip if !gz_name => report.warn(
            None,
            "is gzip-compressed but not named .gz (neo4j-admin detects gzip by content)",
        ),
        Magic::Plain if gz_name => report.warn(
            None,
            "is named .gz but is not gzip-compressed (neo4j-admin detects gzip by content)",
        ),
        _ => {}
    }
}

/// Reads a header file: its first record is the header; any further record
/// would be imported as data, which the manifest does not count.
pub fn read_header(
    root: &Path,
    entry: &FileEntry,
    keep: usize,
) -> (FileReport, Option<Vec<String>>) {
    let mut report = FileReport::new(&entry.path, keep);
    match crate::bundle_file::hash(root, &entry.path) {
        Ok((bytes, hash)) => compare(&mut report, entry, bytes, hash),
        Err(e) => {
            report.error(None, format!("cannot read: {e}"));
            return (report, None);
        }
    }
    let (body, magic) = match open(root, &entry.path) {
        Ok(x) => x,
        Err(e) => {
            report.error(None, format!("cannot read: {e}"));
            return (report, None);
        }
    };
    check_name(&mut report, &entry.path, magic);
    let mut reader = Reader::new(body);
    let mut rec = Record::default();
    let mut cells = None;
    let mut extra = 0u64;
    let mut first_extra = None;
    loop {
        match reader.next(&mut rec) {
            Ok(None) => break,
            Ok(Some(res)) if cells.is_none() => match res {
                Ok(()) => {
                    if let Some(off) = rec.bad_utf8 {
                        report.error(Some(rec.line), format!("invalid UTF-8 at byte {}", off + 1));
                    }
                    cells = Some(rec.strings());
                }
                Err(msg) => {
                    report.error(Some(rec.line), msg);
                    cells = Some(Vec::new());
                }
            },
            Ok(Some(_)) => {
                extra += 1;
                first_extra.get_or_insert(rec.line);
            }
            Err(e) => {
                report.error(Some(reader.lines() + 1), format!("cannot read: {e}"));
                break;
            }
        }
    }
    match cells {
        None => report.error(Some(1), "the header file is empty"),
        Some(_) if extra > 0 => report.error(
            first_extra,
            format!(
                "the header file has {extra} more line(s) after the header; neo4j-admin would import them as data"
            ),
        ),
        _ => {}
    }
    (report, cells.filter(|c| !c.is_empty()))
}

/// How a data file's ids are checked.
pub enum Ids<'a> {
    /// Not at all (skipped, or a header problem made it impossible).
    Off,
    /// A node file: collect its `:ID` values into `group`.
    Collect {
        /// The sets.
        store: &'a Store,
        /// The file's ID group.
        group: GroupKey,
        /// How the group's ids compare.
        id_type: IdType,
    },
    /// A relationship file: look its ends up.
    Lookup {
        /// The sets.
        sets: &'a Frozen,
        /// `:START_ID` group and id type, if the group exists.
        start: Option<(GroupKey, IdType)>,
        /// `:END_ID` group and id type, if the group exists.
        end: Option<(GroupKey, IdType)>,
    },
}

/// A table's parsed header, as a data file sees it.
pub struct Columns<'a> {
    /// The parsed header.
    pub header: &'a Header,
    /// The header cells as written (for messages).
    pub cells: &'a [String],
}

/// What checking a data file found.
pub struct DataOutcome {
    /// Its problems.
    pub report: FileReport,
    /// Records read.
    pub rows: u64,
    /// Read to the end, with the row count the manifest lists.
    pub complete: bool,
}

/// One data (shard) file to check, with what checking it needs, in either
/// format.
pub struct DataFile<'a> {
    /// The bundle root.
    pub root: &'a Path,
    /// The file's manifest entry.
    pub entry: &'a FileEntry,
    /// The table's header, if it is usable.
    pub cols: Option<&'a Columns<'a>>,
    /// How its ids are checked.
    pub ids: &'a Ids<'a>,
    /// Problems kept.
    pub keep: usize,
    /// Progress.
    pub counters: &'a Counters,
}

impl DataFile<'_> {
    /// The file on disk, for messages (open it with [`super::source::open`],
    /// which refuses what a bundle may not hold).
    pub fn path(&self) -> PathBuf {
        self.root.join(&self.entry.path)
    }

    /// An empty report for the file.
    pub fn report(&self) -> FileReport {
        FileReport::new(&self.entry.path, self.keep)
    }

    /// What checking found once `rows` rows were read (`to_end`: the file
    /// was read to its end): the row count is compared with the manifest's.
    pub fn outcome(&self, mut report: FileReport, rows: u64, to_end: bool) -> DataOutcome {
        if rows != self.entry.rows {
            report.error(
                None,
                format!("has {rows} rows, the manifest says {}", self.entry.rows),
            );
        }
        DataOutcome {
            report,
            rows,
            complete: to_end && rows == self.entry.rows,
        }
    }

    /// A file that could not be read: `why` is its one problem besides
    /// those already in `report`.
    pub fn unreadable(&self, mut report: FileReport, why: String) -> DataOutcome {
        report.error(None, why);
        DataOutcome {
            report,
            rows: 0,
            complete: false,
        }
    }
}

/// Checks one CSV data (shard) file.
pub fn check_data(file: &DataFile<'_>) -> DataOutcome {
    let (entry, counters) = (file.entry, file.counters);
    let mut report = file.report();
    let (body, magic) = match open(file.root, &file.entry.path) {
        Ok(x) => x,
        Err(e) => return file.unreadable(report, format!("cannot read: {e}")),
    };
    check_name(&mut report, &entry.path, magic);
    let mut reader = Reader::new(body);
    let mut rec = Record::default();
    let mut rows = 0u64;
    let mut tick = 0u64;
    let mut flow = IdFlow::new(file.ids);
    let mut id = Vec::new();
    let mut read_failed = false;
    loop {
        match reader.next(&mut rec) {
            Ok(None) => break,
            Ok(Some(res)) => {
                rows += 1;
                tick += 1;
                if tick == 4096 {
                    counters.rows.fetch_add(tick, Ordering::Relaxed);
                    tick = 0;
                }
                match res {
                    Err(msg) => report.error(Some(rec.line), msg),
                    Ok(()) => {
                        if let Some(off) = rec.bad_utf8 {
                            report.error(
                                Some(rec.line),
                                format!("invalid UTF-8 at byte {}", off + 1),
                            );
                        }
                        if let Some(c) = file.cols {
                            check_row(&rec, c, &mut flow, &mut id, &mut report);
                        }
                    }
                }
            }
            Err(e) => {
                let what = if magic == Magic::Gzip {
                    "the gzip data is corrupt or truncated"
                } else {
                    "cannot read"
                };
                report.error(Some(reader.lines() + 1), format!("{what}: {e}"));
                read_failed = true;
                break;
            }
        }
    }
    counters.rows.fetch_add(tick, Ordering::Relaxed);
    flow.finish(&mut report);
    if reader.unterminated && !read_failed {
        report.error(
            Some(reader.lines()),
            "the last line has no line break (cmdbgen ends every row with one: truncated file?)",
        );
    }
    match finish(reader.into_inner()) {
        Ok((bytes, hash)) => {
            counters.bytes.fetch_add(bytes, Ordering::Relaxed);
            compare(&mut report, entry, bytes, hash);
        }
        Err(e) => report.error(None, format!("cannot read: {e}")),
    }
    file.outcome(report, rows, !read_failed)
}

/// Which end of a relationship.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// `:START_ID`.
    Start,
    /// `:END_ID`.
    End,
}

impl End {
    /// `START_ID` or `END_ID`.
    pub fn name(self) -> &'static str {
        match self {
            End::Start => "START_ID",
            End::End => "END_ID",
        }
    }
}

/// Ends looked up per batch.
const LOOKUP_BATCH: usize = 4096;
/// Node id bytes gathered before they are inserted.
const INSERT_BATCH: usize = 1 << 20;

/// A data file's ids on their way to the ID sets, whatever the file format:
/// node ids are collected and relationship ends looked up in batches (so
/// that their cache misses overlap), each tagged with its line (CSV) or row
/// (Parquet) for the messages.
pub struct IdFlow<'a> {
    ids: &'a Ids<'a>,
    key: Vec<u8>,
    nodes: Batch,
    starts: Batch,
    ends: Batch,
}

impl<'a> IdFlow<'a> {
    /// A flow into (or against) `ids`.
    pub fn new(ids: &'a Ids<'a>) -> Self {
        IdFlow {
            ids,
            key: Vec::new(),
            nodes: Batch::default(),
            starts: Batch::default(),
            ends: Batch::default(),
        }
    }

    /// The id type of the group `end` is looked up in, if it is.
    pub fn end_type(&self, end: End) -> Option<IdType> {
        let Ids::Lookup { start, end: e, .. } = self.ids else {
            return None;
        };
        let group = if end == End::Start { start } else { e };
        group.as_ref().map(|(_, t)| *t)
    }

    /// The id type of the group node ids go to, if they are collected.
    pub fn node_type(&self) -> Option<IdType> {
        match self.ids {
            Ids::Collect { id_type, .. } => Some(*id_type),
            _ => None,
        }
    }

    /// Adds a node's id (its `:ID` parts joined) found at `at`; `Err` if it
    /// is not an id of its group's type.
    pub fn node(&mut self, id: &[u8], at: u64) -> Result<(), String> {
        let Ids::Collect {
            store,
            group,
            id_type,
        } = self.ids
        else {
            return Ok(());
        };
        ids::key_of(*id_type, id, &mut self.key)?;
        self.nodes.push(&self.key, at);
        if self.nodes.bytes() >= INSERT_BATCH {
            store.insert(group, &mut self.nodes);
        }
        Ok(())
    }

    /// Adds a relationship end (not empty) found at `at`; `Err` if it is not
    /// an id of its group's type. Missing ends are reported in batches.
    pub fn end(
        &mut self,
        end: End,
        v: &[u8],
        at: u64,
        report: &mut FileReport,
    ) -> Result<(), String> {
        let Some(id_type) = self.end_type(end) else {
            return Ok(());
        };
        ids::key_of(id_type, v, &mut self.key)?;
        match end {
            End::Start => self.starts.push(&self.key, at),
            End::End => self.ends.push(&self.key, at),
        }
        if self.starts.len().max(self.ends.len()) >= LOOKUP_BATCH {
            self.flush_lookups(report);
        }
        Ok(())
    }

    /// Inserts the pending node ids and looks the pending ends up.
    pub fn finish(&mut self, report: &mut FileReport) {
        if let Ids::Collect { store, group, .. } = self.ids {
            store.insert(group, &mut self.nodes);
        }
        self.flush_lookups(report);
    }

    /// Looks the pending relationship ends up and reports the missing ones.
    fn flush_lookups(&mut self, report: &mut FileReport) {
        let Ids::Lookup { sets, start, end } = self.ids else {
            return;
        };
        for (which, group, batch) in [
            (End::Start, start, &mut self.starts),
            (End::End, end, &mut self.ends),
        ] {
            if let Some((g, _)) = group {
                sets.check_batch(g, batch, |key, at| {
                    report.error(
                        Some(at),
                        format!(
                            "{} '{}' is not an id in ID group {}",
                            which.name(),
                            show(key),
                            group_name(g)
                        ),
                    );
                });
            }
            batch.clear();
        }
    }
}

fn cell<'c>(cols: &'c Columns<'_>, i: usize) -> &'c str {
    cols.cells.get(i).map_or("", String::as_str)
}

/// A value for a message: lossy UTF-8, cut after 60 characters.
pub fn show(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(v);
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.into_owned()
    }
}

fn check_row(
    rec: &Record,
    cols: &Columns<'_>,
    flow: &mut IdFlow<'_>,
    id: &mut Vec<u8>,
    report: &mut FileReport,
) {
    let line = Some(rec.line);
    let want = cols.header.entries.len();
    if rec.len() != want {
        report.error(
            line,
            format!("{} fields, but the header has {want} columns", rec.len()),
        );
    }
    id.clear();
    let mut has_id = false;
    for (i, e) in cols.header.entries.iter().enumerate().take(rec.len()) {
        let f = rec.field(i);
        let v = rec.get(i);
        let col = i + 1;
        if !f.quoted
            && (v.first().is_some_and(|b| *b == b' ' || *b == b'\t')
                || v.last().is_some_and(|b| *b == b' ' || *b == b'\t'))
        {
            report.error(
                line,
                format!(
                    "field {col} '{}': unquoted leading or trailing white space",
                    cell(cols, i)
                ),
            );
        }
        match e.kind {
            Kind::Ignore | Kind::Type => {}
            Kind::Id => {
                if v.is_empty() {
                    report.error(
                        line,
                        format!("field {col} '{}': empty :ID value", cell(cols, i)),
                    );
                } else {
                    has_id = true;
                    id.extend_from_slice(v);
                }
            }
            Kind::Label => {
                if !v.is_empty() || f.quoted {
                    values::check_labels(v, |msg| {
                        report.error(line, format!("field {col} ':LABEL' '{}': {msg}", show(v)));
                    });
                }
            }
            Kind::StartId | Kind::EndId => {
                let end = if e.kind == Kind::StartId {
                    End::Start
                } else {
                    End::End
                };
                if v.is_empty() {
                    report.error(
                        line,
                        format!(
                            "field {col}: empty :{} value (a bad relationship)",
                            end.name()
                        ),
                    );
                } else if let Err(msg) = flow.end(end, v, rec.line, report) {
                    report.error(line, format!("field {col}: {msg}"));
                }
            }
            Kind::Prop(ty) => {
                if v.is_empty() {
                    if f.quoted && ty.scalar != Scalar::String {
                        report.error(
                            line,
                            format!(
                                "field {col} '{}': quoted empty value \"\" is not a valid {ty}",
                                cell(cols, i)
                            ),
                        );
                    } else if !f.quoted && !ty.array && ty.scalar.is_temporal() {
                        report.error(
                            line,
                            format!(
                                "field {col} '{}': empty {ty} value: neo4j-admin 5.0 to 5.5 stop the import on it (\"Text cannot be parsed\"; 5.6 and later read it as no value); leave the column out of this row's file instead",
                                cell(cols, i)
                            ),
                        );
                    }
                } else if let Err(msg) = values::check(ty, v) {
                    report.error(line, format!("field {col} '{}': {msg}", cell(cols, i)));
                }
            }
        }
    }
    if has_id {
        if let Err(msg) = flow.node(id, rec.line) {
            report.error(line, msg);
        }
    }
}

/// Calls `each(line, id)` for every record of a CSV data file with a
/// non-empty id (its `:ID` fields joined), as [`locate_duplicates`] reads
/// it. Records that break the lexical rules are skipped (reported already).
pub fn csv_ids(root: &Path, rel: &str, header: &Header, each: &mut dyn FnMut(u64, &[u8])) {
    let id_cols: Vec<usize> = header
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::Id)
        .map(|(i, _)| i)
        .collect();
    let Ok((body, _)) = open(root, rel) else {
        return;
    };
    let mut reader = Reader::new(body);
    let mut rec = Record::default();
    let mut id = Vec::new();
    while let Ok(Some(res)) = reader.next(&mut rec) {
        if res.is_err() {
            continue;
        }
        id.clear();
        for &c in &id_cols {
            if c < rec.len() {
                id.extend_from_slice(rec.get(c));
            }
        }
        if !id.is_empty() {
            each(rec.line, &id);
        }
    }
}

/// Reads the node ids of one data file for [`locate_duplicates`]:
/// `(root, path in the bundle, header, each)` calls `each(line or row, id)`
/// per id.
pub type IdReader = dyn Fn(&Path, &str, &Header, &mut dyn FnMut(u64, &[u8])) + Sync;

/// Where the first definition of each duplicated id is, and a report per
/// file of every later definition. Files are scanned in order with `read`
/// (the format's id reader), so the result does not depend on threads.
pub fn locate_duplicates(
    root: &Path,
    files: &[(&FileEntry, &Header)],
    id_type: IdType,
    group: &GroupKey,
    dups: &HashSet<Vec<u8>>,
    keep: usize,
    read: &IdReader,
) -> Vec<FileReport> {
    let mut first: HashMap<Vec<u8>, (usize, u64)> = HashMap::new();
    let mut reports = Vec::new();
    let mut key = Vec::new();
    for (fi, (entry, header)) in files.iter().enumerate() {
        let mut report = FileReport::new(&entry.path, keep);
        read(root, &entry.path, header, &mut |at, id| {
            if ids::key_of(id_type, id, &mut key).is_err() || !dups.contains(&key) {
                return;
            }
            match first.get(&key) {
                None => {
                    first.insert(key.clone(), (fi, at));
                }
                Some(&(ff, fl)) => report.error(
                    Some(at),
                    format!(
                        "id '{}' is defined more than once in ID group {} (first at {}:{fl})",
                        show(id),
                        group_name(group),
                        root.join(&files[ff].0.path).display()
                    ),
                ),
            }
        });
        reports.push(report);
    }
    reports
}
