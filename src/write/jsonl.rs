//! JSON lines rendering of rows: one object per row, keyed by column name
//! (`id`, `:LABEL`, `:START_ID`, `:END_ID`, property names), with typed
//! values: numbers for `int`/`long`/`double`, `true`/`false`, arrays for
//! labels and `string[]`, ISO-8601 strings for `datetime`. An absent value
//! (an empty CSV field) is left out, and so is an empty array, as in CSV.
//! The folder's `header.csv` carries the Neo4j types of the keys.

use super::csv::{put_cents, put_datetime};
use crate::gen::{pools, Value};
use crate::model::{ColKind, Column};

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
fn present(v: &Value<'_>) -> bool {
    !matches!(
        v,
        Value::Null | Value::Tags(0) | Value::Labels(&[]) | Value::Sources { mask: 0, .. }
    )
}

/// Appends one value as JSON.
pub(crate) fn put_value(v: &Value<'_>, out: &mut Vec<u8>) {
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
        Value::Sources { names, mask } => put_list(crate::gen::selected(names, mask), out),
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
        Value::Id { .. } | Value::Name { .. } | Value::Ipv4(_) => {
            let mut text = Vec::new();
            match *v {
                Value::Ipv4(_) => crate::write::csv::put_value(v, &mut text),
                _ => v.put_text(&mut text),
            }
            put_json_str(&String::from_utf8_lossy(&text), out);
        }
    }
}

/// The JSON key of a column.
pub fn key(c: &Column) -> &'static str {
    match c.kind {
        ColKind::Label => ":LABEL",
        ColKind::StartId => ":START_ID",
        ColKind::EndId => ":END_ID",
        ColKind::Id | ColKind::Prop(_) => c.name,
    }
}

/// Appends a row as one JSON object and a `\n`.
pub fn put_row(columns: &[Column], row: &[Value<'_>], out: &mut Vec<u8>) {
    out.push(b'{');
    let mut first = true;
    for (c, v) in columns.iter().zip(row) {
        if !present(v) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        put_json_str(key(c), out);
        out.push(b':');
        put_value(v, out);
    }
    out.extend_from_slice(b"}\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeKind, Table};

    #[test]
    fn rows_are_typed_json() {
        let world = crate::gen::World::new(&crate::profile::Profile::load("tiny").unwrap());
        let cols = world.columns(Table::Node(NodeKind::Server));
        let mut row = Vec::new();
        world.node_row(NodeKind::Server, 3, &mut row);
        let mut out = Vec::new();
        put_row(cols, &row, &mut out);
        let text = String::from_utf8(out).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["id"], "srv-000000003");
        assert!(v[":LABEL"].as_array().unwrap().len() == 3);
        assert!(v["cpu_cores"].is_i64());
        assert!(v["cost"].is_f64());
        assert!(v["created_at"].as_str().unwrap().ends_with('Z'));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn strings_are_escaped_and_nulls_left_out() {
        let mut out = Vec::new();
        let cols = [
            Column {
                name: "a",
                kind: ColKind::Prop(crate::model::PropType::String),
            },
            Column {
                name: "b",
                kind: ColKind::Prop(crate::model::PropType::String),
            },
        ];
        put_row(
            &cols,
            &[Value::Str("x\"y\\z\n\u{1}"), Value::Null],
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"a\":\"x\\\"y\\\\z\\n\\u0001\"}\n"
        );
    }
}
