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

use crate::gen::pools::Word;
use crate::gen::Value;
use arrow_array::builder::StringBuilder;
use arrow_array::StringArray;
use bytes::Bytes;
use parquet::basic::{Compression, Encoding, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, PageEncodingStats};
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// The index byte of a null row.
const NULL: u8 = u8::MAX;

/// The most distinct words a chunk keeps (indices are one byte, [`NULL`]
/// aside); beyond it the column goes back to the Arrow path.
pub const MAX_WORDS: usize = 128;

/// Slots of the address table: a power of two, at least twice [`MAX_WORDS`]
/// so probes stay short.
const SLOTS: usize = 256;

/// How pages are compressed: the codecs the writer offers, minus those this
/// encoder does not carry (the column then stays on the Arrow path).
enum Packer {
    None,
    Snappy(Box<snap::raw::Encoder>),
    Zstd(zstd::bulk::Compressor<'static>),
}

impl Packer {
    fn new(c: Compression) -> Option<Packer> {
        Some(match c {
            Compression::UNCOMPRESSED => Packer::None,
            Compression::SNAPPY => Packer::Snappy(Box::new(snap::raw::Encoder::new())),
            Compression::ZSTD(level) => {
                Packer::Zstd(zstd::bulk::Compressor::new(level.compression_level()).ok()?)
            }
            _ => return None,
        })
    }

    /// `raw`, compressed.
    fn pack(&mut self, raw: &[u8]) -> Result<Bytes> {
        Ok(Bytes::from(match self {
            Packer::None => raw.to_vec(),
            Packer::Snappy(e) => e
                .compress_vec(raw)
                .map_err(|e| ParquetError::External(Box::new(e)))?,
            Packer::Zstd(c) => c
                .compress(raw)
                .map_err(|e| ParquetError::External(Box::new(e)))?,
        }))
    }
}

/// One pool column of the row group being written.
pub struct WordColumn {
    descr: ColumnDescPtr,
    compression: Compression,
    packer: Packer,
    stats: bool,
    page_rows: usize,
    /// The chunk's dictionary, in order of first appearance.
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
    /// An encoder for column `descr` under `props`, or `None` if `props` ask
    /// for something it does not write (no dictionary, a bloom filter, a
    /// codec other than none, snappy or zstd, data page v2, or a column that
    /// is not a nullable top-level string).
    pub fn new(descr: ColumnDescPtr, props: &WriterProperties) -> Option<WordColumn> {
        let path = descr.path();
        let flat_optional = descr.max_def_level() == 1 && descr.max_rep_level() == 0;
        if !flat_optional
            || descr.physical_type() != parquet::basic::Type::BYTE_ARRAY
            || !props.dictionary_enabled(path)
            || props.bloom_filter_properties(path).is_some()
            || props.writer_version() != parquet::file::properties::WriterVersion::PARQUET_1_0
        {
            return None;
        }
        let compression = props.compression(path);
        let page_rows = props.data_page_row_count_limit().clamp(1, 1 << 20);
        Some(WordColumn {
            packer: Packer::new(compression)?,
            compression,
            stats: props.statistics_enabled(path) != EnabledStatistics::None,
            descr,
            page_rows,
            dict: Vec::new(),
            slots: Box::new([(0, 0); SLOTS]),
            idx: Vec::new(),
            page: Vec::new(),
            values: Vec::new(),
        })
    }

    /// Rows gathered in this chunk.
    pub fn rows(&self) -> usize {
        self.idx.len()
    }

    /// Appends a word or a null; `false` (and nothing appended) for any other
    /// value, or a word past [`MAX_WORDS`].
    #[inline]
    pub fn push(&mut self, v: &Value<'_>) -> bool {
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
            let (a, i) = self.slots[s as usize];
            if a == addr {
                return Some(i);
            }
            if a == 0 {
                if self.dict.len() >= MAX_WORDS {
                    return None;
                }
                let i = self.dict.len() as u8;
                self.dict.push(w);
                self.slots[s as usize] = (addr, i);
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
    pub fn take_strings(&mut self) -> StringArray {
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
    pub fn finish_chunk(&mut self) -> Result<(Bytes, ColumnCloseResult)> {
        let rows = self.idx.len();
        let mut sink = TrackedWrite::new(Vec::with_capacity(rows / 2 + 1024));
        let mut locations = Vec::new();
        let (mut compressed, mut uncompressed) = (0i64, 0i64);
        let mut data_pages = 0;
        let data_page_offset;
        {
            let mut pages = SerializedPageWriter::new(&mut sink);
            // The dictionary page: each word as a 4-byte length and its bytes.
            self.page.clear();
            for w in &self.dict {
                self.page
                    .extend_from_slice(&(w.text.len() as u32).to_le_bytes());
                self.page.extend_from_slice(w.text.as_bytes());
            }
            let dict_page = Page::DictionaryPage {
                buf: self.packer.pack(&self.page)?,
                num_values: self.dict.len() as u32,
                encoding: Encoding::PLAIN,
                is_sorted: false,
            };
            let spec = pages.write_page(CompressedPage::new(dict_page, self.page.len()))?;
            compressed += spec.compressed_size as i64;
            uncompressed += spec.uncompressed_size as i64;
            data_page_offset = spec.offset + spec.bytes_written;

            let width = bit_width(self.dict.len());
            for (k, chunk) in self.idx.chunks(self.page_rows).enumerate() {
                self.page.clear();
                self.values.clear();
                self.values
                    .extend(chunk.iter().copied().filter(|&i| i != NULL));
                // Definition levels (v1: their byte length first).
                self.page.extend_from_slice(&[0; 4]);
                if self.values.len() == chunk.len() {
                    put_run(&mut self.page, chunk.len(), 1);
                } else {
                    put_packed(
                        &mut self.page,
                        chunk.iter().map(|&i| u8::from(i != NULL)),
                        1,
                    );
                }
                let levels = (self.page.len() - 4) as u32;
                self.page[..4].copy_from_slice(&levels.to_le_bytes());
                // The indices of the non-null rows.
                self.page.push(width);
                match self.values.first() {
                    Some(&first) if self.values.iter().all(|&v| v == first) => {
                        put_run(&mut self.page, self.values.len(), first)
                    }
                    Some(_) => put_packed(&mut self.page, self.values.iter().copied(), width),
                    None => {}
                }
                let page = Page::DataPage {
                    buf: self.packer.pack(&self.page)?,
                    num_values: chunk.len() as u32,
                    encoding: Encoding::RLE_DICTIONARY,
                    def_level_encoding: Encoding::RLE,
                    rep_level_encoding: Encoding::RLE,
                    statistics: None,
                };
                let spec = pages.write_page(CompressedPage::new(page, self.page.len()))?;
                compressed += spec.compressed_size as i64;
                uncompressed += spec.uncompressed_size as i64;
                locations.push(PageLocation {
                    offset: spec.offset as i64,
                    compressed_page_size: spec.bytes_written as i32,
                    first_row_index: (k * self.page_rows) as i64,
                });
                data_pages += 1;
            }
            pages.close()?;
        }
        let bytes = Bytes::from(sink.into_inner()?);

        let mut used = [false; MAX_WORDS];
        let mut nulls = 0u64;
        for &i in &self.idx {
            match i {
                NULL => nulls += 1,
                i => used[i as usize] = true,
            }
        }
        let in_use = || {
            self.dict
                .iter()
                .zip(used)
                .filter(|(_, u)| *u)
                .map(|(w, _)| w.text.as_bytes())
        };
        let unencoded: i64 = self
            .idx
            .iter()
            .filter(|&&i| i != NULL)
            .map(|&i| self.dict[i as usize].text.len() as i64)
            .sum();
        let mut meta = ColumnChunkMetaData::builder(self.descr.clone())
            .set_compression(self.compression)
            .set_encodings(vec![
                Encoding::PLAIN,
                Encoding::RLE,
                Encoding::RLE_DICTIONARY,
            ])
            .set_page_encoding_stats(vec![
                PageEncodingStats {
                    page_type: PageType::DICTIONARY_PAGE,
                    encoding: Encoding::PLAIN,
                    count: 1,
                },
                PageEncodingStats {
                    page_type: PageType::DATA_PAGE,
                    encoding: Encoding::RLE_DICTIONARY,
                    count: data_pages,
                },
            ])
            .set_total_compressed_size(compressed)
            .set_total_uncompressed_size(uncompressed)
            .set_num_values(rows as i64)
            .set_dictionary_page_offset(Some(0))
            .set_data_page_offset(data_page_offset as i64);
        if self.stats {
            let min = in_use().min().map(|b| ByteArray::from(b.to_vec()));
            let max = in_use().max().map(|b| ByteArray::from(b.to_vec()));
            meta = meta
                .set_statistics(Statistics::byte_array(min, max, None, Some(nulls), false))
                .set_unencoded_byte_array_data_bytes(Some(unencoded));
        }
        let close = ColumnCloseResult {
            bytes_written: bytes.len() as u64,
            rows_written: rows as u64,
            metadata: meta.build()?,
            bloom_filter: None,
            column_index: None,
            offset_index: Some(OffsetIndexMetaData {
                page_locations: locations,
                unencoded_byte_array_data_bytes: None,
            }),
        };
        self.clear();
        Ok((bytes, close))
    }
}

/// Bits an index into a dictionary of `entries` takes (at least 1).
fn bit_width(entries: usize) -> u8 {
    let top = entries.saturating_sub(1) as u32;
    (u32::BITS - top.leading_zeros()).max(1) as u8
}

/// Appends an unsigned LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends one RLE run of the hybrid encoding: `n` copies of `value` (of at
/// most 8 bits, so one byte).
fn put_run(out: &mut Vec<u8>, n: usize, value: u8) {
    put_varint(out, (n as u64) << 1);
    out.push(value);
}

/// Appends one bit-packed run of the hybrid encoding holding `values`
/// (`width` bits each, at most 8), padded with zeroes to a multiple of eight
/// values (the page's value count tells readers where the data ends).
fn put_packed(out: &mut Vec<u8>, values: impl ExactSizeIterator<Item = u8>, width: u8) {
    let groups = values.len().div_ceil(8);
    put_varint(out, ((groups as u64) << 1) | 1);
    let w = u32::from(width);
    let mut acc = 0u64;
    let mut k = 0u32;
    for v in values {
        acc |= u64::from(v) << (k * w);
        k += 1;
        if k == 8 {
            out.extend_from_slice(&acc.to_le_bytes()[..w as usize]);
            acc = 0;
            k = 0;
        }
    }
    if k > 0 {
        out.extend_from_slice(&acc.to_le_bytes()[..w as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Decodes a hybrid RLE/bit-packed stream of `n` values of `width` bits
    /// (the reader's side, written from the format's description).
    fn decode(mut b: &[u8], n: usize, width: u8) -> Vec<u8> {
        let mut out = Vec::new();
        let varint = |b: &mut &[u8]| {
            let (mut v, mut shift) = (0u64, 0);
            loop {
                let c = b[0];
                *b = &b[1..];
                v |= u64::from(c & 0x7f) << shift;
                shift += 7;
                if c < 0x80 {
                    return v;
                }
            }
        };
        while out.len() < n {
            let h = varint(&mut b);
            if h & 1 == 0 {
                let v = b[0];
                b = &b[usize::from(width).div_ceil(8)..];
                out.extend(std::iter::repeat_n(v, (h >> 1) as usize));
            } else {
                let bytes = (h >> 1) as usize * usize::from(width);
                let mut bits = 0u128;
                let mut have = 0;
                let mut data = &b[..bytes];
                b = &b[bytes..];
                for _ in 0..(h >> 1) * 8 {
                    while have < u32::from(width) {
                        bits |= u128::from(data[0]) << have;
                        data = &data[1..];
                        have += 8;
                    }
                    out.push((bits & ((1 << width) - 1)) as u8);
                    bits >>= width;
                    have -= u32::from(width);
                }
            }
        }
        out.truncate(n);
        out
    }

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

    #[test]
    fn packed_runs_match_the_format_example() {
        // The Parquet format's own example: 0..=7 at 3 bits.
        let mut out = Vec::new();
        put_packed(&mut out, 0..8u8, 3);
        assert_eq!(out, [0x03, 0b1000_1000, 0b1100_0110, 0b1111_1010]);
    }

    proptest! {
        #[test]
        fn packed_and_run_streams_decode(width in 1u8..=8, seed in any::<u64>(), n in 0usize..300) {
            let mask = ((1u16 << width) - 1) as u64;
            let values: Vec<u8> = (0..n as u64)
                .map(|i| (crate::rng::mix(seed ^ i) & mask) as u8)
                .collect();
            let mut out = Vec::new();
            put_packed(&mut out, values.iter().copied(), width);
            prop_assert_eq!(decode(&out, n, width), values.clone());
            if let Some(&v) = values.first() {
                let mut out = Vec::new();
                put_run(&mut out, n, v);
                prop_assert_eq!(decode(&out, n, width), vec![v; n]);
            }
        }
    }
}
