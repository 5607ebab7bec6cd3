//! Loop-invariant code motion and guard hoisting. For each natural loop (innermost
//! first) that has a preheader (one is made when missing): pure instructions whose
//! operands are defined outside the loop move to the preheader; readonly loads of an
//! object already class-guarded outside the loop move too; guards and checked arithmetic
//! on invariant operands that run on every iteration move there when the header carries
//! an entry frame state, and then deopt to that state (the loop's entry values).

use crate::dom::{find_loops, DomTree, Loop};
use crate::entities::{Block, FrameStateRef, Inst, Value};
use crate::function::{Function, StateSlot};
use crate::inst::{BlockCall, GuardKind, InstData};
use std::collections::HashMap;

/// Runs the pass.
pub fn run(func: &mut Function) {
    let headers: Vec<Block> = find_loops(func, &DomTree::compute(func))
        .iter()
        .map(|l| l.header)
        .collect();
    for h in headers {
        ensure_preheader(func, h);
        let dom = DomTree::compute(func);
        let Some(lp) = find_loops(func, &dom).into_iter().find(|l| l.header == h) else {
            continue;
        };
        hoist_loop(func, &dom, &lp);
    }
}

/// Gives the loop at `header` a preheader: a block that only jumps to the header and is
/// the header's only predecessor from outside the loop.
pub fn ensure_preheader(func: &mut Function, header: Block) -> Option<Block> {
    let dom = DomTree::compute(func);
    let lp = find_loops(func, &dom)
        .into_iter()
        .find(|l| l.header == header)?;
    if let Some(p) = lp.preheader {
        return Some(p);
    }
    let pre = func.add_block();
    let params: Vec<Value> = func.blocks[header]
        .params
        .iter()
        .map(|&p| func.values[p].ty)
        .collect::<Vec<_>>()
        .into_iter()
        .map(|ty| func.add_block_param(pre, ty))
        .collect();
    func.append_inst(
        pre,
        InstData::Jump {
            dest: BlockCall {
                block: header,
                args: params,
            },
        },
    );
    let preds = func.predecessors();
    for &p in preds[header]
        .iter()
        .filter(|&&p| p != pre && !lp.body.contains(&p))
    {
        let t = func.terminator(p)?;
        for call in func.insts[t].successors_mut() {
            if call.block == header {
                call.block = pre;
            }
        }
    }
    let at = func.layout.iter().position(|&b| b == header)?;
    func.layout.pop();
    func.layout.insert(at, pre);
    Some(pre)
}

fn hoist_loop(func: &mut Function, dom: &DomTree, lp: &Loop) {
    let Some(pre) = lp.preheader else { return };
    let mut entry_fs: Option<FrameStateRef> = None;
    let mut body: Vec<Block> = lp.body.iter().copied().collect();
    body.sort_by_key(|&b| dom.rpo_number(b));
    for b in body {
        let every_iteration = lp.latches.iter().all(|&l| dom.dominates(b, l));
        for inst in func.blocks[b].insts.clone() {
            if !invariant_operands(func, lp, inst) {
                continue;
            }
            let data = &func.insts[inst];
            let movable = data.is_pure()
                || matches!(data, InstData::Load { readonly: true, obj, .. } if guarded_outside(func, dom, lp, *obj));
            let guard_like = matches!(data, InstData::Guard { .. } | InstData::Checked { .. });
            if movable {
                func.move_before_terminator(inst, pre);
            } else if guard_like && every_iteration {
                let Some(fs) = entry_fs.or_else(|| entry_state_in_preheader(func, lp.header, pre))
                else {
                    continue;
                };
                entry_fs = Some(fs);
                if let Some(s) = func.insts[inst].state_mut() {
                    *s = fs;
                }
                func.move_before_terminator(inst, pre);
            }
        }
    }
}

fn invariant_operands(func: &Function, lp: &Loop, inst: Inst) -> bool {
    func.insts[inst]
        .args()
        .iter()
        .all(|&v| !defined_in(func, lp, v))
}

fn defined_in(func: &Function, lp: &Loop, v: Value) -> bool {
    let block = match func.values[v].def {
        crate::function::ValueDef::Param(b, _) => Some(b),
        crate::function::ValueDef::Result(i) => func.inst_block[i],
        crate::function::ValueDef::Unused => None,
    };
    block.is_some_and(|b| lp.body.contains(&b))
}

/// Whether `obj` is known to be an object before the loop (a class guard or an allocation
/// outside the loop, dominating it).
fn guarded_outside(func: &Function, dom: &DomTree, lp: &Loop, obj: Value) -> bool {
    if matches!(func.def_data(obj), Some(InstData::Alloc { .. })) {
        return true;
    }
    func.layout.iter().filter(|b| !lp.body.contains(b) && dom.dominates(**b, lp.header)).any(|&b| {
        func.blocks[b].insts.iter().any(|&i| {
            matches!(func.insts[i], InstData::Guard { kind: GuardKind::Class { .. }, arg, .. } if arg == obj)
        })
    })
}

/// The header's entry state with its parameters replaced by what the preheader passes.
pub fn entry_state_in_preheader(
    func: &mut Function,
    header: Block,
    pre: Block,
) -> Option<FrameStateRef> {
    let fs = func.blocks[header].entry_state?;
    let t = func.terminator(pre)?;
    let InstData::Jump { dest } = &func.insts[t] else {
        return None;
    };
    let map: HashMap<Value, StateSlot> = func.blocks[header]
        .params
        .iter()
        .zip(&dest.args)
        .map(|(&p, &a)| (p, StateSlot::Value(a)))
        .collect();
    Some(func.copy_state_with(fs, &map))
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_function;

    const LOOP: &str = "function %f(int, word) -> word {
    fs0 = state m1 @3 [v0, v1, v10]

b0(v0: int, v1: word):
    v9 = iconst 0
    jump b1(v9)

b1(v10: int) state fs0:
    v11 = icmp.lt v10, v0
    brif v11, b2(), b3()

b2():
    guard_int v1, fs0
    v12 = iconst 2
    v13 = imul v0, v12
    v14 = iadd v10, v13
    jump b1(v14)

b3():
    return v1
}
";

    #[test]
    fn invariant_arithmetic_and_guards_move_to_the_preheader_with_the_entry_state() {
        let mut f = parse_function(LOOP).unwrap();
        super::run(&mut f);
        crate::verify::verify(&f).unwrap();
        let text = f.to_string();
        let b0 = &text[text.find("b0(").unwrap()..text.find("b1(").unwrap()];
        assert!(b0.contains("v13 = imul v0, v12"), "{text}");
        assert!(b0.contains("guard_int v1, fs1"), "{text}");
        assert!(text.contains("fs1 = state m1 @3 [v0, v1, v9]"), "{text}");
        assert!(text.contains("v14 = iadd v10, v13"), "{text}");
    }
}
