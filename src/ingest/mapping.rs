//! A source's mapping file (docs/sources.md, "Ingest"): which export file
//! holds which kind or relationship family, and which export column holds
//! each model column. Every problem names the mapping file and the key.

use crate::error::Usage;
use crate::model::{ColKind, NodeKind, PropType, RelKind, Table};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Columns the merge fills itself; a mapping cannot map them.
pub const MERGE_COLUMNS: [&str; 3] = ["source", "sources", "observed_at"];

/// The model's SourceRecord kind name (keep-all), not reported by sources.
pub const SOURCE_RECORD: &str = "SourceRecord";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    priority: Option<u32>,
    #[serde(default)]
    nodes: Vec<RawNodes>,
    #[serde(default)]
    relationships: Vec<RawRels>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNodes {
    kind: String,
    file: String,
    key: String,
    labels: Option<String>,
    observed_at: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRels {
    #[serde(rename = "type")]
    rel_type: String,
    start: String,
    end: String,
    file: String,
    start_key: String,
    end_key: String,
    observed_at: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
}

/// A mapped attribute: the model column and the export column holding it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    /// The attribute's position among the table's attributes ([`attributes`]).
    pub slot: usize,
    /// The export column.
    pub column: String,
    /// Where it is mapped (`nodes[0].columns.os`), for messages.
    pub key: String,
}

/// One export file and what it holds.
#[derive(Clone, Debug)]
pub struct FileMap {
    /// The table it reports (a node kind or a relationship family).
    pub table: Table,
    /// The file, resolved against the mapping's folder.
    pub path: PathBuf,
    /// Where it is mapped (`nodes[0]`), for messages.
    pub key: String,
    /// The natural-key column (nodes) or the start's natural key (relationships).
    pub key_column: String,
    /// The end's natural key (relationships).
    pub end_column: Option<String>,
    /// The labels column (nodes, optional).
    pub labels: Option<String>,
    /// The observation-time column (optional).
    pub observed_at: Option<String>,
    /// Mapped attributes.
    pub attrs: Vec<Attr>,
}

/// A parsed, checked mapping file.
#[derive(Clone, Debug)]
pub struct Mapping {
    /// The mapping file.
    pub path: PathBuf,
    /// Its `priority` (1 = most trusted), if given.
    pub priority: Option<u32>,
    /// Its files: nodes first, in mapping order.
    pub files: Vec<FileMap>,
}

/// The attributes of a table: its property columns that sources report, in
/// column order (not `name`, which is the natural key, and not the columns
/// the merge fills).
pub fn attributes(table: Table) -> Vec<(&'static str, PropType)> {
    let key_is_name = matches!(table, Table::Node(k) if k.is_ci());
    table
        .columns(super::PROVENANCE)
        .iter()
        .filter_map(|c| match c.kind {
            ColKind::Prop(t) => Some((c.name, t)),
            _ => None,
        })
        .filter(|(n, _)| !(MERGE_COLUMNS.contains(n) || key_is_name && *n == "name"))
        .collect()
}

fn err(path: &Path, msg: String) -> Usage {
    Usage(format!("{}: {msg}", path.display()))
}

fn columns(
    path: &Path,
    at: &str,
    table: Table,
    cols: BTreeMap<String, String>,
) -> Result<Vec<Attr>, Usage> {
    let attrs = attributes(table);
    cols.into_iter()
        .map(|(model, export)| {
            let key = format!("{at}.columns.{model}");
            let slot = attrs.iter().position(|(n, _)| *n == model).ok_or_else(|| {
                let names: Vec<&str> = attrs.iter().map(|(n, _)| *n).collect();
                err(
                    path,
                    format!(
                        "{key}: {table} has no attribute '{model}' a source can map (it has: {})",
                        names.join(", ")
                    ),
                )
            })?;
            if export.is_empty() {
                return Err(err(path, format!("{key}: the export column name is empty")));
            }
            Ok(Attr {
                slot,
                column: export,
                key,
            })
        })
        .collect()
}

fn resolve(path: &Path, at: &str, file: &str) -> Result<PathBuf, Usage> {
    if file.is_empty() {
        return Err(err(path, format!("{at}.file is empty")));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let p = dir.join(file);
    let ext = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ![".csv", ".parquet", ".arrow", ".ipc", ".feather"]
        .iter()
        .any(|e| ext.ends_with(e))
    {
        return Err(err(
            path,
            format!("{at}.file '{file}': expected a .csv, .parquet, .arrow or .ipc file"),
        ));
    }
    Ok(p)
}

fn node_kind(path: &Path, key: &str, name: &str) -> Result<NodeKind, Usage> {
    match NodeKind::from_name(name) {
        Some(k) if name != SOURCE_RECORD => Ok(k),
        _ => {
            let names: Vec<&str> = NodeKind::ALL
                .iter()
                .map(|k| k.name())
                .filter(|n| *n != SOURCE_RECORD)
                .collect();
            Err(err(
                path,
                format!(
                    "{key}: unknown kind '{name}' (expected one of {})",
                    names.join(", ")
                ),
            ))
        }
    }
}

impl Mapping {
    /// Reads the mapping at `path`: a TOML file, or a folder holding
    /// `mapping.toml`.
    pub fn load(path: &Path) -> Result<Mapping, Usage> {
        let path = if path.is_dir() {
            path.join("mapping.toml")
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| err(&path, format!("cannot read the mapping: {e}")))?;
        Mapping::parse(&path, &text)
    }

    /// Parses and checks a mapping's text; `path` names it and anchors its
    /// relative file names.
    pub fn parse(path: &Path, text: &str) -> Result<Mapping, Usage> {
        let raw: RawMapping =
            toml::from_str(text).map_err(|e| err(path, format!("not a valid mapping: {e}")))?;
        if raw.priority == Some(0) {
            return Err(err(path, "priority: must be at least 1".into()));
        }
        let mut files = Vec::new();
        for (i, n) in raw.nodes.into_iter().enumerate() {
            let at = format!("nodes[{i}]");
            let kind = node_kind(path, &format!("{at}.kind"), &n.kind)?;
            let table = Table::Node(kind);
            if n.key.is_empty() {
                return Err(err(path, format!("{at}.key is empty")));
            }
            files.push(FileMap {
                table,
                path: resolve(path, &at, &n.file)?,
                key_column: n.key,
                end_column: None,
                labels: n.labels,
                observed_at: n.observed_at,
                attrs: columns(path, &at, table, n.columns)?,
                key: at,
            });
        }
        for (i, r) in raw.relationships.into_iter().enumerate() {
            let at = format!("relationships[{i}]");
            let start = node_kind(path, &format!("{at}.start"), &r.start)?;
            let end = node_kind(path, &format!("{at}.end"), &r.end)?;
            let name = format!("{}-{}-{}", start.name(), r.rel_type, end.name());
            let family = RelKind::from_name(&name).ok_or_else(|| {
                err(
                    path,
                    format!("{at}: the model has no relationship family {name}"),
                )
            })?;
            if r.start_key.is_empty() || r.end_key.is_empty() {
                return Err(err(
                    path,
                    format!("{at}: start_key and end_key must be set"),
                ));
            }
            let table = Table::Rel(family);
            files.push(FileMap {
                table,
                path: resolve(path, &at, &r.file)?,
                key_column: r.start_key,
                end_column: Some(r.end_key),
                labels: None,
                observed_at: r.observed_at,
                attrs: columns(path, &at, table, r.columns)?,
                key: at,
            });
        }
        if files.is_empty() {
            return Err(err(
                path,
                "maps no files ([[nodes]] or [[relationships]])".into(),
            ));
        }
        Ok(Mapping {
            path: path.to_path_buf(),
            priority: raw.priority,
            files,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Mapping, String> {
        Mapping::parse(Path::new("/x/m.toml"), text).map_err(|e| e.0)
    }

    #[test]
    fn a_mapping_resolves_kinds_families_and_columns() {
        let m = parse(
            r#"
priority = 2
[[nodes]]
kind = "Server"
file = "servers.csv"
key = "host"
observed_at = "seen"
[nodes.columns]
os = "os_name"
cpu_cores = "cpus"

[[relationships]]
type = "HOSTED_IN"
start = "Server"
end = "DataCenter"
file = "sub/hosted.parquet"
start_key = "server"
end_key = "dc"
"#,
        )
        .unwrap();
        assert_eq!(m.priority, Some(2));
        assert_eq!(m.files.len(), 2);
        let s = &m.files[0];
        assert_eq!(s.table, Table::Node(NodeKind::Server));
        assert_eq!(s.path, Path::new("/x/servers.csv"));
        let attrs = attributes(s.table);
        let names: Vec<&str> = s.attrs.iter().map(|a| attrs[a.slot].0).collect();
        assert_eq!(names, ["cpu_cores", "os"]);
        assert_eq!(
            m.files[1].table,
            Table::Rel(RelKind::ServerHostedInDataCenter)
        );
        assert!(!attributes(s.table).iter().any(|(n, _)| *n == "name"));
        assert!(attributes(Table::Node(NodeKind::Event))
            .iter()
            .any(|(n, _)| *n == "title"));
    }

    #[test]
    fn mistakes_name_the_file_and_key() {
        let base = "[[nodes]]\nkind = \"Server\"\nfile = \"s.csv\"\nkey = \"h\"\n";
        let e = parse(&format!("{base}[nodes.columns]\nflavour = \"f\"\n")).unwrap_err();
        assert!(
            e.contains("/x/m.toml") && e.contains("nodes[0].columns.flavour"),
            "{e}"
        );
        let e = parse(&format!("{base}[nodes.columns]\nsource = \"f\"\n")).unwrap_err();
        assert!(e.contains("nodes[0].columns.source"), "{e}");
        let e =
            parse("[[nodes]]\nkind = \"Toaster\"\nfile = \"s.csv\"\nkey = \"h\"\n").unwrap_err();
        assert!(e.contains("nodes[0].kind: unknown kind 'Toaster'"), "{e}");
        let e =
            parse("[[nodes]]\nkind = \"Server\"\nfile = \"s.xlsx\"\nkey = \"h\"\n").unwrap_err();
        assert!(e.contains("nodes[0].file"), "{e}");
        let e = parse("[[relationships]]\ntype = \"LIKES\"\nstart = \"Server\"\nend = \"Region\"\nfile = \"r.csv\"\nstart_key = \"a\"\nend_key = \"b\"\n").unwrap_err();
        assert!(e.contains("Server-LIKES-Region"), "{e}");
        let e = parse(&format!("{base}colour = 1\n")).unwrap_err();
        assert!(e.contains("colour"), "{e}");
        assert!(parse("priority = 1\n")
            .unwrap_err()
            .contains("maps no files"));
    }
}
