//! The collector: precise, non-moving mark-sweep over the object table, and its policy.
//! `roots.rs` enumerates every root (the collector and `--gc-verify` share it),
//! `mark.rs` marks into a bitmap (the sweep is lazy, in `Heap::insert`), `verify.rs`
//! checks the heap's invariants after a collection (`--gc-verify`), `pauses.rs` keeps
//! every pause for the maximum and percentiles. Objects never move, so a reference is stable for
//! its lifetime; identity hashes come from allocation order (`Heap::insert`), not from
//! where or when anything was collected.
//!
//! Policy (sizes are the heap's byte accounting, `Heap::size_of`): a collection comes
//! once the program allocated `GROWTH` times the bytes that survived the last one, and
//! at least `MIN_GC_INTERVAL` (2 MiB), so the heap peaks near `(1 + GROWTH) x live` and the
//! work of marking (proportional to live data) is paid once per `GROWTH x live` bytes
//! allocated: collection costs a bounded share of the run whatever the live size.
//! `--max-heap` bounds the heap's footprint (`Heap::footprint`: live objects' entries
//! and bodies plus the table's idle entries, free or spare). An allocation that would
//! pass it collects first; if the heap is still over the limit the allocation is the
//! last (the pending out-of-memory error is raised at the next send or loop back-edge),
//! and a body of a size the program chose (`Array new:`, a concatenation, a loaded
//! file) is refused before it is built (`Vm::reserve_heap`).

mod mark;
mod pauses;
mod prefetch;
mod roots;
mod verify;

pub(crate) use mark::collect;
pub(crate) use pauses::Pauses;

use crate::runtime::error::Unwind;
use crate::runtime::vm::Vm;

/// The least a program allocates between two collections.
pub(crate) const MIN_GC_INTERVAL: usize = 2 << 20;
/// Bytes allocated between collections, as a multiple of the bytes that survived.
pub(crate) const GROWTH: usize = 2;

/// Bytes to allocate after a collection that left `live` bytes before the next one.
fn interval(live: usize) -> usize {
    MIN_GC_INTERVAL.max(live.saturating_mul(GROWTH))
}

impl Vm {
    /// Before an allocation of `incoming` bytes: collects when stress mode is on, the
    /// policy's interval has been allocated, or the object would pass `--max-heap`;
    /// marks the heap exhausted when it would still pass the limit.
    #[inline]
    pub(crate) fn maybe_collect(&mut self, incoming: usize) {
        let max = self.options.max_heap;
        let over = |vm: &Vm| vm.heap.footprint().saturating_add(incoming) > max;
        let due = self.options.gc_stress
            || self.heap.bytes_since_gc > interval(self.heap.live_after_gc)
            || over(self);
        if due && self.gc_inhibit == 0 {
            self.full_gc();
        }
        if over(self) {
            self.oom = true;
        }
    }

    /// Makes room for a body of `bytes` the program asked for, before it is built:
    /// collects if the heap would pass `--max-heap`, and answers SOM's out-of-memory
    /// error if it still would.
    pub(crate) fn reserve_heap(&mut self, bytes: usize) -> Result<(), Unwind> {
        let over = |vm: &Vm| vm.heap.footprint().saturating_add(bytes) > vm.options.max_heap;
        if over(self) && self.gc_inhibit == 0 {
            self.full_gc();
        }
        if over(self) {
            return Err(self.out_of_memory());
        }
        Ok(())
    }

    /// A full collection from every root the VM holds.
    pub(crate) fn full_gc(&mut self) {
        let _phase = crate::observe::sampling::PhaseMark::gc(self.heap.bytes_since_gc);
        let start = std::time::Instant::now();
        self.note_event(|clock| crate::observe::monitor::Event::GcStart { clock });
        let mut roots = Vec::with_capacity(self.stack.len() + 1024);
        self.visit_roots(|v| roots.push(v));
        collect(&mut self.heap, &roots);
        self.nil_test_cache = crate::runtime::vm::NIL_TEST_CACHE_EMPTY;
        self.stats.gc_count += 1;
        let live_bytes = self.heap.live_bytes;
        self.note_event(|clock| crate::observe::monitor::Event::GcEnd { clock, live_bytes });
        let pause = start.elapsed();
        self.stats.gc_pause += pause;
        self.heap.pauses.record(pause);
        if self.options.gc_verify {
            self.verify_heap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_grows_with_live_data_above_a_floor() {
        assert_eq!(interval(0), MIN_GC_INTERVAL);
        assert_eq!(interval(100 << 20), GROWTH * (100 << 20));
    }
}
