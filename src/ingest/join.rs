//! Steps 2 to 4, one partition at a time: merge the node reports of each
//! item with the rules of `crate::merge`, then join the relationship reports
//! to their start (pass A, by start) and to their end (pass B, by end). An
//! end no source reports is bad input. Rows are written sorted by hash and
//! id within a partition, so the output does not depend on threads, input
//! order or the number of partitions.

use super::errors::Errors;
use super::load::{Input, NO_TIME};
use super::mapping::{attributes, SOURCE_RECORD};
use super::output::{PartitionOut, Runs};
use super::spill::{partition_of, records, Dec, Enc, Partitions, Spiller};
use super::value::{canonical_id, source_record_id};
use crate::merge::{attribute_winner, is_conflict, record_winner, Reporter, Strategy, Summary};
use crate::model::{ColKind, NodeKind, PropType, RelKind, Table};
use crate::write::csv::put_datetime;
use std::io::{self, Write};

/// How an output column is filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// The canonical id.
    Id,
    /// The labels.
    Label,
    /// The natural key (`name` of a configuration item).
    Name,
    /// The winning source.
    Source,
    /// Every reporting source, most trusted first.
    Sources,
    /// The winner's observation time.
    Observed,
    /// Attribute `slot` of [`attributes`].
    Attr(usize),
    /// A relationship's start id.
    Start,
    /// A relationship's end id.
    End,
    /// A SourceRecord's item kind.
    ItemKind,
    /// A SourceRecord's item id.
    ItemId,
    /// A SourceRecord's reported values, as JSON.
    Attributes,
    /// A column ingest has no value for.
    Null,
}

/// How each column of `table` is filled, by the column's name: written
/// against whatever columns `crate::model` declares.
pub fn fills(table: Table) -> Vec<Fill> {
    let attrs = attributes(table);
    let ci = matches!(table, Table::Node(k) if k.is_ci());
    table
        .columns(super::PROVENANCE)
        .iter()
        .map(|c| match c.kind {
            ColKind::Id => Fill::Id,
            ColKind::Label => Fill::Label,
            ColKind::StartId => Fill::Start,
            ColKind::EndId => Fill::End,
            ColKind::Prop(_) => match c.name {
                "source" => Fill::Source,
                "sources" => Fill::Sources,
                "observed_at" => Fill::Observed,
                "name" if ci => Fill::Name,
                "item_kind" => Fill::ItemKind,
                "item_id" => Fill::ItemId,
                "attributes" => Fill::Attributes,
                n => attrs
                    .iter()
                    .position(|(a, _)| *a == n)
                    .map_or(Fill::Null, Fill::Attr),
            },
        })
        .collect()
}

/// The keep-all tables of a kind, when the model has them.
pub fn keep_all_tables(kind: NodeKind) -> Option<(Table, Table)> {
    let sr = NodeKind::from_name(SOURCE_RECORD)?;
    let rel = RelKind::from_name(&format!("{}-REPORTED_BY-{SOURCE_RECORD}", kind.name()))?;
    Some((Table::Node(sr), Table::Rel(rel)))
}

/// What every partition's work shares.
pub struct Ctx<'a> {
    /// The merge strategy.
    pub strategy: Strategy,
    /// Source names by rank.
    pub sources: &'a [String],
    /// The input files.
    pub inputs: &'a [Input],
    /// Bad input.
    pub errors: &'a Errors,
    /// Output rows.
    pub runs: &'a Runs,
    /// Node meta per partition (written by the node merge).
    pub meta: &'a Partitions,
    /// Bytes a spiller may hold.
    pub spill_limit: usize,
}

impl Ctx<'_> {
    fn sources_text(&self, mask: u64, out: &mut Vec<u8>) {
        let mut first = true;
        for (r, name) in self.sources.iter().enumerate() {
            if mask & (1 << r) != 0 {
                if !first {
                    out.push(b';');
                }
                first = false;
                out.extend_from_slice(name.as_bytes());
            }
        }
    }

    fn place(&self, input: u32, pos: u64) -> String {
        let i = &self.inputs[input as usize];
        i.format.at(&i.map.path, pos)
    }
}

/// One node report, as spilled by `load`.
struct NodeRep<'a> {
    h: u128,
    kind: u8,
    rank: u8,
    observed: i64,
    input: u32,
    pos: u64,
    key: &'a [u8],
    labels: Option<&'a [u8]>,
    attrs: Dec<'a>,
}

fn node_rep(b: &[u8]) -> NodeRep<'_> {
    let mut d = Dec::new(b);
    NodeRep {
        h: d.u128(),
        kind: d.u8(),
        rank: d.u8(),
        observed: d.i64(),
        input: d.u32(),
        pos: d.u64(),
        key: d.bytes(),
        labels: d.opt(),
        attrs: d,
    }
}

/// A merged item's identity and winner, for the relationship joins.
struct Meta<'a> {
    h: u128,
    id: &'a [u8],
    rank: u8,
    mask: u64,
    observed: i64,
}

fn read_meta(buf: &[u8]) -> Vec<Meta<'_>> {
    let mut v: Vec<Meta<'_>> = records(buf)
        .map(|r| {
            let mut d = Dec::new(r);
            Meta {
                h: d.u128(),
                id: d.bytes(),
                rank: d.u8(),
                mask: d.u64(),
                observed: d.i64(),
            }
        })
        .collect();
    v.sort_unstable_by(|a, b| (a.h, a.id).cmp(&(b.h, b.id)));
    v
}

fn find<'m>(meta: &'m [Meta<'m>], h: u128, id: &[u8]) -> Option<&'m Meta<'m>> {
    meta.binary_search_by(|m| (m.h, m.id).cmp(&(h, id)))
        .ok()
        .map(|i| &meta[i])
}

/// A row being built: one optional value per column.
#[derive(Default)]
struct Row {
    buf: Vec<u8>,
    cells: Vec<Option<(usize, usize)>>,
}

impl Row {
    fn start(&mut self) {
        self.buf.clear();
        self.cells.clear();
    }
    fn none(&mut self) {
        self.cells.push(None);
    }
    fn put(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        let a = self.buf.len();
        f(&mut self.buf);
        self.cells.push(Some((a, self.buf.len())));
    }
    fn put_opt(&mut self, v: Option<&[u8]>) {
        match v {
            Some(b) => self.put(|o| o.extend_from_slice(b)),
            None => self.none(),
        }
    }
}

fn put_time(t: i64, row: &mut Row) {
    if t == NO_TIME {
        row.none();
    } else {
        row.put(|o| put_datetime(t, o));
    }
}

/// A JSON object of a report's values, in column order, empty ones left out.
/// Numbers are written in their canonical text (`999.20`, as `generate`
/// writes them), so both paths give the same bytes.
fn attributes_json(table: Table, values: &[Option<&[u8]>], out: &mut Vec<u8>) {
    let string = |t: &str, out: &mut Vec<u8>| {
        out.extend_from_slice(
            serde_json::Value::String(t.to_string())
                .to_string()
                .as_bytes(),
        )
    };
    out.push(b'{');
    let mut first = true;
    for ((name, ty), v) in attributes(table).into_iter().zip(values) {
        let Some(v) = v else { continue };
        if !first {
            out.push(b',');
        }
        first = false;
        string(name, out);
        out.push(b':');
        let text = String::from_utf8_lossy(v);
        match ty {
            PropType::Int | PropType::Long | PropType::Double => {
                if text.parse::<serde_json::Number>().is_ok() {
                    out.extend_from_slice(text.as_bytes());
                } else {
                    string(&text, out);
                }
            }
            PropType::Boolean => {
                out.extend_from_slice(if text == "true" { b"true" } else { b"false" })
            }
            PropType::StringArray => {
                out.push(b'[');
                for (n, s) in text.split(';').enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    string(s, out);
                }
                out.push(b']');
            }
            PropType::String | PropType::DateTime => string(&text, out),
        }
    }
    out.push(b'}');
}

/// Merges node partition `k`: writes the merged rows (and keep-all rows),
/// the partition's meta for the joins, and returns its summary.
pub fn merge_nodes(cx: &Ctx<'_>, parts: &Partitions, k: usize) -> io::Result<Summary> {
    let data = parts.read(k)?;
    let mut reps: Vec<NodeRep<'_>> = records(&data).map(node_rep).collect();
    reps.sort_unstable_by(|a, b| {
        (a.h, a.kind, a.key, a.rank, a.input, a.pos)
            .cmp(&(b.h, b.kind, b.key, b.rank, b.input, b.pos))
    });
    let mut summary = Summary::new(cx.strategy);
    let mut out = cx.runs.partition(k);
    let mut meta = Enc::default();
    let mut row = Row::default();
    let mut reporters: Vec<Reporter> = Vec::new();
    let mut values: Vec<Vec<Option<&[u8]>>> = Vec::new();
    let mut column: Vec<Option<&[u8]>> = Vec::new();
    let mut i = 0;
    while i < reps.len() {
        let mut j = i + 1;
        while j < reps.len()
            && (reps[j].h, reps[j].kind, reps[j].key) == (reps[i].h, reps[i].kind, reps[i].key)
        {
            j += 1;
        }
        let group = &reps[i..j];
        i = j;
        let kind = NodeKind::ALL[usize::from(group[0].kind).min(NodeKind::ALL.len() - 1)];
        let table = Table::Node(kind);
        let attrs = attributes(table);
        let key = String::from_utf8_lossy(group[0].key);
        let id = canonical_id(kind, &key, group[0].h);
        reporters.clear();
        reporters.extend(group.iter().map(|r| Reporter {
            rank: u32::from(r.rank),
            observed_at: r.observed,
        }));
        values.clear();
        for r in group {
            let mut d = r.attrs;
            values.push((0..attrs.len()).map(|_| d.opt()).collect());
        }
        let win = record_winner(cx.strategy, &reporters).unwrap_or(0);
        let winner = &group[win];
        let mask = group.iter().fold(0u64, |m, r| m | (1u64 << r.rank));
        let name = |rank: u8| cx.sources[usize::from(rank)].as_str();
        let mut tally = summary.record(kind.name(), group.len());
        column.clear();
        column.extend(group.iter().map(|r| r.labels));
        let labels = attribute_winner(cx.strategy, &reporters, &column).and_then(|w| column[w]);
        if is_conflict(&column) {
            if let Some(w) = attribute_winner(cx.strategy, &reporters, &column) {
                tally.conflict(":LABEL", name(group[w].rank));
            }
        }
        let mut merged: Vec<Option<&[u8]>> = Vec::with_capacity(attrs.len());
        for (s, (attr, _)) in attrs.iter().enumerate() {
            column.clear();
            column.extend(values.iter().map(|v| v[s]));
            let w = attribute_winner(cx.strategy, &reporters, &column);
            if w.is_some() && is_conflict(&column) {
                tally.conflict(attr, name(group[w.unwrap_or(0)].rank));
            }
            merged.push(w.and_then(|w| column[w]));
        }
        let default_labels = kind.label_sets().first().map(|l| l.join(";"));
        row.start();
        for f in fills(table) {
            match f {
                Fill::Id => row.put(|o| o.extend_from_slice(id.as_bytes())),
                Fill::Label => match labels {
                    Some(l) => row.put(|o| o.extend_from_slice(l)),
                    None => row.put_opt(default_labels.as_deref().map(str::as_bytes)),
                },
                Fill::Name => row.put(|o| o.extend_from_slice(group[0].key)),
                Fill::Source => row.put(|o| o.extend_from_slice(name(winner.rank).as_bytes())),
                Fill::Sources => row.put(|o| cx.sources_text(mask, o)),
                Fill::Observed => put_time(winner.observed, &mut row),
                Fill::Attr(s) => row.put_opt(merged.get(s).copied().flatten()),
                _ => row.none(),
            }
        }
        out.write(table, &row.buf, &row.cells)?;
        let at = meta.begin();
        meta.u128(group[0].h);
        meta.bytes(id.as_bytes());
        meta.u8(winner.rank);
        meta.u64(mask);
        meta.i64(winner.observed);
        meta.end(at);
        if cx.strategy == Strategy::KeepAll {
            if let Some(tables) = keep_all_tables(kind) {
                let item = (kind, id.as_str());
                source_records(cx, (&mut out, &mut row), tables, item, group, &values)?;
            }
        }
    }
    out.finish()?;
    cx.meta.write_whole(k, &meta.buf)?;
    parts.remove(k);
    Ok(summary)
}

/// Keep-all's rows for one merged item: one `SourceRecord` per source (its
/// first report, with all its attributes as JSON) and the `REPORTED_BY`
/// relationship from the item to it.
fn source_records(
    cx: &Ctx<'_>,
    (out, row): (&mut PartitionOut<'_>, &mut Row),
    (sr, by): (Table, Table),
    (kind, id): (NodeKind, &str),
    group: &[NodeRep<'_>],
    values: &[Vec<Option<&[u8]>>],
) -> io::Result<()> {
    let table = Table::Node(kind);
    let name = |rank: u8| cx.sources[usize::from(rank)].as_str();
    // One SourceRecord per source: its first report.
    let mut seen = 0u64;
    for (r, vals) in group.iter().zip(values) {
        if seen & (1 << r.rank) != 0 {
            continue;
        }
        seen |= 1 << r.rank;
        let src = name(r.rank);
        let sr_id = source_record_id(src, id);
        row.start();
        for f in fills(sr) {
            match f {
                Fill::Id => row.put(|o| o.extend_from_slice(sr_id.as_bytes())),
                Fill::Label => row.put(|o| o.extend_from_slice(SOURCE_RECORD.as_bytes())),
                Fill::Source | Fill::Sources => row.put(|o| o.extend_from_slice(src.as_bytes())),
                Fill::Observed => put_time(r.observed, row),
                Fill::ItemKind => row.put(|o| o.extend_from_slice(kind.name().as_bytes())),
                Fill::ItemId => row.put(|o| o.extend_from_slice(id.as_bytes())),
                Fill::Attributes => row.put(|o| attributes_json(table, vals, o)),
                _ => row.none(),
            }
        }
        out.write(sr, &row.buf, &row.cells)?;
        row.start();
        for f in fills(by) {
            match f {
                Fill::Start => row.put(|o| o.extend_from_slice(id.as_bytes())),
                Fill::End => row.put(|o| o.extend_from_slice(sr_id.as_bytes())),
                Fill::Source | Fill::Sources => row.put(|o| o.extend_from_slice(src.as_bytes())),
                Fill::Observed => put_time(r.observed, row),
                _ => row.none(),
            }
        }
        out.write(by, &row.buf, &row.cells)?;
    }
    Ok(())
}

/// One relationship report, as spilled by `load`.
struct RelRep<'a> {
    family: u8,
    hs: u128,
    start: &'a [u8],
    he: u128,
    end: &'a [u8],
    rank: u8,
    observed: i64,
    input: u32,
    pos: u64,
    props: Dec<'a>,
}

fn rel_rep(b: &[u8]) -> RelRep<'_> {
    let mut d = Dec::new(b);
    RelRep {
        family: d.u8(),
        hs: d.u128(),
        start: d.bytes(),
        he: d.u128(),
        end: d.bytes(),
        rank: d.u8(),
        observed: d.i64(),
        input: d.u32(),
        pos: d.u64(),
        props: d,
    }
}

fn family(i: u8) -> RelKind {
    RelKind::ALL[usize::from(i).min(RelKind::ALL.len() - 1)]
}

/// Pass A over relationship partition `k` (by start): merges the reports of
/// each relationship and checks that its start exists. The merged
/// relationship, with its start's record, goes to `pending` partition `k`
/// (in output order, numbered); a small check of its end goes to the end's
/// partition in `ends`.
pub fn join_starts(
    cx: &Ctx<'_>,
    parts: &Partitions,
    ends: &Partitions,
    pending: &Partitions,
    k: usize,
) -> io::Result<()> {
    let data = parts.read(k)?;
    let meta_buf = cx.meta.read(k)?;
    let meta = read_meta(&meta_buf);
    let mut reps: Vec<RelRep<'_>> = records(&data).map(rel_rep).collect();
    reps.sort_unstable_by(|a, b| {
        (a.hs, a.start, a.family, a.he, a.end, a.rank, a.input, a.pos)
            .cmp(&(b.hs, b.start, b.family, b.he, b.end, b.rank, b.input, b.pos))
    });
    let mut spill = Spiller::new(ends, cx.spill_limit);
    let mut out = pending.writer(k)?;
    let mut e = Enc::default();
    let mut seq = 0u64;
    let mut reporters: Vec<Reporter> = Vec::new();
    let mut column: Vec<Option<&[u8]>> = Vec::new();
    let mut i = 0;
    while i < reps.len() {
        let mut j = i + 1;
        let same = |a: &RelRep<'_>, b: &RelRep<'_>| {
            (a.hs, a.start, a.family, a.he, a.end) == (b.hs, b.start, b.family, b.he, b.end)
        };
        while j < reps.len() && same(&reps[j], &reps[i]) {
            j += 1;
        }
        let group = &reps[i..j];
        i = j;
        let fam = family(group[0].family);
        let spec = fam.spec();
        let skey = String::from_utf8_lossy(group[0].start);
        let ekey = String::from_utf8_lossy(group[0].end);
        let sid = canonical_id(spec.start, &skey, group[0].hs);
        let eid = canonical_id(spec.end, &ekey, group[0].he);
        let Some(start) = find(&meta, group[0].hs, sid.as_bytes()) else {
            for r in group {
                cx.errors.bad(
                    r.input as usize,
                    r.pos,
                    format!(
                        "{}: relationship {fam}: its start {} '{skey}' is not reported by any source",
                        cx.place(r.input, r.pos),
                        spec.start
                    ),
                    1,
                );
            }
            continue;
        };
        let attrs = attributes(Table::Rel(fam));
        reporters.clear();
        reporters.extend(group.iter().map(|r| Reporter {
            rank: u32::from(r.rank),
            observed_at: r.observed,
        }));
        let values: Vec<Vec<Option<&[u8]>>> = group
            .iter()
            .map(|r| {
                let mut d = r.props;
                (0..attrs.len()).map(|_| d.opt()).collect()
            })
            .collect();
        let mut conflicts: Vec<(u32, u8)> = Vec::new();
        let mut merged: Vec<Option<&[u8]>> = Vec::new();
        for s in 0..attrs.len() {
            column.clear();
            column.extend(values.iter().map(|v| v[s]));
            let w = attribute_winner(cx.strategy, &reporters, &column);
            if let (Some(w), true) = (w, is_conflict(&column)) {
                conflicts.push((crate::cast::small(s), group[w].rank));
            }
            merged.push(w.and_then(|w| column[w]));
        }
        e.buf.clear();
        let at = e.begin();
        e.u64(seq);
        e.u8(group[0].family);
        e.bytes(sid.as_bytes());
        e.bytes(eid.as_bytes());
        e.u8(start.rank);
        e.u64(start.mask);
        e.i64(start.observed);
        e.u32(crate::cast::small(group.len()));
        e.u32(crate::cast::small(conflicts.len()));
        for (s, r) in &conflicts {
            e.u32(*s);
            e.u8(*r);
        }
        for m in &merged {
            e.opt(*m);
        }
        e.end(at);
        out.write_all(&e.buf)?;
        let p = partition_of(group[0].he, ends.len());
        let c = spill.enc(p);
        let before = c.buf.len();
        let at = c.begin();
        c.u128(group[0].he);
        c.bytes(eid.as_bytes());
        c.bytes(group[0].end);
        c.u8(group[0].family);
        c.u32(crate::cast::small(k));
        c.u64(seq);
        c.u32(crate::cast::small(group.len()));
        for r in group {
            c.u32(r.input);
            c.u64(r.pos);
        }
        c.end(at);
        spill.wrote(p, before)?;
        seq += 1;
    }
    out.flush()?;
    spill.flush()?;
    parts.remove(k);
    Ok(())
}

/// Pass B over end partition `k`: streams the end checks (however many
/// relationships share one end) against the partition's items; a missing
/// end is bad input, and the relationship is rejected in `rejects`, by the
/// partition of its start.
pub fn check_ends(
    cx: &Ctx<'_>,
    ends: &Partitions,
    rejects: &Partitions,
    k: usize,
) -> io::Result<()> {
    let meta_buf = cx.meta.read(k)?;
    let meta = read_meta(&meta_buf);
    let mut spill = Spiller::new(rejects, cx.spill_limit);
    ends.each(k, |r| {
        let mut d = Dec::new(r);
        let he = d.u128();
        let eid = d.bytes();
        if find(&meta, he, eid).is_some() {
            return Ok(());
        }
        let ekey = String::from_utf8_lossy(d.bytes());
        let fam = family(d.u8());
        let part = d.u32() as usize;
        let seq = d.u64();
        for _ in 0..d.u32() {
            let (input, pos) = (d.u32(), d.u64());
            cx.errors.bad(
                input as usize,
                pos,
                format!(
                    "{}: relationship {fam}: its end {} '{ekey}' is not reported by any source",
                    cx.place(input, pos),
                    fam.spec().end,
                ),
                1,
            );
        }
        let e = spill.enc(part.min(rejects.len() - 1));
        let before = e.buf.len();
        let at = e.begin();
        e.u64(seq);
        e.end(at);
        spill.wrote(part.min(rejects.len() - 1), before)
    })?;
    spill.flush()?;
    ends.remove(k);
    Ok(())
}

/// Pass C over start partition `k`: writes the pending relationships that
/// no end check rejected, in order; returns their summary.
pub fn write_rels(
    cx: &Ctx<'_>,
    pending: &Partitions,
    rejects: &Partitions,
    k: usize,
) -> io::Result<Summary> {
    let rejected: Vec<u64> = {
        let buf = rejects.read(k)?;
        let mut v: Vec<u64> = records(&buf).map(|r| Dec::new(r).u64()).collect();
        v.sort_unstable();
        v
    };
    let mut summary = Summary::new(cx.strategy);
    let mut out = cx.runs.partition(k);
    let mut row = Row::default();
    pending.each(k, |r| {
        let mut d = Dec::new(r);
        if rejected.binary_search(&d.u64()).is_ok() {
            return Ok(());
        }
        let fam = family(d.u8());
        let table = Table::Rel(fam);
        let attrs = attributes(table);
        let sid = d.bytes();
        let eid = d.bytes();
        let rank = d.u8();
        let mask = d.u64();
        let observed = d.i64();
        let reports = d.u32();
        let n_conf = d.u32();
        let conflicts: Vec<(u32, u8)> = (0..n_conf).map(|_| (d.u32(), d.u8())).collect();
        let merged: Vec<Option<&[u8]>> = (0..attrs.len()).map(|_| d.opt()).collect();
        let name = fam.name();
        let mut tally = summary.record(&name, reports as usize);
        for (s, r) in conflicts {
            if let Some((attr, _)) = attrs.get(s as usize) {
                tally.conflict(attr, &cx.sources[usize::from(r)]);
            }
        }
        row.start();
        for f in fills(table) {
            match f {
                Fill::Start => row.put(|o| o.extend_from_slice(sid)),
                Fill::End => row.put(|o| o.extend_from_slice(eid)),
                Fill::Source => {
                    row.put(|o| o.extend_from_slice(cx.sources[usize::from(rank)].as_bytes()))
                }
                Fill::Sources => row.put(|o| cx.sources_text(mask, o)),
                Fill::Observed => put_time(observed, &mut row),
                Fill::Attr(s) => row.put_opt(merged.get(s).copied().flatten()),
                _ => row.none(),
            }
        }
        out.write(table, &row.buf, &row.cells)
    })?;
    out.finish()?;
    pending.remove(k);
    rejects.remove(k);
    Ok(summary)
}
