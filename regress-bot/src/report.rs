//! `som-regress report`: the pull-request comment for base → head as Markdown, and the same
//! facts as JSON: a one-line summary, the regressions and improvements with their
//! confidence, and an explanation per regression (profiles, tiers, and whether the change
//! continues a shift the history already shows). Comparisons stay within one machine
//! kind; a history with several kinds that measured both commits gets verdicts per kind.

use crate::changepoints::{detect, relate, Shift};
use crate::explain::{explain_profiles, explain_tiers, ProfileExplanation};
use crate::store::{CommitInfo, Store};
use crate::verdict::{judge_all, noise, Direction, Policy, Verdict};
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
    pub machines: Vec<MachineRef>,
    pub compared: usize,
    /// Wall-time comparisons whose sample sizes cannot reach α.
    pub unreachable: Vec<String>,
    pub regressions: Vec<Verdict>,
    pub improvements: Vec<Verdict>,
    pub explanations: Vec<Explanation>,
    /// History charts written for the regressions (`history --svg`), by file name.
    pub charts: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct CommitRef {
    pub sha: String,
    pub subject: String,
}

/// A machine kind both commits were measured on, with the runs' fingerprints.
#[derive(Debug, Serialize)]
pub struct MachineRef {
    pub kind: String,
    pub base_fingerprints: Vec<String>,
    pub head_fingerprints: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub machine: String,
    pub benchmark: String,
    pub metric: String,
    /// The logical-clock (interpreter work) profile.
    pub profile: ProfileExplanation,
    /// The time profile, per method and tier.
    pub time_profile: ProfileExplanation,
    pub tiers: String,
    pub shift: Shift,
}

fn commit_ref(store: &Store, sha: &str) -> Result<CommitRef> {
    let info: Option<CommitInfo> = store.commit(sha)?;
    Ok(CommitRef {
        sha: sha.to_string(),
        subject: info.map(|c| c.subject).unwrap_or_default(),
    })
}

/// The machine kinds to compare on: the one asked for, else every kind that measured
/// both commits.
fn kinds(store: &Store, base: &str, head: &str, only: Option<&str>) -> Result<Vec<String>> {
    let (b, h) = (store.kinds_of(base)?, store.kinds_of(head)?);
    let common: Vec<String> = b.iter().filter(|k| h.contains(k)).cloned().collect();
    match only {
        Some(k) if common.iter().any(|c| c == k) => Ok(vec![k.to_string()]),
        Some(k) => anyhow::bail!(
            "machine kind '{k}' did not measure both commits (kinds with both: {})",
            if common.is_empty() { "none".into() } else { common.join("; ") }
        ),
        None if common.is_empty() && !b.is_empty() && !h.is_empty() => anyhow::bail!(
            "no machine kind measured both commits: base on {}, head on {}; results of different machine kinds are never compared",
            b.join("; "),
            h.join("; ")
        ),
        None => Ok(common),
    }
}

pub fn build(
    store: &Store,
    base: &str,
    head: &str,
    policy: &Policy,
    kind: Option<&str>,
) -> Result<Report> {
    let mut verdicts = Vec::new();
    let mut machines = Vec::new();
    for k in kinds(store, base, head, kind)? {
        store.set_kind(Some(&k));
        for mut v in judge_all(store, base, head, policy)? {
            v.machine = k.clone();
            verdicts.push(v);
        }
        machines.push(MachineRef {
            base_fingerprints: store.fingerprints(base)?,
            head_fingerprints: store.fingerprints(head)?,
            kind: k,
        });
    }
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
        .map(|v| {
            store.set_kind(Some(&v.machine));
            explain(store, base, head, v, policy)
        })
        .collect::<Result<_>>()?;
    store.set_kind(None);
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
        machines,
        compared: verdicts.len(),
        unreachable: verdicts
            .iter()
            .filter(|v| !v.alpha_reachable)
            .map(|v| format!("{} {}", v.benchmark, v.metric))
            .collect(),
        regressions,
        improvements,
        explanations,
        charts: Vec::new(),
    })
}

/// Where the flagged change stands in the history of its benchmark and metric (on the
/// store's machine kind), up to and including the head.
fn shift(store: &Store, base: &str, head: &str, v: &Verdict, policy: &Policy) -> Result<Shift> {
    let mut history = store.history(&v.benchmark, &v.metric)?;
    let noise = noise(&history);
    match history.iter().position(|c| c.sha == head) {
        Some(i) => {
            let at = history.remove(i);
            history.truncate(i);
            history.push(at);
        }
        None => anyhow::bail!("{head} has no {} {} values", v.benchmark, v.metric),
    }
    let cps = detect(&v.benchmark, &v.metric, &history, noise, policy);
    Ok(relate(&history, base, &cps, Direction::Regression))
}

fn explain(
    store: &Store,
    base: &str,
    head: &str,
    v: &Verdict,
    policy: &Policy,
) -> Result<Explanation> {
    let b = &v.benchmark;
    let (why_base, why_head) = (store.notes(base, b)?, store.notes(head, b)?);
    let profile_of = |mode: &str| -> Result<ProfileExplanation> {
        Ok(explain_profiles(
            mode,
            store.profile(base, b, mode)?.as_deref(),
            store.profile(head, b, mode)?.as_deref(),
            &why_base,
            &why_head,
        ))
    };
    let (profile, time_profile) = (profile_of("clock")?, profile_of("time")?);
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
        machine: v.machine.clone(),
        shift: shift(store, base, head, v, policy)?,
        benchmark: b.clone(),
        metric: v.metric.clone(),
        profile,
        time_profile,
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

fn table(out: &mut String, title: &str, rows: &[Verdict], per_machine: bool) {
    if rows.is_empty() {
        return;
    }
    out.push_str(&format!("\n#### {title}\n\n"));
    let (head, rule) = if per_machine {
        ("| machine ", "|---")
    } else {
        ("", "")
    };
    out.push_str(&format!(
        "{head}| benchmark | metric | base | head | change | confidence |\n"
    ));
    out.push_str(&format!("{rule}|---|---|---:|---:|---:|---:|\n"));
    for v in rows {
        if per_machine {
            out.push_str(&format!("| {} ", v.machine));
        }
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
/// "not available" sentences share one section.
fn explanations(out: &mut String, all: &[Explanation]) {
    let mut shared: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for e in all {
        let what = format!("{} {}", e.benchmark, e.metric);
        let profiles = [("logical clock", &e.profile), ("time", &e.time_profile)];
        if profiles
            .iter()
            .any(|(_, p)| matches!(p, ProfileExplanation::Shares { .. }))
        {
            out.push_str(&format!("\n#### Why {what} changed\n\n"));
            for (label, p) in profiles {
                match p {
                    ProfileExplanation::Shares { changes } => shares(out, label, changes),
                    ProfileExplanation::Unavailable { reason } => {
                        out.push_str(&format!("- profile ({label}): {reason}\n"))
                    }
                }
            }
            out.push_str(&format!("- tiers: {}\n", e.tiers));
            out.push_str(&format!("- history: {}\n", e.shift.sentence));
            continue;
        }
        let mut lines: Vec<String> = profiles
            .iter()
            .filter_map(|(_, p)| match p {
                ProfileExplanation::Unavailable { reason } => Some(format!("- profile: {reason}")),
                ProfileExplanation::Shares { .. } => None,
            })
            .collect();
        lines.dedup();
        lines.push(format!("- tiers: {}", e.tiers));
        lines.push(format!("- history: {}", e.shift.sentence));
        match shared.iter_mut().find(|(l, _)| *l == lines) {
            Some((_, names)) => names.push(what),
            None => shared.push((lines, vec![what])),
        }
    }
    for (lines, names) in shared {
        out.push_str(&format!("\n#### Why {} changed\n\n", names.join(", ")));
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
}

fn shares(out: &mut String, label: &str, changes: &[crate::explain::ShareChange]) {
    if changes.is_empty() {
        out.push_str(&format!(
            "- profile ({label}): no method's share moved by 0.1 points or more\n"
        ));
        return;
    }
    out.push_str(&format!("- profile ({label}), self share per method:\n"));
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
    for m in &r.machines {
        out.push_str(&format!(
            "machine kind {} (fingerprints: base {}, head {})\n",
            m.kind,
            m.base_fingerprints.join(" "),
            m.head_fingerprints.join(" ")
        ));
    }
    let per_machine = r.machines.len() > 1;
    table(&mut out, "Regressions", &r.regressions, per_machine);
    table(&mut out, "Improvements", &r.improvements, per_machine);
    explanations(&mut out, &r.explanations);
    if !r.charts.is_empty() {
        out.push_str(&format!(
            "\nHistory charts with change points (in the `perf-report` artifact): {}\n",
            r.charts
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !r.unreachable.is_empty() {
        out.push_str(&format!(
            "\n**Not judged** ({} timing comparison(s) with too few processes to reach α = {}): {}\n",
            r.unreachable.len(),
            r.policy.alpha,
            r.unreachable.join("; ")
        ));
    }
    out.push_str(&format!(
        "\n<sub>wall time: Mann-Whitney U (exact up to {} values) at α = {}; counts: fixed {:.1}% threshold; both beyond {}× the noise measured in the history.</sub>\n",
        crate::mann_whitney::EXACT_LIMIT,
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
            alpha_reachable: true,
            machine: "box".into(),
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
            time_profile: ProfileExplanation::Unavailable {
                reason: "no profile for base: no som-prof in this commit".into(),
            },
            tiers: "no tier data (tier 0 only)".into(),
            machine: "box".into(),
            shift: Shift {
                continues: false,
                since: None,
                sentence: "starts a new shift".into(),
            },
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
            machines: vec![],
            unreachable: vec![],
            charts: vec!["Fib-instructions.svg".into()],
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
        assert!(md.contains("- history: starts a new shift\n"), "{md}");
        assert!(
            md.contains("(in the `perf-report` artifact): `Fib-instructions.svg`"),
            "{md}"
        );
        assert!(!md.contains("| machine |"), "one kind: no machine column");
    }

    #[test]
    fn numbers_are_grouped_and_changes_signed() {
        assert_eq!(number(39859877.0), "39,859,877");
        assert_eq!(number(12.5), "12.50");
        assert_eq!(number(-1000.0), "-1,000");
    }
}
