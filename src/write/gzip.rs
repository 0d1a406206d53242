//! gzip members (RFC 1952) whose deflate state is kept per thread from one
//! shard to the next.
//!
//! `flate2`'s `GzEncoder` allocates a fresh deflate state (about 370 KB with
//! zlib-rs) for every file and frees it at the end. With a shard of a few
//! seconds that is no cost in time, but glibc's allocator does not always
//! give the freed block back to the next file: small allocations that live
//! on (a shard's `FileInfo`, the run's result list) land in the freed space,
//! the next state no longer fits there and the heap grows by one state a
//! shard. Peak RSS then grew with the number of shards a thread wrote (30 MB
//! or 94 MB for the same run of 1,078 shards, depending on timing). Here
//! each thread keeps one state and
//! resets it, so the allocations happen once per thread.
//!
//! The bytes are exactly those of `GzBuilder::new().mtime(0)` (a test holds
//! them to it): the 10-byte header with no name, mtime 0, XFL from the level
//! and OS 255; one raw deflate stream; CRC-32 and the length mod 2^32.

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use std::cell::RefCell;
use std::io::{self, Write};

/// Compressed bytes gathered before they are written on (as in `flate2`).
const OUT_BYTES: usize = 32 * 1024;

/// One deflate state and its output buffer, at one level.
struct Deflater {
    level: u32,
    comp: Compress,
    out: Vec<u8>,
}

thread_local! {
    /// The state this thread used last, reset, for its next member.
    static SPARE: RefCell<Option<Deflater>> = const { RefCell::new(None) };
}

impl Deflater {
    /// This thread's spare state if it has one at `level`, else a new one.
    fn take(level: u32) -> Deflater {
        let spare = SPARE.with(|s| s.borrow_mut().take());
        match spare {
            Some(d) if d.level == level => d,
            _ => Deflater {
                level,
                comp: Compress::new(Compression::new(level), false),
                out: Vec::with_capacity(OUT_BYTES),
            },
        }
    }

    /// Resets the state and keeps it for this thread's next member.
    fn give_back(mut self) {
        self.comp.reset();
        self.out.clear();
        SPARE.with(|s| *s.borrow_mut() = Some(self));
    }
}

/// A gzip member written to `W`. Call [`GzipMember::finish`] to write the
/// trailer; dropped without it, the member is incomplete (the file is
/// abandoned anyway: see `AtomicFile`).
pub struct GzipMember<W: Write> {
    inner: W,
    z: Deflater,
    crc: Crc,
}

impl<W: Write> GzipMember<W> {
    /// Starts a member at `level` (0..=9) and writes its header to `inner`.
    pub fn new(mut inner: W, level: u32) -> io::Result<GzipMember<W>> {
        let xfl = if level >= Compression::best().level() {
            2
        } else if level <= Compression::fast().level() {
            4
        } else {
            0
        };
        inner.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255])?;
        Ok(GzipMember {
            inner,
            z: Deflater::take(level),
            crc: Crc::new(),
        })
    }

    /// Writes on the compressed bytes gathered so far.
    fn dump(&mut self) -> io::Result<()> {
        if !self.z.out.is_empty() {
            self.inner.write_all(&self.z.out)?;
            self.z.out.clear();
        }
        Ok(())
    }

    /// Ends the stream, writes the trailer, keeps the deflate state for this
    /// thread's next member and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        loop {
            self.dump()?;
            let before = self.z.comp.total_out();
            let status = self
                .z
                .comp
                .compress_vec(&[], &mut self.z.out, FlushCompress::Finish)
                .map_err(|e| io::Error::other(format!("deflate: {e}")))?;
            if status == Status::StreamEnd {
                self.dump()?;
                break;
            }
            if before == self.z.comp.total_out() {
                return Err(io::Error::other(
                    "deflate stopped before the end of its stream",
                ));
            }
        }
        let mut trailer = [0u8; 8];
        trailer[..4].copy_from_slice(&self.crc.sum().to_le_bytes());
        trailer[4..].copy_from_slice(&self.crc.amount().to_le_bytes());
        self.inner.write_all(&trailer)?;
        let GzipMember { inner, z, .. } = self;
        z.give_back();
        Ok(inner)
    }
}

/// Each call compresses what fits in the 32 KiB output buffer, after writing
/// on what the call before produced: the steps of `flate2`'s writer, so that
/// the stored blocks of level 0 fall where they fall there (deflate's other
/// levels give the same bytes however the input is cut).
impl<W: Write> Write for GzipMember<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            self.dump()?;
            let before = self.z.comp.total_in();
            let status = self
                .z
                .comp
                .compress_vec(buf, &mut self.z.out, FlushCompress::None)
                .map_err(|e| io::Error::other(format!("deflate: {e}")))?;
            let used = usize::try_from(self.z.comp.total_in() - before)
                .map_err(|_| io::Error::other("deflate consumed more than it was given"))?;
            if !buf.is_empty() && used == 0 && status != Status::StreamEnd && !self.z.out.is_empty()
            {
                continue;
            }
            self.crc.update(&buf[..used]);
            return Ok(used);
        }
    }

    /// Writes on what is already compressed and flushes the inner writer.
    /// Unlike `flate2`'s writer it does not sync-flush the deflate stream,
    /// which would add an empty block and make the bytes depend on when a
    /// caller flushed (no caller flushes a member before `finish`).
    fn flush(&mut self) -> io::Result<()> {
        self.dump()?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;

    /// `data` written in `pieces` (cycled) to `w`.
    fn feed(w: &mut impl Write, data: &[u8], pieces: &[usize]) {
        let mut rest = data;
        for &p in pieces.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (a, b) = rest.split_at(p.min(rest.len()));
            w.write_all(a).unwrap();
            rest = b;
        }
    }

    fn reference(data: &[u8], level: u32, pieces: &[usize]) -> Vec<u8> {
        let mut g = flate2::GzBuilder::new()
            .mtime(0)
            .write(Vec::new(), Compression::new(level));
        feed(&mut g, data, pieces);
        g.finish().unwrap()
    }

    fn ours(data: &[u8], level: u32, pieces: &[usize]) -> Vec<u8> {
        let mut g = GzipMember::new(Vec::new(), level).unwrap();
        feed(&mut g, data, pieces);
        g.finish().unwrap()
    }

    /// CSV-like text: compressible, with some variety.
    fn text(seed: u64, rows: usize) -> Vec<u8> {
        let mut v = Vec::new();
        for i in 0..rows as u64 {
            let h = crate::rng::mix(seed ^ i);
            v.extend_from_slice(
                format!("srv-{i:09},server-{i},type{},{}\n", h % 5, h % 1000).as_bytes(),
            );
        }
        v
    }

    #[test]
    fn members_match_flate2s_bytes_at_every_level_and_reuse_keeps_them() {
        let data = text(7, 30_000);
        for level in 0..=9 {
            // Twice on this thread: the second member reuses the reset state.
            for pieces in [&[1 << 20][..], &[1 << 20], &[4096, 7, 100_000]] {
                let want = reference(&data, level, pieces);
                let got = ours(&data, level, pieces);
                assert!(
                    got == want,
                    "level {level}, pieces {pieces:?}: {} bytes, flate2 {}",
                    got.len(),
                    want.len()
                );
            }
        }
        // Empty members too.
        assert_eq!(ours(&[], 4, &[1]), reference(&[], 4, &[1]));
    }

    #[test]
    fn members_decode_to_their_input() {
        let data = text(3, 5_000);
        let gz = ours(&data, 4, &[333]);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn any_chunking_gives_flate2s_bytes(
            seed in any::<u64>(),
            rows in 0usize..4000,
            level in 0u32..=9,
            pieces in proptest::collection::vec(1usize..70_000, 1..6),
        ) {
            let data = text(seed, rows);
            let (got, want) = (ours(&data, level, &pieces), reference(&data, level, &pieces));
            prop_assert!(got == want, "{} bytes, flate2 {}", got.len(), want.len());
        }
    }
}
