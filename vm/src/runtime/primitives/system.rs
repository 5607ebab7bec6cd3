//! System primitives: globals, class loading, output, exit, time and the collector.
//! Time and file contents come through the VM's non-determinism layer (`io::Entropy`).

use super::string::text;
use super::{Entry, Prim, PrimResult};
use crate::runtime::error::Unwind;
use crate::runtime::vm::Vm;
use crate::value::Value;

pub(super) static PRIMITIVES: &[Entry] = &[
    ("System", "global:", global),
    ("System", "global:put:", global_put),
    ("System", "hasGlobal:", has_global),
    ("System", "loadFile:", load_file),
    ("System", "load:", load),
    ("System", "exit:", exit),
    ("System", "printString:", print_string),
    ("System", "printNewline", print_newline),
    ("System", "errorPrintln:", error_println),
    ("System", "errorPrint:", error_print),
    ("System", "printStackTrace", print_stack_trace),
    ("System", "time", time),
    ("System", "ticks", ticks),
    ("System", "fullGC", full_gc),
];

fn symbol(vm: &Vm, argc: usize, what: &str) -> Result<crate::object::heap::SymbolId, String> {
    let v = vm.arg(argc, 1);
    vm.heap.as_symbol(v).ok_or_else(|| {
        format!(
            "System>>{what} expected a Symbol, got {}",
            vm.a_class_name(v)
        )
    })
}

fn string(vm: &Vm, argc: usize, what: &str) -> Result<String, String> {
    let v = vm.arg(argc, 1);
    text(vm, v).ok_or_else(|| {
        format!(
            "System>>{what} expected a String, got {}",
            vm.a_class_name(v)
        )
    })
}

fn global(vm: &mut Vm, argc: usize) -> PrimResult {
    let sym = symbol(vm, argc, "global:")?;
    Ok(Prim::Value(vm.get_global(sym).unwrap_or(Value::NIL)))
}

fn global_put(vm: &mut Vm, argc: usize) -> PrimResult {
    let sym = symbol(vm, argc, "global:put:")?;
    let v = vm.arg(argc, 2);
    vm.set_global(sym, v);
    Ok(Prim::Value(vm.arg(argc, 0)))
}

fn has_global(vm: &mut Vm, argc: usize) -> PrimResult {
    let sym = symbol(vm, argc, "hasGlobal:")?;
    Ok(Prim::Value(Value::bool(vm.get_global(sym).is_some())))
}

fn load_file(vm: &mut Vm, argc: usize) -> PrimResult {
    let path = string(vm, argc, "loadFile:")?;
    match vm.entropy.read_file(&path) {
        Ok(Some(s)) => {
            vm.reserve_heap(s.len())?;
            Ok(Prim::Value(vm.new_string(&s)))
        }
        Ok(None) => Ok(Prim::Value(Value::NIL)),
        Err(limit) => Err(format!(
            "System>>loadFile: {path} is larger than {} MiB",
            limit >> 20
        )
        .into()),
    }
}

fn load(vm: &mut Vm, argc: usize) -> PrimResult {
    let sym = symbol(vm, argc, "load:")?;
    let name = vm.symbol_text(sym).to_string();
    match vm.load_class(&name) {
        Ok(Some(c)) => Ok(Prim::Value(c)),
        Ok(None) => Ok(Prim::Value(Value::NIL)),
        Err(e) => Err(Unwind::Load(e).into()),
    }
}

fn exit(vm: &mut Vm, argc: usize) -> PrimResult {
    let code = vm.arg(argc, 1);
    if !code.is_int() {
        return Err(super::not_small_int(vm, "System>>exit:", code, "an Integer").into());
    }
    Err(Unwind::Exit(code.as_int() as i32).into())
}

fn print_string(vm: &mut Vm, argc: usize) -> PrimResult {
    let s = string(vm, argc, "printString:")?;
    vm.write_output(&s);
    Ok(Prim::Value(vm.arg(argc, 0)))
}

fn print_newline(vm: &mut Vm, argc: usize) -> PrimResult {
    vm.write_output("\n");
    Ok(Prim::Value(vm.arg(argc, 0)))
}

fn error_println(vm: &mut Vm, argc: usize) -> PrimResult {
    let s = string(vm, argc, "errorPrintln:")?;
    vm.write_error(&format!("{s}\n"));
    Ok(Prim::Value(vm.arg(argc, 0)))
}

fn error_print(vm: &mut Vm, argc: usize) -> PrimResult {
    let s = string(vm, argc, "errorPrint:")?;
    vm.write_error(&s);
    Ok(Prim::Value(vm.arg(argc, 0)))
}

fn print_stack_trace(vm: &mut Vm, argc: usize) -> PrimResult {
    let mut text = String::new();
    for frame in vm.backtrace() {
        text.push_str(&frame.to_string());
        text.push('\n');
    }
    vm.write_error(&text);
    Ok(Prim::Value(vm.arg(argc, 0)))
}

fn time(vm: &mut Vm, _argc: usize) -> PrimResult {
    let t = vm.entropy.time_ms();
    Ok(Prim::Value(Value::int(t).expect("small")))
}

fn ticks(vm: &mut Vm, _argc: usize) -> PrimResult {
    let t = vm.entropy.ticks_us();
    Ok(Prim::Value(Value::int(t).expect("small")))
}

fn full_gc(vm: &mut Vm, _argc: usize) -> PrimResult {
    vm.full_gc();
    Ok(Prim::Value(Value::TRUE))
}
