//! The progress bar as a person sees it: the real binary in an 80x24 tmux
//! pane, redrawing many times, must leave one bar (no stacked copies).

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(socket: &str, args: &[&str]) -> std::process::Output {
    Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .args(args)
        .output()
        .expect("tmux runs (scripts/test.sh installs it)")
}

#[test]
#[ignore = "needs tmux: scripts/test.sh"]
fn bar_stays_one_bar_in_an_80_column_tmux_pane() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("large");
    let socket = format!("cmdbgen-progress-{}", std::process::id());
    // One thread makes `large` take a few seconds, so the bar redraws often.
    let cmd = format!(
        "'{}' generate --profile large --threads 1 --progress bar --out '{}'; sleep 120",
        env!("CARGO_BIN_EXE_cmdbgen"),
        out.display()
    );
    let started = tmux(
        &socket,
        &["new-session", "-d", "-s", "p", "-x", "80", "-y", "24", &cmd],
    );
    assert!(started.status.success(), "{started:?}");
    let deadline = Instant::now() + Duration::from_secs(300);
    let screen = loop {
        let cap = tmux(&socket, &["capture-pane", "-p", "-t", "p"]);
        let screen = String::from_utf8_lossy(&cap.stdout).into_owned();
        if screen.contains("import with:") || Instant::now() > deadline {
            break screen;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let _ = tmux(&socket, &["kill-server"]);
    assert!(
        screen.contains("import with:"),
        "run did not finish:\n{screen}"
    );
    let bars = screen.lines().filter(|l| l.contains("ETA")).count();
    let figures = screen.lines().filter(|l| l.contains("rows/s ")).count();
    assert_eq!((bars, figures), (1, 1), "one bar expected:\n{screen}");
    let bar = screen.lines().find(|l| l.contains("ETA")).unwrap();
    assert!(bar.trim_end().ends_with("100%"), "{screen}");
    assert!(screen.contains("MB/s written"), "{screen}");
}

/// With `--progress json` every stderr line of `generate` is a JSON object:
/// the estimate note, progress, then one closing summary; an error too.
#[test]
fn json_mode_stderr_is_json_lines_ending_in_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tiny");
    let o = crate::util::run(&[
        "generate",
        "--profile",
        "tiny",
        "--progress",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let lines = json_lines(&o);
    assert_eq!(lines[0]["event"], "estimate", "{err}");
    assert!(lines.iter().any(|l| l["event"] == "progress"), "{err}");
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "summary", "{err}");
    assert_eq!(last["command"], "generate");
    assert_eq!(last["path"], out.display().to_string());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(last["nodes"], manifest["totals"]["nodes"]);
    assert_eq!(last["bytes"], manifest["totals"]["bytes"]);
    assert_eq!(last["files"], manifest["totals"]["files"]);

    // Another profile into the same folder is refused: one JSON error line.
    let o = crate::util::run(&[
        "generate",
        "--profile",
        "small",
        "--progress",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let last: serde_json::Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();
    assert_eq!(
        (last["event"].as_str(), last["exit_code"].as_u64()),
        (Some("error"), Some(2))
    );
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .contains("refusing to mix runs"),
        "{err}"
    );
}

/// The stderr lines of a run in JSON mode, each parsed.
fn json_lines(o: &std::process::Output) -> Vec<serde_json::Value> {
    assert!(o.status.success(), "{o:?}");
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// `changes`, `ingest` and `validate` take `--progress json` too: JSON
/// lines only, ending in their summary.
#[test]
fn changes_and_ingest_end_json_mode_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir.path().join("day1");
    let o = crate::util::run(&[
        "changes",
        "--profile",
        "tiny",
        "--day",
        "1",
        "--progress",
        "json",
        "--out",
        day.to_str().unwrap(),
    ]);
    let lines = json_lines(&o);
    let last = lines.last().unwrap();
    assert_eq!(
        (last["event"].as_str(), last["command"].as_str()),
        (Some("summary"), Some("changes"))
    );
    assert!(last["files"].as_u64().unwrap() > 0, "{last}");

    let exports = dir.path().join("exports");
    let profile = crate::util::repo().join("fixtures/profiles/multisource.toml");
    let o = crate::util::run(&[
        "export-sources",
        "--profile",
        profile.to_str().unwrap(),
        "--out",
        exports.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{o:?}");
    let merged = dir.path().join("merged");
    let mut names: Vec<String> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut args: Vec<String> = vec!["ingest".into()];
    for n in &names {
        args.push("--source".into());
        args.push(format!("{n}={}", exports.join(n).display()));
    }
    args.extend(["--progress", "json", "--out"].map(String::from));
    args.push(merged.display().to_string());
    let o = crate::util::run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let lines = json_lines(&o);
    let last = lines.last().unwrap();
    assert_eq!(
        (last["event"].as_str(), last["command"].as_str()),
        (Some("summary"), Some("ingest"))
    );
    assert_eq!(last["path"], merged.display().to_string());
    assert!(last["nodes"].as_u64().unwrap() > 0, "{last}");

    // validate too: its summary says whether the bundle is valid.
    let o = crate::util::run(&["validate", merged.to_str().unwrap(), "--progress", "json"]);
    let lines = json_lines(&o);
    let last = lines.last().unwrap();
    assert_eq!(
        (last["command"].as_str(), last["valid"].as_bool()),
        (Some("validate"), Some(true)),
        "{last}"
    );
}
