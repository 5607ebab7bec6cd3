//! `som-prof diff A B`: the differential flamegraph of two profile directories (inferno's
//! differential folded format, A normalised to B's sample count, then drawn) and the
//! methods whose share of the samples changed most, with each side's self time and the
//! sampling noise of every change. A profile diffed against itself has no changes.
//! `--merge-tiers` compares methods whatever tier ran them (`X [tier 0]` and
//! `X [tier 1]` are one frame `X`), so a tier-0 run can be compared with a tiered one.

use crate::flamegraph;
use crate::stacks::{parse_frame, Folded, FrameKind};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Changes smaller than this (a tenth of a percentage point) are not listed.
pub const MIN_CHANGE: f64 = 0.001;

/// Standard normal quantile of the two-sided 95% interval used for the noise column.
const Z95: f64 = 1.96;

/// One side of a diff: its stacks and the CPU time one sample stands for.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub folded: Folded,
    pub ms_per_sample: f64,
}

/// A frame (method and tier, or method with `--merge-tiers`) whose self share of all
/// samples moved.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareChange {
    pub frame: String,
    pub a_share: f64,
    pub b_share: f64,
    /// Self time in each profile, milliseconds of CPU time.
    pub a_ms: f64,
    pub b_ms: f64,
    /// Half-width of the 95% interval of the change from sampling alone (binomial
    /// counts on both sides), as a fraction: a change smaller than this is noise.
    pub noise: f64,
}

impl ShareChange {
    pub fn change(&self) -> f64 {
        self.b_share - self.a_share
    }

    /// Whether the change is within sampling noise.
    pub fn is_noise(&self) -> bool {
        self.change().abs() < self.noise
    }
}

/// Self samples per leaf frame.
fn self_counts(f: &Folded) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (frames, n) in f.iter() {
        let leaf = frames.last().copied().unwrap_or_default().to_string();
        *out.entry(leaf).or_insert(0) += n;
    }
    out
}

/// The sampling noise of a change between shares `pa` of `na` and `pb` of `nb` samples.
pub fn noise(pa: f64, na: u64, pb: f64, nb: u64) -> f64 {
    let var = |p: f64, n: u64| {
        if n == 0 {
            0.0
        } else {
            p * (1.0 - p) / n as f64
        }
    };
    Z95 * (var(pa, na) + var(pb, nb)).sqrt()
}

/// Frames whose self share changed by at least [`MIN_CHANGE`], largest change first.
pub fn share_changes(a: &Side, b: &Side) -> Vec<ShareChange> {
    let (ca, cb) = (self_counts(&a.folded), self_counts(&b.folded));
    let (na, nb) = (a.folded.total(), b.folded.total());
    let share = |n: u64, total: u64| {
        if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        }
    };
    let mut frames: Vec<&String> = ca.keys().chain(cb.keys()).collect();
    frames.sort();
    frames.dedup();
    let mut out: Vec<ShareChange> = frames
        .into_iter()
        .map(|f| {
            let (sa, sb) = (
                ca.get(f).copied().unwrap_or(0),
                cb.get(f).copied().unwrap_or(0),
            );
            let (pa, pb) = (share(sa, na), share(sb, nb));
            ShareChange {
                frame: f.clone(),
                a_share: pa,
                b_share: pb,
                a_ms: sa as f64 * a.ms_per_sample,
                b_ms: sb as f64 * b.ms_per_sample,
                noise: noise(pa, na, pb, nb),
            }
        })
        .filter(|c| c.change().abs() >= MIN_CHANGE)
        .collect();
    out.sort_by(|x, y| {
        y.change()
            .abs()
            .total_cmp(&x.change().abs())
            .then(x.frame.cmp(&y.frame))
    });
    out
}

/// The table printed by `som-prof diff`: shares, self times, change and its noise.
pub fn table(changes: &[ShareChange], limit: usize) -> String {
    if changes.is_empty() {
        return format!(
            "no method's self share changed by {:.1} percentage points or more\n",
            MIN_CHANGE * 100.0
        );
    }
    let mut out = String::from("  A self%  B self%     A ms     B ms   change   ±noise  method\n");
    for c in changes.iter().take(limit) {
        let _ = writeln!(
            out,
            "  {:6.2}%  {:6.2}%  {:7.1}  {:7.1}  {:+6.2}pp  {:5.2}pp{} {}",
            c.a_share * 100.0,
            c.b_share * 100.0,
            c.a_ms,
            c.b_ms,
            c.change() * 100.0,
            c.noise * 100.0,
            if c.is_noise() { " ~" } else { "  " },
            c.frame
        );
    }
    let _ = writeln!(
        out,
        "±noise: 95% interval of the change from sampling alone (binomial counts of both \
         profiles); ~ marks changes within it. Runs also differ by more than sampling: \
         compare two runs of A to see that."
    );
    out
}

/// The same stacks with every method frame's tier dropped (`X [tier 1]` becomes `X`).
pub fn merge_tiers(f: &Folded) -> Folded {
    let mut out = Folded::default();
    for (frames, n) in f.iter() {
        let merged: Vec<&str> = frames
            .iter()
            .map(|frame| match parse_frame(frame) {
                (label, FrameKind::Tier(_)) => label,
                _ => frame,
            })
            .collect();
        out.add(&merged.join(";"), n);
    }
    out
}

pub fn read_folded(dir: &Path) -> Result<Folded> {
    let path = dir.join("stacks.folded");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Folded::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// A profile directory's stacks and, from its `profile.json`, the CPU time per sample.
pub fn read_side(dir: &Path) -> Result<Side> {
    let folded = read_folded(dir)?;
    let path = dir.join("profile.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: not JSON: {e}", path.display()))?;
    let field = |name: &str| {
        json.get(name)
            .and_then(serde_json::Value::as_f64)
            .with_context(|| format!("{}: no number field `{name}`", path.display()))
    };
    let (cpu_ms, samples) = (field("cpu_time_ms")?, field("total_samples")?);
    Ok(Side {
        ms_per_sample: if samples > 0.0 { cpu_ms / samples } else { 0.0 },
        folded,
    })
}

/// Writes `out/diff.folded` and `out/diff.svg`; answers the share changes.
pub fn diff(a: &Path, b: &Path, out: &Path, merge: bool) -> Result<Vec<ShareChange>> {
    let (mut sa, mut sb) = (read_side(a)?, read_side(b)?);
    if merge {
        sa.folded = merge_tiers(&sa.folded);
        sb.folded = merge_tiers(&sb.folded);
    }
    let text = flamegraph::differential_folded(&sa.folded, &sb.folded)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(out.join("diff.folded"), &text)?;
    let title = format!("som-prof diff: A = {}, B = {}", a.display(), b.display());
    let subtitle = format!(
        "A's {} samples scaled to B's {}: red, a larger share in B; blue, smaller{}",
        sa.folded.total(),
        sb.folded.total(),
        if merge { "; tiers merged" } else { "" }
    );
    std::fs::write(
        out.join("diff.svg"),
        flamegraph::differential_flamegraph(&text, &title, &subtitle)?,
    )?;
    Ok(share_changes(&sa, &sb))
}

#[cfg(test)]
mod tests;
