//! The false-alarm check: rerun one unchanged commit many times and judge each run against
//! the previous one as if they were different commits. Every flag is a false alarm. Two
//! figures: `alarms` judges run i+1 against run i with the noise model a bot would have at
//! that point (the rest of the history plus runs 0..=i of this commit, never run i+1), and
//! `alarms_without_own_history` uses the rest of the history only (the strictest reading).

use crate::store::{CommitRuns, Store};
use crate::verdict::{judge_values, noise, samples, Policy, Verdict, JUDGED};
use anyhow::Result;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct NoiseCheck {
    pub commit: String,
    pub runs: usize,
    pub comparisons: usize,
    pub alarms: Vec<Verdict>,
    pub alarms_without_own_history: Vec<Verdict>,
    /// Per benchmark/metric: the largest relative change seen between consecutive runs.
    pub largest_changes: Vec<(String, String, f64)>,
}

pub fn false_alarms(store: &Store, sha: &str, policy: &Policy) -> Result<NoiseCheck> {
    let mut check = NoiseCheck {
        commit: sha.to_string(),
        runs: store.run_count(sha)? as usize,
        comparisons: 0,
        alarms: Vec::new(),
        alarms_without_own_history: Vec::new(),
        largest_changes: Vec::new(),
    };
    for (bench, metric) in store.series(sha)? {
        if !JUDGED.contains(&metric.as_str()) {
            continue;
        }
        let history = store.history(&bench, &metric)?;
        let (mine, others): (Vec<_>, Vec<_>) = history.into_iter().partition(|c| c.sha == sha);
        let Some(mine) = mine.into_iter().next() else {
            continue;
        };
        let strict_noise = noise(&others);
        let per_run = per_run_samples(&metric, &mine);
        let run_ids = run_ids(&mine);
        let mut largest: f64 = 0.0;
        for (i, pair) in per_run.windows(2).enumerate() {
            let mut known = others.clone();
            known.push(CommitRuns {
                sha: mine.sha.clone(),
                groups: mine
                    .groups
                    .iter()
                    .filter(|g| g.run <= run_ids[i])
                    .cloned()
                    .collect(),
            });
            let judge = |noise| judge_values(&bench, &metric, &pair[0], &pair[1], noise, policy);
            let (Some(v), Some(strict)) = (judge(noise(&known)), judge(strict_noise)) else {
                continue;
            };
            check.comparisons += 1;
            if v.change.is_finite() {
                largest = largest.max(v.change.abs());
            }
            if v.flagged.is_some() {
                check.alarms.push(v);
            }
            if strict.flagged.is_some() {
                check.alarms_without_own_history.push(strict);
            }
        }
        check.largest_changes.push((bench, metric, largest));
    }
    Ok(check)
}

/// The run ids of one commit, in order.
fn run_ids(c: &CommitRuns) -> Vec<i64> {
    let mut ids: Vec<i64> = c.groups.iter().map(|g| g.run).collect();
    ids.dedup();
    ids
}

/// The verdict samples of each run of one commit, in run order.
fn per_run_samples(metric: &str, c: &CommitRuns) -> Vec<Vec<f64>> {
    let mut runs: Vec<(i64, Vec<Vec<f64>>)> = Vec::new();
    for g in &c.groups {
        match runs.last_mut() {
            Some((run, groups)) if *run == g.run => groups.push(g.values.clone()),
            _ => runs.push((g.run, vec![g.values.clone()])),
        }
    }
    runs.iter()
        .map(|(_, groups)| samples(metric, groups))
        .collect()
}
