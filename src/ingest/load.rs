//! Step 1: read every export file once, type its values, key each report by
//! its canonical id, and spill it to its hash partition (node reports by
//! the item, relationship reports by their start).

use super::errors::Errors;
use super::mapping::{attributes, FileMap};
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
pub fn kind_index(k: NodeKind) -> u8 {
    k.index() as u8
}

/// Index of a family in [`RelKind::ALL`].
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

/// Reads input `i`; returns its data rows.
pub fn read_input(ld: &Load<'_>, i: usize, input: &Input) -> io::Result<u64> {
    let m = &input.map;
    let path = &m.path;
    let attrs = attributes(m.table);
    let mut want: Vec<&str> = vec![m.key_column.as_str()];
    if let Some(e) = &m.end_column {
        want.push(e);
    }
    let labels_at = m.labels.as_ref().map(|l| {
        want.push(l);
        want.len() - 1
    });
    let observed_at = m.observed_at.as_ref().map(|o| {
        want.push(o);
        want.len() - 1
    });
    let first_attr = want.len();
    for a in &m.attrs {
        want.push(&a.column);
    }
    let place = |pos: Option<u64>| match pos {
        Some(p) => input.format.at(path, p),
        None => path.display().to_string(),
    };
    let mut reader = match read::open(path, &want) {
        Ok(r) => r,
        Err(e) if e.pos.is_none() => {
            ld.errors.unreadable(
                i,
                format!(
                    "{}: {} (mapped by {} {})",
                    place(None),
                    e.msg,
                    input.mapping.display(),
                    m.key
                ),
            );
            return Ok(0);
        }
        Err(e) => {
            // The whole file is unusable: every row of it is left out.
            let rows = count_rows(path);
            ld.errors.bad(
                i,
                e.pos.unwrap_or(0),
                format!(
                    "{}: {} (mapped by {} {}); its {rows} rows were not ingested",
                    place(e.pos),
                    e.msg,
                    input.mapping.display(),
                    m.key
                ),
                rows,
            );
            return Ok(rows);
        }
    };
    let mut nodes = Spiller::new(ld.nodes, ld.spill_limit);
    let mut rels = Spiller::new(ld.rels, ld.spill_limit);
    let mut rec = Record::default();
    let mut scratch: Vec<u8> = Vec::new();
    let mut slots: Vec<Option<(usize, usize)>> = vec![None; attrs.len()];
    let mut labels_buf: Vec<u8> = Vec::new();
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
                            place(None),
                            e.msg
                        ),
                    );
                    break;
                }
                rows += 1;
                ld.errors.bad(
                    i,
                    e.pos.unwrap_or(u64::MAX),
                    format!("{}: {}", place(e.pos), e.msg),
                    1,
                );
                continue;
            }
        }
        rows += 1;
        since += 1;
        let text = |k: usize| -> Result<Option<&str>, String> {
            match rec.bytes(k) {
                None => Ok(None),
                Some(b) => std::str::from_utf8(b)
                    .map(Some)
                    .map_err(|_| format!("column '{}' is not valid UTF-8", want[k])),
            }
        };
        let result = (|| -> Result<(bool, usize, usize), String> {
            let key = text(0)?
                .filter(|k| !k.trim().is_empty())
                .ok_or_else(|| format!("the key column '{}' is empty", want[0]))?;
            fits(&format!("the key column '{}'", want[0]), key.len())?;
            let observed = match observed_at {
                None => NO_TIME,
                Some(k) => match text(k)? {
                    None => NO_TIME,
                    Some(t) if t.trim().is_empty() => NO_TIME,
                    Some(t) => parse_datetime(t.trim())
                        .map_err(|e| format!("column '{}' (observed_at): {e}", want[k]))?,
                },
            };
            scratch.clear();
            slots.iter_mut().for_each(|s| *s = None);
            for (j, a) in m.attrs.iter().enumerate() {
                let (name, ty) = attrs[a.slot];
                if let Some(t) = text(first_attr + j)? {
                    let before = scratch.len();
                    if canonical(ty, t, &mut scratch)
                        .map_err(|e| format!("column '{}' ({name}{}): {e}", a.column, suffix(ty)))?
                    {
                        fits(
                            &format!("column '{}' ({name}{})", a.column, suffix(ty)),
                            scratch.len() - before,
                        )?;
                        slots[a.slot] = Some((before, scratch.len()));
                    }
                }
            }
            let value = |s: &Option<(usize, usize)>| s.map(|(a, b)| &scratch[a..b]);
            match m.table {
                Table::Node(kind) => {
                    labels_buf.clear();
                    let labels = match labels_at.map(text).transpose()?.flatten() {
                        Some(l) => {
                            let some = canonical(PropType::StringArray, l, &mut labels_buf)?;
                            fits(
                                &format!("column '{}' (labels)", want[labels_at.unwrap_or(0)]),
                                labels_buf.len(),
                            )?;
                            some.then_some(())
                        }
                        None => None,
                    };
                    let h = key_hash(kind, key);
                    let k = partition_of(h, ld.nodes.len());
                    let e = nodes.enc(k);
                    let before = e.buf.len();
                    let at = e.begin();
                    e.u128(h);
                    e.u8(kind_index(kind));
                    e.u8(input.rank);
                    e.i64(observed);
                    e.u32(i as u32);
                    e.u64(rec.pos);
                    e.bytes(key.as_bytes());
                    e.opt(labels.map(|_| labels_buf.as_slice()));
                    for s in &slots {
                        e.opt(value(s));
                    }
                    e.end(at);
                    Ok((true, k, before))
                }
                Table::Rel(family) => {
                    let spec = family.spec();
                    let end = text(1)?
                        .filter(|k| !k.trim().is_empty())
                        .ok_or_else(|| format!("the end key column '{}' is empty", want[1]))?;
                    fits(&format!("the end key column '{}'", want[1]), end.len())?;
                    let hs = key_hash(spec.start, key);
                    let he = key_hash(spec.end, end);
                    let k = partition_of(hs, ld.rels.len());
                    let e = rels.enc(k);
                    let before = e.buf.len();
                    let at = e.begin();
                    e.u8(rel_index(family));
                    e.u128(hs);
                    e.bytes(key.as_bytes());
                    e.u128(he);
                    e.bytes(end.as_bytes());
                    e.u8(input.rank);
                    e.i64(observed);
                    e.u32(i as u32);
                    e.u64(rec.pos);
                    for s in &slots {
                        e.opt(value(s));
                    }
                    e.end(at);
                    Ok((false, k, before))
                }
            }
        })();
        match result {
            Ok((true, k, before)) => nodes.wrote(k, before)?,
            Ok((false, k, before)) => rels.wrote(k, before)?,
            Err(msg) => {
                ld.errors
                    .bad(i, rec.pos, format!("{}: {msg}", place(Some(rec.pos))), 1);
            }
        }
    }
    ld.rows.fetch_add(since, Ordering::Relaxed);
    nodes.flush()?;
    rels.flush()?;
    Ok(rows)
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
