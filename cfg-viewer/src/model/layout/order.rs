//! Crossing reduction: alternating downward and upward barycenter sweeps over the layers,
//! keeping the best order seen. Within a layer, the nodes of one loop stay contiguous (a
//! loop sorts as one unit by its members' mean barycenter, recursively for nested loops),
//! so loop frames never contain a stranger.

use super::Layered;
use std::collections::BTreeMap;

const SWEEPS: usize = 12;

/// Orders every layer; answers the number of crossings left.
pub(super) fn reduce_crossings(g: &mut Layered) -> usize {
    let mut pos = vec![0f32; g.nodes.len()];
    for layer in g.layers.clone().iter().enumerate() {
        let key: Vec<f32> = (0..g.nodes.len()).map(|v| v as f32).collect();
        g.layers[layer.0] = grouped_sort(layer.1, 0, &key, g);
    }
    set_positions(g, &mut pos);
    let mut best = (crossings(g, &pos), g.layers.clone());
    for sweep in 0..SWEEPS {
        let downward = sweep % 2 == 0;
        let indices: Vec<usize> = if downward {
            (1..g.layers.len()).collect()
        } else {
            (0..g.layers.len().saturating_sub(1)).rev().collect()
        };
        for i in indices {
            let mut key = pos.clone();
            for &v in &g.layers[i] {
                let nbrs = if downward { &g.up[v] } else { &g.down[v] };
                if !nbrs.is_empty() {
                    key[v] = nbrs.iter().map(|&u| pos[u]).sum::<f32>() / nbrs.len() as f32;
                }
            }
            g.layers[i] = grouped_sort(&g.layers[i], 0, &key, g);
            for (p, &v) in g.layers[i].iter().enumerate() {
                pos[v] = p as f32;
            }
        }
        let c = crossings(g, &pos);
        if c < best.0 {
            best = (c, g.layers.clone());
        }
    }
    g.layers = best.1;
    best.0
}

fn set_positions(g: &Layered, pos: &mut [f32]) {
    for layer in &g.layers {
        for (p, &v) in layer.iter().enumerate() {
            pos[v] = p as f32;
        }
    }
}

/// Sorts by key, treating each loop at nesting `depth` as one unit placed at its
/// members' mean key (ties keep the current order).
fn grouped_sort(items: &[usize], depth: usize, key: &[f32], g: &Layered) -> Vec<usize> {
    let mut units: Vec<(f32, usize, Vec<usize>)> = Vec::new();
    let mut clusters: BTreeMap<u32, Vec<(usize, usize)>> = BTreeMap::new();
    for (rank, &v) in items.iter().enumerate() {
        match g.nodes[v].group.get(depth) {
            Some(l) => clusters.entry(l.0).or_default().push((rank, v)),
            None => units.push((key[v], rank, vec![v])),
        }
    }
    for members in clusters.into_values() {
        let mean = members.iter().map(|&(_, v)| key[v]).sum::<f32>() / members.len() as f32;
        let first = members[0].0;
        let vs: Vec<usize> = members.into_iter().map(|(_, v)| v).collect();
        units.push((mean, first, grouped_sort(&vs, depth + 1, key, g)));
    }
    units.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    units.into_iter().flat_map(|u| u.2).collect()
}

/// Crossings between all pairs of adjacent layers (inversions counted with a Fenwick
/// tree).
pub(super) fn crossings(g: &Layered, pos: &[f32]) -> usize {
    let mut total = 0;
    for (i, layer) in g.layers.iter().enumerate() {
        let Some(next) = g.layers.get(i + 1) else {
            break;
        };
        let mut pairs: Vec<(usize, usize)> = layer
            .iter()
            .flat_map(|&u| g.down[u].iter().map(move |&v| (u, v)))
            .map(|(u, v)| (pos[u] as usize, pos[v] as usize))
            .collect();
        pairs.sort_unstable();
        let mut tree = vec![0usize; next.len() + 1];
        for (seen, &(_, v)) in pairs.iter().enumerate() {
            let mut le = 0;
            let mut k = v + 1;
            while k > 0 {
                le += tree[k];
                k &= k - 1;
            }
            total += seen - le;
            let mut k = v + 1;
            while k < tree.len() {
                tree[k] += 1;
                k += k & k.wrapping_neg();
            }
        }
    }
    total
}
