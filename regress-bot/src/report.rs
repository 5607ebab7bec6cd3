//! `som-regress report`: the pull-request comment for base → head as Markdown, and the same
//! facts as JSON: a one-line summary, the regressions and improvements with their
//! confidence, and an explanation per regression.

use crate::explain::{explain_profiles, explain_tiers, ProfileExplanation};
use crate::store::{CommitInfo, Store};
use crate::verdict::{judge_all, Direction, Policy, Verdict};
use anyhow::{Context, Result};
use serde::Serialize;

/// The hidden marker the commenting workflow finds its comment by.
pub const MARKER: &str = "<!-- som-regress-report -->";

#[derive(Debug, Serialize)]
pub struct Report {
    pub base: CommitRef,
    pub head: CommitRef,
    pub summary: String,
    pub policy: Policy,
    pub compared: usize,
    pub regressions: Vec<Verdict>,
    pub improvements: Vec<Verdict>,
    pub explanations: Vec<Explanation>,
}

#[derive(Debug, Serialize)]
pub struct CommitRef {
    pub sha: String,
    pub subject: String,
}

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub benchmark: String,
    pub metric: String,
    pub profile: ProfileExplanation,
    pub tiers: String,
}

fn commit_ref(store: &Store, sha: &str) -> Result<CommitRef> {
    let info: Option<CommitInfo> = store.commit(sha)?;
    Ok(CommitRef {
        sha: sha.to_string(),
        subject: info.map(|c| c.subject).unwrap_or_default(),
    })
}

pub fn build(store: &Store, base: &str, head: &str, policy: &Policy) -> Result<Report> {
    let verdicts = judge_all(store, base, head, policy)?;
    anyhow::ensure!(
        !verdicts.is_empty(),
        "no measurements in common for {base} and {head}: run `som-regress run` first"
    );
    let pick = |d: Direction| -> Vec<Verdict> {
        verdicts
            .iter()
            .filter(|v| v.flagged == Some(d))
            .cloned()
            .collect()
    };
    let (regressions, improvements) = (pick(Direction::Regression), pick(Direction::Improvement));
    let explanations = regressions
        .iter()
        .map(|v| explain(store, base, head, v))
        .collect::<Result<_>>()?;
    let summary = format!(
        "{} regression{}, {} improvement{} in {} benchmark/metric pairs (minimum change {:.0}%)",
        regressions.len(),
        if regressions.len() == 1 { "" } else { "s" },
        improvements.len(),
        if improvements.len() == 1 { "" } else { "s" },
        verdicts.len(),
        policy.min_change * 100.0
    );
    Ok(Report {
        base: commit_ref(store, base)?,
        head: commit_ref(store, head)?,
        summary,
        policy: *policy,
        compared: verdicts.len(),
        regressions,
        improvements,
        explanations,
    })
}

fn explain(store: &Store, base: &str, head: &str, v: &Verdict) -> Result<Explanation> {
    let b = &v.benchmark;
    let profile = explain_profiles(
        store.profile(base, b)?.as_deref(),
        store.profile(head, b)?.as_deref(),
        &store.notes(base, b)?,
        &store.notes(head, b)?,
    );
    let tier = |sha: &str, metric: &str| -> Result<Option<f64>> {
        Ok(store.values(sha, b, metric)?.first().copied())
    };
    let tiers = explain_tiers(
        [
            tier(base, "methods_compiled_tier1")?,
            tier(base, "methods_compiled_tier2")?,
        ],
        [
            tier(head, "methods_compiled_tier1")?,
            tier(head, "methods_compiled_tier2")?,
        ],
    );
    Ok(Explanation {
        benchmark: b.clone(),
        metric: v.metric.clone(),
        profile,
        tiers,
    })
}

pub fn to_json(r: &Report) -> Result<String> {
    serde_json::to_string_pretty(r).context("report to JSON")
}

fn short(sha: &str) -> &str {
    &sha[..10.min(sha.len())]
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let digits = format!("{}", v.abs() as u64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if v < 0.0 {
            format!("-{out}")
        } else {
            out
        }
    } else {
        format!("{v:.2}")
    }
}

fn change(v: &Verdict) -> String {
    if v.change.is_finite() {
        format!("{:+.2}%", v.change * 100.0)
    } else {
        "new".into()
    }
}

fn confidence(v: &Verdict) -> String {
    if v.method.starts_with("deterministic") {
        "deterministic".into()
    } else {
        format!("{:.1}%", v.confidence * 100.0)
    }
}

fn table(out: &mut String, title: &str, rows: &[Verdict]) {
    if rows.is_empty() {
        return;
    }
    out.push_str(&format!("\n#### {title}\n\n"));
    out.push_str("| benchmark | metric | base | head | change | confidence |\n");
    out.push_str("|---|---|---:|---:|---:|---:|\n");
    for v in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            v.benchmark,
            v.metric,
            number(v.base),
            number(v.head),
            change(v),
            confidence(v)
        ));
    }
}

pub fn to_markdown(r: &Report) -> String {
    let mut out = format!("{MARKER}\n**som-regress**: {}\n\n", r.summary);
    out.push_str(&format!(
        "base `{}` {} → head `{}` {}\n",
        short(&r.base.sha),
        r.base.subject,
        short(&r.head.sha),
        r.head.subject
    ));
    table(&mut out, "Regressions", &r.regressions);
    table(&mut out, "Improvements", &r.improvements);
    for e in &r.explanations {
        out.push_str(&format!(
            "\n#### Why {} {} changed\n\n",
            e.benchmark, e.metric
        ));
        match &e.profile {
            ProfileExplanation::Shares { changes } if changes.is_empty() => out.push_str(
                "- profile (logical clock): no method's share moved by 0.1 points or more\n",
            ),
            ProfileExplanation::Shares { changes } => {
                out.push_str("- profile (logical clock), self share per method:\n");
                for c in changes {
                    out.push_str(&format!(
                        "  - `{}`: {:.1}% → {:.1}% ({:+.1} points)\n",
                        c.method,
                        c.base_share * 100.0,
                        c.head_share * 100.0,
                        (c.head_share - c.base_share) * 100.0
                    ));
                }
            }
            ProfileExplanation::Unavailable { reason } => {
                out.push_str(&format!("- profile: {reason}\n"))
            }
        }
        out.push_str(&format!("- tiers: {}\n", e.tiers));
    }
    out.push_str(&format!(
        "\n<sub>wall time: Mann-Whitney U at α = {}; counts: fixed {:.1}% threshold; both beyond {}× the noise measured in the history.</sub>\n",
        r.policy.alpha,
        r.policy.count_threshold * 100.0,
        r.policy.noise_factor
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_changes_signed() {
        assert_eq!(number(39859877.0), "39,859,877");
        assert_eq!(number(12.5), "12.50");
        assert_eq!(number(-1000.0), "-1,000");
    }
}
