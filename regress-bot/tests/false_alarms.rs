//! Twenty reruns of an unchanged commit give no alarm: `som-regress noise` on a temporary
//! clone measures the same commit twenty times and judges each run against the previous
//! one with the same rules as a pull-request report. Needs valgrind, like `e2e.rs`.

mod common;

use common::{som_regress, temp_dir, workspace};
use serde_json::Value;
use std::process::Command;

#[test]
fn twenty_reruns_of_an_unchanged_commit_raise_no_alarm() {
    assert!(
        Command::new("valgrind")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "valgrind is missing: install it (apt-get install valgrind; .ci/run does this in CI)"
    );
    let dir = temp_dir("false-alarms");
    let repo = dir.join("repo");
    let src = workspace();
    let cloned = Command::new("git")
        .args(["clone", "-q"])
        .arg(&src)
        .arg(&repo)
        .status()
        .expect("git clone");
    assert!(cloned.success());
    let target = src.join("target/regress-e2e-target");
    let out = som_regress()
        .args(["noise", "--commit", "HEAD", "--reruns", "20"])
        .args(["--filter", "^Fib$|^G1n000Mono$", "--generated", "1"])
        .args(["--runs", "5", "--iterations", "3", "--no-profile", "--repo"])
        .arg(&repo)
        .arg("--target-dir")
        .arg(&target)
        .output()
        .expect("run som-regress noise");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let check: Value = serde_json::from_slice(&out.stdout).expect("noise JSON");
    assert_eq!(check["runs"], 20, "{check}");
    // 19 consecutive pairs × 2 benchmarks × 7 judged metrics
    assert_eq!(check["comparisons"], 19 * 2 * 7, "{check}");
    assert_eq!(
        check["alarms"].as_array().unwrap().len(),
        0,
        "false alarms: {check:#}"
    );
}
