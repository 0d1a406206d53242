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
use std::cmp::Ordering;
use std::ops::Range;

/// One dictionary-less text column of the row group being written.
pub(super) struct TextColumn {
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
    pub(super) fn new(descr: ColumnDescPtr, props: &WriterProperties) -> Option<TextColumn> {
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
    pub(super) fn push(&mut self, v: &Value<'_>, packers: &mut Packers) -> Result<bool> {
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
            #[allow(
                clippy::cast_possible_truncation,
                reason = "one value of a text page is far below 4 GiB"
            )]
            self.values[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
            self.unencoded += len as i64;
            if self.page_values == 0 {
                self.page_min = at.clone();
                self.page_max = at;
            } else {
                let text = &self.values[at.clone()];
                if text_cmp(text, &self.values[self.page_max.clone()]) == Ordering::Greater {
                    self.page_max = at;
                } else if text_cmp(text, &self.values[self.page_min.clone()]) == Ordering::Less {
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
    pub(super) fn finish_chunk(
        &mut self,
        packers: &mut Packers,
    ) -> Result<(Bytes, ColumnCloseResult)> {
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

/// Byte-wise (lexicographic) order of two texts, as `a.cmp(b)` gives, but
/// inline: eight bytes at a time as big-endian words, the tail as one word
/// that overlaps bytes already found equal. Ids and names are 8–20 bytes,
/// for which a call into libc's `memcmp` cost more than the comparison
/// (9% of a Parquet node-table profile).
#[inline]
fn text_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().min(b.len());
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_be_bytes(w)
    };
    if n >= 8 {
        let mut i = 0;
        while i + 8 <= n {
            let (x, y) = (word(a, i), word(b, i));
            if x != y {
                return x.cmp(&y);
            }
            i += 8;
        }
        if i < n {
            let (x, y) = (word(a, n - 8), word(b, n - 8));
            if x != y {
                return x.cmp(&y);
            }
        }
    } else {
        for i in 0..n {
            if a[i] != b[i] {
                return a[i].cmp(&b[i]);
            }
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::text_cmp;
    use proptest::prelude::*;

    #[test]
    fn text_cmp_orders_like_slices_on_ids_and_names() {
        let texts: Vec<&[u8]> = vec![
            b"",
            b"a",
            b"srv-000000001",
            b"srv-000000010",
            b"srv-000000009",
            b"server-9",
            b"server-10",
            b"server-",
            b"12345678",
            b"12345679",
            b"1234567",
            b"123456789",
            b"\xff\x00",
            b"\x00\xff",
        ];
        for a in &texts {
            for b in &texts {
                assert_eq!(text_cmp(a, b), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }

    proptest! {
        // Random texts, and pairs that share a long prefix so the tail and
        // the word loop are both reached.
        #[test]
        fn text_cmp_is_slice_order(
            prefix in proptest::collection::vec(any::<u8>(), 0..24),
            a in proptest::collection::vec(0u8..4, 0..24),
            b in proptest::collection::vec(0u8..4, 0..24),
        ) {
            let a = [prefix.as_slice(), &a].concat();
            let b = [prefix.as_slice(), &b].concat();
            prop_assert_eq!(text_cmp(&a, &b), a.cmp(&b));
            prop_assert_eq!(text_cmp(&b, &a), b.cmp(&a));
            prop_assert_eq!(text_cmp(&a, &a), std::cmp::Ordering::Equal);
        }
    }
}
