//! Mark and sweep over the object table. Marks live in a bitmap beside the table (one
//! bit per slot, 1/384 of the table's size), so the test "is this child marked yet",
//! made for every reference of every live object, hits a few cache lines instead of a
//! table entry per reference; an object is marked when it is pushed, so each live
//! object is pushed and scanned once. The sweep is lazy (`Heap::insert`): unmarked
//! slots join the free list a mark word at a time when an allocation needs one, and
//! whole words of marked slots are skipped.

use super::prefetch::prefetch;
use crate::object::heap::{Body, Heap};
use crate::value::Value;

/// Marks everything reachable from `roots` and leaves the rest to the lazy sweep
/// (`Heap::insert` frees unmarked slots as it needs them); answers bytes freed. The
/// live bytes are the marked objects' sizes, measured now (a class grows after it was
/// allocated, so subtracting sizes at free time would drift).
pub(crate) fn collect(heap: &mut Heap, roots: &[Value]) -> usize {
    let before = heap.live_bytes;
    (heap.live_bytes, heap.live_objects) = mark(heap, roots);
    heap.start_sweep();
    heap.bytes_since_gc = 0;
    heap.live_after_gc = heap.live_bytes;
    before.saturating_sub(heap.live_bytes)
}

/// Sets `v`'s mark; answers whether `v` is a reference that was not marked yet.
#[inline(always)]
fn mark_new(marks: &mut [u64], v: Value) -> bool {
    if !v.is_ref() {
        return false;
    }
    let i = v.index();
    let (word, bit) = (i / 64, 1u64 << (i % 64));
    match marks.get_mut(word) {
        Some(w) if *w & bit == 0 => {
            *w |= bit;
            true
        }
        _ => false,
    }
}

/// Marks every object reachable from `roots` (which may include immediates) with an
/// explicit stack, never recursing on the Rust stack; answers their bytes and number.
fn mark(heap: &mut Heap, roots: &[Value]) -> (usize, usize) {
    let Heap { objects, marks, .. } = heap;
    marks.clear();
    marks.resize(objects.len().div_ceil(64), 0);
    let mut stack: Vec<u32> = Vec::with_capacity(1024);
    for &r in roots {
        if mark_new(marks, r) {
            stack.push(r.index() as u32);
        }
    }
    let (mut live, mut count) = (0, 0);
    // Two short queues between the stack and the scan: an object popped from the stack
    // waits in `entries` while its table entry is fetched, then in `bodies` while its
    // body is, so every scan reads memory asked for a few objects earlier.
    let mut entries = std::collections::VecDeque::with_capacity(PREFETCH_DEPTH);
    let mut bodies = std::collections::VecDeque::with_capacity(PREFETCH_DEPTH);
    loop {
        while entries.len() < PREFETCH_DEPTH {
            let Some(i) = stack.pop() else { break };
            prefetch(&objects[i as usize]);
            entries.push_back(i);
        }
        if bodies.len() < PREFETCH_DEPTH || entries.is_empty() {
            if let Some(i) = entries.pop_front() {
                prefetch(body_start(&objects[i as usize].body));
                bodies.push_back(i);
                continue;
            }
        }
        let Some(i) = bodies.pop_front() else { break };
        let obj = &objects[i as usize];
        live += Heap::size_of(&obj.body);
        count += 1;
        let mut push = |c: Value| {
            if mark_new(marks, c) {
                stack.push(c.index() as u32);
            }
        };
        push(obj.class);
        match &obj.body {
            Body::Instance(f) | Body::Context(f) | Body::Array(f) => {
                f.iter().for_each(|&c| push(c))
            }
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
    (live, count)
}

/// How many objects wait in each prefetch queue.
const PREFETCH_DEPTH: usize = 8;

/// Where the marker will read an object's references (or the entry itself).
fn body_start(body: &Body) -> *const u8 {
    match body {
        Body::Instance(f) | Body::Context(f) | Body::Array(f) => f.as_ptr() as *const u8,
        Body::Block(b) => &**b as *const _ as *const u8,
        Body::Class(c) => &**c as *const _ as *const u8,
        other => other as *const Body as *const u8,
    }
}

/// Every reference an object's body holds (its class apart), for `--gc-verify`.
pub(crate) fn references(body: &Body, mut visit: impl FnMut(Value)) {
    match body {
        Body::Instance(f) | Body::Context(f) | Body::Array(f) => f.iter().copied().for_each(visit),
        Body::Block(b) => {
            visit(b.outer);
            visit(b.receiver);
        }
        Body::Class(c) => {
            visit(c.superclass);
            c.fields.iter().copied().for_each(&mut visit);
            c.method_objects.iter().copied().for_each(&mut visit);
            visit(c.methods_array);
        }
        _ => {}
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
        collect(&mut heap, &[keep]);
        heap.finish_sweep();
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
        collect(&mut heap, &[]);
        heap.finish_sweep();
        assert!(matches!(heap.get(a).body, Body::Free(_)));
        assert!(matches!(heap.get(b).body, Body::Free(_)));
    }

    /// A random graph over 3000 objects (more than one mark word, some slots freed and
    /// reused in between): after a collection exactly the objects reachable from the
    /// roots survive, with their contents unchanged, and the accounting matches.
    #[test]
    fn a_collection_keeps_exactly_the_reachable_objects_of_a_random_graph() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut heap = Heap::new();
        // Slot 0 is nil, as in the VM (every object's class here is nil).
        heap.insert(Value::NIL, Body::Instance(Vec::new().into()));
        for round in 0..3 {
            let base = heap.objects.len();
            let made: Vec<Value> = (0..1000)
                .map(|_| heap.insert(Value::NIL, Body::Array(vec![Value::NIL; 3].into())))
                .collect();
            for &o in &made {
                let targets = [made[next(made.len())], made[next(made.len())], Value(1)];
                if let Body::Array(v) = &mut heap.get_mut(o).body {
                    v.copy_from_slice(&targets);
                }
            }
            let roots: Vec<Value> = (0..5).map(|_| made[next(made.len())]).collect();
            let reachable = reach(&heap, &roots);
            let contents: Vec<(Value, Vec<Value>)> =
                reachable.iter().map(|&v| (v, items(&heap, v))).collect();
            collect(&mut heap, &roots);
            heap.finish_sweep();
            for (v, items_before) in contents {
                assert_eq!(
                    items(&heap, v),
                    items_before,
                    "round {round}: {v:?} changed"
                );
            }
            let live = (1..heap.objects.len())
                .filter(|&i| !matches!(heap.objects[i].body, Body::Free(_)))
                .count();
            assert_eq!(live, reachable.len(), "round {round} (table from {base})");
            let nil = Heap::size_of(&heap.get(Value::NIL).body);
            let each = Heap::size_of(&heap.get(roots[0]).body);
            assert_eq!(heap.live_bytes, nil + reachable.len() * each);
            heap = clear(heap);
        }
    }

    fn items(heap: &Heap, v: Value) -> Vec<Value> {
        match &heap.get(v).body {
            Body::Array(a) => a.to_vec(),
            other => panic!("{v:?} is no longer an array: {other:?}"),
        }
    }

    /// The objects reachable from `roots`, found by a plain search.
    fn reach(heap: &Heap, roots: &[Value]) -> std::collections::HashSet<Value> {
        let mut seen = std::collections::HashSet::new();
        let mut todo = roots.to_vec();
        while let Some(v) = todo.pop() {
            if v.is_ref() && v != Value::NIL && seen.insert(v) {
                todo.extend(items(heap, v));
            }
        }
        seen
    }

    /// Frees everything but nil (the next round reuses the free list).
    fn clear(mut heap: Heap) -> Heap {
        collect(&mut heap, &[Value::NIL]);
        assert_eq!(heap.live_bytes, Heap::size_of(&heap.get(Value::NIL).body));
        heap
    }
}
