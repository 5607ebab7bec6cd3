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

/// One section per regression with profile data; regressions whose explanation is the same
/// "not available" sentence share one section.
fn explanations(out: &mut String, all: &[Explanation]) {
    let mut shared: Vec<(String, String, Vec<String>)> = Vec::new();
    for e in all {
        let what = format!("{} {}", e.benchmark, e.metric);
        match &e.profile {
            ProfileExplanation::Shares { changes } => {
                out.push_str(&format!("\n#### Why {what} changed\n\n"));
                shares(out, changes);
                out.push_str(&format!("- tiers: {}\n", e.tiers));
            }
            ProfileExplanation::Unavailable { reason } => {
                match shared
                    .iter_mut()
                    .find(|(r, t, _)| r == reason && *t == e.tiers)
                {
                    Some((_, _, names)) => names.push(what),
                    None => shared.push((reason.clone(), e.tiers.clone(), vec![what])),
                }
            }
        }
    }
    for (reason, tiers, names) in shared {
        out.push_str(&format!("\n#### Why {} changed\n\n", names.join(", ")));
        out.push_str(&format!("- profile: {reason}\n- tiers: {tiers}\n"));
    }
}

fn shares(out: &mut String, changes: &[crate::explain::ShareChange]) {
    if changes.is_empty() {
        out.push_str("- profile (logical clock): no method's share moved by 0.1 points or more\n");
        return;
    }
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
    explanations(&mut out, &r.explanations);
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

    fn verdict(benchmark: &str, change: f64) -> Verdict {
        Verdict {
            benchmark: benchmark.into(),
            metric: "instructions".into(),
            base: 1000.0,
            head: 1000.0 * (1.0 + change),
            change,
            confidence: 1.0,
            threshold: 0.02,
            noise: 0.0,
            method: "deterministic count, threshold 2.0%".into(),
            flagged: Some(Direction::Regression),
        }
    }

    #[test]
    fn markdown_has_marker_summary_table_and_grouped_explanations() {
        let unavailable = |b: &str| Explanation {
            benchmark: b.into(),
            metric: "instructions".into(),
            profile: ProfileExplanation::Unavailable {
                reason: "no profile for base: no som-prof in this commit".into(),
            },
            tiers: "no tier data (tier 0 only)".into(),
        };
        let r = Report {
            base: CommitRef {
                sha: "a".repeat(40),
                subject: "base".into(),
            },
            head: CommitRef {
                sha: "b".repeat(40),
                subject: "head".into(),
            },
            summary: "2 regressions, 0 improvements in 9 benchmark/metric pairs".into(),
            policy: Policy::default(),
            compared: 9,
            regressions: vec![verdict("Fib", 0.05), verdict("Sieve", 0.031)],
            improvements: vec![],
            explanations: vec![unavailable("Fib"), unavailable("Sieve")],
        };
        let md = to_markdown(&r);
        assert!(md.starts_with(&format!("{MARKER}\n**som-regress**: 2 regressions")));
        assert!(
            md.contains("| Fib | instructions | 1,000 | 1,050 | +5.00% | deterministic |"),
            "{md}"
        );
        assert!(md.contains("#### Why Fib instructions, Sieve instructions changed\n\n- profile: no profile for base"), "{md}");
        assert!(!md.contains("#### Improvements"));
    }

    #[test]
    fn numbers_are_grouped_and_changes_signed() {
        assert_eq!(number(39859877.0), "39,859,877");
        assert_eq!(number(12.5), "12.50");
        assert_eq!(number(-1000.0), "-1,000");
    }
}
