//! JSON text of generated values: typed (numbers, `true`/`false`, arrays
//! for labels and lists, ISO-8601 strings for datetimes). The core renders a
//! source's report with it; `write::jsonl` renders rows with it.

use super::text::{put_cents, put_datetime, put_ipv4};
use super::{pools, Value};

/// Appends `s` as a JSON string.
pub fn put_json_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

fn put_list<'a>(items: impl Iterator<Item = &'a str>, out: &mut Vec<u8>) {
    out.push(b'[');
    for (k, s) in items.enumerate() {
        if k > 0 {
            out.push(b',');
        }
        put_json_str(s, out);
    }
    out.push(b']');
}

/// Whether a value is written at all (absent values and empty arrays are not).
pub(crate) fn present(v: &Value<'_>) -> bool {
    !matches!(
        v,
        Value::Null | Value::Tags(0) | Value::Labels(&[]) | Value::Sources { mask: 0, .. }
    )
}

/// Appends one value as JSON.
pub fn put_value(v: &Value<'_>, out: &mut Vec<u8>) {
    match *v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
        Value::Cents(c) => put_cents(c, out),
        Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Value::DateTime(t) => {
            out.push(b'"');
            put_datetime(t, out);
            out.push(b'"');
        }
        Value::Labels(ls) => put_list(ls.iter().copied(), out),
        Value::Tags(mask) => put_list(
            pools::TAGS
                .iter()
                .enumerate()
                .filter(|(k, _)| mask & (1 << k) != 0)
                .map(|(_, t)| *t),
            out,
        ),
        Value::Sources { names, mask } => put_list(super::selected(names, mask), out),
        Value::Str(s) => put_json_str(s, out),
        Value::Word(w) => put_json_str(w.text, out),
        Value::Key { .. } => {
            out.push(b'"');
            v.put_text(out);
            out.push(b'"');
        }
        Value::Report(r) => {
            let mut json = Vec::new();
            r.put_json(&mut json);
            put_json_str(&String::from_utf8_lossy(&json), out);
        }
        Value::Id { .. }
        | Value::IntegerId { .. }
        | Value::Name { .. }
        | Value::Ipv4(_)
        | Value::Net(_) => {
            let mut text = Vec::new();
            match *v {
                Value::Ipv4(ip) => put_ipv4(ip, &mut text),
                Value::Net(n) => super::text::put_net(n, &mut text),
                _ => v.put_text(&mut text),
            }
            put_json_str(&String::from_utf8_lossy(&text), out);
        }
    }
}
