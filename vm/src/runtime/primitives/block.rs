//! Block primitives: `value`, `value:`, `value:with:` (activate the block's method in
//! a new frame) and `restart` (the sending frame starts over; `whileTrue:` is built on it).

use super::{Entry, Prim, PrimResult};
use crate::object::heap::Body;
use crate::runtime::vm::Vm;

pub(super) static PRIMITIVES: &[Entry] = &[
    ("Block", "value", value),
    ("Block", "restart", restart),
    ("Block1", "value", value),
    ("Block2", "value:", value),
    ("Block3", "value:with:", value),
];

fn value(vm: &mut Vm, argc: usize) -> PrimResult {
    let b = vm.arg(argc, 0);
    let method = match &vm.heap.get(b).body {
        Body::Block(data) => data.method,
        _ => return Err("value sent to something that is not a block".into()),
    };
    let want = vm.methods[method.index()].num_args as usize;
    if want != argc {
        return Err(format!("a block with {want} arguments was given {argc}").into());
    }
    Ok(Prim::Invoke(method, argc))
}

fn restart(_vm: &mut Vm, _argc: usize) -> PrimResult {
    Ok(Prim::Restart)
}
