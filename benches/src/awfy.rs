//! Running the official Are-We-Fast-Yet SOM benchmarks (smarr/are-we-fast-yet,
//! `benchmarks/SOM`) from a folder the user fetched, at problem sizes their harness
//! verifies, one iteration each.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The 14 benchmarks and inner sizes whose results the AWFY harness checks.
pub const AWFY: &[(&str, u32)] = &[
    ("DeltaBlue", 12000),
    ("Richards", 100),
    ("Json", 100),
    ("CD", 250),
    ("Havlak", 1500),
    ("Bounce", 1500),
    ("List", 1500),
    ("Mandelbrot", 500),
    ("NBody", 250000),
    ("Permute", 1000),
    ("Queens", 1000),
    ("Sieve", 3000),
    ("Storage", 1000),
    ("Towers", 600),
];

fn som_dir(dir: &Path) -> Result<PathBuf> {
    for candidate in [dir.join("benchmarks/SOM"), dir.to_path_buf()] {
        if candidate.join("Harness.som").exists() {
            return Ok(candidate);
        }
    }
    bail!(
        "{} holds no AWFY SOM benchmarks (expected benchmarks/SOM/Harness.som)",
        dir.display()
    )
}

pub fn run(som: &Path, dir: &Path, core_lib: Option<&Path>, filter: &Option<String>) -> Result<()> {
    let dir = som_dir(dir)?;
    let mut cp = ".:Core:CD:DeltaBlue:Havlak:Json:NBody:Richards".to_string();
    if let Some(lib) = core_lib {
        let abs = std::fs::canonicalize(lib).with_context(|| format!("{}", lib.display()))?;
        cp.push(':');
        cp.push_str(&abs.display().to_string());
    }
    let re = filter.as_deref().map(regex::Regex::new).transpose()?;
    let mut failures = 0;
    println!(
        "{:<12} {:>8} {:>12}  result",
        "benchmark", "inner", "time ms"
    );
    for &(name, inner) in AWFY {
        if re.as_ref().is_some_and(|r| !r.is_match(name)) {
            continue;
        }
        let start = Instant::now();
        let out = Command::new(som)
            .current_dir(&dir)
            .args(["-cp", &cp, "Harness.som", name, "1", &inner.to_string()])
            .output()
            .with_context(|| format!("cannot run {}", som.display()))?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let ok = out.status.success();
        if !ok {
            failures += 1;
        }
        let detail = if ok {
            "ok".to_string()
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().next().unwrap_or("").to_string();
            format!("FAILED ({}) {first}", out.status)
        };
        println!("{name:<12} {inner:>8} {ms:>12.1}  {detail}");
    }
    if failures > 0 {
        bail!("{failures} AWFY benchmark(s) failed");
    }
    Ok(())
}
