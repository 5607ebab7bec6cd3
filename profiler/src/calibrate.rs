//! `som-prof calibrate`: fits the energy model's time figures against measured wall
//! time. Each run gives (bytecodes, allocated bytes, seconds); a least-squares fit
//! without intercept gives seconds per bytecode and per allocated byte. Every run is
//! repeated with the VM capped at each tier (`--max-tier`), which gives each tier its
//! own cost per bytecode; the model file multiplies them by a nominal power (`--watts`).

use crate::energy::{Model, DEFAULT_WATTS};
use anyhow::{bail, Result};
use som_vm::introspect::Options;
use som_vm::introspect::{Inputs, Machine};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The runs behind the built-in model (`-cp benches/som benches/som/BenchHarness.som`
/// then these argument sets, separated by `,`).
pub const CALIBRATION_RUNS: &str = "Fib 1 100 , Trees 1 20 , Sieve 1 50 , StringHash 1 20 , \
    Dispatch 1 500 , Mandel 1 20 , Closures 1 50 , Queens 1 50 , Graph 1 20 , Sort 1 30";

/// One calibration run's program and what it measured.
#[derive(Debug, Clone)]
pub struct Run {
    pub label: String,
    pub bytecodes: f64,
    pub allocated_bytes: f64,
    pub seconds: f64,
}

/// Runs `program args` (output captured) and measures it; the fastest of `repeat`.
pub fn measure(
    class_path: &[PathBuf],
    max_tier: u8,
    program: &Path,
    args: &[String],
    repeat: u32,
) -> Result<Run> {
    let mut best: Option<Run> = None;
    for _ in 0..repeat.max(1) {
        let options = Options {
            class_path: class_path.to_vec(),
            max_tier,
            ..Options::default()
        };
        let Ok(mut m) = Machine::load(options, program, args, Inputs::Live, true) else {
            bail!("cannot load {}", program.display());
        };
        let (exit, meter) = m.metered(|m| m.run());
        if exit.status != 0 {
            bail!(
                "{} {} failed: {}",
                program.display(),
                args.join(" "),
                exit.error.unwrap_or_default()
            );
        }
        let run = Run {
            label: format!("tier ≤{max_tier}: {} {}", program.display(), args.join(" ")),
            bytecodes: meter.bytecodes as f64,
            allocated_bytes: meter.allocated_bytes as f64,
            seconds: meter.wall_time.as_secs_f64(),
        };
        if best.as_ref().is_none_or(|b| run.seconds < b.seconds) {
            best = Some(run);
        }
    }
    Ok(best.expect("at least one run"))
}

/// Least squares `seconds ≈ a·bytecodes + b·allocated` with `a, b ≥ 0`; answers
/// `(a, b, r²)`.
pub fn fit(runs: &[Run]) -> (f64, f64, f64) {
    let (mut xx, mut xy, mut yy, mut xs, mut ys) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for r in runs {
        let (x, y, s) = (r.bytecodes, r.allocated_bytes, r.seconds);
        xx += x * x;
        xy += x * y;
        yy += y * y;
        xs += x * s;
        ys += y * s;
    }
    let det = xx * yy - xy * xy;
    let (mut a, mut b) = if det.abs() > f64::EPSILON * xx * yy {
        ((xs * yy - ys * xy) / det, (ys * xx - xs * xy) / det)
    } else {
        (-1.0, -1.0)
    };
    if a < 0.0 || b < 0.0 {
        // One term alone explains the runs better than a negative cost would.
        let only_a = if xx > 0.0 { xs / xx } else { 0.0 };
        let only_b = if yy > 0.0 { ys / yy } else { 0.0 };
        (a, b) = if r_squared(runs, only_a, 0.0) >= r_squared(runs, 0.0, only_b) {
            (only_a, 0.0)
        } else {
            (0.0, only_b)
        };
    }
    (a, b, r_squared(runs, a, b))
}

fn r_squared(runs: &[Run], a: f64, b: f64) -> f64 {
    let mean = runs.iter().map(|r| r.seconds).sum::<f64>() / runs.len().max(1) as f64;
    let (mut res, mut tot) = (0.0, 0.0);
    for r in runs {
        res += (r.seconds - a * r.bytecodes - b * r.allocated_bytes).powi(2);
        tot += (r.seconds - mean).powi(2);
    }
    if tot == 0.0 {
        1.0
    } else {
        1.0 - res / tot
    }
}

/// The model fitted on runs by tier cap: each tier's cost per bytecode from its own
/// runs; the cost per allocated byte from the lowest tier's (allocation does not
/// change with the tier).
pub fn model(by_tier: &BTreeMap<u8, Vec<Run>>, watts: Option<f64>) -> Model {
    let mut per_bytecode = BTreeMap::new();
    let mut per_byte = None;
    let mut notes = Vec::new();
    for (&tier, runs) in by_tier {
        let (a, b, r2) = fit(runs);
        per_bytecode.insert(tier.to_string(), a);
        per_byte.get_or_insert(b);
        notes.push(format!("tier {tier}: {} runs, r² {r2:.3}", runs.len()));
    }
    Model {
        watts: watts.unwrap_or(DEFAULT_WATTS),
        seconds_per_bytecode: per_bytecode,
        seconds_per_allocated_byte: per_byte.unwrap_or(0.0),
        calibration: format!("som-prof calibrate ({})", notes.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytecodes: f64, allocated: f64, seconds: f64) -> Run {
        Run {
            label: String::new(),
            bytecodes,
            allocated_bytes: allocated,
            seconds,
        }
    }

    #[test]
    fn fit_recovers_the_costs_of_exact_runs() {
        let runs = [run(1e9, 1e8, 3.1), run(5e8, 1e9, 2.5), run(2e9, 0.0, 6.0)];
        let (a, b, r2) = fit(&runs);
        assert!(
            (a - 3e-9).abs() < 1e-15 && (b - 1e-9).abs() < 1e-15,
            "{a} {b}"
        );
        assert!(r2 > 0.999_999);
    }

    #[test]
    fn fit_never_answers_a_negative_cost() {
        let runs = [run(1e9, 1e8, 1.0), run(2e9, 1e9, 2.0), run(3e9, 5e9, 3.0)];
        let (a, b, _) = fit(&runs);
        assert!(a > 0.0 && b >= 0.0, "{a} {b}");
        assert!((a - 1e-9).abs() < 1e-12, "{a}");
    }
}
