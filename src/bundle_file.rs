//! Files of a bundle named by a manifest: the one path rule and the one way
//! to open them, shared by `validate`, `apply`, `gather` and `ingest`.
//!
//! A manifest path is a plain relative path inside the bundle (no `..`, no
//! root, no `\`). A bundle holds regular files and folders only: a symbolic
//! link, FIFO, socket or device inside it is never followed or opened (a
//! link could lead out of the bundle, a FIFO or `/dev/zero` would never
//! end), it is a problem named with its path.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Component, Path};

/// Whether `p` is a plain relative path inside the bundle.
pub fn safe_path(p: &str) -> bool {
    !p.is_empty()
        && !p.contains('\\')
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// The path rule as an error message: `Err` says why `p` may not be used.
pub fn check_path(p: &str) -> Result<(), String> {
    if safe_path(p) {
        Ok(())
    } else {
        Err(format!(
            "unsafe path '{p}': a bundle path must be relative and stay inside the bundle (no '..', no leading '/', no '\\')"
        ))
    }
}

/// What a directory entry is, when it is not what a bundle may hold.
fn not_regular(t: fs::FileType) -> &'static str {
    if t.is_symlink() {
        "a symbolic link (not followed: a bundle holds regular files only)"
    } else if t.is_dir() {
        "a folder, not a file"
    } else {
        "not a regular file (a FIFO, socket or device; not opened: a bundle holds regular files only)"
    }
}

/// Why the entry at `path` (found by walking a bundle, never followed) is
/// not allowed in a bundle, or `None` for a regular file or a folder.
pub fn problem_of(t: fs::FileType) -> Option<&'static str> {
    (!t.is_file() && !t.is_dir()).then(|| not_regular(t))
}

fn refused(what: &str, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{what} is {why}"))
}

/// Opens the bundle file `rel` under `root` for reading: `rel` must pass
/// [`check_path`], every folder on the way must be a real folder and the
/// file a regular file (checked with `symlink_metadata` before opening, and
/// again on the open file, which is opened without following a link and
/// without blocking on a FIFO).
pub fn open(root: &Path, rel: &str) -> io::Result<File> {
    check_path(rel).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let t = fs::symlink_metadata(&path)?.file_type();
        let last = i + 1 == parts.len();
        let ok = if last { t.is_file() } else { t.is_dir() };
        if !ok {
            let what = parts[..=i].join("/");
            return Err(refused(&what, not_regular(t)));
        }
    }
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Closes the gap between the check and the open: a link put in its
        // place is not followed, a FIFO does not block.
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = opts.open(&path)?;
    let t = file.metadata()?.file_type();
    if !t.is_file() {
        return Err(refused(rel, not_regular(t)));
    }
    Ok(file)
}

/// Reads the bundle file `rel` under `root` to a string (see [`open`]).
pub fn read_to_string(root: &Path, rel: &str) -> io::Result<String> {
    let mut text = String::new();
    open(root, rel)?.read_to_string(&mut text)?;
    Ok(text)
}

/// Size and xxh3-64 of the bundle file `rel` under `root` (see [`open`]).
pub fn hash(root: &Path, rel: &str) -> io::Result<(u64, u64)> {
    crate::write::hash_reader(open(root, rel)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths() {
        assert!(safe_path("nodes/Server/part-00000.csv"));
        assert!(!safe_path("../x"));
        assert!(!safe_path("../ref/nodes/Server/header.csv"));
        assert!(!safe_path("/etc/passwd"));
        assert!(!safe_path("nodes/../../x"));
        assert!(!safe_path("nodes\\x"));
        assert!(!safe_path(""));
        assert!(check_path("../x").unwrap_err().contains("'../x'"));
    }

    #[cfg(unix)]
    #[test]
    fn opens_regular_files_only() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::create_dir_all(root.join("nodes/a")).unwrap();
        fs::write(root.join("nodes/a/f.csv"), "x\n").unwrap();
        assert_eq!(read_to_string(root, "nodes/a/f.csv").unwrap(), "x\n");
        std::os::unix::fs::symlink("/etc/passwd", root.join("nodes/a/p.csv")).unwrap();
        std::os::unix::fs::symlink("/", root.join("nodes/up")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("nodes/a/z.csv")).unwrap();
        let e = open(root, "nodes/a/p.csv").unwrap_err().to_string();
        assert!(e.contains("nodes/a/p.csv is a symbolic link"), "{e}");
        let e = open(root, "nodes/up/etc/passwd").unwrap_err().to_string();
        assert!(e.contains("nodes/up is a symbolic link"), "{e}");
        let e = open(root, "nodes/a/z.csv").unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        let e = open(root, "../x").unwrap_err().to_string();
        assert!(e.contains("unsafe path"), "{e}");
    }
}
