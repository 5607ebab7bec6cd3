//! The object heap: a table of objects indexed by the tagged references in `Value`, with
//! a free list, the collector's mark bitmap, identity hashes from allocation order, byte
//! accounting for the GC trigger and `--max-heap`, and the object bodies
//! every SOM class needs (instances, arrays, strings, symbols, doubles, big integers,
//! blocks, contexts, classes and reflective method objects).

pub(crate) use super::slots::Slots;
use crate::value::Value;
use num_bigint::BigInt;
use std::collections::HashMap;

pub(crate) use crate::ids::{MethodId, SymbolId};

/// What `new` makes for a class: instances of a class share its layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    Instance,
    Array,
    String,
    Symbol,
    Double,
    Integer,
    Block,
    Class,
    Method,
}

/// A class object's data (both classes and metaclasses).
#[derive(Debug, Clone)]
pub(crate) struct ClassData {
    pub name: SymbolId,
    pub superclass: Value,
    /// Names of all instance fields, inherited ones first.
    pub instance_fields: Vec<SymbolId>,
    pub methods: HashMap<SymbolId, MethodId>,
    /// Reflective `Method`/`Primitive` objects, in definition order.
    pub method_objects: Vec<Value>,
    /// The Array `methods` answers (made once, so it keeps its identity).
    pub methods_array: Value,
    /// This class object's own fields (its class-side fields).
    pub fields: Vec<Value>,
    pub layout: Layout,
}

/// An immutable SOM string with its length in characters (equal to the byte length
/// when the text is ASCII, which makes indexing O(1)).
#[derive(Debug, Clone)]
pub(crate) struct SomString {
    pub text: Box<str>,
    pub chars: u32,
}

impl SomString {
    pub(crate) fn new(s: &str) -> SomString {
        let chars = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        SomString {
            text: s.into(),
            chars: chars as u32,
        }
    }

    /// Takes ownership of `s` (no copy when its capacity fits its length).
    pub(crate) fn from_owned(s: String) -> SomString {
        let chars = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        SomString {
            text: s.into_boxed_str(),
            chars: chars as u32,
        }
    }

    pub(crate) fn is_ascii(&self) -> bool {
        self.chars as usize == self.text.len()
    }

    /// Characters `from..=to` (1-based), assuming the range was checked.
    pub(crate) fn substring(&self, from: usize, to: usize) -> String {
        if self.is_ascii() {
            self.text[from - 1..to].to_string()
        } else {
            self.text
                .chars()
                .skip(from - 1)
                .take(to + 1 - from)
                .collect()
        }
    }
}

/// A closure: the block's method, the context it captured and its home activation.
/// `repr(C)`: tier-1 code reads the method, receiver and outer context in place.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct BlockData {
    pub method: MethodId,
    /// The nearest enclosing context (`Context` object) or nil.
    pub outer: Value,
    /// `self` of the home method.
    pub receiver: Value,
    /// Frame index and activation id of the home method (target of `^`).
    pub home_frame: u32,
    pub home_id: u64,
    /// For blocks made from an inlined literal block (fallback sends): the frame that
    /// made it, whose stack slots it reads and writes, and that frame's activation id.
    pub creator: Option<(u32, u64)>,
}

/// The tags machine code tests (`object::layout`).
pub(crate) const INSTANCE_TAG: u8 = 1;
pub(crate) const ARRAY_TAG: u8 = 2;
pub(crate) const DOUBLE_TAG: u8 = 5;
pub(crate) const BLOCK_TAG: u8 = 7;
pub(crate) const CONTEXT_TAG: u8 = 8;

/// `repr(u8)` with explicit tags: the variant is a tag byte at offset 0 and each
/// variant's fields follow as a `repr(C)` struct, so machine code can test for an
/// instance or array and reach its slots in place (`object::layout`).
#[derive(Debug, Clone)]
#[repr(u8)]
pub(crate) enum Body {
    Free(u32) = 0,
    Instance(Slots) = INSTANCE_TAG,
    Array(Slots) = ARRAY_TAG,
    String(SomString) = 3,
    Symbol(SymbolId) = 4,
    Double(f64) = DOUBLE_TAG,
    BigInt(Box<BigInt>) = 6,
    Block(Box<BlockData>) = BLOCK_TAG,
    /// Captured variables of an activation: slot 0 is the outer context (or nil).
    Context(Slots) = CONTEXT_TAG,
    Class(Box<ClassData>) = 9,
    /// A reflective method object (class `Method` or `Primitive`).
    Method(MethodId) = 10,
}

/// One heap object: its class, its identity hash and its body (the collector's marks
/// are a bitmap beside the table). `repr(C)`: tier-1 code reads the class and the body
/// in place (`object::layout`).
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct Object {
    pub class: Value,
    /// The allocation's sequence number: `hashcode` answers it, so a hash depends on
    /// the order of allocations only, never on when or whether anything was collected.
    pub hash: u32,
    pub body: Body,
}

const NO_FREE: u32 = u32::MAX;

/// What `Heap::get` answers for a value that is not a heap reference.
static IMMEDIATE: Object = Object {
    class: Value::NIL,
    hash: 0,
    body: Body::Free(NO_FREE),
};
/// A table entry's bytes (every object has one).
const HEADER_BYTES: usize = std::mem::size_of::<Object>();
/// The table grows by half its size (at least this many entries) when full: a smaller
/// step than `Vec`'s doubling keeps its spare capacity, which `--max-heap` counts, low.
const TABLE_STEP: usize = 1 << 12;
/// The most address space reserved for the table up front (22 million entries).
const TABLE_RESERVE: usize = 1 << 30;

/// The object table.
#[derive(Clone)]
pub(crate) struct Heap {
    pub objects: Vec<Object>,
    free_head: u32,
    pub live_bytes: usize,
    /// The objects `live_bytes` counts (the marked ones, then every allocation).
    pub live_objects: usize,
    pub bytes_since_gc: usize,
    /// Live bytes right after the last collection (sets the next trigger).
    pub live_after_gc: usize,
    pub peak_bytes: usize,
    /// One mark bit per table slot, set by the collector (`gc::mark`).
    pub marks: Vec<u64>,
    /// The lazy sweep: slots `sweep_at..sweep_end` still hold what the last mark saw;
    /// the unmarked ones among them join the free list when an allocation needs one.
    sweep_at: usize,
    sweep_end: usize,
    /// The next allocation's identity hash.
    next_hash: u32,
    /// Every collection's pause (`--stats`).
    pub pauses: crate::gc::Pauses,
}

impl Heap {
    #[cfg(test)]
    pub(crate) fn new() -> Heap {
        Heap::with_entries(TABLE_STEP)
    }

    /// A heap whose table has address space reserved for every entry a heap bounded
    /// by `max_heap` bytes can hold (each object costs at least an entry), up to
    /// `TABLE_RESERVE`: a reservation is not resident until used, and a table that
    /// never moves never holds its old and new copies at once (growing by copying made
    /// peak RSS twice the table).
    pub(crate) fn for_limit(max_heap: usize) -> Heap {
        Heap::with_entries(max_heap.min(TABLE_RESERVE) / HEADER_BYTES + 1)
    }

    fn with_entries(entries: usize) -> Heap {
        Heap {
            objects: Vec::with_capacity(entries),
            free_head: NO_FREE,
            live_bytes: 0,
            live_objects: 0,
            bytes_since_gc: 0,
            live_after_gc: 0,
            peak_bytes: 0,
            marks: Vec::new(),
            sweep_at: 0,
            sweep_end: 0,
            next_hash: 0,
            pauses: Default::default(),
        }
    }

    /// The first free slot, if any.
    pub(crate) fn free_head(&self) -> Option<u32> {
        Heap::free_link(self.free_head)
    }

    /// The slot a free slot's link names, if any.
    pub(crate) fn free_link(next: u32) -> Option<u32> {
        (next != NO_FREE).then_some(next)
    }

    /// The identity hash of a reference (nil, true and false are the first three
    /// allocations: 0, 1, 2).
    pub(crate) fn identity_hash(&self, v: Value) -> u32 {
        self.get(v).hash
    }

    /// The bytes an object with this body holds: its table entry and what its body
    /// allocates (rounded to the allocator's 16-byte granule).
    pub(crate) fn size_of(body: &Body) -> usize {
        let granules = |n: usize| n.div_ceil(16) * 16;
        HEADER_BYTES
            + match body {
                Body::Instance(f) | Body::Context(f) | Body::Array(f) => granules(f.len() * 8),
                Body::String(s) => granules(s.text.len()),
                Body::BigInt(b) => b.bits() as usize / 8 + 16,
                Body::Block(_) => 48,
                Body::Class(c) => 128 + c.fields.len() * 8 + c.methods.len() * 16,
                _ => 0,
            }
    }

    /// The heap's memory as `--max-heap` bounds it: the live objects (entries and
    /// bodies) plus the table's entries not holding one (free slots; reserved entries
    /// never written are address space, not memory).
    pub(crate) fn footprint(&self) -> usize {
        let idle = self.objects.len().saturating_sub(self.live_objects);
        self.live_bytes + idle * HEADER_BYTES
    }

    /// Puts an object in the table (reusing a free slot) and answers its reference.
    pub(crate) fn insert(&mut self, class: Value, body: Body) -> Value {
        let size = Heap::size_of(&body);
        self.live_bytes += size;
        self.live_objects += 1;
        self.bytes_since_gc += size;
        let v = self.place(class, body);
        self.peak_bytes = self.peak_bytes.max(self.footprint());
        v
    }

    /// Writes the object into a free slot, a swept one or a new entry.
    fn place(&mut self, class: Value, body: Body) -> Value {
        let obj = Object {
            class,
            hash: self.next_hash,
            body,
        };
        self.next_hash = self.next_hash.wrapping_add(1);
        if self.free_head == NO_FREE {
            self.sweep_until_free();
        }
        if self.free_head != NO_FREE {
            let index = self.free_head;
            let slot = &mut self.objects[index as usize];
            match slot.body {
                Body::Free(next) => {
                    self.free_head = next;
                    // A free slot owns nothing: no call of the old body's drop glue.
                    std::mem::forget(std::mem::replace(slot, obj));
                }
                _ => {
                    self.free_head = NO_FREE;
                    *slot = obj;
                }
            }
            Value::obj(index)
        } else {
            let index = self.objects.len() as u32;
            if self.objects.len() == self.objects.capacity() {
                let step = (self.objects.len() / 2).max(TABLE_STEP);
                self.objects.reserve_exact(step);
            }
            self.objects.push(obj);
            Value::obj(index)
        }
    }

    /// The object a value refers to; immediates (and anything not a live index) answer
    /// an empty placeholder, so a primitive handed the wrong kind of value fails cleanly.
    #[inline(always)]
    pub(crate) fn get(&self, v: Value) -> &Object {
        if v.is_ref() {
            if let Some(o) = self.objects.get(v.index()) {
                return o;
            }
        }
        &IMMEDIATE
    }

    #[inline(always)]
    pub(crate) fn get_mut(&mut self, v: Value) -> &mut Object {
        &mut self.objects[v.index()]
    }

    /// After a mark: every slot is to be swept again (the free list is rebuilt from
    /// the marks, free slots included, as allocations need slots).
    pub(crate) fn start_sweep(&mut self) {
        self.free_head = NO_FREE;
        self.sweep_at = 0;
        self.sweep_end = self.objects.len();
    }

    /// Sweeps mark words until the free list has a slot or nothing is left to sweep.
    fn sweep_until_free(&mut self) {
        while self.free_head == NO_FREE && self.sweep_at < self.sweep_end {
            self.sweep_word();
        }
    }

    /// Sweeps everything the lazy sweep has not reached yet.
    pub(crate) fn finish_sweep(&mut self) {
        while self.sweep_at < self.sweep_end {
            self.sweep_word();
        }
    }

    /// Frees the unmarked slots of one mark word (64 slots), lowest index first out.
    /// The sweep frees a slot right before an allocation reuses it, so the entry is in
    /// the cache when the new object is written.
    fn sweep_word(&mut self) {
        let start = self.sweep_at;
        let end = (start + 64).min(self.sweep_end);
        let marked = self.marks.get(start / 64).copied().unwrap_or(0);
        if marked != u64::MAX {
            for index in (start..end).rev() {
                if marked & (1 << (index - start)) == 0 {
                    self.free(index);
                }
            }
        }
        self.sweep_at = end;
    }

    /// Frees an unmarked slot (a free one is linked again). The collector set
    /// `live_bytes` from the marked objects' sizes, so nothing is subtracted here.
    fn free(&mut self, index: usize) {
        let obj = &mut self.objects[index];
        obj.body = Body::Free(self.free_head);
        obj.class = Value::NIL;
        self.free_head = index as u32;
    }

    pub(crate) fn class_data(&self, class: Value) -> &ClassData {
        match &self.get(class).body {
            Body::Class(c) => c,
            other => unreachable!("not a class: {other:?}"),
        }
    }

    pub(crate) fn class_data_mut(&mut self, class: Value) -> &mut ClassData {
        match &mut self.get_mut(class).body {
            Body::Class(c) => c,
            other => unreachable!("not a class: {other:?}"),
        }
    }

    pub(crate) fn is_class(&self, v: Value) -> bool {
        v.is_ref() && matches!(self.get(v).body, Body::Class(_))
    }

    pub(crate) fn as_double(&self, v: Value) -> Option<f64> {
        if v.is_double() {
            return Some(v.as_double());
        }
        if !v.is_ref() {
            return None;
        }
        match self.get(v).body {
            Body::Double(d) => Some(d),
            _ => None,
        }
    }

    pub(crate) fn as_symbol(&self, v: Value) -> Option<SymbolId> {
        if !v.is_ref() {
            return None;
        }
        match self.get(v).body {
            Body::Symbol(s) => Some(s),
            _ => None,
        }
    }
}
