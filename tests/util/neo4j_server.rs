//! A real Neo4j Community for the tests: the NEO4J_HOME that
//! `scripts/install-neo4j.sh` lays out from Maven Central (its `bin/` holds
//! `neo4j-admin`, `neo4j` and `cypher-shell` launchers). `scripts/test.sh`
//! installs it and sets `CMDBGEN_NEO4J_HOMES` (one or more homes, separated
//! by `:`; the first is the 5.26 LTS). Each test makes its own instance: a
//! conf folder, data, logs and free loopback ports in its temp folder, so
//! tests run in parallel and leave nothing behind.

use neo4j::driver::auth::AuthToken;
use neo4j::driver::{Driver, DriverConfig, Record};
use neo4j::ValueReceive;
use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The password every test instance's `neo4j` user gets.
pub(crate) const PASSWORD: &str = "cmdbgen-test";

/// The installed homes, first the LTS. Panics (the tests needing Neo4j are
/// `#[ignore]`d, so this only runs when asked for) when none is set.
pub(crate) fn homes() -> Vec<PathBuf> {
    let v = std::env::var("CMDBGEN_NEO4J_HOMES").unwrap_or_default();
    let homes: Vec<PathBuf> = v
        .split(':')
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect();
    assert!(
        !homes.is_empty(),
        "CMDBGEN_NEO4J_HOMES is not set: run these tests through scripts/test.sh, \
         which installs Neo4j with scripts/install-neo4j.sh"
    );
    for h in &homes {
        assert!(
            h.join("bin/neo4j-admin").is_file(),
            "{} is not a NEO4J_HOME laid out by scripts/install-neo4j.sh",
            h.display()
        );
    }
    homes
}

/// The first home: the 5.26 LTS.
pub(crate) fn lts() -> PathBuf {
    homes().remove(0)
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// What `neo4j-admin database import` says it imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Imported {
    pub nodes: u64,
    pub relationships: u64,
    pub properties: u64,
}

/// Reads the `Imported:` block at the end of neo4j-admin's output.
pub(crate) fn parse_imported(out: &str) -> Option<Imported> {
    let tail = &out[out.rfind("Imported:")?..];
    let count = |what: &str| -> Option<u64> {
        tail.lines()
            .map(str::trim)
            .find(|l| l.ends_with(what))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    Some(Imported {
        nodes: count(" nodes")?,
        relationships: count(" relationships")?,
        properties: count(" properties")?,
    })
}

/// One Neo4j instance of an installed home: its own conf, data and ports.
pub(crate) struct Instance {
    pub home: PathBuf,
    pub dir: PathBuf,
    pub bolt: u16,
    pub http: u16,
    running: bool,
}

impl Instance {
    /// An instance in `dir` (created): the home's conf with this instance's
    /// folders and two free ports.
    pub(crate) fn new(home: &Path, dir: &Path) -> Instance {
        fs::create_dir_all(dir.join("conf")).expect("instance conf folder");
        let bolt = free_port();
        let http = free_port();
        let base = fs::read_to_string(home.join("conf/neo4j.conf")).expect("the home's neo4j.conf");
        let mut conf: String = base
            .lines()
            .filter(|l| {
                !l.starts_with("server.bolt.listen_address")
                    && !l.starts_with("server.http.listen_address")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        conf.push_str(&format!(
            "server.bolt.listen_address=127.0.0.1:{bolt}\n\
             server.http.listen_address=127.0.0.1:{http}\n"
        ));
        for d in ["data", "logs", "run", "import", "plugins"] {
            let p = dir.join(d);
            fs::create_dir_all(&p).expect("instance folder");
            conf.push_str(&format!("server.directories.{d}={}\n", p.display()));
        }
        fs::write(dir.join("conf/neo4j.conf"), conf).expect("writing neo4j.conf");
        Instance {
            home: home.to_path_buf(),
            dir: dir.to_path_buf(),
            bolt,
            http,
            running: false,
        }
    }

    /// The version the home's neo4j-admin reports.
    pub(crate) fn version(&self) -> String {
        let o = self.admin(&["--version"], &self.dir);
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// A command of the home's `bin/` with this instance's conf.
    pub(crate) fn cmd(&self, prog: &str) -> Command {
        let mut c = Command::new(self.home.join("bin").join(prog));
        c.env("NEO4J_CONF", self.dir.join("conf"));
        c
    }

    /// neo4j-admin `args`, run in `cwd`.
    pub(crate) fn admin(&self, args: &[&str], cwd: &Path) -> Output {
        self.cmd("neo4j-admin")
            .args(args)
            .current_dir(cwd)
            .output()
            .expect("running neo4j-admin")
    }

    /// `neo4j-admin database import full neo4j @import.args` in the bundle
    /// (its paths are relative to it), with any `extra` options.
    pub(crate) fn try_import(&self, bundle: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["database", "import", "full", "neo4j", "@import.args"];
        args.extend_from_slice(extra);
        self.admin(&args, bundle)
    }

    /// Imports the bundle; panics with neo4j-admin's output if it fails.
    pub(crate) fn import(&self, bundle: &Path) -> Imported {
        let o = self.try_import(bundle, &["--overwrite-destination"]);
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success(),
            "neo4j-admin import of {} failed ({:?}):\n{out}\n{err}",
            bundle.display(),
            o.status.code()
        );
        parse_imported(&out).unwrap_or_else(|| panic!("no 'Imported:' summary in:\n{out}"))
    }

    /// Starts the server (setting the password first on a new data folder)
    /// and waits until it answers a query.
    pub(crate) fn start(&mut self) {
        if !self.dir.join("data/dbms/auth.ini").exists() {
            let o = self.admin(&["dbms", "set-initial-password", PASSWORD], &self.dir);
            assert!(
                o.status.success(),
                "set-initial-password: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let o = self
            .cmd("neo4j")
            .arg("start")
            .current_dir(&self.dir)
            .output()
            .expect("running neo4j start");
        assert!(
            o.status.success(),
            "neo4j start failed:\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        self.running = true;
        let deadline = Instant::now() + Duration::from_secs(240);
        let addr = format!("127.0.0.1:{}", self.bolt).parse().expect("address");
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
                && self.try_query("RETURN 1 AS ok").is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Neo4j did not answer on {addr} within 240 s; log:\n{}",
                fs::read_to_string(self.dir.join("logs/neo4j.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn pid(&self) -> Option<i32> {
        fs::read_to_string(self.dir.join("run/neo4j.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// SIGKILL of the server: no shutdown, no checkpoint.
    pub(crate) fn kill(&mut self) {
        // Only a server this instance runs: a stale pid file may name a
        // process that reused the number.
        if !self.running {
            return;
        }
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        self.running = false;
    }

    /// Takes charge of a server something else (import.sh) started with
    /// this instance's conf: it is stopped when the instance is dropped.
    pub(crate) fn mark_running(&mut self) {
        self.running = self.pid().is_some();
    }

    /// A clean stop.
    pub(crate) fn stop(&mut self) {
        if self.running {
            let _ = self.cmd("neo4j").arg("stop").output();
            self.running = false;
        }
    }

    /// Killed and started again on the same data (recovery included).
    pub(crate) fn restart(&mut self) {
        self.kill();
        self.start();
    }

    pub(crate) fn uri(&self) -> String {
        format!("bolt://127.0.0.1:{}", self.bolt)
    }

    fn driver(&self) -> Driver {
        Driver::new(
            self.uri().parse().expect("a bolt URI"),
            DriverConfig::new().with_auth(Arc::new(AuthToken::new_basic_auth("neo4j", PASSWORD))),
        )
    }

    pub(crate) fn try_query(&self, q: &str) -> Result<Vec<Record>, String> {
        self.driver()
            .execute_query(q)
            .run()
            .map(|r| r.records)
            .map_err(|e| e.to_string())
    }

    /// Runs a query; returns its records.
    pub(crate) fn query(&self, q: &str) -> Vec<Record> {
        self.try_query(q).unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    /// A query's single integer.
    pub(crate) fn int(&self, q: &str) -> i64 {
        let recs = self.query(q);
        match recs.first().and_then(|r| r.values().next()) {
            Some(ValueReceive::Integer(n)) => *n,
            other => panic!("{q}: {other:?}"),
        }
    }

    pub(crate) fn nodes(&self) -> i64 {
        self.int("MATCH (n) RETURN count(n) AS c")
    }

    pub(crate) fn rels(&self) -> i64 {
        self.int("MATCH ()-[r]->() RETURN count(r) AS c")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if self.running {
            self.kill();
        }
    }
}

/// Splits one CSV record in Neo4j's dialect (`,` delimiter, `"` quotes,
/// doubled quotes inside); returns each field and whether it was quoted.
pub(crate) fn csv_fields(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut field = String::new();
    let (mut quoted, mut in_quotes) = (false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c != '"' {
                field.push(c);
            } else if chars.peek() == Some(&'"') {
                field.push('"');
                chars.next();
            } else {
                in_quotes = false;
            }
        } else if c == '"' && field.is_empty() && !quoted {
            (quoted, in_quotes) = (true, true);
        } else if c == ',' {
            out.push((std::mem::take(&mut field), quoted));
            quoted = false;
        } else {
            field.push(c);
        }
    }
    out.push((field, quoted));
    out
}

/// Whether a header cell is a stored property (named `:ID` columns store
/// their value as a property too; `:LABEL`, `:START_ID`, `:END_ID`, `:TYPE`,
/// `:IGNORE` and unnamed `:ID` do not).
fn is_property(cell: &str) -> bool {
    let plain = cell.split(['(', '{']).next().unwrap_or(cell);
    let (name, kind) = match plain.rsplit_once(':') {
        Some((n, k)) => (n, k.to_ascii_uppercase()),
        None => (plain, "STRING".to_string()),
    };
    match kind.as_str() {
        "LABEL" | "START_ID" | "END_ID" | "TYPE" | "IGNORE" => false,
        "ID" => !name.is_empty(),
        _ => !name.is_empty(),
    }
}

/// The properties a CSV (or csv.gz) bundle stores, counted from its files
/// independently of cmdbgen: every non-empty cell of a property column.
pub(crate) fn csv_properties(bundle: &Path) -> u64 {
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(bundle.join("manifest.json")).expect("manifest"))
            .expect("manifest JSON");
    let mut total = 0;
    for t in m["tables"].as_array().expect("tables") {
        let header_path = bundle.join(t["header"]["path"].as_str().expect("header path"));
        let header = fs::read_to_string(&header_path).expect("header file");
        let props: Vec<bool> = csv_fields(header.lines().next().unwrap_or(""))
            .iter()
            .map(|(c, _)| is_property(c))
            .collect();
        for s in t["shards"].as_array().expect("shards") {
            let p = bundle.join(s["path"].as_str().expect("shard path"));
            let text = if p.extension().is_some_and(|e| e == "gz") {
                let mut d = flate2::read::MultiGzDecoder::new(fs::File::open(&p).expect("shard"));
                let mut s = String::new();
                std::io::Read::read_to_string(&mut d, &mut s).expect("gunzip");
                s
            } else {
                fs::read_to_string(&p).expect("shard")
            };
            for line in text.lines() {
                for (i, (v, quoted)) in csv_fields(line).iter().enumerate() {
                    if props.get(i).copied().unwrap_or(false) && (*quoted || !v.is_empty()) {
                        total += 1;
                    }
                }
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_follow_the_dialect() {
        let f = |s: &str| -> Vec<String> { csv_fields(s).into_iter().map(|x| x.0).collect() };
        assert_eq!(f("a,b,c"), ["a", "b", "c"]);
        assert_eq!(f("a,,c"), ["a", "", "c"]);
        assert_eq!(f("a,b,"), ["a", "b", ""]);
        assert_eq!(f("\"x,y\",\"q\"\"\",z"), ["x,y", "q\"", "z"]);
        assert_eq!(csv_fields("\"\",a")[0], (String::new(), true));
    }

    #[test]
    fn properties_of_header_cells() {
        assert!(is_property("id:ID(Server)"));
        assert!(!is_property(":ID(Server)"));
        assert!(!is_property(":LABEL"));
        assert!(!is_property(":START_ID(Server)"));
        assert!(is_property("tags:string[]"));
        assert!(is_property("name"));
        assert!(is_property("created_at:datetime"));
    }

    #[test]
    fn the_import_summary_is_read() {
        let out = "x\nIMPORT DONE in 7s 221ms. \nImported:\n  69 nodes\n  134 relationships\n  1451 properties\nPeak memory usage: 262.6MiB\n";
        assert_eq!(
            parse_imported(out),
            Some(Imported {
                nodes: 69,
                relationships: 134,
                properties: 1451
            })
        );
        assert_eq!(parse_imported("IMPORT FAILED"), None);
    }
}
