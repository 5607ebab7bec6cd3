//! End-to-end: `som-bench gc-scaling` runs the collector's scaling program at two small
//! live sizes on the real `som` binary and reports, per size, collections and pauses
//! that grow with the live set.

use std::path::PathBuf;
use std::process::Command;

/// The `som` binary built in the same target directory as `som-bench`.
fn som() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_BIN_EXE_som-bench")).with_file_name("som");
    assert!(p.exists(), "{} missing: build the workspace", p.display());
    p
}

#[test]
fn gc_scaling_reports_pauses_per_live_size() {
    let out = Command::new(env!("CARGO_BIN_EXE_som-bench"))
        .args([
            "gc-scaling",
            "--sizes",
            "20000,200000",
            "--churn",
            "2000000",
            "--json",
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
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON array");
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    for (row, live) in rows.iter().zip([20000, 200000]) {
        assert_eq!(row["live_objects"], live);
        assert!(row["collections"].as_u64().unwrap() > 0, "{row}");
        let max = row["max_pause_ms"].as_f64().unwrap();
        assert!(max >= row["median_pause_ms"].as_f64().unwrap(), "{row}");
        assert!(row["total_pause_ms"].as_f64().unwrap() >= max, "{row}");
    }
    assert!(
        rows[1]["peak_heap_bytes"].as_u64() > rows[0]["peak_heap_bytes"].as_u64(),
        "a larger live set holds a larger heap: {rows:?}"
    );
}

#[test]
fn gc_scaling_rejects_a_som_that_is_not_there() {
    let out = Command::new(env!("CARGO_BIN_EXE_som-bench"))
        .args(["gc-scaling", "--sizes", "1000", "--som", "/nonexistent/som"])
        .output()
        .expect("run som-bench");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/som"));
}
