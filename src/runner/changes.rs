//! Writing a day's change set: one folder per table (`nodes/Server`,
//! `relationships/…`, `updates/Server`, `deletes/Server`) with a header file
//! and sharded CSV or JSON lines, an optional set of neo4j-admin
//! *incremental* import files for the additions, and `manifest.json` last.
//! Every file is written under a temporary name and renamed when complete,
//! so a change set is complete if and only if its manifest exists. The rows
//! are rendered by `write::changes`; this module runs the folder's life.

use crate::bundle;
use crate::changes::{ChangeSet, ChangeTable, Op};
use crate::error::Usage;
use crate::manifest::{Import, TableEntry, Totals};
use crate::model::{NodeKind, Provenance};
use crate::plan::split;
use crate::profile::Profile;
use crate::write::changes::{put_row, ChangeFormat};
use crate::write::{csv, durable, write_atomic, AtomicFile, FileInfo};
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::Path;

pub use crate::changes::{INCREMENTAL_ARGS, KIND};
const MARKER: &str = "changes.json";

/// Everything that determines the bytes of a change set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeKey {
    /// cmdbgen's version.
    pub version: String,
    /// The base profile (with the effective seed).
    pub profile: Profile,
    /// The day, from 1.
    pub day: u64,
    /// Data format.
    pub format: ChangeFormat,
    /// Whether neo4j-admin incremental files are included.
    pub incremental: bool,
    /// Rows per shard file.
    pub shard_rows: u64,
}

impl ChangeKey {
    /// A short hex fingerprint of the key.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&json))
    }
}

/// A table of a change set in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeEntry {
    /// `nodes`, `relationships`, `updates` or `deletes`.
    pub op: String,
    /// The table, as in a bundle's manifest.
    #[serde(flatten)]
    pub table: TableEntry,
}

/// The manifest of a change set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeManifest {
    /// Always `cmdbgen`.
    pub tool: String,
    /// Always [`KIND`].
    pub kind: String,
    /// The fingerprint of [`ChangeKey`].
    pub fingerprint: String,
    /// What determines the bytes.
    pub changes: ChangeKey,
    /// Totals: `nodes` counts rows of node tables (new, updated, deleted).
    pub totals: Totals,
    /// Tables in apply order.
    pub tables: Vec<ChangeEntry>,
    /// True when the change set only adds (no update or delete rows): only
    /// then may neo4j-admin's incremental import apply it.
    pub additions_only: bool,
    /// The neo4j-admin incremental import of the additions, if written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub incremental: Option<Import>,
    /// The files under `incremental/` (headers, and CSV copies of JSON lines).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub incremental_files: Vec<FileInfo>,
    /// `schema.cypher` as written: the constraints and indexes of the kinds
    /// the change set touches (incremental import needs the constraints).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub scripts: Vec<FileInfo>,
}

/// What a run did.
#[derive(Debug)]
pub struct ChangeOutcome {
    /// The manifest.
    pub manifest: ChangeManifest,
    /// The change set was already complete; nothing was written.
    pub already_complete: bool,
    /// Files of the complete change set found damaged (all were written
    /// again).
    pub repaired: Vec<bundle::Damage>,
}

/// What to do in the output folder.
enum Prepared {
    /// The same change set is complete and whole.
    Complete(Box<ChangeManifest>),
    /// Write it; `repair` lists what was found damaged in the complete one.
    Write { repair: Vec<bundle::Damage> },
}

/// Checks the complete change set: every listed file by size (and xxh3
/// with `verify`), and `incremental.args` by content.
fn damage_of(out: &Path, m: &ChangeManifest, verify: bool) -> Vec<bundle::Damage> {
    let files: Vec<&FileInfo> = m
        .tables
        .iter()
        .flat_map(|t| std::iter::once(&t.table.header).chain(&t.table.shards))
        .chain(&m.incremental_files)
        .collect();
    let mut damage = bundle::check(out, &files, verify);
    if let Some(inc) = &m.incremental {
        let args = inc.args.join("\n") + "\n";
        damage.extend(bundle::check_exact(out, INCREMENTAL_ARGS, args.as_bytes()));
    }
    damage
}

/// Decides what to do with an existing folder. Whatever it holds is
/// retired (marker first, then the old manifest, then cmdbgen's old files)
/// before this change set is written: nothing of a change set is kept.
fn prepare(out: &Path, key: &ChangeKey, force: bool, verify: bool) -> Result<Prepared> {
    let fp = key.fingerprint();
    let mut repair = Vec::new();
    if !super::open_folder(out)? {
        bundle::claim(out, MARKER, fp.as_bytes())?;
        return Ok(Prepared::Write { repair });
    }
    let refuse = |what: &str| -> Result<Prepared> {
        Err(Usage(format!(
            "{} already holds {what}; use another --out, or --force to replace cmdbgen's files there",
            out.display()
        ))
        .into())
    };
    let marker = out.join(bundle::STATE_DIR).join(MARKER);
    match bundle::manifest_in(out)? {
        bundle::Found::Foreign(why) => return Err(bundle::foreign_manifest(out, &why)),
        bundle::Found::Changes(theirs) if theirs == fp => {
            let path = out.join(crate::manifest::FILE);
            let text =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let m: ChangeManifest = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a cmdbgen manifest", path.display()))?;
            repair = damage_of(out, &m, verify);
            if repair.is_empty() {
                // A marker left by a crash right after the manifest is stale.
                let state = out.join(bundle::STATE_DIR);
                if marker.exists() {
                    fs::remove_dir_all(&state)
                        .with_context(|| format!("removing {}", state.display()))?;
                }
                return Ok(Prepared::Complete(Box::new(m)));
            }
        }
        bundle::Found::Absent => {
            if marker.exists() {
                let theirs = fs::read_to_string(&marker).unwrap_or_default();
                if theirs.trim() != fp && !force {
                    return refuse(
                        "an unfinished change set of another profile, seed, day or format",
                    );
                }
            } else {
                let s = bundle::scan(out)?;
                if !s.is_empty() && !force {
                    return refuse(&bundle::unvouched(&s));
                }
            }
        }
        bundle::Found::Changes(_) if !force => {
            return refuse("a change set of another profile, seed, day or format")
        }
        other if !force => return refuse(other.describe()),
        _ => {}
    }
    bundle::claim(out, MARKER, fp.as_bytes())?;
    bundle::retire(out, &[MARKER])?;
    Ok(Prepared::Write { repair })
}

/// One shard to write.
struct Job {
    table: ChangeTable,
    rows: std::ops::Range<u64>,
    path: String,
    format: ChangeFormat,
}

fn write_shard(cs: &ChangeSet<'_>, out: &Path, job: &Job) -> Result<FileInfo> {
    let path = out.join(&job.path);
    let mut f = AtomicFile::create(&path)?;
    let mut buf = Vec::with_capacity(1 << 20);
    let mut row = Vec::with_capacity(32);
    let columns = job.table.columns(cs.world().provenance());
    for i in job.rows.clone() {
        row.clear();
        cs.row(job.table, i, &mut row);
        put_row(job.format, columns, &row, &mut buf);
        if buf.len() >= 1 << 20 {
            f.write_all(&buf)?;
            buf.clear();
        }
    }
    f.write_all(&buf)?;
    let (bytes, hash) = f
        .commit()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(FileInfo {
        path: job.path.clone(),
        rows: job.rows.end - job.rows.start,
        bytes,
        xxh3: format!("{hash:016x}"),
        companions: Vec::new(),
    })
}

fn entry(t: ChangeTable, rows: u64, header: FileInfo, shards: Vec<FileInfo>) -> ChangeEntry {
    let (kind, label_or_type, start, end) = match t {
        ChangeTable::Rels(r) | ChangeTable::Moves(r) => {
            let s = r.spec();
            (
                "relationship",
                s.rel_type.to_string(),
                Some(s.start.name().to_string()),
                Some(s.end.name().to_string()),
            )
        }
        _ => (
            "node",
            t.node_kind().map(|k| k.name()).unwrap_or_default().into(),
            None,
            None,
        ),
    };
    ChangeEntry {
        op: t.op().name().to_string(),
        table: TableEntry {
            name: t.name(),
            kind: kind.to_string(),
            label_or_type,
            start,
            end,
            rows,
            omits: Vec::new(),
            header,
            shards,
        },
    }
}

/// The ID groups that relationships of `tables` start or end in but no new
/// nodes of `tables` declare, in model order.
fn undeclared_groups(tables: &[ChangeTable]) -> Vec<NodeKind> {
    let declared: Vec<NodeKind> = tables
        .iter()
        .filter_map(|t| match t {
            ChangeTable::Nodes(k) => Some(*k),
            _ => None,
        })
        .collect();
    NodeKind::ALL
        .into_iter()
        .filter(|k| !declared.contains(k))
        .filter(|k| {
            tables.iter().any(|t| match t {
                ChangeTable::Rels(r) => r.spec().start == *k || r.spec().end == *k,
                _ => false,
            })
        })
        .collect()
}

/// Each table's header file (written now) and its shard jobs.
fn table_jobs(
    cs: &ChangeSet<'_>,
    key: &ChangeKey,
    out: &Path,
    tables: &[ChangeTable],
) -> Result<(Vec<FileInfo>, Vec<Job>)> {
    let mut headers = Vec::new();
    let mut jobs = Vec::new();
    let ext = key.format.extension();
    for &t in tables {
        let dir = t.dir();
        fs::create_dir_all(out.join(&dir)).with_context(|| format!("creating {dir}"))?;
        let header = format!("{dir}/header.csv");
        let mut info = write_atomic(
            out,
            &header,
            &csv::header_line(&t.header_cells(cs.world().provenance(), false)),
        )?;
        info.path = header;
        headers.push(info);
        for (s, rows) in split(cs.rows(t), key.shard_rows).into_iter().enumerate() {
            jobs.push(Job {
                table: t,
                rows,
                path: format!("{dir}/part-{s:05}.{ext}"),
                format: key.format,
            });
        }
    }
    Ok((headers, jobs))
}

/// The incremental import's inputs: a header with `{label:…}` per table of
/// new nodes or relationships (the data parts are shared when they are CSV;
/// JSON lines get CSV copies, added to `jobs`), a header-only input per ID
/// group the day links to without adding to it, and neo4j-admin's arguments.
/// Returns (arguments, header files).
fn incremental_inputs(
    cs: &ChangeSet<'_>,
    key: &ChangeKey,
    out: &Path,
    tables: &[ChangeTable],
    jobs: &mut Vec<Job>,
) -> Result<(Vec<String>, Vec<FileInfo>)> {
    let mut inc_args = Vec::new();
    let mut inc_files = Vec::new();
    let mut rel_args = Vec::new();
    for &t in tables
        .iter()
        .filter(|t| matches!(t.op(), Op::Nodes | Op::Relationships))
    {
        let dir = t.dir();
        let inc_dir = format!("incremental/{dir}");
        fs::create_dir_all(out.join(&inc_dir)).with_context(|| format!("creating {inc_dir}"))?;
        let header = format!("{inc_dir}/header.csv");
        let mut info = write_atomic(
            out,
            &header,
            &csv::header_line(&t.header_cells(cs.world().provenance(), true)),
        )?;
        info.path = header.clone();
        inc_files.push(info);
        let parts_dir = match key.format {
            ChangeFormat::Csv => dir.clone(),
            ChangeFormat::Jsonl => {
                for (s, rows) in split(cs.rows(t), key.shard_rows).into_iter().enumerate() {
                    jobs.push(Job {
                        table: t,
                        rows,
                        path: format!("{inc_dir}/part-{s:05}.csv"),
                        format: ChangeFormat::Csv,
                    });
                }
                inc_dir.clone()
            }
        };
        let files = format!("{header},{parts_dir}/part-[0-9]+[.]csv");
        match t {
            ChangeTable::Rels(r) => {
                rel_args.push(format!("--relationships={}={files}", r.spec().rel_type))
            }
            _ => inc_args.push(format!("--nodes={files}")),
        }
    }
    // neo4j-admin only knows the ID groups that node inputs declare, and
    // a day may link to kinds it adds none of (HOSTED_IN → DataCenter):
    // a header-only input declares each such group.
    for k in undeclared_groups(tables) {
        let header = format!("incremental/groups/{}/header.csv", k.name());
        fs::create_dir_all(out.join(format!("incremental/groups/{}", k.name())))
            .with_context(|| format!("creating the folder of {header}"))?;
        let cell = format!("id:ID({0}){{label:{0}}}", k.name());
        let mut info = write_atomic(out, &header, &csv::header_line(&[cell]))?;
        info.path = header.clone();
        inc_files.push(info);
        inc_args.push(format!("--nodes={header}"));
    }
    inc_args.append(&mut rel_args);
    inc_args.extend(
        [
            "--id-type=string",
            "--delimiter=,",
            "--array-delimiter=;",
            "--skip-duplicate-nodes=false",
            "--skip-bad-relationships=false",
            "--bad-tolerance=0",
            "--report-file=import.report",
        ]
        .map(String::from),
    );
    Ok((inc_args, inc_files))
}

/// The manifest entry of each table (its header and written shards), and
/// the totals: (entries, totals).
fn entries_and_totals(
    cs: &ChangeSet<'_>,
    tables: &[ChangeTable],
    headers: Vec<FileInfo>,
    written: &[FileInfo],
) -> (Vec<ChangeEntry>, Totals) {
    let mut entries = Vec::new();
    let (mut nodes, mut rels, mut files, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    for (t, header) in tables.iter().zip(headers) {
        let prefix = format!("{}/", t.dir());
        let shards: Vec<FileInfo> = written
            .iter()
            .filter(|f| f.path.starts_with(&prefix))
            .cloned()
            .collect();
        let rows = cs.rows(*t);
        if t.op().is_rel() {
            rels += rows;
        } else {
            nodes += rows;
        }
        files += 1 + shards.len() as u64;
        bytes += header.bytes + shards.iter().map(|f| f.bytes).sum::<u64>();
        entries.push(entry(*t, rows, header, shards));
    }
    let totals = Totals {
        nodes,
        relationships: rels,
        files,
        bytes,
    };
    (entries, totals)
}

/// `schema.cypher` for every kind the change set touches, relationship ends
/// included (the constraints back the lookups by id that apply and
/// incremental import do); synced now, as the data files already are.
fn schema_script(out: &Path, tables: &[ChangeTable], p: Provenance) -> Result<Vec<FileInfo>> {
    let kinds: Vec<NodeKind> = tables
        .iter()
        .flat_map(|t| match t {
            ChangeTable::Rels(r) | ChangeTable::Moves(r) => vec![r.spec().start, r.spec().end],
            _ => t.node_kind().into_iter().collect(),
        })
        .collect();
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let schema = crate::schema::render(&kinds, p);
    durable::write_file(&out.join(crate::schema::FILE), schema.as_bytes(), false)?;
    Ok(vec![crate::manifest::file_info(
        crate::schema::FILE,
        schema.as_bytes(),
    )])
}

/// Writes change set `cs` into `out`. `force` replaces another run's files;
/// `verify` checks a complete change set's xxh3s, not only its sizes.
pub fn write_change_set(
    cs: &ChangeSet<'_>,
    key: &ChangeKey,
    out: &Path,
    force: bool,
    verify: bool,
) -> Result<ChangeOutcome> {
    let repaired = match prepare(out, key, force, verify)? {
        Prepared::Complete(manifest) => {
            return Ok(ChangeOutcome {
                manifest: *manifest,
                already_complete: true,
                repaired: Vec::new(),
            })
        }
        Prepared::Write { repair } => repair,
    };
    let marker_dir = out.join(bundle::STATE_DIR);
    let tables = cs.tables();
    let (headers, mut jobs) = table_jobs(cs, key, out, &tables)?;
    let (inc_args, mut inc_files) = if key.incremental {
        incremental_inputs(cs, key, out, &tables, &mut jobs)?
    } else {
        (Vec::new(), Vec::new())
    };
    let written: Vec<FileInfo> = jobs
        .par_iter()
        .map(|j| {
            let info = write_shard(cs, out, j)?;
            durable::crash_point("shard");
            Ok(info)
        })
        .collect::<Result<_>>()?;
    let (entries, totals) = entries_and_totals(cs, &tables, headers, &written);
    durable::settle(out).context("syncing the change set's files to disk")?;
    let incremental = key.incremental.then(|| {
        durable::write_file(
            &out.join(INCREMENTAL_ARGS),
            (inc_args.join("\n") + "\n").as_bytes(),
            false,
        )
        .map(|()| Import {
            args: inc_args.clone(),
            command: format!(
                "neo4j-admin database import incremental --force ${{DATABASE:-neo4j}} @{INCREMENTAL_ARGS}"
            ),
        })
    });
    let incremental = incremental.transpose()?;
    inc_files.extend(
        written
            .iter()
            .filter(|f| f.path.starts_with("incremental/"))
            .cloned(),
    );
    let scripts = schema_script(out, &tables, cs.world().provenance())?;
    let manifest = ChangeManifest {
        tool: "cmdbgen".into(),
        kind: KIND.into(),
        fingerprint: key.fingerprint(),
        changes: key.clone(),
        totals,
        additions_only: entries.iter().all(|e| {
            !matches!(e.op.as_str(), "updates" | "moves" | "deletes") || e.table.rows == 0
        }),
        tables: entries,
        incremental,
        incremental_files: inc_files,
        scripts,
    };
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    bundle::write_manifest(&out.join(crate::manifest::FILE), &json)?;
    fs::remove_dir_all(&marker_dir).context("removing the run marker")?;
    Ok(ChangeOutcome {
        manifest,
        already_complete: false,
        repaired,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RelKind;

    #[test]
    fn groups_a_day_links_to_without_new_nodes_are_declared() {
        let t = [
            ChangeTable::Nodes(NodeKind::Server),
            ChangeTable::Rels(RelKind::ServerHostedInDataCenter),
            ChangeTable::Rels(RelKind::EventAffectsServer),
            ChangeTable::Updates(NodeKind::Region),
        ];
        // Server has new nodes; DataCenter and Event are only referred to;
        // updates are not part of the increment.
        assert_eq!(
            undeclared_groups(&t),
            vec![NodeKind::DataCenter, NodeKind::Event]
        );
        assert!(undeclared_groups(&t[..1]).is_empty());
    }
}
