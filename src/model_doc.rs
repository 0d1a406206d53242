//! Renders docs/model.md from the model table, so the document cannot drift
//! from the code (a test compares them; `make bless` rewrites it).

use crate::model::{ColKind, Column, Layout, NodeKind, Provenance, RelKind, Shape, Table, AREAS};
use crate::profile::{default_fanout, Dist};
use std::fmt::Write;

fn dist(d: Dist) -> String {
    match d {
        Dist::Fixed { n } => format!("exactly {n}"),
        Dist::Uniform { min, max } => format!("uniform {min}..={max}"),
        Dist::Pareto { min, max, alpha } => {
            format!("Pareto(min {min}, alpha {alpha}), at most {max}")
        }
    }
}

/// The text of docs/model.md.
pub fn markdown() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# The cmdbgen data model\n");
    let _ = writeln!(
        s,
        "Generated from `src/model.rs` by `make bless`; a test fails when this file and the code disagree.\n"
    );
    let _ = writeln!(
        s,
        "Every node kind has its own ID group (`id:ID(Kind)`); ids are the kind's prefix plus the row index, zero-padded to 9 digits. \
Every configuration item (all kinds but Event) also has the label `ConfigurationItem`. \
Every node and relationship has a `source` column: the system or team that reported it (profile `[[sources]]`).\n"
    );
    // The multi-source-only columns, named as the headers below name them.
    let mut multi: Vec<String> = Vec::new();
    for t in Table::all() {
        let cells = t.header_cells(Provenance::Full);
        for (c, cell) in t.columns(Provenance::Full).iter().zip(cells) {
            if Column::is_multi_source_only(c) && !multi.contains(&cell) {
                multi.push(cell);
            }
        }
    }
    let multi: Vec<String> = multi.iter().map(|c| format!("`{c}`")).collect();
    let _ = writeln!(
        s,
        "Multi-source only: {} appear in multi-source bundles (a `[merge]` table, docs/sources.md), in ingested bundles and with `generate --provenance full`. \
A single-source bundle leaves them out of every header below: there `sources` would always be `[source]`.\n",
        multi.join(" and ")
    );
    let _ = writeln!(s, "## Node kinds\n");
    for k in NodeKind::ALL {
        let t = Table::Node(k);
        let labels: Vec<String> = k
            .label_sets()
            .iter()
            .map(|ls| format!("`{}`", ls.join(";")))
            .collect();
        let _ = writeln!(s, "### {k}\n");
        let _ = writeln!(s, "- id prefix: `{}`", k.id_prefix());
        let _ = writeln!(s, "- `:LABEL` values: {}", labels.join(", "));
        let _ = writeln!(
            s,
            "- header: `{}`\n",
            t.header_cells(Provenance::Full).join(",")
        );
    }
    let _ = writeln!(s, "## Relationship families\n");
    let _ = writeln!(s, "One file group per (type, start kind, end kind), since start and end ids live in their kinds' ID groups.\n");
    let _ = writeln!(s, "| family | type | start | end | shape | header |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for r in RelKind::ALL {
        let spec = r.spec();
        let shape = match spec.shape {
            Shape::Parent => match r.parent_layout() {
                Some(Layout::Even) => "each start in exactly one end; contiguous, even groups",
                _ => "each start in exactly one end; contiguous, skew-sized groups",
            }
            .to_string(),
            Shape::Fanout => {
                let f = default_fanout(r);
                format!(
                    "fan-out {} (default), end popularity skew {}",
                    dist(f.dist),
                    f.target_skew
                )
            }
            Shape::OneOf => {
                "each event affects exactly one CI; the kind is drawn by weight".to_string()
            }
            Shape::Reports => {
                "keep-all only: one per source reporting the CI, to that report's SourceRecord"
                    .to_string()
            }
            Shape::Optional => "at most one end per start, a function of the start".to_string(),
        };
        let _ = writeln!(
            s,
            "| {r} | `{}` | {} | {} | {shape} | `{}` |",
            spec.rel_type,
            spec.start,
            spec.end,
            Table::Rel(r).header_cells(Provenance::Full).join(",")
        );
    }
    let _ = writeln!(s, "\n## Areas\n");
    for (title, prose) in AREAS {
        let _ = writeln!(s, "### {title}\n\n{prose}\n");
    }
    let _ = writeln!(s, "## Column types\n");
    let _ = writeln!(s, "| header type | written as |");
    let _ = writeln!(s, "|---|---|");
    for (t, how) in [
        (
            "string (no suffix)",
            "text, quoted only when it holds `,` `\"` or a line break or starts/ends with a space",
        ),
        ("int, long", "decimal integer"),
        ("double", "decimal with two digits (`1234.05`)"),
        ("boolean", "`true` or `false`"),
        ("datetime", "`YYYY-MM-DDTHH:MM:SSZ` (UTC)"),
        (
            "string[]",
            "elements joined by `;`; an empty field means no value",
        ),
    ] {
        let _ = writeln!(s, "| {t} | {how} |");
    }
    let kinds: usize = NodeKind::ALL
        .iter()
        .map(|k| {
            k.columns(Provenance::Full)
                .iter()
                .filter(|c| matches!(c.kind, ColKind::Prop(_)))
                .count()
        })
        .sum();
    let _ = writeln!(
        s,
        "\n{} node kinds, {} relationship families, {kinds} node properties in all.",
        NodeKind::ALL.len(),
        RelKind::ALL.len()
    );
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn docs_model_md_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/model.md");
        let want = super::markdown();
        if std::env::var_os("CMDBGEN_BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let got = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            got == want,
            "docs/model.md is out of date: run `make bless`"
        );
    }
}
