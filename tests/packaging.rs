//! What people and pipelines see besides the commands themselves: shell
//! completions, man pages, `make install`, the container image's recipe.

use crate::util;
use std::fs;
use std::process::Command;

const SUBCOMMANDS: [&str; 11] = [
    "generate",
    "validate",
    "gather",
    "report",
    "estimate",
    "changes",
    "apply",
    "ingest",
    "export-sources",
    "completions",
    "bench-table",
];

#[test]
fn completions_name_every_subcommand() {
    let bash = util::ok(&["completions", "bash"]);
    assert!(bash.contains("complete"), "{bash}");
    for sub in SUBCOMMANDS {
        assert!(bash.contains(sub), "bash completions lack {sub}");
    }
    assert!(
        !bash.contains("cmdbgen__man"),
        "the hidden man command is not offered"
    );
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let text = util::ok(&["completions", shell]);
        assert!(text.contains("generate"), "{shell}: {text}");
    }
    let o = util::run(&["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_pages_are_roff_one_per_subcommand() {
    let page = util::ok(&["man"]);
    assert!(page.contains(".TH cmdbgen 1"), "{page}");
    assert!(page.contains("generate"), "{page}");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    util::ok(&["man", dir.to_str().unwrap()]);
    for sub in SUBCOMMANDS {
        let p = dir.join(format!("cmdbgen-{sub}.1"));
        let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(text.contains(".TH cmdbgen-"), "{}", p.display());
    }
    assert!(dir.join("cmdbgen.1").is_file());
    // Rendered by nroff where it is installed (a roff error shows as text).
    if let Ok(o) = Command::new("nroff")
        .args(["-man", dir.join("cmdbgen-generate.1").to_str().unwrap()])
        .output()
    {
        // Without a terminal nroff shows bold as "x\x08x": keep the letters.
        let shown = String::from_utf8_lossy(&o.stdout)
            .split('\u{8}')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.get(1..).unwrap_or("")
                }
            })
            .collect::<String>();
        assert!(o.status.success() && shown.contains("SYNOPSIS"), "{shown}");
        assert!(shown.contains("profile"), "{shown}");
    }
    assert!(
        !dir.join("cmdbgen-man.1").exists(),
        "the hidden man command has no page"
    );
}

#[test]
fn make_install_puts_binary_man_pages_and_completions_under_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("prefix");
    let destdir = tmp.path().join("stage");
    let run = |extra: &[String]| {
        let o = Command::new("make")
            .current_dir(util::repo())
            .env_remove("MAKEFLAGS")
            .env_remove("MAKELEVEL")
            .arg("--no-print-directory")
            .arg("install")
            .arg(format!("PREFIX={}", prefix.display()))
            // The binary under test: no release build.
            .arg(format!("CMDBGEN={}", env!("CARGO_BIN_EXE_cmdbgen")))
            .args(extra)
            .output()
            .expect("running make (install GNU make)");
        assert!(
            o.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let expected = [
        "bin/cmdbgen",
        "share/man/man1/cmdbgen.1",
        "share/man/man1/cmdbgen-generate.1",
        "share/bash-completion/completions/cmdbgen",
        "share/zsh/site-functions/_cmdbgen",
        "share/fish/vendor_completions.d/cmdbgen.fish",
    ];
    run(&[]);
    for f in expected {
        let p = prefix.join(f);
        assert!(p.is_file(), "{} is missing", p.display());
        assert!(
            fs::metadata(&p).unwrap().len() > 0,
            "{} is empty",
            p.display()
        );
    }
    let o = Command::new(prefix.join("bin/cmdbgen"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(o.status.success());

    // DESTDIR stages the same tree below it (packagers).
    run(&[format!("DESTDIR={}", destdir.display())]);
    let staged = destdir.join(prefix.strip_prefix("/").unwrap());
    for f in expected {
        assert!(staged.join(f).is_file(), "{f} is not staged");
    }
}

/// The Dockerfile cannot be built here (no Docker engine): check what it
/// refers to exists and that the compose service and the Kubernetes example
/// use the image it makes.
#[test]
fn the_image_recipe_refers_to_what_exists() {
    let repo = util::repo();
    let docker = fs::read_to_string(repo.join("Dockerfile")).unwrap();
    assert!(docker.contains("RUN cargo build --release --locked"));
    assert!(docker.contains("COPY --from=build /src/target/release/cmdbgen /usr/local/bin/cmdbgen"));
    for line in docker
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let src = line.split_whitespace().nth(1).unwrap();
        assert!(repo.join(src).exists(), "{line}: {src} does not exist");
    }
    assert!(repo.join("scripts/import.sh").is_file() && repo.join("scripts/ops.py").is_file());
    let user = docker
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER line");
    assert!(
        !user.starts_with('0') && !user.starts_with("root"),
        "{user}"
    );
    // The build stage copies the whole context: what .dockerignore leaves
    // out must not be needed (the target folder, bundles, git history).
    let ignore = fs::read_to_string(repo.join(".dockerignore")).unwrap();
    for needed in ["src", "Cargo.toml", "Cargo.lock", "benches", "tests"] {
        assert!(
            !ignore.lines().any(|l| l.trim() == needed),
            "{needed} is ignored"
        );
    }

    let version = env!("CARGO_PKG_VERSION");
    let image = format!("cmdbgen:{version}");
    let makefile = fs::read_to_string(repo.join("Makefile")).unwrap();
    assert!(
        makefile.contains(&format!("IMAGE ?= {image}\n")),
        "make image tags {image}"
    );
    let compose = fs::read_to_string(repo.join("docker-compose.yml")).unwrap();
    assert!(compose.contains(&format!("image: ${{CMDBGEN_IMAGE:-{image}}}")));
    assert!(
        compose.contains("profiles: [\"cmdbgen\"]"),
        "the service is profile-gated"
    );
    let k8s = fs::read_to_string(repo.join("docs/k8s/indexed-job.yaml")).unwrap();
    let images: Vec<&str> = k8s
        .lines()
        .filter_map(|l| l.trim().strip_prefix("image: "))
        .collect();
    assert!(!images.is_empty());
    for i in images {
        assert!(
            i.ends_with(&format!("/{image}")),
            "{i} is not the Dockerfile's {image}"
        );
    }
}

/// Every `sh` example of README.md runs, in order, in a scratch copy
/// (scripts/readme-examples.sh; a minute or so, hence run by scripts/test.sh).
#[test]
#[ignore = "needs git, make and a minute: scripts/test.sh"]
fn readme_examples_run_in_order_on_a_fresh_copy() {
    let o = Command::new(util::repo().join("scripts/readme-examples.sh"))
        .current_dir(util::repo())
        .env("CMDBGEN", env!("CARGO_BIN_EXE_cmdbgen"))
        .output()
        .expect("running scripts/readme-examples.sh");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("examples ran"), "{err}");
    // The skips stay few and named.
    let skipped = err.lines().filter(|l| l.contains(": skip (")).count();
    assert!(
        skipped <= 13,
        "{skipped} README examples are skipped:\n{err}"
    );
}

#[test]
fn readme_examples_are_listed_with_their_skips() {
    let o = Command::new(util::repo().join("scripts/readme-examples.sh"))
        .arg("--list")
        .output()
        .expect("running scripts/readme-examples.sh --list");
    assert!(o.status.success());
    let list = String::from_utf8_lossy(&o.stdout);
    let first = list.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("run: cargo run --release -- generate --out out/default"),
        "{list}"
    );
    // No two runs write the same bundle folder with different commands.
    let mut outs = std::collections::HashMap::new();
    for l in list.lines().filter_map(|l| l.strip_prefix("run: ")) {
        let words: Vec<&str> = l.split_whitespace().collect();
        if let Some(i) = words.iter().position(|w| *w == "--out") {
            if words.contains(&"--part") {
                continue;
            }
            if let Some(prev) = outs.insert(words[i + 1].to_string(), l.to_string()) {
                panic!("--out {} is written twice:\n{prev}\n{l}", words[i + 1]);
            }
        }
    }
}
