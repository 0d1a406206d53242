//! Renders docs/model.md from the model table, so the document cannot drift
//! from the code (a test compares them; `make bless` rewrites it).

use crate::model::{ColKind, Column, NodeKind, Provenance, RelKind, Shape, Table};
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

/// The "Lifecycle and time" section: how the generator keeps dates
/// consistent, and the profile's `[time]` keys.
fn lifecycle_and_time(s: &mut String) {
    let _ = writeln!(s, "\n## Lifecycle and time\n");
    let _ = writeln!(
        s,
        "Every configuration item has a lifecycle, as a ServiceNow or BMC CMDB keeps it. \
`install_status` and `operational_status` agree, and `status` is their short form:\n"
    );
    let _ = writeln!(
        s,
        "| status | install_status | operational_status | share | dates |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    for row in [
        "| active | Installed | Operational | 80 % | discovered |",
        "| active | Installed | DR Standby | 3 % | discovered |",
        "| maintenance | In Maintenance | Repair in Progress | 5 % | discovered |",
        "| maintenance | Pending Repair | Non-Operational | 2 % | discovered |",
        "| planned | Pending Install | Ready | 3 % | recorded in the last 90 days, not discovered yet: `first_discovered`, `last_discovered` and `status_since` are the record's `created_at` |",
        "| planned | On Order | Pipeline | 1 % | as Pending Install |",
        "| retired | Retired | Retired | 6 % | `status_since` is the retirement |",
    ] {
        let _ = writeln!(s, "{row}");
    }
    let _ = writeln!(
        s,
        "\n`status_since` is when the CI entered its install status: its retirement, else its first discovery (or its record, while planned). \
Dates are ordered: `created_at` <= `first_discovered` (within three days) <= `last_discovered` <= the reference, and a retired CI's `last_discovered` <= `status_since`. \
`created_at` spans the fourteen years before the reference; a live CI was last discovered in the week before it, a retired one in the week before its retirement. \
The most popular CI of each kind is always old and operational. \
No date is left empty (neo4j-admin 5.0 to 5.5 cannot read one, docs/import.md).\n"
    );
    let _ = writeln!(
        s,
        "Events fall in the event window, the days before the reference, in index order: a smaller id is never later. \
The window is weighted hour by hour: weekday business hours (08:00-18:00 UTC) are busiest, nights and weekends quiet, October and November busy, August and late December quiet. \
An event only affects a CI that was discovered by then and not yet retired, never a planned one. \
About 1.5 % of the blocks of 64 consecutive events are incident storms: most of their events are alerts and incidents on one failing CI, minutes apart.\n"
    );
    let _ = writeln!(
        s,
        "`CAUSED_BY` chains run forward: an incident follows an alert (60 % of incidents try) or a change (15 %), a change remediates an incident (30 % of changes try); \
the cause is one of the 16 events before, so it is never later, and both affect the same CI while it is alive. \
`duration_min` depends on type and severity: alerts clear in minutes to hours, critical incidents are resolved within hours and low ones in days, changes take planned windows of 30 minutes to 8 hours. \
An event not over by the reference (and one in fifty forgotten tickets) is `open` or `acknowledged` with no `duration_min`; the others are `resolved` or `closed`.\n"
    );
    let _ = writeln!(s, "The profile's `[time]` table sets the window:\n");
    let _ = writeln!(s, "```toml\n[time]\nreference = \"2026-11-01\"      # or \"2026-11-01T00:00:00Z\"; UTC, years 1990 to 2200\nevent_window_days = 365         # 1 to {}\n```\n", crate::profile::MAX_EVENT_WINDOW_DAYS);
    let _ = writeln!(
        s,
        "Both are the defaults. Observation times (`observed_at`) end at the reference too, and `cmdbgen changes` day 1 starts there: its new CIs are created, discovered and operational on their day, and its events affect base CIs that are neither planned nor retired."
    );
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
            Shape::Parent => {
                "each start in exactly one end; contiguous, skew-sized groups".to_string()
            }
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
    lifecycle_and_time(&mut s);
    let _ = writeln!(s, "\n## Column types\n");
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
