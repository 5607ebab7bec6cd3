//! Measuring the suite (interleaving languages run by run) and printing the tables:
//! per-benchmark median/min/max, ratios against other languages and their geometric mean.

use anyhow::Result;
use som_benches::runner::{run_once, Language};
use som_benches::stats;
use som_benches::suite::Benchmark;
use std::path::Path;

/// Per-iteration times (microseconds) of one benchmark, one vector per language.
pub struct Row {
    pub bench: Benchmark,
    /// For each language: the median iteration time of each run.
    pub per_language: Vec<Vec<f64>>,
    pub iterations: u32,
}

/// Runs every benchmark `runs` times in every language, interleaved.
pub fn measure_all(
    langs: &[Language],
    suite: &[Benchmark],
    benches: &Path,
    runs: u32,
    iterations: u32,
) -> Result<Vec<Row>> {
    let iterations = iterations.max(2);
    let mut rows = Vec::new();
    for b in suite {
        let mut per_language = vec![Vec::new(); langs.len()];
        for _ in 0..runs.max(1) {
            for (i, lang) in langs.iter().enumerate() {
                let times = run_once(lang, benches, b.name, iterations, b.inner)?;
                // The first iteration is warm-up (class loading, caches).
                if let Some(m) = stats::median(&times[1..]) {
                    per_language[i].push(m);
                }
            }
        }
        eprintln!("  measured {}", b.name);
        rows.push(Row {
            bench: *b,
            per_language,
            iterations,
        });
    }
    Ok(rows)
}

fn ms(us: Option<f64>) -> String {
    us.map_or("-".into(), |v| format!("{:.2}", v / 1000.0))
}

pub fn print_run(rows: &[Row], json: bool) {
    if json {
        let v: Vec<_> = rows
            .iter()
            .map(|r| {
                let t = &r.per_language[0];
                serde_json::json!({
                    "benchmark": r.bench.name,
                    "inner": r.bench.inner,
                    "iterations": r.iterations,
                    "median_us": stats::median(t),
                    "min_us": stats::min(t),
                    "max_us": stats::max(t),
                    "runs_us": t,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        return;
    }
    println!("{}", format_run_table(rows));
}

/// The text table of `run`: one line per benchmark.
pub fn format_run_table(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<12} {:>12} {:>10} {:>10} {:>6}\n",
        "benchmark", "median ms", "min ms", "max ms", "runs"
    );
    for r in rows {
        let t = &r.per_language[0];
        s.push_str(&format!(
            "{:<12} {:>12} {:>10} {:>10} {:>6}\n",
            r.bench.name,
            ms(stats::median(t)),
            ms(stats::min(t)),
            ms(stats::max(t)),
            t.len()
        ));
    }
    s
}

pub fn print_compare(langs: &[Language], rows: &[Row], json: bool) {
    let medians: Vec<Vec<Option<f64>>> = rows
        .iter()
        .map(|r| r.per_language.iter().map(|t| stats::median(t)).collect())
        .collect();
    let mut geo = Vec::new();
    for li in 1..langs.len() {
        let ratios: Vec<f64> = medians
            .iter()
            .filter_map(|m| Some(m[0]? / m[li]?))
            .collect();
        geo.push(stats::geomean(&ratios));
    }
    if json {
        let v = serde_json::json!({
            "languages": langs.iter().map(|l| l.label()).collect::<Vec<_>>(),
            "benchmarks": rows.iter().zip(&medians).map(|(r, m)| serde_json::json!({
                "benchmark": r.bench.name, "median_us": m })).collect::<Vec<_>>(),
            "geomean_som_over": geo,
        });
        println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        return;
    }
    let mut header = format!("{:<12} {:>10}", "benchmark", "som ms");
    for l in &langs[1..] {
        header.push_str(&format!(
            " {:>10} {:>9}",
            format!("{} ms", l.label()),
            "som/x"
        ));
    }
    println!("{header}");
    for (r, m) in rows.iter().zip(&medians) {
        let mut line = format!("{:<12} {:>10}", r.bench.name, ms(m[0]));
        for li in 1..langs.len() {
            let ratio = match (m[0], m[li]) {
                (Some(a), Some(b)) => format!("{:.2}", a / b),
                _ => "-".into(),
            };
            line.push_str(&format!(" {:>10} {:>9}", ms(m[li]), ratio));
        }
        println!("{line}");
    }
    let mut footer = format!("{:<12} {:>10}", "geomean", "");
    for g in &geo {
        footer.push_str(&format!(
            " {:>10} {:>9}",
            "",
            g.map_or("-".into(), |g| format!("{g:.2}"))
        ));
    }
    println!("{footer}");
    println!("(som/x below 1.0 means tiered-som is faster)");
}

/// Every benchmark once at inner size 1 under som, and under lua5.4 and python3 when
/// they are installed (under `CI`, a missing one is an error).
pub fn smoke(som: &Path, benches: &Path) -> Result<()> {
    let mut langs = vec![Language::Som {
        binary: som.to_path_buf(),
        tier: None,
    }];
    for (cmd, flag, lang) in [
        ("lua5.4", "-v", Language::Lua("lua5.4".into())),
        ("python3", "--version", Language::Python("python3".into())),
    ] {
        let present = std::process::Command::new(cmd)
            .arg(flag)
            .output()
            .is_ok_and(|o| o.status.success());
        if present {
            langs.push(lang);
        } else if std::env::var_os("CI").is_some() {
            anyhow::bail!("{cmd} not found: CI must install it (scripts/test does)");
        } else {
            eprintln!("note: {cmd} not found; skipping its smoke runs");
        }
    }
    for b in som_benches::suite::SUITE {
        for lang in &langs {
            run_once(lang, benches, b.name, 1, 1)?;
        }
        println!("ok {}", b.name);
    }
    Ok(())
}
