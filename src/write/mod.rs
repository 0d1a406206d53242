//! Writing tables to files: one writer per format behind [`RowWriter`], header
//! files, and shard files that are hashed as they are written and only appear
//! under their final name once complete.

pub mod changes;
pub mod companion;
pub mod csv;
pub mod direct;
pub mod durable;
pub mod gzip;
pub mod jsonl;
pub mod parquet;

pub use crate::format::Format;

use crate::gen::{Value, World};
use crate::model::{ColKind, Ids, Provenance, Table};
use crate::plan::{Plan, ShardSize};
use ::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use xxhash_rust::xxh3::Xxh3;

/// The default gzip level of every command: within 3% of level 6's size at
/// about twice its speed (docs/performance.md).
pub const DEFAULT_GZIP_LEVEL: u32 = 4;

/// Rows are rendered into a buffer of about this size before it is handed on.
const CHUNK: usize = 1 << 20;

/// What was written to one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Path relative to the bundle root, with `/` separators.
    pub path: String,
    /// Data rows (0 for a header file).
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// xxh3-64 of the file's bytes, as 16 hex digits.
    pub xxh3: String,
    /// A CSV shard's companion files: its rows that have no value for some
    /// temporal column ([`companion`]). `rows` counts the shard file's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub companions: Vec<FileInfo>,
}

/// Shared counters for progress reporting.
#[derive(Debug, Default)]
pub struct Counters {
    /// Rows written so far.
    pub rows: AtomicU64,
    /// Bytes rendered so far (uncompressed CSV; encoded Parquet).
    pub bytes: AtomicU64,
    /// Bytes of finished shard files on disk (compressed when gzip).
    pub written: AtomicU64,
}

/// Counts and hashes the bytes passing through.
struct Hashing<W> {
    inner: W,
    hasher: Xxh3,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A file written under a temporary name and renamed into place on commit.
pub struct AtomicFile {
    tmp: PathBuf,
    path: PathBuf,
    out: Hashing<Out>,
    durable: bool,
}

/// How an [`AtomicFile`] is written: around the page cache (`direct`, when
/// the file system allows it) and synced before the manifest (`durable`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileOptions {
    /// Direct I/O (`generate --direct-io`, see [`direct`]).
    pub direct: bool,
    /// Synced in the background once committed (see [`durable`]).
    pub durable: bool,
}

impl FileOptions {
    /// Buffered and not synced: files that are not part of a bundle (an
    /// apply checkpoint, exports for `ingest`).
    pub const UNSYNCED: FileOptions = FileOptions {
        direct: false,
        durable: false,
    };
}

impl Default for FileOptions {
    /// Buffered and durable: what a bundle's files need.
    fn default() -> Self {
        FileOptions {
            direct: false,
            durable: true,
        }
    }
}

/// The file under an [`AtomicFile`]: buffered, or direct I/O when asked for
/// ([`AtomicFile::create_with`]) and supported by the file system.
enum Out {
    Buffered(File),
    Direct(direct::DirectFile),
}

/// The most bytes one `write(2)` hands to the page cache on a buffered file.
///
/// Bigger writes let the kernel (6.18 here, ext4 with large folios) build
/// page-cache folios up to the write's size; on this VM those cost up to
/// four times the system time of small ones, and vary run to run with the
/// state of free memory (20 M node rows as CSV: 1 MiB writes 0.30-1.51 sys
/// s, 256 KiB pieces 0.35-0.43). The bytes written are the same whatever
/// the piece size.
const WRITE_PIECE: usize = 256 << 10;

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::Buffered(f) => f.write(&buf[..buf.len().min(WRITE_PIECE)]),
            Out::Direct(d) => d.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::Buffered(f) => f.flush(),
            Out::Direct(d) => d.flush(),
        }
    }
}

impl AtomicFile {
    /// Creates `path.tmp`, buffered and durable; the parent folder must exist.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        AtomicFile::create_with(path, FileOptions::default())
    }

    /// Creates `path.tmp`, written and synced as `opts` says.
    pub fn create_with(path: &Path, opts: FileOptions) -> io::Result<AtomicFile> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let opened = if opts.direct {
            direct::DirectFile::create(&tmp).map(|d| d.map(Out::Direct))
        } else {
            Ok(None)
        };
        let file = match opened {
            Ok(Some(d)) => d,
            Ok(None) => Out::Buffered(File::create(&tmp).map_err(|e| {
                io::Error::new(e.kind(), format!("creating {}: {e}", tmp.display()))
            })?),
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("creating {}: {e}", tmp.display()),
                ))
            }
        };
        Ok(AtomicFile {
            tmp,
            path: path.to_path_buf(),
            out: Hashing {
                inner: file,
                hasher: Xxh3::new(),
                bytes: 0,
            },
            durable: opts.durable,
        })
    }

    /// Flushes, renames into place, and returns (bytes, xxh3). A durable
    /// file is then synced in the background (the manifest waits for it in
    /// [`durable::settle`]).
    pub fn commit(mut self) -> io::Result<(u64, u64)> {
        self.out.flush()?;
        let file = match self.out.inner {
            Out::Buffered(f) => f,
            Out::Direct(d) => d.finish()?,
        };
        fs::rename(&self.tmp, &self.path).map_err(|e| {
            io::Error::new(e.kind(), format!("renaming {}: {e}", self.tmp.display()))
        })?;
        if self.durable {
            durable::sync_later(file, &self.path);
        }
        Ok((self.out.bytes, self.out.hasher.digest()))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One format's row writer. Rows arrive in order; `finish` completes the
/// stream (flushes buffers, writes trailers) and returns the inner writer.
pub trait RowWriter {
    /// The underlying sink.
    type Inner;
    /// Writes one row.
    fn write_row(&mut self, row: &[Value<'_>]) -> io::Result<()>;
    /// Completes the stream.
    fn finish(self) -> io::Result<Self::Inner>;
}

thread_local! {
    /// The render buffer of the last [`CsvRows`] this thread finished, for
    /// its next one: one allocation per thread instead of one per shard,
    /// for the reason given in [`gzip`].
    static SPARE_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// CSV rows, rendered into a buffer and handed to `W` in large chunks.
pub struct CsvRows<W: Write> {
    buf: Vec<u8>,
    inner: W,
    /// Bytes handed to `inner` so far.
    spilled: u64,
}

/// The CSV writer over a plain or gzip sink. One exists per shard being
/// written, so the variants' size difference does not matter.
#[allow(clippy::large_enum_variant)]
pub enum CsvSink {
    /// Plain bytes.
    Plain(AtomicFile),
    /// A gzip member.
    Gzip(gzip::GzipMember<AtomicFile>),
}

impl Write for CsvSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            CsvSink::Plain(f) => f.write(buf),
            CsvSink::Gzip(g) => g.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            CsvSink::Plain(f) => f.write_all(buf),
            CsvSink::Gzip(g) => g.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            CsvSink::Plain(f) => f.flush(),
            CsvSink::Gzip(g) => g.flush(),
        }
    }
}

impl CsvSink {
    /// Creates the shard file at `path` (see [`AtomicFile`]) as plain CSV or a
    /// gzip member; `format` must be a CSV format.
    pub(crate) fn open(path: &Path, format: Format) -> io::Result<CsvSink> {
        CsvSink::open_with(path, format, FileOptions::default())
    }

    /// [`CsvSink::open`], written and synced as `opts` says.
    pub(crate) fn open_with(path: &Path, format: Format, opts: FileOptions) -> io::Result<CsvSink> {
        let file = AtomicFile::create_with(path, opts)?;
        Ok(match format {
            Format::Csv => CsvSink::Plain(file),
            Format::Parquet { .. } => {
                return Err(io::Error::other(
                    "internal error: a Parquet shard opened as CSV",
                ))
            }
            Format::CsvGz { level } => CsvSink::Gzip(gzip::GzipMember::new(file, level)?),
        })
    }

    /// Ends the gzip member, if any, and returns the file to commit.
    pub(crate) fn into_file(self) -> io::Result<AtomicFile> {
        match self {
            CsvSink::Plain(f) => Ok(f),
            CsvSink::Gzip(g) => g.finish(),
        }
    }
}

impl<W: Write> CsvRows<W> {
    /// A CSV row writer over `inner`.
    pub fn new(inner: W) -> Self {
        let mut buf = SPARE_BUF.with(|s| std::mem::take(&mut *s.borrow_mut()));
        buf.clear();
        buf.reserve_exact(CHUNK + 4096);
        CsvRows {
            buf,
            inner,
            spilled: 0,
        }
    }

    /// The CSV bytes of the rows written so far.
    pub fn csv_bytes(&self) -> u64 {
        self.spilled + self.buf.len() as u64
    }

    fn spill(&mut self) -> io::Result<()> {
        self.inner.write_all(&self.buf)?;
        self.spilled += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }
}

impl<W: Write> RowWriter for CsvRows<W> {
    type Inner = W;

    #[inline]
    fn write_row(&mut self, row: &[Value<'_>]) -> io::Result<()> {
        csv::put_row(row, &mut self.buf);
        if self.buf.len() >= CHUNK {
            self.spill()?;
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<W> {
        self.spill()?;
        let CsvRows { buf, inner, .. } = self;
        SPARE_BUF.with(|s| *s.borrow_mut() = buf);
        Ok(inner)
    }
}

/// The row writer of a [`Format`] over a sink: the one place a format
/// becomes its writer stack (CSV rows, CSV rows over a gzip member, Parquet
/// rows with the table's properties). `generate`'s Parquet shards and the
/// estimate's sizing and timing use it; CSV shard files, which split rows
/// off to companions, build the same CSV stack over a file with
/// `CsvSink::open`.
#[allow(clippy::large_enum_variant)]
pub enum FormatRows<W: Write + Send> {
    /// Plain CSV.
    Csv(CsvRows<W>),
    /// CSV in one gzip member.
    CsvGz(CsvRows<gzip::GzipMember<W>>),
    /// One Parquet file.
    Parquet(parquet::ParquetRows<W>),
}

impl<W: Write + Send> FormatRows<W> {
    /// The writer of `table`'s rows (its columns under `p` and `ids`) in
    /// `format` over `sink`.
    pub fn new(
        format: Format,
        table: Table,
        (p, ids): (Provenance, Ids),
        sink: W,
    ) -> io::Result<Self> {
        Ok(match format {
            Format::Csv => FormatRows::Csv(CsvRows::new(sink)),
            Format::CsvGz { level } => {
                FormatRows::CsvGz(CsvRows::new(gzip::GzipMember::new(sink, level)?))
            }
            Format::Parquet {
                codec,
                row_group_rows,
            } => FormatRows::Parquet(parquet::ParquetRows::new(
                table,
                (p, ids),
                sink,
                parquet::properties(table, (p, ids), codec, row_group_rows)?,
            )?),
        })
    }

    /// The uncompressed CSV bytes of the rows written so far; `None` for
    /// Parquet, which renders no CSV.
    pub fn csv_bytes(&self) -> Option<u64> {
        match self {
            FormatRows::Csv(w) => Some(w.csv_bytes()),
            FormatRows::CsvGz(w) => Some(w.csv_bytes()),
            FormatRows::Parquet(_) => None,
        }
    }
}

impl<W: Write + Send> RowWriter for FormatRows<W> {
    type Inner = W;

    #[inline]
    fn write_row(&mut self, row: &[Value<'_>]) -> io::Result<()> {
        match self {
            FormatRows::Csv(w) => w.write_row(row),
            FormatRows::CsvGz(w) => w.write_row(row),
            FormatRows::Parquet(w) => w.write_row(row),
        }
    }

    fn finish(self) -> io::Result<W> {
        match self {
            FormatRows::Csv(w) => w.finish(),
            FormatRows::CsvGz(w) => w.finish()?.finish(),
            FormatRows::Parquet(w) => w.finish(),
        }
    }
}

/// Feeds rows `range` of `table` to `w`, updating `counters` every few
/// thousand rows.
pub fn fill<W: RowWriter>(
    world: &World,
    table: Table,
    range: Range<u64>,
    w: &mut W,
    counters: &Counters,
) -> io::Result<()> {
    const TICK: u64 = 4096;
    let mut row: Vec<Value<'_>> = Vec::with_capacity(32);
    let ids = IdColumns::of(world, table);
    let mut since = 0u64;
    let tick = |since: &mut u64| {
        counters.rows.fetch_add(*since, Ordering::Relaxed);
        *since = 0;
    };
    match table {
        Table::Node(kind) => {
            let mut rows = world.node_rows(kind, range.start);
            for _ in range {
                row.clear();
                if !rows.next_row(&mut row) {
                    return Err(io::Error::other(format!(
                        "internal error: {kind} ended before its planned row count"
                    )));
                }
                ids.rewrite(&mut row);
                w.write_row(&row)?;
                since += 1;
                if since == TICK {
                    tick(&mut since);
                }
            }
        }
        Table::Rel(r) => {
            let mut rows = world.rel_rows(r, range.start);
            for _ in range {
                row.clear();
                if !rows.next_row(&mut row) {
                    return Err(io::Error::other(format!(
                        "internal error: {r} ended before its planned row count"
                    )));
                }
                ids.rewrite(&mut row);
                w.write_row(&row)?;
                since += 1;
                if since == TICK {
                    tick(&mut since);
                }
            }
        }
    }
    tick(&mut since);
    Ok(())
}

/// Where a table's rows carry node ids, when the world writes integer ids
/// (`--ids integer`): the generator makes every row with string ids, and
/// this rewrites them just before a writer sees the row, so the rows, the
/// estimate and every format share one rule.
struct IdColumns {
    /// Column indices of `:ID`, `:START_ID` and `:END_ID` (empty for string
    /// ids: nothing to rewrite), each with whether it is a node's `:ID`.
    at: Vec<(usize, bool)>,
}

impl IdColumns {
    fn of(world: &World, table: Table) -> IdColumns {
        let at = match world.ids() {
            Ids::String => Vec::new(),
            Ids::Integer => world
                .columns(table)
                .iter()
                .enumerate()
                .filter(|(_, c)| matches!(c.kind, ColKind::Id | ColKind::StartId | ColKind::EndId))
                .map(|(i, c)| (i, c.kind == ColKind::Id))
                .collect(),
        };
        IdColumns { at }
    }

    /// A node's id becomes [`Value::IntegerId`] (the integer `:ID` and the
    /// string `id` property); a relationship's ends become their integers.
    #[inline]
    fn rewrite(&self, row: &mut [Value<'_>]) {
        for &(c, node) in &self.at {
            if let Some(v) = row.get_mut(c) {
                if let Value::Id { prefix, n } = *v {
                    // Row indices are far below 2^63.
                    *v = if node {
                        Value::IntegerId { prefix, n }
                    } else {
                        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
                    };
                }
            }
        }
    }
}

fn info(root: &Path, path: &Path, rows: u64, bytes: u64, hash: u64) -> FileInfo {
    let rel = path.strip_prefix(root).unwrap_or(path);
    FileInfo {
        path: rel.to_string_lossy().replace('\\', "/"),
        rows,
        bytes,
        xxh3: format!("{hash:016x}"),
        companions: Vec::new(),
    }
}

/// CSV rows into a shard, or into one of its companions when they leave a
/// temporal column empty.
struct SplitRows<'a, W: Write> {
    main: CsvRows<W>,
    companions: companion::Companions<'a>,
}

impl<W: Write> RowWriter for SplitRows<'_, W> {
    type Inner = W;

    #[inline]
    fn write_row(&mut self, row: &[Value<'_>]) -> io::Result<()> {
        let omit = self
            .companions
            .omit(|c| matches!(row.get(c), Some(Value::Null)));
        if omit == 0 {
            return self.main.write_row(row);
        }
        self.companions
            .write(omit, |c, out| csv::put_value(&row[c], out))
    }

    fn finish(self) -> io::Result<W> {
        self.main.finish()
    }
}

/// Writes rows `range` of `table` to `root/rel_path` in `format`, atomically,
/// with direct I/O when `direct`.
pub fn write_shard(
    world: &World,
    table: Table,
    range: Range<u64>,
    root: &Path,
    rel_path: &str,
    (format, direct): (Format, bool),
    counters: &Counters,
) -> io::Result<FileInfo> {
    let path = root.join(rel_path);
    let rows = range.end - range.start;
    if format.is_parquet() {
        let file = CountingWrite {
            inner: AtomicFile::create_with(
                &path,
                FileOptions {
                    direct,
                    durable: true,
                },
            )?,
            counters,
        };
        let mut w = FormatRows::new(format, table, (world.provenance(), world.ids()), file)?;
        fill(world, table, range, &mut w, counters)?;
        let (bytes, hash) = w.finish()?.inner.commit()?;
        counters.written.fetch_add(bytes, Ordering::Relaxed);
        return Ok(info(root, &path, rows, bytes, hash));
    }
    let mut w = SplitRows {
        main: CsvRows::new(CountingWrite {
            inner: CsvSink::open_with(
                &path,
                format,
                FileOptions {
                    direct,
                    durable: true,
                },
            )?,
            counters,
        }),
        companions: companion::Companions::new(root, table, world.provenance(), rel_path, format)
            .direct(direct),
    };
    fill(world, table, range, &mut w, counters)?;
    let SplitRows { main, companions } = w;
    let moved = companions.rows();
    let companions = companions.finish()?;
    let sink = main.finish()?.inner;
    let (bytes, hash) = sink.into_file()?.commit()?;
    counters.written.fetch_add(bytes, Ordering::Relaxed);
    let mut shard = info(root, &path, rows - moved, bytes, hash);
    shard.companions = companions;
    Ok(shard)
}

/// Writes `rows` rows produced by `row(i, out)` (for `i` in `0..rows`) to
/// `root/rel_path` in `format` (direct I/O when `direct`), atomically: the shard writer for tables that
/// are not part of the model (the peer benchmark workload). `columns` and
/// their header cells `names` type the Parquet columns, written with `props`
/// (see [`parquet::builder_of`]); CSV ignores all three.
pub fn write_rows<'a>(
    root: &Path,
    rel_path: &str,
    (format, direct): (Format, bool),
    (columns, names, props): (
        &[crate::model::Column],
        &[String],
        Option<&WriterProperties>,
    ),
    rows: Range<u64>,
    counters: &Counters,
    row: impl FnMut(u64, &mut Vec<Value<'a>>),
) -> io::Result<FileInfo> {
    let path = root.join(rel_path);
    // The benchmark workload measures writing, not syncing: not durable.
    let opts = FileOptions {
        direct,
        durable: false,
    };
    let n = rows.end - rows.start;
    let file = if format.is_parquet() {
        let props = props
            .ok_or_else(|| io::Error::other("internal error: Parquet rows without settings"))?
            .clone();
        let sink = CountingWrite {
            inner: AtomicFile::create_with(&path, opts)?,
            counters,
        };
        let mut w = parquet::ParquetRows::with_columns(
            rel_path,
            (columns, Ids::String),
            names,
            sink,
            props,
        )?;
        feed(&mut w, rows, counters, row)?;
        w.finish()?.inner
    } else {
        let mut w = CsvRows::new(CountingWrite {
            inner: CsvSink::open_with(&path, format, opts)?,
            counters,
        });
        feed(&mut w, rows, counters, row)?;
        w.finish()?.inner.into_file()?
    };
    let (bytes, hash) = file.commit()?;
    Ok(info(root, &path, n, bytes, hash))
}

/// Feeds rows `rows` produced by `row(i, out)` to `w`, updating `counters`
/// every few thousand rows.
fn feed<'a, W: RowWriter>(
    w: &mut W,
    rows: Range<u64>,
    counters: &Counters,
    mut row: impl FnMut(u64, &mut Vec<Value<'a>>),
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(16);
    let mut since = 0u64;
    for i in rows {
        buf.clear();
        row(i, &mut buf);
        w.write_row(&buf)?;
        since += 1;
        if since == 4096 {
            counters.rows.fetch_add(since, Ordering::Relaxed);
            since = 0;
        }
    }
    counters.rows.fetch_add(since, Ordering::Relaxed);
    Ok(())
}

/// Counts the bytes handed to the sink (uncompressed CSV; encoded Parquet)
/// for progress.
struct CountingWrite<'c, W> {
    inner: W,
    counters: &'c Counters,
}

impl<W: Write> Write for CountingWrite<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a table's header file (always plain CSV), atomically.
pub fn write_header(
    table: Table,
    (p, ids): (Provenance, Ids),
    root: &Path,
    rel_path: &str,
) -> io::Result<FileInfo> {
    write_atomic(
        root,
        rel_path,
        &csv::header_line(&table.header_cells_as(p, ids)),
    )
}

/// Writes `bytes` to `root/rel_path` atomically through an [`AtomicFile`]
/// (hashed, renamed into place, synced with the bundle's data files) and
/// says what was written (no rows): the one writer of small bundle files
/// such as headers. Side files that must be durable at once (`import.sh`,
/// manifests) go through [`durable::write_file`] instead.
pub fn write_atomic(root: &Path, rel_path: &str, bytes: &[u8]) -> io::Result<FileInfo> {
    let path = root.join(rel_path);
    let mut f = AtomicFile::create(&path)?;
    f.write_all(bytes)
        .and_then(|()| f.flush())
        .map_err(|e| io::Error::new(e.kind(), format!("writing {}: {e}", path.display())))?;
    let (bytes, hash) = f.commit()?;
    Ok(info(root, &path, 0, bytes, hash))
}

/// Size and xxh3 of an existing file.
pub fn hash_file(path: &Path) -> io::Result<(u64, u64)> {
    hash_reader(File::open(path)?)
}

/// Size and xxh3-64 of everything `f` yields.
pub fn hash_reader(mut f: impl Read) -> io::Result<(u64, u64)> {
    let mut hasher = Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hasher.digest()))
}

/// Renders rows `range` of `table` as CSV into memory (tests, sampling).
pub fn render_csv(world: &World, table: Table, range: Range<u64>) -> Vec<u8> {
    let mut w = CsvRows::new(Vec::new());
    let counters = Counters::default();
    fill(world, table, range, &mut w, &counters).expect("writing to memory cannot fail");
    w.finish().expect("writing to memory cannot fail")
}

/// The average CSV bytes per row of a table, from up to 512 rows spread
/// evenly over it (deterministic).
pub fn sample_row_bytes(world: &World, table: Table) -> f64 {
    let rows = world.rows(table);
    if rows == 0 {
        return 0.0;
    }
    let samples = rows.min(512);
    let mut bytes = 0usize;
    for s in 0..samples {
        let i = crate::cast::narrow(u128::from(s) * u128::from(rows) / u128::from(samples));
        bytes += render_csv(world, table, i..i + 1).len();
    }
    bytes as f64 / samples as f64
}

impl Plan {
    /// Plans every non-empty table of `world`, byte-sized shards measured by
    /// [`sample_row_bytes`]. It lives here because the measure renders CSV.
    pub fn new(world: &World, format: Format, size: ShardSize) -> Plan {
        Plan::sized(world, format, size, |table| sample_row_bytes(world, table))
    }
}

#[cfg(test)]
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "tests convert small known values"
)]
mod tests {
    use super::*;

    #[test]
    fn byte_sized_shards_are_near_the_target() {
        let p = crate::profile::Profile::load("small").unwrap();
        let w = World::new(&p);
        let plan = Plan::new(&w, Format::Csv, ShardSize::Bytes(20_000));
        let t = plan
            .tables
            .iter()
            .find(|t| t.table == Table::Node(crate::model::NodeKind::Event))
            .unwrap();
        let first = &t.shards[0];
        let bytes = render_csv(&w, t.table, first.rows.clone()).len();
        assert!((15_000..25_000).contains(&bytes), "{bytes}");
    }

    /// A buffered file takes at most [`WRITE_PIECE`] bytes a call, and
    /// `write_all` still lands every byte, counted and hashed once.
    #[test]
    fn buffered_writes_go_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("piece.csv");
        let data: Vec<u8> = (0..WRITE_PIECE * 3 + 77).map(|i| (i % 251) as u8).collect();
        // A plain create is buffered; direct I/O is asked for per file.
        let mut f = AtomicFile::create(&path).unwrap();
        assert_eq!(f.write(&data).unwrap(), WRITE_PIECE);
        f.write_all(&data[WRITE_PIECE..]).unwrap();
        let (bytes, hash) = f.commit().unwrap();
        assert_eq!(bytes, data.len() as u64);
        assert_eq!(std::fs::read(&path).unwrap(), data);
        assert_eq!(hash_file(&path).unwrap(), (bytes, hash));
    }
}
