//! The manifest: the record of a complete bundle, written last. A bundle is
//! complete if and only if its `manifest.json` exists.

use crate::model::{RelKind, Table};
use crate::plan::{Part, Plan, ShardSize};
use crate::profile::Profile;
use crate::write::{FileInfo, Format};
use serde::{Deserialize, Serialize};

/// The manifest's file name in the bundle root.
pub const FILE: &str = "manifest.json";
/// The neo4j-admin argument file written beside it.
pub const ARGS_FILE: &str = "import.args";
/// The ready-to-run import script.
pub const SCRIPT_FILE: &str = "import.sh";

/// Everything that determines the bytes of a bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunKey {
    /// cmdbgen's version.
    pub version: String,
    /// The resolved profile (with the effective seed).
    pub profile: Profile,
    /// Output format.
    pub format: Format,
    /// Shard sizing.
    pub shard_size: ShardSize,
}

impl RunKey {
    /// A short hex fingerprint of the key.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).expect("a run key always serialises");
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&json))
    }
}

/// One table in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    /// Table name (`Server`, `Server-HOSTED_IN-DataCenter`).
    pub name: String,
    /// `node` or `relationship`.
    pub kind: String,
    /// The node kind's ID group, or the relationship type.
    pub label_or_type: String,
    /// Start and end ID groups of a relationship table.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub start: Option<String>,
    /// End ID group.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub end: Option<String>,
    /// Rows in all shards.
    pub rows: u64,
    /// A companion input's temporal columns that its header leaves out: it
    /// holds the rows of the table that have no value for them
    /// (`write::companion`); empty for the table itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub omits: Vec<String>,
    /// The header file.
    pub header: FileInfo,
    /// The shard files, in order.
    pub shards: Vec<FileInfo>,
}

/// Totals over the bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Node rows.
    pub nodes: u64,
    /// Relationship rows.
    pub relationships: u64,
    /// Files (headers and shards; not the manifest or scripts).
    pub files: u64,
    /// Bytes of those files.
    pub bytes: u64,
}

/// How to import the bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Import {
    /// The arguments after `neo4j-admin database import full <database>`,
    /// with paths relative to the bundle root (also in `import.args`).
    pub args: Vec<String>,
    /// A complete command line, run from the bundle root.
    pub command: String,
}

/// The manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `cmdbgen`.
    pub tool: String,
    /// The fingerprint of [`RunKey`].
    pub fingerprint: String,
    /// What determines the bytes.
    pub run: RunKey,
    /// Totals.
    pub totals: Totals,
    /// Tables, nodes first.
    pub tables: Vec<TableEntry>,
    /// The import command.
    pub import: Import,
    /// The conflict summary of a multi-source profile (docs/sources.md);
    /// absent for single-source profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<crate::merge::Summary>,
}

/// The record of one finished part of a distributed run
/// (`manifest.part-<i>-of-<n>.json`), written instead of [`Manifest`];
/// `cmdbgen gather` turns a complete set of parts into the bundle's manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartManifest {
    /// Always `cmdbgen`.
    pub tool: String,
    /// The fingerprint of [`RunKey`]: the same for every part of one run.
    pub fingerprint: String,
    /// Which part this is.
    pub part: Part,
    /// What determines the bytes.
    pub run: RunKey,
    /// The header files (part 1 writes them; empty for the other parts).
    pub headers: Vec<FileInfo>,
    /// This part's shard files, in plan order.
    pub shards: Vec<FileInfo>,
    /// Data rows in this part's shards.
    pub rows: u64,
    /// Bytes of this part's files (headers included).
    pub bytes: u64,
}

impl PartManifest {
    /// Builds a part's manifest.
    pub fn new(key: &RunKey, part: Part, headers: Vec<FileInfo>, shards: Vec<FileInfo>) -> Self {
        let files = || {
            shards
                .iter()
                .flat_map(|f| std::iter::once(f).chain(&f.companions))
        };
        let rows = files().map(|f| f.rows).sum();
        let bytes = headers.iter().chain(files()).map(|f| f.bytes).sum();
        PartManifest {
            tool: "cmdbgen".to_string(),
            fingerprint: key.fingerprint(),
            part,
            run: key.clone(),
            headers,
            shards,
            rows,
            bytes,
        }
    }

    /// Parses `manifest.part-<i>-of-<n>.json` into its part, if the name has
    /// that form.
    pub fn part_of_name(name: &str) -> Option<Part> {
        let rest = name.strip_prefix("manifest.part-")?.strip_suffix(".json")?;
        let (i, n) = rest.split_once("-of-")?;
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(i) || !all_digits(n) {
            return None;
        }
        format!("{i}/{n}").parse().ok()
    }
}

/// The neo4j-admin arguments for a bundle's tables: one
/// `--nodes`/`--relationships` input per table (and per companion), header
/// first, then a regex for its shards.
///
/// Parquet bundles (`--input-type=parquet`, Neo4j 5.26+) list only the
/// shards: their column names are the header entries, so no header file is
/// passed (the header-file path has open bugs, docs/parquet.md), and the
/// CSV-only delimiter options are left out.
pub fn import_args(format: Format, tables: &[TableEntry]) -> Vec<String> {
    let pattern = format.shard_pattern();
    let parquet = format.is_parquet();
    let mut args = Vec::new();
    if parquet {
        args.push("--input-type=parquet".to_string());
    }
    for t in tables {
        let dir = t.header.path.rsplit_once('/').map_or("", |(d, _)| d);
        let files = if parquet {
            format!("{dir}/{pattern}")
        } else {
            format!("{},{dir}/{pattern}", t.header.path)
        };
        args.push(if t.kind == "node" {
            format!("--nodes={files}")
        } else {
            format!("--relationships={}={files}", t.label_or_type)
        });
    }
    args.push("--id-type=string".to_string());
    if !parquet {
        args.extend(["--delimiter=,", "--array-delimiter=;"].map(String::from));
    }
    args.extend(
        [
            "--skip-duplicate-nodes=false",
            "--skip-bad-relationships=false",
            "--bad-tolerance=0",
            "--report-file=import.report",
        ]
        .map(String::from),
    );
    args
}

/// The tables of a finished plan, their totals and the import command, as
/// every complete bundle's manifest records them (generated or ingested).
/// `shards` must hold every planned shard; `headers` every table's header
/// and every companion header ([`crate::write::companion::write_headers`]).
/// Each table with companions is followed by one entry per companion
/// folder.
pub fn tables_and_totals(
    plan: &Plan,
    headers: &[FileInfo],
    shards: &[FileInfo],
) -> (Vec<TableEntry>, Totals, Import) {
    use crate::write::companion;
    let header_of = |path: &str| {
        headers
            .iter()
            .find(|h| h.path == path)
            .cloned()
            .expect("every header was written")
    };
    let mut tables = Vec::new();
    for t in &plan.tables {
        let mut mine = Vec::new();
        let mut companions: std::collections::BTreeMap<u32, Vec<FileInfo>> = Default::default();
        for s in &t.shards {
            let mut f = shards
                .iter()
                .find(|f| f.path == s.path)
                .cloned()
                .expect("every planned shard was written");
            for c in std::mem::take(&mut f.companions) {
                let omit = companion::omit_of(t.table, &c.path).expect("a companion's own folder");
                companions.entry(omit).or_default().push(c);
            }
            mine.push(f);
        }
        let (kind, label_or_type, start, end) = match t.table {
            Table::Node(k) => ("node", k.name().to_string(), None, None),
            Table::Rel(r) => {
                let s = r.spec();
                (
                    "relationship",
                    s.rel_type.to_string(),
                    Some(s.start.name().to_string()),
                    Some(s.end.name().to_string()),
                )
            }
        };
        let entry = |name: String, omits: Vec<String>, header: FileInfo, shards: Vec<FileInfo>| {
            TableEntry {
                name,
                kind: kind.to_string(),
                label_or_type: label_or_type.clone(),
                start: start.clone(),
                end: end.clone(),
                rows: shards.iter().map(|f| f.rows).sum(),
                omits,
                header,
                shards,
            }
        };
        tables.push(entry(
            t.table.name(),
            Vec::new(),
            header_of(&t.header),
            mine,
        ));
        for (omit, files) in companions {
            let folder = companion::folder(t.table, omit);
            let name = format!(
                "{}/{}",
                t.table.name(),
                folder.rsplit('/').next().unwrap_or("")
            );
            let header = header_of(&format!("{folder}/header.csv"));
            let omits = companion::omitted_names(t.table, omit);
            tables.push(entry(name, omits, header, files));
        }
    }
    let files = tables.iter().map(|t| 1 + t.shards.len() as u64).sum();
    let bytes = tables
        .iter()
        .map(|t| t.header.bytes + t.shards.iter().map(|f| f.bytes).sum::<u64>())
        .sum();
    let totals = Totals {
        nodes: plan.nodes(),
        relationships: plan.relationships(),
        files,
        bytes,
    };
    let args = import_args(plan.format, &tables);
    let command = format!("neo4j-admin database import full ${{DATABASE:-neo4j}} @{ARGS_FILE}");
    (tables, totals, Import { args, command })
}

/// The manifest of a finished generate run.
pub fn build(key: &RunKey, plan: &Plan, headers: &[FileInfo], shards: &[FileInfo]) -> Manifest {
    let (tables, totals, import) = tables_and_totals(plan, headers, shards);
    Manifest {
        tool: "cmdbgen".to_string(),
        fingerprint: key.fingerprint(),
        run: key.clone(),
        totals,
        tables,
        import,
        merge: None,
    }
}

/// The table of a manifest entry's name.
pub fn table_of(name: &str) -> Option<Table> {
    crate::model::NodeKind::from_name(name)
        .map(Table::Node)
        .or_else(|| RelKind::from_name(name).map(Table::Rel))
}

/// The import script written into every bundle.
pub fn import_script() -> String {
    format!(
        r#"#!/usr/bin/env bash
# Imports this bundle with neo4j-admin (Neo4j 5.x). Written by cmdbgen.
#   DATABASE=neo4j ./import.sh [extra neo4j-admin options, e.g. --overwrite-destination]
# neo4j-admin is taken from NEO4J_HOME/bin, else from PATH. The database name
# comes first, as neo4j-admin 5 requires; paths in {ARGS_FILE} are relative to
# this folder, so the script runs from here.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f {FILE} ]; then
  echo "import.sh: {FILE} is missing: this bundle is incomplete; rerun cmdbgen generate" >&2
  exit 2
fi
ADMIN="${{NEO4J_HOME:+$NEO4J_HOME/bin/}}neo4j-admin"
if ! command -v "$ADMIN" >/dev/null 2>&1; then
  echo "import.sh: neo4j-admin not found (set NEO4J_HOME or put it on PATH)" >&2
  exit 2
fi
exec "$ADMIN" database import full "${{DATABASE:-neo4j}}" @{ARGS_FILE} "$@"
"#
    )
}
