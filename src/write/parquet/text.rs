//! Text columns without a dictionary (node ids, the peer tables' names and
//! edge ends), encoded here instead of by the parquet crate.
//!
//! Through the crate a rendered id was copied four times (into a scratch
//! buffer, checked as UTF-8, into an Arrow builder, into the PLAIN page) and
//! compared twice for the statistics, one library call each. Here the value
//! is rendered straight into the page after its 4-byte length, and the
//! page's smallest and largest values are kept as positions in it, turned
//! into chunk statistics when the page closes. Pages are v1 PLAIN pages of at
//! most the writer's row-count and byte limits; chunk statistics are exact
//! (never truncated), and the chunk has an offset index but no column index.

use super::chunk::{put_levels, ChunkStats, Layout, Packers, Pages};
use crate::gen::Value;
use bytes::Bytes;
use parquet::basic::Encoding;
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::Result;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnDescPtr;
use std::ops::Range;

/// One dictionary-less text column of the row group being written.
pub struct TextColumn {
    layout: Layout,
    pages: Pages,
    /// The open page's values: each a 4-byte length and its bytes.
    values: Vec<u8>,
    /// The open page's definition levels, one byte a row (optional columns).
    defined: Vec<u8>,
    /// Rows in the open page, and how many of them are not null.
    page_rows: usize,
    page_values: usize,
    /// Where the open page's smallest and largest values are in `values`.
    page_min: Range<usize>,
    page_max: Range<usize>,
    /// The chunk's smallest and largest values so far.
    min: Option<Vec<u8>>,
    max: Option<Vec<u8>>,
    nulls: u64,
    /// Bytes of the chunk's values without their lengths.
    unencoded: i64,
    /// Scratch for an optional column's page (levels, then values).
    raw: Vec<u8>,
}

impl TextColumn {
    /// An encoder for column `descr` under `props`, or `None` if they want a
    /// dictionary for it or anything [`Layout::new`] refuses.
    pub fn new(descr: ColumnDescPtr, props: &WriterProperties) -> Option<TextColumn> {
        if props.dictionary_enabled(descr.path()) {
            return None;
        }
        Some(TextColumn {
            layout: Layout::new(descr, props)?,
            pages: Pages::default(),
            values: Vec::new(),
            defined: Vec::new(),
            page_rows: 0,
            page_values: 0,
            page_min: 0..0,
            page_max: 0..0,
            min: None,
            max: None,
            nulls: 0,
            unencoded: 0,
            raw: Vec::new(),
        })
    }

    /// Appends one value (a full page is compressed with `packers`);
    /// `Ok(false)` (and nothing appended) for a value without a text form, or
    /// a null in a required column.
    #[inline]
    pub fn push(&mut self, v: &Value<'_>, packers: &mut Packers) -> Result<bool> {
        if let Value::Null = v {
            if !self.layout.optional {
                return Ok(false);
            }
            self.defined.push(0);
            self.nulls += 1;
        } else {
            let start = self.values.len();
            self.values.extend_from_slice(&[0; 4]);
            if super::text_of(v, &mut self.values).is_none() {
                self.values.truncate(start);
                return Ok(false);
            }
            let at = start + 4..self.values.len();
            let len = at.len();
            self.values[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
            self.unencoded += len as i64;
            if self.page_values == 0 {
                self.page_min = at.clone();
                self.page_max = at;
            } else {
                let text = &self.values[at.clone()];
                if text > &self.values[self.page_max.clone()] {
                    self.page_max = at;
                } else if text < &self.values[self.page_min.clone()] {
                    self.page_min = at;
                }
            }
            self.page_values += 1;
            if self.layout.optional {
                self.defined.push(1);
            }
        }
        self.page_rows += 1;
        if self.page_rows >= self.layout.page_rows || self.values.len() >= self.layout.page_bytes {
            self.flush_page(packers)?;
        }
        Ok(true)
    }

    fn flush_page(&mut self, packers: &mut Packers) -> Result<()> {
        if self.page_rows == 0 {
            return Ok(());
        }
        if self.page_values > 0 {
            let lo = &self.values[self.page_min.clone()];
            let hi = &self.values[self.page_max.clone()];
            if self.min.as_deref().is_none_or(|m| lo < m) {
                self.min = Some(lo.to_vec());
            }
            if self.max.as_deref().is_none_or(|m| hi > m) {
                self.max = Some(hi.to_vec());
            }
        }
        let page = if self.layout.optional {
            self.raw.clear();
            put_levels(&mut self.raw, &self.defined);
            self.raw.extend_from_slice(&self.values);
            &self.raw
        } else {
            &self.values
        };
        let packer = packers.get(self.layout.compression)?;
        self.pages
            .data(packer, page, self.page_rows, Encoding::PLAIN)?;
        self.values.clear();
        self.defined.clear();
        self.page_rows = 0;
        self.page_values = 0;
        self.page_min = 0..0;
        self.page_max = 0..0;
        Ok(())
    }

    /// Closes the chunk, leaving the encoder empty for the next row group:
    /// the chunk's bytes (offsets from 0) and what
    /// `SerializedRowGroupWriter::append_column` needs to splice them.
    pub fn finish_chunk(&mut self, packers: &mut Packers) -> Result<(Bytes, ColumnCloseResult)> {
        self.flush_page(packers)?;
        let stats = ChunkStats {
            min: self.min.take(),
            max: self.max.take(),
            nulls: self.nulls,
            unencoded: self.unencoded,
        };
        self.nulls = 0;
        self.unencoded = 0;
        self.pages.finish(&self.layout, Encoding::PLAIN, stats)
    }
}
