//! Opening a bundle file: raw bytes counted and hashed as they are read,
//! gzip recognised by its magic bytes `1F 8B` as neo4j-admin does (not by
//! the file name), and the rest of the file drained at the end so that the
//! size and xxh3 cover every byte.

use flate2::bufread::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use xxhash_rust::xxh3::Xxh3;

const BUF: usize = 256 << 10;

/// Counts and hashes the raw bytes of a file as they are read.
pub struct Hashing {
    file: File,
    hasher: Xxh3,
    bytes: u64,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A file's decompressed content; gzip is recognised by its magic bytes
/// `1F 8B`, as neo4j-admin does, not by the file name. One exists per file
/// being read, so the variants' size difference does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Body {
    /// Not compressed.
    Plain(BufReader<Hashing>),
    /// gzip, one or more members.
    Gzip(BufReader<MultiGzDecoder<BufReader<Hashing>>>),
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Body::Plain(r) => r.read(buf),
            Body::Gzip(r) => r.read(buf),
        }
    }
}

impl BufRead for Body {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Body::Plain(r) => r.fill_buf(),
            Body::Gzip(r) => r.fill_buf(),
        }
    }

    fn consume(&mut self, n: usize) {
        match self {
            Body::Plain(r) => r.consume(n),
            Body::Gzip(r) => r.consume(n),
        }
    }
}

/// What a file's first bytes say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Magic {
    /// Plain text.
    Plain,
    /// gzip (`1F 8B`).
    Gzip,
    /// zip (`50 4B 03 04`).
    Zip,
}

/// Opens the bundle file `rel` under `root` (a regular file only, see
/// [`crate::bundle_file::open`]) and tells plain from gzip (or zip) by its
/// first bytes.
pub fn open(root: &Path, rel: &str) -> io::Result<(Body, Magic)> {
    let file = crate::bundle_file::open(root, rel)?;
    let mut raw = BufReader::with_capacity(
        BUF,
        Hashing {
            file,
            hasher: Xxh3::new(),
            bytes: 0,
        },
    );
    let head = raw.fill_buf()?;
    let magic = if head.starts_with(&[0x1F, 0x8B]) {
        Magic::Gzip
    } else if head.starts_with(&[0x50, 0x4B, 0x03, 0x04]) {
        Magic::Zip
    } else {
        Magic::Plain
    };
    let body = match magic {
        Magic::Gzip => Body::Gzip(BufReader::with_capacity(BUF, MultiGzDecoder::new(raw))),
        _ => Body::Plain(raw),
    };
    Ok((body, magic))
}

/// Reads what is left of the raw file and returns (bytes, xxh3) of all of it.
pub fn finish(body: Body) -> io::Result<(u64, u64)> {
    let mut raw = match body {
        Body::Plain(r) => r,
        Body::Gzip(r) => r.into_inner().into_inner(),
    };
    io::copy(&mut raw, &mut io::sink())?;
    let h = raw.into_inner();
    Ok((h.bytes, h.hasher.digest()))
}
