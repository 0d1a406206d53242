//! Step 5: the merged rows, held in per-partition run files, become the
//! bundle: the header files, shards of a fixed number of rows cut from the
//! runs in partition order (so the shard layout does not depend on the
//! number of partitions), `import.args`, `import.sh` and the manifest, in the
//! layout and dialect of `generate` (the same `crate::write` pieces).

use super::spill::{records, Dec, Enc};
use super::PROVENANCE;
use crate::manifest::{self, Import, Neo4jNeeds, TableEntry, Totals};
use crate::merge::Summary;
use crate::model::{ColKind, Ids, PropType, Table};
use crate::plan::{Plan, Shard, TablePlan};
use crate::write::{self, csv as wcsv, parquet as wpq, AtomicFile, CsvSink, FileInfo, Format};
use arrow_array::{ArrayRef, RecordBatch};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The merged rows of every table, one run file per (table, partition).
pub struct Runs {
    dir: PathBuf,
    rows: Mutex<BTreeMap<(Table, usize), u64>>,
}

impl Runs {
    /// Runs under `dir`.
    pub fn new(dir: &Path) -> Runs {
        Runs {
            dir: dir.to_path_buf(),
            rows: Mutex::new(BTreeMap::new()),
        }
    }

    fn path(&self, table: Table, k: usize) -> PathBuf {
        self.dir.join(table.name()).join(format!("p{k:05}"))
    }

    /// The writer of partition `k`'s rows.
    pub fn partition(&self, k: usize) -> PartitionOut<'_> {
        PartitionOut {
            runs: self,
            k,
            open: BTreeMap::new(),
            enc: Enc::default(),
        }
    }

    /// Rows of `table` in each partition, in partition order.
    pub fn rows_of(&self, table: Table, parts: usize) -> Vec<u64> {
        let rows = self.rows.lock().map(|r| r.clone()).unwrap_or_default();
        (0..parts)
            .map(|k| rows.get(&(table, k)).copied().unwrap_or(0))
            .collect()
    }
}

/// Rows of one partition, by table.
pub struct PartitionOut<'r> {
    runs: &'r Runs,
    k: usize,
    open: BTreeMap<Table, (BufWriter<File>, u64)>,
    enc: Enc,
}

impl PartitionOut<'_> {
    /// Appends a row (cells are ranges of `buf`).
    pub fn write(
        &mut self,
        table: Table,
        buf: &[u8],
        cells: &[Option<(usize, usize)>],
    ) -> io::Result<()> {
        if !self.open.contains_key(&table) {
            let p = self.runs.path(table, self.k);
            if let Some(d) = p.parent() {
                fs::create_dir_all(d)?;
            }
            let f = File::create(&p)
                .map_err(|e| io::Error::new(e.kind(), format!("creating {}: {e}", p.display())))?;
            self.open
                .insert(table, (BufWriter::with_capacity(1 << 16, f), 0));
        }
        let Some((w, n)) = self.open.get_mut(&table) else {
            return Err(io::Error::other("internal error: a run writer vanished"));
        };
        self.enc.buf.clear();
        let at = self.enc.begin();
        for c in cells {
            self.enc.opt(c.map(|(a, b)| &buf[a..b]));
        }
        self.enc.end(at);
        w.write_all(&self.enc.buf)?;
        *n += 1;
        Ok(())
    }

    /// Flushes every run and records its row count.
    pub fn finish(self) -> io::Result<()> {
        let mut counts = Vec::new();
        for (t, (mut w, n)) in self.open {
            w.flush()?;
            counts.push((t, n));
        }
        let mut rows = self
            .runs
            .rows
            .lock()
            .map_err(|_| io::Error::other("a lock was poisoned"))?;
        for (t, n) in counts {
            rows.insert((t, self.k), n);
        }
        Ok(())
    }
}

/// Rows `skip..skip+take` of a table, read from its runs in partition order.
fn for_rows(
    runs: &Runs,
    table: Table,
    per_part: &[u64],
    mut skip: u64,
    mut take: u64,
    mut f: impl FnMut(&[Option<&[u8]>]) -> io::Result<()>,
) -> io::Result<()> {
    let ncols = table.columns(PROVENANCE).len();
    for (k, &n) in per_part.iter().enumerate() {
        if take == 0 {
            break;
        }
        if skip >= n {
            skip -= n;
            continue;
        }
        let p = runs.path(table, k);
        let mut data = Vec::new();
        BufReader::new(
            File::open(&p)
                .map_err(|e| io::Error::new(e.kind(), format!("reading {}: {e}", p.display())))?,
        )
        .read_to_end(&mut data)?;
        let mut cells: Vec<Option<&[u8]>> = Vec::with_capacity(ncols);
        for r in records(&data).skip(usize::try_from(skip).unwrap_or(usize::MAX)) {
            if take == 0 {
                break;
            }
            let mut d = Dec::new(r);
            cells.clear();
            for _ in 0..ncols {
                cells.push(d.opt());
            }
            f(&cells)?;
            take -= 1;
        }
        skip = 0;
    }
    Ok(())
}

/// Appends one cell as CSV, in `generate`'s dialect.
fn put_csv(c: &crate::model::Column, v: Option<&[u8]>, out: &mut Vec<u8>) {
    let Some(v) = v else { return };
    let text = String::from_utf8_lossy(v);
    match c.kind {
        ColKind::Prop(
            PropType::Int
            | PropType::Long
            | PropType::Double
            | PropType::Boolean
            | PropType::DateTime,
        ) => out.extend_from_slice(v),
        _ => wcsv::put_str(&text, out),
    }
}

/// Appends one cell's canonical text to its Parquet column.
fn push_cell(b: &mut wpq::Col, v: Option<&[u8]>) -> io::Result<()> {
    let text = v.map(String::from_utf8_lossy);
    b.push_text(text.as_deref()).ok_or_else(|| {
        io::Error::other(format!(
            "internal error: '{}' does not fit its Parquet column",
            text.unwrap_or_default()
        ))
    })
}

fn info(rel: &str, rows: u64, bytes: u64, hash: u64) -> FileInfo {
    FileInfo {
        path: rel.to_string(),
        rows,
        bytes,
        xxh3: format!("{hash:016x}"),
        companions: Vec::new(),
    }
}

/// Writes one shard: rows `start..start+rows` of `table`.
pub fn write_shard(
    runs: &Runs,
    per_part: &[u64],
    shard: &Shard,
    root: &Path,
    format: Format,
) -> io::Result<FileInfo> {
    let table = shard.table;
    let path = root.join(&shard.path);
    let n = shard.rows.end - shard.rows.start;
    let cols = table.columns(PROVENANCE);
    let mut companions = Vec::new();
    let mut main_rows = n;
    let (bytes, hash) = match format {
        Format::Parquet {
            codec,
            row_group_rows,
        } => {
            // Ingested bundles keep string ids (canonical keys).
            let props = wpq::properties(table, (PROVENANCE, Ids::String), codec, row_group_rows)?;
            let schema = wpq::schema(table, (PROVENANCE, Ids::String));
            let file = AtomicFile::create(&path)?;
            let mut w = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props))
                .map_err(io::Error::other)?;
            let mut builders: Vec<wpq::Col> =
                cols.iter().map(|c| wpq::Col::new(c, Ids::String)).collect();
            let mut pending = 0usize;
            let flush = |builders: &mut Vec<wpq::Col>,
                         w: &mut parquet::arrow::ArrowWriter<AtomicFile>|
             -> io::Result<()> {
                let arrays: Vec<ArrayRef> = builders.iter_mut().map(wpq::Col::finish).collect();
                let batch = RecordBatch::try_new(schema.clone(), arrays)
                    .map_err(|e| io::Error::other(format!("internal error: {table} batch: {e}")))?;
                w.write(&batch).map_err(io::Error::other)
            };
            for_rows(runs, table, per_part, shard.rows.start, n, |cells| {
                for (b, v) in builders.iter_mut().zip(cells) {
                    push_cell(b, *v)?;
                }
                pending += 1;
                if pending >= wpq::BATCH_ROWS {
                    flush(&mut builders, &mut w)?;
                    pending = 0;
                }
                Ok(())
            })?;
            if pending > 0 {
                flush(&mut builders, &mut w)?;
            }
            w.into_inner().map_err(io::Error::other)?.commit()?
        }
        Format::Csv | Format::CsvGz { .. } => {
            let mut sink = CsvSink::open(&path, format)?;
            let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
            // Rows without a date go to companions (exports often lack some).
            let mut comp =
                write::companion::Companions::new(root, table, PROVENANCE, &shard.path, format);
            for_rows(runs, table, per_part, shard.rows.start, n, |cells| {
                let omit =
                    comp.omit(|c| cells.get(c).is_some_and(|v| v.is_none_or(<[u8]>::is_empty)));
                if omit != 0 {
                    return comp.write(omit, |c, out| put_csv(&cols[c], cells[c], out));
                }
                for (k, (c, v)) in cols.iter().zip(cells).enumerate() {
                    if k > 0 {
                        buf.push(b',');
                    }
                    put_csv(c, *v, &mut buf);
                }
                buf.push(b'\n');
                if buf.len() >= 1 << 20 {
                    sink.write_all(&buf)?;
                    buf.clear();
                }
                Ok(())
            })?;
            sink.write_all(&buf)?;
            let moved = comp.rows();
            companions = comp.finish()?;
            main_rows = n - moved;
            sink.into_file()?.commit()?
        }
    };
    let mut f = info(&shard.path, main_rows, bytes, hash);
    f.companions = companions;
    Ok(f)
}

/// The plan of the output: every non-empty table, in model order, cut into
/// shards of `shard_rows` rows.
pub fn plan(rows: &[(Table, u64)], format: Format, shard_rows: u64) -> Plan {
    let tables = rows
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|&(table, n)| TablePlan::cut(table, n, shard_rows, format))
        .collect();
    Plan {
        tables,
        format,
        provenance: PROVENANCE,
        // Ingested ids are canonical hashes of natural keys: string ids.
        ids: crate::model::Ids::String,
    }
}

/// One source of an ingest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceEntry {
    /// Its name.
    pub name: String,
    /// Its priority rank, 1 = most trusted.
    pub priority: u32,
    /// Its mapping file, as given.
    pub mapping: String,
}

/// What determines an ingest's output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngestRun {
    /// cmdbgen's version.
    pub version: String,
    /// Always `ingest`.
    pub mode: String,
    /// The merge strategy.
    pub strategy: crate::merge::Strategy,
    /// The sources, most trusted first.
    pub sources: Vec<SourceEntry>,
    /// Output format.
    pub format: Format,
    /// Rows per shard.
    pub shard_rows: u64,
    /// The bad-input policy.
    pub on_error: super::errors::OnError,
    /// Most rows `skip` may leave out.
    pub max_errors: u64,
}

/// One input file in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputEntry {
    /// The source.
    pub source: String,
    /// The file.
    pub file: String,
    /// The table it reports.
    pub table: String,
    /// Data rows read.
    pub rows: u64,
    /// Rows left out as bad input.
    pub skipped: u64,
    /// Problems found.
    pub problems: u64,
    /// The first problems, `file:line: message`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub messages: Vec<String>,
}

/// The manifest of an ingested bundle: what `generate` writes (so `validate`
/// and the import read it the same way), with the merge summary and the
/// inputs instead of a profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngestManifest {
    /// Always `cmdbgen`.
    pub tool: String,
    /// xxh3 of `run` and the inputs.
    pub fingerprint: String,
    /// What determines the output.
    pub run: IngestRun,
    /// Totals.
    pub totals: Totals,
    /// Tables, nodes first.
    pub tables: Vec<TableEntry>,
    /// The import command.
    pub import: Import,
    /// The conflict summary.
    pub merge: Summary,
    /// The input files, by source and file.
    pub inputs: Vec<InputEntry>,
    /// The Neo4j releases that can import the bundle.
    pub neo4j: Neo4jNeeds,
    /// `import.sh` and `schema.cypher` as written (see [`manifest::Manifest`]).
    pub scripts: Vec<FileInfo>,
}

/// Writes `import.args`, `import.sh`, `schema.cypher` and, last, `manifest.json`.
pub fn finish(
    out: &Path,
    run: IngestRun,
    plan: &Plan,
    headers: &[FileInfo],
    shards: &[FileInfo],
    merge: Summary,
    inputs: Vec<InputEntry>,
) -> anyhow::Result<IngestManifest> {
    let mut headers = headers.to_vec();
    headers.extend(write::companion::write_headers(
        out,
        (plan.provenance, plan.ids),
        shards,
    )?);
    let (tables, totals, import) = manifest::tables_and_totals(plan, &headers, shards);
    let fingerprint = {
        let json = serde_json::to_vec(&(&run, &inputs))?;
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&json))
    };
    let import_ref = import.clone();
    crate::bundle::finish_with(out, plan, &import_ref, |needs, scripts| IngestManifest {
        tool: "cmdbgen".into(),
        fingerprint,
        run,
        totals,
        tables,
        import,
        merge,
        inputs,
        neo4j: needs,
        scripts,
    })
}

/// Writes the header file of every planned table.
pub fn headers(plan: &Plan, out: &Path) -> io::Result<Vec<FileInfo>> {
    plan.tables
        .iter()
        .map(|t| {
            fs::create_dir_all(out.join(t.table.dir()))?;
            write::write_header(t.table, (plan.provenance, plan.ids), out, &t.header)
        })
        .collect()
}
