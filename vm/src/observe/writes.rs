//! Write tracking for time-travel searches. While a monitored run tracks writes, every
//! bytecode that stores into an object (a field, an array element, a context) or may
//! store through a primitive (a `...put:` send, also through `perform:`) adds the object
//! to a Bloom filter (and a field store the object and field index to another, so a
//! search for one field of a busy object skips stretches that wrote only others), every
//! activation seen at a boundary adds its id and depth (its own slots change only while
//! it runs; long-lived shallow activations are told apart exactly by the minimum depth),
//! every allocation adds the new reference and records its bytecode step per heap slot
//! (`Vm::allocation_steps`, kept in snapshots), and a binding of a global sets a flag. A
//! tool takes the log per stretch of the run and later skips stretches that cannot have
//! changed what it watches. False positives only cost re-execution; there are no false
//! negatives.

use crate::bytecode::{Bytecode, Code};
use crate::object::heap::{Body, SymbolId};
use crate::runtime::vm::Vm;
use crate::value::Value;
use crate::value::ValueRef;

/// Bits per filter (a power of two): 2^18 bits, 32 KiB.
const BITS: usize = 1 << 18;

/// A Bloom filter over 64-bit keys with two probes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bloom {
    words: Vec<u64>,
}

impl Default for Bloom {
    fn default() -> Self {
        Bloom {
            words: vec![0; BITS / 64],
        }
    }
}

impl Bloom {
    /// The two bit positions of `key` in a filter of `bits` bits (a power of two).
    fn probes(key: u64, bits: usize) -> [usize; 2] {
        let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let g = (key ^ (key >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        [
            (h >> 40) as usize & (bits - 1),
            (g >> 40) as usize & (bits - 1),
        ]
    }

    fn bits(&self) -> usize {
        self.words.len() * 64
    }

    fn insert(&mut self, key: u64) {
        for p in Self::probes(key, self.bits()) {
            self.words[p / 64] |= 1 << (p % 64);
        }
    }

    fn may_contain(&self, key: u64) -> bool {
        Self::probes(key, self.bits())
            .iter()
            .all(|&p| self.words[p / 64] & (1 << (p % 64)) != 0)
    }

    /// The filter in `words` words: bit `p` moves to `p mod (64 * words)`, which is
    /// where a probe of the smaller size looks, so nothing inserted is lost.
    fn folded(&self, words: usize) -> Bloom {
        let n = words.clamp(1, self.words.len());
        let mut folded = vec![0; n];
        for (i, w) in self.words.iter().enumerate() {
            folded[i % n] |= w;
        }
        Bloom { words: folded }
    }

    /// Adds `other`'s keys (a filter of another size: both at the smaller one).
    fn merge(&mut self, other: &Bloom) {
        if other.words.len() < self.words.len() {
            *self = self.folded(other.words.len());
        }
        let n = self.words.len();
        for (i, b) in other.words.iter().enumerate() {
            self.words[i % n] |= b;
        }
    }
}

/// What a stretch of a run may have written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteLog {
    /// Objects any part of which may have been written.
    objects: Bloom,
    /// Objects written where the field is not known (elements, contexts, primitives).
    whole: Bloom,
    /// (object, field index) of field stores.
    fields: Bloom,
    /// Objects allocated (their references).
    allocated: Bloom,
    frames: Bloom,
    /// The smallest stack depth seen at a boundary (0: none seen): an activation
    /// shallower than this never ran in the stretch.
    min_depth: usize,
    /// The largest activation id seen: ids only grow, so an activation created later
    /// never ran in the stretch.
    max_frame: u64,
    globals: bool,
    /// A store through a fallback block into its creator frame: anything may change.
    anything: bool,
}

impl WriteLog {
    /// The log so far; this one starts afresh, seeded with the running activation
    /// (`top`: its id and the frame count) so a stretch starting mid-statement knows it.
    pub(crate) fn take_seeded(&mut self, top: Option<(u64, usize)>) -> WriteLog {
        let taken = std::mem::take(self);
        if let Some((id, depth)) = top {
            self.frames.insert(id);
            self.min_depth = depth;
            self.max_frame = id;
        }
        taken
    }

    /// Whether a field or element of `object` may have been written.
    pub fn may_write_object(&self, object: ValueRef) -> bool {
        self.anything || self.objects.may_contain(object.0)
    }

    /// Whether field `index` (0-based) of `object` may have been written.
    pub fn may_write_field(&self, object: ValueRef, index: usize) -> bool {
        self.anything
            || self.whole.may_contain(object.0)
            || self.fields.may_contain(field_key(object.0, index))
    }

    /// Whether `object` may have been allocated (its reference handed out).
    pub fn may_allocate(&self, object: ValueRef) -> bool {
        self.allocated.may_contain(object.0)
    }

    /// Whether the activation `frame_id`, `depth` frames deep, may have run (and
    /// written its own variables).
    pub fn may_run_frame(&self, frame_id: u64, depth: usize) -> bool {
        self.anything
            || (self.min_depth != 0
                && depth >= self.min_depth
                && frame_id <= self.max_frame
                && self.frames.may_contain(frame_id))
    }

    /// Whether a global may have been bound or rebound.
    pub fn may_write_globals(&self) -> bool {
        self.anything || self.globals
    }

    /// A copy with each filter `factor` times smaller (a power of two): it answers
    /// every `may_*` question `true` at least where this log does, with more false
    /// positives, for keeping many short stretches' logs.
    pub fn folded(&self, factor: usize) -> WriteLog {
        let fold = |b: &Bloom| b.folded(b.words.len() / factor.max(1));
        WriteLog {
            objects: fold(&self.objects),
            whole: fold(&self.whole),
            fields: fold(&self.fields),
            allocated: fold(&self.allocated),
            frames: fold(&self.frames),
            ..*self
        }
    }

    /// Bytes the log's filters take.
    pub fn size_bytes(&self) -> usize {
        let filters = [
            &self.objects,
            &self.whole,
            &self.fields,
            &self.allocated,
            &self.frames,
        ];
        filters.iter().map(|b| b.words.len() * 8).sum()
    }

    pub fn merge(&mut self, other: &WriteLog) {
        self.objects.merge(&other.objects);
        self.whole.merge(&other.whole);
        self.fields.merge(&other.fields);
        self.allocated.merge(&other.allocated);
        self.frames.merge(&other.frames);
        self.min_depth = match (self.min_depth, other.min_depth) {
            (0, d) | (d, 0) => d,
            (a, b) => a.min(b),
        };
        self.max_frame = self.max_frame.max(other.max_frame);
        self.globals |= other.globals;
        self.anything |= other.anything;
    }
}

/// The Bloom key of field `index` of the object referenced by `object`.
fn field_key(object: u64, index: usize) -> u64 {
    object ^ ((index as u64 + 1) << 48)
}

impl WriteLog {
    /// Notes a store into `object`: field `field` when known, else anywhere in it.
    fn note_store(&mut self, object: Value, field: Option<usize>) {
        self.objects.insert(object.0);
        match field {
            Some(i) => self.fields.insert(field_key(object.0, i)),
            None => self.whole.insert(object.0),
        }
    }
}

impl Vm {
    /// Notes a new object and the step it was allocated at.
    #[inline(never)]
    pub(crate) fn log_allocation(&mut self, object: Value) {
        if let Some(log) = self.writes.as_deref_mut() {
            log.allocated.insert(object.0);
            let (index, step) = (object.index(), self.stats.bytecodes);
            if self.allocation_steps.len() <= index {
                self.allocation_steps.resize(index + 1, 0);
            }
            self.allocation_steps[index] = step + 1;
        }
    }

    /// The bytecode step (bytecodes executed, the allocating one included) at which
    /// the object in `object`'s slot was allocated, if writes were tracked then.
    pub(crate) fn allocation_step(&self, object: Value) -> Option<u64> {
        let stored = *self.allocation_steps.get(object.index())?;
        (stored != 0).then(|| stored - 1)
    }

    /// Notes a store into field `index` of `object` that no bytecode of a frame made (a
    /// trivial setter run without a frame).
    #[inline(never)]
    pub(crate) fn log_object_write(&mut self, object: Value, index: usize) {
        if let Some(log) = self.writes.as_deref_mut() {
            log.note_store(object, Some(index));
        }
    }

    /// Notes the activation at a boundary.
    pub(crate) fn log_frame(&mut self, frame_id: u64, depth: usize) {
        if let Some(log) = self.writes.as_deref_mut() {
            log.frames.insert(frame_id);
            if log.min_depth == 0 || depth < log.min_depth {
                log.min_depth = depth;
            }
            log.max_frame = log.max_frame.max(frame_id);
        }
    }

    /// Notes what the bytecode at `pc` of the top frame is about to write.
    #[inline]
    pub(crate) fn log_writes(&mut self, code: &Code, pc: usize) {
        use Bytecode::*;
        match code.bytecodes[pc] {
            PopField(_) | StoreField(_) | AtPut(_) | StoreCaptured(_) | StoreOuter(..)
            | StoreCreator(_) | Send(_) | SuperSend(_) | PushGlobal(_) => {
                self.log_store(code.bytecodes[pc]);
            }
            _ => {}
        }
    }

    #[inline(never)]
    fn log_store(&mut self, bc: Bytecode) {
        let f = self.frames.last().expect("a frame");
        let (receiver, context, outer) = (f.self_value, f.context, f.outer);
        let top = self.stack.len();
        let mut field = None;
        let target = match bc {
            Bytecode::PopField(i) | Bytecode::StoreField(i) => {
                field = Some(i as usize);
                Some(receiver)
            }
            Bytecode::AtPut(_) => Some(self.stack[top - 3]),
            Bytecode::StoreCaptured(_) => Some(context),
            Bytecode::StoreOuter(hops, _) => Some(self.context_hops(outer, hops)),
            Bytecode::Send(s) | Bytecode::SuperSend(s) => {
                let site = &self.sites[s.index()];
                let argc = site.argc as usize;
                let (globals, puts) = self.send_may_store(site.selector, top, argc);
                if globals {
                    self.mark_globals();
                }
                puts.then(|| self.stack[top - 1 - argc])
            }
            Bytecode::PushGlobal(g) => {
                if self.globals[g as usize].is_none() {
                    self.mark_globals();
                }
                None
            }
            _ => {
                if let Some(log) = self.writes.as_deref_mut() {
                    log.anything = true;
                }
                None
            }
        };
        if let (Some(t), Some(log)) = (target, self.writes.as_deref_mut()) {
            log.note_store(t, field);
        }
    }

    /// Whether a send of `selector` with `argc` arguments on top of the stack (`top`
    /// its length) may bind a global and may store into its receiver: a `...put:`
    /// primitive, or a `perform:` family send whose selector argument is one (it runs
    /// on the same receiver; a selector that is not a symbol, or another `perform:`,
    /// may do anything).
    fn send_may_store(&self, selector: SymbolId, top: usize, argc: usize) -> (bool, bool) {
        let text = self.symbol_text(selector);
        if !text.starts_with("perform:") || argc == 0 {
            return (text == "global:put:", text.ends_with("put:"));
        }
        let named = self.stack[top - argc];
        let target = named
            .is_ref()
            .then(|| match &self.heap.get(named).body {
                Body::Symbol(id) => Some(self.symbol_text(*id)),
                _ => None,
            })
            .flatten();
        match target {
            Some(t) if !t.starts_with("perform:") => (t == "global:put:", t.ends_with("put:")),
            _ => (true, true),
        }
    }

    fn mark_globals(&mut self) {
        if let Some(log) = self.writes.as_deref_mut() {
            log.globals = true;
        }
    }

    fn context_hops(&self, mut ctx: Value, hops: u8) -> Value {
        for _ in 0..hops {
            ctx = match &self.heap.get(ctx).body {
                Body::Context(slots) => slots[0],
                _ => return ctx,
            };
        }
        ctx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bloom_filter_has_no_false_negatives() {
        let mut b = Bloom::default();
        for k in (0..5000u64).map(|i| i * 4 + 8) {
            b.insert(k);
        }
        assert!((0..5000u64).all(|i| b.may_contain(i * 4 + 8)));
        let false_hits = (0..5000u64)
            .filter(|i| b.may_contain((1 << 40) | (i * 4)))
            .count();
        assert!(false_hits < 2500, "{false_hits} false positives of 5000");
    }

    #[test]
    fn a_folded_filter_keeps_every_key_and_merges_with_a_full_one() {
        let mut full = Bloom::default();
        for k in (0..300u64).map(|i| i * 8 + 16) {
            full.insert(k);
        }
        let small = full.folded(full.words.len() / 16);
        assert_eq!(small.bits(), BITS / 16);
        assert!((0..300u64).all(|i| small.may_contain(i * 8 + 16)));
        let false_hits = (0..5000u64)
            .filter(|i| small.may_contain((1 << 40) | (i * 8)))
            .count();
        assert!(false_hits < 500, "{false_hits} false positives of 5000");
        let mut other = Bloom::default();
        other.insert(1 << 20);
        other.merge(&small);
        assert_eq!(other.bits(), BITS / 16);
        assert!(other.may_contain(1 << 20) && other.may_contain(16));
    }
}
