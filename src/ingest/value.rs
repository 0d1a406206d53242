//! Values of exported columns, typed by the model: each is parsed into its
//! canonical text (the exact text `generate` writes for that type), so that
//! two sources' values compare equal when they mean the same, and the writers
//! render them without parsing twice. Also the canonical ids of
//! docs/sources.md.

use crate::model::{NodeKind, PropType};
use crate::write::csv::{put_cents, put_datetime};
use xxhash_rust::xxh3::xxh3_128;

/// The 128-bit hash of a record's natural key, `<Kind>:<key>`: the order of
/// the output and the partition of every report.
pub fn key_hash(kind: NodeKind, key: &str) -> u128 {
    let mut b = Vec::with_capacity(kind.name().len() + 1 + key.len());
    b.extend_from_slice(kind.name().as_bytes());
    b.push(b':');
    b.extend_from_slice(key.as_bytes());
    xxh3_128(&b)
}

/// The canonical id of a record of `kind` whose natural key hashes to `h`:
/// the kind's prefix and 32 lowercase hex digits; events keep `key` as is.
pub fn canonical_id(kind: NodeKind, key: &str, h: u128) -> String {
    if kind.is_ci() {
        format!("{}{h:032x}", kind.id_prefix())
    } else {
        key.to_string()
    }
}

/// The canonical id of a SourceRecord: `sr-` + 32 hex of xxh3-128 of
/// `<source>:<item id>`.
pub fn source_record_id(source: &str, item_id: &str) -> String {
    let mut b = Vec::with_capacity(source.len() + 1 + item_id.len());
    b.extend_from_slice(source.as_bytes());
    b.push(b':');
    b.extend_from_slice(item_id.as_bytes());
    format!("sr-{:032x}", xxh3_128(&b))
}

/// Parses `text` as a value of type `ty` and appends its canonical text to
/// `out`. Returns `Ok(false)` (nothing appended) for an empty value, and a
/// message naming the problem for one that does not parse.
pub fn canonical(ty: PropType, text: &str, out: &mut Vec<u8>) -> Result<bool, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(false);
    }
    match ty {
        // Strings are kept as given (only an all-blank value counts as empty).
        PropType::String => out.extend_from_slice(text.as_bytes()),
        PropType::Int => {
            let v: i32 = t
                .parse()
                .map_err(|_| format!("'{text}' is not an int (32-bit integer)"))?;
            out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        }
        PropType::Long => {
            let v: i64 = t
                .parse()
                .map_err(|_| format!("'{text}' is not a long (64-bit integer)"))?;
            out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        }
        PropType::Double => {
            let v: f64 = t
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| format!("'{text}' is not a finite double"))?;
            put_double(v, out);
        }
        PropType::Boolean => {
            let v = match t.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => return Err(format!("'{text}' is not a boolean (true or false)")),
            };
            out.extend_from_slice(if v { b"true" } else { b"false" });
        }
        PropType::DateTime => put_datetime(parse_datetime(t)?, out),
        PropType::StringArray => {
            let mut any = false;
            for e in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
                if any {
                    out.push(b';');
                }
                any = true;
                out.extend_from_slice(e.as_bytes());
            }
            return Ok(any);
        }
    }
    Ok(true)
}

/// Appends a double: with two decimals when that is exact (the form
/// `generate` writes), else the shortest text that reads back the same.
pub fn put_double(v: f64, out: &mut Vec<u8>) {
    let cents = (v * 100.0).round();
    if cents.abs() < 9.0e15 && cents / 100.0 == v {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "whole and below 9e15 (checked above), so exact"
        )]
        put_cents(cents as i64, out);
    } else {
        out.extend_from_slice(format!("{v}").as_bytes());
    }
}

/// Seconds since the Unix epoch of an ISO-8601 date-time (`Z` or an offset;
/// none means UTC; `T` or a space between date and time; a date alone is
/// midnight UTC) or of an integer number of Unix seconds. Fractions of a
/// second are dropped.
pub fn parse_datetime(t: &str) -> Result<i64, String> {
    if let Ok(secs) = t.parse::<i64>() {
        return Ok(secs);
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(d) = chrono::DateTime::parse_from_str(t, f) {
            return Ok(d.timestamp());
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(t, f) {
            return Ok(d.and_utc().timestamp());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(dt) = d.and_hms_opt(0, 0, 0) {
            return Ok(dt.and_utc().timestamp());
        }
    }
    Err(format!(
        "'{t}' is not a datetime (ISO-8601 such as 2026-01-31T12:00:00Z, or Unix seconds)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(ty: PropType, s: &str) -> Result<Option<String>, String> {
        let mut out = Vec::new();
        canonical(ty, s, &mut out).map(|some| some.then(|| String::from_utf8(out).unwrap()))
    }

    #[test]
    fn values_take_their_canonical_form() {
        assert_eq!(c(PropType::Int, " 42 "), Ok(Some("42".into())));
        assert!(c(PropType::Int, "4000000000").is_err());
        assert_eq!(
            c(PropType::Long, "4000000000"),
            Ok(Some("4000000000".into()))
        );
        assert_eq!(c(PropType::Double, "10"), Ok(Some("10.00".into())));
        assert_eq!(c(PropType::Double, "1234.05"), Ok(Some("1234.05".into())));
        assert_eq!(c(PropType::Double, "0.125"), Ok(Some("0.125".into())));
        assert!(c(PropType::Double, "NaN").is_err());
        assert_eq!(c(PropType::Boolean, "TRUE"), Ok(Some("true".into())));
        assert!(c(PropType::Boolean, "maybe").is_err());
        assert_eq!(
            c(PropType::DateTime, "2026-01-31 12:00:00"),
            Ok(Some("2026-01-31T12:00:00Z".into()))
        );
        assert_eq!(
            c(PropType::DateTime, "2026-01-31T14:00:00+02:00"),
            Ok(Some("2026-01-31T12:00:00Z".into()))
        );
        assert_eq!(
            c(PropType::DateTime, "0"),
            Ok(Some("1970-01-01T00:00:00Z".into()))
        );
        assert_eq!(
            c(PropType::DateTime, "2026-02-01"),
            Ok(Some("2026-02-01T00:00:00Z".into()))
        );
        assert!(c(PropType::DateTime, "yesterday").is_err());
        assert_eq!(c(PropType::StringArray, "a; b;;"), Ok(Some("a;b".into())));
        assert_eq!(c(PropType::StringArray, ";"), Ok(None));
        assert_eq!(c(PropType::String, "  "), Ok(None));
        assert_eq!(c(PropType::String, " x "), Ok(Some(" x ".into())));
    }

    #[test]
    fn ids_follow_the_contract() {
        let h = key_hash(NodeKind::Server, "web-prd-42");
        assert_eq!(h, xxh3_128(b"Server:web-prd-42"));
        let id = canonical_id(NodeKind::Server, "web-prd-42", h);
        assert!(id.starts_with("srv-") && id.len() == 36, "{id}");
        assert_eq!(canonical_id(NodeKind::Event, "INC0001", 7), "INC0001");
        assert_eq!(
            source_record_id("cmdb", "srv-x"),
            format!("sr-{:032x}", xxh3_128(b"cmdb:srv-x"))
        );
    }
}
