//! How often each CFG edge was taken, derived from the bytecode profile's counts by
//! flow conservation: an edge is known when its block has one way out (the count of
//! its last bytecode) or its target one way in (the count of its first bytecode),
//! then repeatedly when all but one edge out of a block, or into a block, are known.
//! The entry block's own entries (the method's activations) are not edges, so it is
//! never solved from its in-edges. Edges the counts cannot decide stay unknown.

use super::cfg::{BlockId, Cfg};

/// Per edge of `cfg` (in [`Cfg::edges`] order), how often it was taken.
pub fn edge_counts(cfg: &Cfg, counts: &[u64]) -> Vec<Option<u64>> {
    let edges: Vec<(BlockId, BlockId)> = cfg.edges().map(|(a, b, _)| (a, b)).collect();
    let count = |bci: u32| counts.get(bci as usize).copied().unwrap_or(0);
    let exits = |b: BlockId| count(cfg.block(b).end - 1);
    let entries = |b: BlockId| count(cfg.block(b).start);
    let mut known: Vec<Option<u64>> = vec![None; edges.len()];
    loop {
        let mut progress = false;
        for block in cfg.blocks().map(|b| b.id) {
            let out: Vec<usize> = (0..edges.len()).filter(|&i| edges[i].0 == block).collect();
            progress |= solve_one(&mut known, &out, exits(block));
            if block != BlockId(0) {
                let into: Vec<usize> = (0..edges.len()).filter(|&i| edges[i].1 == block).collect();
                progress |= solve_one(&mut known, &into, entries(block));
            }
        }
        if !progress {
            return known;
        }
    }
}

/// If exactly one of `edges` is unknown, it carries `total` minus the known ones.
fn solve_one(known: &mut [Option<u64>], edges: &[usize], total: u64) -> bool {
    let unknown: Vec<usize> = edges
        .iter()
        .copied()
        .filter(|&i| known[i].is_none())
        .collect();
    let [i] = unknown[..] else {
        return false;
    };
    let sum: u64 = edges.iter().filter_map(|&e| known[e]).sum();
    known[i] = Some(total.saturating_sub(sum));
    true
}
