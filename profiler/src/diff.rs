//! `som-prof diff A B`: the differential flamegraph of two profile directories (inferno's
//! differential folded format, then drawn) and the methods whose share of the samples
//! changed most. A profile diffed against itself has no changes.

use crate::flamegraph;
use crate::stacks::Folded;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Changes smaller than this (a tenth of a percentage point) are not listed.
pub const MIN_CHANGE: f64 = 0.001;

/// A frame (method and tier) whose self share of all samples moved.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareChange {
    pub frame: String,
    pub a_share: f64,
    pub b_share: f64,
}

impl ShareChange {
    pub fn change(&self) -> f64 {
        self.b_share - self.a_share
    }
}

/// Self share per leaf frame, as fractions of all samples.
fn self_shares(f: &Folded) -> BTreeMap<String, f64> {
    let total = f.total().max(1) as f64;
    let mut out = BTreeMap::new();
    for (frames, n) in f.iter() {
        let leaf = frames.last().copied().unwrap_or_default().to_string();
        *out.entry(leaf).or_insert(0.0) += n as f64 / total;
    }
    out
}

/// Frames whose self share changed by at least [`MIN_CHANGE`], largest change first.
pub fn share_changes(a: &Folded, b: &Folded) -> Vec<ShareChange> {
    let (sa, sb) = (self_shares(a), self_shares(b));
    let mut frames: Vec<&String> = sa.keys().chain(sb.keys()).collect();
    frames.sort();
    frames.dedup();
    let mut out: Vec<ShareChange> = frames
        .into_iter()
        .map(|f| ShareChange {
            frame: f.clone(),
            a_share: sa.get(f).copied().unwrap_or(0.0),
            b_share: sb.get(f).copied().unwrap_or(0.0),
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

/// The table printed by `som-prof diff`.
pub fn table(changes: &[ShareChange], limit: usize) -> String {
    if changes.is_empty() {
        return format!(
            "no method's self share changed by {:.1} percentage points or more\n",
            MIN_CHANGE * 100.0
        );
    }
    let mut out = String::from("  A self%  B self%   change  method\n");
    for c in changes.iter().take(limit) {
        let _ = writeln!(
            out,
            "  {:6.2}%  {:6.2}%  {:+6.2}pp  {}",
            c.a_share * 100.0,
            c.b_share * 100.0,
            c.change() * 100.0,
            c.frame
        );
    }
    out
}

pub fn read_folded(dir: &Path) -> Result<Folded> {
    let path = dir.join("stacks.folded");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Folded::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Writes `out/diff.folded` and `out/diff.svg`; answers the share changes.
pub fn diff(a: &Path, b: &Path, out: &Path) -> Result<Vec<ShareChange>> {
    let (fa, fb) = (read_folded(a)?, read_folded(b)?);
    let text = flamegraph::differential_folded(&fa, &fb)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(out.join("diff.folded"), &text)?;
    let title = format!("som-prof diff: A = {}, B = {}", a.display(), b.display());
    std::fs::write(
        out.join("diff.svg"),
        flamegraph::differential_flamegraph(&text, &title)?,
    )?;
    Ok(share_changes(&fa, &fb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_move_between_frames_and_identical_profiles_do_not() {
        let a = Folded::parse("m [tier 0];f [tier 0] 80\nm [tier 0];g [tier 0] 20\n").unwrap();
        let b = Folded::parse(
            "m [tier 0];f [tier 0] 50\nm [tier 0];g [tier 0] 40\nm [tier 0];[gc] 10\n",
        )
        .unwrap();
        let c = share_changes(&a, &b);
        let frames: Vec<&str> = c.iter().map(|c| c.frame.as_str()).collect();
        assert_eq!(frames, ["f [tier 0]", "g [tier 0]", "[gc]"]);
        assert!((c[0].change() + 0.3).abs() < 1e-12);
        assert!(share_changes(&a, &a).is_empty());
        assert!(table(&[], 10).starts_with("no method"));
    }
}
