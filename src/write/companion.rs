//! Companion files: CSV rows that have no value for a temporal column.
//!
//! neo4j-admin 5.0 to 5.5 stop an import on an empty temporal field (5.6 and
//! later read it as no value), and a value cmdbgen does not have must stay
//! absent, not become a made-up date. So a CSV shard's rows that leave some
//! temporal columns empty are written to a companion file whose header
//! leaves exactly those columns out: `nodes/Server/no-created_at/part-00003.csv`
//! holds the rows of shard 3 of `nodes/Server` without a `created_at`. Each
//! companion folder is one more `--nodes`/`--relationships` input of the
//! same label or type and ID groups (neo4j-admin takes several inputs with
//! different headers).
//!
//! A shard has at most one companion per subset of its table's temporal
//! columns (a configuration item has five), created only when some row
//! needs it; which rows go where is a function of the rows alone, so the
//! files are the same for any number of threads, and a shard's companions
//! are journaled and resumed with it ([`super::FileInfo::companions`]).
//! Parquet has real nulls and needs none.

use super::{CsvSink, FileInfo, Format};
use crate::model::{ColKind, Ids, Provenance, Table};
use std::io::{self, Write};
use std::path::Path;

/// Bytes a companion buffers before handing them to its file (companions are
/// usually small, so less than a shard's buffer).
const CHUNK: usize = 256 << 10;

/// The temporal columns of `table` under `p`, as indices into its columns.
pub fn temporal(table: Table, p: Provenance) -> Vec<usize> {
    table
        .columns(p)
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.kind, ColKind::Prop(t) if t.is_temporal()))
        .map(|(i, _)| i)
        .collect()
}

/// The columns a companion leaves out: bit `b` of `omit` is the `b`-th
/// temporal column of `table`.
fn omitted(table: Table, p: Provenance, omit: u32) -> Vec<usize> {
    temporal(table, p)
        .into_iter()
        .enumerate()
        .filter(|(b, _)| omit >> b & 1 != 0)
        .map(|(_, c)| c)
        .collect()
}

/// The names of the columns a companion leaves out.
pub fn omitted_names(table: Table, p: Provenance, omit: u32) -> Vec<String> {
    let cols = table.columns(p);
    omitted(table, p, omit)
        .into_iter()
        .map(|c| cols[c].name.to_string())
        .collect()
}

/// The folder of `table`'s companions without the columns of `omit`
/// (`nodes/Server/no-created_at`; column names have no `-`).
pub fn folder(table: Table, p: Provenance, omit: u32) -> String {
    format!(
        "{}/no-{}",
        table.dir(),
        omitted_names(table, p, omit).join("-")
    )
}

/// The companion bits of a companion file of `table`, from its path
/// (`None` if the path is not one).
pub fn omit_of(table: Table, p: Provenance, path: &str) -> Option<u32> {
    let (dir, _) = path.rsplit_once('/')?;
    let n = temporal(table, p).len();
    (1u32..1 << n).find(|&m| folder(table, p, m) == dir)
}

/// The header cells of `table`'s companion without the columns of `omit`.
pub fn header_cells(table: Table, (p, ids): (Provenance, Ids), omit: u32) -> Vec<String> {
    let gone = omitted(table, p, omit);
    table
        .column_cells(p, ids)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !gone.contains(i))
        .flat_map(|(_, c)| c)
        .collect()
}

/// Writes the header file of every companion folder that `shards` use, in
/// table and folder order.
pub fn write_headers(
    root: &Path,
    (p, ids): (Provenance, Ids),
    shards: &[FileInfo],
) -> io::Result<Vec<FileInfo>> {
    let mut folders: Vec<(Table, u32)> = Vec::new();
    for s in shards {
        let Some(table) = Table::all().find(|t| s.path.starts_with(&format!("{}/", t.dir())))
        else {
            continue;
        };
        for c in &s.companions {
            let omit = omit_of(table, p, &c.path).ok_or_else(|| {
                io::Error::other(format!("internal error: {} is no companion", c.path))
            })?;
            if !folders.contains(&(table, omit)) {
                folders.push((table, omit));
            }
        }
    }
    folders.sort();
    folders
        .into_iter()
        .map(|(table, omit)| {
            let rel = format!("{}/header.csv", folder(table, p, omit));
            super::write_atomic(
                root,
                &rel,
                &super::csv::header_line(&header_cells(table, (p, ids), omit)),
            )
        })
        .collect()
}

/// The companions of one CSV shard, opened as rows need them.
pub struct Companions<'a> {
    root: &'a Path,
    table: Table,
    provenance: Provenance,
    /// The shard's file name (`part-00003.csv`), shared by its companions.
    name: String,
    format: Format,
    temporal: Vec<usize>,
    open: Vec<Open>,
    direct: bool,
}

struct Open {
    omit: u32,
    sink: CsvSink,
    buf: Vec<u8>,
    rows: u64,
    path: String,
}

impl<'a> Companions<'a> {
    /// The companions of the shard at `rel_path` (relative to `root`) of
    /// `table` (its columns under `p`), in CSV `format`.
    pub fn new(
        root: &'a Path,
        table: Table,
        p: Provenance,
        rel_path: &str,
        format: Format,
    ) -> Self {
        Companions {
            root,
            table,
            provenance: p,
            name: rel_path.rsplit('/').next().unwrap_or(rel_path).to_string(),
            format,
            temporal: temporal(table, p),
            open: Vec::new(),
            direct: false,
        }
    }

    /// Writes the companion files with direct I/O when `direct`.
    pub fn direct(mut self, direct: bool) -> Self {
        self.direct = direct;
        self
    }

    /// The companion bits of a row: bit `b` when its `b`-th temporal column
    /// is empty (`empty(column index)`); 0 means the shard itself takes it.
    #[inline]
    pub fn omit(&self, empty: impl Fn(usize) -> bool) -> u32 {
        let mut m = 0;
        for (b, &c) in self.temporal.iter().enumerate() {
            if empty(c) {
                m |= 1 << b;
            }
        }
        m
    }

    /// Writes a row without the columns of `omit` (non-zero) to its
    /// companion; `put(column, out)` renders one cell.
    pub fn write(&mut self, omit: u32, mut put: impl FnMut(usize, &mut Vec<u8>)) -> io::Result<()> {
        let at = match self.open.iter().position(|o| o.omit == omit) {
            Some(at) => at,
            None => {
                let rel = format!(
                    "{}/{}",
                    folder(self.table, self.provenance, omit),
                    self.name
                );
                let path = self.root.join(&rel);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                self.open.push(Open {
                    omit,
                    sink: CsvSink::open_with(
                        &path,
                        self.format,
                        super::FileOptions {
                            direct: self.direct,
                            durable: true,
                        },
                    )?,
                    buf: Vec::with_capacity(CHUNK + 4096),
                    rows: 0,
                    path: rel,
                });
                self.open.len() - 1
            }
        };
        let o = &mut self.open[at];
        let ncols = self.table.columns(self.provenance).len();
        let mut first = true;
        for c in 0..ncols {
            if let Some(b) = self.temporal.iter().position(|&t| t == c) {
                if omit >> b & 1 != 0 {
                    continue;
                }
            }
            if !first {
                o.buf.push(b',');
            }
            first = false;
            put(c, &mut o.buf);
        }
        o.buf.push(b'\n');
        o.rows += 1;
        if o.buf.len() >= CHUNK {
            o.sink.write_all(&o.buf)?;
            o.buf.clear();
        }
        Ok(())
    }

    /// Completes every companion file, in companion-bit order.
    pub fn finish(mut self) -> io::Result<Vec<FileInfo>> {
        self.open.sort_by_key(|o| o.omit);
        self.open
            .into_iter()
            .map(|mut o| {
                o.sink.write_all(&o.buf)?;
                let (bytes, hash) = o.sink.into_file()?.commit()?;
                Ok(FileInfo {
                    path: o.path,
                    rows: o.rows,
                    bytes,
                    xxh3: format!("{hash:016x}"),
                    companions: Vec::new(),
                })
            })
            .collect()
    }

    /// Rows written to companions.
    pub fn rows(&self) -> u64 {
        self.open.iter().map(|o| o.rows).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::{Value, World};
    use crate::model::NodeKind;
    use crate::profile::Profile;

    fn multisource() -> World {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/profiles/multisource.toml"
        );
        World::new(&crate::profile_file::load(p).unwrap())
    }

    /// The shard keeps the rows with every date; each companion holds
    /// exactly the rows that leave its columns empty, without them, in row
    /// order.
    #[test]
    fn rows_without_a_date_go_to_the_companion() {
        let w = multisource();
        let table = Table::Node(NodeKind::Server);
        let p = w.provenance();
        let dates = temporal(table, p);
        let rows = w.rows(table);
        let mut main = Vec::new();
        let mut comps: Vec<(u32, Vec<u8>, u64)> = Vec::new();
        let mut row = Vec::new();
        for i in 0..rows {
            row.clear();
            w.node_row(NodeKind::Server, i, &mut row);
            let omit = (0..dates.len())
                .filter(|&b| row[dates[b]] == Value::Null)
                .fold(0u32, |m, b| m | 1 << b);
            if omit == 0 {
                crate::write::csv::put_row(&row, &mut main);
                continue;
            }
            let gone = omitted(table, p, omit);
            let kept: Vec<Value<'_>> = (0..row.len())
                .filter(|c| !gone.contains(c))
                .map(|c| row[c])
                .collect();
            let at = match comps.iter().position(|c| c.0 == omit) {
                Some(at) => at,
                None => {
                    comps.push((omit, Vec::new(), 0));
                    comps.len() - 1
                }
            };
            crate::write::csv::put_row(&kept, &mut comps[at].1);
            comps[at].2 += 1;
        }
        comps.sort_by_key(|c| c.0);
        assert!(
            comps.iter().any(|c| c.0 & 1 != 0),
            "the fixture has items without a created_at"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("nodes/Server")).unwrap();
        let f = crate::write::write_shard(
            &w,
            table,
            0..rows,
            dir.path(),
            "nodes/Server/part-00000.csv",
            (Format::Csv, false),
            &crate::write::Counters::default(),
        )
        .unwrap();
        let moved: u64 = comps.iter().map(|c| c.2).sum();
        assert_eq!(f.rows, rows - moved);
        assert_eq!(std::fs::read(dir.path().join(&f.path)).unwrap(), main);
        assert_eq!(f.companions.len(), comps.len());
        for (c, (omit, text, n)) in f.companions.iter().zip(&comps) {
            assert_eq!(
                c.path,
                format!("{}/part-00000.csv", folder(table, p, *omit))
            );
            assert_eq!(c.rows, *n);
            assert_eq!(&std::fs::read(dir.path().join(&c.path)).unwrap(), text);
            assert_eq!(omit_of(table, p, &c.path), Some(*omit));
        }
        let headers = write_headers(dir.path(), (p, Ids::String), &[f]).unwrap();
        let first = &headers[0].path;
        assert!(first.starts_with("nodes/Server/no-"), "{first}");
        let text = std::fs::read_to_string(dir.path().join(first)).unwrap();
        assert!(text.contains("id:ID(Server)"), "{text}");
    }

    /// Single-source worlds never leave a date out: no companion.
    #[test]
    fn single_source_shards_have_no_companions() {
        let w = World::new(&Profile::load("tiny").unwrap());
        let dir = tempfile::tempdir().unwrap();
        for table in Table::all().filter(|t| w.rows(*t) > 0) {
            std::fs::create_dir_all(dir.path().join(table.dir())).unwrap();
            let f = crate::write::write_shard(
                &w,
                table,
                0..w.rows(table),
                dir.path(),
                &format!("{}/part-00000.csv", table.dir()),
                (Format::Csv, false),
                &crate::write::Counters::default(),
            )
            .unwrap();
            assert!(f.companions.is_empty(), "{table}");
        }
    }

    #[test]
    fn folders_name_the_columns_left_out() {
        let t = Table::Node(NodeKind::Server);
        let p = Provenance::Full;
        // created_at, first_discovered, last_discovered, status_since and
        // observed_at.
        assert_eq!(temporal(t, p).len(), 5);
        assert_eq!(temporal(t, Provenance::SourceOnly).len(), 4);
        assert_eq!(folder(t, p, 1), "nodes/Server/no-created_at");
        assert_eq!(folder(t, p, 17), "nodes/Server/no-created_at-observed_at");
        assert_eq!(
            omit_of(t, p, "nodes/Server/no-observed_at/part-00001.csv"),
            Some(16)
        );
        assert_eq!(omit_of(t, p, "nodes/Server/part-00001.csv"), None);
        assert_eq!(
            omit_of(t, p, "nodes/Database/no-created_at/part-00001.csv"),
            None
        );
        let cells = header_cells(t, (p, Ids::String), 17);
        assert_eq!(cells.len(), t.columns(p).len() - 2);
        assert!(!cells
            .iter()
            .any(|c| c.starts_with("created_at") || c.starts_with("observed_at")));
        // With integer ids the id column is two cells, and the omitted
        // columns are still the same.
        let int = header_cells(t, (p, Ids::Integer), 17);
        assert_eq!(int[..2], [":ID(Server)".to_string(), "id".to_string()]);
        assert_eq!(int[2..], cells[1..]);
    }
}
