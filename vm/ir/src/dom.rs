//! Control-flow analyses: reverse postorder, dominator tree (Cooper-Harvey-Kennedy) and
//! natural loops with their headers, bodies, latches and preheaders.

use crate::entities::Block;
use crate::function::Function;
use cranelift_entity::SecondaryMap;
use std::collections::BTreeSet;

/// Dominators of the reachable blocks of a function.
pub struct DomTree {
    /// Reachable blocks in reverse postorder (entry first).
    pub rpo: Vec<Block>,
    rpo_index: SecondaryMap<Block, u32>,
    idom: SecondaryMap<Block, Option<Block>>,
    /// Dominator-tree children of each block, in RPO.
    pub children: SecondaryMap<Block, Vec<Block>>,
}

impl DomTree {
    /// Computes the tree for `func`'s current CFG.
    pub fn compute(func: &Function) -> DomTree {
        let rpo = reverse_postorder(func);
        let mut rpo_index = SecondaryMap::with_default(u32::MAX);
        for (i, &b) in rpo.iter().enumerate() {
            rpo_index[b] = i as u32;
        }
        let preds = func.predecessors();
        let mut idom: SecondaryMap<Block, Option<Block>> = SecondaryMap::new();
        let entry = rpo[0];
        idom[entry] = Some(entry);
        let mut changed = true;
        while changed {
            changed = false;
            for &b in &rpo[1..] {
                let mut new: Option<Block> = None;
                for &p in &preds[b] {
                    if idom[p].is_none() {
                        continue;
                    }
                    new = Some(match new {
                        None => p,
                        Some(n) => intersect(&idom, &rpo_index, p, n),
                    });
                }
                if new.is_some() && idom[b] != new {
                    idom[b] = new;
                    changed = true;
                }
            }
        }
        let mut children: SecondaryMap<Block, Vec<Block>> = SecondaryMap::new();
        for &b in &rpo[1..] {
            if let Some(d) = idom[b] {
                children[d].push(b);
            }
        }
        DomTree {
            rpo,
            rpo_index,
            idom,
            children,
        }
    }

    /// Whether `b` is reachable from the entry.
    pub fn is_reachable(&self, b: Block) -> bool {
        self.rpo_index[b] != u32::MAX
    }

    /// The immediate dominator (`None` for the entry and unreachable blocks).
    pub fn idom(&self, b: Block) -> Option<Block> {
        self.idom[b].filter(|&d| d != b)
    }

    /// Whether `a` dominates `b` (reflexive).
    pub fn dominates(&self, a: Block, b: Block) -> bool {
        if !self.is_reachable(a) || !self.is_reachable(b) {
            return false;
        }
        let mut cur = b;
        loop {
            if cur == a {
                return true;
            }
            match self.idom(cur) {
                Some(d) => cur = d,
                None => return false,
            }
        }
    }

    /// Position of `b` in reverse postorder.
    pub fn rpo_number(&self, b: Block) -> u32 {
        self.rpo_index[b]
    }
}

fn intersect(
    idom: &SecondaryMap<Block, Option<Block>>,
    idx: &SecondaryMap<Block, u32>,
    mut a: Block,
    mut b: Block,
) -> Block {
    while a != b {
        while idx[a] > idx[b] {
            a = idom[a].unwrap();
        }
        while idx[b] > idx[a] {
            b = idom[b].unwrap();
        }
    }
    a
}

/// Reachable blocks in reverse postorder.
pub fn reverse_postorder(func: &Function) -> Vec<Block> {
    let mut seen: SecondaryMap<Block, bool> = SecondaryMap::new();
    let mut post = Vec::new();
    let entry = func.entry();
    let mut stack = vec![(entry, 0usize)];
    seen[entry] = true;
    while let Some((b, i)) = stack.pop() {
        let succs = func.successors(b);
        if i < succs.len() {
            stack.push((b, i + 1));
            let s = succs[i];
            if !seen[s] {
                seen[s] = true;
                stack.push((s, 0));
            }
        } else {
            post.push(b);
        }
    }
    post.reverse();
    post
}

/// A natural loop.
#[derive(Clone, Debug)]
pub struct Loop {
    pub header: Block,
    /// Blocks of the loop, header included.
    pub body: BTreeSet<Block>,
    /// Sources of back edges.
    pub latches: Vec<Block>,
    /// The single outside predecessor whose only successor is the header, if there is one.
    pub preheader: Option<Block>,
}

/// Natural loops of `func`, innermost (smallest) first.
pub fn find_loops(func: &Function, dom: &DomTree) -> Vec<Loop> {
    let preds = func.predecessors();
    let mut loops: Vec<Loop> = Vec::new();
    for &h in &dom.rpo {
        let latches: Vec<Block> = preds[h]
            .iter()
            .copied()
            .filter(|&p| dom.dominates(h, p))
            .collect();
        if latches.is_empty() {
            continue;
        }
        let mut body = BTreeSet::from([h]);
        let mut work = latches.clone();
        while let Some(b) = work.pop() {
            if body.insert(b) {
                work.extend(preds[b].iter().copied().filter(|&p| dom.is_reachable(p)));
            }
        }
        let outside: Vec<Block> = preds[h]
            .iter()
            .copied()
            .filter(|p| !body.contains(p))
            .collect();
        let preheader = match outside.as_slice() {
            [p] if func.successors(*p) == vec![h] => Some(*p),
            _ => None,
        };
        loops.push(Loop {
            header: h,
            body,
            latches,
            preheader,
        });
    }
    loops.sort_by_key(|l| l.body.len());
    loops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_function;

    const LOOP: &str = "function %l(int) -> word {
b0(v0: int):
    jump b1(v0)
b1(v1: int):
    v2 = iconst 10
    v3 = icmp.lt v1, v2
    brif v3, b2(), b3()
b2():
    v4 = iconst 1
    v5 = iadd v1, v4
    jump b1(v5)
b3():
    v6 = tag_int v1
    return v6
}";

    #[test]
    fn the_loop_header_dominates_its_body_and_has_a_preheader() {
        let f = parse_function(LOOP).unwrap();
        let dom = DomTree::compute(&f);
        let b = |n| Block::from_u32(n);
        assert!(dom.dominates(b(1), b(2)));
        assert!(!dom.dominates(b(2), b(3)));
        assert_eq!(dom.idom(b(3)), Some(b(1)));
        let loops = find_loops(&f, &dom);
        assert_eq!(loops.len(), 1);
        assert_eq!(loops[0].header, b(1));
        assert_eq!(loops[0].latches, vec![b(2)]);
        assert_eq!(loops[0].preheader, Some(b(0)));
        assert_eq!(loops[0].body.len(), 2);
    }
}
