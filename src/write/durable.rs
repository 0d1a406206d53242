//! Durability: the files of a bundle reach the disk before its manifest does.
//!
//! Every [`super::AtomicFile`] created durable (the default; the benchmark
//! workload opts out with [`super::FileOptions`]) hands its file, once
//! renamed into place, to one background thread that `fdatasync`s it while the workers go on with the
//! next shard (a worker never waits for the disk, unless 64 files are
//! already waiting). [`settle`] waits for those syncs and then syncs the
//! folders that gained entries, up to the bundle root; only then is the
//! manifest written with [`write_file`] (data synced before the rename, the
//! folder after). A crash of the machine at any point therefore leaves
//! either no manifest, or a manifest over files that are on disk.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Condvar, Mutex, OnceLock};

/// Files waiting for their sync before a worker that commits another waits.
const QUEUE: usize = 64;

/// Fault injection, for the crash, full-disk and sync-order tests only.
/// The CLI reads `CMDBGEN_CRASH_AT`, `CMDBGEN_FAIL_WRITE` and
/// `CMDBGEN_SYNC_TRACE` once and [`install`]s them; the library reads no
/// environment. Without an install there are no faults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// End the process (exit [`CRASH_EXIT`]) the `n`-th time it passes
    /// this [`crash_point`]: `(point, n)`.
    pub crash_at: Option<(String, u64)>,
    /// Fail the [`write_file`] of the file with this name as on a full disk.
    pub fail_write: Option<String>,
    /// Append one line per sync and rename to this file.
    pub sync_trace: Option<PathBuf>,
}

impl Faults {
    /// Parses `<point>[@<n>]` (n from 1); `None` when `n` is not a number.
    pub fn parse_crash_at(v: &str) -> Option<(String, u64)> {
        match v.split_once('@') {
            Some((name, n)) => Some((name.to_string(), n.parse().ok()?)),
            None => Some((v.to_string(), 1)),
        }
    }
}

/// The installed faults, with the crash point's pass count and the trace
/// file once opened.
struct Installed {
    faults: Faults,
    passes: std::sync::atomic::AtomicU64,
    trace: Option<Mutex<File>>,
}

static FAULTS: OnceLock<Installed> = OnceLock::new();

/// Installs the faults of this process (once; later calls are ignored).
pub fn install(faults: Faults) {
    let trace = faults.sync_trace.as_ref().and_then(|p| {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .ok()
            .map(Mutex::new)
    });
    let _ = FAULTS.set(Installed {
        faults,
        passes: std::sync::atomic::AtomicU64::new(0),
        trace,
    });
}

/// What the sync thread has still to do, and its first failure.
#[derive(Default)]
struct State {
    pending: usize,
    error: Option<io::Error>,
    dirs: BTreeSet<PathBuf>,
}

struct Syncer {
    tx: Mutex<SyncSender<(File, PathBuf)>>,
    state: Mutex<State>,
    idle: Condvar,
}

fn syncer() -> &'static Syncer {
    static SYNCER: OnceLock<Syncer> = OnceLock::new();
    SYNCER.get_or_init(|| {
        let (tx, rx) = mpsc::sync_channel::<(File, PathBuf)>(QUEUE);
        std::thread::spawn(move || {
            for (file, path) in rx {
                let r = file.sync_data();
                drop(file);
                trace("sync", &path);
                let s = syncer();
                let mut st = s.state.lock().unwrap_or_else(|p| p.into_inner());
                if let Err(e) = r {
                    st.error.get_or_insert_with(|| named("syncing", &path, e));
                }
                st.pending -= 1;
                if st.pending == 0 {
                    s.idle.notify_all();
                }
            }
        });
        Syncer {
            tx: Mutex::new(tx),
            state: Mutex::new(State::default()),
            idle: Condvar::new(),
        }
    })
}

fn named(what: &str, path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

/// Queues `file` (now at `path`) for `fdatasync`, and its folder for
/// [`settle`].
pub fn sync_later(file: File, path: &Path) {
    let s = syncer();
    {
        let mut st = s.state.lock().unwrap_or_else(|p| p.into_inner());
        st.pending += 1;
        if let Some(dir) = path.parent() {
            st.dirs.insert(dir.to_path_buf());
        }
    }
    let sent =
        s.tx.lock()
            .map(|tx| tx.send((file, path.to_path_buf())).is_ok())
            .unwrap_or(false);
    if !sent {
        let mut st = s.state.lock().unwrap_or_else(|p| p.into_inner());
        st.pending -= 1;
        st.error
            .get_or_insert_with(|| io::Error::other("the sync thread stopped"));
    }
}

/// Queues an existing file (kept from an earlier run, or brought in by
/// `gather`) for `fdatasync`: its bytes may still be only in the page cache.
pub fn sync_existing(path: &Path) -> io::Result<()> {
    let f = File::open(path).map_err(|e| named("opening", path, e))?;
    sync_later(f, path);
    Ok(())
}

/// Queues the folder `dir` for [`settle`] (a file was renamed into it).
pub fn note_dir(dir: &Path) {
    let mut st = syncer().state.lock().unwrap_or_else(|p| p.into_inner());
    st.dirs.insert(dir.to_path_buf());
}

/// Waits until every queued file is synced, then syncs every folder that
/// gained entries and its parents up to `root`. Returns the first failure.
pub fn settle(root: &Path) -> io::Result<()> {
    let s = syncer();
    let dirs = {
        let mut st = s.state.lock().unwrap_or_else(|p| p.into_inner());
        while st.pending > 0 {
            st = s.idle.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if let Some(e) = st.error.take() {
            return Err(e);
        }
        std::mem::take(&mut st.dirs)
    };
    let mut all = BTreeSet::new();
    for d in dirs {
        let mut at = Some(d.as_path());
        while let Some(p) = at {
            if !all.insert(p.to_path_buf()) || p == root || !p.starts_with(root) {
                break;
            }
            at = p.parent();
        }
    }
    all.insert(root.to_path_buf());
    for d in all.iter().rev() {
        sync_dir(d)?;
    }
    Ok(())
}

/// Syncs a folder's entries (new, renamed and removed names).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let f = File::open(dir).map_err(|e| named("opening", dir, e))?;
        f.sync_all().map_err(|e| named("syncing", dir, e))?;
        trace("dirsync", dir);
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to `path` atomically and durably (a temporary name,
/// synced, renamed into place, the folder synced). Errors
/// name `path`; `exec` makes the file executable (mode 755). A
/// [`Faults::fail_write`] of its name makes it fail as on a full disk.
pub fn write_file(path: &Path, bytes: &[u8], exec: bool) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let mut f = File::create(&tmp)?;
        if fail_write(path) {
            return Err(io::Error::from_raw_os_error(libc::ENOSPC));
        }
        f.write_all(bytes)?;
        #[cfg(unix)]
        if exec {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(0o755))?;
        }
        #[cfg(not(unix))]
        let _ = exec;
        f.sync_data()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(named("writing", path, e));
    }
    fs::rename(&tmp, path).map_err(|e| named("renaming", &tmp, e))?;
    trace("rename", path);
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

fn fail_write(path: &Path) -> bool {
    FAULTS
        .get()
        .and_then(|f| f.faults.fail_write.as_deref())
        .is_some_and(|name| path.file_name().is_some_and(|n| n == name))
}

/// With a [`Faults::sync_trace`], appends one line per sync and rename
/// (`sync PATH`, `dirsync PATH`, `rename PATH`), so tests can check the
/// order.
fn trace(what: &str, path: &Path) {
    if let Some(f) = FAULTS.get().and_then(|f| f.trace.as_ref()) {
        if let Ok(mut f) = f.lock() {
            let _ = writeln!(f, "{what} {}", path.display());
        }
    }
}

/// With a [`Faults::crash_at`] of `point`, ends the process at once (exit
/// code [`CRASH_EXIT`], no clean-up, like a kill) the `n`-th time it passes
/// here. Crash-point tests use it to stop every step of a run
/// deterministically.
pub fn crash_point(point: &str) {
    let Some(f) = FAULTS.get() else { return };
    if let Some((name, n)) = &f.faults.crash_at {
        if name == point && f.passes.fetch_add(1, Ordering::SeqCst) + 1 == *n {
            std::process::exit(CRASH_EXIT);
        }
    }
}

/// The exit code of a [`crash_point`].
pub const CRASH_EXIT: i32 = 86;
