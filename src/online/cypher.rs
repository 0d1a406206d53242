//! The statements `apply` sends: plain Neo4j 5 Cypher, nothing else (no
//! APOC, no `CALL { } IN TRANSACTIONS`, no dynamic labels). Labels, types
//! and property keys are static in the text and always backtick-quoted; all
//! data travels as the `$rows` parameter, so a statement's text depends only
//! on its table (and label set) and the server can cache its plan.

/// A backtick-quoted identifier (a backtick inside is doubled).
pub fn ident(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

/// The name of the uniqueness constraint on `label.key`.
pub fn constraint_name(label: &str, key: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("cmdbgen_{}_{}", clean(label), clean(key))
}

/// `CREATE CONSTRAINT … IF NOT EXISTS FOR (n:Label) REQUIRE n.key IS UNIQUE`:
/// idempotent, and the backing index makes every MERGE/MATCH by id a lookup.
pub fn constraint(label: &str, key: &str) -> String {
    format!(
        "CREATE CONSTRAINT {} IF NOT EXISTS FOR (n:{}) REQUIRE n.{} IS UNIQUE",
        ident(&constraint_name(label, key)),
        ident(label),
        ident(key)
    )
}

fn labels(extra: &[String]) -> String {
    extra.iter().map(|l| format!(":{}", ident(l))).collect()
}

/// Upserts nodes: rows are `{id, props}`; `extra` labels are set on every
/// row (rows are grouped by label set so that labels stay static).
pub fn merge_nodes(label: &str, key: &str, extra: &[String]) -> String {
    let set_labels = if extra.is_empty() {
        String::new()
    } else {
        format!(", n{}", labels(extra))
    };
    format!(
        "UNWIND $rows AS row MERGE (n:{} {{{}: row.id}}) SET n += row.props{set_labels} RETURN count(*) AS rows",
        ident(label),
        ident(key)
    )
}

/// Upserts relationships between existing nodes: rows are
/// `{src, dst, props}`. A row whose start or end is missing matches
/// nothing and is counted as unmatched.
pub fn merge_rels(rel_type: &str, start: (&str, &str), end: (&str, &str)) -> String {
    format!(
        "UNWIND $rows AS row MATCH (a:{} {{{}: row.src}}) MATCH (b:{} {{{}: row.dst}}) \
         MERGE (a)-[r:{}]->(b) SET r += row.props RETURN count(*) AS rows",
        ident(start.0),
        ident(start.1),
        ident(end.0),
        ident(end.1),
        ident(rel_type)
    )
}

/// Re-points relationships: rows are `{src, dst, props}`; the start loses
/// every relationship of the type to a node of the end's label, then gains
/// the one to `dst`, so applying days in any order leaves one (the last
/// applied). A row whose start or end is missing matches nothing.
pub fn move_rels(rel_type: &str, start: (&str, &str), end: (&str, &str)) -> String {
    format!(
        "UNWIND $rows AS row MATCH (a:{s} {{{sk}: row.src}}) MATCH (b:{e} {{{ek}: row.dst}}) \
         OPTIONAL MATCH (a)-[old:{t}]->(:{e}) DELETE old WITH DISTINCT a, b, row \
         MERGE (a)-[r:{t}]->(b) SET r += row.props RETURN count(*) AS rows",
        s = ident(start.0),
        sk = ident(start.1),
        e = ident(end.0),
        ek = ident(end.1),
        t = ident(rel_type)
    )
}

/// Sets properties on existing nodes: rows are `{id, props}`; a missing
/// node matches nothing (a no-op, counted as unmatched).
pub fn update_nodes(label: &str, key: &str) -> String {
    format!(
        "UNWIND $rows AS row MATCH (n:{} {{{}: row.id}}) SET n += row.props RETURN count(*) AS rows",
        ident(label),
        ident(key)
    )
}

/// Deletes nodes with their relationships: rows are `{id}`.
pub fn delete_nodes(label: &str, key: &str) -> String {
    format!(
        "UNWIND $rows AS row MATCH (n:{} {{{}: row.id}}) DETACH DELETE n RETURN count(*) AS rows",
        ident(label),
        ident(key)
    )
}

/// The JVM heap of the server (neo4j-import-spec §5.3): one row with
/// `used` and `max` in bytes.
pub const HEAP: &str = "CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes \
RETURN attributes.HeapMemoryUsage.value.properties.used AS used, \
attributes.HeapMemoryUsage.value.properties.max AS max";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_exact() {
        assert_eq!(
            constraint("Server", "id"),
            "CREATE CONSTRAINT `cmdbgen_server_id` IF NOT EXISTS FOR (n:`Server`) REQUIRE n.`id` IS UNIQUE"
        );
        assert_eq!(
            merge_nodes("Server", "id", &["ConfigurationItem".into(), "VirtualServer".into()]),
            "UNWIND $rows AS row MERGE (n:`Server` {`id`: row.id}) SET n += row.props, n:`ConfigurationItem`:`VirtualServer` RETURN count(*) AS rows"
        );
        assert_eq!(
            merge_nodes("Region", "id", &[]),
            "UNWIND $rows AS row MERGE (n:`Region` {`id`: row.id}) SET n += row.props RETURN count(*) AS rows"
        );
        assert_eq!(
            merge_rels("HOSTED_IN", ("Server", "id"), ("DataCenter", "id")),
            "UNWIND $rows AS row MATCH (a:`Server` {`id`: row.src}) MATCH (b:`DataCenter` {`id`: row.dst}) MERGE (a)-[r:`HOSTED_IN`]->(b) SET r += row.props RETURN count(*) AS rows"
        );
        assert_eq!(
            delete_nodes("Server", "id"),
            "UNWIND $rows AS row MATCH (n:`Server` {`id`: row.id}) DETACH DELETE n RETURN count(*) AS rows"
        );
        assert!(update_nodes("Server", "id").contains("MATCH (n:`Server`"));
    }

    #[test]
    fn identifiers_cannot_break_out() {
        assert_eq!(ident("a`b"), "`a``b`");
        assert_eq!(
            constraint_name("Weird Label", "i-d"),
            "cmdbgen_weird_label_i_d"
        );
    }
}
