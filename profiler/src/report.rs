//! The per-method and per-tier tables (`profile.json` and the text summary), computed
//! from folded stacks plus the run's measured facts (time, work, energy source).

use crate::energy::{describe, Attribution, Source, Work};
use crate::stacks::{parse_frame, Folded, FrameKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What was measured around the profiled run.
#[derive(Debug, Clone)]
pub struct RunFacts {
    /// `"time"` or `"clock"`.
    pub mode: String,
    /// `"997 Hz of CPU time"` or `"every 100000 clock ticks"`.
    pub rate: String,
    pub program: String,
    pub args: Vec<String>,
    pub cpu_time_ms: f64,
    pub wall_time_ms: f64,
    pub work: Work,
    pub clock: u64,
    /// Signals whose sample was dropped (ring full).
    pub lost_samples: u64,
    pub exit_status: i32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MethodRow {
    pub method: String,
    /// `None` for `[gc]`, `[compiler]` and other VM frames.
    pub tier: Option<u8>,
    pub self_samples: u64,
    pub total_samples: u64,
    pub self_time_ms: f64,
    pub total_time_ms: f64,
    pub self_energy_j: f64,
    pub total_energy_j: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TierRow {
    /// `tier 0`, `gc`, `compiler`, `other`.
    pub tier: String,
    pub samples: u64,
    pub time_ms: f64,
    pub energy_j: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnergyReport {
    /// `"measured"` or `"estimated (model)"`.
    pub source: String,
    pub detail: String,
    pub total_j: f64,
    /// What the samples carry (equal to `total_j` unless there were no samples).
    pub attributed_j: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rapl: Option<crate::energy::Measured>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<crate::energy::Model>,
}

/// `profile.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub mode: String,
    pub rate: String,
    pub program: String,
    pub args: Vec<String>,
    pub exit_status: i32,
    pub total_samples: u64,
    pub lost_samples: u64,
    pub truncated_samples: u64,
    pub cpu_time_ms: f64,
    pub wall_time_ms: f64,
    pub bytecodes: u64,
    pub clock: u64,
    pub allocated_bytes: u64,
    /// Largest self count first.
    pub methods: Vec<MethodRow>,
    pub tiers: Vec<TierRow>,
    pub energy: EnergyReport,
}

impl Report {
    pub fn new(folded: &Folded, facts: &RunFacts, source: &Source) -> Report {
        let total = folded.total();
        let by_leaf = leaf_kinds(folded);
        let attribution = Attribution::new(source, facts.work, &by_leaf);
        let ms_per_sample = if total == 0 {
            0.0
        } else {
            facts.cpu_time_ms / total as f64
        };
        let methods = method_rows(folded, &attribution, ms_per_sample);
        let tiers = by_leaf
            .iter()
            .map(|(&kind, &n)| TierRow {
                tier: kind.name(),
                samples: n,
                time_ms: n as f64 * ms_per_sample,
                energy_j: attribution.joules(kind, n),
            })
            .collect::<Vec<_>>();
        let (source_name, detail) = describe(source);
        let (rapl, model) = match source {
            Source::Measured(m) => (Some(m.clone()), None),
            Source::Model { model, .. } => (None, Some(model.clone())),
        };
        Report {
            mode: facts.mode.clone(),
            rate: facts.rate.clone(),
            program: facts.program.clone(),
            args: facts.args.clone(),
            exit_status: facts.exit_status,
            total_samples: total,
            lost_samples: facts.lost_samples,
            truncated_samples: folded
                .iter()
                .filter(|(f, _)| f[0] == crate::stacks::TRUNCATED_FRAME)
                .map(|(_, n)| n)
                .sum(),
            cpu_time_ms: facts.cpu_time_ms,
            wall_time_ms: facts.wall_time_ms,
            bytecodes: facts.work.bytecodes,
            clock: facts.clock,
            allocated_bytes: facts.work.allocated_bytes,
            methods,
            energy: EnergyReport {
                source: source_name,
                detail,
                total_j: attribution.total_joules,
                attributed_j: tiers.iter().map(|t| t.energy_j).sum(),
                rapl,
                model,
            },
            tiers,
        }
    }

    /// The text summary: top methods, time and energy per tier, samples lost.
    pub fn summary(&self, top: usize) -> String {
        let mut out = String::new();
        let pct = |n: u64| {
            if self.total_samples == 0 {
                0.0
            } else {
                100.0 * n as f64 / self.total_samples as f64
            }
        };
        let _ = writeln!(
            out,
            "som-prof: {} samples ({} mode, {}), {} lost, {} truncated; CPU {:.0} ms, wall {:.0} ms",
            self.total_samples, self.mode, self.rate, self.lost_samples, self.truncated_samples, self.cpu_time_ms, self.wall_time_ms
        );
        let _ = writeln!(
            out,
            "\ntop methods by self samples:\n   self%  total%  samples  method"
        );
        for m in self.methods.iter().take(top) {
            let name = match m.tier {
                Some(t) => format!("{} [tier {t}]", m.method),
                None => m.method.clone(),
            };
            let _ = writeln!(
                out,
                "  {:5.1}%  {:5.1}%  {:7}  {name}",
                pct(m.self_samples),
                pct(m.total_samples),
                m.self_samples
            );
        }
        let _ = writeln!(out, "\nper tier:    samples      time      energy");
        for t in &self.tiers {
            let _ = writeln!(
                out,
                "  {:<9} {:8}  {:8.1} ms  {:8.4} J",
                t.tier, t.samples, t.time_ms, t.energy_j
            );
        }
        let e = &self.energy;
        let _ = writeln!(
            out,
            "\nenergy: {:.4} J, {} ({})",
            e.total_j, e.source, e.detail
        );
        out
    }
}

/// Samples by the kind of their leaf frame.
pub fn leaf_kinds(folded: &Folded) -> BTreeMap<FrameKind, u64> {
    let mut out = BTreeMap::new();
    for (frames, n) in folded.iter() {
        let leaf = frames.last().copied().unwrap_or_default();
        *out.entry(parse_frame(leaf).1).or_insert(0) += n;
    }
    out
}

fn method_rows(folded: &Folded, attribution: &Attribution, ms_per_sample: f64) -> Vec<MethodRow> {
    // (label, kind) -> (self samples, self joules, total samples, total joules)
    let mut rows: BTreeMap<(String, FrameKind), (u64, f64, u64, f64)> = BTreeMap::new();
    for (frames, n) in folded.iter() {
        let leaf = parse_frame(frames.last().copied().unwrap_or_default()).1;
        let joules = attribution.joules(leaf, n);
        let mut seen = BTreeSet::new();
        for (i, frame) in frames.iter().enumerate() {
            let (label, kind) = parse_frame(frame);
            let row = rows.entry((label.to_string(), kind)).or_default();
            if i + 1 == frames.len() {
                row.0 += n;
                row.1 += joules;
            }
            if seen.insert(*frame) {
                row.2 += n;
                row.3 += joules;
            }
        }
    }
    let mut out: Vec<MethodRow> = rows
        .into_iter()
        .map(|((method, kind), (s, sj, t, tj))| MethodRow {
            method,
            tier: match kind {
                FrameKind::Tier(t) => Some(t),
                _ => None,
            },
            self_samples: s,
            total_samples: t,
            self_time_ms: s as f64 * ms_per_sample,
            total_time_ms: t as f64 * ms_per_sample,
            self_energy_j: sj,
            total_energy_j: tj,
        })
        .collect();
    out.sort_by(|a, b| {
        b.self_samples
            .cmp(&a.self_samples)
            .then(b.total_samples.cmp(&a.total_samples))
    });
    out
}
