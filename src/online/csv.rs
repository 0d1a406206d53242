//! A reader of CSV records in neo4j-admin's default dialect
//! (neo4j-import-spec §1.8): `,` between fields, `"` quotes doubled inside
//! quoted fields, quoted fields may hold line breaks, empty lines skipped. It
//! keeps whether a field was quoted: a quoted empty field is an empty string,
//! an unquoted one an absent value.

use anyhow::{anyhow, bail, Result};
use std::io::BufRead;

/// One CSV field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field {
    /// The text, quotes removed and doubled quotes undone.
    pub text: String,
    /// Whether it was quoted (a quoted empty field is an empty string).
    pub quoted: bool,
}

/// A reader of CSV records in neo4j-admin's default dialect: `,`, `"` quotes
/// doubled inside quoted fields, quoted fields may hold line breaks.
pub struct CsvReader<R> {
    input: R,
    line: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> CsvReader<R> {
    /// A reader over `input`.
    pub fn new(input: R) -> Self {
        CsvReader {
            input,
            line: 0,
            buf: Vec::new(),
        }
    }

    /// Reads the next record into `fields`; returns its first line number
    /// (from 1) and its size in bytes, or `None` at the end. Empty lines are
    /// skipped, as neo4j-admin does.
    pub fn next_record(&mut self, fields: &mut Vec<Field>) -> Result<Option<(u64, u64)>> {
        fields.clear();
        loop {
            self.buf.clear();
            let n = self.input.read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let trimmed = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
            let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
            if !trimmed.is_empty() {
                break;
            }
        }
        let first = self.line;
        let mut bytes = self.buf.len() as u64;
        let mut field = Vec::new();
        let mut quoted = false;
        let mut in_quotes = false;
        let mut i = 0;
        loop {
            if i >= self.buf.len() {
                if in_quotes {
                    // The quoted field goes on on the next line.
                    self.buf.clear();
                    let n = self.input.read_until(b'\n', &mut self.buf)?;
                    if n == 0 {
                        bail!("line {first}: a quoted field is not closed");
                    }
                    self.line += 1;
                    bytes += n as u64;
                    i = 0;
                    continue;
                }
                break;
            }
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
                fields.push(take(&mut field, &mut quoted, first)?);
            } else if b == b'\n' || (b == b'\r' && self.buf.get(i + 1) == Some(&b'\n')) {
                break;
            } else if quoted {
                bail!("line {first}: text after a closing quote");
            } else {
                field.push(b);
            }
            i += 1;
        }
        fields.push(take(&mut field, &mut quoted, first)?);
        Ok(Some((first, bytes)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<Vec<Field>> {
        let mut r = CsvReader::new(text.as_bytes());
        let mut out = Vec::new();
        let mut f = Vec::new();
        while r.next_record(&mut f).unwrap().is_some() {
            out.push(f.clone());
        }
        out
    }

    fn f(text: &str, quoted: bool) -> Field {
        Field {
            text: text.into(),
            quoted,
        }
    }

    #[test]
    fn csv_quotes_empties_and_line_breaks() {
        let recs = records("a,\"b,c\",,\"\"\n\n\"say \"\"hi\"\"\",\"two\nlines\",x\r\n");
        assert_eq!(
            recs[0],
            vec![f("a", false), f("b,c", true), f("", false), f("", true)]
        );
        assert_eq!(
            recs[1],
            vec![f("say \"hi\"", true), f("two\nlines", true), f("x", false)]
        );
        assert_eq!(recs.len(), 2);
    }

    #[test]
    fn csv_errors_are_reported() {
        let mut f = Vec::new();
        assert!(CsvReader::new("\"open".as_bytes())
            .next_record(&mut f)
            .is_err());
        assert!(CsvReader::new("\"a\"b".as_bytes())
            .next_record(&mut f)
            .is_err());
    }
}
