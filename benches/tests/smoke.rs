//! End-to-end: the real `som-bench` binary runs every benchmark once in SOM (and in Lua
//! and Python when installed), and its commands report errors clearly.

use std::path::PathBuf;
use std::process::Command;

fn som_bench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_som-bench"))
}

/// The `som` binary built in the same target directory as `som-bench`.
fn som() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_BIN_EXE_som-bench")).with_file_name("som");
    assert!(
        p.exists(),
        "{} missing: build the workspace (cargo test --workspace builds it)",
        p.display()
    );
    p
}

#[test]
fn every_benchmark_passes_its_own_check_once() {
    let out = som_bench()
        .args(["smoke", "--som"])
        .arg(som())
        .output()
        .expect("run som-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().filter(|l| l.starts_with("ok ")).count(), 13);
}

#[test]
fn run_prints_a_table_with_median_min_and_max() {
    let out = som_bench()
        .args([
            "run",
            "--filter",
            "^Fib$",
            "--runs",
            "1",
            "--iterations",
            "2",
            "--som",
        ])
        .arg(som())
        .output()
        .expect("run som-bench");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("median ms") && table.contains("Fib"),
        "{table}"
    );
}

#[test]
fn json_output_is_valid() {
    let out = som_bench()
        .args([
            "run",
            "--filter",
            "^Queens$",
            "--runs",
            "1",
            "--iterations",
            "2",
            "--json",
            "--som",
        ])
        .arg(som())
        .output()
        .expect("run som-bench");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v[0]["benchmark"], "Queens");
    assert!(v[0]["median_us"].as_f64().is_some());
}

#[test]
fn an_unknown_interpreter_is_a_clear_error() {
    let out = som_bench()
        .args(["compare", "ruby", "--som"])
        .arg(som())
        .output()
        .expect("run som-bench");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ruby"));
}

#[test]
fn a_failing_benchmark_fails_the_run() {
    let out = som_bench()
        .args([
            "run",
            "--filter",
            "^Fib$",
            "--runs",
            "1",
            "--som",
            "/nonexistent/som",
        ])
        .output()
        .expect("run som-bench");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot run"));
}

#[test]
fn awfy_rejects_a_folder_without_the_benchmarks() {
    let out = som_bench()
        .args(["awfy", "/tmp", "--som"])
        .arg(som())
        .output()
        .expect("run som-bench");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("AWFY"));
}
