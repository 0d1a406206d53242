//! Direct I/O: shard files written around the page cache (Linux `O_DIRECT`).
//!
//! On the VMs we measured, buffered writes into fresh page-cache pages cost
//! about 3 CPU-seconds per GB in the kernel; `O_DIRECT` costs about 0.23
//! (../shared/perf-anchors.md §3.4). Multi-terabyte outputs are always "fresh",
//! so `generate --direct-io` can buy back most of a core. No `unsafe`: the
//! aligned buffer is an aligned window into an over-allocated `Vec`, the last
//! block is zero-padded and the file is then truncated to its true length.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Buffer, file offset and length alignment required by O_DIRECT.
const ALIGN: usize = 4096;
/// Bytes handed to the kernel per write.
const BLOCK: usize = 1 << 20;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns direct I/O on or off for files created from now on.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether direct I/O is requested.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A file written with O_DIRECT in aligned blocks.
pub struct DirectFile {
    file: File,
    buf: Vec<u8>,
    start: usize,
    len: usize,
    written: u64,
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
                Ok(file) => {
                    let buf = vec![0u8; BLOCK + ALIGN];
                    let start = buf.as_ptr().align_offset(ALIGN);
                    if start > ALIGN {
                        return Ok(None);
                    }
                    Ok(Some(DirectFile {
                        file,
                        buf,
                        start,
                        len: 0,
                        written: 0,
                    }))
                }
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

    fn write_block(&mut self, bytes: usize) -> io::Result<()> {
        self.file
            .write_all(&self.buf[self.start..self.start + bytes])?;
        self.written += bytes as u64;
        Ok(())
    }

    /// Writes the last, padded block and truncates to the true length.
    pub fn finish(mut self) -> io::Result<File> {
        if self.len > 0 {
            let padded = self.len.div_ceil(ALIGN) * ALIGN;
            let (s, l) = (self.start, self.len);
            self.buf[s + l..s + padded].fill(0);
            self.write_block(padded)?;
            self.file.set_len(self.written - (padded - l) as u64)?;
        }
        Ok(self.file)
    }
}

impl Write for DirectFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = BLOCK - self.len;
        let n = data.len().min(room);
        let at = self.start + self.len;
        self.buf[at..at + n].copy_from_slice(&data[..n]);
        self.len += n;
        if self.len == BLOCK {
            self.write_block(BLOCK)?;
            self.len = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_files_hold_exactly_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        for size in [
            0usize,
            1,
            4095,
            4096,
            4097,
            BLOCK - 1,
            BLOCK,
            BLOCK + 12_345,
            3 * BLOCK + 7,
        ] {
            let p = dir.path().join(format!("f{size}"));
            let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
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
