//! Parquet shards (`--input-type=parquet`, ../shared/neo4j-import-spec.md
//! §2.6; our choices in docs/parquet.md), read with the arrow/parquet reader
//! batch by batch, so memory does not grow with the file:
//!
//! * size and xxh3 against the manifest (a pass of its own: a Parquet file
//!   is read from its footer, not front to back);
//! * the footer: its row count, the manifest's codec and row-group size;
//! * the column names, which neo4j-admin parses as header entries when a
//!   group has no header file: they must be the cells of the table's
//!   `header.csv` (already parsed by [`super::header`]); a file whose names
//!   differ is reported and its names are parsed on their own;
//! * each column's Parquet type against its declared type ([`ptypes`]);
//! * values where the type allows invalid content: ids and ends neither null
//!   nor empty, labels, integers within the declared type, timestamps and
//!   dates within the years 0000-9999 (what CSV's `YYYY` can express), lists
//!   neither empty (our choice: null for no values) nor holding nulls, the
//!   text of `char`/`point`/`duration`, empty strings (a warning: the
//!   Parquet reader skips them);
//! * ids through the same [`IdFlow`] as CSV.
//!
//! Problems are `FILE: message` or `FILE:ROW: message`, ROW being the
//! 1-based row in the file, counted over all its row groups.

use super::check::{self, DataFile, DataOutcome, End, IdFlow, Ids};
use super::findings::FileReport;
use super::header::{parse_entry, parse_header, FileKind, Header, IdType, Kind, PropType, Scalar};
use super::ptypes::{self, Plan};
use super::values;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use parquet::basic::Compression;
use parquet::file::metadata::ParquetMetaData;
use std::fs::File;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::Ordering;

/// Rows per Arrow batch.
const BATCH: usize = 8192;

/// Separator of composite id parts (the Parquet reader's, spec §1.3).
const ID_PART_SEPARATOR: u8 = 0x07;

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since the
/// epoch: the instants CSV's four-digit years can express.
const MIN_SECS: i64 = -62_167_219_200;
const MAX_SECS: i64 = 253_402_300_799;

/// What a table's Parquet shards must be, besides what the manifest lists
/// for each file.
#[derive(Clone, Copy, Debug)]
pub struct Expect<'a> {
    /// Node or relationship file.
    pub kind: FileKind,
    /// `--id-type`.
    pub id_type: IdType,
    /// The manifest's codec (`snappy`, `zstd:3`, `none`).
    pub codec: Option<&'a str>,
    /// The manifest's rows per row group.
    pub row_group_rows: Option<u64>,
}

/// The Parquet codec a manifest codec name stands for (`None`: unknown).
pub fn codec_family(name: &str) -> Option<&'static str> {
    let base = name.split(':').next().unwrap_or(name);
    Some(match base.to_ascii_lowercase().as_str() {
        "snappy" => "SNAPPY",
        "none" | "uncompressed" => "UNCOMPRESSED",
        "zstd" => "ZSTD",
        "gzip" => "GZIP",
        "brotli" => "BROTLI",
        "lz4" => "LZ4",
        "lz4_raw" | "lz4-raw" => "LZ4_RAW",
        "lzo" => "LZO",
        _ => return None,
    })
}

fn compression_family(c: Compression) -> &'static str {
    match c {
        Compression::UNCOMPRESSED => "UNCOMPRESSED",
        Compression::SNAPPY => "SNAPPY",
        Compression::GZIP(_) => "GZIP",
        Compression::LZO => "LZO",
        Compression::BROTLI(_) => "BROTLI",
        Compression::LZ4 => "LZ4",
        Compression::ZSTD(_) => "ZSTD",
        Compression::LZ4_RAW => "LZ4_RAW",
    }
}

/// Opens a Parquet file for reading by its Parquet schema alone (the
/// embedded Arrow schema is what a writer meant, not what neo4j-admin reads).
fn open(root: &Path, rel: &str) -> Result<ParquetRecordBatchReaderBuilder<File>, String> {
    let file = crate::bundle_file::open(root, rel).map_err(|e| format!("cannot read: {e}"))?;
    let opts = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    ParquetRecordBatchReaderBuilder::try_new_with_options(file, opts)
        .map(|b| b.with_batch_size(BATCH))
        .map_err(|e| format!("not a readable Parquet file: {e}"))
}

/// Runs `f`, turning a panic of the Parquet reader on a damaged file into
/// an error message.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let why = p
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| p.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        format!("the Parquet reader failed on this file ({why}): it is damaged")
    })
}

/// Checks one Parquet data (shard) file.
pub fn check_data(file: &DataFile<'_>, expect: &Expect<'_>) -> DataOutcome {
    let mut report = file.report();
    match crate::bundle_file::hash(file.root, &file.entry.path) {
        Ok((bytes, hash)) => {
            file.counters.bytes.fetch_add(bytes, Ordering::Relaxed);
            check::compare(&mut report, file.entry, bytes, hash);
        }
        Err(e) => return file.unreadable(report, format!("cannot read: {e}")),
    }
    match guarded(|| read(file, expect, &mut report)) {
        Ok(Ok((rows, to_end))) => file.outcome(report, rows, to_end),
        Ok(Err(why)) | Err(why) => file.unreadable(report, why),
    }
}

/// Reads and checks the file; returns (rows read, read completely), or
/// why it cannot be read at all. A node file whose ids cannot be read (no
/// `:ID` column of a fitting type) is not read completely: ends in its ID
/// group are then not looked up, instead of all being reported missing.
fn read(
    file: &DataFile<'_>,
    expect: &Expect<'_>,
    report: &mut FileReport,
) -> Result<(u64, bool), String> {
    let builder = open(file.root, &file.entry.path)?;
    check_footer(builder.metadata(), expect, report);
    let fields = builder.parquet_schema().root_schema().get_fields().to_vec();
    let names: Vec<String> = fields.iter().map(|f| f.name().to_string()).collect();
    let own;
    let header: &Header = match file.cols {
        Some(c) if c.cells == names => c.header,
        _ => {
            if let Some(c) = file.cols {
                report.error(None, names_differ(c.cells, &names));
            }
            let (h, errors) = parse_header(&names, expect.kind, expect.id_type);
            for e in errors {
                report.error(None, format!("column names: {e}"));
            }
            own = h;
            &own
        }
    };
    let flow = IdFlow::new(file.ids);
    let plans: Vec<(Plan, &str)> = header
        .entries
        .iter()
        .zip(builder.schema().fields())
        .zip(&fields)
        .zip(&names)
        .map(|(((e, f), pq), name)| {
            let id_type = match e.kind {
                Kind::Id => header.id_type.unwrap_or(expect.id_type),
                Kind::StartId => flow.end_type(End::Start).unwrap_or(expect.id_type),
                Kind::EndId => flow.end_type(End::End).unwrap_or(expect.id_type),
                _ => expect.id_type,
            };
            match ptypes::plan(e, f.data_type(), pq, id_type) {
                Ok(p) => (p, name.as_str()),
                Err(msg) => {
                    report.error(None, format!("column '{name}': {msg}"));
                    (Plan::Skip, name.as_str())
                }
            }
        })
        .collect();
    let ids_read =
        !matches!(file.ids, Ids::Collect { .. }) || plans.iter().any(|(p, _)| *p == Plan::Id);
    let reader = builder
        .build()
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let mut state = Batches {
        flow,
        id: Vec::new(),
        rows: 0,
    };
    let mut decoded = true;
    for batch in reader {
        match batch {
            Ok(b) => {
                state.check(&b, &plans, report);
                file.counters
                    .rows
                    .fetch_add(b.num_rows() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                report.error(
                    Some(state.rows + 1),
                    format!("cannot decode the rows from here on: {e}"),
                );
                decoded = false;
                break;
            }
        }
    }
    state.flow.finish(report);
    Ok((state.rows, decoded && ids_read))
}

/// The first difference between a file's column names and `header.csv`.
fn names_differ(cells: &[String], names: &[String]) -> String {
    let at = cells
        .iter()
        .zip(names)
        .position(|(a, b)| a != b)
        .unwrap_or(cells.len().min(names.len()));
    let show = |v: &[String]| {
        v.get(at)
            .map_or("nothing".to_string(), |s| format!("'{s}'"))
    };
    format!(
        "the column names differ from header.csv: column {} is {}, header.csv has {} ({} columns, header.csv {})",
        at + 1,
        show(names),
        show(cells),
        names.len(),
        cells.len()
    )
}

/// Row counts, codec and row-group sizes from the footer.
fn check_footer(meta: &ParquetMetaData, expect: &Expect<'_>, report: &mut FileReport) {
    let groups = meta.row_groups();
    let in_groups: i64 = groups.iter().map(|g| g.num_rows()).sum();
    let footer = meta.file_metadata().num_rows();
    if footer != in_groups {
        report.error(
            None,
            format!("the footer says {footer} rows, its row groups hold {in_groups}"),
        );
    }
    if let Some(max) = expect.row_group_rows {
        if let Some((k, g)) = groups
            .iter()
            .enumerate()
            .find(|(_, g)| u64::try_from(g.num_rows()).map_or(true, |n| n > max))
        {
            report.error(
                None,
                format!(
                    "row group {} has {} rows, more than the manifest's row_group_rows {max}",
                    k + 1,
                    g.num_rows()
                ),
            );
        }
    }
    let Some(want) = expect.codec else { return };
    let Some(family) = codec_family(want) else {
        return;
    };
    let chunks = groups.iter().flat_map(|g| g.columns());
    if let Some(c) = chunks
        .into_iter()
        .find(|c| compression_family(c.compression()) != family)
    {
        report.error(
            None,
            format!(
                "column {} is compressed with {}, the manifest's codec is {want}",
                c.column_path(),
                compression_family(c.compression())
            ),
        );
    }
}

/// State carried from batch to batch.
struct Batches<'a> {
    flow: IdFlow<'a>,
    id: Vec<u8>,
    /// Rows before the current batch.
    rows: u64,
}

impl Batches<'_> {
    fn check(&mut self, b: &RecordBatch, plans: &[(Plan, &str)], report: &mut FileReport) {
        let row0 = self.rows;
        let at = |i: usize| row0 + i as u64 + 1;
        let mut id_cols = Vec::new();
        for (a, &(plan, name)) in b.columns().iter().zip(plans) {
            let a = a.as_ref();
            match plan {
                Plan::Skip => {}
                Plan::Id => id_cols.push((a, name)),
                Plan::End(end) => {
                    for i in 0..a.len() {
                        self.id.clear();
                        let what = if !id_text(a, i, &mut self.id) {
                            "null"
                        } else if self.id.is_empty() {
                            "empty"
                        } else {
                            if let Err(msg) = self.flow.end(end, &self.id, at(i), report) {
                                report.error(Some(at(i)), format!("column '{name}': {msg}"));
                            }
                            continue;
                        };
                        report.error(
                            Some(at(i)),
                            format!(
                                "column '{name}': {what} :{} value (a bad relationship)",
                                end.name()
                            ),
                        );
                    }
                }
                Plan::Label => {
                    let s = a.as_string::<i32>();
                    for (i, v) in s.iter().enumerate() {
                        if let Some(v) = v {
                            values::check_labels(v.as_bytes(), |msg| {
                                report.error(
                                    Some(at(i)),
                                    format!(
                                        "column ':LABEL' '{}': {msg}",
                                        check::show(v.as_bytes())
                                    ),
                                );
                            });
                        }
                    }
                }
                Plan::Prop(ty) => check_values(a, ty, |i, warning, msg| {
                    let msg = format!("column '{name}': {msg}");
                    if warning {
                        report.warn(Some(at(i)), msg);
                    } else {
                        report.error(Some(at(i)), msg);
                    }
                }),
            }
        }
        if !id_cols.is_empty() {
            for i in 0..b.num_rows() {
                self.id.clear();
                let mut has_id = false;
                for (k, &(a, name)) in id_cols.iter().enumerate() {
                    if k > 0 {
                        self.id.push(ID_PART_SEPARATOR);
                    }
                    let len = self.id.len();
                    if !id_text(a, i, &mut self.id) {
                        report.error(Some(at(i)), format!("column '{name}': null :ID value"));
                    } else if self.id.len() == len {
                        report.error(Some(at(i)), format!("column '{name}': empty :ID value"));
                    } else {
                        has_id = true;
                    }
                }
                if has_id {
                    if let Err(msg) = self.flow.node(&self.id, at(i)) {
                        report.error(Some(at(i)), msg);
                    }
                }
            }
        }
        self.rows += b.num_rows() as u64;
    }
}

/// Appends the text of id cell `i` (a string, or an integer in decimal);
/// `false` when it is null.
fn id_text(a: &dyn Array, i: usize, out: &mut Vec<u8>) -> bool {
    if a.is_null(i) {
        return false;
    }
    let n: i64 = match a.data_type() {
        DataType::Utf8 => {
            out.extend_from_slice(a.as_string::<i32>().value(i).as_bytes());
            return true;
        }
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).into(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).into(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).into(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i),
        // ptypes::plan admits no other id column.
        _ => return false,
    };
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    true
}

/// Checks the non-null values of a property column of (compatible) type
/// `ty`; `bad(row index, warning, message)` for each problem.
fn check_values(a: &dyn Array, ty: PropType, mut bad: impl FnMut(usize, bool, String)) {
    if !ty.array {
        check_scalars(a, ty.scalar, true, &mut bad);
        return;
    }
    let list = a.as_list::<i32>();
    let mut row_of = Vec::with_capacity(list.values().len());
    for i in 0..list.len() {
        #[allow(
            clippy::cast_sign_loss,
            reason = "Arrow list lengths are never negative"
        )]
        let n = list.value_length(i) as usize;
        if list.is_null(i) {
            row_of.extend(std::iter::repeat_n((i, 0), n));
            continue;
        }
        if n == 0 {
            bad(
                i,
                false,
                "an empty list: neo4j-admin stores an empty array (Parquet keeps empty apart from null), which the CSV form cannot express; cmdbgen writes null for no values".into(),
            );
        }
        row_of.extend((0..n).map(|k| (i, k + 1)));
    }
    #[allow(
        clippy::cast_sign_loss,
        reason = "Arrow list offsets are never negative"
    )]
    let start = list.value_offsets()[0] as usize;
    #[allow(
        clippy::cast_sign_loss,
        reason = "Arrow list offsets are never negative"
    )]
    let end = list.value_offsets()[list.len()] as usize;
    let values = list.values().slice(start, end - start);
    for (j, &(i, k)) in row_of.iter().enumerate() {
        if values.is_null(j) && !list.is_null(i) {
            bad(
                i,
                false,
                format!("element {k} is null (Neo4j arrays cannot hold nulls)"),
            );
        }
    }
    check_scalars(values.as_ref(), ty.scalar, false, &mut |j, warning, msg| {
        let (i, k) = row_of[j];
        if !list.is_null(i) {
            bad(i, warning, format!("element {k}: {msg}"));
        }
    });
}

/// Checks the non-null values of a column of scalars of type `s`;
/// `top`: the column itself, not the elements of lists.
fn check_scalars(a: &dyn Array, s: Scalar, top: bool, bad: &mut dyn FnMut(usize, bool, String)) {
    let range = |lo: i64, hi: i64| move |v: i64| (lo..=hi).contains(&v);
    match (a.data_type(), s) {
        (DataType::Utf8, _) => {
            let strings = a.as_string::<i32>();
            let text_checked = s != Scalar::String;
            for (i, v) in strings.iter().enumerate() {
                let Some(v) = v else { continue };
                if v.is_empty() {
                    if top {
                        bad(i, true, "an empty string: neo4j-admin's Parquet reader imports it as no property (CSV \"\" is an empty string)".into());
                    }
                } else if text_checked {
                    let ty = PropType {
                        scalar: s,
                        array: false,
                    };
                    if let Err(msg) = values::check(ty, v.as_bytes()) {
                        bad(i, false, msg);
                    }
                }
            }
        }
        (dt, Scalar::Int | Scalar::Short | Scalar::Byte) => {
            let (lo, hi) = match s {
                Scalar::Byte => (i64::from(i8::MIN), i64::from(i8::MAX)),
                Scalar::Short => (i64::from(i16::MIN), i64::from(i16::MAX)),
                _ => (i64::from(i32::MIN), i64::from(i32::MAX)),
            };
            let out = |v: i64| format!("{v} is out of range {lo}..={hi} of a {}", s.name());
            let ok = range(lo, hi);
            match dt {
                DataType::Int64 => each::<Int64Type>(a, ok, out, bad),
                DataType::Int32 => each::<Int32Type>(a, ok, out, bad),
                DataType::Int16 => each::<Int16Type>(a, ok, out, bad),
                _ => {}
            }
        }
        (DataType::Timestamp(unit, _), _) => {
            let per_sec: i64 = match unit {
                TimeUnit::Second => 1,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1_000_000,
                TimeUnit::Nanosecond => 1_000_000_000,
            };
            let ok = range(
                MIN_SECS.saturating_mul(per_sec),
                (MAX_SECS + 1).saturating_mul(per_sec).saturating_sub(1),
            );
            let out = |v: i64| {
                format!(
                    "{v} ({unit:?}s since 1970) is outside the years 0000-9999 that CSV's YYYY-MM-DD can express"
                )
            };
            match unit {
                TimeUnit::Second => each::<TimestampSecondType>(a, ok, out, bad),
                TimeUnit::Millisecond => each::<TimestampMillisecondType>(a, ok, out, bad),
                TimeUnit::Microsecond => each::<TimestampMicrosecondType>(a, ok, out, bad),
                TimeUnit::Nanosecond => each::<TimestampNanosecondType>(a, ok, out, bad),
            }
        }
        (DataType::Date32, _) => {
            let ok = range(MIN_SECS.div_euclid(86_400), MAX_SECS.div_euclid(86_400));
            let out = |v: i64| {
                format!("{v} (days since 1970) is outside the years 0000-9999 that CSV's YYYY-MM-DD can express")
            };
            each::<Date32Type>(a, ok, out, bad);
        }
        // Booleans, floats, longs and times hold no invalid values.
        _ => {}
    }
}

/// Calls `bad` for each non-null value of a primitive array that is not `ok`.
fn each<T: ArrowPrimitiveType>(
    a: &dyn Array,
    ok: impl Fn(i64) -> bool,
    out: impl Fn(i64) -> String,
    bad: &mut dyn FnMut(usize, bool, String),
) where
    T::Native: Into<i64>,
{
    let p = a.as_primitive::<T>();
    for (i, v) in p.iter().enumerate() {
        if let Some(v) = v {
            let v: i64 = v.into();
            if !ok(v) {
                bad(i, false, out(v));
            }
        }
    }
}

/// Calls `each(row, id)` for every row of a Parquet node file with a
/// non-empty id (its `:ID` columns joined), reading only those columns, as
/// [`check::locate_duplicates`] reads it. The id columns are found by the
/// file's own column names (the table's header is for CSV). Unreadable files
/// and rows are skipped (reported already).
pub fn ids(root: &Path, rel: &str, _header: &Header, each: &mut dyn FnMut(u64, &[u8])) {
    let _ = guarded(|| {
        let Ok(builder) = open(root, rel) else { return };
        let roots: Vec<usize> = builder
            .parquet_schema()
            .root_schema()
            .get_fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| parse_entry(f.name()).is_ok_and(|e| e.kind == Kind::Id))
            .map(|(i, _)| i)
            .collect();
        if roots.is_empty() {
            return;
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let Ok(reader) = builder.with_projection(mask).build() else {
            return;
        };
        let mut id = Vec::new();
        let mut row = 0u64;
        for batch in reader {
            let Ok(b) = batch else { return };
            for i in 0..b.num_rows() {
                id.clear();
                for (k, a) in b.columns().iter().enumerate() {
                    if k > 0 {
                        id.push(ID_PART_SEPARATOR);
                    }
                    id_text(a.as_ref(), i, &mut id);
                }
                if id.iter().any(|&c| c != ID_PART_SEPARATOR) {
                    each(row + i as u64 + 1, &id);
                }
            }
            row += b.num_rows() as u64;
        }
    });
}
