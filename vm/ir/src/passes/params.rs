//! Redundant block parameters: a parameter whose every incoming argument is either
//! itself or one other value `v` always holds `v` (the simplification of trivial phis),
//! so its uses become `v` and it leaves the block and every branch to it. Repeated
//! until nothing changes. Builders that pass every frame slot to every block (tier 2
//! does) leave loop-invariant slots as header parameters; once they are plain values
//! defined outside the loop, guards and arithmetic on them are invariant for LICM.

use crate::entities::{Block, Value};
use crate::function::{Function, ValueDef};
use std::collections::HashMap;

/// Runs the pass.
pub fn run(func: &mut Function) {
    let entry = func.entry();
    loop {
        let preds = func.predecessors();
        let mut alias: HashMap<Value, Value> = HashMap::new();
        let mut removed: Vec<(Block, usize)> = Vec::new();
        for &b in &func.layout {
            if b == entry || preds[b].is_empty() {
                continue;
            }
            for (i, &p) in func.blocks[b].params.iter().enumerate() {
                if let Some(v) = only_other_value(func, &preds[b], b, i, p) {
                    alias.insert(p, v);
                    removed.push((b, i));
                }
            }
        }
        // A target removed in the same round waits for the next (no alias cycles).
        let chained: Vec<Value> = alias
            .iter()
            .filter(|(_, v)| alias.contains_key(v))
            .map(|(&p, _)| p)
            .collect();
        for p in chained {
            alias.remove(&p);
        }
        removed.retain(|&(b, i)| alias.contains_key(&func.blocks[b].params[i]));
        if removed.is_empty() {
            return;
        }
        // Parameters of the same block first by descending index, so indices hold.
        removed.sort_by(|x, y| (x.0, y.1).cmp(&(y.0, x.1)));
        for &(b, i) in &removed {
            remove_param(func, &preds[b], b, i);
        }
        func.replace_uses(&alias);
    }
}

/// The one value other than `p` that every branch to `b` passes as parameter `i`
/// (not a parameter of `b` itself, which would not be available on entry).
fn only_other_value(
    func: &Function,
    preds: &[Block],
    b: Block,
    i: usize,
    p: Value,
) -> Option<Value> {
    let mut other = None;
    for &pred in preds {
        let t = func.terminator(pred)?;
        for call in func.insts[t].successors() {
            if call.block != b {
                continue;
            }
            let a = *call.args.get(i)?;
            if a == p || other == Some(a) {
                continue;
            }
            if other.is_some() {
                return None;
            }
            other = Some(a);
        }
    }
    let v = other?;
    match func.values[v].def {
        ValueDef::Param(pb, _) if pb == b => None,
        _ => Some(v),
    }
}

/// Removes parameter `i` of `b` and its argument from every branch to `b`.
fn remove_param(func: &mut Function, preds: &[Block], b: Block, i: usize) {
    for &pred in preds {
        let Some(t) = func.terminator(pred) else {
            continue;
        };
        for call in func.insts[t].successors_mut() {
            if call.block == b {
                call.args.remove(i);
            }
        }
    }
    let p = func.blocks[b].params.remove(i);
    func.values[p].def = ValueDef::Unused;
    for (k, &q) in func.blocks[b].params.iter().enumerate() {
        func.values[q].def = ValueDef::Param(b, k as u32);
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_function;

    #[test]
    fn a_loop_invariant_parameter_becomes_the_value_passed_into_the_loop() {
        let mut f = parse_function(
            "function %f(word, int) -> int {\nb0(v0: word, v1: int):\n    v2 = iconst 0\n    jump b1(v1, v2)\nb1(v3: int, v4: int):\n    v5 = iconst 1\n    v6 = iadd v4, v5\n    v7 = icmp.lt v6, v3\n    brif v7, b1(v3, v6), b2()\nb2():\n    return v6\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        crate::verify::verify(&f).unwrap();
        let text = f.to_string();
        assert!(text.contains("b1(v4: int):"), "{text}");
        assert!(text.contains("icmp.lt v6, v1"), "{text}");
        assert!(text.contains("jump b1(v2)"), "{text}");
    }

    #[test]
    fn a_parameter_with_two_incoming_values_stays() {
        let mut f = parse_function(
            "function %f(word, int) -> int {\nb0(v0: word, v1: int):\n    v2 = iconst 0\n    v3 = icmp.eq v1, v2\n    brif v3, b1(v1), b1(v2)\nb1(v4: int):\n    return v4\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        assert!(f.to_string().contains("b1(v4: int):"), "{}", f);
    }
}
