//! The tier configurations both fuzzers (`fuzz` and `structural`) run every program in,
//! what one run observed, and how two observations differ. One place, so that the two
//! fuzzers compare tiers by the same rules.

use crate::vm_run::{VmCall, VmOutcome};
use anyhow::{Context, Result};
use std::path::Path;
use std::time::Duration;

/// One way of running the VM, e.g. `--max-tier 1 --jit-threshold 0`.
#[derive(Debug, Clone)]
pub struct Config {
    pub label: String,
    pub options: Vec<String>,
}

impl Config {
    pub fn new(options: &[&str]) -> Config {
        let label = if options.is_empty() {
            "default".to_string()
        } else {
            options.join(" ")
        };
        Config {
            label,
            options: options.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Interpreter only, JIT at the first call, default tiering, and, if this VM takes
/// `--max-tier 2`, tier 2 at the first call, plain and with sends compiled too
/// (`--tier2-sends`) under `--deopt-stress`.
pub fn configs(som: &Path, scratch: &Path) -> Result<Vec<Config>> {
    let mut v = vec![
        Config::new(&["--max-tier", "0"]),
        Config::new(&["--max-tier", "1", "--jit-threshold", "0"]),
        Config::new(&[]),
    ];
    std::fs::create_dir_all(scratch)?;
    let probe = scratch.join("TierProbe.som");
    std::fs::write(&probe, "TierProbe = ( run = ( ^ self ) )\n")?;
    let accepts = |flags: &[&str]| -> Result<bool> {
        Ok(std::process::Command::new(som)
            .args(flags)
            .arg(&probe)
            .output()
            .with_context(|| format!("cannot run {}", som.display()))?
            .status
            .success())
    };
    if accepts(&["--max-tier", "2"])? {
        v.push(Config::new(&["--max-tier", "2", "--jit-threshold", "0"]));
        // sends in tier-2 code too, with every guard failing on its first executions
        let stress = [
            "--max-tier",
            "2",
            "--jit-threshold",
            "0",
            "--tier2-sends",
            "--deopt-stress",
        ];
        if accepts(&stress)? {
            v.push(Config::new(&stress));
        }
    }
    Ok(v)
}

/// What one configuration observed.
#[derive(Debug, PartialEq)]
pub struct Observed {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub clock: Option<u64>,
    pub timed_out: bool,
}

impl From<&VmOutcome> for Observed {
    fn from(o: &VmOutcome) -> Observed {
        Observed {
            status: o.status,
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            clock: o.stats.as_ref().and_then(|s| s.logical_clock),
            timed_out: o.timed_out,
        }
    }
}

/// Runs `program` (no arguments, no class path) under `config`, killed after `timeout`.
pub fn observe(
    som: &Path,
    config: &Config,
    scratch: &Path,
    program: &Path,
    timeout: Duration,
) -> Result<Observed> {
    let call = VmCall {
        som,
        options: &config.options,
        class_path: &[],
        program,
        args: &[],
    };
    let outcome = call.run_with_stats_within(&scratch.join("stats.json"), Some(timeout))?;
    Ok(Observed::from(&outcome))
}

/// How `y` (under `b`) differs from `x` (under `a`), or `None` when they agree. The
/// first difference is named: a time-out, the status, stdout, stderr's first line
/// (error messages and backtraces must be the same in every tier), the logical clock.
pub fn difference(a: &str, x: &Observed, b: &str, y: &Observed) -> Option<String> {
    let what = if x.timed_out != y.timed_out {
        "a time-out under only one of them".to_string()
    } else if x.status != y.status {
        format!("{} vs {}", status(x.status), status(y.status))
    } else if x.stdout != y.stdout {
        format!(
            "stdout {:?} vs {:?}",
            x.stdout.trim_end(),
            y.stdout.trim_end()
        )
    } else if x.stderr != y.stderr {
        let (l, r) = first_differing_line(&x.stderr, &y.stderr);
        format!("stderr {l:?} vs {r:?}")
    } else if x.clock != y.clock {
        format!("logical clock {:?} vs {:?}", x.clock, y.clock)
    } else {
        return None;
    };
    Some(format!("'{a}' and '{b}' disagree: {what}"))
}

/// The first line where `x` and `y` differ (empty past the end of one of them).
fn first_differing_line<'s>(x: &'s str, y: &'s str) -> (&'s str, &'s str) {
    let (mut xs, mut ys) = (x.lines(), y.lines());
    loop {
        match (xs.next(), ys.next()) {
            (Some(l), Some(r)) if l == r => continue,
            (l, r) => return (l.unwrap_or(""), r.unwrap_or("")),
        }
    }
}

/// An exit status as a finding names it.
pub fn status(code: Option<i32>) -> String {
    match code {
        Some(c) => format!("exit status {c}"),
        None => "killed by a signal (crash)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(status: i32, stdout: &str, stderr: &str, clock: u64) -> Observed {
        Observed {
            status: Some(status),
            stdout: stdout.into(),
            stderr: stderr.into(),
            clock: Some(clock),
            timed_out: false,
        }
    }

    #[test]
    fn equal_observations_agree() {
        let x = seen(0, "1\n", "", 7);
        assert_eq!(difference("a", &x, "b", &seen(0, "1\n", "", 7)), None);
    }

    #[test]
    fn the_first_difference_is_named() {
        let x = seen(1, "", "error: x\n  at A>>run\n", 7);
        let y = seen(1, "", "error: x\n  at B>>run\n", 7);
        let d = difference("t0", &x, "t2", &y).unwrap();
        assert!(d.contains("'t0' and 't2'"), "{d}");
        assert!(d.contains("at A>>run") && d.contains("at B>>run"), "{d}");
        let d = difference("t0", &x, "t1", &seen(1, "", "error: x\n  at A>>run\n", 8));
        assert!(d.unwrap().contains("logical clock Some(7) vs Some(8)"));
        let d = difference("t0", &x, "t1", &seen(0, "", "", 7)).unwrap();
        assert!(d.contains("exit status 1 vs exit status 0"), "{d}");
    }
}
