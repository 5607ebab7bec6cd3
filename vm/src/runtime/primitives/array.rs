//! Array primitives: 1-based `at:`, `at:put:`, `length` and `Array new:`.

use super::{Entry, Prim, PrimResult};
use crate::object::heap::{Body, Slots};
use crate::runtime::vm::Vm;
use crate::value::Value;

pub(super) static PRIMITIVES: &[Entry] = &[
    ("Array", "at:", at),
    ("Array", "at:put:", at_put),
    ("Array", "length", length),
    ("Array class", "new:", new),
];

fn index(vm: &Vm, argc: usize, what: &str) -> Result<(Value, usize), String> {
    let (a, i) = (vm.arg(argc, 0), vm.arg(argc, 1));
    let len = match &vm.heap.get(a).body {
        Body::Array(v) => v.len(),
        _ => 0,
    };
    if !i.is_int() {
        let what = format!("Array>>{what}");
        return Err(super::not_small_int(vm, &what, i, "an Integer index"));
    }
    let idx = i.as_int();
    if idx < 1 || idx as u64 > len as u64 {
        return Err(format!(
            "index {idx} out of bounds for Array of length {len}"
        ));
    }
    Ok((a, idx as usize - 1))
}

fn at(vm: &mut Vm, argc: usize) -> PrimResult {
    let (a, i) = index(vm, argc, "at:")?;
    match &vm.heap.get(a).body {
        Body::Array(v) => Ok(Prim::Value(v[i])),
        _ => unreachable!("checked by index"),
    }
}

fn at_put(vm: &mut Vm, argc: usize) -> PrimResult {
    let (a, i) = index(vm, argc, "at:put:")?;
    let value = vm.arg(argc, 2);
    if vm.heap.get(a).class == vm.core.method_array {
        vm.install_from_methods_array(a, i, value)?;
    }
    if let Body::Array(v) = &mut vm.heap.get_mut(a).body {
        v[i] = value;
    }
    Ok(Prim::Value(a))
}

fn length(vm: &mut Vm, argc: usize) -> PrimResult {
    let n = match &vm.heap.get(vm.arg(argc, 0)).body {
        Body::Array(v) => v.len(),
        _ => 0,
    };
    Ok(Prim::Value(Value::int(n as i64).expect("small")))
}

fn new(vm: &mut Vm, argc: usize) -> PrimResult {
    let (class, n) = (vm.arg(argc, 0), vm.arg(argc, 1));
    if !n.is_int() || n.as_int() < 0 {
        let what = "Array class>>new:";
        let wanted = "a non-negative Integer";
        return Err(match n.is_int() {
            true => format!("{what} expected {wanted}, got {}", n.as_int()),
            false => super::not_small_int(vm, what, n, wanted),
        }
        .into());
    }
    let n = n.as_int() as usize;
    vm.reserve_heap(n.saturating_mul(8))?;
    Ok(Prim::Value(vm.alloc(class, Body::Array(Slots::nils(n)))))
}
