//! Escape analysis and scalar replacement. An allocation whose result is only the object
//! of loads and stores at constant offsets, and otherwise only named by frame states, does
//! not escape. When all its stores are in its own block, each load becomes the value last
//! stored at that offset, the stores and the allocation go, and every frame state naming
//! the object names instead a virtual object holding the field values at that point,
//! which the deopt path re-materializes. (Stored values escape; nested virtual objects
//! and stores in other blocks are not handled yet.)

use crate::entities::{Block, FrameStateRef, Inst, Value};
use crate::function::{Function, StateSlot, VirtualObject};
use crate::inst::InstData;
use std::collections::HashMap;

/// Runs the pass.
pub fn run(func: &mut Function) {
    for inst in func.layout_insts() {
        if let InstData::Alloc { class, size } = func.insts[inst] {
            if let Some(plan) = analyse(func, inst) {
                replace(func, inst, class, size, plan);
            }
        }
    }
}

/// A frame state and the field values the object has where it is used.
type Snapshot = (Option<FrameStateRef>, Vec<(u32, StateSlot)>);

/// The accesses of a non-escaping allocation.
struct Plan {
    block: Block,
    /// Stores in program order: (position in the block, inst, offset, value).
    stores: Vec<(usize, Inst, i32, Value)>,
    /// Loads and the value each reads.
    loads: Vec<(Inst, Value)>,
}

fn analyse(func: &Function, alloc: Inst) -> Option<Plan> {
    let obj = func.first_result(alloc);
    let block = func.inst_block[alloc]?;
    let mut stores = Vec::new();
    for (pos, &i) in func.blocks[block].insts.iter().enumerate() {
        if let InstData::Store {
            obj: o,
            offset,
            value,
        } = func.insts[i]
        {
            if o == obj && value != obj {
                stores.push((pos, i, offset, value));
            }
        }
    }
    let mut loads = Vec::new();
    for &b in &func.layout {
        for (pos, &i) in func.blocks[b].insts.iter().enumerate() {
            let data = &func.insts[i];
            if !data.args().contains(&obj) {
                continue;
            }
            match *data {
                InstData::Store { obj: o, value, .. } if o == obj && value != obj && b == block => {
                }
                InstData::Load {
                    ty, obj: o, offset, ..
                } if o == obj => {
                    let before = |&&(p, _, off, _): &&(usize, Inst, i32, Value)| {
                        off == offset && (b != block || p < pos)
                    };
                    let (_, _, _, v) = *stores.iter().rev().find(before)?;
                    if func.values[v].ty != ty {
                        return None;
                    }
                    loads.push((i, v));
                }
                _ => return None,
            }
        }
    }
    Some(Plan {
        block,
        stores,
        loads,
    })
}

fn replace(func: &mut Function, alloc: Inst, class: u64, size: u32, plan: Plan) {
    let obj = func.first_result(alloc);
    let aliases: HashMap<Value, Value> = plan
        .loads
        .iter()
        .map(|&(i, v)| (func.first_result(i), v))
        .collect();
    for &(i, _) in &plan.loads {
        func.detach(i);
    }
    func.replace_uses(&aliases);
    let snapshot = |upto: Option<usize>| -> Vec<(u32, StateSlot)> {
        let mut fields: Vec<(u32, StateSlot)> = Vec::new();
        for &(p, _, off, v) in &plan.stores {
            if upto.is_some_and(|u| p >= u) {
                continue;
            }
            fields.retain(|(o, _)| *o != off as u32);
            fields.push((off as u32, StateSlot::Value(v)));
        }
        fields.sort_by_key(|(o, _)| *o);
        fields
    };
    let mut copies: HashMap<Snapshot, FrameStateRef> = HashMap::new();
    let mut virtual_of = |func: &mut Function,
                          fs: FrameStateRef,
                          fields: Vec<(u32, StateSlot)>,
                          key: Option<FrameStateRef>| {
        *copies.entry((key, fields.clone())).or_insert_with(|| {
            let vo = func.add_virtual(VirtualObject {
                class,
                size,
                fields,
            });
            func.copy_state_with(fs, &HashMap::from([(obj, StateSlot::Virtual(vo))]))
        })
    };
    for &b in &func.layout.clone() {
        let insts = func.blocks[b].insts.clone();
        for (pos, &i) in insts.iter().enumerate() {
            let Some(fs) = func.insts[i].state() else {
                continue;
            };
            if !func.state_values(fs).contains(&obj) {
                continue;
            }
            let fields = snapshot((b == plan.block).then_some(pos));
            let copy = virtual_of(func, fs, fields, Some(fs));
            if let Some(s) = func.insts[i].state_mut() {
                *s = copy;
            }
        }
        if let Some(fs) = func.blocks[b]
            .entry_state
            .filter(|&fs| func.state_values(fs).contains(&obj))
        {
            let copy = virtual_of(func, fs, snapshot(None), Some(fs));
            func.blocks[b].entry_state = Some(copy);
        }
    }
    for &(_, i, _, _) in &plan.stores {
        func.detach(i);
    }
    func.detach(alloc);
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_function;

    #[test]
    fn an_object_that_escapes_through_a_send_is_kept() {
        let mut f = parse_function(
            "function %f(word) -> word {\n    fs0 = state m1 @0 [v0]\n\nb0(v0: word):\n    v1 = alloc class 0x100, size 16\n    store v1, +8, v0\n    v2 = send site1(v1), fs0\n    return v2\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        assert!(f.to_string().contains("alloc"));
    }

    #[test]
    fn a_local_object_becomes_its_fields_and_a_virtual_object_in_frame_states() {
        let mut f = parse_function(
            "function %f(word) -> word {\n    fs0 = state m1 @0 [v0, v1]\n\nb0(v0: word):\n    v1 = alloc class 0x100, size 16\n    store v1, +8, v0\n    guard_int v0, fs0\n    v2 = load.word v1, +8\n    return v2\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        crate::verify::verify(&f).unwrap();
        let text = f.to_string();
        assert!(!text.contains("alloc") && !text.contains("store"), "{text}");
        assert!(
            text.contains("vo0 = virtual class 0x100, size 16 {8: v0}"),
            "{text}"
        );
        assert!(text.contains("[v0, vo0]"), "{text}");
        assert!(text.contains("return v0"), "{text}");
    }
}
