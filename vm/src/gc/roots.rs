//! The GC root visitor: the one enumeration of every reference the VM holds outside the
//! heap. The collector marks from it and `--gc-verify` checks it, so a root added here
//! is both kept alive and verified, and a root missing here is missing for both.

use crate::bytecode::MethodKind;
use crate::runtime::vm::Vm;
use crate::value::Value;

impl Vm {
    /// Calls `visit` on every root (immediates included; a value may come more than
    /// once): nil, true, false; the VM stack (tier 0 and tier 1 share it) and every
    /// frame's receiver, context and outer context; globals; interned symbols'
    /// objects; temporary roots of primitives in progress; the system object and the
    /// shared empty `methods` Array; each
    /// method's holder and literals; send sites' lookup classes and inline-cache
    /// classes; the global lookup cache's classes; and the heap references machine
    /// code embeds (its relocation lists), kept alive even where a method table entry
    /// no longer holds the literal. Tools hold objects only through globals, the stack
    /// or temporary roots (the introspection API pins what it hands out there).
    pub(crate) fn visit_roots(&self, mut visit: impl FnMut(Value)) {
        [Value::NIL, Value::TRUE, Value::FALSE]
            .into_iter()
            .for_each(&mut visit);
        self.stack.iter().copied().for_each(&mut visit);
        for f in &self.frames {
            visit(f.self_value);
            visit(f.context);
            visit(f.outer);
        }
        self.globals.iter().flatten().copied().for_each(&mut visit);
        self.symbol_objects.iter().copied().for_each(&mut visit);
        self.temp_roots.iter().copied().for_each(&mut visit);
        visit(self.system_object);
        visit(self.core.method_array);
        for m in &self.methods {
            visit(m.holder);
            if let MethodKind::Bytecode(code) | MethodKind::Trivial(_, code) = &m.kind {
                code.literals.iter().copied().for_each(&mut visit);
            }
        }
        for s in &self.sites {
            visit(s.lookup_class);
            s.cache.iter().for_each(|e| visit(e.class));
        }
        self.lookup_cache.keys().for_each(|k| visit(k.0));
        for m in self.jit.compiled_methods() {
            let relocs = self.jit.compiled(m).map_or(&[][..], |c| &c.relocs[..]);
            relocs.iter().for_each(|&(_, v)| visit(v));
        }
    }
}
