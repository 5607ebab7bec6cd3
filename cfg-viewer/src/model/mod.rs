//! The inspector's model, without any UI: a method's CFG (basic blocks, back-edges,
//! nested loops) as a petgraph graph, its layered layout, the linking between source
//! lines, blocks, bytecodes and code columns of every tier, runtime data (heat, inline
//! caches, the JIT's markers: tier-1 entries, OSR entries, exits to tier 0, tier-2 deopt
//! points with how often they fired), tier 2's IR per pass and its diffs, and export
//! to Graphviz dot and SVG.

pub mod cfg;
pub mod dot;
pub mod flow;
pub mod layout;
pub mod link;
pub mod method;
pub mod program;
pub mod svg;
pub mod tier2;
pub mod tiers;

pub use cfg::{BasicBlock, BlockId, Cfg, FlowEdge, Loop, LoopId};
pub use layout::{Layout, Metrics};
pub use link::{CodeRow, Column, Pick, Representation, RowKind, Selection};
pub use method::{HeatScale, MethodModel, SendSite};
pub use program::{InspectError, MethodEntry, Program};
pub use tiers::{JitData, Marker, MarkerKind, JIT_TIERS};

/// A heat colour for `0..=1`: cool grey-blue for cold code through yellow to red.
pub fn heat_rgb(heat: f32) -> [u8; 3] {
    let stops: [(f32, [f32; 3]); 4] = [
        (0.0, [232.0, 236.0, 242.0]),
        (0.4, [190.0, 220.0, 250.0]),
        (0.7, [255.0, 226.0, 130.0]),
        (1.0, [250.0, 120.0, 90.0]),
    ];
    let h = heat.clamp(0.0, 1.0);
    let i = stops.iter().rposition(|s| s.0 <= h).unwrap_or(0).min(2);
    let (a, b) = (stops[i], stops[i + 1]);
    let t = (h - a.0) / (b.0 - a.0);
    let c = |k: usize| (a.1[k] + (b.1[k] - a.1[k]) * t).round() as u8;
    [c(0), c(1), c(2)]
}
