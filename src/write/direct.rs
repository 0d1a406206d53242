//! Direct I/O: shard files written around the page cache (Linux `O_DIRECT`).
//!
//! On the VMs we measured, buffered writes into fresh page-cache pages cost
//! about 3 CPU-seconds per GB in the kernel; `O_DIRECT` costs about 0.23
//! (../shared/perf-anchors.md §3.4). Multi-terabyte outputs are always "fresh",
//! so `generate --direct-io` can buy back most of a core. No `unsafe`: the
//! aligned buffer is an aligned window into an over-allocated `Vec`, the last
//! block is zero-padded and the file is then truncated to its true length.
//!
//! An `O_DIRECT` write returns only when the device has the block, so each
//! file has its own writer thread: the row writer fills one block while the
//! thread writes the one before (at most `BLOCKS` blocks per file, in
//! order), and the core formats instead of waiting on the disk.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Mutex;
use std::thread::JoinHandle;

/// Buffer, file offset and length alignment required by O_DIRECT.
const ALIGN: usize = 4096;
/// Bytes handed to the kernel per write.
const BLOCK: usize = 1 << 20;
/// Blocks per file: one being filled, one queued, one being written.
const BLOCKS: usize = 3;

/// Blocks of finished files, for the next files: a block costs 256 page
/// faults the first time it is touched. The pool never holds more blocks
/// than were in use at once (at most [`BLOCKS`] per file being written).
static POOL: Mutex<Vec<Block>> = Mutex::new(Vec::new());

/// An aligned block: `buf[start..start + BLOCK]` is 4096-aligned.
struct Block {
    buf: Vec<u8>,
    start: usize,
}

impl Block {
    /// A block from the pool, or a new one; `None` if the allocator gave no
    /// room to align it. Its bytes are not cleared: only what was filled in
    /// is written, and [`DirectFile::finish`] zeroes the padding.
    fn take() -> Option<Block> {
        let pooled = POOL.lock().ok().and_then(|mut pool| pool.pop());
        pooled.or_else(Block::new)
    }

    /// Returns a block to the pool.
    fn give(self) {
        if !self.buf.is_empty() {
            if let Ok(mut pool) = POOL.lock() {
                pool.push(self);
            }
        }
    }

    /// A zeroed block; `None` if the allocator gave no room to align it.
    fn new() -> Option<Block> {
        let buf = vec![0u8; BLOCK + ALIGN];
        let start = buf.as_ptr().align_offset(ALIGN);
        (start <= ALIGN).then_some(Block { buf, start })
    }

    /// A placeholder that owns no memory.
    fn empty() -> Block {
        Block {
            buf: Vec::new(),
            start: 0,
        }
    }

    fn bytes(&self, len: usize) -> &[u8] {
        &self.buf[self.start..self.start + len]
    }
}

/// A file written with O_DIRECT in aligned blocks by its own thread.
pub struct DirectFile {
    /// The block being filled, and how much of it is.
    block: Block,
    len: usize,
    /// Blocks allocated so far (at most [`BLOCKS`]).
    allocated: usize,
    /// Full blocks (with their length) to the writer thread.
    to_writer: Option<SyncSender<(Block, usize)>>,
    /// Written blocks back from it, for reuse.
    free: Receiver<Block>,
    writer: Option<JoinHandle<io::Result<File>>>,
    /// Bytes handed over so far, padding included.
    handed: u64,
}

impl DirectFile {
    /// Creates (truncates) `path` for direct I/O. `Ok(None)` when the file
    /// system does not support it (the caller falls back to buffered I/O).
    pub fn create(path: &Path) -> io::Result<Option<DirectFile>> {
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let opened = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .custom_flags(libc::O_DIRECT)
                .open(path);
            match opened {
                Ok(file) => Ok(Block::take().map(|block| DirectFile::start(file, block))),
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(None),
                Err(e) => Err(e),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (path, OpenOptions::new());
            Ok(None)
        }
    }

    /// Starts the writer thread of `file`.
    fn start(mut file: File, block: Block) -> DirectFile {
        // Room for every block: sending never waits, taking a free one may.
        let (to_writer, full) = mpsc::sync_channel::<(Block, usize)>(BLOCKS);
        let (back, free) = mpsc::channel();
        let writer = std::thread::spawn(move || {
            for (block, len) in full {
                file.write_all(block.bytes(len))?;
                // The row writer may be gone (an error there); nothing to do.
                let _ = back.send(block);
            }
            Ok(file)
        });
        DirectFile {
            block,
            len: 0,
            allocated: 1,
            to_writer: Some(to_writer),
            free,
            writer: Some(writer),
            handed: 0,
        }
    }

    /// The writer thread's error, once it has stopped early.
    fn writer_error(&mut self) -> io::Error {
        self.to_writer = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            Some(Err(_)) => io::Error::other("the direct I/O writer thread panicked"),
            _ => io::Error::other("the direct I/O writer thread stopped"),
        }
    }

    /// Hands the current block (`len` bytes, a multiple of [`ALIGN`]) to the
    /// writer thread and takes an empty one: a written one back from the
    /// thread, a new one while fewer than [`BLOCKS`] exist, or else the next
    /// one the thread frees (waiting for the disk only then).
    fn hand_over(&mut self, len: usize) -> io::Result<()> {
        let spare = match self.free.try_recv() {
            Ok(b) => b,
            Err(_) if self.allocated < BLOCKS => {
                self.allocated += 1;
                Block::take().ok_or_else(|| io::Error::other("cannot align a direct I/O buffer"))?
            }
            Err(_) => Block::empty(),
        };
        let full = std::mem::replace(&mut self.block, spare);
        self.send(full, len)?;
        if self.block.buf.is_empty() {
            self.block = match self.free.recv() {
                Ok(b) => b,
                Err(_) => return Err(self.writer_error()),
            };
        }
        self.len = 0;
        Ok(())
    }

    fn send(&mut self, block: Block, len: usize) -> io::Result<()> {
        let sent = match &self.to_writer {
            Some(tx) => tx.send((block, len)).is_ok(),
            None => false,
        };
        if !sent {
            return Err(self.writer_error());
        }
        self.handed += len as u64;
        Ok(())
    }

    /// Writes the last, padded block, waits for the writer thread and
    /// truncates to the true length.
    pub fn finish(mut self) -> io::Result<File> {
        let mut tail = 0;
        if self.block.buf.is_empty() {
            return Err(io::Error::other("direct I/O file used after a write error"));
        }
        if self.len > 0 {
            let padded = self.len.div_ceil(ALIGN) * ALIGN;
            tail = padded - self.len;
            let (s, l) = (self.block.start, self.len);
            self.block.buf[s + l..s + padded].fill(0);
            let last = std::mem::replace(&mut self.block, Block::empty());
            self.send(last, padded)?;
        }
        self.to_writer = None;
        let file = match self.writer.take().map(JoinHandle::join) {
            Some(Ok(r)) => r?,
            Some(Err(_)) => return Err(io::Error::other("the direct I/O writer thread panicked")),
            None => return Err(io::Error::other("the direct I/O writer thread stopped")),
        };
        // Every block is back from the writer thread now; pool them.
        std::mem::replace(&mut self.block, Block::empty()).give();
        for block in self.free.try_iter() {
            block.give();
        }
        if tail > 0 {
            file.set_len(self.handed - tail as u64)?;
        }
        Ok(file)
    }
}

impl Write for DirectFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.block.buf.is_empty() {
            return Err(io::Error::other("direct I/O file used after a write error"));
        }
        let room = BLOCK - self.len;
        let n = data.len().min(room);
        let at = self.block.start + self.len;
        self.block.buf[at..at + n].copy_from_slice(&data[..n]);
        self.len += n;
        if self.len == BLOCK {
            self.hand_over(BLOCK)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
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
    fn direct_files_hold_exactly_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [
            0usize,
            1,
            4095,
            4096,
            4097,
            BLOCK - 1,
            BLOCK,
            BLOCK + 12_345,
            3 * BLOCK + 7,
            8 * BLOCK + 4097,
        ];
        // Small to large, then large to small: the second half writes
        // through pooled blocks that still hold the first half's bytes.
        for (n, size) in sizes.iter().chain(sizes.iter().rev()).enumerate() {
            let size = *size;
            let p = dir.path().join(format!("f{n}"));
            let data: Vec<u8> = (0..size).map(|i| ((i + n) * 31 % 251) as u8).collect();
            match DirectFile::create(&p).unwrap() {
                Some(mut f) => {
                    for chunk in data.chunks(70_001) {
                        f.write_all(chunk).unwrap();
                    }
                    f.finish().unwrap();
                    assert_eq!(std::fs::read(&p).unwrap(), data, "size {size}");
                }
                None => return, // file system without O_DIRECT (tmpfs): nothing to test
            }
        }
    }
}
