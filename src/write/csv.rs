//! CSV rendering in exactly the dialect `neo4j-admin database import` reads
//! with its defaults (../shared/neo4j-import-spec.md §1.5–1.8): `,` between
//! fields, `;` between array elements and labels, `"` quotes doubled inside
//! quoted fields, `\n` line ends, an unquoted empty field for an absent value.

use crate::gen::pools::{self, Word};
pub use crate::gen::text::{civil, put_cents, put_datetime, put_id};
use crate::gen::text::{put_i64, put_ipv4, put_u64};
use crate::gen::Value;

/// Whether a string must be quoted: it holds the delimiter, a quote or a line
/// break, starts or ends with white space, or is empty (an unquoted empty
/// field would mean "absent").
#[inline]
pub fn needs_quotes(s: &[u8]) -> bool {
    match (s.first(), s.last()) {
        (None, _) => true,
        (Some(&f), Some(&l)) if f <= b' ' || l <= b' ' => true,
        _ => has_special(s),
    }
}

/// Whether `s` holds the delimiter, a quote or a line break. Without a
/// branch per byte: strings of 8 bytes or more are read eight at a time (the
/// last window overlapping the one before), and a byte equal to one of the
/// four zeroes its lane of `x ^ pattern`, which the exact zero-byte test
/// finds; shorter strings OR the four comparisons over all their bytes.
#[inline]
fn has_special(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    #[inline]
    fn zero_lane(v: u64) -> u64 {
        v.wrapping_sub(ONES) & !v & HIGHS
    }
    #[inline]
    fn special_lane(c: &[u8]) -> bool {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        (zero_lane(x ^ (ONES * u64::from(b',')))
            | zero_lane(x ^ (ONES * u64::from(b'"')))
            | zero_lane(x ^ (ONES * u64::from(b'\n')))
            | zero_lane(x ^ (ONES * u64::from(b'\r'))))
            != 0
    }
    if s.len() < 8 {
        return s.iter().fold(false, |acc, &b| {
            acc | (b == b',') | (b == b'"') | (b == b'\n') | (b == b'\r')
        });
    }
    let mut chunks = s.chunks_exact(8);
    if chunks.any(special_lane) {
        return true;
    }
    !chunks.remainder().is_empty() && special_lane(&s[s.len() - 8..])
}

/// Appends a pool word: a plain one with one fixed-size copy (the padding is
/// cut off again), any other like [`put_str`].
#[inline]
pub fn put_word(w: &Word, out: &mut Vec<u8>) {
    if w.plain {
        let at = out.len();
        out.extend_from_slice(&w.padded);
        out.truncate(at + w.text.len());
    } else {
        put_str(w.text, out);
    }
}

/// Appends `s` with its quotes doubled.
#[inline]
fn escaped(s: &[u8], out: &mut Vec<u8>) {
    for &b in s {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
}

/// Appends a string field, quoted when needed.
#[inline]
pub fn put_str(s: &str, out: &mut Vec<u8>) {
    let b = s.as_bytes();
    if needs_quotes(b) {
        out.push(b'"');
        escaped(b, out);
        out.push(b'"');
    } else {
        out.extend_from_slice(b);
    }
}

/// Appends one value as a CSV field.
#[inline]
pub fn put_value(v: &Value<'_>, out: &mut Vec<u8>) {
    match *v {
        Value::Null => {}
        Value::Str(s) => put_str(s, out),
        Value::Word(w) => put_word(w, out),
        Value::Id { prefix, n } => put_id(prefix, n, out),
        // Two fields: the integer `:ID`, then the string `id` property.
        Value::IntegerId { prefix, n } => {
            put_u64(n, out);
            out.push(b',');
            put_id(prefix, n, out);
        }
        Value::Name { a, b, sep, n } => {
            // The value ends with digits, so only its start and its special
            // characters decide the quoting.
            let quote = a.as_bytes().first().is_none_or(|&f| f <= b' ')
                || has_special(a.as_bytes())
                || has_special(b.as_bytes())
                || has_special(sep.as_bytes());
            if quote {
                out.push(b'"');
                escaped(a.as_bytes(), out);
                if !b.is_empty() {
                    escaped(sep.as_bytes(), out);
                    escaped(b.as_bytes(), out);
                }
                escaped(sep.as_bytes(), out);
                put_u64(n, out);
                out.push(b'"');
            } else {
                // No quote character in any part: nothing to double.
                out.extend_from_slice(a.as_bytes());
                if !b.is_empty() {
                    out.extend_from_slice(sep.as_bytes());
                    out.extend_from_slice(b.as_bytes());
                }
                out.extend_from_slice(sep.as_bytes());
                put_u64(n, out);
            }
        }
        Value::Int(i) => put_i64(i, out),
        Value::Cents(c) => put_cents(c, out),
        Value::DateTime(t) => put_datetime(t, out),
        Value::Ipv4(ip) => put_ipv4(ip, out),
        Value::Net(n) => crate::gen::text::put_net(n, out),
        Value::Labels(ls) => {
            for (k, l) in ls.iter().enumerate() {
                if k > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(l.as_bytes());
            }
        }
        Value::Tags(mask) => {
            let mut first = true;
            for (k, t) in pools::TAGS.iter().enumerate() {
                if mask & (1 << k) != 0 {
                    if !first {
                        out.push(b';');
                    }
                    first = false;
                    out.extend_from_slice(t.as_bytes());
                }
            }
        }
        Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        // Source names use only letters, digits, '-', '_' and '.'.
        Value::Sources { names, mask } => {
            for (k, n) in crate::gen::selected(names, mask).enumerate() {
                if k > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(n.as_bytes());
            }
        }
        Value::Key { prefix, hash } => crate::gen::put_key(prefix, hash, out),
        Value::Report(r) => {
            let mut json = Vec::with_capacity(256);
            r.put_json(&mut json);
            out.push(b'"');
            escaped(&json, out);
            out.push(b'"');
        }
    }
}

/// Appends a row: fields separated by `,`, ended by `\n`.
#[inline]
pub fn put_row(row: &[Value<'_>], out: &mut Vec<u8>) {
    for (k, v) in row.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        put_value(v, out);
    }
    out.push(b'\n');
}

/// The text of a header file: the cells, quoted when needed, and `\n`.
pub fn header_line(cells: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, c) in cells.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        put_str(c, &mut out);
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::text::{put_i64, put_padded, put_u64};
    use proptest::prelude::*;

    fn render(v: Value<'_>) -> String {
        let mut out = Vec::new();
        put_value(&v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn pool_words_are_their_values() {
        for pool in [
            &pools::CI_STATUS,
            &pools::CITY,
            &pools::BSVC_DESC,
            &pools::DEP_TYPE,
        ] {
            assert_eq!(pool.words.len(), pool.values.len());
            for (w, v) in pool.words.iter().zip(pool.values) {
                assert_eq!(w.text, *v);
                assert_eq!(
                    w.plain,
                    !needs_quotes(v.as_bytes()) && v.len() <= pools::WORD_PAD
                );
            }
        }
    }

    #[test]
    fn strings_are_quoted_only_when_needed() {
        assert_eq!(render(Value::Str("plain")), "plain");
        assert_eq!(render(Value::Str("a,b")), "\"a,b\"");
        assert_eq!(render(Value::Str("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(render(Value::Str(" lead")), "\" lead\"");
        assert_eq!(render(Value::Str("")), "\"\"");
        assert_eq!(render(Value::Str("Zürich")), "Zürich");
        assert_eq!(render(Value::Str("th\"ree")), "\"th\"\"ree\"");
    }

    #[test]
    fn composed_values() {
        assert_eq!(
            render(Value::Id {
                prefix: "srv-",
                n: 42
            }),
            "srv-000000042"
        );
        assert_eq!(
            render(Value::Id {
                prefix: "srv-",
                n: 12_345_678_901
            }),
            "srv-12345678901"
        );
        let name = Value::Name {
            a: "web",
            b: "prd",
            sep: "-",
            n: 7,
        };
        assert_eq!(render(name), "web-prd-7");
        let name = Value::Name {
            a: "Billing, Inc",
            b: "",
            sep: " ",
            n: 3,
        };
        assert_eq!(render(name), "\"Billing, Inc 3\"");
        let name = Value::Name {
            a: "Customer",
            b: "Portal",
            sep: " ",
            n: 3,
        };
        assert_eq!(render(name), "Customer Portal 3");
        let name = Value::Name {
            a: "\"Gold\" Line",
            b: "",
            sep: " ",
            n: 1,
        };
        assert_eq!(render(name), "\"\"\"Gold\"\" Line 1\"");
        assert_eq!(render(Value::Cents(123_405)), "1234.05");
        assert_eq!(render(Value::Cents(-50)), "-0.50");
        assert_eq!(render(Value::Ipv4(0x0A00_0102)), "10.0.1.2");
        assert_eq!(render(Value::Labels(&["A", "B"])), "A;B");
        assert_eq!(render(Value::Tags(0)), "");
        assert_eq!(render(Value::Tags(0b101)), "pci;gdpr");
        assert_eq!(render(Value::Bool(true)), "true");
        assert_eq!(render(Value::Null), "");
    }

    /// Reads one field back the way neo4j-admin does (spec §1.8): quoted only
    /// when the first character is a quote; `""` inside is one quote.
    fn parse_field(f: &str) -> String {
        match f.strip_prefix('"') {
            None => f.to_string(),
            Some(rest) => rest
                .strip_suffix('"')
                .expect("closing quote")
                .replace("\"\"", "\""),
        }
    }

    proptest! {
        #[test]
        fn special_test_matches_the_naive_scan(s in proptest::collection::vec(any::<u8>(), 0..40)) {
            let naive = s.iter().any(|&b| b == b',' || b == b'"' || b == b'\n' || b == b'\r');
            prop_assert_eq!(has_special(&s), naive);
        }

        #[test]
        fn any_string_round_trips(s in "[ -~\\u{e9}\\u{6771},\"]{0,24}") {
            let mut out = Vec::new();
            put_str(&s, &mut out);
            let text = String::from_utf8(out).unwrap();
            prop_assert_eq!(parse_field(&text), s.clone());
            // Unquoted output never holds a delimiter, quote or edge space.
            if !text.starts_with('"') {
                prop_assert!(!text.contains(',') && !text.contains('"'));
                prop_assert!(!text.starts_with(' ') && !text.ends_with(' '));
                prop_assert!(!text.is_empty());
            }
        }

        #[test]
        fn words_are_written_as_their_strings(s in "[ -~\\u{e9}\\u{6771},\"]{0,40}") {
            let w = Word::new(Box::leak(s.clone().into_boxed_str()));
            prop_assert_eq!(w.plain, !needs_quotes(s.as_bytes()) && s.len() <= pools::WORD_PAD);
            let (mut a, mut b) = (b"x,".to_vec(), b"x,".to_vec());
            put_word(&w, &mut a);
            put_str(&s, &mut b);
            prop_assert_eq!(a, b);
        }

        #[test]
        fn numbers_are_written_in_decimal(n in any::<u64>(), shift in 0u32..64) {
            for m in [n, n >> shift] {
                let mut out = b"x".to_vec();
                put_u64(m, &mut out);
                prop_assert_eq!(String::from_utf8(out).unwrap(), format!("x{m}"));
                let i = m as i64;
                let mut out = b"x".to_vec();
                put_i64(i, &mut out);
                prop_assert_eq!(String::from_utf8(out).unwrap(), format!("x{i}"));
            }
        }

        #[test]
        fn padded_and_cents_match_format(n in any::<u64>(), shift in 0u32..64, c in any::<i64>()) {
            let m = n >> shift;
            let mut out = b"x".to_vec();
            put_padded(m, &mut out);
            prop_assert_eq!(String::from_utf8(out).unwrap(), format!("x{m:09}"));
            let mut out = b"x".to_vec();
            put_cents(c, &mut out);
            let a = c.unsigned_abs();
            let sign = if c < 0 { "-" } else { "" };
            prop_assert_eq!(
                String::from_utf8(out).unwrap(),
                format!("x{sign}{}.{:02}", a / 100, a % 100)
            );
        }

        #[test]
        fn datetimes_parse_back(secs in 0i64..253_402_300_799) {
            let mut out = Vec::new();
            put_datetime(secs, &mut out);
            let t = String::from_utf8(out).unwrap();
            prop_assert_eq!(t.len(), 20);
            let days: i64 = {
                let (y, m, d) = (t[0..4].parse::<i64>().unwrap(), t[5..7].parse::<i64>().unwrap(), t[8..10].parse::<i64>().unwrap());
                // Days from civil (inverse algorithm), to check the round trip.
                let y = if m <= 2 { y - 1 } else { y };
                let era = y.div_euclid(400);
                let yoe = y - era * 400;
                let mp = (m + 9) % 12;
                let doy = (153 * mp + 2) / 5 + d - 1;
                let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
                era * 146_097 + doe - 719_468
            };
            let secs_back = days * 86_400
                + t[11..13].parse::<i64>().unwrap() * 3600
                + t[14..16].parse::<i64>().unwrap() * 60
                + t[17..19].parse::<i64>().unwrap();
            prop_assert_eq!(secs_back, secs);
        }
    }

    #[test]
    fn special_bytes_are_found_at_every_position() {
        for len in 0..20 {
            let plain = vec![b'x'; len];
            assert!(!has_special(&plain), "{len}");
            for pos in 0..len {
                for sp in [b',', b'"', b'\n', b'\r'] {
                    let mut s = plain.clone();
                    s[pos] = sp;
                    assert!(has_special(&s), "{len} {pos} {sp}");
                }
                // Bytes next to the special ones in value are not special.
                for near in [b'+', b'-', b'!', b'#', b'\t', b'\x0b', 0x80, 0xff, 0] {
                    let mut s = plain.clone();
                    s[pos] = near;
                    assert!(!has_special(&s), "{len} {pos} {near}");
                }
            }
        }
    }

    #[test]
    fn datetimes_are_iso() {
        assert_eq!(render(Value::DateTime(0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            render(Value::DateTime(1_735_689_600)),
            "2025-01-01T00:00:00Z"
        );
        assert_eq!(render(Value::DateTime(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(
            render(Value::DateTime(1_709_210_096)),
            "2024-02-29T12:34:56Z"
        );
    }
}
