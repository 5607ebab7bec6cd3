//! Verdicts: is the change of one benchmark's metric between two commits a regression, an
//! improvement, or noise? Wall time is judged by the Mann-Whitney U test; deterministic
//! counts by a small fixed threshold; both only beyond the configured minimum change and
//! beyond the noise measured for that benchmark and metric in the history.

use crate::mann_whitney::mann_whitney;
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
}

pub fn median(values: &[f64]) -> f64 {
    som_benches::stats::median(values).unwrap_or(f64::NAN)
}

/// Relative noise from the history: per commit, the spread of run medians when it was run
/// more than once, else the scaled median absolute deviation within its one run; then the
/// median over commits. Zero when the history says nothing.
pub fn noise(history: &[CommitRuns]) -> f64 {
    let mut per_commit: Vec<f64> = history.iter().filter_map(commit_noise).collect();
    if per_commit.is_empty() {
        return 0.0;
    }
    per_commit.sort_by(f64::total_cmp);
    median(&per_commit)
}

fn commit_noise(c: &CommitRuns) -> Option<f64> {
    let all: Vec<f64> = c.runs.iter().flatten().copied().collect();
    let center = median(&all);
    if all.len() < 2 || center == 0.0 || !center.is_finite() {
        return None;
    }
    if c.runs.len() >= 2 {
        let medians: Vec<f64> = c
            .runs
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| median(r))
            .collect();
        let lo = medians.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        return Some((hi - lo) / center.abs());
    }
    let deviations: Vec<f64> = all.iter().map(|v| (v - center).abs()).collect();
    Some(1.4826 * median(&deviations) / center.abs())
}

/// Judges `metric` of `benchmark` from `base` to `head` given their raw values and the
/// history's noise.
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
    let (confidence, method, significant) = if is_timing(metric) {
        match mann_whitney(base, head) {
            Some(t) => (
                1.0 - t.p,
                format!("Mann-Whitney U, p = {:.4}", t.p),
                t.p < policy.alpha,
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
    })
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
    let b = store.values(base, benchmark, metric)?;
    let h = store.values(head, benchmark, metric)?;
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
