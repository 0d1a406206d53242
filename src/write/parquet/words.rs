//! Pool columns of a Parquet row group, encoded here instead of by the
//! parquet crate.
//!
//! A column whose values are all [`Word`]s (or nulls) has a dictionary of a
//! few entries that is known the moment a word first appears: the crate would
//! hash every value into its interner and compare every value twice for the
//! min/max statistics, which `perf` put at about a fifth of the time of the
//! peer node table (docs/performance.md). Here a word is found by its address
//! in a small table, the row keeps a one-byte index, and at the end of the row
//! group the chunk is written as the crate writes a dictionary-encoded chunk:
//! * a PLAIN dictionary page of the words in order of first appearance;
//! * data pages (v1) of at most the writer's row-count limit, each holding the
//!   RLE-encoded definition levels (4-byte length first) and the RLE_DICTIONARY
//!   indices (bit width byte, then RLE/bit-packed hybrid runs);
//! * chunk statistics taken from the dictionary entries in use.
//!
//! The pages go through the crate's [`SerializedPageWriter`] (page headers)
//! and the chunk through `SerializedRowGroupWriter::append_column`, so the
//! file's layout and footer are the crate's own. A value that is not a word
//! (or a dictionary grown past [`MAX_WORDS`]) sends the column back to the
//! Arrow path: [`WordColumn::take_strings`] hands over what was gathered.

use super::chunk::{put_levels, put_packed, put_run, ChunkStats, Layout, Packers, Pages};
use crate::gen::pools::Word;
use crate::gen::Value;
use arrow_array::builder::StringBuilder;
use arrow_array::StringArray;
use bytes::Bytes;
use parquet::basic::Encoding;
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::Result;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnDescPtr;

/// The index byte of a null row.
const NULL: u8 = u8::MAX;

/// The most distinct words a chunk keeps (indices are one byte, [`NULL`]
/// aside); beyond it the column goes back to the Arrow path.
pub(super) const MAX_WORDS: usize = 128;

/// Slots of the address table: a power of two, at least twice [`MAX_WORDS`]
/// so probes stay short.
const SLOTS: usize = 256;

/// One pool column of the row group being written.
pub(super) struct WordColumn {
    layout: Layout,
    /// The chunk's dictionary, in order of first appearance. Words are told
    /// apart by address: two pools' words with the same text would take two
    /// entries, which readers decode alike (they look entries up by index).
    dict: Vec<&'static Word>,
    /// Address of a word → its dictionary index (address 0: empty slot).
    slots: Box<[(usize, u8); SLOTS]>,
    /// One byte per row: the word's index, or [`NULL`].
    idx: Vec<u8>,
    /// Scratch for a page's bytes.
    page: Vec<u8>,
    /// Scratch for a page's non-null indices.
    values: Vec<u8>,
}

impl WordColumn {
    /// An encoder for column `descr` under `props`, or `None` if they ask
    /// for something it does not write (no dictionary, a required column, or
    /// what [`Layout::new`] refuses).
    pub(super) fn new(descr: ColumnDescPtr, props: &WriterProperties) -> Option<WordColumn> {
        if !props.dictionary_enabled(descr.path()) {
            return None;
        }
        let layout = Layout::new(descr, props).filter(|l| l.optional)?;
        Some(WordColumn {
            layout,
            dict: Vec::new(),
            slots: Box::new([(0, 0); SLOTS]),
            idx: Vec::new(),
            page: Vec::new(),
            values: Vec::new(),
        })
    }

    /// Rows gathered in this chunk.
    pub(super) fn rows(&self) -> usize {
        self.idx.len()
    }

    /// Appends a word or a null; `false` (and nothing appended) for any other
    /// value, or a word past [`MAX_WORDS`].
    #[inline]
    pub(super) fn push(&mut self, v: &Value<'_>) -> bool {
        match *v {
            Value::Word(w) => match self.index_of(w) {
                Some(i) => {
                    self.idx.push(i);
                    true
                }
                None => false,
            },
            Value::Null => {
                self.idx.push(NULL);
                true
            }
            _ => false,
        }
    }

    #[inline]
    fn index_of(&mut self, w: &'static Word) -> Option<u8> {
        let addr = w as *const Word as usize;
        // Fibonacci hashing: the top bits of the product pick the slot.
        let mut s = (addr as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.ilog2());
        loop {
            let (a, i) = self.slots[crate::cast::index(s)];
            if a == addr {
                return Some(i);
            }
            if a == 0 {
                if self.dict.len() >= MAX_WORDS {
                    return None;
                }
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "the dictionary is capped below 256 words just above"
                )]
                let i = self.dict.len() as u8;
                self.dict.push(w);
                self.slots[crate::cast::index(s)] = (addr, i);
                return Some(i);
            }
            s = (s + 1) % SLOTS as u64;
        }
    }

    fn clear(&mut self) {
        self.idx.clear();
        self.dict.clear();
        self.slots.fill((0, 0));
    }

    /// The rows gathered so far as Arrow strings (for the Arrow path to take
    /// over the column), leaving the chunk empty.
    pub(super) fn take_strings(&mut self) -> StringArray {
        let bytes: usize = self.dict.iter().map(|w| w.text.len()).max().unwrap_or(0);
        let mut b = StringBuilder::with_capacity(self.idx.len(), self.idx.len() * bytes);
        for &i in &self.idx {
            b.append_option((i != NULL).then(|| self.dict[i as usize].text));
        }
        self.clear();
        b.finish()
    }

    /// Encodes the rows gathered as one column chunk, leaving the encoder
    /// empty for the next row group: the chunk's bytes (offsets from 0) and
    /// what `SerializedRowGroupWriter::append_column` needs to splice them.
    pub(super) fn finish_chunk(
        &mut self,
        packers: &mut Packers,
    ) -> Result<(Bytes, ColumnCloseResult)> {
        let layout = &self.layout;
        let packer = packers.get(layout.compression)?;
        let mut pages = Pages::default();
        // The dictionary page: each word as a 4-byte length and its bytes.
        self.page.clear();
        for w in &self.dict {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "a pool word is a few bytes"
            )]
            self.page
                .extend_from_slice(&(w.text.len() as u32).to_le_bytes());
            self.page.extend_from_slice(w.text.as_bytes());
        }
        pages.dictionary(packer, &self.page, self.dict.len())?;
        let width = bit_width(self.dict.len());
        // One pass over each page's rows gives its levels and indices and
        // the chunk's statistics: which words are in use, nulls, bytes.
        let mut used = [false; MAX_WORDS];
        let mut nulls = 0u64;
        let mut unencoded = 0i64;
        let mut defined = Vec::new();
        for chunk in self.idx.chunks(layout.page_rows) {
            self.page.clear();
            self.values.clear();
            defined.clear();
            for &i in chunk {
                if i == NULL {
                    nulls += 1;
                    defined.push(0);
                } else {
                    used[i as usize] = true;
                    unencoded += self.dict[i as usize].text.len() as i64;
                    defined.push(1);
                    self.values.push(i);
                }
            }
            put_levels(&mut self.page, &defined);
            // The indices of the non-null rows.
            self.page.push(width);
            match self.values.first() {
                Some(&first) if self.values.iter().all(|&v| v == first) => {
                    put_run(&mut self.page, self.values.len(), first)
                }
                Some(_) => put_packed(&mut self.page, self.values.iter().copied(), width),
                None => {}
            }
            pages.data(packer, &self.page, chunk.len(), Encoding::RLE_DICTIONARY)?;
        }
        let in_use = || {
            self.dict
                .iter()
                .zip(used)
                .filter(|(_, u)| *u)
                .map(|(w, _)| w.text.as_bytes())
        };
        let stats = ChunkStats {
            min: in_use().min().map(<[u8]>::to_vec),
            max: in_use().max().map(<[u8]>::to_vec),
            nulls,
            unencoded,
        };
        let done = pages.finish(layout, Encoding::RLE_DICTIONARY, stats)?;
        self.clear();
        Ok(done)
    }
}

/// Bits an index into a dictionary of `entries` takes (at least 1).
#[allow(clippy::cast_possible_truncation, reason = "at most 32")]
fn bit_width(entries: usize) -> u8 {
    let top = crate::cast::small(entries.saturating_sub(1));
    (u32::BITS - top.leading_zeros()).max(1) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_widths() {
        assert_eq!(bit_width(0), 1);
        assert_eq!(bit_width(1), 1);
        assert_eq!(bit_width(2), 1);
        assert_eq!(bit_width(3), 2);
        assert_eq!(bit_width(4), 2);
        assert_eq!(bit_width(5), 3);
        assert_eq!(bit_width(128), 7);
        assert_eq!(bit_width(129), 8);
    }
}
