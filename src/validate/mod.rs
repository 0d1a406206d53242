//! `cmdbgen validate`: checks a bundle against the neo4j-admin import format
//! (../shared/neo4j-import-spec.md) without Neo4j.
//!
//! * [`bundle`]: the manifest, its shard format, the import arguments,
//!   stray files on disk.
//! * [`files`]: what actually runs: `import.args` against the manifest's
//!   files, `import.sh` and `schema.cypher` against their hashes.
//! * [`header`]: the header grammar (written independently of
//!   `crate::model`, which it checks).
//! * [`reader`]: CSV records as neo4j-admin reads them.
//! * [`parquet`], [`ptypes`]: Parquet shards (column names as header
//!   entries, column types, values) with the arrow/parquet reader.
//! * [`values`]: value syntax per property type.
//! * [`ids`]: exact ID sets for uniqueness and dangling ends.
//! * [`source`]: opening files (gzip by magic bytes, size and xxh3).
//! * [`check`]: one CSV file at a time, and what both formats share (ids,
//!   duplicates); [`findings`]: `FILE:LINE: message` output.
//!
//! Order of work: manifest and headers first, then every node shard in
//! parallel (filling the ID sets), then every relationship shard in
//! parallel (looking their ends up). Output is in manifest order, so it does
//! not depend on the number of threads.

pub mod bundle;
pub mod changes;
pub mod check;
pub mod files;
pub mod findings;
pub mod header;
pub mod ids;
pub mod parquet;
pub mod ptypes;
pub mod reader;
pub mod source;
pub mod values;

use crate::error::Usage;
use crate::progress::{self, Reporter};
use crate::write::Counters;
use anyhow::{Context, Result};
use bundle::{DataFormat, FileEntry, Manifest, TableEntry};
use check::{Columns, DataOutcome, Ids};
use findings::FileReport;
use header::{group_name, FileKind, Header, IdType, Kind, Scalar};
use ids::{GroupKey, Store};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The manifest's file name.
const MANIFEST: &str = "manifest.json";

/// How to validate.
#[derive(Clone, Debug)]
pub struct Options {
    /// The bundle folder.
    pub dir: PathBuf,
    /// Above this many node ids the ID checks are skipped (memory bound).
    pub max_ids: u64,
    /// Problems printed at most.
    pub max_problems: usize,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Progress display on stderr.
    pub progress: progress::Mode,
    /// Print the findings and the summary as one JSON object.
    pub json: bool,
}

/// What validation found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Errors: the bundle is not valid if there is any.
    pub errors: u64,
    /// Warnings.
    pub warnings: u64,
    /// Files read.
    pub files: u64,
    /// Data rows read.
    pub rows: u64,
    /// Node ids held for the ID checks (`None` when skipped).
    pub ids: Option<u64>,
    /// Why the ID checks were skipped, if they were.
    pub ids_skipped: Option<String>,
    /// Remarks that are neither errors nor warnings (printed as `note:`).
    pub notes: Vec<String>,
}

/// A table with its parsed header.
struct Table<'m> {
    entry: &'m TableEntry,
    kind: FileKind,
    header: Option<Header>,
    cells: Vec<String>,
    /// Paths are safe to open.
    usable: bool,
}

impl Table<'_> {
    fn columns(&self) -> Option<Columns<'_>> {
        self.header.as_ref().map(|h| Columns {
            header: h,
            cells: &self.cells,
        })
    }
}

/// An ID group defined by node headers.
struct GroupDef {
    id_type: IdType,
    ids: u64,
    tables: Vec<usize>,
}

/// Validates `opts.dir`, printing problems and a summary line to `out`.
pub fn run(opts: &Options, out: &mut impl Write) -> Result<Summary> {
    let started = Instant::now();
    let dir = opts.dir.as_path();
    if !dir.is_dir() {
        return Err(Usage(format!("{} is not a folder", dir.display())).into());
    }
    // Not followed: a manifest that is a link, FIFO or device is refused
    // when it is read, naming it.
    if std::fs::symlink_metadata(dir.join(MANIFEST)).is_err() {
        return Err(Usage(format!(
            "{} is not a complete bundle: it has no {MANIFEST} (generate writes it last)",
            dir.display()
        ))
        .into());
    }
    let keep = opts.max_problems;
    let mut top = FileReport::new(MANIFEST, keep);
    let text = crate::bundle_file::read_to_string(dir, MANIFEST)
        .with_context(|| format!("reading {}", dir.join(MANIFEST).display()))?;
    if let Ok(cm) = serde_json::from_str::<changes::ChangeManifest>(&text) {
        if cm.kind == changes::KIND {
            let (reports, s) = changes::run(dir, &cm, top, keep);
            return finish(out, dir, reports, opts, s, started);
        }
    }
    let m: Manifest = match serde_json::from_str(&text) {
        Ok(m) => m,
        Err(e) => {
            top.error(
                Some(e.line() as u64),
                format!("not a cmdbgen manifest: {e}"),
            );
            let s = Summary {
                errors: 0,
                warnings: 0,
                files: 0,
                rows: 0,
                ids: None,
                ids_skipped: None,
                notes: Vec::new(),
            };
            return finish(out, dir, vec![top], opts, s, started);
        }
    };
    check_bundle(opts, out, &m, top, started)
}

/// A bundle's checks once its manifest is read: the manifest and headers,
/// node shards (filling the ID sets), relationship shards (looking their
/// ends up), then every file's findings in manifest order.
fn check_bundle(
    opts: &Options,
    out: &mut impl Write,
    m: &Manifest,
    mut top: FileReport,
    started: Instant,
) -> Result<Summary> {
    let dir = opts.dir.as_path();
    let keep = opts.max_problems;
    let counters = Arc::new(Counters::default());
    if m.tool != "cmdbgen" {
        top.error(None, format!("tool is '{}', not cmdbgen", m.tool));
    }
    let format = bundle::data_format(m, &mut top);
    let notes = codec_notes(&format, &mut top);
    let dialect = bundle::check_args(m, &format, &mut top);
    let default_id_type = header::parse_id_type(&dialect.id_type).unwrap_or_else(|| {
        top.error(None, format!("unknown --id-type={}", dialect.id_type));
        IdType::String
    });
    let shards = Shards {
        dir,
        format: &format,
        id_type: default_id_type,
        keep,
        counters: &counters,
    };

    let mut tables = tables_of(m, &mut top);
    let mut header_reports: Vec<FileReport> = tables
        .iter_mut()
        .map(|t| read_table_header(dir, t, (default_id_type, m.ids()), keep))
        .collect();
    let groups = define_groups(&tables, &mut header_reports);
    check_group_refs(&tables, &groups, &mut header_reports);

    // Ids: exact sets, unless there are too many.
    let total_ids: u64 = groups.values().map(|g| g.ids).sum();
    let mut skipped = (total_ids > opts.max_ids).then(|| {
        format!(
            "the manifest lists {total_ids} node ids, more than --max-ids {}",
            opts.max_ids
        )
    });
    let store = skipped.is_none().then(|| {
        let list: Vec<(GroupKey, u64)> = groups.iter().map(|(k, g)| (k.clone(), g.ids)).collect();
        Store::new(&list, opts.max_ids)
    });

    let total_rows = m.totals.nodes + m.totals.relationships;
    let reporter = Reporter::start(opts.progress, counters.clone(), total_rows, 0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let checked = Checked {
        shards: &shards,
        tables: &tables,
        groups: &groups,
        pool: &pool,
    };

    let node_jobs = shard_jobs(&tables, FileKind::Node);
    let node_results = checked.node_shards(&node_jobs, store.as_ref());
    let frozen = store.map(Store::freeze);
    let damaged = damaged_groups(&tables, &node_jobs, &node_results);
    if skipped.is_none() {
        skipped = frozen.as_ref().and_then(|f| f.skipped.clone());
    }
    let frozen = frozen.filter(|f| f.skipped.is_none());

    let rel_jobs = shard_jobs(&tables, FileKind::Relationship);
    let rel_results = checked.relationship_shards(&rel_jobs, frozen.as_ref(), &damaged);
    reporter.finish();
    if frozen.is_some() {
        for g in damaged.keys() {
            top.warn(
                None,
                format!(
                    "START_ID/END_ID values in ID group {} were not looked up: its node files are damaged (see their problems)",
                    group_name(g)
                ),
            );
        }
    }

    // Assemble per-file reports in manifest order.
    let mut shard_reports: HashMap<(usize, usize), FileReport> = HashMap::new();
    let mut rows_read: HashMap<usize, u64> = HashMap::new();
    for (&(ti, si), r) in node_jobs
        .iter()
        .chain(&rel_jobs)
        .zip(node_results.into_iter().chain(rel_results))
    {
        *rows_read.entry(ti).or_default() += r.rows;
        shard_reports.insert((ti, si), r.report);
    }
    if let Some(f) = &frozen {
        locate_duplicates(&shards, &tables, &groups, f, &mut shard_reports, &mut top);
    }
    check_totals(m, &tables, &mut top);
    let (reports, files) = reports_in_manifest_order(
        m,
        (top, header_reports, shard_reports),
        &tables,
        &format,
        (dir, keep),
    );
    let summary = Summary {
        errors: 0,
        warnings: 0,
        files,
        rows: rows_read.values().sum(),
        ids: frozen.as_ref().map(|f| f.size().0 as u64),
        ids_skipped: skipped,
        notes,
    };
    finish(out, dir, reports, opts, summary, started)
}

/// The (table, shard) pairs of usable tables of one kind, in manifest order.
fn shard_jobs(tables: &[Table<'_>], kind: FileKind) -> Vec<(usize, usize)> {
    tables
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == kind && t.usable)
        .flat_map(|(ti, t)| (0..t.entry.shards.len()).map(move |si| (ti, si)))
        .collect()
}

/// What both shard phases share: how to read a shard, the tables and ID
/// groups, and the worker pool.
struct Checked<'a> {
    shards: &'a Shards<'a>,
    tables: &'a [Table<'a>],
    groups: &'a BTreeMap<GroupKey, GroupDef>,
    pool: &'a rayon::ThreadPool,
}

impl Checked<'_> {
    /// Phase 1: node shards, in parallel, fill the ID sets (when kept).
    fn node_shards(&self, jobs: &[(usize, usize)], store: Option<&Store>) -> Vec<DataOutcome> {
        self.pool.install(|| {
            jobs.par_iter()
                .map(|&(ti, si)| {
                    let t = &self.tables[ti];
                    let cols = t.columns();
                    let ids = match (store, t.header.as_ref().and_then(|h| h.id_group.clone())) {
                        (Some(store), Some(group)) => Ids::Collect {
                            store,
                            id_type: self
                                .groups
                                .get(&group)
                                .map_or(IdType::String, |g| g.id_type),
                            group,
                        },
                        _ => Ids::Off,
                    };
                    self.shards.check(t, si, cols.as_ref(), &ids)
                })
                .collect()
        })
    }

    /// Phase 2: relationship shards, in parallel, look their ends up in the
    /// frozen ID sets, except in groups whose node files are damaged.
    fn relationship_shards(
        &self,
        jobs: &[(usize, usize)],
        frozen: Option<&ids::Frozen>,
        damaged: &BTreeMap<&GroupKey, ()>,
    ) -> Vec<DataOutcome> {
        self.pool.install(|| {
            jobs.par_iter()
                .map(|&(ti, si)| {
                    let t = &self.tables[ti];
                    let cols = t.columns();
                    let lookup = |g: &Option<GroupKey>| {
                        g.as_ref()
                            .filter(|g| !damaged.contains_key(g))
                            .and_then(|g| self.groups.get(g).map(|d| (g.clone(), d.id_type)))
                    };
                    let ids = match (frozen, &t.header) {
                        (Some(sets), Some(h)) => Ids::Lookup {
                            sets,
                            start: lookup(&h.start_group),
                            end: lookup(&h.end_group),
                        },
                        _ => Ids::Off,
                    };
                    self.shards.check(t, si, cols.as_ref(), &ids)
                })
                .collect()
        })
    }
}

/// ID groups whose node files could not be read completely: their ends are
/// not looked up, since each missing node would only repeat the damage.
fn damaged_groups<'t>(
    tables: &'t [Table<'_>],
    jobs: &[(usize, usize)],
    results: &[DataOutcome],
) -> BTreeMap<&'t GroupKey, ()> {
    jobs.iter()
        .zip(results)
        .filter(|(_, r)| !r.complete)
        .filter_map(|(&(ti, _), _)| tables[ti].header.as_ref()?.id_group.as_ref())
        .map(|g| (g, ()))
        .collect()
}

/// Every file's findings in the order the output lists them: the manifest,
/// import.args, the scripts, each table's header then shards, stray files;
/// and how many table files were checked.
fn reports_in_manifest_order(
    m: &Manifest,
    (top, header_reports, mut shard_reports): (
        FileReport,
        Vec<FileReport>,
        HashMap<(usize, usize), FileReport>,
    ),
    tables: &[Table<'_>],
    format: &DataFormat,
    (dir, keep): (&Path, usize),
) -> (Vec<FileReport>, u64) {
    let listed: HashSet<&str> = m
        .tables
        .iter()
        .flat_map(|t| std::iter::once(&t.header).chain(&t.shards))
        .map(|f| f.path.as_str())
        .collect();
    let mut reports = vec![top, files::check_args_file(dir, m, format, keep)];
    reports.extend(files::check_scripts(dir, m, keep));
    let mut files = 0u64;
    for (ti, (t, hr)) in tables.iter().zip(header_reports).enumerate() {
        reports.push(hr);
        files += 1;
        for si in 0..t.entry.shards.len() {
            if let Some(r) = shard_reports.remove(&(ti, si)) {
                reports.push(r);
                files += 1;
            }
        }
    }
    reports.extend(bundle::stray_files(dir, &listed, format, keep));
    (reports, files)
}

/// How shard files are read: the same for every shard of the bundle.
struct Shards<'a> {
    dir: &'a Path,
    format: &'a DataFormat,
    /// `--id-type`.
    id_type: IdType,
    keep: usize,
    counters: &'a Counters,
}

impl Shards<'_> {
    /// Checks shard `si` of table `t` in the bundle's format.
    fn check(
        &self,
        t: &Table<'_>,
        si: usize,
        cols: Option<&Columns<'_>>,
        ids: &Ids<'_>,
    ) -> DataOutcome {
        let file = check::DataFile {
            root: self.dir,
            entry: &t.entry.shards[si],
            cols,
            ids,
            keep: self.keep,
            counters: self.counters,
        };
        match self.format {
            DataFormat::Csv => check::check_data(&file),
            DataFormat::Parquet {
                codec,
                row_group_rows,
            } => {
                let expect = parquet::Expect {
                    kind: t.kind,
                    id_type: self.id_type,
                    codec: codec.as_deref(),
                    row_group_rows: *row_group_rows,
                };
                parquet::check_data(&file, &expect)
            }
        }
    }
}

/// Checks a Parquet bundle's codec name; a codec neo4j-admin is not known
/// to read is a note (fine for archives), not a problem.
fn codec_notes(format: &DataFormat, top: &mut FileReport) -> Vec<String> {
    let DataFormat::Parquet {
        codec: Some(codec), ..
    } = format
    else {
        return Vec::new();
    };
    match parquet::codec_family(codec) {
        None => {
            top.error(None, format!("run.format.codec '{codec}' is not a Parquet codec"));
            Vec::new()
        }
        Some("SNAPPY" | "UNCOMPRESSED") => Vec::new(),
        Some(family) => vec![format!(
            "the shards are compressed with {family} ({codec}); neo4j-admin is only known to read SNAPPY and uncompressed Parquet (spec §2.6): fine for archives, unverified for import"
        )],
    }
}

/// Prints the problems and the summary line.
fn finish(
    out: &mut impl Write,
    dir: &Path,
    mut reports: Vec<FileReport>,
    opts: &Options,
    mut s: Summary,
    started: Instant,
) -> Result<Summary> {
    if opts.json {
        return finish_json(out, dir, reports, opts, s, started);
    }
    let (errors, warnings) = findings::print(out, dir, &mut reports, opts.max_problems)?;
    s.errors = errors;
    s.warnings = warnings;
    for n in &s.notes {
        writeln!(out, "note: {n}")?;
    }
    if let Some(why) = &s.ids_skipped {
        writeln!(
            out,
            "note: ID uniqueness and dangling START_ID/END_ID checks SKIPPED: {why} (raise --max-ids; about 26 bytes of memory per id)"
        )?;
    }
    let verdict = if errors == 0 { "OK" } else { "FAILED" };
    writeln!(
        out,
        "validate {}: {verdict}: {errors} errors, {warnings} warnings; {} files, {} rows{} checked in {:.2}s{}",
        dir.display(),
        s.files,
        s.rows,
        match s.ids {
            Some(n) => format!(" and {n} ids"),
            None => String::new(),
        },
        started.elapsed().as_secs_f64(),
        if s.ids.is_none() {
            " (ID checks SKIPPED)"
        } else {
            ""
        },
    )?;
    Ok(s)
}

/// `validate --json`: the findings and the summary as one JSON object
/// (schema in docs/validate.md).
fn finish_json(
    out: &mut impl Write,
    dir: &Path,
    mut reports: Vec<FileReport>,
    opts: &Options,
    mut s: Summary,
    started: Instant,
) -> Result<Summary> {
    let (shown, errors, warnings, hidden) = findings::collect(dir, &mut reports, opts.max_problems);
    s.errors = errors;
    s.warnings = warnings;
    let doc = serde_json::json!({
        "bundle": dir.display().to_string(),
        "valid": errors == 0,
        "errors": errors,
        "warnings": warnings,
        "files": s.files,
        "rows": s.rows,
        "ids": s.ids,
        "ids_skipped": s.ids_skipped,
        "notes": s.notes,
        "problems": shown,
        "problems_not_shown": hidden,
        "seconds": (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    });
    writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    Ok(s)
}

/// The manifest's tables, with their paths and kinds checked.
fn tables_of<'m>(m: &'m Manifest, top: &mut FileReport) -> Vec<Table<'m>> {
    let mut names = HashSet::new();
    let mut paths = HashSet::new();
    m.tables
        .iter()
        .map(|t| {
            if !names.insert(t.name.as_str()) {
                top.error(None, format!("table {} is listed twice", t.name));
            }
            let kind = match t.kind.as_str() {
                "node" => FileKind::Node,
                "relationship" => FileKind::Relationship,
                other => {
                    top.error(None, format!("table {}: unknown kind '{other}'", t.name));
                    FileKind::Node
                }
            };
            let mut usable = true;
            for f in std::iter::once(&t.header).chain(&t.shards) {
                if !bundle::safe_path(&f.path) {
                    top.error(None, format!("table {}: unsafe path '{}'", t.name, f.path));
                    usable = false;
                } else if !paths.insert(f.path.as_str()) {
                    top.error(None, format!("{} is listed twice", f.path));
                }
            }
            let listed: u64 = t.shards.iter().map(|s| s.rows).sum();
            if listed != t.rows {
                top.error(
                    None,
                    format!(
                        "table {}: its shards list {listed} rows, the table {}",
                        t.name, t.rows
                    ),
                );
            }
            Table {
                entry: t,
                kind,
                header: None,
                cells: Vec::new(),
                usable,
            }
        })
        .collect()
}

/// Reads and parses a table's header file, and compares its ID groups with
/// the manifest's.
fn read_table_header(
    dir: &Path,
    t: &mut Table<'_>,
    (id_type, ids): (IdType, &str),
    keep: usize,
) -> FileReport {
    if !t.usable {
        return FileReport::new(&t.entry.header.path, keep);
    }
    let (mut rep, cells) = check::read_header(dir, &t.entry.header, keep);
    let Some(cells) = cells else { return rep };
    let (h, errors) = header::parse_header(&cells, t.kind, id_type);
    for e in errors {
        rep.error(Some(1), e);
    }
    let e = t.entry;
    let mut expect = |what: &str, got: &Option<Option<String>>, want: Option<&String>| {
        let got = got.as_ref().map(group_name);
        let want = want.map(|w| format!("'{w}'"));
        if got.is_some() && got != want {
            rep.error(
                Some(1),
                format!(
                    "{what} group is {}, the manifest says {}",
                    got.unwrap_or_default(),
                    want.unwrap_or_else(|| "none".into())
                ),
            );
        }
    };
    match t.kind {
        FileKind::Node => expect(":ID", &h.id_group, Some(&e.label_or_type)),
        FileKind::Relationship => {
            expect(":START_ID", &h.start_group, e.start.as_ref());
            expect(":END_ID", &h.end_group, e.end.as_ref());
        }
    }
    if t.kind == FileKind::Node && h.id_group.is_none() {
        rep.error(
            Some(1),
            "no :ID column: relationships cannot refer to these nodes",
        );
    }
    if t.kind == FileKind::Node && ids == "integer" {
        integer_id_header(&h, &mut rep);
    }
    t.header = Some(h);
    t.cells = cells;
    rep
}

/// Checks a node header of an integer-id bundle (`run.profile.ids` is
/// `integer`): its `:ID` has no name, so the integer is not stored, and the
/// string id is the plain property `id`.
fn integer_id_header(h: &Header, rep: &mut FileReport) {
    let named = h
        .entries
        .iter()
        .filter(|e| e.kind == Kind::Id)
        .find_map(|e| e.name.as_deref());
    if let Some(name) = named {
        rep.error(
            Some(1),
            format!(
                "the :ID column is named '{name}', so the integer id would be stored; \
                 the manifest says ids are integer (header ':ID(Group),id,...')"
            ),
        );
    }
    let id_prop = h.entries.iter().any(|e| {
        e.name.as_deref() == Some("id")
            && matches!(e.kind, Kind::Prop(t) if t.scalar == Scalar::String && !t.array)
    });
    if !id_prop {
        rep.error(
            Some(1),
            "no string property 'id': an integer-id bundle keeps the string id as `id`",
        );
    }
}

/// The ID groups node headers define, with their id types and sizes.
fn define_groups(tables: &[Table<'_>], reports: &mut [FileReport]) -> BTreeMap<GroupKey, GroupDef> {
    let mut groups: BTreeMap<GroupKey, GroupDef> = BTreeMap::new();
    for (ti, t) in tables.iter().enumerate() {
        let Some(h) = &t.header else { continue };
        let (Some(g), Some(id_type)) = (&h.id_group, h.id_type) else {
            continue;
        };
        let def = groups.entry(g.clone()).or_insert(GroupDef {
            id_type,
            ids: 0,
            tables: Vec::new(),
        });
        if def.id_type != id_type {
            reports[ti].error(
                Some(1),
                format!(
                    "ID group {} has a different id-type than in another node header",
                    group_name(g)
                ),
            );
        }
        def.ids += t.entry.rows;
        def.tables.push(ti);
    }
    groups
}

/// Relationship headers may only name groups that node headers define.
fn check_group_refs(
    tables: &[Table<'_>],
    groups: &BTreeMap<GroupKey, GroupDef>,
    reports: &mut [FileReport],
) {
    let available: Vec<String> = groups.keys().map(group_name).collect();
    for (ti, t) in tables.iter().enumerate() {
        let Some(h) = &t.header else { continue };
        for g in [&h.start_group, &h.end_group].into_iter().flatten() {
            if !groups.contains_key(g) {
                reports[ti].error(
                    Some(1),
                    format!(
                        "ID group {} is not defined by any node header (available: {})",
                        group_name(g),
                        available.join(", ")
                    ),
                );
            }
        }
    }
}

/// Finds every definition of the duplicated ids, in file order.
fn locate_duplicates(
    shards: &Shards<'_>,
    tables: &[Table<'_>],
    groups: &BTreeMap<GroupKey, GroupDef>,
    f: &ids::Frozen,
    shard_reports: &mut HashMap<(usize, usize), FileReport>,
    top: &mut FileReport,
) {
    for (g, (keys, count)) in &f.dups {
        let Some(def) = groups.get(g) else { continue };
        let dups: HashSet<Vec<u8>> = keys.iter().cloned().collect();
        let mut files: Vec<(&FileEntry, &Header)> = Vec::new();
        let mut slots = Vec::new();
        for &ti in &def.tables {
            let t = &tables[ti];
            let Some(h) = &t.header else { continue };
            for (si, sh) in t.entry.shards.iter().enumerate() {
                files.push((sh, h));
                slots.push((ti, si));
            }
        }
        let read: &check::IdReader = if shards.format.is_parquet() {
            &parquet::ids
        } else {
            &check::csv_ids
        };
        let found =
            check::locate_duplicates(shards.dir, &files, def.id_type, g, &dups, shards.keep, read);
        let mut located = 0u64;
        for (slot, r) in slots.into_iter().zip(found) {
            located += r.errors;
            if let Some(sr) = shard_reports.get_mut(&slot) {
                sr.absorb(r);
            }
        }
        if located < *count {
            top.error(
                None,
                format!(
                    "ID group {}: {count} duplicate id definitions in all ({located} located above)",
                    group_name(g)
                ),
            );
        }
    }
}

/// The manifest's totals against its tables (each shard's rows are
/// compared with what was read, and each table's with its shards').
fn check_totals(m: &Manifest, tables: &[Table<'_>], top: &mut FileReport) {
    let (mut nodes, mut rels, mut files, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    for t in tables {
        let e = t.entry;
        match t.kind {
            FileKind::Node => nodes += e.rows,
            FileKind::Relationship => rels += e.rows,
        }
        files += 1 + e.shards.len() as u64;
        bytes += e.header.bytes + e.shards.iter().map(|s| s.bytes).sum::<u64>();
    }
    let totals = &m.totals;
    for (what, got, want) in [
        ("nodes", nodes, totals.nodes),
        ("relationships", rels, totals.relationships),
        ("files", files, totals.files),
        ("bytes", bytes, totals.bytes),
    ] {
        if got != want {
            top.error(
                None,
                format!("totals.{what} is {want}, but the tables add up to {got}"),
            );
        }
    }
}
