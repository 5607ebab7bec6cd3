//! `som-dbg latency`: times debugger commands on a recording. A script of batch commands
//! (one per line, `#` comments) runs `runs` times on one opened recording; before each
//! run the session is reset (breakpoints, watchpoints and logpoints deleted, the fine
//! snapshots dropped, back at the first boundary), so every run starts from the
//! checkpoints of the first replay alone. Prints each command's median, minimum and
//! maximum wall time and its answer (where it stopped, or the write found), and says
//! when the answers differ between runs. Wall times are reported, never asserted.

use crate::batch::answer;
use crate::command::Command;
use crate::engine::Engine;
use serde_json::Value;
use std::io::Write;
use std::time::Instant;

/// One script line's measurements.
struct Row {
    line: String,
    ms: Vec<f64>,
    answers: Vec<String>,
}

/// The part of a batch answer that says what the command found.
fn summary(json: &Value) -> String {
    let clock = &json["clock"];
    if let Some(e) = json.get("error") {
        return format!("error: {}", e.as_str().unwrap_or(""));
    }
    if let Some(w) = json.get("write") {
        return format!(
            "write at clock {} ({}>>{} line {})",
            w["clock"],
            w["class"].as_str().unwrap_or(""),
            w["selector"].as_str().unwrap_or(""),
            w["line"]
        );
    }
    if let Some(s) = json.get("stopped") {
        return format!("{} at clock {clock}", s["reason"].as_str().unwrap_or(""));
    }
    match json.get("message") {
        Some(m) => m.as_str().unwrap_or("").to_string(),
        None => format!("at clock {clock}"),
    }
}

fn median(ms: &[f64]) -> f64 {
    let mut v = ms.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Runs `script` `runs` times on `engine` and prints the table to `out`.
pub fn run(
    engine: &mut Engine,
    script: &str,
    runs: usize,
    mut out: impl Write,
) -> Result<(), String> {
    let mut rows: Vec<Row> = Vec::new();
    for line in script.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        Command::parse(line).map_err(|e| format!("script line '{line}': {e}"))?;
        rows.push(Row {
            line: line.to_string(),
            ms: Vec::new(),
            answers: Vec::new(),
        });
    }
    for _ in 0..runs.max(1) {
        engine.reset_session();
        for row in &mut rows {
            let cmd = Command::parse(&row.line).expect("parsed above");
            let started = Instant::now();
            let reply = engine.execute(&cmd);
            row.ms.push(started.elapsed().as_secs_f64() * 1000.0);
            row.answers.push(summary(&answer(engine, &reply)));
        }
    }
    let w = |e: std::io::Error| e.to_string();
    writeln!(out, "{}", engine.describe_replay()).map_err(w)?;
    writeln!(
        out,
        "{} runs; ms per command (median, min, max), then the answer",
        runs.max(1)
    )
    .map_err(w)?;
    let width = rows.iter().map(|r| r.line.len()).max().unwrap_or(0);
    for r in &rows {
        let min = r.ms.iter().copied().fold(f64::INFINITY, f64::min);
        let max = r.ms.iter().copied().fold(0.0, f64::max);
        let same = r.answers.iter().all(|a| *a == r.answers[0]);
        writeln!(
            out,
            "{:width$}  {:8.1} {:8.1} {:8.1}  {}{}",
            r.line,
            median(&r.ms),
            min,
            max,
            r.answers[0],
            if same {
                ""
            } else {
                "  (answers differ between runs!)"
            }
        )
        .map_err(w)?;
    }
    Ok(())
}
