//! The manifest: the record of a complete bundle, written last. A bundle is
//! complete if and only if its `manifest.json` exists.

use crate::model::{Ids, RelKind, Table};
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
/// The constraints and indexes to create after the import.
pub const SCHEMA_FILE: &str = crate::schema::FILE;

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
    /// The Neo4j releases that can import the bundle (absent in bundles of
    /// older cmdbgen versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neo4j: Option<Neo4jNeeds>,
    /// `import.sh` and `schema.cypher` as written, so `validate` can tell
    /// whether they are still cmdbgen's bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<FileInfo>,
}

/// What a Neo4j installation must be to import a bundle. Import scripts
/// read this instead of guessing from the files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Neo4jNeeds {
    /// The lowest release that imports the bundle: the highest minimum of
    /// [`Neo4jNeeds::features`].
    pub min_version: String,
    /// `community` (either edition imports it) or `enterprise`.
    pub edition: String,
    /// Each feature the bundle relies on, with its own minimum.
    pub features: Vec<Feature>,
}

/// A feature of neo4j-admin that a bundle relies on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feature {
    /// What it is, as a person would name it.
    pub feature: String,
    /// The first release that has it.
    pub min_version: String,
    /// `enterprise` when Community lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Releases from the minimum on that are known to import it wrongly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub broken: Vec<Broken>,
    /// What to do on an older release (another bundle format, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instead: Option<String>,
}

/// Releases `from` up to, not including, `below` that mishandle a feature;
/// an empty `below` means no fixed release is known yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broken {
    /// The first broken release.
    pub from: String,
    /// The first fixed release after it (empty: none known).
    pub below: String,
    /// What goes wrong.
    pub why: String,
    /// An environment variable that, set to `1`, accepts these releases anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_env: Option<String>,
}

/// A release as numbers (`5.26.0` -> [5, 26, 0]; `2025.01.0` -> [2025, 1, 0]).
pub fn version_key(v: &str) -> [u64; 3] {
    let mut k = [0u64; 3];
    for (slot, part) in k.iter_mut().zip(v.split('.')) {
        *slot = part.trim().parse().unwrap_or(0);
    }
    k
}

/// The Neo4j features a plan's bundle relies on. Every bundle needs the
/// 5.x command line (`database import full <db>`); header options and input
/// types add their own minimums.
pub fn neo4j_needs(plan: &Plan) -> Neo4jNeeds {
    let mut features = vec![Feature {
        feature: "the neo4j-admin 5 command line (database import full)".into(),
        min_version: "5.0.0".into(),
        edition: None,
        broken: Vec::new(),
        instead: None,
    }];
    let cells: Vec<String> = plan
        .tables
        .iter()
        .flat_map(|t| t.table.header_cells_as(plan.provenance, plan.ids))
        .collect();
    if cells.iter().any(|c| c.contains("{id-type:")) {
        features.push(Feature {
            feature: "an id-type per ID group ({id-type:...} in a header)".into(),
            min_version: "5.1.0".into(),
            edition: None,
            broken: Vec::new(),
            instead: None,
        });
    }
    if plan.format.is_parquet() {
        let allow = Some("ALLOW_PARQUET_LABEL_BUG".to_string());
        features.push(Feature {
            feature: "Parquet input (--input-type=parquet)".into(),
            min_version: "5.26.0".into(),
            edition: None,
            broken: vec![
                Broken {
                    from: "5.26.0".into(),
                    below: "5.26.26".into(),
                    why: "its Parquet import corrupts :LABEL values".into(),
                    allow_env: allow.clone(),
                },
                Broken {
                    from: "2025.01.0".into(),
                    below: "2025.04.0".into(),
                    why: "its Parquet import corrupts :LABEL values or crashes".into(),
                    allow_env: allow,
                },
                // Seen with a real 2025.12.1: every string[] column (tags,
                // sources) stops the import with "[] is not a supported
                // property value". Releases between were not tried.
                Broken {
                    from: "2025.04.0".into(),
                    below: String::new(),
                    why: "its Parquet reader refuses list columns (seen on 2025.12.1)".into(),
                    allow_env: None,
                },
            ],
            instead: Some("a CSV bundle (cmdbgen generate --format csv)".into()),
        });
    }
    let min_version = features
        .iter()
        .map(|f| f.min_version.clone())
        .max_by_key(|v| version_key(v))
        .unwrap_or_else(|| "5.0.0".into());
    let edition = if features
        .iter()
        .any(|f| f.edition.as_deref() == Some("enterprise"))
    {
        "enterprise"
    } else {
        "community"
    };
    Neo4jNeeds {
        min_version,
        edition: edition.into(),
        features,
    }
}

/// The node kinds of a plan, in plan order.
pub fn node_kinds(plan: &Plan) -> Vec<crate::model::NodeKind> {
    plan.tables
        .iter()
        .filter_map(|t| match t.table {
            Table::Node(k) => Some(k),
            Table::Rel(_) => None,
        })
        .collect()
}

/// The files written beside the data, with their bytes: `import.args`,
/// `import.sh` and `schema.cypher`. Every bundle writer writes exactly these.
pub fn side_files(
    plan: &Plan,
    import: &Import,
    needs: &Neo4jNeeds,
) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (ARGS_FILE, (import.args.join("\n") + "\n").into_bytes()),
        (SCRIPT_FILE, import_script(needs).into_bytes()),
        (
            SCHEMA_FILE,
            crate::schema::render(&node_kinds(plan), plan.provenance).into_bytes(),
        ),
    ]
}

/// What the manifest records of a file written from memory.
pub fn file_info(path: &str, bytes: &[u8]) -> FileInfo {
    FileInfo {
        path: path.to_string(),
        rows: 0,
        bytes: bytes.len() as u64,
        xxh3: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes)),
        companions: Vec::new(),
    }
}

/// The manifest's `scripts`: the side files `validate` compares byte for
/// byte (`import.args` is checked by what it names instead).
pub fn scripts_of(files: &[(&'static str, Vec<u8>)]) -> Vec<FileInfo> {
    files
        .iter()
        .filter(|(name, _)| *name != ARGS_FILE)
        .map(|(name, bytes)| file_info(name, bytes))
        .collect()
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
pub fn import_args(format: Format, ids: Ids, tables: &[TableEntry]) -> Vec<String> {
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
    args.push(ids.id_type_arg().to_string());
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
                let omit = companion::omit_of(t.table, plan.provenance, &c.path)
                    .expect("a companion's own folder");
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
            let folder = companion::folder(t.table, plan.provenance, omit);
            let name = format!(
                "{}/{}",
                t.table.name(),
                folder.rsplit('/').next().unwrap_or("")
            );
            let header = header_of(&format!("{folder}/header.csv"));
            let omits = companion::omitted_names(t.table, plan.provenance, omit);
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
    let args = import_args(plan.format, plan.ids, &tables);
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
        neo4j: Some(neo4j_needs(plan)),
        scripts: Vec::new(),
    }
}

/// The table of a manifest entry's name.
pub fn table_of(name: &str) -> Option<Table> {
    crate::model::NodeKind::from_name(name)
        .map(Table::Node)
        .or_else(|| RelKind::from_name(name).map(Table::Rel))
}

/// The import script written into every bundle. It refuses a neo4j-admin
/// older than `needs` (or one of its known-broken releases) before running
/// anything; the same facts are in the manifest's `neo4j` entry.
pub fn import_script(needs: &Neo4jNeeds) -> String {
    let mut checks = String::new();
    for f in &needs.features {
        let instead = f.instead.as_deref().unwrap_or("");
        checks.push_str(&format!(
            "need {} {} {}\n",
            shell_word(&f.min_version),
            shell_word(&f.feature),
            shell_word(instead)
        ));
        for b in &f.broken {
            checks.push_str(&format!(
                "broken {} {} {} {} {}\n",
                shell_word(&b.from),
                shell_word(&b.below),
                shell_word(&f.feature),
                shell_word(&b.why),
                shell_word(b.allow_env.as_deref().unwrap_or(""))
            ));
        }
    }
    format!(
        r#"#!/usr/bin/env bash
# Imports this bundle with neo4j-admin (Neo4j 5.x). Written by cmdbgen.
#   DATABASE=neo4j ./import.sh [extra neo4j-admin options, e.g. --overwrite-destination]
# neo4j-admin is taken from NEO4J_HOME/bin, else from PATH. The database name
# comes first, as neo4j-admin 5 requires; paths in {ARGS_FILE} are relative to
# this folder, so the script runs from here. Afterwards, with the server
# running: cypher-shell -d "${{DATABASE:-neo4j}}" -f {SCHEMA_FILE}
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
# The releases that can read this bundle ("neo4j" in {FILE}).
VERSION_TEXT="$("$ADMIN" --version 2>&1)" || {{ echo "import.sh: '$ADMIN --version' failed: $VERSION_TEXT" >&2; exit 2; }}
[[ "$VERSION_TEXT" =~ ([0-9]+)\.([0-9]+)(\.([0-9]+))? ]] || {{ echo "import.sh: no version in: $VERSION_TEXT" >&2; exit 2; }}
HAVE="${{BASH_REMATCH[1]}}.${{BASH_REMATCH[2]}}.${{BASH_REMATCH[4]:-0}}"
key() {{ local IFS=.; set -- $1; echo $(( 10#$1 * 100000000 + 10#${{2:-0}} * 10000 + 10#${{3:-0}} )); }}
need() {{ # MIN FEATURE INSTEAD
  [ "$(key "$HAVE")" -ge "$(key "$1")" ] && return 0
  echo "import.sh: this bundle needs Neo4j $1 or later for $2; neo4j-admin here is $HAVE${{3:+. Use $3}}" >&2
  exit 2
}}
broken() {{ # FROM BELOW FEATURE WHY ALLOW_ENV (an empty BELOW: no fixed release known)
  [ "$(key "$HAVE")" -ge "$(key "$1")" ] && {{ [ -z "$2" ] || [ "$(key "$HAVE")" -lt "$(key "$2")" ]; }} || return 0
  [ -n "$5" ] && [ "${{!5:-0}}" = 1 ] && return 0
  if [ -n "$2" ]; then
    echo "import.sh: Neo4j $HAVE cannot be trusted with $3: $4 (releases $1 up to $2); use $2 or later${{5:+, or set $5=1}}" >&2
  else
    echo "import.sh: Neo4j $HAVE cannot be trusted with $3: $4 (releases $1 on; no fixed release known); use an earlier supported release or a CSV bundle${{5:+, or set $5=1}}" >&2
  fi
  exit 2
}}
{checks}exec "$ADMIN" database import full "${{DATABASE:-neo4j}}" @{ARGS_FILE} "$@"
"#
    )
}

/// `s` as one single-quoted shell word.
fn shell_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version_key("5.26.26") > version_key("5.26.3"));
        assert!(version_key("2025.01.0") > version_key("5.26.30"));
        assert!(version_key("2025.04.0") > version_key("2025.03.9"));
        assert_eq!(version_key("5.3"), [5, 3, 0]);
    }

    fn parquet_needs() -> Neo4jNeeds {
        let plan = Plan::new(
            &crate::gen::World::new(&Profile::load("tiny").unwrap()),
            Format::Parquet {
                codec: crate::write::parquet::Codec::Snappy,
                row_group_rows: 1000,
            },
            ShardSize::Rows(1000),
        );
        neo4j_needs(&plan)
    }

    #[test]
    fn parquet_needs_5_26_and_names_the_label_bug() {
        let n = parquet_needs();
        assert_eq!(n.min_version, "5.26.0");
        assert_eq!(n.edition, "community");
        let f = &n.features[1];
        assert_eq!(f.min_version, "5.26.0");
        assert_eq!(f.broken[0].below, "5.26.26");
        assert_eq!(f.broken[1].from, "2025.01.0");
        assert!(f.instead.as_deref().unwrap().contains("--format csv"));
    }

    #[test]
    fn the_import_script_checks_the_version_before_it_imports() {
        let script = import_script(&parquet_needs());
        let need = script
            .find("\nneed '5.26.0' 'Parquet input (--input-type=parquet)' 'a CSV bundle (cmdbgen generate --format csv)'\n")
            .expect(&script);
        let broken = script.find("\nbroken '5.26.0' '5.26.26' ").expect(&script);
        let exec = script.find("\nexec ").unwrap();
        assert!(need < exec && broken < exec);
        assert!(script.contains("'ALLOW_PARQUET_LABEL_BUG'\n"), "{script}");
        let o = std::process::Command::new("bash")
            .args(["-n", "-c", &script])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}
