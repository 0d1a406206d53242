//! Renders docs/model.md from the model table, so the document cannot drift
//! from the code (a test compares them; `make bless` rewrites it).

use crate::model::{ColKind, Column, Layout, NodeKind, Provenance, RelKind, Shape, Table, AREAS};
use crate::profile::{default_fanout, Dist};
use std::fmt::Write;

fn dist(d: Dist) -> String {
    match d {
        Dist::Fixed { n } => format!("exactly {n}"),
        Dist::Uniform { min, max } => format!("uniform {min}..={max}"),
        Dist::Pareto {
            min,
            max,
            alpha,
            zero,
        } => {
            let leaves = if zero > 0.0 {
                format!(", {}% none", (zero * 100.0).round())
            } else {
                String::new()
            };
            format!("Pareto(min {min}, alpha {alpha}), at most {max}{leaves}")
        }
    }
}

/// How a kind's own attributes relate to each other (docs/model.md).
fn values(k: NodeKind) -> Option<&'static str> {
    Some(match k {
        NodeKind::Region => {
            "a fixed table of regions, each with its `geo` (AMER, EMEA, APAC, LATAM) and `code`; \
a region past the table (`US East 2`, `us-east-2`) has its base region's geo"
        }
        NodeKind::DataCenter => "`city` is a city of the data centre's region",
        NodeKind::Server => {
            "`os` fits `server_type` (containers run Linux images, physical hosts hypervisors, \
Linux, Windows or AIX, cloud instances the providers' images); sizes fit the type \
(physical 16-256 cores, virtual 1-32, containers 1-8 cores and at most 32 GB, cloud 2-64) \
with 1-16 GB a core; `cost` (monthly) follows cores and memory, a cloud core costing \
the most and a container's the least"
        }
        NodeKind::NetworkDevice => {
            "`model` comes from a catalogue of real models for the `device_type`; the model \
decides `vendor` and `port_count`"
        }
        NodeKind::Database => {
            "`engine_version` is a version of the `engine`; `size_gb` (a power of two) and \
`replicas` are in the engine's usual range (Redis small, Cassandra large, MongoDB and \
Cassandra always replicated)"
        }
        NodeKind::BusinessService => {
            "`revenue_impact` is largest for gold services and smallest for bronze"
        }
        _ => return None,
    })
}

/// What the service model, group and software kinds mirror in a real CMDB.
fn platform_prose(s: &mut String) {
    let _ = writeln!(s, "## Service model, groups and software\n");
    let _ = writeln!(
        s,
        "These kinds follow the Common Service Data Model (CSDM) of ServiceNow, which BMC's CDM and Device42 map onto as well.\n\n\
- **BusinessApplication** is the portfolio entry (CSDM *business application*): what the business calls an application, with its `architecture_type` and `install_type`. \
An `Application` is a deployed instance of it (CSDM *application service*): every application is `INSTANCE_OF` exactly one business application, \
and a few popular business applications have many deployed instances (production, staging, disaster recovery, regional copies). \
Business services depend on applications through `SUPPORTS`, as before.\n\
- **Group** is an assignment group (ServiceNow `sys_user_group`, BMC support group): a team, not a configuration item. \
Every configuration-item kind has an `OWNED_BY` and a `SUPPORTED_BY` family to groups, one relationship each per CI \
(ServiceNow's *managed by group* and *support group*). A CI's `owner_team` is the name of its `OWNED_BY` group, drawn from one function of (kind, row), \
so the column and the relationship always agree (in a multi-source bundle the column is empty where no source reports it). Group names are the team names, numbered from the second group of a team on (`payments`, `payments-2`). \
A profile without groups writes no `OWNED_BY`/`SUPPORTED_BY` rows and draws `owner_team` from the team list as before.\n\
- **SoftwareInstall** is one product installed on one server (ServiceNow `cmdb_sam_sw_install`, Device42 software in use): \
`product`, `vendor` and `version` come from one entry of a catalogue of real products (nginx by F5 NGINX, Eclipse Temurin, the Splunk Universal Forwarder, \
the CrowdStrike Falcon sensor, ...), so they always exist together. Every install is `INSTALLED_ON` exactly one server; a server's installs are consecutive rows.\n\n\
Profile keys: `nodes.BusinessApplication`, `nodes.Group` and `nodes.SoftwareInstall`, counts or ratios like every kind \
(`SoftwareInstall = {{ ratio = 1.0, of = \"Server\" }}`); absent, a kind has no nodes and its families no rows. \
Installs need servers (`nodes.Server` must be at least 1 when `nodes.SoftwareInstall` is not 0). \
The built-in profiles give about one business application per five applications, one install per server and a few groups per team, \
and fewer events than before to keep their total row counts. Day-N change sets have no rule for these kinds yet: they add none of their nodes or relationships.\n"
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
Every configuration item (all kinds but {}) also has the label `ConfigurationItem`. \
Every node and relationship has a `source` column: the system or team that reported it (profile `[[sources]]`).\n",
        NodeKind::ALL
            .iter()
            .filter(|k| !k.is_ci())
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    platform_prose(&mut s);
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
    let _ = writeln!(
        s,
        "Attributes agree with each other, as in a maintained CMDB. A name that carries an environment (`web-prd-42`, `PostgreSQL dev 7`) carries the item's own `environment`. \
`criticality` follows the environment (production and disaster recovery are more often high or critical, development and test rarely), except for business services and applications: \
a service's follows its `service_tier`, an application's the tier of the first business service it supports.\n"
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
            "- header: `{}`",
            t.header_cells(Provenance::Full).join(",")
        );
        if let Some(v) = values(k) {
            let _ = writeln!(s, "- values: {v}");
        }
        let _ = writeln!(s);
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
