//! Renders docs/model.md from the model table, so the document cannot drift
//! from the code (a test compares them; `make bless` rewrites it).

use crate::model::{
    ColKind, Column, Layout, NodeKind, Part, Provenance, RelKind, Shape, Table, AREAS,
};
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
(physical 16-256 cores, virtual 1-32, cloud 2-64, whole cores; containers get the limits \
a pod is given, 0.25, 0.5, 1, 2 or 4 cores and 0.25 to 16 GB) with 1-16 GB a core, both \
`double` columns (`0.25`, `32.00`); `cost` (monthly) follows cores and memory, a cloud core costing \
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
and fewer events than before to keep their total row counts. Day-N change sets change them by their churn class, like every kind (docs/online.md): groups stay, business applications only grow, installs come and go at the servers' rate, \
and a few CIs a day move to another owner group (their `OWNED_BY` and `owner_team` together).\n"
    );
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
`created_at` spans the fourteen years before the reference (a pod's, the event window and 30 days: pods are days to months old); a live CI was last discovered in the week before it, a retired one in the week before its retirement. \
The most popular CI of each kind is always old and operational. \
No date is left empty (neo4j-admin 5.0 to 5.5 cannot read one, docs/import.md).\n"
    );
    let _ = writeln!(
        s,
        "Events fall in the event window, the days before the reference, in index order: a smaller id is never later. \
The window is weighted hour by hour: weekday business hours (08:00-18:00 UTC) are busiest, nights and weekends quiet, October and November busy, August and late December quiet. \
An event only affects a CI that was discovered by then and not yet retired, never a planned one. \
About 1.5 % of the blocks of 64 consecutive events are incident storms: most of their events are alerts and incidents on one failing CI, minutes apart. When the failing CI has dependents, half of those events hit one of them instead: a network device takes down the servers it connects, an application the business services it supports, a hypervisor host the virtual servers it carries, a Kubernetes node the pods running on it (each hit dependent alive at the event's time).\n"
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
            Shape::Parent => {
                let groups = match r.parent_layout() {
                    Some(Layout::Even) => "contiguous, even groups",
                    _ => "contiguous, skew-sized groups",
                };
                match r.parent_part() {
                    Part::All => format!("each start in exactly one end; {groups}"),
                    Part::Head(share) => format!(
                        "each start but the last `{}` share in exactly one end; {groups}",
                        share.key()
                    ),
                    Part::Tail(share) => format!(
                        "each start of the last `{}` share in exactly one end; {groups}",
                        share.key()
                    ),
                }
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
            Shape::Owns => {
                "each end owned by exactly one start; contiguous, even groups".to_string()
            }
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
