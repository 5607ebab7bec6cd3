//! The primitives: Rust functions bound to the methods the core library declares
//! `= primitive`, looked up by class name and selector when a class loads. A primitive
//! reads its receiver and arguments from the top of the VM stack and answers a value,
//! or asks the interpreter to invoke a method (blocks, `perform:`), restart the sender
//! (`restart`) or send a message.

mod array;
mod block;
mod class;
mod double;
mod integer;
mod object;
mod string;
mod system;

use crate::bytecode::MethodKind;
use crate::object::heap::{MethodId, SymbolId};
use crate::runtime::error::PrimError;
use crate::runtime::vm::Vm;
use crate::value::Value;

/// What a primitive asks of the interpreter.
#[derive(Debug)]
pub(crate) enum Prim {
    /// Pop receiver and arguments, push this.
    Value(Value),
    /// The stack now holds `[receiver args..]` for this method: run it.
    Invoke(MethodId, usize),
    /// The stack now holds `[receiver args..]`: send this selector (with
    /// `doesNotUnderstand:` if nothing answers).
    Send(SymbolId, usize),
    /// Start the sending frame over (`Block>>restart`).
    Restart,
}

pub(crate) type PrimResult = Result<Prim, PrimError>;
/// A primitive: gets the VM and its argument count.
pub(crate) type PrimFn = fn(&mut Vm, usize) -> PrimResult;

type Entry = (&'static str, &'static str, PrimFn);

fn table() -> impl Iterator<Item = &'static Entry> {
    object::PRIMITIVES
        .iter()
        .chain(class::PRIMITIVES)
        .chain(block::PRIMITIVES)
        .chain(integer::PRIMITIVES)
        .chain(double::PRIMITIVES)
        .chain(string::PRIMITIVES)
        .chain(array::PRIMITIVES)
        .chain(system::PRIMITIVES)
}

/// The selectors of the primitives that may answer `Prim::Invoke` or `Prim::Send`, so
/// push a frame (block evaluation is `MethodKind::BlockValue`, not listed; `restart`
/// answers `Prim::Restart`, which starts the sender over and pushes none).
const FRAME_PUSHING_SELECTORS: &[&str] = &[
    "invokeOn:with:",
    "perform:",
    "perform:withArguments:",
    "perform:inSuperclass:",
    "perform:withArguments:inSuperclass:",
];

/// Whether primitive `f` may push a frame instead of answering a value (tier 1 sends
/// those through its generic send path, which calls a pushed frame natively). Fn
/// pointers may compare unequal for one function, so an unknown `f` counts as pushing
/// none; callers must still handle a frame it pushes.
pub(crate) fn may_push_frame(f: PrimFn) -> bool {
    table().any(|(_, s, g)| std::ptr::fn_addr_eq(*g, f) && FRAME_PUSHING_SELECTORS.contains(s))
}

/// Whether primitive `f` is `Array>>length` (tier 1 answers it inline for an Array
/// body). Fn pointers may compare unequal for one function: then it is not recognised.
pub(crate) fn is_array_length(f: PrimFn) -> bool {
    table().any(|(c, s, g)| *c == "Array" && *s == "length" && std::ptr::fn_addr_eq(*g, f))
}

/// Every (class, selector) pair this VM implements.
#[cfg(test)]
pub(crate) fn all() -> Vec<(&'static str, &'static str)> {
    table().map(|(c, s, _)| (*c, *s)).collect()
}

impl Vm {
    /// The implementation of primitive `selector` in `holder` (a class or metaclass).
    pub(crate) fn primitive_for(&self, holder: Value, selector: &str) -> MethodKind {
        let class = self.class_name(holder);
        match table().find(|(c, s, _)| *c == class && *s == selector) {
            Some((c, s, _)) if c.starts_with("Block") && s.starts_with("value") => {
                MethodKind::BlockValue
            }
            Some((_, _, f)) => MethodKind::Primitive(*f),
            None => MethodKind::MissingPrimitive,
        }
    }

    /// Receiver (`i == 0`) or argument `i` of the running primitive.
    #[inline(always)]
    pub(crate) fn arg(&self, argc: usize, i: usize) -> Value {
        self.stack[self.stack.len() - 1 - argc + i]
    }

    /// A short description of a value's class for error messages (`a String`).
    pub(crate) fn a_class_name(&self, v: Value) -> String {
        let name = self.class_name(self.class_of(v));
        let article = match name.chars().next() {
            Some('A' | 'E' | 'I' | 'O' | 'U') => "an",
            _ => "a",
        };
        format!("{article} {name}")
    }

    /// Replaces receiver and arguments by `recv` and `args` (for `perform:` and friends).
    pub(crate) fn rearrange(&mut self, argc: usize, recv: Value, args: &[Value]) {
        let n = self.stack.len() - argc - 1;
        self.stack.truncate(n);
        self.stack.push(recv);
        self.stack.extend_from_slice(args);
    }
}

/// The error for `v` where primitive `what` needs a small integer (`wanted` says
/// which): a big integer is out of range, anything else is of the wrong class.
pub(crate) fn not_small_int(vm: &Vm, what: &str, v: Value, wanted: &str) -> String {
    match integer::num(vm, v) {
        Some(integer::Num::Int(i)) => format!("{what} {i} is out of range"),
        _ => format!("{what} expected {wanted}, got {}", vm.a_class_name(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_primitive_is_implemented_once() {
        let all = all();
        assert_eq!(
            all.len(),
            92,
            "the standard core library declares 92 primitives"
        );
        let mut seen = std::collections::HashSet::new();
        for p in &all {
            assert!(seen.insert(p), "primitive {p:?} twice");
        }
    }

    #[test]
    fn the_frame_pushing_primitives_are_known_by_their_selectors() {
        for sel in FRAME_PUSHING_SELECTORS {
            let entries: Vec<_> = table().filter(|(_, s, _)| s == sel).collect();
            assert!(!entries.is_empty(), "no primitive {sel}");
            assert!(entries.iter().all(|(_, _, f)| may_push_frame(*f)), "{sel}");
        }
        for (class, sel) in [("String", "length"), ("Block", "restart")] {
            let (_, _, f) = table().find(|(c, s, _)| *c == class && *s == sel).unwrap();
            assert!(!may_push_frame(*f), "{class}>>{sel}");
            assert!(!is_array_length(*f), "{class}>>{sel}");
        }
        let (_, _, f) = table()
            .find(|(c, s, _)| *c == "Array" && *s == "length")
            .unwrap();
        assert!(is_array_length(*f));
    }
}
