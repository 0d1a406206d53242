//! Value syntax per property type (../shared/neo4j-import-spec.md §1.5–1.7).
//!
//! Stricter than neo4j-admin where it is lenient in ways that hide mistakes:
//! no surrounding white space on numbers, booleans exactly `true` or `false`
//! (Neo4j silently reads anything else as false), integers in the declared
//! type's range (`long` too, where the 5.x parser silently wraps).

use super::header::{PropType, Scalar};

/// The array delimiter (`--array-delimiter`, default `;`).
pub const ARRAY_DELIMITER: u8 = b';';

fn show(v: &[u8]) -> String {
    const MAX: usize = 60;
    let s = String::from_utf8_lossy(v);
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("'{cut}…'")
    } else {
        format!("'{s}'")
    }
}

/// The longest token name (label, type, property key): 16,383 characters
/// in the block format (spec §3.1).
pub const MAX_TOKEN_CHARS: usize = 16_383;

/// Checks a `:LABEL` value (CSV field or Parquet string): split on the array
/// delimiter, every label must be a valid token name, i.e. not empty
/// (`Server;` gives an empty last label, which Neo4j rejects with `'' is not
/// a valid token name`) and not longer than [`MAX_TOKEN_CHARS`]. Calls
/// `problem` once per bad label.
pub fn check_labels(v: &[u8], mut problem: impl FnMut(String)) {
    for (k, l) in v.split(|&b| b == ARRAY_DELIMITER).enumerate() {
        if l.is_empty() {
            problem(format!(
                "label {} is empty (Neo4j: '' is not a valid token name)",
                k + 1
            ));
        } else if l.len() > MAX_TOKEN_CHARS
            && String::from_utf8_lossy(l).chars().count() > MAX_TOKEN_CHARS
        {
            problem(format!(
                "label {} is longer than {MAX_TOKEN_CHARS} characters (Neo4j's token name limit)",
                k + 1
            ));
        }
    }
}

/// Checks a non-empty field of type `ty`.
pub fn check(ty: PropType, v: &[u8]) -> Result<(), String> {
    if !ty.array {
        return check_scalar(ty.scalar, v)
            .map_err(|why| format!("{} is not a valid {ty}{why}", show(v)));
    }
    for (k, el) in v.split(|&b| b == ARRAY_DELIMITER).enumerate() {
        if el.is_empty() {
            if ty.scalar == Scalar::String {
                continue;
            }
            return Err(format!(
                "{}: element {} of a {ty} array is empty",
                show(v),
                k + 1
            ));
        }
        check_scalar(ty.scalar, el).map_err(|why| {
            format!(
                "{}: element {} {} is not a valid {}{why}",
                show(v),
                k + 1,
                show(el),
                ty.scalar.name()
            )
        })?;
    }
    Ok(())
}

/// `Err` carries an explanation suffix (possibly empty).
fn check_scalar(s: Scalar, v: &[u8]) -> Result<(), String> {
    let ok = match s {
        Scalar::String => true,
        Scalar::Byte => return integer(v, i64::from(i8::MIN), i64::from(i8::MAX)),
        Scalar::Short => return integer(v, i64::from(i16::MIN), i64::from(i16::MAX)),
        Scalar::Int => return integer(v, i64::from(i32::MIN), i64::from(i32::MAX)),
        Scalar::Long => return integer(v, i64::MIN, i64::MAX),
        Scalar::Float | Scalar::Double => java_double(v),
        Scalar::Boolean => {
            if v == b"true" || v == b"false" {
                true
            } else {
                return Err(
                    " (only exactly true or false; Neo4j would silently store false)".into(),
                );
            }
        }
        Scalar::Char => std::str::from_utf8(v).is_ok_and(|s| {
            let mut c = s.chars();
            c.next().is_some_and(|c| (c as u32) <= 0xFFFF) && c.next().is_none()
        }),
        Scalar::Point => point(v),
        Scalar::Date => date(v).is_some_and(|r| r.is_empty()),
        Scalar::LocalTime => time(v).is_some_and(|r| r.is_empty()),
        Scalar::Time => time(v).and_then(zone).is_some_and(|r| r.is_empty()),
        Scalar::LocalDateTime => date_time(v).is_some_and(|r| r.is_empty()),
        Scalar::DateTime => date_time(v).and_then(zone).is_some_and(|r| r.is_empty()),
        Scalar::Duration => duration(v),
    };
    if ok {
        Ok(())
    } else {
        Err(String::new())
    }
}

/// A decimal integer: optional `-`, digits only, within `min..=max`.
fn integer(v: &[u8], min: i64, max: i64) -> Result<(), String> {
    let (neg, digits) = match v.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, v),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(" (digits with an optional leading '-' only)".into());
    }
    let mut n: i128 = 0;
    for &d in digits {
        n = n * 10 + i128::from(d - b'0');
        if n > i128::from(u64::MAX) {
            break;
        }
    }
    let n = if neg { -n } else { n };
    if n < i128::from(min) || n > i128::from(max) {
        return Err(format!(" (out of range {min}..={max})"));
    }
    Ok(())
}

fn digits(v: &[u8], hex: bool) -> usize {
    v.iter()
        .take_while(|b| {
            if hex {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count()
}

/// Java's `Double.parseDouble` syntax without surrounding white space:
/// `[+-]` then `NaN`, `Infinity`, a decimal `d[.d][e[+-]d]` or a hex float
/// `0x h[.h] p[+-]d`, with an optional `f/F/d/D` suffix on numbers.
fn java_double(v: &[u8]) -> bool {
    let v = match v.first() {
        Some(b'+' | b'-') => &v[1..],
        _ => v,
    };
    if v == b"NaN" || v == b"Infinity" {
        return true;
    }
    let v = match v.last() {
        Some(b'f' | b'F' | b'd' | b'D') => &v[..v.len() - 1],
        _ => v,
    };
    let (hex, mut rest) = match v {
        [b'0', b'x' | b'X', rest @ ..] => (true, rest),
        _ => (false, v),
    };
    let int = digits(rest, hex);
    rest = &rest[int..];
    let mut frac = 0;
    if let Some((b'.', r)) = rest.split_first() {
        frac = digits(r, hex);
        rest = &r[frac..];
    }
    if int + frac == 0 {
        return false;
    }
    let exp_mark: &[u8] = if hex { b"pP" } else { b"eE" };
    match rest.split_first() {
        None => !hex,
        Some((m, r)) if exp_mark.contains(m) => {
            let r = match r.first() {
                Some(b'+' | b'-') => &r[1..],
                _ => r,
            };
            !r.is_empty() && r.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// `n` digits exactly, as a number.
fn fixed(v: &[u8], n: usize) -> Option<(u32, &[u8])> {
    if v.len() < n || !v[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let x = v[..n]
        .iter()
        .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
    Some((x, &v[n..]))
}

fn lit(v: &[u8], c: u8) -> Option<&[u8]> {
    v.split_first().filter(|(&b, _)| b == c).map(|(_, r)| r)
}

fn leap(y: u32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// `YYYY-MM-DD` with a valid day; returns the rest.
fn date(v: &[u8]) -> Option<&[u8]> {
    let (y, r) = fixed(v, 4)?;
    let (m, r) = fixed(lit(r, b'-')?, 2)?;
    let (d, r) = fixed(lit(r, b'-')?, 2)?;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap(y) => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some(r)
}

/// `HH:MM[:SS[.fffffffff]]`; returns the rest.
fn time(v: &[u8]) -> Option<&[u8]> {
    let (h, r) = fixed(v, 2)?;
    let (m, mut r) = fixed(lit(r, b':')?, 2)?;
    if h > 23 || m > 59 {
        return None;
    }
    if let Some(after) = lit(r, b':') {
        let (s, after) = fixed(after, 2)?;
        if s > 59 {
            return None;
        }
        r = after;
        if let Some(after) = lit(r, b'.') {
            let n = digits(after, false);
            if !(1..=9).contains(&n) {
                return None;
            }
            r = &after[n..];
        }
    }
    Some(r)
}

/// A date, optionally followed by `T` and a time; returns the rest.
fn date_time(v: &[u8]) -> Option<&[u8]> {
    let r = date(v)?;
    match lit(r, b'T') {
        Some(t) => time(t),
        None => Some(r),
    }
}

/// An optional offset (`Z`, `±HH`, `±HH:MM`, `±HHMM`) and then an optional
/// zone id in brackets (`[Europe/Berlin]`); returns the rest.
fn zone(v: &[u8]) -> Option<&[u8]> {
    let mut r = v;
    match r.first() {
        Some(b'Z') => r = &r[1..],
        Some(b'+' | b'-') => {
            let (h, after) = fixed(&r[1..], 2)?;
            r = after;
            let mm = match lit(r, b':') {
                Some(after) => Some(fixed(after, 2)?),
                None => fixed(r, 2),
            };
            if let Some((m, after)) = mm {
                if m > 59 {
                    return None;
                }
                r = after;
            }
            if h > 18 {
                return None;
            }
        }
        _ => {}
    }
    if let Some(after) = lit(r, b'[') {
        let end = after.iter().position(|&b| b == b']')?;
        let id = &after[..end];
        let ok = !id.is_empty()
            && id
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b));
        if !ok {
            return None;
        }
        r = &after[end + 1..];
    }
    Some(r)
}

/// ISO-8601 duration `[-]P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]` with at
/// least one component.
fn duration(v: &[u8]) -> bool {
    let v = match v.first() {
        Some(b'-' | b'+') => &v[1..],
        _ => v,
    };
    let Some(mut r) = lit(v, b'P').or_else(|| lit(v, b'p')) else {
        return false;
    };
    let mut any = false;
    let mut in_time = false;
    let mut order: &[u8] = b"YMWD";
    while !r.is_empty() {
        if !in_time && (r[0] == b'T' || r[0] == b't') {
            in_time = true;
            order = b"HMS";
            r = &r[1..];
            if r.is_empty() {
                return false;
            }
            continue;
        }
        let r0 = match r.first() {
            Some(b'-') => &r[1..],
            _ => r,
        };
        let n = digits(r0, false);
        if n == 0 {
            return false;
        }
        let mut after = &r0[n..];
        if let Some(f) = lit(after, b'.').or_else(|| lit(after, b',')) {
            let k = digits(f, false);
            if k == 0 || !in_time {
                return false;
            }
            after = &f[k..];
            if !matches!(after.first(), Some(b'S' | b's')) {
                return false;
            }
        }
        let Some(&unit) = after.first() else {
            return false;
        };
        let unit = unit.to_ascii_uppercase();
        let Some(pos) = order.iter().position(|&u| u == unit) else {
            return false;
        };
        order = &order[pos + 1..];
        any = true;
        r = &after[1..];
    }
    any
}

/// A point map: `{key:value, ...}` with known keys and numeric coordinates.
fn point(v: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    let Some(body) = s.trim().strip_prefix('{').and_then(|b| b.strip_suffix('}')) else {
        return false;
    };
    let mut any = false;
    for part in body.split(',') {
        let Some((k, val)) = part.split_once(':') else {
            return false;
        };
        let k = k.trim().to_ascii_lowercase();
        let val = val.trim();
        let ok = match k.as_str() {
            "x" | "y" | "z" | "latitude" | "longitude" | "height" => java_double(val.as_bytes()),
            "crs" => !val.is_empty(),
            "srid" => integer(val.as_bytes(), 0, i64::from(i32::MAX)).is_ok(),
            _ => false,
        };
        if !ok {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(scalar: Scalar) -> PropType {
        PropType {
            scalar,
            array: false,
        }
    }

    fn arr(scalar: Scalar) -> PropType {
        PropType {
            scalar,
            array: true,
        }
    }

    fn ok(ty: PropType, vals: &[&str]) {
        for v in vals {
            assert!(
                check(ty, v.as_bytes()).is_ok(),
                "{v:?} should be a valid {ty}: {:?}",
                check(ty, v.as_bytes())
            );
        }
    }

    fn bad(ty: PropType, vals: &[&str]) {
        for v in vals {
            assert!(
                check(ty, v.as_bytes()).is_err(),
                "{v:?} should not be a valid {ty}"
            );
        }
    }

    #[test]
    fn integers() {
        ok(
            t(Scalar::Int),
            &["0", "42", "-7", "2147483647", "-2147483648", "007"],
        );
        // The spec's failure cases, and more.
        bad(
            t(Scalar::Int),
            &[
                " 1 7 ",
                "-",
                "   ",
                "1E 10",
                "+5",
                "1.0",
                "0x10",
                "2147483648",
                " 5",
                "5 ",
                "1e3",
            ],
        );
        ok(
            t(Scalar::Long),
            &["9223372036854775807", "-9223372036854775808"],
        );
        bad(
            t(Scalar::Long),
            &["9223372036854775808", "99999999999999999999999"],
        );
        ok(t(Scalar::Byte), &["127", "-128"]);
        bad(t(Scalar::Byte), &["128"]);
        bad(t(Scalar::Short), &["32768"]);
        assert!(check(t(Scalar::Int), b"x")
            .unwrap_err()
            .contains("'x' is not a valid int"));
    }

    #[test]
    fn doubles() {
        ok(
            t(Scalar::Double),
            &[
                "1.5",
                "-2e10",
                "NaN",
                "Infinity",
                "-Infinity",
                "+1",
                ".5",
                "5.",
                "1e-3",
                "1.5f",
                "2D",
                "0x1.8p3",
                "0X10P-2",
                "245.46",
            ],
        );
        bad(
            t(Scalar::Double),
            &[
                "", ".", "e5", "1e", "1.5.2", "nan", "inf", " 1.5", "1,5", "0x1.8", "1e5.0", "--1",
            ],
        );
        ok(t(Scalar::Float), &["3.25"]);
    }

    #[test]
    fn booleans() {
        ok(t(Scalar::Boolean), &["true", "false"]);
        bad(t(Scalar::Boolean), &["TRUE", "True", "1", "yes", " true"]);
        assert!(check(t(Scalar::Boolean), b"yes")
            .unwrap_err()
            .contains("silently"));
    }

    #[test]
    fn temporals() {
        ok(
            t(Scalar::DateTime),
            &[
                "2024-05-31T10:30:00Z",
                "2024-05-31T10:30:00+02:00",
                "2024-05-31T10:30:00.123456789-0530",
                "2024-05-31T10:30:00[Europe/Berlin]",
                "2024-05-31T10:30+01:00[Europe/Berlin]",
                "2024-02-29T00:00:00Z",
                "2024-05-31",
            ],
        );
        bad(
            t(Scalar::DateTime),
            &[
                "2024-13-01T00:00:00Z",
                "2023-02-29T00:00:00Z",
                "2024-05-31T24:00:00Z",
                "2024-05-31T10:60:00Z",
                "2024-05-31 10:30:00Z",
                "2024-5-31T10:30:00Z",
                "2024-05-31T10:30:00ZZ",
                "2024-05-31T10:30:00.Z",
                "2024-05-31T10:30:00+25:00",
                "2024-05-31T10:30:00[]",
                "yesterday",
            ],
        );
        ok(t(Scalar::Date), &["2024-05-31"]);
        bad(t(Scalar::Date), &["2024-05-31T00:00"]);
        ok(t(Scalar::LocalTime), &["12:50:35.556", "12:50"]);
        ok(t(Scalar::Time), &["12:50:35+01:00", "12:50:35Z"]);
        ok(t(Scalar::LocalDateTime), &["2024-05-31T10:30:00"]);
        ok(
            t(Scalar::Duration),
            &["P14DT16H12M", "PT45S", "P1Y2M3W4D", "PT1.5S", "-P1D"],
        );
        bad(
            t(Scalar::Duration),
            &["P", "PT", "P1H", "14D", "PT1M2H", "P1.5D"],
        );
    }

    #[test]
    fn chars_and_points() {
        ok(t(Scalar::Char), &["a", "é"]);
        bad(t(Scalar::Char), &["ab", "😀"]);
        ok(
            t(Scalar::Point),
            &[
                "{latitude:55.6, longitude:12.9}",
                "{x:1,y:2,z:3, crs:'cartesian-3D'}",
            ],
        );
        bad(t(Scalar::Point), &["55.6,12.9", "{}", "{q:1}"]);
    }

    #[test]
    fn labels() {
        let mut found = Vec::new();
        check_labels(b"ConfigurationItem;Server", |m| found.push(m));
        assert!(found.is_empty(), "{found:?}");
        check_labels(b"Server;;X;", |m| found.push(m));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("label 2 is empty"), "{found:?}");
        assert!(found[1].starts_with("label 4 is empty"), "{found:?}");
        found.clear();
        check_labels(&vec![b'L'; MAX_TOKEN_CHARS + 1], |m| found.push(m));
        assert!(found[0].contains("longer than 16383"), "{found:?}");
    }

    #[test]
    fn arrays() {
        ok(arr(Scalar::String), &["a;b", "a;;b", "pci;k8s"]);
        ok(arr(Scalar::Int), &["1;2;3", "5"]);
        let e = check(arr(Scalar::Int), b"1;;2").unwrap_err();
        assert!(e.contains("element 2 of a int[] array is empty"), "{e}");
        let e = check(arr(Scalar::Int), b"1;x").unwrap_err();
        assert!(e.contains("element 2 'x' is not a valid int"), "{e}");
        bad(arr(Scalar::Boolean), &["true;yes"]);
    }
}
