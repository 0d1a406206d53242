//! `schema.cypher`: the constraints and indexes a CMDB needs once its data
//! is imported. `neo4j-admin database import full` creates none, yet every
//! lookup by `id` (impact analysis, `apply`, incremental import) needs the
//! uniqueness constraint's index, and the usual CMDB queries filter by a
//! configuration item's status and type and by an event's time and severity.
//!
//! The file has one statement per line, each ending in `;` and each
//! `IF NOT EXISTS`, in syntax every Neo4j 5.x and 2025+ release accepts, so
//! `cypher-shell -f schema.cypher` runs it and running it twice is harmless.
//! Pure: the statements follow from the node kinds and the model's columns.

use crate::model::{ColKind, NodeKind, PropType, Provenance};

/// The file's name in a bundle or change set.
pub const FILE: &str = "schema.cypher";

/// The label every configuration item carries besides its kind's.
const CI_LABEL: &str = "ConfigurationItem";

/// One statement of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The constraint's or index's name.
    pub name: String,
    /// The node label.
    pub label: &'static str,
    /// The property.
    pub property: &'static str,
    /// A uniqueness constraint (else a RANGE index).
    pub unique: bool,
}

impl Statement {
    fn unique(label: &'static str, property: &'static str) -> Statement {
        // The name scripts/ops.py gives a missing constraint, so either
        // path finds the other's constraint by name.
        Statement {
            name: format!("{}_{property}_unique", label.to_ascii_lowercase()),
            label,
            property,
            unique: true,
        }
    }

    fn index(label: &'static str, property: &'static str) -> Statement {
        Statement {
            name: format!("{}_{property}", label.to_ascii_lowercase()),
            label,
            property,
            unique: false,
        }
    }

    /// The Cypher statement, with its terminating `;`.
    pub fn cypher(&self) -> String {
        let (name, label, p) = (&self.name, self.label, self.property);
        if self.unique {
            format!(
                "CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{p} IS UNIQUE;"
            )
        } else {
            format!("CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{p});")
        }
    }
}

fn has_column(kind: NodeKind, p: Provenance, name: &str) -> bool {
    kind.columns(p).iter().any(|c| c.name == name)
}

/// The statements for a graph holding nodes of `kinds` (any order, repeats
/// allowed): one `id` uniqueness constraint per kind (each kind owns the ID
/// group of its name and stores the id as `id`), then the lookup indexes on
/// properties those kinds have.
pub fn statements(kinds: &[NodeKind], p: Provenance) -> Vec<Statement> {
    let present: Vec<NodeKind> = NodeKind::ALL
        .into_iter()
        .filter(|k| kinds.contains(k))
        .collect();
    let mut out: Vec<Statement> = present
        .iter()
        .filter(|k| k.columns(p).iter().any(|c| c.kind == ColKind::Id))
        .map(|k| Statement::unique(k.name(), "id"))
        .collect();
    let cis: Vec<NodeKind> = present.iter().copied().filter(|k| k.is_ci()).collect();
    if !cis.is_empty() && cis.iter().all(|&k| has_column(k, p, "status")) {
        out.push(Statement::index(CI_LABEL, "status"));
    }
    // A configuration item's type is its kind's own `<x>_type` column
    // (server_type, device_type, app_type): the model has no shared `type`.
    for &k in &cis {
        for c in k.columns(p) {
            if c.kind == ColKind::Prop(PropType::String) && c.name.ends_with("_type") {
                out.push(Statement::index(k.name(), c.name));
            }
        }
    }
    if present.contains(&NodeKind::Event) {
        for name in ["occurred_at", "severity"] {
            if has_column(NodeKind::Event, p, name) {
                out.push(Statement::index(NodeKind::Event.name(), name));
            }
        }
    }
    out
}

/// The file's text: one statement per line.
pub fn render(kinds: &[NodeKind], p: Provenance) -> String {
    statements(kinds, p)
        .iter()
        .map(|s| s.cypher() + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_constraint_per_kind_and_the_lookup_indexes() {
        let text = render(&NodeKind::ALL, Provenance::SourceOnly);
        let lines: Vec<&str> = text.lines().collect();
        for k in NodeKind::ALL {
            let want = format!(
                "CREATE CONSTRAINT {}_id_unique IF NOT EXISTS FOR (n:{}) REQUIRE n.id IS UNIQUE;",
                k.name().to_ascii_lowercase(),
                k.name()
            );
            assert_eq!(lines.iter().filter(|l| **l == want).count(), 1, "{want}");
        }
        for want in [
            "CREATE INDEX configurationitem_status IF NOT EXISTS FOR (n:ConfigurationItem) ON (n.status);",
            "CREATE INDEX server_server_type IF NOT EXISTS FOR (n:Server) ON (n.server_type);",
            "CREATE INDEX networkdevice_device_type IF NOT EXISTS FOR (n:NetworkDevice) ON (n.device_type);",
            "CREATE INDEX application_app_type IF NOT EXISTS FOR (n:Application) ON (n.app_type);",
            "CREATE INDEX event_occurred_at IF NOT EXISTS FOR (n:Event) ON (n.occurred_at);",
            "CREATE INDEX event_severity IF NOT EXISTS FOR (n:Event) ON (n.severity);",
        ] {
            assert!(lines.contains(&want), "{want} missing from\n{text}");
        }
        // One constraint per kind, the status and two event indexes, and
        // one index per configuration item's `<x>_type` column.
        let types = NodeKind::ALL
            .into_iter()
            .filter(|k| k.is_ci())
            .flat_map(|k| k.columns(Provenance::SourceOnly))
            .filter(|c| c.kind == ColKind::Prop(PropType::String) && c.name.ends_with("_type"))
            .count();
        assert!(types >= 3, "{text}");
        assert_eq!(lines.len(), NodeKind::ALL.len() + 3 + types, "{text}");
        // cypher-shell -f: one statement per line, each closed by `;`, each
        // idempotent, no two with one name.
        let mut names = std::collections::HashSet::new();
        for l in &lines {
            assert!(l.ends_with(';') && l.matches(';').count() == 1, "{l}");
            assert!(l.contains(" IF NOT EXISTS FOR (n:"), "{l}");
            assert!(names.insert(l.split(' ').nth(2).unwrap()), "{l}");
        }
    }

    #[test]
    fn only_what_the_kinds_have() {
        let text = render(
            &[NodeKind::DataCenter, NodeKind::Region, NodeKind::DataCenter],
            Provenance::SourceOnly,
        );
        assert_eq!(
            text,
            "CREATE CONSTRAINT region_id_unique IF NOT EXISTS FOR (n:Region) REQUIRE n.id IS UNIQUE;\n\
             CREATE CONSTRAINT datacenter_id_unique IF NOT EXISTS FOR (n:DataCenter) REQUIRE n.id IS UNIQUE;\n\
             CREATE INDEX configurationitem_status IF NOT EXISTS FOR (n:ConfigurationItem) ON (n.status);\n"
        );
        let events = render(&[NodeKind::Event], Provenance::Full);
        assert!(!events.contains("ConfigurationItem"), "{events}");
        assert!(events.contains("ON (n.severity);"), "{events}");
        assert_eq!(render(&[], Provenance::SourceOnly), "");
    }

    #[test]
    fn every_node_carries_the_labels_its_statements_name() {
        for k in NodeKind::ALL {
            for set in k.label_sets() {
                assert_eq!(set.contains(&CI_LABEL), k.is_ci(), "{k}: {set:?}");
                assert!(set.contains(&k.name()), "{k}: {set:?}");
            }
        }
    }
}
