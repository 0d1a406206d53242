//! Step 1: read every export file once, type its values, key each report by
//! its canonical id, and spill it to its hash partition (node reports by
//! the item, relationship reports by their start).

use super::errors::Errors;
use super::mapping::{attributes, FileMap, Holds};
use super::read::{self, InputFormat, Record};
use super::spill::{partition_of, Partitions, Spiller};
use super::value::{canonical, key_hash, parse_datetime};
use crate::model::{NodeKind, PropType, RelKind, Table};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

/// "No observation time".
pub const NO_TIME: i64 = i64::MIN;

/// One export file to read.
#[derive(Clone, Debug)]
pub struct Input {
    /// The reporting source's rank (0 = most trusted).
    pub rank: u8,
    /// What the mapping says about the file.
    pub map: FileMap,
    /// The mapping file, for messages.
    pub mapping: std::path::PathBuf,
    /// The file's format.
    pub format: InputFormat,
}

/// Index of a node kind in [`NodeKind::ALL`].
#[allow(
    clippy::cast_possible_truncation,
    reason = "there are fewer than 256 node kinds"
)]
pub fn kind_index(k: NodeKind) -> u8 {
    k.index() as u8
}

/// Index of a family in [`RelKind::ALL`].
#[allow(
    clippy::cast_possible_truncation,
    reason = "there are fewer than 256 relationship families"
)]
pub fn rel_index(r: RelKind) -> u8 {
    r.index() as u8
}

/// Shared state of the reading step.
pub struct Load<'a> {
    /// Node reports by item.
    pub nodes: &'a Partitions,
    /// Relationship reports by start.
    pub rels: &'a Partitions,
    /// Bad input.
    pub errors: &'a Errors,
    /// Bytes each thread may buffer before it spills.
    pub spill_limit: usize,
    /// Rows read, for progress.
    pub rows: &'a AtomicU64,
}

/// Counts the data rows of a file that cannot be ingested (so that the
/// manifest can say how many rows were left out).
fn count_rows(path: &std::path::Path) -> u64 {
    let Ok(mut r) = read::open(path, &[]) else {
        return 0;
    };
    let mut rec = Record::default();
    let mut n = 0;
    loop {
        match r.next(&mut rec) {
            Ok(true) => n += 1,
            Ok(false) => return n,
            Err(e) if e.pos.is_some() => n += 1,
            Err(_) => return n,
        }
    }
}

/// The columns read from an export file, in the reader's order: the key,
/// the end key (relationships), labels and observed_at if mapped, then the
/// attributes.
struct Wanted<'m> {
    names: Vec<&'m str>,
    labels_at: Option<usize>,
    observed_at: Option<usize>,
    /// The type, parent class and child class columns of a
    /// `parent,child,type` export.
    ci_at: usize,
    first_attr: usize,
}

/// The columns `m` maps, in the order [`Wanted`] describes.
fn wanted(m: &FileMap) -> Wanted<'_> {
    let mut names: Vec<&str> = vec![m.key_column.as_str()];
    if let Some(e) = &m.end_column {
        names.push(e);
    }
    let labels_at = m.labels.as_ref().map(|l| {
        names.push(l);
        names.len() - 1
    });
    let observed_at = m.observed_at.as_ref().map(|o| {
        names.push(o);
        names.len() - 1
    });
    let ci_at = names.len();
    names.extend(m.ci_columns.iter().map(String::as_str));
    let first_attr = names.len();
    for a in &m.attrs {
        names.push(&a.column);
    }
    Wanted {
        names,
        labels_at,
        observed_at,
        ci_at,
        first_attr,
    }
}

/// One input file being read: where it is from and what to take from it.
struct FileCtx<'a> {
    ld: &'a Load<'a>,
    i: usize,
    input: &'a Input,
    wanted: Wanted<'a>,
    attrs: Vec<(&'static str, PropType)>,
    /// The number of attributes of each relationship family (the empty
    /// slots a `parent,child,type` row carries).
    rel_attrs: Vec<usize>,
}

impl FileCtx<'_> {
    /// `FILE:LINE` (or the Parquet/Arrow equivalent) for messages.
    fn place(&self, pos: Option<u64>) -> String {
        match pos {
            Some(p) => self.input.format.at(&self.input.map.path, p),
            None => self.input.map.path.display().to_string(),
        }
    }
}

/// The spillers a row goes to and the buffers reused from row to row.
struct RowOut<'p> {
    nodes: Spiller<'p>,
    rels: Spiller<'p>,
    scratch: Vec<u8>,
    slots: Vec<Option<(usize, usize)>>,
    labels_buf: Vec<u8>,
}

/// Reads input `i`; returns its data rows.
pub fn read_input(ld: &Load<'_>, i: usize, input: &Input) -> io::Result<u64> {
    let m = &input.map;
    let attrs = m.table().map(attributes).unwrap_or_default();
    let cx = FileCtx {
        ld,
        i,
        input,
        wanted: wanted(m),
        attrs,
        rel_attrs: RelKind::ALL
            .iter()
            .map(|&r| attributes(Table::Rel(r)).len())
            .collect(),
    };
    let mut reader = match open_input(&cx) {
        Ok(r) => r,
        Err(rows) => return Ok(rows),
    };
    let mut out = RowOut {
        nodes: Spiller::new(ld.nodes, ld.spill_limit),
        rels: Spiller::new(ld.rels, ld.spill_limit),
        scratch: Vec::new(),
        slots: vec![None; cx.attrs.len()],
        labels_buf: Vec::new(),
    };
    let mut rec = Record::default();
    let mut rows = 0u64;
    let mut since = 0u64;
    loop {
        if since >= 4096 {
            ld.rows.fetch_add(since, Ordering::Relaxed);
            since = 0;
            if ld.errors.stopped() {
                break;
            }
        }
        match reader.next(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                if e.pos.is_none() {
                    ld.errors.unreadable(
                        i,
                        format!(
                            "{}: {}; the rest of the file cannot be read",
                            cx.place(None),
                            e.msg
                        ),
                    );
                    break;
                }
                rows += 1;
                ld.errors.bad(
                    i,
                    e.pos.unwrap_or(u64::MAX),
                    format!("{}: {}", cx.place(e.pos), e.msg),
                    1,
                );
                continue;
            }
        }
        rows += 1;
        since += 1;
        match encode_row(&cx, &rec, &mut out) {
            Ok((true, k, before)) => out.nodes.wrote(k, before)?,
            Ok((false, k, before)) => out.rels.wrote(k, before)?,
            Err(msg) => {
                ld.errors
                    .bad(i, rec.pos, format!("{}: {msg}", cx.place(Some(rec.pos))), 1);
            }
        }
    }
    ld.rows.fetch_add(since, Ordering::Relaxed);
    out.nodes.flush()?;
    out.rels.flush()?;
    Ok(rows)
}

/// Opens the file for its wanted columns; a file that cannot be used is
/// recorded as bad input and `Err` carries the rows it leaves out.
fn open_input(cx: &FileCtx<'_>) -> Result<Box<dyn read::Records>, u64> {
    let m = &cx.input.map;
    match read::open(&m.path, &cx.wanted.names) {
        Ok(r) => Ok(r),
        Err(e) if e.pos.is_none() => {
            cx.ld.errors.unreadable(
                cx.i,
                format!(
                    "{}: {} (mapped by {} {})",
                    cx.place(None),
                    e.msg,
                    cx.input.mapping.display(),
                    m.key
                ),
            );
            Err(0)
        }
        Err(e) => {
            // The whole file is unusable: every row of it is left out.
            let rows = count_rows(&m.path);
            cx.ld.errors.bad(
                cx.i,
                e.pos.unwrap_or(0),
                format!(
                    "{}: {} (mapped by {} {}); its {rows} rows were not ingested",
                    cx.place(e.pos),
                    e.msg,
                    cx.input.mapping.display(),
                    m.key
                ),
                rows,
            );
            Err(rows)
        }
    }
}

/// Column `k` of the record as text (`None` when absent).
fn text<'r>(rec: &'r Record, names: &[&str], k: usize) -> Result<Option<&'r str>, String> {
    match rec.bytes(k) {
        None => Ok(None),
        Some(b) => std::str::from_utf8(b)
            .map(Some)
            .map_err(|_| format!("column '{}' is not valid UTF-8", names[k])),
    }
}

/// Types one row's key, observed_at and attributes and encodes it into its
/// partition's spill buffer: `(is a node, partition, buffer length before)`,
/// or the message of bad input.
fn encode_row(
    cx: &FileCtx<'_>,
    rec: &Record,
    out: &mut RowOut<'_>,
) -> Result<(bool, usize, usize), String> {
    let (m, w) = (&cx.input.map, &cx.wanted);
    let want = &w.names;
    let key = text(rec, want, 0)?
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| format!("the key column '{}' is empty", want[0]))?;
    fits(&format!("the key column '{}'", want[0]), key.len())?;
    let observed = match w.observed_at {
        None => NO_TIME,
        Some(k) => match text(rec, want, k)? {
            None => NO_TIME,
            Some(t) if t.trim().is_empty() => NO_TIME,
            Some(t) => parse_datetime(t.trim())
                .map_err(|e| format!("column '{}' (observed_at): {e}", want[k]))?,
        },
    };
    out.scratch.clear();
    out.slots.iter_mut().for_each(|s| *s = None);
    for (j, a) in m.attrs.iter().enumerate() {
        let (name, ty) = cx.attrs[a.slot];
        if let Some(mut t) = text(rec, want, w.first_attr + j)? {
            if let Some(map) = &a.values {
                if t.trim().is_empty() {
                    continue;
                }
                t = map.get(t.trim()).ok_or_else(|| {
                    format!(
                        "column '{}' ({name}): '{t}' is not one of the values {} lists",
                        a.column,
                        a.key.replace(".columns.", ".values.")
                    )
                })?;
            }
            let before = out.scratch.len();
            if canonical(ty, t, &mut out.scratch)
                .map_err(|e| format!("column '{}' ({name}{}): {e}", a.column, suffix(ty)))?
            {
                fits(
                    &format!("column '{}' ({name}{})", a.column, suffix(ty)),
                    out.scratch.len() - before,
                )?;
                out.slots[a.slot] = Some((before, out.scratch.len()));
            }
        }
    }
    match &m.holds {
        Holds::Table(Table::Node(kind)) => encode_node(cx, rec, out, (*kind, key, observed)),
        Holds::Table(Table::Rel(family)) => {
            encode_rel(cx, rec, out, (*family, key, observed), false)
        }
        Holds::CiRels(c) => {
            let col = |k: usize| -> Result<&str, String> {
                Ok(text(rec, want, w.ci_at + k)?.unwrap_or(""))
            };
            let (family, reverse) = c.family([col(1)?, col(2)?], col(0)?)?;
            encode_rel(cx, rec, out, (family, key, observed), reverse)
        }
    }
}

/// A node report: item hash, kind, rank, observed_at, input, position, key,
/// labels and the attribute values, to the item's partition.
fn encode_node(
    cx: &FileCtx<'_>,
    rec: &Record,
    out: &mut RowOut<'_>,
    (kind, key, observed): (NodeKind, &str, i64),
) -> Result<(bool, usize, usize), String> {
    let want = &cx.wanted.names;
    let labels_at = cx.wanted.labels_at;
    out.labels_buf.clear();
    let labels = match labels_at.map(|k| text(rec, want, k)).transpose()?.flatten() {
        Some(l) => {
            let some = canonical(PropType::StringArray, l, &mut out.labels_buf)?;
            fits(
                &format!("column '{}' (labels)", want[labels_at.unwrap_or(0)]),
                out.labels_buf.len(),
            )?;
            some.then_some(())
        }
        None => None,
    };
    let h = key_hash(kind, key);
    let k = partition_of(h, cx.ld.nodes.len());
    let e = out.nodes.enc(k);
    let before = e.buf.len();
    let at = e.begin();
    e.u128(h);
    e.u8(kind_index(kind));
    e.u8(cx.input.rank);
    e.i64(observed);
    e.u32(crate::cast::small(cx.i));
    e.u64(rec.pos);
    e.bytes(key.as_bytes());
    e.opt(labels.map(|_| out.labels_buf.as_slice()));
    for s in &out.slots {
        e.opt(s.map(|(a, b)| &out.scratch[a..b]));
    }
    e.end(at);
    Ok((true, k, before))
}

/// A relationship report: family, start hash and key, end hash and key,
/// rank, observed_at, input, position and the attribute values, to the
/// start's partition.
fn encode_rel(
    cx: &FileCtx<'_>,
    rec: &Record,
    out: &mut RowOut<'_>,
    (family, key, observed): (RelKind, &str, i64),
    reverse: bool,
) -> Result<(bool, usize, usize), String> {
    let want = &cx.wanted.names;
    let spec = family.spec();
    let end = text(rec, want, 1)?
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| format!("the end key column '{}' is empty", want[1]))?;
    fits(&format!("the end key column '{}'", want[1]), end.len())?;
    // A reversed `parent,child,type` row: the child is the model's start.
    let (key, end) = if reverse { (end, key) } else { (key, end) };
    let hs = key_hash(spec.start, key);
    let he = key_hash(spec.end, end);
    let k = partition_of(hs, cx.ld.rels.len());
    let e = out.rels.enc(k);
    let before = e.buf.len();
    let at = e.begin();
    e.u8(rel_index(family));
    e.u128(hs);
    e.bytes(key.as_bytes());
    e.u128(he);
    e.bytes(end.as_bytes());
    e.u8(cx.input.rank);
    e.i64(observed);
    e.u32(crate::cast::small(cx.i));
    e.u64(rec.pos);
    for s in &out.slots {
        e.opt(s.map(|(a, b)| &out.scratch[a..b]));
    }
    // A `parent,child,type` row maps no attributes: its family's are empty.
    for _ in out.slots.len()..cx.rel_attrs[family.index()] {
        e.opt(None);
    }
    e.end(at);
    Ok((false, k, before))
}

/// A value of `len` bytes must fit in one field of neo4j-admin's default
/// read buffer (`--read-buffer-size`, 4 MiB), which validate checks too: a
/// longer one is bad input here rather than a bundle the import refuses.
fn fits(what: &str, len: usize) -> Result<(), String> {
    let max = crate::validate::reader::MAX_FIELD;
    if len > max {
        return Err(format!(
            "{what}: the value is {len} bytes, more than the {} MiB neo4j-admin reads as one field (its default --read-buffer-size)",
            max >> 20
        ));
    }
    Ok(())
}

/// The `:type` suffix of a column type, for messages.
fn suffix(t: PropType) -> String {
    t.header_suffix()
        .map(|s| format!(":{s}"))
        .unwrap_or_default()
}
