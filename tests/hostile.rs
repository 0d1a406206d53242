//! Hostile input: what a bundle, an export, a profile, a flag or an absent
//! server may do to a command, and what the command must do instead (stay in
//! the bundle, bound its memory and time, refuse with the key or path named).

use crate::util::{self, generate, run};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs cmdbgen with `args` (and `env`), killing it if it runs longer than
/// `limit`: a hang fails the test instead of stalling the suite.
fn bounded(args: &[&str], env: &[(&str, &str)], limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut cmd: Command = util::bin();
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("running cmdbgen");
    loop {
        if child.try_wait().expect("waiting for cmdbgen").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let o = child.wait_with_output().expect("collecting output");
            panic!(
                "cmdbgen {args:?} still ran after {limit:?}\nstdout:\n{}\nstderr:\n{}",
                text(&o.stdout),
                text(&o.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = child.wait_with_output().expect("collecting output");
    (o, started.elapsed())
}

fn validate(dir: &Path) -> Output {
    let d = dir.to_str().unwrap();
    bounded(
        &["validate", d, "--progress", "none"],
        &[],
        Duration::from_secs(120),
    )
    .0
}

/// The first shard of a table of a generated bundle, relative to it.
fn first_shard(bundle: &Path, table: &str) -> String {
    let shard = util::shard_files(&bundle.join(table))[0].clone();
    shard
        .strip_prefix(bundle)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Asserts that `out` has a line `<dir>/<file>: ...<message>...`.
fn has_line(out: &str, dir: &Path, file: &str, message: &str) {
    let prefix = format!("{}: ", dir.join(file).display());
    assert!(
        out.lines()
            .any(|l| l.starts_with(&prefix) && l[prefix.len()..].contains(message)),
        "no line `{prefix}...{message}...` in:\n{out}"
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success());
}

#[cfg(unix)]
#[test]
fn validate_stays_in_the_bundle_and_opens_regular_files_only() {
    use std::os::unix::fs::symlink;
    let t = tempfile::tempdir().unwrap();
    let b = t.path().join("b");
    generate(&b, "tiny", &[]);

    // A link to `/` among the shards: reported, not walked.
    symlink("/", b.join("nodes/up")).unwrap();
    let o = validate(&b);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    has_line(&out, &b, "nodes/up", "a symbolic link (not followed");
    assert!(
        !out.contains("nodes/up/"),
        "walked through the link:\n{out}"
    );
    fs::remove_file(b.join("nodes/up")).unwrap();

    // A listed shard replaced by a link to /etc/passwd, by a link to
    // /dev/zero, and by a FIFO: each named, none opened.
    let passwd = first_shard(&b, "nodes/Server");
    let zero = first_shard(&b, "nodes/Application");
    let fifo = first_shard(&b, "relationships/Server-HOSTED_IN-DataCenter");
    for s in [&passwd, &zero, &fifo] {
        fs::remove_file(b.join(s)).unwrap();
    }
    symlink("/etc/passwd", b.join(&passwd)).unwrap();
    symlink("/dev/zero", b.join(&zero)).unwrap();
    mkfifo(&b.join(&fifo));
    // A FIFO and a socket-like stray that nobody lists.
    mkfifo(&b.join("nodes/Server/stray.fifo"));
    let o = validate(&b);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    has_line(&out, &b, &passwd, "is a symbolic link");
    has_line(&out, &b, &zero, "is a symbolic link");
    has_line(&out, &b, &fifo, "not a regular file");
    has_line(&out, &b, "nodes/Server/stray.fifo", "not a regular file");
    assert!(!out.contains("root:"), "read /etc/passwd:\n{out}");

    // A folder of the bundle that is a link: nothing under it is opened.
    let t2 = tempfile::tempdir().unwrap();
    let c = t2.path().join("c");
    generate(&c, "tiny", &[]);
    let moved = t2.path().join("elsewhere");
    fs::rename(c.join("nodes/Region"), &moved).unwrap();
    symlink(&moved, c.join("nodes/Region")).unwrap();
    let o = validate(&c);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    has_line(&out, &c, "nodes/Region", "a symbolic link");
    has_line(
        &out,
        &c,
        "nodes/Region/header.csv",
        "nodes/Region is a symbolic link",
    );
}

/// A copy of the manifest of `b` whose first header path is `path`.
fn point_header_at(b: &Path, path: &str) {
    let m = b.join("manifest.json");
    let mut json: serde_json::Value = serde_json::from_slice(&fs::read(&m).unwrap()).unwrap();
    json["tables"][0]["header"]["path"] = serde_json::Value::String(path.into());
    fs::write(&m, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

fn apply(dir: &Path, uri: &str, extra: &[&str]) -> (Output, Duration) {
    let mut args = vec![
        "apply",
        dir.to_str().unwrap(),
        "--uri",
        uri,
        "--progress",
        "none",
    ];
    args.extend_from_slice(extra);
    // Far below today's 121 s of retries; generous for a busy machine.
    bounded(
        &args,
        &[("NEO4J_PASSWORD", "secret")],
        Duration::from_secs(90),
    )
}

#[test]
fn apply_and_validate_share_one_path_rule() {
    let t = tempfile::tempdir().unwrap();
    let b = t.path().join("b");
    generate(&b, "tiny", &[]);
    // The same header reached from outside the bundle.
    let r = t.path().join("ref");
    generate(&r, "tiny", &[]);
    let first: serde_json::Value =
        serde_json::from_slice(&fs::read(b.join("manifest.json")).unwrap()).unwrap();
    let header = first["tables"][0]["header"]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let outside = format!("../ref/{header}");
    point_header_at(&b, &outside);

    let o = validate(&b);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains(&format!("unsafe path '{outside}'")),
        "{}",
        text(&o.stdout)
    );
    let uri = format!("bolt://127.0.0.1:{}", closed_port());
    let (o, _) = apply(&b, &uri, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("unsafe path '{outside}'")),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn apply_fails_fast_when_the_server_is_not_there() {
    let t = tempfile::tempdir().unwrap();
    let b = t.path().join("b");
    generate(&b, "tiny", &[]);
    let closed = format!("bolt://127.0.0.1:{}", closed_port());
    for uri in [closed.as_str(), "bolt://nonexistent.invalid:7687"] {
        let (o, took) = apply(&b, uri, &[]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{uri}: {err}");
        assert!(
            err.contains(&format!("cannot connect to {uri}")),
            "{uri}: {err}"
        );
        assert!(!err.contains("retry"), "{uri} was retried: {err}");
        assert!(took < Duration::from_secs(60), "{uri}: {took:?}");
        // Nothing was recorded as a run.
        assert!(!b.join("apply-state.json").exists(), "{uri}");
    }
    // Waiting for a server: attempts until the bound, then the same failure.
    let (o, _) = apply(
        &b,
        &closed,
        &["--wait-for-server", "2s", "--retry-delay-ms", "100"],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("waiting for {closed}")), "{err}");
    let attempts: u32 = err
        .split(" attempts in ")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no attempt count in: {err}"));
    assert!(attempts >= 2, "{err}");
    let o = run(&[
        "apply",
        "x",
        "--uri",
        "bolt://h",
        "--wait-for-server",
        "soon",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

// ---------------------------------------------------------------------------
// ingest

/// One source `cmdb` in `dir` with a Server file `servers.csv` of `body`
/// (after its header) and the mapping's other files, well formed.
fn one_source(dir: &Path, servers: &[u8]) -> PathBuf {
    let src = dir.join("cmdb");
    fs::create_dir_all(&src).unwrap();
    fs::write(
        src.join("mapping.toml"),
        "[[nodes]]\nkind = \"Region\"\nfile = \"regions.csv\"\nkey = \"region\"\n\n\
         [[nodes]]\nkind = \"DataCenter\"\nfile = \"dcs.csv\"\nkey = \"dc\"\n\n\
         [[nodes]]\nkind = \"Server\"\nfile = \"servers.csv\"\nkey = \"host\"\n[nodes.columns]\nos = \"os\"\n\n\
         [[relationships]]\ntype = \"LOCATED_IN\"\nstart = \"DataCenter\"\nend = \"Region\"\nfile = \"dc_region.csv\"\nstart_key = \"dc\"\nend_key = \"region\"\n",
    )
    .unwrap();
    fs::write(src.join("regions.csv"), "region\nUS East\n").unwrap();
    fs::write(src.join("dcs.csv"), "dc\ndc-1\n").unwrap();
    fs::write(src.join("dc_region.csv"), "dc,region\ndc-1,US East\n").unwrap();
    let mut s = b"host,os\n".to_vec();
    s.extend_from_slice(servers);
    fs::write(src.join("servers.csv"), s).unwrap();
    src
}

fn ingest(src: &Path, out: &Path, extra: &[&str]) -> Output {
    let source = format!("cmdb={}", src.display());
    let mut args = vec![
        "ingest",
        "--source",
        &source,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    bounded(&args, &[], Duration::from_secs(300)).0
}

#[test]
fn ingest_bounds_a_record_and_names_its_line() {
    let t = tempfile::tempdir().unwrap();
    // Line 3 is 65 MiB without a line end: one bad record, not 65 MiB of
    // fields (nor the 400 MB a longer one would take).
    let mut body = b"web-1,Ubuntu\n".to_vec();
    body.extend(std::iter::repeat_n(b'x', 65 << 20));
    let src = one_source(t.path(), &body);
    let o = ingest(&src, &t.path().join("fail"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let want = format!(
        "{}:3: the record is longer than 64 MiB",
        src.join("servers.csv").display()
    );
    assert!(text(&o.stderr).contains(&want), "{}", text(&o.stderr));
    // Skipped, the rest of the file is read.
    body.extend_from_slice(b"\nweb-2,Debian\n");
    let src = one_source(&t.path().join("2"), &body);
    let out = t.path().join("skip");
    let o = ingest(&src, &out, &["--on-error", "skip"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Rows without a date sit in a companion folder (nodes/Server/no-...).
    let servers: String = util::files(&out.join("nodes/Server"))
        .iter()
        .filter(|f| f.rsplit('/').next().is_some_and(|n| n.starts_with("part-")))
        .map(|f| fs::read_to_string(out.join("nodes/Server").join(f)).unwrap())
        .collect();
    assert!(
        servers.contains("web-1") && servers.contains("web-2"),
        "{servers}"
    );
}

#[test]
fn ingest_refuses_a_value_its_bundle_could_not_import() {
    let t = tempfile::tempdir().unwrap();
    let mut body = b"web-1,".to_vec();
    body.extend(std::iter::repeat_n(b'o', 10 << 20));
    body.extend_from_slice(b"\nweb-2,Debian\n");
    let src = one_source(t.path(), &body);
    let o = ingest(&src, &t.path().join("fail"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let want = format!(
        "{}:2: column 'os' (os): the value is 10485760 bytes, more than the 4 MiB",
        src.join("servers.csv").display()
    );
    assert!(text(&o.stderr).contains(&want), "{}", text(&o.stderr));
    // Skipped, what is written validates.
    let out = t.path().join("skip");
    let o = ingest(&src, &out, &["--on-error", "skip"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = validate(&out);
    assert!(v.status.success(), "{}", text(&v.stdout));
}

#[test]
fn ingest_never_counts_an_unreadable_file_as_zero_skipped_rows() {
    let t = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 2] = [
        ("empty", b"", "the file is empty"),
        (
            "garbage",
            b"\x00\x01PAR1 not parquet",
            "not a readable Parquet file",
        ),
    ];
    for (case, bytes, message) in cases {
        let dir = t.path().join(case);
        let src = one_source(&dir, b"web-1,Ubuntu\n");
        let servers = src.join("servers.csv");
        let file = if case == "garbage" {
            // The same rows, promised as Parquet.
            let m = src.join("mapping.toml");
            let mapping = fs::read_to_string(&m).unwrap();
            fs::write(&m, mapping.replace("servers.csv", "servers.parquet")).unwrap();
            src.join("servers.parquet")
        } else {
            servers
        };
        fs::write(&file, bytes).unwrap();
        let o = ingest(
            &src,
            &dir.join("out"),
            &["--on-error", "skip", "--max-errors", "0"],
        );
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{case}: {err}");
        assert!(
            err.contains(&format!("{}: {message}", file.display())),
            "{case}: {err}"
        );
        assert!(!dir.join("out/manifest.json").exists(), "{case}");
    }
}

// ---------------------------------------------------------------------------
// limits and nonsense

#[test]
fn threads_are_capped_per_core() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    let (o, _) = bounded(
        &[
            "generate",
            "--profile",
            "tiny",
            "--out",
            a.to_str().unwrap(),
            "--quiet",
            "--threads",
            "100000",
        ],
        &[],
        Duration::from_secs(120),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("--threads 100000 is more than 8 per core"),
        "{}",
        text(&o.stderr)
    );
    generate(&b, "tiny", &["--threads", "1"]);
    assert_eq!(
        fs::read(a.join("manifest.json")).unwrap(),
        fs::read(b.join("manifest.json")).unwrap()
    );
}

#[test]
fn profiles_without_a_graph_exit_2_naming_the_key() {
    let t = tempfile::tempdir().unwrap();
    let cases = [
        ("empty", "", "nodes: the profile has no nodes"),
        ("no-nodes", "[nodes]\n", "nodes: the profile has no nodes"),
        (
            "zeros",
            "[nodes]\nRegion = 0\nServer = 0\n",
            "nodes: the profile has no nodes",
        ),
        (
            "no-servers",
            "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 0\nApplication = 5\n",
            "nodes.Server is 0, but each of the 5 Application nodes needs at least 1 in fanout.Application-RUNS_ON-Server",
        ),
        (
            "inf",
            "[nodes]\nRegion = 1\nDataCenter = 1\nServer = { ratio = inf, of = \"Region\" }\n",
            "nodes.Server.ratio must be a finite number (got inf)",
        ),
    ];
    for (name, toml, want) in cases {
        let p = t.path().join(format!("{name}.toml"));
        fs::write(&p, toml).unwrap();
        let out = t.path().join(name);
        let o = run(&[
            "generate",
            "--profile",
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(want),
            "{name}: {}",
            text(&o.stderr)
        );
        assert!(!out.join("manifest.json").exists(), "{name}");
    }
}

#[test]
fn a_long_count_before_planning_is_announced() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("o");
    let args = [
        "generate",
        "--profile",
        "tiny",
        "--out",
        out.to_str().unwrap(),
        "--dry-run",
    ];
    // A threshold of 10 start nodes stands in for the billions that make
    // the count take minutes.
    let (o, _) = bounded(
        &args,
        &[("CMDBGEN_COUNT_NOTICE", "10")],
        Duration::from_secs(120),
    );
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("cmdbgen: counting the relationships of")
            && err.contains("progress every 10 s")
            && err.contains("cmdbgen: counted in"),
        "{err}"
    );
    // Small profiles stay silent.
    let (o, _) = bounded(&args, &[], Duration::from_secs(120));
    assert!(text(&o.stderr).is_empty(), "{}", text(&o.stderr));
}
