//! JSON lines rendering of rows: one object per row, keyed by column name
//! (`id`, `:LABEL`, `:START_ID`, `:END_ID`, property names), with typed
//! values: numbers for `int`/`long`/`double`, `true`/`false`, arrays for
//! labels and `string[]`, ISO-8601 strings for `datetime`. An absent value
//! (an empty CSV field) is left out, and so is an empty array, as in CSV.
//! The folder's `header.csv` carries the Neo4j types of the keys.

pub use crate::gen::json::put_json_str;
use crate::gen::json::{present, put_value};
use crate::gen::Value;
use crate::model::{ColKind, Column};

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
        assert!(v[":LABEL"].as_array().unwrap().len() >= 3);
        assert!(v["cpu_cores"].is_f64());
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
