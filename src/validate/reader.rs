//! CSV records read the way `neo4j-admin database import` reads them with its
//! defaults (../shared/neo4j-import-spec.md §1.8): `,` between fields, `"`
//! quotes a field only when it is the field's first character, `""` inside
//! quotes is one quote, data after a closing quote is an error, multiline
//! fields are off (a line break inside quotes is an error), `\n`, `\r\n` and
//! `\r` end a line, completely empty lines are skipped, a UTF-8 BOM is
//! skipped, and no field may exceed the 4 MiB read buffer.
//!
//! Records never span lines, so a record is one physical line and its
//! number is that line's number in the (decompressed) file.
//!
//! This reader is independent of [`crate::bundle_read`] (which `apply`
//! uses) on purpose: `validate` checks cmdbgen's output with a second
//! implementation of the spec, and a test holds the two to the same reading.

use std::io::{self, BufRead};

/// neo4j-admin's default `--read-buffer-size`: the largest field.
pub const MAX_FIELD: usize = 4 << 20;
/// Lines longer than this are not kept in memory (reported, then skipped).
pub const MAX_LINE: usize = 64 << 20;

/// A field of a record: a byte range of the record's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    start: usize,
    end: usize,
    /// Whether the field was quoted (a quoted empty field is an empty
    /// string; an unquoted one is an absent value).
    pub quoted: bool,
}

/// One record: its line number and its fields, unescaped in place.
#[derive(Debug, Default)]
pub struct Record {
    buf: Vec<u8>,
    fields: Vec<Field>,
    /// The physical line number (1-based) of the record.
    pub line: u64,
    /// Byte offset of the first invalid UTF-8 sequence on the line, if any.
    pub bad_utf8: Option<usize>,
}

impl Record {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the record has no fields (only after a lexical error).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `i`'s bytes.
    pub fn get(&self, i: usize) -> &[u8] {
        let f = self.fields[i];
        &self.buf[f.start..f.end]
    }

    /// Field `i`.
    pub fn field(&self, i: usize) -> Field {
        self.fields[i]
    }

    /// Every field as a (lossy) string: for header rows and tests.
    pub fn strings(&self) -> Vec<String> {
        (0..self.len())
            .map(|i| String::from_utf8_lossy(self.get(i)).into_owned())
            .collect()
    }
}

/// Reads records from a byte stream.
pub struct Reader<R> {
    inner: R,
    line: u64,
    skip_lf: bool,
    /// Whether the last line of the stream had no line end.
    pub unterminated: bool,
}

impl<R: BufRead> Reader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R) -> Self {
        Reader {
            inner,
            line: 0,
            skip_lf: false,
            unterminated: false,
        }
    }

    /// Physical lines read so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Reads one line (without its end) into `buf`. Returns `None` at the
    /// end of the stream, else (ended by a line break, too long).
    fn read_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<(bool, bool)>> {
        buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                return Ok(any.then_some((false, too_long)));
            }
            if self.skip_lf {
                self.skip_lf = false;
                if avail[0] == b'\n' {
                    self.inner.consume(1);
                    continue;
                }
            }
            any = true;
            let (take, end) = match avail.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => (i, Some(avail[i])),
                None => (avail.len(), None),
            };
            if buf.len() + take > MAX_LINE {
                too_long = true;
            } else {
                buf.extend_from_slice(&avail[..take]);
            }
            match end {
                Some(b) => {
                    self.inner.consume(take + 1);
                    self.skip_lf = b == b'\r';
                    return Ok(Some((true, too_long)));
                }
                None => self.inner.consume(take),
            }
        }
    }

    /// Reads the next record into `rec`. Returns `None` at the end of the
    /// stream; `Some(Err(message))` for a record that breaks the lexical
    /// rules (its fields are then unusable).
    pub fn next(&mut self, rec: &mut Record) -> io::Result<Option<Result<(), String>>> {
        loop {
            let Some((terminated, too_long)) = self.read_line(&mut rec.buf)? else {
                return Ok(None);
            };
            self.line += 1;
            rec.line = self.line;
            rec.fields.clear();
            rec.bad_utf8 = None;
            if self.line == 1 && rec.buf.starts_with(b"\xEF\xBB\xBF") {
                rec.buf.drain(..3);
            }
            self.unterminated = !terminated;
            if too_long {
                return Ok(Some(Err(format!(
                    "line longer than {} MiB",
                    MAX_LINE >> 20
                ))));
            }
            if rec.buf.is_empty() {
                continue;
            }
            if let Err(e) = std::str::from_utf8(&rec.buf) {
                rec.bad_utf8 = Some(e.valid_up_to());
            }
            return Ok(Some(split(rec, terminated)));
        }
    }
}

/// Splits `rec.buf` into fields, unescaping quoted fields in place.
fn split(rec: &mut Record, terminated: bool) -> Result<(), String> {
    let line = &mut rec.buf;
    let n = line.len();
    let mut r = 0;
    let mut w = 0;
    loop {
        let col = rec.fields.len() + 1;
        let start = w;
        if r < n && line[r] == b'"' {
            r += 1;
            loop {
                let Some(k) = line[r..].iter().position(|&b| b == b'"') else {
                    return Err(if terminated {
                        format!("field {col}: line break inside a quoted field (multiline fields are off)")
                    } else {
                        format!("field {col}: missing end quote at end of file")
                    });
                };
                if w != r {
                    line.copy_within(r..r + k, w);
                }
                w += k;
                r += k + 1;
                if r < n && line[r] == b'"' {
                    line[w] = b'"';
                    w += 1;
                    r += 1;
                } else {
                    break;
                }
            }
            push(&mut rec.fields, start, w, true, col)?;
            if r == n {
                return Ok(());
            }
            if line[r] != b',' {
                return Err(format!("field {col}: data after the closing quote"));
            }
            r += 1;
        } else {
            let end = line[r..]
                .iter()
                .position(|&b| b == b',')
                .map_or(n, |k| r + k);
            if w != r {
                line.copy_within(r..end, w);
            }
            w += end - r;
            push(&mut rec.fields, start, w, false, col)?;
            if end == n {
                return Ok(());
            }
            r = end + 1;
        }
    }
}

fn push(
    fields: &mut Vec<Field>,
    start: usize,
    end: usize,
    quoted: bool,
    col: usize,
) -> Result<(), String> {
    if end - start > MAX_FIELD {
        return Err(format!(
            "field {col} is {} bytes, more than the 4 MiB read buffer",
            end - start
        ));
    }
    fields.push(Field { start, end, quoted });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields as (text, quoted), or the lexical error.
    type Fields = Result<Vec<(String, bool)>, String>;

    /// (line, fields or error) for every record of `text`.
    fn read(text: &[u8]) -> Vec<(u64, Fields)> {
        let mut r = Reader::new(text);
        let mut rec = Record::default();
        let mut out = Vec::new();
        while let Some(res) = r.next(&mut rec).unwrap() {
            let v = res.map(|()| {
                (0..rec.len())
                    .map(|i| {
                        (
                            String::from_utf8_lossy(rec.get(i)).into_owned(),
                            rec.field(i).quoted,
                        )
                    })
                    .collect()
            });
            out.push((rec.line, v));
        }
        out
    }

    fn fields(text: &str) -> Vec<String> {
        let recs = read(text.as_bytes());
        assert_eq!(recs.len(), 1, "{text:?}: {recs:?}");
        match &recs[0].1 {
            Ok(f) => f.iter().map(|(s, _)| s.clone()).collect(),
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    fn error(text: &str) -> String {
        let recs = read(text.as_bytes());
        match &recs[0].1 {
            Ok(f) => panic!("{text:?} parsed as {f:?}"),
            Err(e) => e.clone(),
        }
    }

    #[test]
    fn plain_and_quoted_fields() {
        assert_eq!(fields("a,b,c\n"), ["a", "b", "c"]);
        assert_eq!(fields("\"a,b\",c\n"), ["a,b", "c"]);
        assert_eq!(fields("\"say \"\"hi\"\"\",x\n"), ["say \"hi\"", "x"]);
        // A quote is special only as the first character.
        assert_eq!(fields("th\"ree,x\n"), ["th\"ree", "x"]);
        // Backslash is ordinary.
        assert_eq!(fields("\"a\\\",b\n"), ["a\\", "b"]);
        // A trailing delimiter makes an empty last field.
        assert_eq!(fields("a,b,\n"), ["a", "b", ""]);
        assert_eq!(fields(",\n"), ["", ""]);
        assert_eq!(fields("x"), ["x"]);
        assert_eq!(fields("\"\"\"\"\n"), ["\""]);
    }

    #[test]
    fn empty_quoted_is_not_absent() {
        let recs = read(b"\"\",\n");
        let f = recs[0].1.as_ref().unwrap();
        assert_eq!(f, &vec![(String::new(), true), (String::new(), false)]);
    }

    #[test]
    fn lexical_errors() {
        assert!(error("\"def\"ghi,x\n").contains("field 1: data after the closing quote"));
        assert!(error("a,\"b\n").contains("field 2: line break inside a quoted field"));
        assert!(error("a,\"b").contains("missing end quote"));
        assert!(error("a,\"b\rc\"\n").contains("line break inside"));
    }

    #[test]
    fn line_ends_and_numbers() {
        let recs = read(b"a\r\nb\n\nc\rd\n\r\ne");
        let lines: Vec<(u64, String)> = recs
            .iter()
            .map(|(l, f)| (*l, f.as_ref().unwrap()[0].0.clone()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (1, "a".into()),
                (2, "b".into()),
                (4, "c".into()),
                (5, "d".into()),
                (7, "e".into())
            ]
        );
    }

    #[test]
    fn error_then_recovery_on_next_line() {
        let recs = read(b"\"a\n1,2\n");
        assert!(recs[0].1.is_err());
        assert_eq!(recs[1].0, 2);
        assert_eq!(recs[1].1.as_ref().unwrap().len(), 2);
    }

    #[test]
    fn bom_is_skipped_and_utf8_checked() {
        assert_eq!(fields("\u{feff}a,b\n"), ["a", "b"]);
        let mut r = Reader::new(&b"ok,\xff\xfe\n"[..]);
        let mut rec = Record::default();
        assert!(r.next(&mut rec).unwrap().unwrap().is_ok());
        assert_eq!(rec.bad_utf8, Some(3));
    }

    #[test]
    fn unterminated_last_line_is_noticed() {
        let mut r = Reader::new(&b"a\nb"[..]);
        let mut rec = Record::default();
        while r.next(&mut rec).unwrap().is_some() {}
        assert!(r.unterminated);
        let mut r = Reader::new(&b"a\nb\n"[..]);
        while r.next(&mut rec).unwrap().is_some() {}
        assert!(!r.unterminated);
    }

    #[test]
    fn huge_fields_are_rejected() {
        let mut text = vec![b'x'; MAX_FIELD + 1];
        text.extend_from_slice(b",y\n");
        let recs = read(&text);
        assert!(recs[0].1.as_ref().unwrap_err().contains("4 MiB"));
    }
}
