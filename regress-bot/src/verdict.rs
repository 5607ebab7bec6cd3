//! Verdicts: is the change of one benchmark's metric between two commits a regression, an
//! improvement, or noise? Wall time is judged by the Mann-Whitney U test; deterministic
//! counts by a small fixed threshold; both only beyond the configured minimum change and
//! beyond the noise measured for that benchmark and metric in the history.

use crate::mann_whitney::{mann_whitney, smallest_p};
use crate::store::{CommitRuns, Store, StoreError};
use serde::Serialize;

/// Metrics that get verdicts; lower is better for all of them.
pub const JUDGED: &[&str] = &[
    "instructions",
    "wall_us",
    "logical_clock",
    "bytecodes",
    "peak_heap_bytes",
    "gc_count",
    "jit_compile_ms",
];

/// Metrics measured in time, hence noisy and judged statistically.
fn is_timing(metric: &str) -> bool {
    matches!(metric, "wall_us" | "jit_compile_ms")
}

/// The knobs of the decision.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Policy {
    /// Smallest relative change ever reported (0.02 = 2%).
    pub min_change: f64,
    /// Significance level of the U test.
    pub alpha: f64,
    /// Fixed threshold for deterministic counts.
    pub count_threshold: f64,
    /// A change must exceed this many times the historical noise.
    pub noise_factor: f64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            min_change: 0.02,
            alpha: 0.01,
            count_threshold: 0.005,
            noise_factor: 3.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Regression,
    Improvement,
}

/// The decision for one benchmark and metric.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub benchmark: String,
    pub metric: String,
    pub base: f64,
    pub head: f64,
    /// Relative change of the median, (head − base) / base.
    pub change: f64,
    /// 1 − p for timings; 1 for deterministic counts beyond their threshold.
    pub confidence: f64,
    /// The smallest relative change that would have been flagged.
    pub threshold: f64,
    /// Historical relative noise of this benchmark and metric.
    pub noise: f64,
    pub method: String,
    pub flagged: Option<Direction>,
    /// False when the sample sizes cannot reach the policy's α at all (then nothing can
    /// be flagged and the report says so).
    pub alpha_reachable: bool,
    /// The machine kind both samples were measured on (empty until a report sets it).
    pub machine: String,
}

pub fn median(values: &[f64]) -> f64 {
    som_benches::stats::median(values).unwrap_or(f64::NAN)
}

/// Relative noise from the history: per commit, the scaled median absolute deviation of
/// its process medians when several processes measured it (this includes drift between
/// runs at different times), else of the values of its one process; then the median over
/// commits. Zero when the history says nothing.
pub fn noise(history: &[CommitRuns]) -> f64 {
    let per_commit: Vec<f64> = history.iter().filter_map(commit_noise).collect();
    if per_commit.is_empty() {
        return 0.0;
    }
    median(&per_commit)
}

/// 1.4826 × MAD / |median|: a robust relative spread (equal to the relative standard
/// deviation for normal data); `None` for fewer than two values or a zero median.
pub fn relative_spread(values: &[f64]) -> Option<f64> {
    let center = median(values);
    if values.len() < 2 || center == 0.0 || !center.is_finite() {
        return None;
    }
    let deviations: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    Some(1.4826 * median(&deviations) / center.abs())
}

fn commit_noise(c: &CommitRuns) -> Option<f64> {
    let groups: Vec<&Vec<f64>> = c
        .groups
        .iter()
        .map(|g| &g.values)
        .filter(|v| !v.is_empty())
        .collect();
    if groups.len() >= 2 {
        let medians: Vec<f64> = groups.iter().map(|g| median(g)).collect();
        return relative_spread(&medians);
    }
    relative_spread(groups.first()?)
}

/// The samples a verdict compares: for timings one median per process (iterations of one
/// process are not independent), for counts every value.
pub fn samples(metric: &str, groups: &[Vec<f64>]) -> Vec<f64> {
    if is_timing(metric) {
        groups
            .iter()
            .filter(|g| !g.is_empty())
            .map(|g| median(g))
            .collect()
    } else {
        groups.iter().flatten().copied().collect()
    }
}

/// Judges `metric` of `benchmark` from `base` to `head` given their samples (see
/// `samples`) and the history's noise.
pub fn judge_values(
    benchmark: &str,
    metric: &str,
    base: &[f64],
    head: &[f64],
    noise: f64,
    policy: &Policy,
) -> Option<Verdict> {
    if base.is_empty() || head.is_empty() {
        return None;
    }
    let (b, h) = (median(base), median(head));
    let change = if b == 0.0 {
        if h == 0.0 {
            0.0
        } else {
            f64::INFINITY * h.signum()
        }
    } else {
        (h - b) / b.abs()
    };
    let floor = if is_timing(metric) {
        0.0
    } else {
        policy.count_threshold
    };
    let threshold = policy
        .min_change
        .max(floor)
        .max(policy.noise_factor * noise);
    let smallest = smallest_p(base.len(), head.len());
    let alpha_reachable = !is_timing(metric) || smallest <= policy.alpha;
    let (confidence, method, significant) = if !alpha_reachable {
        (
            0.0,
            format!(
                "Mann-Whitney U cannot reach α = {} with {} against {} processes (smallest p {:.4})",
                policy.alpha,
                base.len(),
                head.len(),
                smallest
            ),
            false,
        )
    } else if is_timing(metric) {
        match mann_whitney(base, head) {
            Some(t) => (
                1.0 - t.p,
                format!(
                    "Mann-Whitney U ({}), p = {:.4}",
                    if t.exact { "exact" } else { "normal approx." },
                    t.p
                ),
                t.p <= policy.alpha,
            ),
            None => (0.0, "Mann-Whitney U: all values tied".into(), false),
        }
    } else {
        (
            1.0,
            format!("deterministic count, threshold {:.1}%", threshold * 100.0),
            true,
        )
    };
    let direction = if change > 0.0 {
        Direction::Regression
    } else {
        Direction::Improvement
    };
    let flagged = (significant && change.abs() > threshold).then_some(direction);
    Some(Verdict {
        benchmark: benchmark.to_string(),
        metric: metric.to_string(),
        base: b,
        head: h,
        change,
        confidence,
        threshold,
        noise,
        method,
        flagged,
        alpha_reachable,
        machine: String::new(),
    })
}

/// Refuses a number of processes per benchmark whose wall-time comparison (that many
/// against that many) could never reach `alpha`.
pub fn check_runs_reach_alpha(runs: u32, alpha: f64) -> Result<(), String> {
    let n = runs as usize;
    let smallest = smallest_p(n, n);
    if smallest > alpha {
        let needed = (1..=64).find(|&k| smallest_p(k, k) <= alpha);
        return Err(format!(
            "--runs {runs} cannot reach α = {alpha}: with {runs} against {runs} processes the smallest \
             two-sided Mann-Whitney p is {smallest:.4}; {}",
            match needed {
                Some(k) => format!("use --runs {k} or more, or a larger --alpha"),
                None => "use a larger --alpha".to_string(),
            }
        ));
    }
    Ok(())
}

/// Judges one benchmark and metric between two commits from the store.
pub fn judge(
    store: &Store,
    base: &str,
    head: &str,
    benchmark: &str,
    metric: &str,
    policy: &Policy,
) -> Result<Option<Verdict>, StoreError> {
    let b = samples(metric, &store.groups(base, benchmark, metric)?);
    let h = samples(metric, &store.groups(head, benchmark, metric)?);
    let noise = noise(&store.history(benchmark, metric)?);
    Ok(judge_values(benchmark, metric, &b, &h, noise, policy))
}

/// Verdicts for every judged metric both commits have, in benchmark order.
pub fn judge_all(
    store: &Store,
    base: &str,
    head: &str,
    policy: &Policy,
) -> Result<Vec<Verdict>, StoreError> {
    let head_series = store.series(head)?;
    let mut out = Vec::new();
    for (benchmark, metric) in store.series(base)? {
        if JUDGED.contains(&metric.as_str())
            && head_series.contains(&(benchmark.clone(), metric.clone()))
        {
            out.extend(judge(store, base, head, &benchmark, &metric, policy)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
