//! Dead code elimination: unreachable blocks leave the layout, and removable instructions
//! (pure ones, loads, allocations) whose results nothing live uses are deleted. Frame
//! states of live instructions keep their values alive.

use crate::dom::reverse_postorder;
use crate::entities::Value;
use crate::function::Function;
use cranelift_entity::SecondaryMap;

/// Runs the pass.
pub fn run(func: &mut Function) {
    let reachable = reverse_postorder(func);
    func.layout.retain(|b| reachable.contains(b));
    let mut live: SecondaryMap<Value, bool> = SecondaryMap::new();
    let mut work: Vec<Value> = Vec::new();
    for inst in func.layout_insts() {
        let data = &func.insts[inst];
        if !data.is_removable() {
            work.extend(data.args());
            if let Some(fs) = data.state() {
                work.extend(func.state_values(fs));
            }
        }
    }
    for &b in &func.layout {
        if let Some(fs) = func.blocks[b].entry_state {
            work.extend(func.state_values(fs));
        }
    }
    while let Some(v) = work.pop() {
        if live[v] {
            continue;
        }
        live[v] = true;
        if let Some(inst) = func.def_inst(v) {
            work.extend(func.insts[inst].args());
        }
    }
    for inst in func.layout_insts() {
        let data = &func.insts[inst];
        if data.is_removable() && !func.result(inst).is_some_and(|v| live[v]) {
            func.detach(inst);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_function;

    #[test]
    fn unused_pure_code_and_unreachable_blocks_go_but_frame_state_values_stay() {
        let mut f = parse_function(
            "function %f(word) -> word {\n    fs0 = state m1 @0 [v2]\n\nb0(v0: word):\n    v1 = iconst 1\n    v2 = iconst 2\n    v3 = iadd v1, v2\n    guard_int v0, fs0\n    return v0\nb1():\n    return v0\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        let text = f.to_string();
        assert!(!text.contains("v1 = "), "{text}");
        assert!(!text.contains("v3 = "), "{text}");
        assert!(text.contains("v2 = iconst 2"), "{text}");
        assert!(!text.contains("b1"), "{text}");
    }
}
