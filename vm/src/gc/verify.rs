//! `--gc-verify`: the heap's invariants, checked after every collection. Every root and
//! every reference in every live object (its class included) points at a live object
//! of the table; the free list is a chain of free slots without a cycle that holds every
//! free slot; the byte and object accounting equal the live objects' sizes and number.
//! A broken invariant is a VM bug: the check answers what it found, and the VM stops.

use super::mark::references;
use crate::object::heap::{Body, Heap};
use crate::runtime::vm::Vm;
use crate::value::Value;

/// A broken heap invariant, with where it was found.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum HeapFault {
    #[error("{from} refers to {to:?}, which is not a live object")]
    Dangling { from: String, to: Value },
    #[error("the free list reaches slot {0}, which is not free")]
    FreeListHitsLive(u32),
    #[error("the free list holds {listed} slots (or loops) but the table has {free} free")]
    FreeListCount { listed: usize, free: usize },
    #[error("live bytes are accounted as {accounted}, the live objects hold {actual}")]
    Accounting { accounted: usize, actual: usize },
    #[error("{accounted} live objects are accounted, the table holds {actual}")]
    ObjectCount { accounted: usize, actual: usize },
}

impl Vm {
    /// Checks the heap after a collection (finishing its lazy sweep first, so every
    /// object left is live); a fault ends the process with its message.
    pub(crate) fn verify_heap(&mut self) {
        self.heap.finish_sweep();
        let mut roots = Vec::new();
        self.visit_roots(|v| roots.push(v));
        if let Err(fault) = verify(&self.heap, &roots) {
            eprintln!(
                "som: --gc-verify: heap invariant broken after collection {}: {fault}",
                self.stats.gc_count
            );
            std::process::exit(70);
        }
    }
}

/// Whether `v` is an immediate or a reference to a live (not free) object.
fn is_live(heap: &Heap, v: Value) -> bool {
    !v.is_ref()
        || heap
            .objects
            .get(v.index())
            .is_some_and(|o| !matches!(o.body, Body::Free(_)))
}

/// Checks the invariants of `heap` with `roots`.
pub(crate) fn verify(heap: &Heap, roots: &[Value]) -> Result<(), HeapFault> {
    if let Some(&to) = roots.iter().find(|&&r| !is_live(heap, r)) {
        return Err(HeapFault::Dangling {
            from: "a root".into(),
            to,
        });
    }
    let mut actual = 0;
    let mut free = 0;
    let mut count = 0;
    for (i, obj) in heap.objects.iter().enumerate() {
        if matches!(obj.body, Body::Free(_)) {
            free += 1;
            continue;
        }
        actual += Heap::size_of(&obj.body);
        count += 1;
        let mut bad = None;
        if !is_live(heap, obj.class) {
            bad = Some(obj.class);
        }
        references(&obj.body, |c| {
            if bad.is_none() && !is_live(heap, c) {
                bad = Some(c);
            }
        });
        if let Some(to) = bad {
            return Err(HeapFault::Dangling {
                from: format!("object @{i}"),
                to,
            });
        }
    }
    let mut listed = 0;
    let mut at = heap.free_head();
    while let Some(index) = at {
        if listed > free {
            break;
        }
        match heap.objects.get(index as usize).map(|o| &o.body) {
            Some(Body::Free(next)) => at = Heap::free_link(*next),
            _ => return Err(HeapFault::FreeListHitsLive(index)),
        }
        listed += 1;
    }
    if listed != free {
        return Err(HeapFault::FreeListCount { listed, free });
    }
    if actual != heap.live_bytes {
        return Err(HeapFault::Accounting {
            accounted: heap.live_bytes,
            actual,
        });
    }
    if count != heap.live_objects {
        return Err(HeapFault::ObjectCount {
            accounted: heap.live_objects,
            actual: count,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gc::mark::collect;

    fn sample() -> (Heap, Value) {
        let mut heap = Heap::new();
        let child = heap.insert(Value::NIL, Body::Double(1.5));
        let keep = heap.insert(Value::NIL, Body::Array(vec![child, Value(3)].into()));
        heap.insert(Value::NIL, Body::Double(2.5));
        collect(&mut heap, &[keep]);
        heap.finish_sweep();
        (heap, keep)
    }

    #[test]
    fn a_collected_heap_passes() {
        let (heap, keep) = sample();
        assert_eq!(verify(&heap, &[keep]), Ok(()));
    }

    #[test]
    fn a_dangling_reference_a_dangling_root_and_bad_accounting_are_found() {
        let (mut heap, keep) = sample();
        let freed = Value::obj(2);
        assert!(matches!(
            verify(&heap, &[freed]),
            Err(HeapFault::Dangling { .. })
        ));
        heap.live_bytes += 8;
        assert!(matches!(
            verify(&heap, &[keep]),
            Err(HeapFault::Accounting { .. })
        ));
        heap.live_bytes -= 8;
        if let Body::Array(v) = &mut heap.get_mut(keep).body {
            v[1] = freed;
        }
        let fault = verify(&heap, &[keep]).unwrap_err();
        assert_eq!(
            fault.to_string(),
            format!("object @1 refers to {freed:?}, which is not a live object")
        );
    }

    #[test]
    fn a_free_list_that_misses_a_free_slot_is_found() {
        let (mut heap, keep) = sample();
        heap.objects.push(crate::object::heap::Object {
            class: Value::NIL,
            hash: 0,
            body: Body::Free(u32::MAX),
        });
        assert!(matches!(
            verify(&heap, &[keep]),
            Err(HeapFault::FreeListCount { listed: 1, free: 2 })
        ));
    }
}
