//! Measuring one benchmark of one built commit: wall time per iteration over repeated
//! processes, the VM's `--stats-json` counts, instructions under `valgrind --tool=callgrind`,
//! the peak resident set size of one iteration, and two profiles from `som-prof` when the
//! commit has it: the deterministic clock mode (interpreter work) and the time mode
//! (where the time went, tier-1 code included).

use crate::build::Built;
use crate::suite::Entry;
use crate::vm_run::VmCall;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// Processes per benchmark for wall time unless told otherwise: the fewest that let the
/// exact Mann-Whitney test reach α = 0.01 (5 against 5 can give p = 2/252 = 0.0079).
pub const DEFAULT_RUNS: u32 = 5;

/// How much to measure.
#[derive(Debug, Clone)]
pub struct Settings {
    pub runs: u32,
    pub iterations: u32,
    pub callgrind: bool,
    pub profile: bool,
    /// VM options for every measured run (e.g. `--max-tier 0`), also given to the
    /// time-mode profile (the clock mode advances identically in every tier).
    pub vm_options: Vec<String>,
}

/// Everything measured for one benchmark.
#[derive(Debug, Default)]
pub struct Measured {
    /// Wall time per iteration, one vector per process (warm-up iteration dropped).
    pub wall: Vec<Vec<f64>>,
    pub values: Vec<(String, Vec<f64>)>,
    /// `(mode, profile.json)` for each profile recorded.
    pub profiles: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// Fails with a clear message when callgrind is wanted and valgrind is not installed.
pub fn require_valgrind() -> Result<()> {
    match Command::new("valgrind").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(()),
        _ => bail!(
            "valgrind not found: the instruction metric needs `valgrind --tool=callgrind` \
             (apt-get install valgrind), or pass --no-callgrind"
        ),
    }
}

pub fn measure(built: &Built, entry: &Entry, s: &Settings, scratch: &Path) -> Result<Measured> {
    std::fs::create_dir_all(scratch)?;
    let mut m = Measured {
        wall: wall_times(built, entry, s)?,
        ..Measured::default()
    };
    let small = entry.harness_args(1, entry.small_inner);
    let call = VmCall {
        som: &built.som,
        options: &s.vm_options,
        class_path: &entry.class_path,
        program: &entry.harness,
        args: &small,
    };
    match call.run_with_stats(&scratch.join("stats.json"))?.stats {
        Some(stats) => {
            for (metric, v) in stats.metrics() {
                m.values.push((metric.to_string(), vec![v]));
            }
        }
        None => m.notes.push("no --stats-json in this commit's VM".into()),
    }
    if s.callgrind {
        m.values
            .push(("instructions".into(), vec![instructions(&call, scratch)?]));
    }
    m.values
        .push(("max_rss_kb".into(), vec![max_rss_kb(built, entry, s)?]));
    if s.profile {
        let clock = m
            .values
            .iter()
            .find(|(k, _)| k == "logical_clock")
            .and_then(|(_, v)| v.first().copied());
        record_profile(built, entry, s, scratch, clock, &mut m);
    }
    Ok(m)
}

/// Peak resident set size of one wall-size iteration's process.
fn max_rss_kb(built: &Built, entry: &Entry, s: &Settings) -> Result<f64> {
    let args = entry.harness_args(1, entry.wall_inner);
    let call = VmCall {
        som: &built.som,
        options: &s.vm_options,
        class_path: &entry.class_path,
        program: &entry.harness,
        args: &args,
    };
    let mut cmd = call.command();
    cmd.arg(&entry.harness).args(&args);
    let (code, kb) = crate::rusage::run_for_max_rss(&mut cmd)?;
    if code != Some(0) {
        bail!("{} failed in the memory run (exit {code:?})", entry.name);
    }
    Ok(kb as f64)
}

fn wall_times(built: &Built, entry: &Entry, s: &Settings) -> Result<Vec<Vec<f64>>> {
    let args = entry.harness_args(s.iterations, entry.wall_inner);
    let call = VmCall {
        som: &built.som,
        options: &s.vm_options,
        class_path: &entry.class_path,
        program: &entry.harness,
        args: &args,
    };
    let mut all = Vec::new();
    for _ in 0..s.runs {
        let out = call.command().arg(&entry.harness).args(&args).output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!(
                "{} failed ({}): {}",
                entry.name,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let times = entry.iteration_times(&stdout);
        if times.is_empty() {
            bail!("{} printed no iteration times", entry.name);
        }
        // the first iteration of each process is warm-up
        all.push(times[usize::from(times.len() > 1)..].to_vec());
    }
    Ok(all)
}

/// Instructions executed by the whole `som` process under callgrind (its `totals:` line).
fn instructions(call: &VmCall, scratch: &Path) -> Result<f64> {
    let out_file = scratch.join("callgrind.out");
    let _ = std::fs::remove_file(&out_file);
    let vm = call.command();
    let out = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(vm.get_program())
        .args(vm.get_args())
        .arg(call.program)
        .args(call.args)
        .output()
        .context("cannot run valgrind")?;
    if !out.status.success() {
        bail!(
            "callgrind run failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = std::fs::read_to_string(&out_file)
        .with_context(|| format!("callgrind wrote no {}", out_file.display()))?;
    callgrind_total(&text).context("no totals: or summary: line in callgrind output")
}

/// The event total of a callgrind output file.
pub fn callgrind_total(text: &str) -> Option<f64> {
    let line = text
        .lines()
        .find(|l| l.starts_with("totals:"))
        .or_else(|| text.lines().find(|l| l.starts_with("summary:")))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// About this many samples per clock-mode profile when the logical clock of the run is known.
const PROFILE_SAMPLES: f64 = 2000.0;

/// `som-prof record --mode clock` on a small run and `--mode time` on one wall-size
/// iteration (with the measured VM options), of the harness or a generated program's own
/// file; a missing profile leaves a note saying why.
fn record_profile(
    built: &Built,
    entry: &Entry,
    s: &Settings,
    scratch: &Path,
    clock: Option<f64>,
    m: &mut Measured,
) {
    let Some(prof) = &built.som_prof else {
        m.notes.push("no som-prof in this commit".into());
        return;
    };
    // a clock sample every clock/2000 ticks; a som-prof without --every records at its own rate
    let every = clock.map(|c| (c / PROFILE_SAMPLES).max(1.0) as u64);
    for mode in ["clock", "time"] {
        let dir = scratch.join(format!("profile-{mode}"));
        let _ = std::fs::remove_dir_all(&dir);
        let inner = if mode == "clock" {
            entry.small_inner
        } else {
            entry.wall_inner
        };
        let record = |every: Option<u64>| {
            let mut c = Command::new(prof);
            c.args(["record", "--mode", mode, "-o"]).arg(&dir);
            if mode == "time" {
                c.args(&s.vm_options);
            }
            if let Some(n) = every {
                c.args(["--every", &n.to_string()]);
            }
            c.args(entry.program_args(inner)).output()
        };
        let out = match record(every.filter(|_| mode == "clock")) {
            Ok(o) if !o.status.success() && mode == "clock" && every.is_some() => record(None),
            other => other,
        };
        match out {
            Ok(o) if o.status.success() => {
                match std::fs::read_to_string(dir.join("profile.json")) {
                    Ok(json) => m.profiles.push((mode.to_string(), json)),
                    Err(_) => m
                        .notes
                        .push(format!("som-prof wrote no {mode}-mode profile.json")),
                }
            }
            Ok(o) => m.notes.push(format!(
                "som-prof record --mode {mode} failed in this commit ({})",
                o.status
            )),
            Err(e) => m.notes.push(format!("cannot run som-prof: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callgrind_totals_are_read() {
        let text = "version: 1\ncmd: som\nevents: Ir\nsummary: 1234\nfl=x\n0 5\ntotals: 1240\n";
        assert_eq!(callgrind_total(text), Some(1240.0));
        assert_eq!(callgrind_total("events: Ir\nsummary: 77\n"), Some(77.0));
        assert_eq!(callgrind_total("nothing"), None);
    }
}
