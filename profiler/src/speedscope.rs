//! The speedscope file format (https://www.speedscope.app/file-format-schema.json): one
//! "sampled" profile whose samples are the folded stacks and whose weights are their
//! counts, so the profile opens in speedscope as it does in the flamegraph.

use crate::stacks::Folded;
use serde_json::{json, Value};
use std::collections::HashMap;

pub const SCHEMA: &str = "https://www.speedscope.app/file-format-schema.json";

/// The speedscope document of `folded`; weights are in samples (`unit: "none"`).
pub fn document(folded: &Folded, name: &str) -> Value {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut frames: Vec<Value> = Vec::new();
    let mut samples: Vec<Vec<usize>> = Vec::new();
    let mut weights: Vec<u64> = Vec::new();
    for (stack, n) in folded.iter() {
        let ids = stack
            .into_iter()
            .map(|f| {
                *index.entry(f).or_insert_with(|| {
                    frames.push(json!({ "name": f }));
                    frames.len() - 1
                })
            })
            .collect();
        samples.push(ids);
        weights.push(n);
    }
    json!({
        "$schema": SCHEMA,
        "name": name,
        "exporter": concat!("som-prof ", env!("CARGO_PKG_VERSION")),
        "activeProfileIndex": 0,
        "shared": { "frames": frames },
        "profiles": [{
            "type": "sampled",
            "name": name,
            "unit": "none",
            "startValue": 0,
            "endValue": folded.total(),
            "samples": samples,
            "weights": weights,
        }],
    })
}
