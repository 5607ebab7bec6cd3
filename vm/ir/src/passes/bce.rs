//! Bounds-check elimination for counted loops. A loop whose header tests
//! `icmp.lt|le i, n` (n invariant) and whose latches pass `i + 1` runs its body with
//! `i` in `[init, n]` (or `[init, n - 1]`). A bounds check `guard_true (icmp.ult i + k, len)`
//! in the body, `len` invariant, is replaced by one check in the preheader (the loop runs
//! no iteration, or its first and last index are in bounds) that deopts to the loop's
//! entry state.

use crate::dom::{find_loops, DomTree, Loop};
use crate::entities::{Block, FrameStateRef, Inst, Value};
use crate::function::{Function, ValueDef};
use crate::inst::{BinOp, CheckedOp, GuardKind, InstData, IntCC};
use crate::passes::licm::{ensure_preheader, entry_state_in_preheader};
use crate::types::Type;
use std::collections::HashMap;

/// The induction variable of a counted loop.
struct Counted {
    /// The header parameter.
    var: Value,
    /// Its value on entry (passed by the preheader).
    init: Value,
    /// The limit it is compared with.
    limit: Value,
    /// Whether the test is `le` (inclusive limit).
    inclusive: bool,
    /// The block the loop continues in when the test holds.
    body_entry: Block,
}

/// Runs the pass.
pub fn run(func: &mut Function) {
    let headers: Vec<Block> = find_loops(func, &DomTree::compute(func))
        .iter()
        .map(|l| l.header)
        .collect();
    for h in headers {
        if func.blocks[h].entry_state.is_none() {
            continue;
        }
        ensure_preheader(func, h);
        let dom = DomTree::compute(func);
        let Some(lp) = find_loops(func, &dom).into_iter().find(|l| l.header == h) else {
            continue;
        };
        if let Some(c) = counted(func, &lp) {
            eliminate(func, &dom, &lp, &c);
        }
    }
}

fn counted(func: &Function, lp: &Loop) -> Option<Counted> {
    let pre = lp.preheader?;
    let InstData::Brif {
        cond,
        then_dest,
        else_dest,
    } = &func.insts[func.terminator(lp.header)?]
    else {
        return None;
    };
    if !lp.body.contains(&then_dest.block) || lp.body.contains(&else_dest.block) {
        return None;
    }
    let InstData::IntCompare {
        cc,
        args: [var, limit],
    } = func.def_data(*cond)?
    else {
        return None;
    };
    let inclusive = match cc {
        IntCC::Lt => false,
        IntCC::Le => true,
        _ => return None,
    };
    let ValueDef::Param(pb, k) = func.values[*var].def else {
        return None;
    };
    if pb != lp.header || defined_in(func, lp, *limit) {
        return None;
    }
    let init = jump_arg(func, pre, lp.header, k)?;
    for &l in &lp.latches {
        let next = jump_arg(func, l, lp.header, k)?;
        if offset_of(func, next, *var) != Some(1) {
            return None;
        }
    }
    Some(Counted {
        var: *var,
        init,
        limit: *limit,
        inclusive,
        body_entry: then_dest.block,
    })
}

fn jump_arg(func: &Function, from: Block, to: Block, k: u32) -> Option<Value> {
    let t = func.terminator(from)?;
    let calls = func.insts[t].successors();
    let call = calls.iter().find(|c| c.block == to)?;
    call.args.get(k as usize).copied()
}

/// `Some(c)` when `v` is `base + c` (or `base - c`) for a constant c.
fn offset_of(func: &Function, v: Value, base: Value) -> Option<i64> {
    if v == base {
        return Some(0);
    }
    let (op_add, a, b) = match func.def_data(v)? {
        InstData::Binary {
            op: BinOp::Iadd,
            args: [a, b],
        }
        | InstData::Checked {
            op: CheckedOp::Iadd,
            args: [a, b],
            ..
        } => (true, *a, *b),
        InstData::Binary {
            op: BinOp::Isub,
            args: [a, b],
        }
        | InstData::Checked {
            op: CheckedOp::Isub,
            args: [a, b],
            ..
        } => (false, *a, *b),
        _ => return None,
    };
    match (a == base, func.int_const(b), func.int_const(a)) {
        (true, Some(c), _) => Some(if op_add { c } else { -c }),
        (false, _, Some(c)) if op_add && b == base => Some(c),
        _ => None,
    }
}

fn defined_in(func: &Function, lp: &Loop, v: Value) -> bool {
    let b = match func.values[v].def {
        ValueDef::Param(b, _) => Some(b),
        ValueDef::Result(i) => func.inst_block[i],
        ValueDef::Unused => None,
    };
    b.is_some_and(|b| lp.body.contains(&b))
}

fn eliminate(func: &mut Function, dom: &DomTree, lp: &Loop, c: &Counted) {
    let pre = lp.preheader.expect("counted loops have a preheader");
    let mut checks: Vec<(Inst, i64, Value)> = Vec::new();
    for &b in lp.body.iter().filter(|&&b| dom.dominates(c.body_entry, b)) {
        for &inst in &func.blocks[b].insts {
            let InstData::Guard {
                kind: GuardKind::True,
                arg,
                ..
            } = func.insts[inst]
            else {
                continue;
            };
            let Some(InstData::IntCompare {
                cc: IntCC::Ult,
                args: [idx, len],
            }) = func.def_data(arg)
            else {
                continue;
            };
            if defined_in(func, lp, *len) {
                continue;
            }
            if let Some(k) = offset_of(func, *idx, c.var) {
                checks.push((inst, k, *len));
            }
        }
    }
    if checks.is_empty() {
        return;
    }
    let Some(fs) = entry_state_in_preheader(func, lp.header, pre) else {
        return;
    };
    let mut done: HashMap<(i64, Value), ()> = HashMap::new();
    for (inst, k, len) in checks {
        func.detach(inst);
        if done.insert((k, len), ()).is_none() {
            range_check(func, pre, c, k, len, fs);
        }
    }
}

/// Emits, before the preheader's jump, one guard that holds when the loop runs no
/// iteration or both the first and the last index `i + k` are within `[0, len)`.
fn range_check(
    func: &mut Function,
    pre: Block,
    c: &Counted,
    k: i64,
    len: Value,
    fs: FrameStateRef,
) {
    let mut emit = |data| {
        let inst = func.insert_before_terminator(pre, data);
        func.result(inst)
    };
    let konst = |ty, bits| InstData::Const { ty, bits };
    let kv = emit(konst(Type::Int, k as u64)).unwrap();
    let last_k = emit(konst(Type::Int, if c.inclusive { k } else { k - 1 } as u64)).unwrap();
    let first = emit(InstData::Binary {
        op: BinOp::Iadd,
        args: [c.init, kv],
    })
    .unwrap();
    let last = emit(InstData::Binary {
        op: BinOp::Iadd,
        args: [c.limit, last_k],
    })
    .unwrap();
    let first_ok = emit(InstData::IntCompare {
        cc: IntCC::Ult,
        args: [first, len],
    })
    .unwrap();
    let last_ok = emit(InstData::IntCompare {
        cc: IntCC::Ult,
        args: [last, len],
    })
    .unwrap();
    let empty_cc = if c.inclusive { IntCC::Gt } else { IntCC::Ge };
    let empty = emit(InstData::IntCompare {
        cc: empty_cc,
        args: [c.init, c.limit],
    })
    .unwrap();
    let yes = emit(konst(Type::Bool, 1)).unwrap();
    let no = emit(konst(Type::Bool, 0)).unwrap();
    let both = emit(InstData::Select {
        ty: Type::Bool,
        cond: first_ok,
        args: [last_ok, no],
    })
    .unwrap();
    let ok = emit(InstData::Select {
        ty: Type::Bool,
        cond: empty,
        args: [yes, both],
    })
    .unwrap();
    emit(InstData::Guard {
        kind: GuardKind::True,
        arg: ok,
        state: fs,
    });
}
