//! `cmdbgen export-sources`: what each source of a multi-source profile
//! would export, one folder per source with a `mapping.toml` that
//! `cmdbgen ingest` reads (docs/sources.md).
//!
//! Each table is one streaming pass over its rows that feeds every source's
//! file of that table at once; tables run in parallel. Files appear under
//! their final names only when complete, and the output does not depend on
//! the thread count.

use crate::error::{exit, Usage};
use crate::gen::{Value, World};
use crate::model::{ColKind, Column, NodeKind, Provenance, RelKind, Shape, Table};
use crate::write::{csv, AtomicFile, CsvRows, RowWriter};
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of `cmdbgen export-sources`.
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// A profile TOML file with a `[merge]` table (docs/sources.md).
    #[arg(long)]
    profile: String,
    /// The output folder: one sub-folder per source.
    #[arg(long)]
    out: PathBuf,
    /// Override the profile's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores; at most 8 per core). The output
    /// does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

/// The columns of the world's rows: export-sources takes multi-source
/// profiles only, which always carry every provenance column.
const ROWS: Provenance = Provenance::Full;

/// The exported columns of a kind's attributes: every property but the
/// natural key and the source tags.
fn attributes(kind: NodeKind) -> Vec<(usize, &'static Column)> {
    kind.columns(ROWS)
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            matches!(c.kind, ColKind::Prop(_))
                && !["name", "source", "sources", "observed_at"].contains(&c.name)
        })
        .collect()
}

/// A relationship family's own properties (after the source tags).
fn rel_props(r: RelKind) -> Vec<(usize, &'static Column)> {
    r.columns(ROWS)
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            matches!(c.kind, ColKind::Prop(_))
                && !["source", "sources", "observed_at"].contains(&c.name)
        })
        .collect()
}

/// The natural-key column of a kind's export file.
fn key_column(kind: NodeKind) -> &'static str {
    if kind.is_ci() {
        "name"
    } else {
        "id"
    }
}

/// The tables a source exports: the kinds it lists (with items) and the
/// families starting at them (no keep-all audit families).
fn tables_of(world: &World, x: usize) -> Vec<Table> {
    let kinds = &world.profile().sources[x].kinds;
    let has = |k: NodeKind| kinds.contains(&k) && world.count(k) > 0;
    NodeKind::ESTATE
        .into_iter()
        .filter(|&k| has(k))
        .map(Table::Node)
        .chain(
            RelKind::ALL
                .into_iter()
                .filter(|r| r.spec().shape != Shape::Reports && has(r.spec().start))
                .filter(|&r| world.rows(Table::Rel(r)) > 0)
                .map(Table::Rel),
        )
        .collect()
}

fn file_name(t: Table) -> String {
    format!("{}.csv", t.name())
}

/// The text of source `x`'s mapping file.
pub(super) fn mapping(world: &World, x: usize) -> String {
    let mut s = String::new();
    let src = &world.profile().sources[x];
    let _ = writeln!(
        s,
        "# Written by cmdbgen export-sources: what source '{}' exports.\npriority = {}\n",
        src.name, src.priority
    );
    for t in tables_of(world, x) {
        match t {
            Table::Node(k) => {
                let _ = writeln!(
                    s,
                    "[[nodes]]\nkind = \"{k}\"\nfile = \"{}\"\nkey = \"{}\"\nlabels = \"labels\"\nobserved_at = \"observed_at\"\n[nodes.columns]",
                    file_name(t),
                    key_column(k)
                );
                for (_, c) in attributes(k) {
                    let _ = writeln!(s, "{0} = \"{0}\"", c.name);
                }
            }
            Table::Rel(r) => {
                let spec = r.spec();
                let _ = writeln!(
                    s,
                    "[[relationships]]\ntype = \"{}\"\nstart = \"{}\"\nend = \"{}\"\nfile = \"{}\"\nstart_key = \"start\"\nend_key = \"end\"\nobserved_at = \"observed_at\"\n[relationships.columns]",
                    spec.rel_type,
                    spec.start,
                    spec.end,
                    file_name(t)
                );
                for (_, c) in rel_props(r) {
                    let _ = writeln!(s, "{0} = \"{0}\"", c.name);
                }
            }
        }
        s.push('\n');
    }
    s
}

/// The header cells of a table's export file.
fn header(t: Table) -> Vec<String> {
    let mut h: Vec<String> = Vec::new();
    match t {
        Table::Node(k) => {
            h.push(key_column(k).into());
            h.push("labels".into());
            h.extend(attributes(k).iter().map(|(_, c)| c.name.to_string()));
        }
        Table::Rel(r) => {
            h.push("start".into());
            h.push("end".into());
            h.extend(rel_props(r).iter().map(|(_, c)| c.name.to_string()));
        }
    }
    h.push("observed_at".into());
    h
}

type Writer = CsvRows<AtomicFile>;

/// Writes every source's file of table `t` in one pass; returns the rows
/// written per source.
fn export_table(world: &World, out: &Path, t: Table, owners: &[usize]) -> Result<Vec<u64>> {
    let n = world.source_names().len();
    let mut writers: Vec<Option<Writer>> = (0..n).map(|_| None).collect();
    for &x in owners {
        let path = out.join(&world.source_names()[x]).join(file_name(t));
        let mut f = AtomicFile::create_with(&path, crate::write::FileOptions::UNSYNCED)?;
        f.write_all(&csv::header_line(&header(t)))?;
        writers[x] = Some(CsvRows::new(f));
    }
    let mut counts = vec![0u64; n];
    let mut row: Vec<Value<'_>> = Vec::with_capacity(32);
    let mut cells: Vec<Value<'_>> = Vec::with_capacity(32);
    match t {
        Table::Node(k) => {
            let attrs = attributes(k);
            let src = k
                .columns(ROWS)
                .iter()
                .position(|c| c.name == "source")
                .unwrap_or(0);
            let key = if k.is_ci() { 2 } else { 0 };
            for i in 0..world.count(k) {
                let mut mask = world.reporter_mask(k, i);
                while mask != 0 {
                    let x = mask.trailing_zeros() as usize;
                    mask &= mask - 1;
                    let Some(w) = writers[x].as_mut() else {
                        continue;
                    };
                    row.clear();
                    world.report_row(k, i, x, &mut row);
                    cells.clear();
                    // The natural key: a CI's name, an event's id.
                    cells.push(if k.is_ci() {
                        row[key]
                    } else {
                        Value::Id {
                            prefix: k.id_prefix(),
                            n: i,
                        }
                    });
                    cells.push(row[1]);
                    cells.extend(attrs.iter().map(|&(c, _)| row[c]));
                    cells.push(row[src + 2]);
                    w.write_row(&cells)?;
                    counts[x] += 1;
                }
            }
        }
        Table::Rel(r) => {
            let spec = r.spec();
            let props = rel_props(r);
            let mut rows = world.rel_rows(r, 0);
            let mut current: Option<(u64, Value<'_>, Option<crate::gen::Reports>)> = None;
            loop {
                row.clear();
                if !rows.next_row(&mut row) {
                    break;
                }
                let Some((s, e)) = rows.last_pair() else {
                    break;
                };
                if current.as_ref().is_none_or(|c| c.0 != s) {
                    let name = world.natural_key(spec.start, s);
                    current = Some((s, name, world.reports(spec.start, s)));
                }
                let Some((_, start, Some(reports))) = &current else {
                    continue;
                };
                let end = world.natural_key(spec.end, e);
                for rep in reports.list() {
                    let Some(w) = writers[rep.source].as_mut() else {
                        continue;
                    };
                    cells.clear();
                    cells.push(*start);
                    cells.push(end);
                    cells.extend(props.iter().map(|&(c, _)| row[c]));
                    cells.push(Value::DateTime(rep.observed_at));
                    w.write_row(&cells)?;
                    counts[rep.source] += 1;
                }
            }
        }
    }
    for w in writers.into_iter().flatten() {
        w.finish()?.commit()?;
    }
    Ok(counts)
}

/// Writes every source's export of `world` into `out`.
pub(super) fn export(world: &World, out: &Path) -> Result<Vec<(String, u64)>> {
    let names = world.source_names();
    for name in names {
        let dir = out.join(name);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tables: Vec<Table> = Table::all().collect();
    let per_table: Vec<Vec<u64>> = tables
        .par_iter()
        .map(|&t| {
            let owners: Vec<usize> = (0..names.len())
                .filter(|&x| tables_of(world, x).contains(&t))
                .collect();
            if owners.is_empty() {
                return Ok(vec![0; names.len()]);
            }
            export_table(world, out, t, &owners).with_context(|| format!("exporting {t}"))
        })
        .collect::<Result<_>>()?;
    for (x, name) in names.iter().enumerate() {
        let mut f = AtomicFile::create_with(
            &out.join(name).join("mapping.toml"),
            crate::write::FileOptions::UNSYNCED,
        )?;
        f.write_all(mapping(world, x).as_bytes())?;
        f.commit()?;
    }
    Ok(names
        .iter()
        .enumerate()
        .map(|(x, n)| (n.clone(), per_table.iter().map(|c| c[x]).sum()))
        .collect())
}

/// Runs `export-sources`.
pub(super) fn run(mut a: Args) -> Result<u8> {
    let profile = super::load_profile(&a.profile, a.seed)?;
    a.threads = super::worker_threads(a.threads)?;
    if profile.merge.is_none() {
        return Err(Usage(format!(
            "export-sources needs a multi-source profile: '{}' has no [merge] table (docs/sources.md)",
            a.profile
        ))
        .into());
    }
    // An existing folder is fine: only the per-source folders' files are
    // (re)written, each atomically.
    crate::runner::open_folder(&a.out)?;
    let world = super::build_world(&profile, a.quiet);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let rows = pool.install(|| export(&world, &a.out))?;
    if !a.quiet {
        for (name, n) in &rows {
            super::outln!("{name}: {n} rows in {}", a.out.join(name).display())?;
        }
    }
    Ok(exit::OK)
}
