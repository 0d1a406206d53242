//! What the column encoders of this crate ([`super::words`], [`super::text`])
//! share: which columns they may write, page compression, the hybrid
//! RLE/bit-packed encoding, and [`Pages`], one column chunk's pages written
//! through the parquet crate's page writer (page headers) and closed into
//! what `SerializedRowGroupWriter::append_column` splices into the file.

use bytes::Bytes;
use parquet::basic::{Compression, Encoding, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, PageEncodingStats};
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// How a column of this crate's encoders is written, from the writer
/// properties; `None` if they ask for what the encoders do not write (a
/// bloom filter, data page v2, a codec other than none, snappy or zstd, or a
/// column that is not a flat string).
pub(super) struct Layout {
    pub descr: ColumnDescPtr,
    pub compression: Compression,
    /// Whether chunk statistics are written.
    pub stats: bool,
    /// Most rows in a data page.
    pub page_rows: usize,
    /// Bytes after which a data page is closed.
    pub page_bytes: usize,
    /// Whether rows may be null (definition levels are written).
    pub optional: bool,
}

impl Layout {
    pub(super) fn new(descr: ColumnDescPtr, props: &WriterProperties) -> Option<Layout> {
        let path = descr.path();
        if descr.max_rep_level() != 0
            || descr.max_def_level() > 1
            || descr.physical_type() != parquet::basic::Type::BYTE_ARRAY
            || props.bloom_filter_properties(path).is_some()
            || props.writer_version() != WriterVersion::PARQUET_1_0
        {
            return None;
        }
        let compression = props.compression(path);
        if !Packer::carries(compression) {
            return None;
        }
        Some(Layout {
            compression,
            stats: props.statistics_enabled(path) != EnabledStatistics::None,
            page_rows: props.data_page_row_count_limit().clamp(1, 1 << 20),
            page_bytes: props.data_page_size_limit().clamp(1, 1 << 30),
            optional: descr.max_def_level() == 1,
            descr,
        })
    }
}

/// Page compression: the codecs the writer offers, minus those this crate's
/// encoders do not carry (the column then stays with the parquet crate).
pub(super) enum Packer {
    None,
    Snappy(Box<snap::raw::Encoder>),
    Zstd(zstd::bulk::Compressor<'static>),
}

impl Packer {
    /// Whether a codec is one of those above.
    fn carries(c: Compression) -> bool {
        matches!(
            c,
            Compression::UNCOMPRESSED | Compression::SNAPPY | Compression::ZSTD(_)
        )
    }

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
    pub(super) fn pack(&mut self, raw: &[u8]) -> Result<Bytes> {
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

/// The page compressors of one file, one per codec in use, shared by its
/// columns (a zstd context holds about 2 MB).
#[derive(Default)]
pub(super) struct Packers(Vec<(Compression, Packer)>);

impl Packers {
    /// The compressor of codec `c`, made on first use.
    pub(super) fn get(&mut self, c: Compression) -> Result<&mut Packer> {
        let k = match self.0.iter().position(|(x, _)| *x == c) {
            Some(k) => k,
            None => {
                let p = Packer::new(c)
                    .ok_or_else(|| ParquetError::General(format!("no compressor for {c}")))?;
                self.0.push((c, p));
                self.0.len() - 1
            }
        };
        Ok(&mut self.0[k].1)
    }
}

/// What a string chunk's statistics are made of.
pub(super) struct ChunkStats {
    /// The smallest and largest value (bytewise), `None` if all are null.
    pub min: Option<Vec<u8>>,
    pub max: Option<Vec<u8>>,
    pub nulls: u64,
    /// Bytes of the values without their lengths.
    pub unencoded: i64,
}

/// One column chunk's pages, as they are written.
pub(super) struct Pages {
    sink: TrackedWrite<Vec<u8>>,
    compressed: i64,
    uncompressed: i64,
    rows: usize,
    dictionary: bool,
    first_data: Option<u64>,
    locations: Vec<PageLocation>,
}

impl Default for Pages {
    fn default() -> Pages {
        Pages {
            sink: TrackedWrite::new(Vec::new()),
            compressed: 0,
            uncompressed: 0,
            rows: 0,
            dictionary: false,
            first_data: None,
            locations: Vec::new(),
        }
    }
}

impl Pages {
    fn write(&mut self, page: Page, raw: usize) -> Result<parquet::column::page::PageWriteSpec> {
        let spec =
            SerializedPageWriter::new(&mut self.sink).write_page(CompressedPage::new(page, raw))?;
        self.compressed += spec.compressed_size as i64;
        self.uncompressed += spec.uncompressed_size as i64;
        Ok(spec)
    }

    /// Writes the dictionary page (first, before any data page): `raw` holds
    /// `entries` PLAIN values.
    pub(super) fn dictionary(
        &mut self,
        packer: &mut Packer,
        raw: &[u8],
        entries: usize,
    ) -> Result<()> {
        let page = Page::DictionaryPage {
            buf: packer.pack(raw)?,
            #[allow(
                clippy::cast_possible_truncation,
                reason = "a page holds far fewer than 2^32 values"
            )]
            num_values: entries as u32,
            encoding: Encoding::PLAIN,
            is_sorted: false,
        };
        self.write(page, raw.len())?;
        self.dictionary = true;
        Ok(())
    }

    /// Writes a v1 data page of `rows` rows: `raw` holds the definition
    /// levels (if any) and the values in `encoding`.
    pub(super) fn data(
        &mut self,
        packer: &mut Packer,
        raw: &[u8],
        rows: usize,
        encoding: Encoding,
    ) -> Result<()> {
        let page = Page::DataPage {
            buf: packer.pack(raw)?,
            #[allow(
                clippy::cast_possible_truncation,
                reason = "a page holds far fewer than 2^32 values"
            )]
            num_values: rows as u32,
            encoding,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        let spec = self.write(page, raw.len())?;
        self.first_data.get_or_insert(spec.offset);
        self.locations.push(PageLocation {
            offset: spec.offset as i64,
            #[allow(clippy::cast_possible_truncation, reason = "a page is far below 2 GiB")]
            compressed_page_size: spec.bytes_written as i32,
            first_row_index: self.rows as i64,
        });
        self.rows += rows;
        Ok(())
    }

    /// The chunk's bytes (offsets from 0) and its metadata: data pages in
    /// `encoding`, `stats` if the layout wants statistics, an offset index
    /// and no column index. Leaves `self` empty.
    pub(super) fn finish(
        &mut self,
        layout: &Layout,
        encoding: Encoding,
        stats: ChunkStats,
    ) -> Result<(Bytes, ColumnCloseResult)> {
        let Pages {
            sink,
            compressed,
            uncompressed,
            rows,
            dictionary,
            first_data,
            locations,
        } = std::mem::take(self);
        let bytes = Bytes::from(sink.into_inner()?);
        let mut encodings = vec![Encoding::RLE, encoding];
        let mut page_stats = vec![PageEncodingStats {
            page_type: PageType::DATA_PAGE,
            encoding,
            #[allow(
                clippy::cast_possible_truncation,
                reason = "a chunk has far fewer than 2^31 pages"
            )]
            count: locations.len() as i32,
        }];
        if dictionary {
            encodings.push(Encoding::PLAIN);
            page_stats.insert(
                0,
                PageEncodingStats {
                    page_type: PageType::DICTIONARY_PAGE,
                    encoding: Encoding::PLAIN,
                    count: 1,
                },
            );
        }
        encodings.sort_by_key(|e| *e as i32);
        encodings.dedup();
        let mut meta = ColumnChunkMetaData::builder(layout.descr.clone())
            .set_compression(layout.compression)
            .set_encodings(encodings)
            .set_page_encoding_stats(page_stats)
            .set_total_compressed_size(compressed)
            .set_total_uncompressed_size(uncompressed)
            .set_num_values(rows as i64)
            .set_dictionary_page_offset(dictionary.then_some(0))
            .set_data_page_offset(first_data.unwrap_or(0) as i64);
        if layout.stats {
            let ChunkStats {
                min,
                max,
                nulls,
                unencoded,
            } = stats;
            let min = min.map(ByteArray::from);
            let max = max.map(ByteArray::from);
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
        Ok((bytes, close))
    }
}

/// Appends an unsigned LEB128 varint.
#[allow(
    clippy::cast_possible_truncation,
    reason = "the low seven bits of each varint byte"
)]
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends one RLE run of the hybrid encoding: `n` copies of `value` (of at
/// most 8 bits, so one byte).
pub(super) fn put_run(out: &mut Vec<u8>, n: usize, value: u8) {
    put_varint(out, (n as u64) << 1);
    out.push(value);
}

/// Appends one bit-packed run of the hybrid encoding holding `values`
/// (`width` bits each, at most 8), padded with zeroes to a multiple of eight
/// values (the page's value count tells readers where the data ends).
pub(super) fn put_packed(out: &mut Vec<u8>, values: impl ExactSizeIterator<Item = u8>, width: u8) {
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

/// Appends a v1 page's definition levels of an optional column (their byte
/// length first, then the hybrid encoding at one bit): `defined[i]` is 1 for
/// a value, 0 for a null.
pub(super) fn put_levels(out: &mut Vec<u8>, defined: &[u8]) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    if defined.iter().all(|&d| d == 1) {
        put_run(out, defined.len(), 1);
    } else {
        put_packed(out, defined.iter().copied(), 1);
    }
    #[allow(
        clippy::cast_possible_truncation,
        reason = "a page of levels is far below 4 GiB"
    )]
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
}

#[cfg(test)]
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "tests convert small known values"
)]
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
    fn packed_runs_match_the_format_example() {
        // The Parquet format's own example: 0..=7 at 3 bits.
        let mut out = Vec::new();
        put_packed(&mut out, 0..8u8, 3);
        assert_eq!(out, [0x03, 0b1000_1000, 0b1100_0110, 0b1111_1010]);
    }

    #[test]
    fn levels_carry_their_length() {
        let mut out = vec![9];
        put_levels(&mut out, &[1; 300]);
        // 300 << 1 = 600 as a varint (2 bytes), then the value 1.
        assert_eq!(out, [9, 3, 0, 0, 0, 0xd8, 0x04, 1]);
        let mut out = Vec::new();
        let defined = [1, 0, 1, 1, 0, 0, 1, 1, 1];
        put_levels(&mut out, &defined);
        assert_eq!(
            u32::from_le_bytes(out[..4].try_into().unwrap()) as usize,
            out.len() - 4
        );
        assert_eq!(decode(&out[4..], defined.len(), 1), defined);
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
