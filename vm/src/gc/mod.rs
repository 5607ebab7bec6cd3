//! The precise mark-sweep collector. The universe hands it every root (VM stack, frames,
//! globals, symbols, method literals, temporary roots); it marks what they reach with an
//! explicit mark stack (no recursion on the Rust stack) and sweeps the rest into the free
//! list. Objects never move, so a reference is stable for its lifetime.

use crate::bytecode::MethodKind;
use crate::object::heap::{Body, Heap};
use crate::runtime::vm::Vm;
use crate::value::Value;

/// Collections start once this much was allocated since the last one (or more, when
/// the live heap is larger).
const MIN_GC_INTERVAL: usize = 4 << 20;

impl Vm {
    /// Collects when stress mode is on or enough was allocated since the last collection.
    #[inline]
    pub(crate) fn maybe_collect(&mut self) {
        let due = self.options.gc_stress
            || self.heap.bytes_since_gc > MIN_GC_INTERVAL.max(self.heap.live_after_gc);
        if due && self.gc_inhibit == 0 {
            self.full_gc();
        }
    }

    /// A full collection from every root the VM holds.
    pub(crate) fn full_gc(&mut self) {
        let _phase = crate::observe::sampling::PhaseMark::gc(self.heap.bytes_since_gc);
        let start = std::time::Instant::now();
        self.note_event(|clock| crate::observe::monitor::Event::GcStart { clock });
        let mut roots = self.roots();
        collect(&mut self.heap, &mut roots);
        self.nil_test_cache = crate::runtime::vm::NIL_TEST_CACHE_EMPTY;
        self.stats.gc_count += 1;
        let live_bytes = self.heap.live_bytes;
        self.note_event(|clock| crate::observe::monitor::Event::GcEnd { clock, live_bytes });
        self.stats.gc_pause += start.elapsed();
        if self.heap.live_bytes > self.options.max_heap {
            self.oom = true;
        }
    }

    fn roots(&self) -> Vec<Value> {
        let mut roots = Vec::with_capacity(self.stack.len() + 1024);
        roots.extend_from_slice(&[Value::NIL, Value::TRUE, Value::FALSE]);
        roots.extend_from_slice(&self.stack);
        for f in &self.frames {
            roots.extend_from_slice(&[f.self_value, f.context, f.outer]);
        }
        roots.extend(self.globals.iter().flatten());
        roots.extend_from_slice(&self.symbol_objects);
        roots.extend_from_slice(&self.temp_roots);
        roots.extend_from_slice(&[self.system_object, self.core.method_array]);
        for m in &self.methods {
            roots.push(m.holder);
            if let MethodKind::Bytecode(code) | MethodKind::Trivial(_, code) = &m.kind {
                roots.extend_from_slice(&code.literals);
            }
        }
        for s in &self.sites {
            roots.push(s.lookup_class);
            roots.extend(s.cache.iter().map(|e| e.class));
        }
        roots.extend(self.lookup_cache.keys().map(|k| k.0));
        // References machine code embeds (its relocation lists), kept alive even
        // where a method table entry no longer holds the literal.
        for m in self.jit.compiled_methods() {
            let relocs = self.jit.compiled(m).map_or(&[][..], |c| &c.relocs[..]);
            roots.extend(relocs.iter().map(|&(_, v)| v));
        }
        roots
    }
}

/// Marks everything reachable from `roots` and frees the rest; answers bytes freed.
pub(crate) fn collect(heap: &mut Heap, roots: &mut Vec<Value>) -> usize {
    let before = heap.live_bytes;
    mark(heap, roots);
    sweep(heap);
    heap.bytes_since_gc = 0;
    heap.live_after_gc = heap.live_bytes;
    before.saturating_sub(heap.live_bytes)
}

/// Marks everything reachable from `stack` (the roots, which may include immediates).
/// Only references to objects not yet marked are pushed, so the stack stays small and
/// the immediates and shared classes in every object cost a test, not a push and pop.
fn mark(heap: &mut Heap, stack: &mut Vec<Value>) {
    while let Some(v) = stack.pop() {
        if !v.is_ref() {
            continue;
        }
        let obj = &mut heap.objects[v.index()];
        if obj.marked {
            continue;
        }
        obj.marked = true;
        let objects = &heap.objects;
        let mut push = |c: Value| {
            if c.is_ref() && !objects[c.index()].marked {
                stack.push(c);
            }
        };
        let obj = &objects[v.index()];
        push(obj.class);
        match &obj.body {
            Body::Instance(f) | Body::Context(f) => f.iter().for_each(|&c| push(c)),
            Body::Array(a) => a.iter().for_each(|&c| push(c)),
            Body::Block(b) => {
                push(b.outer);
                push(b.receiver);
            }
            Body::Class(c) => {
                push(c.superclass);
                c.fields.iter().for_each(|&f| push(f));
                c.method_objects.iter().for_each(|&m| push(m));
                push(c.methods_array);
            }
            Body::Free(_)
            | Body::String(_)
            | Body::Symbol(_)
            | Body::Double(_)
            | Body::BigInt(_)
            | Body::Method(_) => {}
        }
    }
}

fn sweep(heap: &mut Heap) {
    for index in 0..heap.objects.len() {
        let obj = &mut heap.objects[index];
        if obj.marked {
            obj.marked = false;
        } else if !matches!(obj.body, Body::Free(_)) {
            heap.free(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_objects_are_freed_and_reused() {
        let mut heap = Heap::new();
        let child = heap.insert(Value::NIL, Body::Double(1.5));
        let keep = heap.insert(Value::NIL, Body::Array(vec![child].into()));
        let garbage = heap.insert(Value::NIL, Body::Double(2.5));
        collect(&mut heap, &mut vec![keep]);
        assert!(matches!(heap.get(child).body, Body::Double(_)));
        assert!(matches!(heap.get(garbage).body, Body::Free(_)));
        let reused = heap.insert(Value::NIL, Body::Double(3.5));
        assert_eq!(reused, garbage);
    }

    #[test]
    fn cycles_are_collected() {
        let mut heap = Heap::new();
        let a = heap.insert(Value::NIL, Body::Array(vec![Value::NIL].into()));
        let b = heap.insert(Value::NIL, Body::Array(vec![a].into()));
        if let Body::Array(v) = &mut heap.get_mut(a).body {
            v[0] = b;
        }
        collect(&mut heap, &mut vec![]);
        assert!(matches!(heap.get(a).body, Body::Free(_)));
        assert!(matches!(heap.get(b).body, Body::Free(_)));
    }
}
