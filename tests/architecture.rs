//! The module boundaries of docs/architecture.md, checked on the source
//! text: the pure core imports no writer, runner, manifest, bundle or CLI
//! and touches no files or environment; the library outside the CLI reads
//! no environment variable and keeps no global switch. Test modules (from
//! the first `#[cfg(test)]` of a file, and files that are test modules) are
//! not checked: tests may render through the writers.

use crate::util::repo;
use std::path::{Path, PathBuf};

/// The pure core: files and folders under `src/`.
const CORE: &[&str] = &[
    "gen",
    "plan.rs",
    "model.rs",
    "profile.rs",
    "changes.rs",
    "merge.rs",
    "rng.rs",
    "format.rs",
];

/// What the core must not name.
const CORE_FORBIDDEN: &[&str] = &[
    "crate::write",
    "crate::runner",
    "crate::cli",
    "crate::manifest",
    "crate::bundle",
    "clap",
    "std::fs",
    "std::env",
];

/// Files that are test modules as a whole (declared under `#[cfg(test)]`).
const TEST_FILES: &[&str] = &["gen/tests.rs"];

/// One violation: file (relative to `src/`), line number, what was found.
type Hit = (String, usize, String);

/// Every `.rs` file under `path` (or `path` itself), relative to `src/`.
fn rust_files(src: &Path, path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
            .map(|e| e.expect("a folder entry").path())
            .collect();
        entries.sort();
        for p in entries {
            rust_files(src, &p, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        let rel = path.strip_prefix(src).expect("under src").to_path_buf();
        if !TEST_FILES.iter().any(|t| rel == Path::new(t)) {
            out.push(rel);
        }
    }
}

/// The lines of a file before its first `#[cfg(test)]`, with their numbers,
/// comment lines left out and trailing comments cut.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .take_while(|(_, l)| l.trim() != "#[cfg(test)]")
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(n, l)| {
            let code = l.split(" // ").next().unwrap_or(l);
            (n + 1, code.to_string())
        })
        .collect()
}

/// Whether `word` occurs in `text` as a whole path segment.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let edge = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        edge(before) && edge(after)
    })
}

/// The forbidden paths a file's code names: written out (`crate::write::x`)
/// or through a group (`use crate::{bundle, gen}`, `use std::{env, fs}`).
fn forbidden_in(text: &str, forbidden: &[&str]) -> Vec<(usize, String)> {
    let lines = code_lines(text);
    let mut hits = Vec::new();
    for (k, (n, line)) in lines.iter().enumerate() {
        for f in forbidden {
            if has_word(line, f) {
                hits.push((*n, f.to_string()));
            }
        }
        let start = line.trim_start();
        for root in ["crate::{", "std::{"] {
            if !(start.starts_with("use ") || start.starts_with("pub use ")) || !line.contains(root)
            {
                continue;
            }
            // The whole statement, up to its `;`.
            let mut stmt = String::new();
            for (_, l) in &lines[k..] {
                stmt.push_str(l);
                if l.contains(';') {
                    break;
                }
            }
            let prefix = root.trim_end_matches('{');
            for f in forbidden {
                if let Some(name) = f.strip_prefix(prefix) {
                    if !line.contains(f) && has_word(&stmt, name) {
                        hits.push((*n, f.to_string()));
                    }
                }
            }
        }
    }
    hits
}

/// The violations of `forbidden` in the code of `paths` (under `src/`).
fn scan(src: &Path, paths: &[PathBuf], forbidden: &[&str]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for rel in paths {
        let text = std::fs::read_to_string(src.join(rel))
            .unwrap_or_else(|e| panic!("reading {}: {e}", rel.display()));
        for (n, what) in forbidden_in(&text, forbidden) {
            hits.push((rel.display().to_string(), n, what));
        }
    }
    hits
}

fn report(hits: &[Hit]) -> String {
    hits.iter()
        .map(|(f, n, w)| format!("src/{f}:{n}: {w}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn core_files(src: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for c in CORE {
        rust_files(src, &src.join(c), &mut files);
    }
    files
}

#[test]
fn the_pure_core_imports_no_io_layer() {
    let src = repo().join("src");
    let files = core_files(&src);
    assert!(files.len() >= CORE.len(), "{files:?}");
    let hits = scan(&src, &files, CORE_FORBIDDEN);
    assert!(
        hits.is_empty(),
        "the pure core names an I/O layer:\n{}",
        report(&hits)
    );
}

/// The writing layer (formats, files, the bundle and its manifest): it is
/// called by the runners and commands, never the other way round.
const WRITING: &[&str] = &[
    "write",
    "format.rs",
    "bundle.rs",
    "bundle_file.rs",
    "bundle_read.rs",
    "manifest.rs",
    "schema.rs",
];

/// What the writing layer must not name: the runs and commands above it.
/// (A `clap::ValueEnum` derive on a format enum is allowed: it only names
/// the spellings the CLI accepts.)
const WRITING_FORBIDDEN: &[&str] = &[
    "crate::runner",
    "crate::cli",
    "crate::estimate",
    "crate::online",
    "crate::ingest",
    "crate::gather",
    "crate::validate",
    "crate::history",
];

/// The flow of docs/architecture.md points one way: CLI -> profile -> plan
/// -> runner -> format -> bundle; the writing layer never calls back up.
#[test]
fn the_writing_layer_never_calls_the_runs_above_it() {
    let src = repo().join("src");
    let mut files = Vec::new();
    for w in WRITING {
        rust_files(&src, &src.join(w), &mut files);
    }
    assert!(files.len() >= WRITING.len(), "{files:?}");
    let hits = scan(&src, &files, WRITING_FORBIDDEN);
    assert!(
        hits.is_empty(),
        "the writing layer names a layer above it:\n{}",
        report(&hits)
    );
}

#[test]
fn the_library_reads_no_environment_and_keeps_no_global_switch() {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &src, &mut files);
    // The command line is the edge that reads the environment once.
    files.retain(|f| !f.starts_with("cli") && f != Path::new("main.rs"));
    let mut hits = scan(&src, &files, &["env::var", "env::var_os", "env::vars"]);
    for rel in &files {
        let text = std::fs::read_to_string(src.join(rel)).expect("a source file");
        for (n, line) in code_lines(&text) {
            if line.trim_start().contains("static ") && line.contains("AtomicBool") {
                hits.push((rel.display().to_string(), n, "static AtomicBool".into()));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "library code reads the environment or keeps a global switch:\n{}",
        report(&hits)
    );
}

#[test]
fn planted_violations_are_found() {
    let planted = "use crate::gen::World;\nuse crate::write::Format;\n\
                   use crate::{bundle, model};\nuse std::{\n    env,\n    io,\n};\n\
                   // crate::runner in a comment is fine\n\
                   fn f() { let _ = std::fs::read(\"x\"); }\n\
                   #[cfg(test)]\nmod tests { use crate::cli; }\n";
    let hits = forbidden_in(planted, CORE_FORBIDDEN);
    let want = [
        (2, "crate::write"),
        (3, "crate::bundle"),
        (4, "std::env"),
        (9, "std::fs"),
    ];
    assert_eq!(
        hits,
        want.map(|(n, w)| (n, w.to_string())).to_vec(),
        "{planted}"
    );
    assert!(forbidden_in("use crate::writer_free::X;\n", CORE_FORBIDDEN).is_empty());
}
