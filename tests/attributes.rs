//! Attributes that agree: tests/crosscheck/attributes.py checks a generated
//! `medium` bundle with DuckDB (vendor, model and device type; engine and
//! version; region, geo and code; names and environments; sizes by server
//! type; leaf applications and hubs).

use crate::util::{self, generate};

#[test]
#[ignore = "needs DuckDB: scripts/test.sh"]
fn medium_attributes_agree() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    generate(&d, "medium", &[]);
    let o = std::process::Command::new(util::verify_python())
        .arg(util::repo().join("tests/crosscheck/attributes.py"))
        .arg(&d)
        .output()
        .expect("running tests/crosscheck/attributes.py");
    let out = format!(
        "{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains(" passed, 0 failed"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
}
