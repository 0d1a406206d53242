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
