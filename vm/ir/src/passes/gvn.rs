//! Global value numbering over the dominator tree: a pure instruction, a readonly load
//! or a checked arithmetic operation equal to one in a dominating position is replaced
//! by that one's result (the dominating checked op already deopted on overflow).

use crate::dom::DomTree;
use crate::entities::{Block, FrameStateRef, Value};
use crate::function::Function;
use crate::inst::{BinOp, InstData};
use cranelift_entity::EntityRef;
use std::collections::HashMap;

/// Runs the pass.
pub fn run(func: &mut Function) {
    let dom = DomTree::compute(func);
    let mut table: HashMap<String, Value> = HashMap::new();
    let mut aliases: HashMap<Value, Value> = HashMap::new();
    let mut stack: Vec<(Block, bool)> = vec![(dom.rpo[0], false)];
    let mut scopes: Vec<Vec<String>> = Vec::new();
    while let Some((b, done)) = stack.pop() {
        if done {
            for k in scopes.pop().unwrap_or_default() {
                table.remove(&k);
            }
            continue;
        }
        let mut added = Vec::new();
        for inst in func.blocks[b].insts.clone() {
            func.insts[inst].map_args(|v| *aliases.get(&v).unwrap_or(&v));
            let Some(key) = key_of(&func.insts[inst]) else {
                continue;
            };
            let Some(result) = func.result(inst) else {
                continue;
            };
            match table.get(&key) {
                Some(&prev) => {
                    aliases.insert(result, prev);
                    func.detach(inst);
                }
                None => {
                    table.insert(key.clone(), result);
                    added.push(key);
                }
            }
        }
        scopes.push(added);
        stack.push((b, true));
        for &c in dom.children[b].iter().rev() {
            stack.push((c, false));
        }
    }
    func.replace_uses(&aliases);
}

/// The value-numbering key of an instruction, if it may be merged with an equal one.
fn key_of(data: &InstData) -> Option<String> {
    let mut d = data.clone();
    match &mut d {
        InstData::Binary { op, args } if is_commutative(*op) => args.sort(),
        InstData::Checked { state, .. } => *state = FrameStateRef::new(0),
        InstData::Load { readonly: true, .. } => {}
        _ if data.is_pure() => {}
        _ => return None,
    }
    Some(format!("{d:?}"))
}

fn is_commutative(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Iadd
            | BinOp::Imul
            | BinOp::Iand
            | BinOp::Ior
            | BinOp::Ixor
            | BinOp::Fadd
            | BinOp::Fmul
    )
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_function;

    #[test]
    fn a_repeated_expression_in_a_dominated_block_reuses_the_first() {
        let mut f = parse_function(
            "function %f(int, bool) -> int {\nb0(v0: int, v9: bool):\n    v1 = iadd v0, v0\n    brif v9, b1(), b2()\nb1():\n    v2 = iadd v0, v0\n    return v2\nb2():\n    return v1\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        let text = f.to_string();
        assert!(!text.contains("v2 = "), "{text}");
        assert!(text.contains("b1():\n    return v1"), "{text}");
    }

    #[test]
    fn expressions_in_sibling_blocks_are_not_merged() {
        let mut f = parse_function(
            "function %f(int, bool) -> int {\nb0(v0: int, v9: bool):\n    brif v9, b1(), b2()\nb1():\n    v1 = iadd v0, v0\n    return v1\nb2():\n    v2 = iadd v0, v0\n    return v2\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        assert!(f.to_string().contains("v2 = iadd"));
    }
}
