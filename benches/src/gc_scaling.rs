//! `som-bench gc-scaling`: the collector's cost against the size of the live set. Runs
//! `gc/GcScaling.som` once per live size (a live set of that many objects, then a fixed
//! churn of short-lived ones) with `--stats-json`, and reports per size the number of
//! collections, total and maximum pause, the median pause, peak heap and peak resident
//! memory, so how a full collection's cost follows the live data is shown, not claimed.

use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::Path;
use std::process::Command;

/// One live size's figures (from the VM's `--stats-json`).
#[derive(Debug, Serialize)]
pub struct Scaling {
    pub live_objects: u64,
    pub churn_objects: u64,
    pub collections: u64,
    pub total_pause_ms: f64,
    pub max_pause_ms: f64,
    pub median_pause_ms: f64,
    pub peak_heap_bytes: u64,
    pub peak_rss_bytes: u64,
    pub wall_ms: f64,
}

/// Runs the scaling program for each of `sizes` with `churn` short-lived objects.
pub fn run(
    som: &Path,
    benches: &Path,
    sizes: &[u64],
    churn: u64,
    tier: Option<u8>,
) -> Result<Vec<Scaling>> {
    let program = benches.join("gc/GcScaling.som");
    if !program.exists() {
        bail!("{} is missing", program.display());
    }
    let json = std::env::temp_dir().join(format!("som-gc-scaling-{}.json", std::process::id()));
    let mut rows = Vec::new();
    for &live in sizes {
        let mut cmd = Command::new(som);
        cmd.arg("--stats-json").arg(&json);
        if let Some(t) = tier {
            cmd.args(["--max-tier", &t.to_string()]);
        }
        cmd.arg(&program)
            .args([live.to_string(), churn.to_string()]);
        let start = std::time::Instant::now();
        let out = cmd
            .output()
            .with_context(|| format!("running {}", som.display()))?;
        let wall_ms = start.elapsed().as_secs_f64() * 1000.0;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let expected = format!("live objects: {}", live / 2 * 2);
        if !out.status.success() || stdout.trim() != expected {
            bail!(
                "GcScaling {live}: expected {expected:?}, got {:?} (status {}): {}",
                stdout.trim(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text = std::fs::read_to_string(&json).context("reading --stats-json")?;
        let stats: serde_json::Value =
            serde_json::from_str(&text).context("parsing --stats-json")?;
        let num = |key: &str| -> Result<f64> {
            stats[key]
                .as_f64()
                .with_context(|| format!("--stats-json has no {key}"))
        };
        rows.push(Scaling {
            live_objects: live,
            churn_objects: churn,
            collections: num("gc_count")? as u64,
            total_pause_ms: num("gc_pause_ms")?,
            max_pause_ms: num("gc_max_pause_ms")?,
            median_pause_ms: num("gc_pause_p50_ms")?,
            peak_heap_bytes: num("peak_heap_bytes")? as u64,
            peak_rss_bytes: num("peak_rss_bytes")? as u64,
            wall_ms,
        });
    }
    let _ = std::fs::remove_file(&json);
    Ok(rows)
}

/// Prints the rows as a table (or one JSON array).
pub fn print(rows: &[Scaling], json: bool) {
    if json {
        println!("{}", serde_json::to_string(rows).unwrap_or_default());
        return;
    }
    println!(
        "{:>12} {:>12} {:>6} {:>11} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "live", "churn", "gcs", "total ms", "max ms", "median ms", "heap MiB", "rss MiB", "wall ms"
    );
    let mib = |b: u64| b as f64 / 1048576.0;
    for r in rows {
        println!(
            "{:>12} {:>12} {:>6} {:>11.1} {:>10.2} {:>10.2} {:>10.1} {:>10.1} {:>9.0}",
            r.live_objects,
            r.churn_objects,
            r.collections,
            r.total_pause_ms,
            r.max_pause_ms,
            r.median_pause_ms,
            mib(r.peak_heap_bytes),
            mib(r.peak_rss_bytes),
            r.wall_ms
        );
    }
}
