//! Cutting a table's rows into batches: one statement (and one transaction)
//! per batch. Node rows are grouped by label set, because labels must be
//! static in Cypher; a group is sent when it holds `size` rows, and the
//! partial groups at the end of the table in label order. The sequence of
//! batches depends only on the files and `size`, so batch `k` of a table is
//! the same in every run: that is what the checkpoint counts.

use super::source::{Row, TableRows};
use crate::changes::Op;
use anyhow::Result;
use neo4j::ValueSend;
use std::collections::{BTreeMap, HashMap};

/// One batch, ready to send.
#[derive(Debug)]
pub struct Batch {
    /// The table's index in the source.
    pub table: usize,
    /// The batch number within the table, from 0.
    pub seq: u64,
    /// Labels set on every node besides the MERGE label.
    pub labels: Vec<String>,
    /// The statement's parameters: `rows`.
    pub params: HashMap<String, ValueSend>,
    /// Where each row came from: (shard index, line).
    pub origin: Vec<(u32, u64)>,
    /// Bytes the rows took in the files.
    pub bytes: u64,
}

impl Batch {
    /// The rows.
    pub fn rows(&self) -> &[ValueSend] {
        match self.params.get("rows") {
            Some(ValueSend::List(rows)) => rows,
            _ => &[],
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.origin.len()
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.origin.is_empty()
    }
}

/// Parameters for a list of rows.
pub fn params(rows: Vec<ValueSend>) -> HashMap<String, ValueSend> {
    HashMap::from([("rows".to_string(), ValueSend::List(rows))])
}

#[derive(Default)]
struct Pending {
    rows: Vec<ValueSend>,
    origin: Vec<(u32, u64)>,
    bytes: u64,
}

/// Turns a table's rows into batches.
pub struct Batcher<'s> {
    rows: TableRows<'s>,
    table: usize,
    op: Op,
    label: String,
    size: usize,
    groups: BTreeMap<Vec<String>, Pending>,
    seq: u64,
    draining: bool,
}

fn s(v: String) -> ValueSend {
    ValueSend::String(v)
}

impl<'s> Batcher<'s> {
    /// Batches of at most `size` rows from `rows` of table number `table`,
    /// whose op is `op` and whose node label (ID group) is `label`.
    pub fn new(rows: TableRows<'s>, table: usize, op: Op, label: &str, size: usize) -> Self {
        Batcher {
            rows,
            table,
            op,
            label: label.to_string(),
            size: size.max(1),
            groups: BTreeMap::new(),
            seq: 0,
            draining: false,
        }
    }

    fn value(&self, row: Row) -> ValueSend {
        let Row {
            id,
            start,
            end,
            props,
            ..
        } = row;
        let props = ValueSend::Map(props);
        let map = match self.op {
            Op::Nodes | Op::Updates => vec![("id", s(id)), ("props", props)],
            Op::Relationships | Op::Moves => {
                vec![("src", s(start)), ("dst", s(end)), ("props", props)]
            }
            Op::Deletes => vec![("id", s(id))],
        };
        ValueSend::Map(map.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn emit(&mut self, labels: Vec<String>, p: Pending) -> Batch {
        let b = Batch {
            table: self.table,
            seq: self.seq,
            labels,
            params: params(p.rows),
            origin: p.origin,
            bytes: p.bytes,
        };
        self.seq += 1;
        b
    }

    /// The next batch, or `None` at the end of the table.
    pub fn next_batch(&mut self) -> Result<Option<Batch>> {
        loop {
            if self.draining {
                return Ok(self.groups.pop_first().map(|(l, p)| self.emit(l, p)));
            }
            let Some(row) = self.rows.next_row()? else {
                self.draining = true;
                continue;
            };
            let key = if self.op == Op::Nodes {
                let mut extra: Vec<String> = Vec::new();
                for l in &row.labels {
                    if *l != self.label && !extra.contains(l) {
                        extra.push(l.clone());
                    }
                }
                extra
            } else {
                Vec::new()
            };
            let (origin, bytes) = ((row.shard, row.line), row.bytes);
            let v = self.value(row);
            let g = self.groups.entry(key.clone()).or_default();
            g.rows.push(v);
            g.origin.push(origin);
            g.bytes += bytes;
            if g.rows.len() >= self.size {
                let p = self.groups.remove(&key).unwrap_or_default();
                return Ok(Some(self.emit(key, p)));
            }
        }
    }
}
