//! Change points over a benchmark's history: level shifts found by E-Divisive means
//! (Matteson & James's energy statistic with exponent 1, split recursively at its maximum,
//! as Hunter and MongoDB's detector do), where a candidate split is kept only if the
//! verdict rules (`verdict::judge_values`, the same noise model and thresholds that
//! judge a pull request) flag the two sides as different. Deterministic: no permutation
//! test, ties broken towards the earlier commit. A final pass re-tests each point
//! against its neighbouring segments until none is dropped.

use crate::store::CommitRuns;
use crate::verdict::{judge_values, median, samples, Direction, Policy};
use serde::Serialize;

/// A level shift: the commit the new level starts at, and the levels before and after.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChangePoint {
    /// Index into the series of commits.
    pub index: usize,
    pub sha: String,
    /// Median of the segment before and of the segment from this commit on.
    pub before: f64,
    pub after: f64,
    pub change: f64,
    pub direction: Direction,
    /// How the verdict rules judged the two segments.
    pub method: String,
}

/// The per-commit samples and points (medians) of a history.
struct Series<'a> {
    commits: &'a [CommitRuns],
    samples: Vec<Vec<f64>>,
    points: Vec<f64>,
}

/// Finds the change points of `history` (commits in order) for `metric`.
pub fn detect(
    benchmark: &str,
    metric: &str,
    history: &[CommitRuns],
    noise: f64,
    policy: &Policy,
) -> Vec<ChangePoint> {
    let samples: Vec<Vec<f64>> = history
        .iter()
        .map(|c| {
            let groups: Vec<Vec<f64>> = c.groups.iter().map(|g| g.values.clone()).collect();
            samples(metric, &groups)
        })
        .collect();
    let kept: Vec<usize> = (0..history.len())
        .filter(|&i| !samples[i].is_empty())
        .collect();
    let s = Series {
        commits: history,
        points: kept.iter().map(|&i| median(&samples[i])).collect(),
        samples: kept.iter().map(|&i| samples[i].clone()).collect(),
    };
    let energy = Energy::new(&s.points);
    let test = |lo: usize, cut: usize, hi: usize| -> Option<ChangePoint> {
        let pool = |a: usize, b: usize| -> Vec<f64> { s.samples[a..b].concat() };
        let v = judge_values(
            benchmark,
            metric,
            &pool(lo, cut),
            &pool(cut, hi),
            noise,
            policy,
        )?;
        let direction = v.flagged?;
        Some(ChangePoint {
            index: kept[cut],
            sha: s.commits[kept[cut]].sha.clone(),
            before: v.base,
            after: v.head,
            change: v.change,
            direction,
            method: v.method,
        })
    };
    let mut cuts = Vec::new();
    split(&energy, 0, s.points.len(), &test, &mut cuts);
    cuts.sort_unstable();
    prune(&mut cuts, s.points.len(), &test)
}

/// Splits `[lo, hi)` at the energy maximum if the verdict rules accept it, then recurses.
fn split(
    energy: &Energy,
    lo: usize,
    hi: usize,
    test: &dyn Fn(usize, usize, usize) -> Option<ChangePoint>,
    cuts: &mut Vec<usize>,
) {
    if hi - lo < 2 {
        return;
    }
    let mut best = (f64::NEG_INFINITY, lo + 1);
    for cut in lo + 1..hi {
        let q = energy.q(lo, cut, hi);
        if q > best.0 {
            best = (q, cut);
        }
    }
    if test(lo, best.1, hi).is_some() {
        cuts.push(best.1);
        split(energy, lo, best.1, test, cuts);
        split(energy, best.1, hi, test, cuts);
    }
}

/// Re-tests every cut against its neighbouring segments, dropping the weakest failing one
/// at a time, and answers the survivors.
fn prune(
    cuts: &mut Vec<usize>,
    len: usize,
    test: &dyn Fn(usize, usize, usize) -> Option<ChangePoint>,
) -> Vec<ChangePoint> {
    loop {
        let mut points = Vec::new();
        let mut failed = None;
        for (i, &cut) in cuts.iter().enumerate() {
            let lo = if i == 0 { 0 } else { cuts[i - 1] };
            let hi = cuts.get(i + 1).copied().unwrap_or(len);
            match test(lo, cut, hi) {
                Some(p) => points.push(p),
                None => {
                    failed = Some(i);
                    break;
                }
            }
        }
        match failed {
            Some(i) => {
                cuts.remove(i);
            }
            None => return points,
        }
    }
}

/// The E-Divisive energy statistic with exponent 1 over a series, from 2-D prefix sums of
/// the pairwise distances, so each candidate split costs O(1).
struct Energy {
    n: usize,
    /// prefix[i][j] = Σ |x_a − x_b| for a < i, b < j.
    prefix: Vec<Vec<f64>>,
}

impl Energy {
    fn new(x: &[f64]) -> Energy {
        let n = x.len();
        let mut prefix = vec![vec![0.0; n + 1]; n + 1];
        for i in 0..n {
            for j in 0..n {
                prefix[i + 1][j + 1] =
                    (x[i] - x[j]).abs() + prefix[i][j + 1] + prefix[i + 1][j] - prefix[i][j];
            }
        }
        Energy { n, prefix }
    }

    /// Σ |x_a − x_b| over a in [a0, a1), b in [b0, b1).
    fn sum(&self, a0: usize, a1: usize, b0: usize, b1: usize) -> f64 {
        debug_assert!(a1 <= self.n && b1 <= self.n);
        self.prefix[a1][b1] - self.prefix[a0][b1] - self.prefix[a1][b0] + self.prefix[a0][b0]
    }

    /// Q̂ of splitting `[lo, hi)` at `cut`: (mn/(m+n)) · (2/(mn) Σ|x−y| − mean within-left
    /// distance − mean within-right distance).
    fn q(&self, lo: usize, cut: usize, hi: usize) -> f64 {
        let (m, n) = ((cut - lo) as f64, (hi - cut) as f64);
        let between = 2.0 * self.sum(lo, cut, cut, hi) / (m * n);
        let within = |a: usize, b: usize, k: f64| {
            if k < 2.0 {
                0.0
            } else {
                self.sum(a, b, a, b) / (k * (k - 1.0))
            }
        };
        m * n / (m + n) * (between - within(lo, cut, m) - within(cut, hi, n))
    }
}

/// How a pull request's flagged change relates to the history's change points.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Shift {
    /// True when the change continues an earlier shift rather than starting one.
    pub continues: bool,
    /// The commit the earlier shift began at.
    pub since: Option<String>,
    pub sentence: String,
}

/// An earlier change point in the same direction at most this many commits before the
/// head's own makes the head's shift a continuation.
pub const RECENT: usize = 5;

/// Relates a flagged change from `base` to the last commit of `history` (the head) in
/// `direction` to the change points `cps` detected on that history.
pub fn relate(
    history: &[CommitRuns],
    base: &str,
    cps: &[ChangePoint],
    direction: Direction,
) -> Shift {
    let starts = |sentence: String| Shift {
        continues: false,
        since: None,
        sentence,
    };
    let Some(head) = history.len().checked_sub(1) else {
        return starts("the history is empty".into());
    };
    let base_index = history.iter().position(|c| c.sha == base);
    let short = |sha: &str| sha[..10.min(sha.len())].to_string();
    let continues = |c: &ChangePoint, sentence: String| Shift {
        continues: true,
        since: Some(c.sha.clone()),
        sentence,
    };
    match cps.iter().rev().find(|c| c.index <= head) {
        Some(c) if c.index < head && c.direction == direction && base_index.is_some_and(|b| b < c.index) => {
            continues(c, format!(
                "continues an earlier shift: the head's level began at {} ({:+.1}%), {} commit(s) before the head",
                short(&c.sha), c.change * 100.0, head - c.index
            ))
        }
        Some(c) if c.index == head => {
            match cps.iter().rev().find(|p| p.index < head) {
                Some(p) if p.direction == direction && head - p.index <= RECENT => continues(p, format!(
                    "continues an earlier shift: a further step the same way as the one at {} ({:+.1}%), {} commit(s) before",
                    short(&p.sha), p.change * 100.0, head - p.index
                )),
                _ => starts(format!(
                    "starts a new shift ({:+.1}% at the head; no change point the same way in the {RECENT} commits before)",
                    c.change * 100.0
                )),
            }
        }
        _ => starts("starts a new shift (the history's change points do not lead to it)".into()),
    }
}

#[cfg(test)]
mod tests;
