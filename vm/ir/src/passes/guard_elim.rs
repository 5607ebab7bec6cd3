//! Guard elimination: a guard is removed when a dominating guard already checked the same
//! thing, when a dominating branch on the same condition decided it, or when the value's
//! definition proves it (`tag_int` is an int, `alloc class C` has class C).

use crate::dom::DomTree;
use crate::entities::{Block, Value};
use crate::function::Function;
use crate::inst::{GuardKind, InstData, UnOp};
use crate::types::tagging;
use std::collections::HashSet;

/// Runs the pass.
pub fn run(func: &mut Function) {
    let dom = DomTree::compute(func);
    let preds = func.predecessors();
    let mut facts: HashSet<(GuardKind, Value)> = HashSet::new();
    let mut stack: Vec<(Block, bool)> = vec![(dom.rpo[0], false)];
    let mut scopes: Vec<Vec<(GuardKind, Value)>> = Vec::new();
    while let Some((b, done)) = stack.pop() {
        if done {
            for k in scopes.pop().unwrap_or_default() {
                facts.remove(&k);
            }
            continue;
        }
        let mut added = Vec::new();
        if let [p] = preds[b].as_slice() {
            if let Some(fact) = branch_fact(func, *p, b) {
                if facts.insert(fact) {
                    added.push(fact);
                }
            }
        }
        for inst in func.blocks[b].insts.clone() {
            let InstData::Guard { kind, arg, .. } = func.insts[inst] else {
                continue;
            };
            if facts.contains(&(kind, arg)) || proven(func, kind, arg) {
                func.detach(inst);
            } else if facts.insert((kind, arg)) {
                added.push((kind, arg));
            }
        }
        scopes.push(added);
        stack.push((b, true));
        for &c in dom.children[b].iter().rev() {
            stack.push((c, false));
        }
    }
}

/// What entering `b` from its only predecessor `p` proves about `p`'s branch condition.
fn branch_fact(func: &Function, p: Block, b: Block) -> Option<(GuardKind, Value)> {
    let InstData::Brif {
        cond,
        then_dest,
        else_dest,
    } = &func.insts[func.terminator(p)?]
    else {
        return None;
    };
    match (then_dest.block == b, else_dest.block == b) {
        (true, false) => Some((GuardKind::True, *cond)),
        (false, true) => Some((GuardKind::False, *cond)),
        _ => None,
    }
}

/// Whether `arg`'s definition alone satisfies the guard.
fn proven(func: &Function, kind: GuardKind, arg: Value) -> bool {
    match (kind, func.def_data(arg)) {
        (
            GuardKind::Int,
            Some(InstData::Unary {
                op: UnOp::TagInt, ..
            }),
        ) => true,
        (GuardKind::Int, Some(InstData::Const { bits, .. })) => tagging::untag_int(*bits).is_some(),
        (GuardKind::Class { class, .. }, Some(InstData::Alloc { class: c, .. })) => class == *c,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_function;

    #[test]
    fn a_guard_dominated_by_an_equal_guard_is_removed() {
        let mut f = parse_function(
            "function %f(word) -> word {\n    fs0 = state m1 @0 [v0]\n    fs1 = state m1 @5 [v0]\n\nb0(v0: word):\n    guard_int v0, fs0\n    jump b1()\nb1():\n    guard_int v0, fs1\n    return v0\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        assert_eq!(f.to_string().matches("guard_int").count(), 1);
    }

    #[test]
    fn a_tag_guard_on_a_tagged_int_is_removed() {
        let mut f = parse_function(
            "function %f(int) -> word {\n    fs0 = state m1 @0 []\n\nb0(v0: int):\n    v1 = tag_int v0\n    guard_int v1, fs0\n    return v1\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        assert!(!f.to_string().contains("guard_int"));
    }

    #[test]
    fn a_branch_on_the_condition_decides_a_guard_in_its_arm() {
        let mut f = parse_function(
            "function %f(bool) -> int {\n    fs0 = state m1 @0 []\n\nb0(v0: bool):\n    brif v0, b1(), b2()\nb1():\n    guard_true v0, fs0\n    v1 = iconst 1\n    return v1\nb2():\n    guard_true v0, fs0\n    v2 = iconst 2\n    return v2\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        assert_eq!(f.to_string().matches("guard_true").count(), 1);
    }
}
