//! Explaining a regression: which methods' share of the deterministic (logical-clock)
//! profile and of the time profile (per method and tier, so tier-1 code shows) changed
//! between base and head, from `som-prof`'s `profile.json`; and what the tiers did, from
//! the VM's compile counters. Says plainly when the data is not there.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The part of `som-prof record`'s `profile.json` the bot reads.
#[derive(Debug, Deserialize)]
pub struct Profile {
    pub mode: String,
    pub total_samples: f64,
    pub methods: Vec<ProfiledMethod>,
}

#[derive(Debug, Deserialize)]
pub struct ProfiledMethod {
    pub method: String,
    #[serde(default)]
    pub tier: Option<u8>,
    pub self_samples: f64,
    #[serde(default)]
    pub total_samples: f64,
}

/// One method whose self share of the profile moved.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShareChange {
    pub method: String,
    pub base_share: f64,
    pub head_share: f64,
}

/// Self share per method as fractions of all samples: summed over tiers in clock mode
/// (which counts interpreter work), per method and tier in time mode.
fn shares(p: &Profile) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    if p.total_samples <= 0.0 {
        return out;
    }
    for m in &p.methods {
        let key = match m.tier {
            Some(t) if p.mode == "time" => format!("{} [tier {t}]", m.method),
            _ => m.method.clone(),
        };
        *out.entry(key).or_insert(0.0) += m.self_samples / p.total_samples;
    }
    out
}

/// The `limit` methods whose self share changed most, largest change first, ignoring
/// changes under 0.1 percentage points.
pub fn share_changes(base: &Profile, head: &Profile, limit: usize) -> Vec<ShareChange> {
    let (b, h) = (shares(base), shares(head));
    let mut names: Vec<&String> = b.keys().chain(h.keys()).collect();
    names.sort();
    names.dedup();
    let mut v: Vec<ShareChange> = names
        .into_iter()
        .map(|m| ShareChange {
            method: m.clone(),
            base_share: b.get(m).copied().unwrap_or(0.0),
            head_share: h.get(m).copied().unwrap_or(0.0),
        })
        .filter(|c| (c.head_share - c.base_share).abs() >= 0.001)
        .collect();
    v.sort_by(|x, y| {
        let dx = (x.head_share - x.base_share).abs();
        let dy = (y.head_share - y.base_share).abs();
        dy.total_cmp(&dx).then_with(|| x.method.cmp(&y.method))
    });
    v.truncate(limit);
    v
}

/// What the profile says, or why it says nothing.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProfileExplanation {
    Shares { changes: Vec<ShareChange> },
    Unavailable { reason: String },
}

/// Compares two stored profiles of `mode`; `why_base`/`why_head` are the recorded notes
/// used when a profile is missing.
pub fn explain_profiles(
    mode: &str,
    base: Option<&str>,
    head: Option<&str>,
    why_base: &[String],
    why_head: &[String],
) -> ProfileExplanation {
    let parse = |text: Option<&str>, why: &[String], side: &str| -> Result<Profile, String> {
        let Some(text) = text else {
            let reason = if why.is_empty() {
                "not recorded".to_string()
            } else {
                why.join("; ")
            };
            return Err(format!("no {mode}-mode profile for {side}: {reason}"));
        };
        serde_json::from_str::<Profile>(text)
            .map_err(|e| format!("the {side} profile is not som-prof JSON: {e}"))
    };
    match (parse(base, why_base, "base"), parse(head, why_head, "head")) {
        (Ok(b), Ok(h)) if b.mode != mode || h.mode != mode => ProfileExplanation::Unavailable {
            reason: format!(
                "profiles are in mode {}/{}, not the {mode} mode",
                b.mode, h.mode
            ),
        },
        (Ok(b), Ok(h)) => ProfileExplanation::Shares {
            changes: share_changes(&b, &h, 5),
        },
        (Err(reason), _) | (_, Err(reason)) => ProfileExplanation::Unavailable { reason },
    }
}

/// The tier sentence from methods compiled at tier 1 and 2 in base and head.
pub fn explain_tiers(base: [Option<f64>; 2], head: [Option<f64>; 2]) -> String {
    let any = base.iter().chain(&head).any(|v| v.is_some_and(|v| v > 0.0));
    if !any {
        return "no tier data (tier 0 only)".into();
    }
    let show = |v: Option<f64>| v.map_or("absent".to_string(), |v| format!("{v}"));
    format!(
        "methods compiled at tier 1: {} → {}; at tier 2: {} → {} (deoptimization events are not recorded yet)",
        show(base[0]),
        show(head[0]),
        show(base[1]),
        show(head[1])
    )
}

#[cfg(test)]
mod tests;
