//! `som-regress bisect`: binary search over a first-parent range for the first commit whose
//! benchmark metric is a regression against the good commit, measuring only the commits
//! (and only the benchmark) the history does not have yet.

use crate::build::Workspace;
use crate::git;
use crate::run::{measure_commit, short, RunOptions};
use crate::store::Store;
use crate::verdict::{judge, Direction, Policy};
use anyhow::{bail, Result};

/// The answer and the commits looked at, each with whether it was bad.
#[derive(Debug)]
pub struct Bisection {
    pub first_bad: String,
    pub steps: Vec<(String, bool)>,
}

pub struct Question<'a> {
    pub good: &'a str,
    pub bad: &'a str,
    pub benchmark: &'a str,
    pub metric: &'a str,
}

pub fn bisect(
    store: &Store,
    ws: &Workspace,
    q: &Question,
    policy: &Policy,
    opts: &RunOptions,
    log: &mut dyn FnMut(&str),
) -> Result<Bisection> {
    let commits = git::range(&ws.repo, &format!("{}..{}", q.good, q.bad))?;
    if commits.len() < 2 {
        bail!("{}..{} holds no commits after the good one", q.good, q.bad);
    }
    let mut only = opts.clone();
    let base_name = q
        .benchmark
        .strip_suffix(opts.name_suffix.as_str())
        .unwrap_or(q.benchmark);
    only.filter = Some(format!("^{}$", regex::escape(base_name)));
    let good = &commits[0];
    let is_bad = |sha: &str, log: &mut dyn FnMut(&str)| -> Result<bool> {
        if store.values(sha, q.benchmark, q.metric)?.is_empty() {
            measure_commit(store, ws, sha, &only, log)?;
        }
        if store.values(sha, q.benchmark, q.metric)?.is_empty() {
            bail!(
                "{} has no {} value for {}",
                short(sha),
                q.metric,
                q.benchmark
            );
        }
        let v = judge(store, good, sha, q.benchmark, q.metric, policy)?;
        Ok(v.and_then(|v| v.flagged) == Some(Direction::Regression))
    };
    is_bad(good, log)?;
    let (mut lo, mut hi) = (0, commits.len() - 1);
    let mut steps = Vec::new();
    let head_bad = is_bad(&commits[hi], log)?;
    steps.push((commits[hi].clone(), head_bad));
    if !head_bad {
        bail!(
            "{} shows no regression of {} on {} against {}",
            short(&commits[hi]),
            q.metric,
            q.benchmark,
            short(good)
        );
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        let bad = is_bad(&commits[mid], log)?;
        log(&format!(
            "{} is {}",
            short(&commits[mid]),
            if bad { "bad" } else { "good" }
        ));
        steps.push((commits[mid].clone(), bad));
        if bad {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Bisection {
        first_bad: commits[hi].clone(),
        steps,
    })
}
