//! The runtime function a time sample's program counter was in, named from this
//! process's own symbol table (read once, after a run, never in the signal handler):
//! Rust code of the VM outside the interpreter's dispatch loop (`runtime::send::Vm::send`,
//! `tier1::runtime::slow_bytecode`, the allocator, ...), or the shared library
//! function (`memmove`). The interpreter's loop and compiled code run the program
//! itself and name no runtime function.

use crate::observe::sampling::mapped_object;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// A function of the executable, at its address in this process.
struct Function {
    start: u64,
    end: u64,
    mangled: Box<str>,
}

/// The executable's functions by address.
pub(super) struct Functions {
    sorted: Vec<Function>,
}

impl Functions {
    /// This process's functions, read on first use (empty if the executable has no
    /// symbol table).
    pub(super) fn of_this_process() -> &'static Functions {
        static FUNCTIONS: OnceLock<Functions> = OnceLock::new();
        FUNCTIONS.get_or_init(|| Functions::read().unwrap_or(Functions { sorted: Vec::new() }))
    }

    fn read() -> Option<Functions> {
        use object::{Object, ObjectSegment, ObjectSymbol, SymbolKind};
        let bytes = std::fs::read("/proc/self/exe").ok()?;
        let file = object::File::parse(&*bytes).ok()?;
        let lowest = file.segments().map(|s| s.address()).min().unwrap_or(0);
        let bias = object_base(Functions::read as *const () as u64)?.wrapping_sub(lowest);
        let mut sorted: Vec<Function> = file
            .symbols()
            .filter(|s| s.kind() == SymbolKind::Text && s.size() > 0)
            .filter_map(|s| {
                let start = s.address().wrapping_add(bias);
                Some(Function {
                    start,
                    end: start + s.size(),
                    mangled: s.name().ok()?.into(),
                })
            })
            .collect();
        sorted.sort_by_key(|f| f.start);
        Some(Functions { sorted })
    }

    fn containing(&self, pc: u64) -> Option<usize> {
        let i = self
            .sorted
            .partition_point(|f| f.start <= pc)
            .checked_sub(1)?;
        (pc < self.sorted[i].end).then_some(i)
    }
}

/// Names program counters for one run, each function once.
pub(super) struct Leaves {
    functions: &'static Functions,
    known: HashMap<usize, Option<Arc<str>>>,
    libraries: HashMap<u64, Option<Arc<str>>>,
}

impl Leaves {
    pub(super) fn new() -> Leaves {
        Leaves {
            functions: Functions::of_this_process(),
            known: HashMap::new(),
            libraries: HashMap::new(),
        }
    }

    /// The runtime function `pc` is in; `None` in the interpreter's loop, in compiled
    /// code (no object file maps it) or when `pc` is unknown (0).
    pub(super) fn runtime_name(&mut self, pc: u64) -> Option<Arc<str>> {
        if pc == 0 {
            return None;
        }
        match self.functions.containing(pc) {
            Some(i) => {
                let f = &self.functions.sorted[i];
                self.known
                    .entry(i)
                    .or_insert_with(|| runtime_function(&f.mangled))
                    .clone()
            }
            None => self
                .libraries
                .entry(pc)
                .or_insert_with(|| library_function(pc))
                .clone(),
        }
    }
}

/// `mangled` shortened for a frame (`runtime::send::Vm::send`), or `None` for the
/// interpreter's dispatch loop (tier 0 runs the program there).
fn runtime_function(mangled: &str) -> Option<Arc<str>> {
    let name = format!("{:#}", rustc_demangle::demangle(mangled));
    if name.starts_with("som_vm::tier0::") {
        return None;
    }
    Some(short_name(&name).into())
}

/// A demangled path without the crate prefix and with `<impl ...::Vm>` as `Vm`.
pub(super) fn short_name(name: &str) -> String {
    name.replace("<impl som_vm::runtime::vm::Vm>", "Vm")
        .replace("som_vm::", "")
}

/// The base address of the object file mapping `address`, if one does.
fn object_base(address: u64) -> Option<u64> {
    Some(mapped_object(address)?.base)
}

/// The shared library symbol (or file) holding `pc`; `None` outside every object file
/// (compiled code in the code cache).
fn library_function(pc: u64) -> Option<Arc<str>> {
    let o = mapped_object(pc)?;
    let file = || Some(o.file.as_deref()?.rsplit('/').next()?.to_string());
    Some(o.symbol.clone().or_else(file)?.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_functions_are_named_and_the_interpreter_loop_is_not() {
        let mut leaves = Leaves::new();
        let here = short_name as *const () as u64;
        let name = leaves
            .runtime_name(here)
            .expect("a function of this executable");
        assert_eq!(&*name, "introspect::sampling::leaf::short_name");
        assert_eq!(leaves.runtime_name(0), None);
        let heap = Box::new([0u8; 64]);
        assert_eq!(
            leaves.runtime_name(heap.as_ptr() as u64),
            None,
            "no object file"
        );
        assert_eq!(
            short_name("som_vm::runtime::send::<impl som_vm::runtime::vm::Vm>::send"),
            "runtime::send::Vm::send"
        );
        assert_eq!(
            runtime_function("_ZN6som_vm5tier04exec17h0123456789abcdefE"),
            None
        );
    }
}
