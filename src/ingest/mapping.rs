//! A source's mapping file (docs/sources.md, "Ingest"): which export file
//! holds which kind or relationship family, and which export column holds
//! each model column. Every problem names the mapping file and the key.

use crate::error::Usage;
use crate::model::{ColKind, NodeKind, PropType, RelKind, Table};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
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
    #[serde(default)]
    ci_relationships: Vec<RawCiRels>,
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
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
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
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
}

/// A ServiceNow-style relationship export (`cmdb_rel_ci`): one file of
/// `parent,child,type` rows of many families, told apart by the classes of
/// the two ends and the type.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCiRels {
    file: String,
    #[serde(default = "default_parent")]
    parent: String,
    #[serde(default = "default_child")]
    child: String,
    #[serde(rename = "type", default = "default_type")]
    type_column: String,
    parent_class: String,
    child_class: String,
    observed_at: Option<String>,
    classes: BTreeMap<String, String>,
    types: BTreeMap<String, RawRelType>,
}

fn default_parent() -> String {
    "parent".into()
}

fn default_child() -> String {
    "child".into()
}

fn default_type() -> String {
    "type".into()
}

/// A relationship type of a `ci_relationships` row: the model's type, from
/// parent to child, or reversed (`{ type = "IN_CLUSTER", reverse = true }`
/// for a `Contains::Contained by` row whose child is the model's start).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawRelType {
    Forward(String),
    Detailed {
        #[serde(rename = "type")]
        rel_type: String,
        #[serde(default)]
        reverse: bool,
    },
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
    /// Export values translated to model values (`[nodes.values.<column>]`,
    /// e.g. ServiceNow's `install_status` codes); a value not listed is bad
    /// input.
    pub values: Option<HashMap<String, String>>,
}

/// What an export file holds.
#[derive(Clone, Debug)]
pub enum Holds {
    /// One table: a node kind or a relationship family.
    Table(Table),
    /// A `parent,child,type` relationship export of many families.
    CiRels(Box<CiRels>),
}

impl Holds {
    /// The table's name, or what a relationship export holds, for the
    /// manifest and messages.
    pub fn name(&self) -> String {
        match self {
            Holds::Table(t) => t.name(),
            Holds::CiRels(_) => "relationships (parent,child,type)".into(),
        }
    }
}

/// How a `parent,child,type` row becomes a relationship of the model.
#[derive(Clone, Debug)]
pub struct CiRels {
    /// The export's type column.
    pub type_column: String,
    /// The parent's and the child's class columns.
    pub class_columns: [String; 2],
    /// Class name -> node kind.
    pub classes: HashMap<String, NodeKind>,
    /// Export type -> (model type, reversed).
    pub types: HashMap<String, (String, bool)>,
    /// Where it is mapped (`ci_relationships[0]`), for messages.
    pub key: String,
}

impl CiRels {
    /// The family of a row and whether its child is the model's start.
    pub fn family(&self, classes: [&str; 2], ty: &str) -> Result<(RelKind, bool), String> {
        let at = &self.key;
        let kind = |k: usize| {
            self.classes.get(classes[k].trim()).copied().ok_or_else(|| {
                format!(
                    "class '{}' (column '{}') is not in the mapping's {at}.classes",
                    classes[k], self.class_columns[k]
                )
            })
        };
        let (parent, child) = (kind(0)?, kind(1)?);
        let (rel_type, reverse) = self.types.get(ty.trim()).ok_or_else(|| {
            format!(
                "type '{ty}' (column '{}') is not in the mapping's {at}.types",
                self.type_column
            )
        })?;
        let (start, end) = if *reverse {
            (child, parent)
        } else {
            (parent, child)
        };
        RelKind::ALL
            .into_iter()
            .find(|r| {
                let s = r.spec();
                s.rel_type == rel_type && s.start == start && s.end == end
            })
            .map(|r| (r, *reverse))
            .ok_or_else(|| {
                format!(
                    "the model has no relationship family {}-{rel_type}-{} (type '{ty}', parent {parent}, child {child})",
                    start.name(),
                    end.name()
                )
            })
    }
}

/// One export file and what it holds.
#[derive(Clone, Debug)]
pub struct FileMap {
    /// What it reports: a node kind, a relationship family, or a
    /// `parent,child,type` export of many families.
    pub holds: Holds,
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
    /// The type and class columns of a `parent,child,type` export.
    pub ci_columns: Vec<String>,
    /// The observation-time column (optional).
    pub observed_at: Option<String>,
    /// Mapped attributes.
    pub attrs: Vec<Attr>,
}

impl FileMap {
    /// The one table the file reports, if it reports one.
    pub fn table(&self) -> Option<Table> {
        match self.holds {
            Holds::Table(t) => Some(t),
            Holds::CiRels(_) => None,
        }
    }
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
    mut values: BTreeMap<String, BTreeMap<String, String>>,
) -> Result<Vec<Attr>, Usage> {
    let attrs = attributes(table);
    if let Some(model) = values.keys().find(|m| !cols.contains_key(*m)) {
        return Err(err(
            path,
            format!("{at}.values.{model}: '{model}' is not mapped in {at}.columns"),
        ));
    }
    let mapped: Vec<Attr> = cols
        .into_iter()
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
                values: None,
            })
        })
        .collect::<Result<_, Usage>>()?;
    mapped
        .into_iter()
        .map(|mut a| {
            let (model, ty) = attrs[a.slot];
            if let Some(map) = values.remove(model) {
                a.values = Some(value_map(path, &format!("{at}.values.{model}"), ty, map)?);
            }
            Ok(a)
        })
        .collect()
}

/// Checks that every model value of a value map parses as its column's type.
fn value_map(
    path: &Path,
    at: &str,
    ty: PropType,
    map: BTreeMap<String, String>,
) -> Result<HashMap<String, String>, Usage> {
    if map.is_empty() {
        return Err(err(path, format!("{at}: lists no values")));
    }
    let mut scratch = Vec::new();
    for (from, to) in &map {
        scratch.clear();
        super::value::canonical(ty, to, &mut scratch)
            .map_err(|e| err(path, format!("{at}.\"{from}\": {e}")))?;
    }
    Ok(map
        .into_iter()
        .map(|(from, to)| (from.trim().to_string(), to))
        .collect())
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
                holds: Holds::Table(table),
                path: resolve(path, &at, &n.file)?,
                key_column: n.key,
                end_column: None,
                labels: n.labels,
                ci_columns: Vec::new(),
                observed_at: n.observed_at,
                attrs: columns(path, &at, table, n.columns, n.values)?,
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
                holds: Holds::Table(table),
                path: resolve(path, &at, &r.file)?,
                key_column: r.start_key,
                end_column: Some(r.end_key),
                labels: None,
                ci_columns: Vec::new(),
                observed_at: r.observed_at,
                attrs: columns(path, &at, table, r.columns, r.values)?,
                key: at,
            });
        }
        for (i, r) in raw.ci_relationships.into_iter().enumerate() {
            files.push(ci_rels(path, &format!("ci_relationships[{i}]"), r)?);
        }
        if files.is_empty() {
            return Err(err(
                path,
                "maps no files ([[nodes]], [[relationships]] or [[ci_relationships]])".into(),
            ));
        }
        Ok(Mapping {
            path: path.to_path_buf(),
            priority: raw.priority,
            files,
        })
    }
}

/// Checks a `[[ci_relationships]]` entry.
fn ci_rels(path: &Path, at: &str, r: RawCiRels) -> Result<FileMap, Usage> {
    let named = [
        ("parent", &r.parent),
        ("child", &r.child),
        ("type", &r.type_column),
        ("parent_class", &r.parent_class),
        ("child_class", &r.child_class),
    ];
    if let Some((k, _)) = named.iter().find(|(_, v)| v.is_empty()) {
        return Err(err(path, format!("{at}.{k}: the column name is empty")));
    }
    let mut classes = HashMap::new();
    for (class, kind) in r.classes {
        let k = node_kind(path, &format!("{at}.classes.{class}"), &kind)?;
        classes.insert(class.trim().to_string(), k);
    }
    let mut types = HashMap::new();
    for (ty, t) in r.types {
        let (rel_type, reverse) = match t {
            RawRelType::Forward(t) => (t, false),
            RawRelType::Detailed { rel_type, reverse } => (rel_type, reverse),
        };
        if !RelKind::ALL.iter().any(|f| f.spec().rel_type == rel_type) {
            let mut known: Vec<&str> = RelKind::ALL.iter().map(|f| f.spec().rel_type).collect();
            known.sort_unstable();
            known.dedup();
            return Err(err(
                path,
                format!(
                    "{at}.types.\"{ty}\": the model has no relationship type '{rel_type}' (it has: {})",
                    known.join(", ")
                ),
            ));
        }
        types.insert(ty.trim().to_string(), (rel_type, reverse));
    }
    if classes.is_empty() || types.is_empty() {
        return Err(err(
            path,
            format!("{at}: needs [{at}.classes] and [{at}.types] entries"),
        ));
    }
    Ok(FileMap {
        path: resolve(path, at, &r.file)?,
        key_column: r.parent,
        end_column: Some(r.child),
        labels: None,
        ci_columns: vec![
            r.type_column.clone(),
            r.parent_class.clone(),
            r.child_class.clone(),
        ],
        observed_at: r.observed_at,
        attrs: Vec::new(),
        holds: Holds::CiRels(Box::new(CiRels {
            type_column: r.type_column,
            class_columns: [r.parent_class, r.child_class],
            classes,
            types,
            key: at.to_string(),
        })),
        key: at.to_string(),
    })
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
        assert_eq!(s.table(), Some(Table::Node(NodeKind::Server)));
        assert_eq!(s.path, Path::new("/x/servers.csv"));
        let attrs = attributes(Table::Node(NodeKind::Server));
        let names: Vec<&str> = s.attrs.iter().map(|a| attrs[a.slot].0).collect();
        assert_eq!(names, ["cpu_cores", "os"]);
        assert_eq!(
            m.files[1].table(),
            Some(Table::Rel(RelKind::ServerHostedInDataCenter))
        );
        assert!(!attributes(Table::Node(NodeKind::Server))
            .iter()
            .any(|(n, _)| *n == "name"));
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

    #[test]
    fn value_maps_and_relationship_exports_are_checked_when_parsed() {
        let base = "[[nodes]]\nkind = \"Server\"\nfile = \"s.csv\"\nkey = \"h\"\n[nodes.columns]\ncpu_cores = \"cpus\"\n";
        let m = parse(&format!(
            "{base}[nodes.values.cpu_cores]\n\" 2 \" = \"16\"\n"
        ))
        .unwrap();
        let values = m.files[0].attrs[0].values.as_ref().unwrap();
        assert_eq!(values.get("2").map(String::as_str), Some("16"));
        let e = parse(&format!("{base}[nodes.values.os]\n\"1\" = \"x\"\n")).unwrap_err();
        assert!(
            e.contains("nodes[0].values.os: 'os' is not mapped in nodes[0].columns"),
            "{e}"
        );
        let e = parse(&format!(
            "{base}[nodes.values.cpu_cores]\n\"1\" = \"many\"\n"
        ))
        .unwrap_err();
        assert!(e.contains("nodes[0].values.cpu_cores.\"1\""), "{e}");

        let rels = |classes: &str, types: &str| {
            parse(&format!(
                "[[ci_relationships]]\nfile = \"r.csv\"\nparent_class = \"pc\"\nchild_class = \"cc\"\n[ci_relationships.classes]\n{classes}\n[ci_relationships.types]\n{types}\n"
            ))
        };
        let m = rels(
            "cmdb_ci_appl = \"Application\"\ncmdb_ci_server = \"Server\"",
            "\"Runs on::Runs\" = \"RUNS_ON\"\n\"Hosts::Hosted on\" = { type = \"RUNS_ON\", reverse = true }",
        )
        .unwrap();
        let Holds::CiRels(c) = &m.files[0].holds else {
            panic!("not a relationship export")
        };
        assert_eq!(m.files[0].key_column, "parent");
        assert_eq!(
            c.family(["cmdb_ci_appl", "cmdb_ci_server"], "Runs on::Runs"),
            Ok((RelKind::ApplicationRunsOnServer, false))
        );
        assert_eq!(
            c.family(["cmdb_ci_server", "cmdb_ci_appl"], "Hosts::Hosted on"),
            Ok((RelKind::ApplicationRunsOnServer, true))
        );
        let e = c
            .family(["cmdb_ci_server", "cmdb_ci_appl"], "Runs on::Runs")
            .unwrap_err();
        assert!(
            e.contains("no relationship family Server-RUNS_ON-Application"),
            "{e}"
        );
        let e = rels("x = \"Toaster\"", "\"a\" = \"RUNS_ON\"").unwrap_err();
        assert!(
            e.contains("ci_relationships[0].classes.x: unknown kind 'Toaster'"),
            "{e}"
        );
        let e = rels("x = \"Server\"", "\"a\" = \"LIKES\"").unwrap_err();
        assert!(
            e.contains(
                "ci_relationships[0].types.\"a\": the model has no relationship type 'LIKES'"
            ),
            "{e}"
        );
        let e = rels("x = \"Server\"", "").unwrap_err();
        assert!(e.contains("needs [ci_relationships[0].classes]"), "{e}");
    }
}
