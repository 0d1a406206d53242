//! Parquet shards for `neo4j-admin database import --input-type=parquet`
//! (../shared/neo4j-import-spec.md §2.6) and for archives.
//!
//! Layout and typing (see docs/parquet.md for the reasons):
//! * One shard = one `.parquet` file. Column names are the neo4j-admin header
//!   entries (`id:ID(Server)`, `:LABEL`, `cpu_cores:double`, `:START_ID(Server)`),
//!   so no header file is passed to the importer.
//! * Physical types follow the declared Neo4j type: ids, labels and strings
//!   are UTF-8 strings (with `--ids integer` the `:ID`, `:START_ID` and
//!   `:END_ID` columns are INT64 and the string id is the property `id`),
//!   `int`/`long` are INT64, `double` is DOUBLE, `boolean`
//!   is BOOLEAN, `datetime` is TIMESTAMP(MICROS, adjusted to UTC) and
//!   `string[]` is a LIST of strings.
//! * `:LABEL` is one string with the labels joined by `;` (the importer splits
//!   that column on the array delimiter; it does not read lists there).
//! * Absence is a Parquet null, exactly where CSV has an empty unquoted field:
//!   a node without tags has a null `tags` list, not an empty one (Neo4j would
//!   store an empty array for an empty list, and nothing for CSV's empty field).
//! * Two kinds of string column are encoded here, by the crate's rules and
//!   through its page writer: pool words (`words`, a byte a row until the
//!   row group closes, then a dictionary chunk) and text without a dictionary
//!   (`text`, ids and edge ends rendered straight into PLAIN pages). The
//!   other columns are buffered in Arrow builders and handed to the crate's
//!   column writers every [`BATCH_ROWS`] rows. A row group closes every
//!   `row_group_rows` rows, so memory is bounded by one row group per shard
//!   being written, whatever the shard size.

use super::RowWriter;
use crate::gen::{pools, Value};
use crate::model::{ColKind, Column, Ids, PropType, Provenance, Table};
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chunk::Packers;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{WriterProperties, WriterPropertiesBuilder, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use std::io::{self, Write};
use std::sync::Arc;
use text::TextColumn;
use words::WordColumn;

pub use crate::format::Codec;

mod chunk;
mod text;
mod words;

/// Rows gathered in Arrow builders before they are handed to the writer.
pub const BATCH_ROWS: usize = 8192;

/// The default rows per row group (DuckDB's default, about 10-40 MB of our
/// rows before compression).
pub const DEFAULT_ROW_GROUP_ROWS: u64 = 122_880;

/// The time zone of `datetime` columns.
const UTC: &str = "UTC";

/// The field name of list elements, as the Parquet format recommends.
const LIST_ITEM: &str = "element";

impl Codec {
    fn compression(self) -> io::Result<Compression> {
        Ok(match self {
            Codec::Snappy => Compression::SNAPPY,
            Codec::None => Compression::UNCOMPRESSED,
            Codec::Zstd { level } => Compression::ZSTD(
                ZstdLevel::try_new(level)
                    .map_err(|e| io::Error::other(format!("zstd level {level}: {e}")))?,
            ),
        })
    }
}

/// The string id kept as a plain property when ids are integer: a text
/// column that holds a new value in every row, like the `:ID` it follows.
const ID_TEXT: Column = Column {
    name: "id",
    kind: ColKind::Prop(PropType::String),
};

/// The Arrow type of a column under an id mode: node ids and relationship
/// ends are strings, or Int64 with integer ids (the type neo4j-admin's
/// Parquet reader takes for an integer id, spec §2.6).
pub fn data_type(c: &Column, ids: Ids) -> DataType {
    match c.kind {
        ColKind::Id | ColKind::StartId | ColKind::EndId if ids == Ids::Integer => DataType::Int64,
        ColKind::Id | ColKind::Label | ColKind::StartId | ColKind::EndId => DataType::Utf8,
        ColKind::Prop(t) => match t {
            PropType::String => DataType::Utf8,
            PropType::Int | PropType::Long => DataType::Int64,
            PropType::Double => DataType::Float64,
            PropType::Boolean => DataType::Boolean,
            PropType::DateTime => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
            PropType::StringArray => {
                DataType::List(Arc::new(Field::new(LIST_ITEM, DataType::Utf8, false)))
            }
        },
    }
}

/// The Parquet columns of a table under an id mode, one per header cell
/// ([`Table::header_cells_as`]): the model's columns, except that with
/// integer ids a node's id is two, the unnamed integer `:ID` and the string
/// `id` property.
pub fn columns(table: Table, p: Provenance, ids: Ids) -> Vec<Column> {
    let mut out = Vec::with_capacity(table.columns(p).len() + 1);
    for &c in table.columns(p) {
        if c.kind == ColKind::Id && ids == Ids::Integer {
            out.push(Column { name: "", ..c });
            out.push(Column {
                name: c.name,
                ..ID_TEXT
            });
        } else {
            out.push(c);
        }
    }
    out
}

/// The Arrow schema of a table: one field per column, named by its header
/// entry. Ids, ends and labels are required; properties are nullable.
pub fn schema(table: Table, (p, ids): (Provenance, Ids)) -> SchemaRef {
    schema_of(&columns(table, p, ids), &table.header_cells_as(p, ids), ids)
}

/// The Arrow schema of any column list, the fields named by `names` (the
/// header cells, one per column): what [`schema`] gives a model table, for
/// tables outside the model too (the peer benchmark workload).
pub fn schema_of(columns: &[Column], names: &[String], ids: Ids) -> SchemaRef {
    let fields: Vec<Field> = columns
        .iter()
        .zip(names)
        .map(|(c, name)| {
            let nullable = matches!(c.kind, ColKind::Prop(_));
            Field::new(name, data_type(c, ids), nullable)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// One column's Arrow builder: the row writer pushes [`Value`]s, ingest pushes
/// canonical text ([`Col::push_text`]).
pub(crate) enum Col {
    Utf8(StringBuilder),
    Int64(Int64Builder),
    Float64(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampMicrosecondBuilder),
    List(ListBuilder<StringBuilder>),
}

impl Col {
    pub(crate) fn new(c: &Column, ids: Ids) -> Col {
        let n = BATCH_ROWS;
        match data_type(c, ids) {
            DataType::Int64 => Col::Int64(Int64Builder::with_capacity(n)),
            DataType::Float64 => Col::Float64(Float64Builder::with_capacity(n)),
            DataType::Boolean => Col::Bool(BooleanBuilder::with_capacity(n)),
            DataType::Timestamp(..) => {
                Col::Time(TimestampMicrosecondBuilder::with_capacity(n).with_timezone(UTC))
            }
            DataType::List(item) => {
                Col::List(ListBuilder::with_capacity(StringBuilder::new(), n).with_field(item))
            }
            _ => Col::Utf8(StringBuilder::with_capacity(n, n * 16)),
        }
    }

    pub(crate) fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Utf8(b) => Arc::new(b.finish()),
            Col::Int64(b) => Arc::new(b.finish()),
            Col::Float64(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Time(b) => Arc::new(b.finish()),
            Col::List(b) => Arc::new(b.finish()),
        }
    }

    /// Appends one value in its canonical text (what the CSV writer writes,
    /// unquoted; `None` for empty); `None` back if it does not fit the column.
    pub(crate) fn push_text(&mut self, v: Option<&str>) -> Option<()> {
        match (self, v) {
            (Col::Utf8(b), t) => b.append_option(t),
            (Col::Int64(b), None) => b.append_null(),
            (Col::Int64(b), Some(t)) => b.append_value(t.parse().ok()?),
            (Col::Float64(b), None) => b.append_null(),
            (Col::Float64(b), Some(t)) => b.append_value(t.parse().ok()?),
            (Col::Bool(b), t) => b.append_option(t.map(|t| t == "true")),
            (Col::Time(b), None) => b.append_null(),
            (Col::Time(b), Some(t)) => {
                let secs = chrono::DateTime::parse_from_rfc3339(t).ok()?.timestamp();
                b.append_value(secs.checked_mul(1_000_000)?)
            }
            (Col::List(b), None) => b.append_null(),
            (Col::List(b), Some(t)) => {
                for e in t.split(';') {
                    b.values().append_value(e);
                }
                b.append(true);
            }
        }
        Some(())
    }

    /// Appends one value; `None` if it does not fit the column. Strings are
    /// appended as they are; other string-like values are rendered into
    /// `scratch` first ([`text_of`]), then appended whole.
    #[inline]
    fn push(&mut self, v: &Value<'_>, scratch: &mut Vec<u8>) -> Option<()> {
        match (self, *v) {
            (Col::Utf8(b), Value::Null) => b.append_null(),
            (Col::Utf8(b), Value::Str(s)) => b.append_value(s),
            (Col::Utf8(b), Value::Word(w)) => b.append_value(w.text),
            (Col::Utf8(b), v) => {
                scratch.clear();
                text_of(&v, scratch)?;
                b.append_value(std::str::from_utf8(scratch).ok()?);
            }
            (Col::Int64(b), Value::Null) => b.append_null(),
            (Col::Int64(b), Value::Int(i)) => b.append_value(i),
            (Col::Float64(b), Value::Null) => b.append_null(),
            // Exact: hundredths and 100 are exact doubles and IEEE division
            // rounds once, to the double nearest the decimal text CSV writes.
            (Col::Float64(b), Value::Cents(c)) => b.append_value(c as f64 / 100.0),
            (Col::Float64(b), Value::Int(i)) => b.append_value(i as f64),
            (Col::Bool(b), Value::Null) => b.append_null(),
            (Col::Bool(b), Value::Bool(x)) => b.append_value(x),
            (Col::Time(b), Value::Null) => b.append_null(),
            (Col::Time(b), Value::DateTime(secs)) => b.append_value(secs.checked_mul(1_000_000)?),
            (Col::List(b), Value::Null | Value::Tags(0) | Value::Sources { mask: 0, .. }) => {
                b.append_null()
            }
            (Col::List(b), Value::Sources { names, mask }) => {
                for n in crate::gen::selected(names, mask) {
                    b.values().append_value(n);
                }
                b.append(true);
            }
            (Col::List(b), Value::Tags(mask)) => {
                for (k, t) in pools::TAGS.iter().enumerate() {
                    if mask & (1 << k) != 0 {
                        b.values().append_value(t);
                    }
                }
                b.append(true);
            }
            _ => return None,
        }
        Some(())
    }
}

/// Appends the text of a string-like value (what CSV writes, unquoted) to
/// `out`; `None` for a value that has no text form.
#[inline]
fn text_of(v: &Value<'_>, out: &mut Vec<u8>) -> Option<()> {
    match *v {
        Value::Str(_)
        | Value::Word(_)
        | Value::Id { .. }
        | Value::IntegerId { .. }
        | Value::Name { .. }
        | Value::Key { .. }
        | Value::Report(_) => v.put_text(out),
        // Never quoted by the CSV writer: its CSV form is its text.
        Value::Ipv4(_) | Value::Net(_) | Value::Labels(_) | Value::Int(_) | Value::Bool(_) => {
            super::csv::put_value(v, out)
        }
        Value::Null
        | Value::Cents(_)
        | Value::DateTime(_)
        | Value::Tags(_)
        | Value::Sources { .. } => return None,
    }
    Some(())
}

/// Whether a column holds a different value in every row (node ids, and
/// the string id beside an integer one), so a dictionary would only cost
/// time before the writer falls back to plain.
fn unique_per_row(c: &Column) -> bool {
    c.kind == ColKind::Id || *c == ID_TEXT
}

/// Parquet writer settings of a table's shards.
pub fn properties(
    table: Table,
    (p, ids): (Provenance, Ids),
    codec: Codec,
    row_group_rows: u64,
) -> io::Result<WriterProperties> {
    properties_of(
        &columns(table, p, ids),
        &table.header_cells_as(p, ids),
        codec,
        row_group_rows,
    )
}

/// Parquet writer settings for any column list named by `names` (see
/// [`schema_of`]).
pub fn properties_of(
    columns: &[Column],
    names: &[String],
    codec: Codec,
    row_group_rows: u64,
) -> io::Result<WriterProperties> {
    Ok(builder_of(columns, names, codec, row_group_rows)?.build())
}

/// The settings of [`properties_of`], still open to per-column changes (the
/// peer benchmark workload turns dictionaries off for columns it knows to be
/// unique).
pub fn builder_of(
    columns: &[Column],
    names: &[String],
    codec: Codec,
    row_group_rows: u64,
) -> io::Result<WriterPropertiesBuilder> {
    let rows = usize::try_from(row_group_rows)
        .ok()
        .filter(|&r| r > 0)
        .ok_or_else(|| io::Error::other(format!("invalid row group size {row_group_rows}")))?;
    let mut b = WriterProperties::builder()
        // Data page v1: what every reader, parquet-mr in neo4j-admin
        // included, has read longest.
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(codec.compression()?)
        .set_max_row_group_row_count(Some(rows));
    for (c, name) in columns.iter().zip(names) {
        if unique_per_row(c) {
            b = b.set_column_dictionary_enabled(ColumnPath::new(vec![name.clone()]), false);
        }
    }
    Ok(b)
}

/// Rows of one table, encoded as Parquet into `W`.
///
/// Rows gather per column (`Own`): in a `WordColumn` for a nullable
/// string column with a dictionary while every value in it is a pool
/// [`Word`](pools::Word) or null; in a `TextColumn` for a string column
/// without a dictionary; otherwise in Arrow builders, handed to the crate's
/// column writers every [`BATCH_ROWS`] rows. Every `row_group_rows` rows the
/// column chunks are spliced into a row group in column order.
pub struct ParquetRows<W: Write + Send> {
    /// The table's name, for error messages.
    table: String,
    schema: SchemaRef,
    /// Values in a row: one per column, less one per integer node id.
    values: usize,
    cols: Vec<Col>,
    /// Per column: which encoder writes it.
    own: Vec<Own>,
    /// The page compressors of this crate's encoders.
    packers: Packers,
    /// Rows in the Arrow builders, not yet handed to the column writers.
    pending: usize,
    /// Rows in the row group being gathered.
    group_rows: usize,
    row_group_rows: usize,
    file: SerializedFileWriter<W>,
    factory: ArrowRowGroupWriterFactory,
    /// The crate's column writers of the row group being gathered (created
    /// with its first row).
    writers: Vec<ArrowColumnWriter>,
    /// Row groups written.
    groups: usize,
    /// Where ids and names are rendered before they are appended.
    scratch: Vec<u8>,
}

impl<W: Write + Send> ParquetRows<W> {
    /// A writer of `table`'s rows (its columns under `p` and `ids`) into
    /// `inner`.
    pub fn new(
        table: Table,
        (p, ids): (Provenance, Ids),
        inner: W,
        props: WriterProperties,
    ) -> io::Result<Self> {
        ParquetRows::with_columns(
            &table.to_string(),
            (&columns(table, p, ids), ids),
            &table.header_cells_as(p, ids),
            inner,
            props,
        )
    }

    /// A writer of rows of `columns` under `ids` (named by `names`, see
    /// [`schema_of`]) into `inner`; `table` names the table in error
    /// messages.
    pub fn with_columns(
        table: &str,
        (columns, ids): (&[Column], Ids),
        names: &[String],
        inner: W,
        props: WriterProperties,
    ) -> io::Result<Self> {
        if columns.len() != names.len() {
            return Err(io::Error::other(format!(
                "internal error: {table} has {} columns but {} names",
                columns.len(),
                names.len()
            )));
        }
        let schema = schema_of(columns, names, ids);
        // A row carries one value per column, but an integer node id is one
        // value for two columns (`:ID`, then `id`).
        let splits = match ids {
            Ids::String => 0,
            Ids::Integer => columns.iter().filter(|c| c.kind == ColKind::Id).count(),
        };
        let start = |e| io::Error::other(format!("starting a Parquet file for {table}: {e}"));
        // The Arrow writer adds the Arrow schema to the file's metadata, then
        // hands over the file writer and the column writers' factory.
        let (file, factory) = ArrowWriter::try_new(inner, schema.clone(), Some(props))
            .and_then(ArrowWriter::into_serialized_writer)
            .map_err(start)?;
        let row_group_rows = file
            .properties()
            .max_row_group_row_count()
            .unwrap_or(usize::MAX);
        let descr = file.schema_descr();
        if descr.num_columns() != columns.len() {
            return Err(io::Error::other(format!(
                "internal error: {table} has {} columns but {} Parquet leaves",
                columns.len(),
                descr.num_columns()
            )));
        }
        let props = file.properties();
        // Each encoder refuses what it does not write (see their `new`).
        let own = (0..columns.len())
            .map(|k| {
                let d = descr.column(k);
                match WordColumn::new(d.clone(), props) {
                    Some(w) => Own::Words(w),
                    None => {
                        TextColumn::new(d, props).map_or(Own::Crate, |t| Own::Text(Box::new(t)))
                    }
                }
            })
            .collect();
        Ok(ParquetRows {
            table: table.to_string(),
            values: columns.len() - splits,
            cols: columns.iter().map(|c| Col::new(c, ids)).collect(),
            own,
            packers: Packers::default(),
            schema,
            pending: 0,
            group_rows: 0,
            row_group_rows,
            file,
            factory,
            writers: Vec::new(),
            groups: 0,
            scratch: Vec::with_capacity(64),
        })
    }

    /// Hands the Arrow builders' rows to the column writers.
    fn flush_batch(&mut self) -> io::Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        for (k, col) in self.cols.iter_mut().enumerate() {
            if let Own::Crate = self.own[k] {
                write_array(&mut self.writers[k], self.schema.field(k), &col.finish())?;
            }
        }
        self.pending = 0;
        Ok(())
    }

    /// Writes the row group gathered so far.
    fn flush_group(&mut self) -> io::Result<()> {
        if self.group_rows == 0 {
            return Ok(());
        }
        self.flush_batch()?;
        let mut group = self.file.next_row_group().map_err(parquet_error)?;
        for (w, own) in std::mem::take(&mut self.writers)
            .into_iter()
            .zip(&mut self.own)
        {
            let encoded = match own {
                Own::Words(c) => c.finish_chunk(&mut self.packers),
                Own::Text(c) => c.finish_chunk(&mut self.packers),
                Own::Crate => {
                    w.close()
                        .and_then(|c| c.append_to_row_group(&mut group))
                        .map_err(parquet_error)?;
                    continue;
                }
            };
            encoded
                .and_then(|(bytes, close)| group.append_column(&bytes, close))
                .map_err(parquet_error)?;
        }
        group.close().map_err(parquet_error)?;
        self.groups += 1;
        self.group_rows = 0;
        Ok(())
    }

    /// Column `k` leaves its word encoder for the crate's writer, for good:
    /// the rows it gathered go to the column writer ahead of any later ones.
    fn leave_words(&mut self, k: usize) -> io::Result<()> {
        if let Own::Words(mut word) = std::mem::replace(&mut self.own[k], Own::Crate) {
            if word.rows() > 0 {
                let gathered: ArrayRef = Arc::new(word.take_strings());
                write_array(&mut self.writers[k], self.schema.field(k), &gathered)?;
            }
        }
        Ok(())
    }

    /// Appends `v` to column `k`, through the encoder that writes it.
    #[inline]
    fn push_at(&mut self, k: usize, v: &Value<'_>) -> io::Result<()> {
        let Some(own) = self.own.get_mut(k) else {
            return Err(self.misfit(k, v));
        };
        match own {
            Own::Words(c) => {
                if c.push(v) {
                    return Ok(());
                }
                self.leave_words(k)?;
            }
            Own::Text(c) => {
                if c.push(v, &mut self.packers).map_err(parquet_error)? {
                    return Ok(());
                }
                return Err(self.misfit(k, v));
            }
            Own::Crate => {}
        }
        if self.cols[k].push(v, &mut self.scratch).is_none() {
            return Err(self.misfit(k, v));
        }
        Ok(())
    }

    fn misfit(&self, k: usize, v: &Value<'_>) -> io::Error {
        let column = self
            .schema
            .fields()
            .get(k)
            .map_or("(none)", |f| f.name().as_str());
        io::Error::other(format!(
            "internal error: value {v:?} does not fit column {column} of {}",
            self.table
        ))
    }
}

/// Which encoder writes a column.
enum Own {
    /// The parquet crate, fed from an Arrow builder.
    Crate,
    /// [`WordColumn`], while every value is a pool word or null.
    Words(WordColumn),
    /// [`TextColumn`]: text without a dictionary.
    Text(Box<TextColumn>),
}

/// Hands one column's array to its column writer.
fn write_array(w: &mut ArrowColumnWriter, field: &Field, array: &ArrayRef) -> io::Result<()> {
    for leaf in compute_leaves(field, array).map_err(parquet_error)? {
        w.write(&leaf).map_err(parquet_error)?;
    }
    Ok(())
}

fn parquet_error(e: parquet::errors::ParquetError) -> io::Error {
    match e {
        parquet::errors::ParquetError::External(inner) => match inner.downcast::<io::Error>() {
            Ok(io) => *io,
            Err(other) => io::Error::other(other),
        },
        other => io::Error::other(other),
    }
}

impl<W: Write + Send> RowWriter for ParquetRows<W> {
    type Inner = W;

    #[inline]
    fn write_row(&mut self, row: &[Value<'_>]) -> io::Result<()> {
        if row.len() != self.values {
            return Err(io::Error::other(format!(
                "internal error: a {} row has {} values for {} columns",
                self.table,
                row.len(),
                self.values
            )));
        }
        if self.writers.is_empty() {
            self.writers = self
                .factory
                .create_column_writers(self.groups)
                .map_err(parquet_error)?;
        }
        let mut k = 0;
        for v in row {
            if let Value::IntegerId { prefix, n } = *v {
                // The integer `:ID`, then the string id as `id`.
                let int = i64::try_from(n).map_err(|_| self.misfit(k, v))?;
                self.push_at(k, &Value::Int(int))?;
                self.push_at(k + 1, &Value::Id { prefix, n })?;
                k += 2;
            } else {
                self.push_at(k, v)?;
                k += 1;
            }
        }
        self.pending += 1;
        self.group_rows += 1;
        if self.group_rows >= self.row_group_rows {
            self.flush_group()?;
        } else if self.pending >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<W> {
        self.flush_group()?;
        self.file.into_inner().map_err(parquet_error)
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
    use crate::gen::World;
    use crate::model::{NodeKind, RelKind};

    #[test]
    fn codecs_round_trip_through_text() {
        for (text, codec) in [
            ("snappy", Codec::Snappy),
            ("none", Codec::None),
            ("zstd:3", Codec::Zstd { level: 3 }),
            ("zstd:19", Codec::Zstd { level: 19 }),
        ] {
            assert_eq!(text.parse::<Codec>(), Ok(codec));
            assert_eq!(codec.to_string(), text);
        }
        assert_eq!("zstd".parse::<Codec>(), Ok(Codec::Zstd { level: 3 }));
        for bad in ["", "gzip", "zstd:", "zstd:0", "zstd:23", "zstd:x", "SNAPPY"] {
            let e = bad.parse::<Codec>().unwrap_err();
            assert!(e.contains("expected snappy"), "{bad}: {e}");
        }
    }

    #[test]
    fn schema_follows_the_model() {
        let s = schema(
            Table::Node(NodeKind::Server),
            (Provenance::Full, Ids::String),
        );
        assert_eq!(s.field(0).name(), "id:ID(Server)");
        assert_eq!(s.field(0).data_type(), &DataType::Utf8);
        assert!(!s.field(0).is_nullable());
        assert_eq!(s.field(1).name(), ":LABEL");
        assert_eq!(s.field(1).data_type(), &DataType::Utf8);
        let f = s.field_with_name("cpu_cores:double").unwrap();
        assert_eq!(f.data_type(), &DataType::Float64);
        let dc = schema(
            Table::Node(NodeKind::DataCenter),
            (Provenance::Full, Ids::String),
        );
        let f = dc.field_with_name("tier:int").unwrap();
        assert_eq!(f.data_type(), &DataType::Int64);
        let f = s.field_with_name("cost:double").unwrap();
        assert_eq!(f.data_type(), &DataType::Float64);
        let f = s.field_with_name("created_at:datetime").unwrap();
        assert_eq!(
            f.data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
        let f = s.field_with_name("tags:string[]").unwrap();
        assert!(
            matches!(f.data_type(), DataType::List(item) if item.data_type() == &DataType::Utf8)
        );
        let r = schema(
            Table::Rel(RelKind::ServerHostedInDataCenter),
            (Provenance::Full, Ids::String),
        );
        let names: Vec<_> = r.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            [
                ":START_ID(Server)",
                ":END_ID(DataCenter)",
                "source",
                "sources:string[]",
                "observed_at:datetime"
            ]
        );
        let single = schema(
            Table::Rel(RelKind::ServerHostedInDataCenter),
            (Provenance::SourceOnly, Ids::String),
        );
        assert_eq!(single.fields().len(), 3);
    }

    /// With integer ids a node file starts with a required Int64 `:ID(Kind)`
    /// and the string id as the nullable property `id`; relationship ends
    /// are required Int64; every other field is the string-id schema's.
    #[test]
    fn integer_ids_schema() {
        for t in Table::all() {
            for p in [Provenance::SourceOnly, Provenance::Full] {
                let string = schema(t, (p, Ids::String));
                let integer = schema(t, (p, Ids::Integer));
                let fields = |s: &SchemaRef| {
                    s.fields()
                        .iter()
                        .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
                        .collect::<Vec<_>>()
                };
                let (string, integer) = (fields(&string), fields(&integer));
                let names: Vec<String> = integer.iter().map(|f| f.0.clone()).collect();
                assert_eq!(names, t.header_cells_as(p, Ids::Integer), "{t}");
                if let Table::Node(k) = t {
                    assert_eq!(integer[0], (format!(":ID({k})"), DataType::Int64, false));
                    assert_eq!(integer[1], ("id".to_string(), DataType::Utf8, true));
                    assert_eq!(string[1..], integer[2..], "{t}");
                } else {
                    assert_eq!(integer[0].1, DataType::Int64, "{t}");
                    assert_eq!(integer[1].1, DataType::Int64, "{t}");
                    assert!(!integer[0].2 && !integer[1].2, "{t}");
                    assert_eq!(string[2..], integer[2..], "{t}");
                }
            }
        }
        // Both id columns of a node file are written without a dictionary.
        let t = Table::Node(NodeKind::Server);
        let p = Provenance::SourceOnly;
        let props = properties(t, (p, Ids::Integer), Codec::Snappy, 100).unwrap();
        for name in [":ID(Server)", "id"] {
            let path = ColumnPath::new(vec![name.to_string()]);
            assert!(!props.dictionary_enabled(&path), "{name}");
        }
        assert!(props.dictionary_enabled(&ColumnPath::new(vec!["status".into()])));
    }

    /// An integer-id row (one value for the node's id) fills two columns and
    /// reads back as the integer and the string id.
    #[test]
    fn integer_id_rows_read_back() {
        use arrow_array::cast::AsArray;
        use arrow_array::types::Int64Type;
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let mut profile = crate::profile::Profile::load("tiny").unwrap();
        profile.ids = Ids::Integer;
        let world = World::new(&profile);
        let p = world.provenance();
        for table in [
            Table::Node(NodeKind::Server),
            Table::Rel(RelKind::ServerHostedInDataCenter),
        ] {
            let mut w = crate::write::FormatRows::new(
                crate::format::Format::Parquet {
                    codec: Codec::Snappy,
                    row_group_rows: 4,
                },
                table,
                (p, Ids::Integer),
                Vec::new(),
            )
            .unwrap();
            let counters = crate::write::Counters::default();
            crate::write::fill(&world, table, 0..10, &mut w, &counters).unwrap();
            let bytes = bytes::Bytes::from(w.finish().unwrap());
            let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
                .unwrap()
                .build()
                .unwrap();
            let mut firsts = Vec::new();
            let mut seconds = Vec::new();
            for batch in reader {
                let batch = batch.unwrap();
                firsts.extend(
                    batch
                        .column(0)
                        .as_primitive::<Int64Type>()
                        .values()
                        .iter()
                        .copied(),
                );
                if table.is_node() {
                    let ids = batch.column(1).as_string::<i32>();
                    seconds.extend(ids.iter().map(|s| s.unwrap().to_string()));
                } else {
                    let ends = batch.column(1).as_primitive::<Int64Type>();
                    seconds.extend(ends.values().iter().map(i64::to_string));
                }
            }
            assert_eq!(firsts.len(), 10, "{table}");
            if table.is_node() {
                assert_eq!(firsts, (0..10).collect::<Vec<i64>>());
                assert_eq!(seconds[3], "srv-000000003");
            } else {
                // Servers start their HOSTED_IN rows in order, one each.
                assert_eq!(firsts, (0..10).collect::<Vec<i64>>());
                let dcs = world.count(NodeKind::DataCenter);
                assert!(seconds.iter().all(|d| d.parse::<u64>().unwrap() < dcs));
            }
        }
        // A row of the wrong length is an error, not a panic.
        let table = Table::Node(NodeKind::Server);
        let props = properties(table, (p, Ids::Integer), Codec::None, 10).unwrap();
        let mut w = ParquetRows::new(table, (p, Ids::Integer), Vec::new(), props).unwrap();
        let mut row = Vec::new();
        world.node_row(NodeKind::Server, 3, &mut row);
        // String ids in an integer-id file do not fit its Int64 `:ID`.
        assert!(w.write_row(&row).is_err());
        assert!(w.write_row(&row[..3]).is_err());
    }

    #[test]
    fn values_become_typed_cells() {
        let table = Table::Node(NodeKind::Server);
        let world = World::new(&crate::profile::Profile::load("tiny").unwrap());
        let p = world.provenance();
        let props = properties(table, (p, Ids::String), Codec::None, 10).unwrap();
        let mut w = ParquetRows::new(table, (p, Ids::String), Vec::new(), props).unwrap();
        let mut row = Vec::new();
        world.node_row(NodeKind::Server, 3, &mut row);
        w.write_row(&row).unwrap();
        // A value of the wrong kind is an error, not a panic.
        let mut bad = row.clone();
        let double_col = table
            .columns(p)
            .iter()
            .position(|c| c.name == "cpu_cores")
            .unwrap();
        bad[double_col] = Value::Str("many");
        let e = w.write_row(&bad).unwrap_err().to_string();
        assert!(e.contains("cpu_cores:double"), "{e}");
        assert!(w.write_row(&row[..3]).is_err());
    }

    #[test]
    fn text_forms_match_csv() {
        for v in [
            Value::Id {
                prefix: "srv-",
                n: 42,
            },
            Value::Id {
                prefix: "srv-",
                n: 12_345_678_901,
            },
            Value::Name {
                a: "web",
                b: "prd",
                sep: "-",
                n: 7,
            },
            Value::Name {
                a: "Gold",
                b: "",
                sep: " ",
                n: 0,
            },
            Value::Ipv4(0x0A00_0102),
            Value::Labels(&["ConfigurationItem", "Server"]),
            Value::Int(-5),
        ] {
            let mut got = Vec::new();
            text_of(&v, &mut got).unwrap();
            let mut csv = Vec::new();
            crate::write::csv::put_value(&v, &mut csv);
            assert_eq!(&got[..], &csv[..], "{v:?}");
        }
        assert!(text_of(&Value::Cents(5), &mut Vec::new()).is_none());
    }

    /// Columns written by this crate's encoders read back as the rows that
    /// were written, with the statistics the crate writes for the same rows.
    /// Pool words: nulls in some pages and all of others, an all-null row
    /// group, a column that turns to other strings mid-group, and one with
    /// more words than the encoder keeps. Text without a dictionary: a
    /// required id column, and an optional one with nulls, empty texts and
    /// pages closed by their byte size. Read without and through the offset
    /// index.
    #[test]
    fn own_encoders_read_back_as_written() {
        use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
        use parquet::file::metadata::PageIndexPolicy;
        use parquet::file::statistics::Statistics;
        static POOL: [pools::Word; 3] = [
            pools::Word::new("mauve"),
            pools::Word::new("amber"),
            pools::Word::new("zinc, \"brushed\""),
        ];
        let many: Vec<&'static pools::Word> = (0..words::MAX_WORDS + 3)
            .map(|k| {
                let text: &'static str = Box::leak(format!("w{k:03}").into_boxed_str());
                &*Box::leak(Box::new(pools::Word::new(text)))
            })
            .collect();
        let columns = [
            Column {
                name: "id",
                kind: ColKind::Id,
            },
            Column {
                name: "a",
                kind: ColKind::Prop(PropType::String),
            },
            Column {
                name: "b",
                kind: ColKind::Prop(PropType::String),
            },
            Column {
                name: "c",
                kind: ColKind::Prop(PropType::String),
            },
            Column {
                name: "e",
                kind: ColKind::Prop(PropType::String),
            },
        ];
        let names: Vec<String> = ["id:ID(T)", "a", "b", "c", "e"].map(String::from).to_vec();
        let rows = 230u64;
        let group = 60;
        // Column a: words, null where i % 7 == 3, and everywhere in rows
        // 120..180 (the third row group). Column b: words, then other text
        // from row 75 on. Column c: a new word every row.
        let a = |i: u64| {
            (i % 7 != 3 && !(120..180).contains(&i))
                .then(|| &POOL[(crate::rng::mix(i) % 3) as usize])
        };
        let row = |i: u64, out: &mut Vec<Value<'static>>| {
            out.clear();
            out.push(Value::Id { prefix: "t-", n: i });
            out.push(a(i).map_or(Value::Null, Value::Word));
            out.push(if i < 75 {
                Value::Word(&POOL[(i % 2) as usize])
            } else {
                Value::Str("other")
            });
            out.push(Value::Word(many[i as usize % many.len()]));
            out.push(match crate::rng::mix(i ^ 99) % 5 {
                0 => Value::Null,
                1 => Value::Str(""),
                k => Value::Name {
                    a: ["zeta", "alpha", "mu"][k as usize - 2],
                    b: "x",
                    sep: "-",
                    n: i,
                },
            });
        };
        let write = |crate_only: bool| {
            let mut b = builder_of(&columns, &names, Codec::Zstd { level: 3 }, group)
                .unwrap()
                .set_data_page_row_count_limit(16)
                .set_data_page_size_limit(100)
                .set_write_batch_size(8)
                .set_column_dictionary_enabled(ColumnPath::new(vec!["e".into()]), false);
            if crate_only {
                // Bloom filters: this crate's encoders step aside.
                b = b.set_bloom_filter_enabled(true);
            }
            let mut w = ParquetRows::with_columns(
                "T",
                (&columns, Ids::String),
                &names,
                Vec::new(),
                b.build(),
            )
            .unwrap();
            let mut out = Vec::new();
            for i in 0..rows {
                row(i, &mut out);
                w.write_row(&out).unwrap();
            }
            bytes::Bytes::from(w.finish().unwrap())
        };
        let ours = write(false);
        let plain = write(true);
        for page_index in [false, true] {
            // Through the page index: every column must have an offset index.
            let options = if page_index {
                ArrowReaderOptions::new()
                    .with_column_index_policy(PageIndexPolicy::Optional)
                    .with_offset_index_policy(PageIndexPolicy::Required)
            } else {
                ArrowReaderOptions::new()
            };
            let reader =
                ParquetRecordBatchReaderBuilder::try_new_with_options(ours.clone(), options)
                    .unwrap();
            let meta = reader.metadata().clone();
            assert_eq!(meta.num_row_groups(), 4);
            if page_index {
                // Column a's pages: 16 rows each, 60 to a group.
                let pages = &meta.offset_index().unwrap()[0][1].page_locations;
                let firsts: Vec<i64> = pages.iter().map(|p| p.first_row_index).collect();
                assert_eq!(firsts, [0, 16, 32, 48]);
                // Column e's pages close at 100 bytes: more, smaller pages.
                let pages = &meta.offset_index().unwrap()[0][4].page_locations;
                assert!(pages.len() > 4, "{pages:?}");
            }
            let mut got: Vec<[Option<String>; 5]> = Vec::new();
            for batch in reader.build().unwrap() {
                let batch = batch.unwrap();
                let text = |k: usize| {
                    batch
                        .column(k)
                        .as_any()
                        .downcast_ref::<arrow_array::StringArray>()
                        .unwrap()
                        .iter()
                        .map(|v| v.map(String::from))
                        .collect::<Vec<_>>()
                };
                let cells: Vec<_> = (0..5).map(text).collect();
                got.extend(
                    (0..batch.num_rows()).map(|k| std::array::from_fn(|c| cells[c][k].clone())),
                );
            }
            assert_eq!(got.len(), rows as usize);
            for (i, g) in got.iter().enumerate() {
                let mut out = Vec::new();
                row(i as u64, &mut out);
                let want: Vec<Option<String>> = out
                    .iter()
                    .map(|v| match v {
                        Value::Null => None,
                        v => {
                            let mut t = Vec::new();
                            text_of(v, &mut t).unwrap();
                            Some(String::from_utf8(t).unwrap())
                        }
                    })
                    .collect();
                assert_eq!(&g[..], &want[..], "row {i}");
            }
            // Every chunk's statistics are those of the crate's own chunk.
            let theirs = parquet::file::reader::SerializedFileReader::new(plain.clone()).unwrap();
            use parquet::file::reader::FileReader;
            for g in 0..meta.num_row_groups() {
                for c in 0..5 {
                    let mine = meta.row_group(g).column(c).statistics().cloned();
                    let other = theirs
                        .metadata()
                        .row_group(g)
                        .column(c)
                        .statistics()
                        .cloned();
                    let key = |s: Option<Statistics>| {
                        s.map(|s| {
                            (
                                s.min_bytes_opt().map(<[u8]>::to_vec),
                                s.max_bytes_opt().map(<[u8]>::to_vec),
                                s.null_count_opt(),
                            )
                        })
                    };
                    assert_eq!(key(mine), key(other), "group {g} column {c}");
                }
            }
        }
        // The all-null chunk of column a still has its null count.
        let meta = ParquetRecordBatchReaderBuilder::try_new(ours)
            .unwrap()
            .metadata()
            .clone();
        let s = meta.row_group(2).column(1).statistics().unwrap();
        assert_eq!(s.null_count_opt(), Some(60));
        assert_eq!(s.min_bytes_opt(), None);
    }
}
