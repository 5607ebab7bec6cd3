//! Object primitives: identity, hashing, class, size, reflection on fields and `perform:`.

use super::integer::{num, Num};
use super::{Entry, Prim, PrimResult};
use crate::object::heap::{Body, Heap};
use crate::object::numeric::Int;
use crate::runtime::vm::Vm;
use crate::value::Value;

pub(super) static PRIMITIVES: &[Entry] = &[
    ("Object", "class", class),
    ("Object", "objectSize", object_size),
    ("Object", "==", identical),
    ("Object", "hashcode", hashcode),
    ("Object", "inspect", inspect),
    ("Object", "halt", halt),
    ("Object", "perform:", perform),
    ("Object", "perform:withArguments:", perform_with_arguments),
    ("Object", "perform:inSuperclass:", perform_in_superclass),
    (
        "Object",
        "perform:withArguments:inSuperclass:",
        perform_with_arguments_in_superclass,
    ),
    ("Object", "instVarAt:", inst_var_at),
    ("Object", "instVarAt:put:", inst_var_at_put),
    ("Object", "instVarNamed:", inst_var_named),
];

fn class(vm: &mut Vm, argc: usize) -> PrimResult {
    Ok(Prim::Value(vm.class_of(vm.arg(argc, 0))))
}

fn object_size(vm: &mut Vm, argc: usize) -> PrimResult {
    let r = vm.arg(argc, 0);
    let size = if !r.is_ref() {
        8
    } else {
        Heap::size_of(&vm.heap.get(r).body)
    };
    Ok(Prim::Value(Value::int(size as i64).expect("small")))
}

/// Identity; numbers (boxed doubles and big integers included) are identical when equal.
fn identical(vm: &mut Vm, argc: usize) -> PrimResult {
    let (a, b) = (vm.arg(argc, 0), vm.arg(argc, 1));
    if a == b {
        return Ok(Prim::Value(Value::TRUE));
    }
    // Distinct objects are identical only when both are equal numbers.
    if !vm.is_number(a) || !vm.is_number(b) {
        return Ok(Prim::Value(Value::FALSE));
    }
    let same = match (num(vm, a), num(vm, b)) {
        (Some(Num::Int(x)), Some(Num::Int(y))) => x == y,
        (Some(Num::Double(x)), Some(Num::Double(y))) => x == y,
        (Some(Num::Int(x)), Some(Num::Double(y))) | (Some(Num::Double(y)), Some(Num::Int(x))) => {
            x.to_f64() == y
        }
        _ => false,
    };
    Ok(Prim::Value(Value::bool(same)))
}

/// Identity hash: the integer itself, a number's value hash, or the object's identity
/// hash (its allocation's sequence number, independent of collections).
fn hashcode(vm: &mut Vm, argc: usize) -> PrimResult {
    let r = vm.arg(argc, 0);
    let h = match num(vm, r) {
        Some(Num::Int(Int::Small(i))) => i,
        Some(Num::Int(big)) => super::string::string_hash(&big.to_string()),
        Some(Num::Double(d)) => (d.to_bits() >> 2) as i64 & ((1 << 61) - 1),
        None => vm.heap.identity_hash(r) as i64,
    };
    Ok(Prim::Value(Value::int(h).expect("small")))
}

fn inspect(vm: &mut Vm, argc: usize) -> PrimResult {
    let r = vm.arg(argc, 0);
    let text = format!("{} ({:?})\n", vm.a_class_name(r), r);
    vm.write_output(&text);
    Ok(Prim::Value(r))
}

fn halt(vm: &mut Vm, argc: usize) -> PrimResult {
    let r = vm.arg(argc, 0);
    vm.output
        .error_print("halt: no debugger attached; continuing\n");
    Ok(Prim::Value(r))
}

fn selector_arg(vm: &Vm, v: Value, what: &str) -> Result<crate::object::heap::SymbolId, String> {
    vm.heap
        .as_symbol(v)
        .ok_or_else(|| format!("{what} expected a Symbol, got {}", vm.a_class_name(v)))
}

fn array_arg(vm: &Vm, v: Value, what: &str) -> Result<Vec<Value>, String> {
    if v.is_ref() {
        if let Body::Array(a) = &vm.heap.get(v).body {
            return Ok(a.to_vec());
        }
    }
    Err(format!(
        "{what} expected an Array, got {}",
        vm.a_class_name(v)
    ))
}

fn class_arg(vm: &Vm, v: Value, what: &str) -> Result<Value, String> {
    if vm.heap.is_class(v) {
        Ok(v)
    } else {
        Err(format!(
            "{what} expected a class, got {}",
            vm.a_class_name(v)
        ))
    }
}

/// How many arguments a message with this selector takes: one per colon of a keyword
/// selector, one for a binary selector, none for a unary one.
pub(super) fn selector_arity(selector: &str) -> usize {
    match selector.chars().next() {
        _ if selector.ends_with(':') => selector.matches(':').count(),
        Some(c) if c.is_alphabetic() || c == '_' => 0,
        Some(_) => 1,
        None => 0,
    }
}

/// Whether `class` is `ancestor` or inherits from it.
pub(super) fn inherits_from(vm: &Vm, class: Value, ancestor: Value) -> bool {
    let mut c = class;
    while !c.is_nil() {
        if c == ancestor {
            return true;
        }
        c = vm.heap.class_data(c).superclass;
    }
    false
}

/// Performs `selector` on `recv` with `args`, looking up from `class` when given. A
/// wrong argument count, or a `class` the receiver is not a kind of, is a SOM error.
fn perform_with(
    vm: &mut Vm,
    argc: usize,
    what: &str,
    selector: crate::object::heap::SymbolId,
    args: &[Value],
    class: Option<Value>,
) -> PrimResult {
    let recv = vm.arg(argc, 0);
    let text = vm.symbol_text(selector);
    let want = selector_arity(text);
    if args.len() != want {
        let plural = if want == 1 { "" } else { "s" };
        return Err(format!(
            "{what} #{text} takes {want} argument{plural}, got {}",
            args.len()
        )
        .into());
    }
    if let Some(c) = class {
        if !inherits_from(vm, vm.class_of(recv), c) {
            return Err(format!(
                "{what} the receiver, {}, is not a kind of {}",
                vm.a_class_name(recv),
                vm.class_name(c)
            )
            .into());
        }
    }
    vm.rearrange(argc, recv, args);
    match class {
        None => Ok(Prim::Send(selector, args.len())),
        Some(c) => match vm.lookup(c, selector) {
            Some(m) => Ok(Prim::Invoke(m, args.len())),
            None => Ok(Prim::Send(selector, args.len())),
        },
    }
}

fn perform(vm: &mut Vm, argc: usize) -> PrimResult {
    let what = "Object>>perform:";
    let sel = selector_arg(vm, vm.arg(argc, 1), what)?;
    perform_with(vm, argc, what, sel, &[], None)
}

fn perform_with_arguments(vm: &mut Vm, argc: usize) -> PrimResult {
    let what = "Object>>perform:withArguments:";
    let sel = selector_arg(vm, vm.arg(argc, 1), what)?;
    let args = array_arg(vm, vm.arg(argc, 2), what)?;
    perform_with(vm, argc, what, sel, &args, None)
}

fn perform_in_superclass(vm: &mut Vm, argc: usize) -> PrimResult {
    let what = "Object>>perform:inSuperclass:";
    let sel = selector_arg(vm, vm.arg(argc, 1), what)?;
    let class = class_arg(vm, vm.arg(argc, 2), what)?;
    perform_with(vm, argc, what, sel, &[], Some(class))
}

fn perform_with_arguments_in_superclass(vm: &mut Vm, argc: usize) -> PrimResult {
    let what = "Object>>perform:withArguments:inSuperclass:";
    let sel = selector_arg(vm, vm.arg(argc, 1), what)?;
    let args = array_arg(vm, vm.arg(argc, 2), what)?;
    let class = class_arg(vm, vm.arg(argc, 3), what)?;
    perform_with(vm, argc, what, sel, &args, Some(class))
}

/// The named fields of an object (instance fields, or a class's class-side fields).
fn fields_mut(vm: &mut Vm, r: Value) -> Option<&mut [Value]> {
    if !r.is_ref() {
        return None;
    }
    match &mut vm.heap.get_mut(r).body {
        Body::Instance(f) => Some(f),
        Body::Class(c) => Some(&mut c.fields),
        _ => None,
    }
}

fn field_index(vm: &mut Vm, argc: usize, what: &str) -> Result<usize, String> {
    let (r, i) = (vm.arg(argc, 0), vm.arg(argc, 1));
    if !i.is_int() {
        return Err(super::not_small_int(vm, what, i, "an Integer"));
    }
    let len = fields_mut(vm, r).map_or(0, |f| f.len());
    let idx = i.as_int();
    if idx < 1 || idx as usize > len {
        return Err(format!(
            "field index {idx} out of bounds for an object with {len} fields"
        ));
    }
    Ok(idx as usize - 1)
}

fn inst_var_at(vm: &mut Vm, argc: usize) -> PrimResult {
    let i = field_index(vm, argc, "Object>>instVarAt:")?;
    let r = vm.arg(argc, 0);
    let v = fields_mut(vm, r).map(|f| f[i]).unwrap_or(Value::NIL);
    Ok(Prim::Value(v))
}

fn inst_var_at_put(vm: &mut Vm, argc: usize) -> PrimResult {
    let i = field_index(vm, argc, "Object>>instVarAt:put:")?;
    let (r, v) = (vm.arg(argc, 0), vm.arg(argc, 2));
    if let Some(f) = fields_mut(vm, r) {
        f[i] = v;
    }
    Ok(Prim::Value(r))
}

fn inst_var_named(vm: &mut Vm, argc: usize) -> PrimResult {
    let (r, name) = (vm.arg(argc, 0), vm.arg(argc, 1));
    let sym = selector_arg(vm, name, "Object>>instVarNamed:")?;
    let class = vm.class_of(r);
    let pos = vm
        .heap
        .class_data(class)
        .instance_fields
        .iter()
        .rposition(|&f| f == sym);
    match pos {
        Some(i) => {
            let v = fields_mut(vm, r).map(|f| f[i]).unwrap_or(Value::NIL);
            Ok(Prim::Value(v))
        }
        None => Err(format!(
            "{} has no field named {}",
            vm.class_name(class),
            vm.symbol_text(sym)
        )
        .into()),
    }
}
