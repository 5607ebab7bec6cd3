//! Class and method primitives: instantiation, names, superclass, fields, methods, and
//! the reflective `Method`/`Primitive` objects (`signature`, `holder`, `invokeOn:with:`).

use super::{Entry, Prim, PrimResult};
use crate::object::heap::{Body, Layout, Slots};
use crate::runtime::vm::Vm;
use crate::value::Value;

pub(super) static PRIMITIVES: &[Entry] = &[
    ("Class", "name", name),
    ("Class", "new", new),
    ("Class", "superclass", superclass),
    ("Class", "fields", fields),
    ("Class", "methods", methods),
    ("Method", "signature", signature),
    ("Method", "holder", holder),
    ("Method", "invokeOn:with:", invoke_on_with),
    ("Primitive", "signature", signature),
    ("Primitive", "holder", holder),
    ("Primitive", "invokeOn:with:", invoke_on_with),
];

fn name(vm: &mut Vm, argc: usize) -> PrimResult {
    let c = vm.arg(argc, 0);
    let sym = vm.heap.class_data(c).name;
    Ok(Prim::Value(vm.symbol_objects[sym.index()]))
}

fn new(vm: &mut Vm, argc: usize) -> PrimResult {
    let c = vm.arg(argc, 0);
    let data = vm.heap.class_data(c);
    let body = match data.layout {
        Layout::Instance => Body::Instance(Slots::nils(data.instance_fields.len())),
        Layout::Array => Body::Array(Slots::nils(0)),
        Layout::String => Body::String(crate::object::heap::SomString::new("")),
        other => {
            return Err(format!(
                "{} cannot be instantiated with new ({other:?} layout)",
                vm.class_name(c)
            )
            .into())
        }
    };
    Ok(Prim::Value(vm.alloc(c, body)))
}

fn superclass(vm: &mut Vm, argc: usize) -> PrimResult {
    let c = vm.arg(argc, 0);
    Ok(Prim::Value(vm.heap.class_data(c).superclass))
}

fn fields(vm: &mut Vm, argc: usize) -> PrimResult {
    let c = vm.arg(argc, 0);
    let names = vm.heap.class_data(c).instance_fields.clone();
    let values = names
        .iter()
        .map(|&s| vm.symbol_objects[s.index()])
        .collect();
    Ok(Prim::Value(vm.new_array(values)))
}

fn methods(vm: &mut Vm, argc: usize) -> PrimResult {
    let c = vm.arg(argc, 0);
    let cached = vm.heap.class_data(c).methods_array;
    if !cached.is_nil() {
        return Ok(Prim::Value(cached));
    }
    let values = vm.heap.class_data(c).method_objects.clone();
    let array = vm.new_array(values);
    // Its own class routes `at:put:` to the primitive, which installs (`runtime::install`).
    vm.heap.get_mut(array).class = vm.core.method_array;
    vm.heap.class_data_mut(c).methods_array = array;
    Ok(Prim::Value(array))
}

fn method_of(vm: &Vm, v: Value) -> crate::object::heap::MethodId {
    match vm.heap.get(v).body {
        Body::Method(m) => m,
        _ => unreachable!("Method primitive on a non-method"),
    }
}

fn signature(vm: &mut Vm, argc: usize) -> PrimResult {
    let m = method_of(vm, vm.arg(argc, 0));
    let sym = vm.methods[m.index()].signature;
    Ok(Prim::Value(vm.symbol_objects[sym.index()]))
}

fn holder(vm: &mut Vm, argc: usize) -> PrimResult {
    let m = method_of(vm, vm.arg(argc, 0));
    Ok(Prim::Value(vm.methods[m.index()].holder))
}

fn invoke_on_with(vm: &mut Vm, argc: usize) -> PrimResult {
    let m = method_of(vm, vm.arg(argc, 0));
    let (recv, args) = (vm.arg(argc, 1), vm.arg(argc, 2));
    let args: Vec<Value> = match (args.is_ref(), args) {
        (true, a) if !a.is_nil() => match &vm.heap.get(a).body {
            Body::Array(v) => v.to_vec(),
            _ => {
                return Err(format!(
                    "Method>>invokeOn:with: expected an Array, got {}",
                    vm.a_class_name(a)
                )
                .into())
            }
        },
        _ => Vec::new(),
    };
    let want = vm.methods[m.index()].num_args as usize;
    if args.len() != want {
        return Err(format!(
            "Method>>invokeOn:with: {} takes {want} arguments, got {}",
            vm.method_name(m),
            args.len()
        )
        .into());
    }
    let holder = vm.methods[m.index()].holder;
    if !super::object::inherits_from(vm, vm.class_of(recv), holder) {
        return Err(format!(
            "Method>>invokeOn:with: {} cannot run on {} (not a kind of {})",
            vm.method_name(m),
            vm.a_class_name(recv),
            vm.class_name(holder)
        )
        .into());
    }
    vm.rearrange(argc, recv, &args);
    Ok(Prim::Invoke(m, args.len()))
}
