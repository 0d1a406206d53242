//! The checkpoint: which batches of which tables are committed, written
//! atomically after every committed batch. Rerunning the same command skips
//! exactly those batches; a batch committed but not yet recorded (a crash
//! between the two) is sent again, which MERGE makes harmless.

use super::Summary;
use crate::write::AtomicFile;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

/// The default checkpoint file name, in the applied folder.
pub const FILE: &str = "apply-state.json";

/// Progress of one table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableState {
    /// Batches `0..batches` are all committed.
    pub batches: u64,
    /// Committed batches past that prefix (only with several workers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<u64>,
    /// Rows in the committed batches.
    pub rows: u64,
    /// Every batch of the table is committed.
    #[serde(default)]
    pub complete: bool,
}

/// The checkpoint of applying one folder to one database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Always `cmdbgen apply`.
    pub tool: String,
    /// The fingerprint of the applied folder's manifest.
    pub source: String,
    /// The target: URI and database.
    pub target: String,
    /// Rows per batch: batch numbers refer to this size (a run with another
    /// size keeps only the complete tables).
    pub batch_size: u64,
    /// Per table (`op/name`).
    pub tables: BTreeMap<String, TableState>,
    /// Everything is applied.
    pub complete: bool,
    /// How many runs wrote this state.
    pub runs: u64,
    /// The summary of the latest run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run: Option<Summary>,
}

impl State {
    /// A fresh state.
    pub fn new(source: &str, target: &str, batch_size: u64) -> State {
        State {
            tool: "cmdbgen apply".into(),
            source: source.into(),
            target: target.into(),
            batch_size,
            tables: BTreeMap::new(),
            complete: false,
            runs: 0,
            last_run: None,
        }
    }

    /// Reads a state file; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<State>> {
        match fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .with_context(|| format!("{} is not a cmdbgen apply checkpoint", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes the state atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(self)?;
        json.push(b'\n');
        let mut f = AtomicFile::create_with(path, crate::write::FileOptions::UNSYNCED)?;
        f.write_all(&json)?;
        f.commit()
            .with_context(|| format!("writing the checkpoint {}", path.display()))?;
        Ok(())
    }

    /// Whether batch `seq` of `table` is committed.
    pub fn is_done(&self, table: &str, seq: u64) -> bool {
        self.tables
            .get(table)
            .is_some_and(|t| t.complete || seq < t.batches || t.extra.binary_search(&seq).is_ok())
    }

    /// Whether all of `table` is committed.
    pub fn table_complete(&self, table: &str) -> bool {
        self.tables.get(table).is_some_and(|t| t.complete)
    }

    /// Records batch `seq` of `table` (with `rows` rows) as committed.
    pub fn mark(&mut self, table: &str, seq: u64, rows: u64) {
        let t = self.tables.entry(table.to_string()).or_default();
        if seq < t.batches || t.extra.binary_search(&seq).is_ok() {
            return;
        }
        t.rows += rows;
        if seq == t.batches {
            t.batches += 1;
            while t.extra.first() == Some(&t.batches) {
                t.extra.remove(0);
                t.batches += 1;
            }
        } else if let Err(at) = t.extra.binary_search(&seq) {
            t.extra.insert(at, seq);
        }
    }

    /// Records all of `table` as committed.
    pub fn finish_table(&mut self, table: &str) {
        self.tables.entry(table.to_string()).or_default().complete = true;
    }

    /// Rows recorded as committed.
    pub fn rows(&self) -> u64 {
        self.tables.values().map(|t| t.rows).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_batches_fold_into_the_prefix() {
        let mut s = State::new("fp", "bolt://x", 10);
        s.mark("nodes/Server", 1, 10);
        s.mark("nodes/Server", 3, 10);
        assert!(!s.is_done("nodes/Server", 0));
        assert!(s.is_done("nodes/Server", 1));
        s.mark("nodes/Server", 0, 10);
        s.mark("nodes/Server", 0, 10); // twice: counted once
        let t = &s.tables["nodes/Server"];
        assert_eq!((t.batches, t.extra.clone(), t.rows), (2, vec![3], 30));
        s.mark("nodes/Server", 2, 5);
        let t = &s.tables["nodes/Server"];
        assert_eq!((t.batches, t.extra.len(), t.rows), (4, 0, 35));
        assert!(!s.table_complete("nodes/Server"));
        s.finish_table("nodes/Server");
        assert!(s.is_done("nodes/Server", 99));
    }

    #[test]
    fn saves_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE);
        assert!(State::load(&p).unwrap().is_none());
        let mut s = State::new("fp", "bolt://x", 10);
        s.mark("a", 0, 3);
        s.save(&p).unwrap();
        assert_eq!(State::load(&p).unwrap(), Some(s));
        std::fs::write(&p, "{").unwrap();
        assert!(State::load(&p).is_err());
    }
}
