//! The one stable text form of a function (what `parse` reads back). Frame states and
//! virtual objects that live instructions reference are listed before the blocks.

use crate::entities::{FrameStateRef, VirtualRef};
use crate::function::{Function, StateSlot};
use crate::inst::{
    name_of, BinOp, BlockCall, CheckedOp, FloatCC, GuardKind, InstData, IntCC, UnOp,
};
use crate::types::Type;
use std::collections::BTreeSet;
use std::fmt::{self, Write};

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&print_function(self))
    }
}

/// Prints `func` in the text form.
pub fn print_function(func: &Function) -> String {
    let mut out = String::new();
    let params: Vec<String> = if func.layout.is_empty() {
        vec![]
    } else {
        func.param_types().iter().map(|t| t.to_string()).collect()
    };
    let _ = writeln!(
        out,
        "function %{}({}) -> {} {{",
        func.name,
        params.join(", "),
        func.ret
    );
    let (states, virtuals) = live_states(func);
    for vo in &virtuals {
        let o = &func.virtuals[*vo];
        let fields: Vec<String> = o
            .fields
            .iter()
            .map(|(off, s)| format!("{off}: {}", slot(*s)))
            .collect();
        let _ = writeln!(
            out,
            "    {vo} = virtual class {:#x}, size {} {{{}}}",
            o.class,
            o.size,
            fields.join(", ")
        );
    }
    for fs in &states {
        let st = &func.states[*fs];
        let slots: Vec<String> = st.slots.iter().map(|s| slot(*s)).collect();
        let _ = write!(
            out,
            "    {fs} = state m{} @{} [{}]",
            st.method,
            st.bci,
            slots.join(", ")
        );
        if let Some(o) = st.outer {
            let _ = write!(out, " outer {o}");
        }
        out.push('\n');
    }
    for &b in &func.layout {
        let bd = &func.blocks[b];
        if !states.is_empty() || !virtuals.is_empty() || b != func.layout[0] {
            out.push('\n');
        }
        let params: Vec<String> = bd
            .params
            .iter()
            .map(|&v| format!("{v}: {}", func.values[v].ty))
            .collect();
        let _ = write!(out, "{b}({})", params.join(", "));
        if let Some(fs) = bd.entry_state {
            let _ = write!(out, " state {fs}");
        }
        out.push_str(":\n");
        for &i in &bd.insts {
            out.push_str("    ");
            if let Some(v) = func.result(i) {
                let _ = write!(out, "{v} = ");
            }
            out.push_str(&inst_text(&func.insts[i]));
            out.push('\n');
        }
    }
    out.push_str("}\n");
    out
}

/// Frame states and virtual objects reachable from the layout, in index order.
fn live_states(func: &Function) -> (BTreeSet<FrameStateRef>, BTreeSet<VirtualRef>) {
    let mut states = BTreeSet::new();
    let mut roots: Vec<FrameStateRef> = func
        .layout_insts()
        .iter()
        .filter_map(|&i| func.insts[i].state())
        .collect();
    roots.extend(
        func.layout
            .iter()
            .filter_map(|&b| func.blocks[b].entry_state),
    );
    for fs in roots {
        states.extend(func.state_chain(fs));
    }
    let mut virtuals = BTreeSet::new();
    let mut work: Vec<VirtualRef> = Vec::new();
    for fs in &states {
        for s in &func.states[*fs].slots {
            if let StateSlot::Virtual(vo) = s {
                work.push(*vo);
            }
        }
    }
    while let Some(vo) = work.pop() {
        if virtuals.insert(vo) {
            for (_, s) in &func.virtuals[vo].fields {
                if let StateSlot::Virtual(inner) = s {
                    work.push(*inner);
                }
            }
        }
    }
    (states, virtuals)
}

fn slot(s: StateSlot) -> String {
    match s {
        StateSlot::Value(v) => v.to_string(),
        StateSlot::Const(c) => format!("{c:#x}"),
        StateSlot::Virtual(vo) => vo.to_string(),
    }
}

fn call(c: &BlockCall) -> String {
    let args: Vec<String> = c.args.iter().map(|v| v.to_string()).collect();
    format!("{}({})", c.block, args.join(", "))
}

fn list(vs: &[crate::entities::Value]) -> String {
    vs.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A constant's text: `const.word 0x3`, `iconst -4`, `fconst 1.5`, `bconst true`.
pub fn const_text(ty: Type, bits: u64) -> String {
    match ty {
        Type::Word => format!("const.word {bits:#x}"),
        Type::Int => format!("iconst {}", bits as i64),
        Type::Float => format!("fconst {:?}", f64::from_bits(bits)),
        Type::Bool => format!("bconst {}", bits != 0),
    }
}

/// One instruction's text (without its result).
pub fn inst_text(data: &InstData) -> String {
    use InstData::*;
    match data {
        Const { ty, bits } => const_text(*ty, *bits),
        Binary { op, args } => format!("{} {}, {}", name_of(&BinOp::ALL, *op), args[0], args[1]),
        Checked { op, args, state } => {
            format!(
                "{} {}, {}, {state}",
                name_of(&CheckedOp::ALL, *op),
                args[0],
                args[1]
            )
        }
        IntCompare { cc, args } => format!(
            "icmp.{} {}, {}",
            name_of(&IntCC::ALL, *cc),
            args[0],
            args[1]
        ),
        FloatCompare { cc, args } => {
            format!(
                "fcmp.{} {}, {}",
                name_of(&FloatCC::ALL, *cc),
                args[0],
                args[1]
            )
        }
        Unary { op, arg } => format!("{} {arg}", name_of(&UnOp::ALL, *op)),
        Select { ty, cond, args } => format!("select.{ty} {cond}, {}, {}", args[0], args[1]),
        Guard { kind, arg, state } => match kind {
            GuardKind::Int => format!("guard_int {arg}, {state}"),
            GuardKind::Float => format!("guard_float {arg}, {state}"),
            GuardKind::True => format!("guard_true {arg}, {state}"),
            GuardKind::False => format!("guard_false {arg}, {state}"),
            GuardKind::Class { class, offset } => {
                format!("guard_class {arg}, class {class:#x} at {offset:+}, {state}")
            }
        },
        Load {
            ty,
            obj,
            offset,
            readonly,
        } => {
            let ro = if *readonly { " readonly" } else { "" };
            format!("load.{ty} {obj}, {offset:+}{ro}")
        }
        Store { obj, offset, value } => format!("store {obj}, {offset:+}, {value}"),
        LoadElem {
            ty,
            obj,
            index,
            base,
        } => format!("load_elem.{ty} {obj}, {index}, {base:+}"),
        StoreElem {
            obj,
            index,
            base,
            value,
        } => format!("store_elem {obj}, {index}, {base:+}, {value}"),
        Alloc { class, size } => format!("alloc class {class:#x}, size {size}"),
        CallRuntime { helper, args, ret } => match ret {
            Some(t) => format!("call_rt h{helper}({}) -> {t}", list(args)),
            None => format!("call_rt h{helper}({})", list(args)),
        },
        Send { site, args, state } => format!("send site{site}({}), {state}", list(args)),
        CallBlock { block, args, state } => format!("call_block {block}({}), {state}", list(args)),
        Jump { dest } => format!("jump {}", call(dest)),
        Brif {
            cond,
            then_dest,
            else_dest,
        } => {
            format!("brif {cond}, {}, {}", call(then_dest), call(else_dest))
        }
        Return { value } => format!("return {value}"),
        NonLocalReturn { value } => format!("nlreturn {value}"),
        Deopt { state } => format!("deopt {state}"),
    }
}
