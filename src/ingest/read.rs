//! Reading export files record by record: CSV (RFC 4180, streamed, with the
//! line each record starts on), Parquet and Arrow IPC (by record batch).
//! Every reader hands out the text of the columns asked for, in the order
//! asked, so the typing (`value`) is the same for every format.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef, TimeUnit};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One record: the text of each asked-for column (`None`: absent), and where
/// it is in its file.
#[derive(Debug, Default)]
pub struct Record {
    /// CSV: the line the record starts on; columnar files: the row, from 1.
    pub pos: u64,
    buf: Vec<u8>,
    ends: Vec<Option<usize>>,
}

impl Record {
    fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }

    fn push_present(&mut self) {
        self.ends.push(Some(self.buf.len()));
    }

    /// The raw bytes of asked-for column `i` (`None`: absent or null).
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        let end = self.ends.get(i).copied().flatten()?;
        let start = self.ends[..i].iter().rev().find_map(|e| *e).unwrap_or(0);
        Some(&self.buf[start..end])
    }
}

/// A problem reading a file: at a record (`pos`), or with the file itself.
#[derive(Debug)]
pub struct ReadError {
    /// The record's position, if the problem is one record.
    pub pos: Option<u64>,
    /// What is wrong.
    pub msg: String,
}

/// The formats ingest reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// Comma-separated, with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC, file or stream format.
    Ipc,
}

impl InputFormat {
    /// The format of a path, by its extension.
    pub fn of(path: &Path) -> InputFormat {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".parquet") {
            InputFormat::Parquet
        } else if name.ends_with(".csv") {
            InputFormat::Csv
        } else {
            InputFormat::Ipc
        }
    }

    /// How a record's position is written after the file name.
    pub fn at(self, path: &Path, pos: u64) -> String {
        match self {
            InputFormat::Csv => format!("{}:{pos}", path.display()),
            _ => format!("{}:row {pos}", path.display()),
        }
    }
}

/// A reader of records.
pub trait Records: Send {
    /// Reads the next record into `rec`: `Ok(false)` at the end; an error
    /// with a position is one bad record (reading may go on), one without
    /// ends the file.
    fn next(&mut self, rec: &mut Record) -> Result<bool, ReadError>;
}

/// Opens `path` and finds the `want`ed columns; a missing one is an error
/// naming it. Returns the reader and its format.
pub fn open(path: &Path, want: &[&str]) -> Result<Box<dyn Records>, ReadError> {
    let file_err = |e: String| ReadError { pos: None, msg: e };
    let f = File::open(path).map_err(|e| file_err(format!("cannot open: {e}")))?;
    match InputFormat::of(path) {
        InputFormat::Csv => Ok(Box::new(CsvRecords::new(f, want)?)),
        InputFormat::Parquet => {
            let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                .map_err(|e| file_err(format!("not a readable Parquet file: {e}")))?;
            let schema = b.schema().clone();
            let cols = select(&schema, want)?;
            let mask =
                parquet::arrow::ProjectionMask::roots(b.parquet_schema(), unique_sorted(&cols));
            let reader = b
                .with_projection(mask)
                .with_batch_size(8192)
                .build()
                .map_err(|e| file_err(format!("not a readable Parquet file: {e}")))?;
            let names: Vec<String> = cols
                .iter()
                .map(|&i| schema.field(i).name().clone())
                .collect();
            Ok(Box::new(Batches::new(
                Box::new(reader.map(|r| r.map_err(|e| e.to_string()))),
                names,
            )))
        }
        InputFormat::Ipc => {
            let names: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            match arrow_ipc::reader::FileReader::try_new(f, None) {
                Ok(r) => {
                    select(&r.schema(), want)?;
                    Ok(Box::new(Batches::new(
                        Box::new(r.map(|b| b.map_err(|e| e.to_string()))),
                        names,
                    )))
                }
                Err(_) => {
                    let f = File::open(path).map_err(|e| file_err(format!("cannot open: {e}")))?;
                    let r = arrow_ipc::reader::StreamReader::try_new(BufReader::new(f), None)
                        .map_err(|e| file_err(format!("not an Arrow IPC file or stream: {e}")))?;
                    select(&r.schema(), want)?;
                    Ok(Box::new(Batches::new(
                        Box::new(r.map(|b| b.map_err(|e| e.to_string()))),
                        names,
                    )))
                }
            }
        }
    }
}

fn unique_sorted(cols: &[usize]) -> Vec<usize> {
    let mut v = cols.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// The indices of `want` in `schema`, checking that each column's type can
/// be read as text.
fn select(schema: &SchemaRef, want: &[&str]) -> Result<Vec<usize>, ReadError> {
    let missing: Vec<&str> = want
        .iter()
        .copied()
        .filter(|w| schema.index_of(w).is_err())
        .collect();
    if !missing.is_empty() {
        return Err(missing_columns(&missing));
    }
    want.iter()
        .map(|w| {
            let i = schema.index_of(w).unwrap_or(0);
            let t = schema.field(i).data_type();
            if readable(t) {
                Ok(i)
            } else {
                Err(ReadError {
                    pos: None,
                    msg: format!("column '{w}' has type {t}, which ingest cannot read"),
                })
            }
        })
        .collect()
}

fn missing_columns(missing: &[&str]) -> ReadError {
    let list: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
    ReadError {
        pos: Some(1),
        msg: format!(
            "the mapped column{} {} {} not in the file",
            if missing.len() > 1 { "s" } else { "" },
            list.join(", "),
            if missing.len() > 1 { "are" } else { "is" }
        ),
    }
}

fn readable(t: &DataType) -> bool {
    match t {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Date32
        | DataType::Timestamp(_, _)
        | DataType::Null => true,
        DataType::List(f) | DataType::LargeList(f) => {
            matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8)
        }
        _ => false,
    }
}

/// Records from Arrow record batches (Parquet and IPC).
struct Batches {
    batches: Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>,
    names: Vec<String>,
    batch: Option<(RecordBatch, Vec<usize>)>,
    row: usize,
    pos: u64,
}

impl Batches {
    fn new(
        batches: Box<dyn Iterator<Item = Result<RecordBatch, String>> + Send>,
        names: Vec<String>,
    ) -> Batches {
        Batches {
            batches,
            names,
            batch: None,
            row: 0,
            pos: 0,
        }
    }
}

impl Records for Batches {
    fn next(&mut self, rec: &mut Record) -> Result<bool, ReadError> {
        loop {
            if let Some((b, cols)) = &self.batch {
                if self.row < b.num_rows() {
                    rec.clear();
                    self.pos += 1;
                    rec.pos = self.pos;
                    for &c in cols {
                        let before = rec.buf.len();
                        let present = cell_text(b.column(c).as_ref(), self.row, &mut rec.buf)
                            .map_err(|msg| ReadError {
                                pos: Some(self.pos),
                                msg,
                            })?;
                        if present {
                            rec.push_present();
                        } else {
                            rec.buf.truncate(before);
                            rec.ends.push(None);
                        }
                    }
                    self.row += 1;
                    return Ok(true);
                }
            }
            match self.batches.next() {
                None => return Ok(false),
                Some(Err(e)) => {
                    return Err(ReadError {
                        pos: None,
                        msg: format!("after row {}: {e}", self.pos),
                    })
                }
                Some(Ok(b)) => {
                    let schema = b.schema();
                    let cols = self
                        .names
                        .iter()
                        .map(|n| schema.index_of(n))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| ReadError {
                            pos: None,
                            msg: e.to_string(),
                        })?;
                    self.batch = Some((b, cols));
                    self.row = 0;
                }
            }
        }
    }
}

/// Appends the text of cell `i` of `a` (what a CSV export would hold);
/// `Ok(false)` for a null.
fn cell_text(a: &dyn Array, i: usize, out: &mut Vec<u8>) -> Result<bool, String> {
    if a.is_null(i) {
        return Ok(false);
    }
    let mut num = itoa::Buffer::new();
    macro_rules! int {
        ($t:ty) => {
            out.extend_from_slice(num.format(a.as_primitive::<$t>().value(i)).as_bytes())
        };
    }
    match a.data_type() {
        DataType::Utf8 => out.extend_from_slice(a.as_string::<i32>().value(i).as_bytes()),
        DataType::LargeUtf8 => out.extend_from_slice(a.as_string::<i64>().value(i).as_bytes()),
        DataType::Utf8View => out.extend_from_slice(a.as_string_view().value(i).as_bytes()),
        DataType::Boolean => out.extend_from_slice(if a.as_boolean().value(i) {
            b"true"
        } else {
            b"false"
        }),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float32 => out
            .extend_from_slice(format!("{}", a.as_primitive::<Float32Type>().value(i)).as_bytes()),
        DataType::Float64 => out
            .extend_from_slice(format!("{}", a.as_primitive::<Float64Type>().value(i)).as_bytes()),
        DataType::Date32 => {
            let days = i64::from(a.as_primitive::<arrow_array::types::Date32Type>().value(i));
            crate::write::csv::put_datetime(days * 86_400, out);
        }
        DataType::Timestamp(unit, _) => {
            let v = timestamp_value(a, *unit, i);
            let secs = match unit {
                TimeUnit::Second => v,
                TimeUnit::Millisecond => v.div_euclid(1_000),
                TimeUnit::Microsecond => v.div_euclid(1_000_000),
                TimeUnit::Nanosecond => v.div_euclid(1_000_000_000),
            };
            crate::write::csv::put_datetime(secs, out);
        }
        DataType::List(_) => list_text(a.as_list::<i32>().value(i).as_ref(), out)?,
        DataType::LargeList(_) => list_text(a.as_list::<i64>().value(i).as_ref(), out)?,
        DataType::Null => return Ok(false),
        t => return Err(format!("cannot read a value of type {t}")),
    }
    Ok(true)
}

fn timestamp_value(a: &dyn Array, unit: TimeUnit, i: usize) -> i64 {
    use arrow_array::types::{
        TimestampMicrosecondType as Us, TimestampMillisecondType as Ms,
        TimestampNanosecondType as Ns, TimestampSecondType as S,
    };
    match unit {
        TimeUnit::Second => a.as_primitive::<S>().value(i),
        TimeUnit::Millisecond => a.as_primitive::<Ms>().value(i),
        TimeUnit::Microsecond => a.as_primitive::<Us>().value(i),
        TimeUnit::Nanosecond => a.as_primitive::<Ns>().value(i),
    }
}

/// A list of strings as the `;`-joined text of a `string[]` cell.
fn list_text(items: &dyn Array, out: &mut Vec<u8>) -> Result<(), String> {
    for k in 0..items.len() {
        if k > 0 {
            out.push(b';');
        }
        if !items.is_null(k) {
            cell_text(items, k, out)?;
        }
    }
    Ok(())
}

/// The longest record (all its lines) ingest holds in memory: validate's
/// line limit. A longer one is one bad record, named with its line; the
/// rest of its line is skipped without being kept.
pub const MAX_RECORD: usize = crate::validate::reader::MAX_LINE;

/// The most fields a record may have (a line of commas would otherwise
/// cost 8 bytes of memory per byte read).
pub const MAX_FIELDS: usize = 1 << 16;

/// RFC 4180 CSV, streamed: `,` between fields, `"` quoting with `""` for a
/// quote, quoted fields may span lines, `\n` or `\r\n` line ends, a header
/// row, blank lines skipped, a UTF-8 byte-order mark allowed. Bytes go from
/// the input buffer straight into the fields, so a record costs at most
/// [`MAX_RECORD`] bytes of memory, whatever the input.
pub struct CsvRecords<R> {
    input: R,
    /// Line ends read so far.
    line: u64,
    start: u64,
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// For each asked-for column, its index in the header.
    sel: Vec<usize>,
    width: usize,
}

impl CsvRecords<BufReader<File>> {
    fn new(f: File, want: &[&str]) -> Result<Self, ReadError> {
        CsvRecords::from_reader(BufReader::with_capacity(1 << 20, f), want)
    }
}

/// Where the parser is within a record.
#[derive(Clone, Copy, PartialEq)]
enum S {
    FieldStart,
    Plain,
    Quoted,
    QuoteInQuoted,
}

impl<R: BufRead> CsvRecords<R> {
    /// Reads the header of `input` and finds the `want`ed columns.
    pub fn from_reader(input: R, want: &[&str]) -> Result<Self, ReadError> {
        let mut r = CsvRecords {
            input,
            line: 0,
            start: 0,
            fields: Vec::with_capacity(4096),
            ends: Vec::new(),
            sel: Vec::new(),
            width: 0,
        };
        if !r.parse()? {
            return Err(ReadError {
                pos: None,
                msg: "the file is empty (it needs a header row)".into(),
            });
        }
        let header: Vec<String> = (0..r.ends.len())
            .map(|i| {
                let s = String::from_utf8_lossy(r.field(i)).into_owned();
                if i == 0 {
                    s.trim_start_matches('\u{feff}').to_string()
                } else {
                    s
                }
            })
            .collect();
        let missing: Vec<&str> = want
            .iter()
            .copied()
            .filter(|w| !header.iter().any(|h| h == w))
            .collect();
        if !missing.is_empty() {
            return Err(missing_columns(&missing));
        }
        r.sel = want
            .iter()
            .map(|w| header.iter().position(|h| h == w).unwrap_or(0))
            .collect();
        r.width = header.len();
        Ok(r)
    }

    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.fields[start..self.ends[i]]
    }
}

/// One data byte of a record in state `s` (not a line end outside quotes).
fn byte(fields: &mut Vec<u8>, ends: &mut Vec<usize>, s: &mut S, b: u8) -> Result<(), String> {
    match *s {
        S::FieldStart => match b {
            b'"' => *s = S::Quoted,
            b',' => ends.push(fields.len()),
            _ => {
                fields.push(b);
                *s = S::Plain;
            }
        },
        S::Plain => match b {
            b',' => {
                ends.push(fields.len());
                *s = S::FieldStart;
            }
            b'"' => {
                return Err(format!(
                    "a quote inside an unquoted field (field {})",
                    ends.len() + 1
                ))
            }
            _ => fields.push(b),
        },
        S::Quoted => match b {
            b'"' => *s = S::QuoteInQuoted,
            _ => fields.push(b),
        },
        S::QuoteInQuoted => match b {
            b'"' => {
                fields.push(b'"');
                *s = S::Quoted;
            }
            b',' => {
                ends.push(fields.len());
                *s = S::FieldStart;
            }
            _ => {
                return Err(format!(
                    "a character after the closing quote of field {}",
                    ends.len() + 1
                ))
            }
        },
    }
    if ends.len() > MAX_FIELDS {
        return Err(format!("more than {MAX_FIELDS} fields"));
    }
    Ok(())
}

impl<R: BufRead> CsvRecords<R> {
    /// Parses the next non-blank record into `fields`/`ends` (its first
    /// line in `start`); `Ok(false)` at the end of the input. A record that
    /// breaks the rules is an error at its first line, after the rest of
    /// the line it was found on is skipped.
    fn parse(&mut self) -> Result<bool, ReadError> {
        self.fields.clear();
        self.ends.clear();
        let mut s = S::FieldStart;
        // A byte of the record (not of a blank line) was read.
        let mut began = false;
        // A `\r` outside quotes: a line end if `\n` follows, else data.
        let mut cr = false;
        let mut raw = 0usize;
        // The record is bad: skip to the end of its line, then report.
        let mut bad: Option<String> = None;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(e, self.line)),
            };
            if buf.is_empty() {
                if !began && !cr {
                    return Ok(false);
                }
                if !began {
                    self.start = self.line + 1;
                }
                if cr && bad.is_none() {
                    if let Err(m) = byte(&mut self.fields, &mut self.ends, &mut s, b'\r') {
                        bad = Some(m);
                    }
                }
                if bad.is_none() && s == S::Quoted {
                    bad = Some("a quoted field is not closed before the end of the file".into());
                }
                return self.end(bad, began || cr);
            }
            let mut used = 0;
            let mut ended = false;
            while used < buf.len() {
                // A run of ordinary bytes inside a field is copied at once.
                if began && bad.is_none() && !cr && (s == S::Plain || s == S::Quoted) {
                    let rest = &buf[used..];
                    let run = if s == S::Quoted {
                        rest.iter().position(|&c| c == b'"' || c == b'\n')
                    } else {
                        rest.iter()
                            .position(|&c| matches!(c, b',' | b'"' | b'\r' | b'\n'))
                    }
                    .unwrap_or(rest.len());
                    if run > 0 && raw + run <= MAX_RECORD {
                        self.fields.extend_from_slice(&rest[..run]);
                        raw += run;
                        used += run;
                        continue;
                    }
                }
                let b = buf[used];
                used += 1;
                if !began {
                    match (cr, b) {
                        (_, b'\n') => {
                            // A blank line.
                            self.line += 1;
                            cr = false;
                            continue;
                        }
                        (false, b'\r') => {
                            cr = true;
                            continue;
                        }
                        _ => {
                            began = true;
                            self.start = self.line + 1;
                            raw = usize::from(cr);
                        }
                    }
                }
                raw += 1;
                if bad.is_none() && raw > MAX_RECORD {
                    bad = Some(format!(
                        "the record is longer than {} MiB (a missing line end or quote?); the rest of its line is skipped",
                        MAX_RECORD >> 20
                    ));
                }
                if bad.is_some() {
                    if b == b'\n' {
                        self.line += 1;
                        ended = true;
                        break;
                    }
                    continue;
                }
                if s == S::Quoted {
                    match b {
                        b'"' => s = S::QuoteInQuoted,
                        b'\n' => {
                            self.line += 1;
                            self.fields.push(b);
                        }
                        _ => self.fields.push(b),
                    }
                    continue;
                }
                if cr {
                    cr = false;
                    if b == b'\n' {
                        self.line += 1;
                        ended = true;
                        break;
                    }
                    if let Err(m) = byte(&mut self.fields, &mut self.ends, &mut s, b'\r') {
                        bad = Some(m);
                        continue;
                    }
                }
                match b {
                    b'\r' => cr = true,
                    b'\n' => {
                        self.line += 1;
                        ended = true;
                        break;
                    }
                    _ => {
                        if let Err(m) = byte(&mut self.fields, &mut self.ends, &mut s, b) {
                            bad = Some(m);
                        }
                    }
                }
            }
            self.input.consume(used);
            if ended {
                return self.end(bad, true);
            }
        }
    }

    /// Ends a record: its last field, or the error that makes it bad.
    fn end(&mut self, bad: Option<String>, any: bool) -> Result<bool, ReadError> {
        if let Some(msg) = bad {
            // Memory of an oversized record is given back.
            self.fields = Vec::with_capacity(4096);
            self.ends = Vec::new();
            return Err(ReadError {
                pos: Some(self.start),
                msg,
            });
        }
        self.ends.push(self.fields.len());
        Ok(any)
    }
}

fn io_error(e: io::Error, line: u64) -> ReadError {
    ReadError {
        pos: None,
        msg: format!("read error after line {line}: {e}"),
    }
}

impl<R: BufRead + Send> Records for CsvRecords<R> {
    fn next(&mut self, rec: &mut Record) -> Result<bool, ReadError> {
        let more = self.parse();
        rec.clear();
        rec.pos = self.line;
        if !more? {
            return Ok(false);
        }
        let first = self.start;
        rec.pos = first;
        if self.ends.len() != self.width {
            return Err(ReadError {
                pos: Some(first),
                msg: format!(
                    "has {} fields, the header has {}",
                    self.ends.len(),
                    self.width
                ),
            });
        }
        for k in 0..self.sel.len() {
            let f = self.field(self.sel[k]);
            if f.is_empty() {
                rec.ends.push(None);
            } else {
                rec.buf.extend_from_slice(f);
                rec.push_present();
            }
        }
        Ok(true)
    }
}

/// The size of a file in bytes (0 if it cannot be read).
pub fn file_size(p: &PathBuf) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Reads all of `r` (tests).
#[cfg(test)]
fn all(r: &mut dyn Records) -> Vec<(u64, Vec<Option<String>>)> {
    let mut out = Vec::new();
    let mut rec = Record::default();
    while r.next(&mut rec).unwrap() {
        let n = rec.ends.len();
        out.push((
            rec.pos,
            (0..n)
                .map(|i| {
                    rec.bytes(i)
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                })
                .collect(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str, want: &[&str]) -> Result<CsvRecords<&'static [u8]>, ReadError> {
        let leaked: &'static [u8] = Box::leak(text.as_bytes().to_vec().into_boxed_slice());
        CsvRecords::from_reader(leaked, want)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn csv_records_carry_their_first_line() {
        let mut r = csv(
            "\u{feff}name,note,n\r\na,\"x, \"\"y\"\"\",1\n\nb,\"two\nlines\",\nc,,3\n",
            &["n", "name", "note"],
        )
        .unwrap();
        let rows = all(&mut r);
        assert_eq!(
            rows,
            vec![
                (2, vec![s("1"), s("a"), s("x, \"y\"")]),
                (4, vec![None, s("b"), s("two\nlines")]),
                (6, vec![s("3"), s("c"), None]),
            ]
        );
    }

    #[test]
    fn oversized_records_are_one_bad_record() {
        let mut text = "a,b\n".to_string();
        text.push_str(&",".repeat(MAX_FIELDS + 1));
        text.push_str("\n1,2\r\n\r\n3,\r\n");
        let mut r = csv(&text, &["a", "b"]).unwrap();
        let mut rec = Record::default();
        let e = r.next(&mut rec).unwrap_err();
        assert_eq!(e.pos, Some(2));
        assert!(e.msg.contains("more than 65536 fields"), "{}", e.msg);
        assert_eq!(
            all(&mut r),
            vec![(3, vec![s("1"), s("2")]), (5, vec![s("3"), None])]
        );
    }

    #[test]
    fn csv_errors_name_the_line() {
        let e = csv("a,b\n", &["a", "c", "d"]).err().unwrap();
        assert_eq!(e.pos, Some(1));
        assert!(e.msg.contains("'c', 'd' are not in the file"), "{}", e.msg);
        let mut r = csv("a,b\n1,2\n3,\"open\n4,5\n", &["a"]).unwrap();
        let mut rec = Record::default();
        assert!(r.next(&mut rec).unwrap());
        let e = r.next(&mut rec).unwrap_err();
        assert_eq!(e.pos, Some(3));
        assert!(e.msg.contains("not closed"), "{}", e.msg);
        let mut r = csv("a,b\n1\n1,2\n", &["a"]).unwrap();
        let e = r.next(&mut rec).unwrap_err();
        assert_eq!(
            (e.pos, e.msg.as_str()),
            (Some(2), "has 1 fields, the header has 2")
        );
        assert!(r.next(&mut rec).unwrap());
        assert_eq!(rec.pos, 3);
        let mut r = csv("a\n\"x\"y\n", &["a"]).unwrap();
        assert!(r
            .next(&mut rec)
            .unwrap_err()
            .msg
            .contains("after the closing quote"));
    }
}
