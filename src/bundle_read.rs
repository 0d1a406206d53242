//! Reading a bundle's CSV files the way `neo4j-admin database import` reads
//! them with the arguments cmdbgen writes: the one reader for everything but
//! `validate` (which keeps an independent one on purpose, to check this
//! code's output from a second implementation).
//!
//! The dialect is neo4j-admin's default (docs/import.md, docs/validate.md):
//! `,` between fields, `"` quotes a field only as its first character, `""`
//! inside quotes is one quote, text after a closing quote is an error,
//! multiline fields are off (a line break inside quotes is an error, as
//! neo4j-admin would stop there), `\n`, `\r\n` and `\r` end a line, empty
//! lines are skipped, a UTF-8 BOM is skipped. A record is one physical line.
//! Data files are gunzipped when they start with gzip's magic bytes, as
//! neo4j-admin decides (not by the name).

use anyhow::{anyhow, bail, Context, Result};
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// One CSV field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field {
    /// The text, quotes removed and doubled quotes undone.
    pub text: String,
    /// Whether it was quoted (a quoted empty field is an empty string, an
    /// unquoted one an absent value).
    pub quoted: bool,
}

/// A reader of CSV records in neo4j-admin's default dialect.
pub struct CsvReader<R> {
    input: R,
    line: u64,
    buf: Vec<u8>,
    /// The last line ended with `\r`: a `\n` right after belongs to it.
    skip_lf: bool,
}

impl<R: BufRead> CsvReader<R> {
    /// A reader over `input`.
    pub fn new(input: R) -> Self {
        CsvReader {
            input,
            line: 0,
            buf: Vec::new(),
            skip_lf: false,
        }
    }

    /// Reads one physical line, without its end, into `buf`: `None` at the
    /// end of the stream, else the bytes it took and whether a line break
    /// ended it.
    fn read_line(&mut self) -> io::Result<Option<(u64, bool)>> {
        self.buf.clear();
        let mut bytes = 0u64;
        loop {
            let avail = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                return Ok((bytes > 0).then_some((bytes, false)));
            }
            if self.skip_lf {
                self.skip_lf = false;
                if avail[0] == b'\n' {
                    self.input.consume(1);
                    bytes += 1;
                    continue;
                }
            }
            match avail.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    self.skip_lf = avail[i] == b'\r';
                    self.buf.extend_from_slice(&avail[..i]);
                    self.input.consume(i + 1);
                    return Ok(Some((bytes + i as u64 + 1, true)));
                }
                None => {
                    let n = avail.len();
                    self.buf.extend_from_slice(avail);
                    self.input.consume(n);
                    bytes += n as u64;
                }
            }
        }
    }

    /// Reads the next record into `fields`; returns its line number (the
    /// first is 1) and its size in bytes, or `None` at the end. Empty lines
    /// are skipped, as neo4j-admin does.
    pub fn next_record(&mut self, fields: &mut Vec<Field>) -> Result<Option<(u64, u64)>> {
        fields.clear();
        let (bytes, terminated) = loop {
            let Some((bytes, terminated)) = self.read_line()? else {
                return Ok(None);
            };
            self.line += 1;
            if self.line == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.buf.drain(..3);
            }
            if !self.buf.is_empty() {
                break (bytes, terminated);
            }
        };
        let line = self.line;
        let mut field = Vec::new();
        let mut quoted = false;
        let mut in_quotes = false;
        let mut i = 0;
        while i < self.buf.len() {
            let b = self.buf[i];
            if in_quotes {
                if b == b'"' {
                    if self.buf.get(i + 1) == Some(&b'"') {
                        field.push(b'"');
                        i += 2;
                        continue;
                    }
                    in_quotes = false;
                } else {
                    field.push(b);
                }
            } else if b == b'"' && field.is_empty() && !quoted {
                quoted = true;
                in_quotes = true;
            } else if b == b',' {
                fields.push(take(&mut field, &mut quoted, line)?);
            } else if quoted {
                bail!("line {line}: text after a closing quote");
            } else {
                field.push(b);
            }
            i += 1;
        }
        if in_quotes {
            if terminated {
                bail!(
                    "line {line}: line break inside a quoted field (neo4j-admin reads with multiline fields off)"
                );
            }
            bail!("line {line}: a quoted field is not closed");
        }
        fields.push(take(&mut field, &mut quoted, line)?);
        Ok(Some((line, bytes)))
    }
}

fn take(field: &mut Vec<u8>, quoted: &mut bool, line: u64) -> Result<Field> {
    let text = String::from_utf8(std::mem::take(field))
        .map_err(|_| anyhow!("line {line}: a field is not UTF-8"))?;
    let f = Field {
        text,
        quoted: *quoted,
    };
    *quoted = false;
    Ok(f)
}

/// Opens the data file `rel` of the bundle at `root` (a regular file only,
/// see [`crate::bundle_file`]), gunzipped when it starts with gzip's magic
/// bytes.
pub fn open_data(root: &Path, rel: &str) -> Result<Box<dyn BufRead>> {
    let open = || {
        crate::bundle_file::open(root, rel)
            .with_context(|| format!("opening {}", root.join(rel).display()))
    };
    let mut f = open()?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic)?;
    let f = open()?;
    Ok(if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(f),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 20, f))
    })
}

/// The cells of the header file `rel` of the bundle at `root`: its first
/// record.
pub fn header_cells(root: &Path, rel: &str) -> Result<Vec<Field>> {
    let path = root.join(rel);
    let text = crate::bundle_file::read_to_string(root, rel)
        .with_context(|| format!("reading {}", path.display()))?;
    let mut reader = CsvReader::new(text.as_bytes());
    let mut fields = Vec::new();
    match reader.next_record(&mut fields) {
        Ok(Some(_)) => Ok(fields),
        Ok(None) => bail!("{}: empty header file", path.display()),
        Err(e) => Err(e.context(path.display().to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::reader::{Reader, Record};

    /// (line, fields as (text, quoted)) or the error, for every record.
    type Records = Vec<std::result::Result<(u64, Vec<(String, bool)>), u64>>;

    fn ours(text: &[u8]) -> Records {
        let mut r = CsvReader::new(text);
        let mut f = Vec::new();
        let mut out = Vec::new();
        loop {
            match r.next_record(&mut f) {
                Ok(None) => break,
                Ok(Some((line, _))) => out.push(Ok((
                    line,
                    f.iter().map(|f| (f.text.clone(), f.quoted)).collect(),
                ))),
                Err(_) => {
                    // The record's line: records never span lines.
                    out.push(Err(r.line));
                    break;
                }
            }
        }
        out
    }

    fn validates(text: &[u8]) -> Records {
        let mut r = Reader::new(text);
        let mut rec = Record::default();
        let mut out = Vec::new();
        while let Some(res) = r.next(&mut rec).unwrap() {
            match res {
                Ok(()) => out.push(Ok((
                    rec.line,
                    (0..rec.len())
                        .map(|i| {
                            let s = String::from_utf8_lossy(rec.get(i)).into_owned();
                            (s, rec.field(i).quoted)
                        })
                        .collect(),
                ))),
                Err(_) => {
                    out.push(Err(rec.line));
                    break;
                }
            }
        }
        out
    }

    fn f(text: &str, quoted: bool) -> (String, bool) {
        (text.into(), quoted)
    }

    #[test]
    fn quotes_empties_and_line_ends() {
        let recs = ours(b"\xEF\xBB\xBFa,\"b,c\",,\"\"\n\n\"say \"\"hi\"\"\",x\r\ny\rz");
        assert_eq!(
            recs,
            vec![
                Ok((
                    1,
                    vec![f("a", false), f("b,c", true), f("", false), f("", true)]
                )),
                Ok((3, vec![f("say \"hi\"", true), f("x", false)])),
                Ok((4, vec![f("y", false)])),
                Ok((5, vec![f("z", false)])),
            ]
        );
    }

    /// A line break inside quotes stops both readers at the same line, as
    /// it stops neo4j-admin (multiline fields are off); every other input
    /// here reads the same too.
    #[test]
    fn online_and_validate_read_alike() {
        let inputs: [&[u8]; 7] = [
            b"id:ID,name\nsrv-1,\"two\nlines\"\nsrv-2,x\n",
            b"a,\"b\rc\"\n",
            b"a,b\r\n\r\n\"q\"\"q\",\n",
            b"\xEF\xBB\xBFx,\"\"\n,\n",
            b"a,\"open",
            b"\"a\"b,c\n",
            b"th\"ree,x\nlast",
        ];
        for text in inputs {
            assert_eq!(
                ours(text),
                validates(text),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        assert_eq!(
            ours(inputs[0]).last(),
            Some(&Err(2)),
            "the quoted line break is an error on line 2"
        );
    }

    #[test]
    fn errors_name_the_line() {
        let mut f = Vec::new();
        let err = |t: &str| {
            CsvReader::new(t.as_bytes())
                .next_record(&mut Vec::new())
                .unwrap_err()
                .to_string()
        };
        assert!(err("\"open").contains("not closed"));
        assert!(err("\"a\"b").contains("text after a closing quote"));
        assert!(err("a,\"two\nlines\"").contains("line 1: line break inside a quoted field"));
        let mut r = CsvReader::new(&b"x\n\"\xff\"\n"[..]);
        assert!(r.next_record(&mut f).unwrap().is_some());
        assert!(r
            .next_record(&mut f)
            .unwrap_err()
            .to_string()
            .contains("line 2"));
    }
}
