//! Checkpoints of the complete VM state. The heap, the VM stack and frames, globals,
//! symbols, methods (shared code, so cheap), inline caches, statistics, the output so far,
//! the input-log cursor and the allocation steps of write tracking are copied. Restoring puts the VM exactly where it was, so a
//! replay continued from a checkpoint does what the original run did.

use crate::bytecode::{Method, SendSite};
use crate::object::heap::{Heap, SymbolId};
use crate::observe::monitor::Cursor;
use crate::runtime::vm::{CoreClasses, Counters, Frame, Vm};
use crate::value::Value;
use std::collections::HashMap;
use std::rc::Rc;

/// A saved VM state (opaque to tools).
pub struct Snapshot {
    heap: Heap,
    symbols: Vec<Rc<str>>,
    symbol_ids: HashMap<Rc<str>, SymbolId>,
    symbol_objects: Vec<Value>,
    methods: Vec<Method>,
    sites: Vec<SendSite>,
    globals: Vec<Option<Value>>,
    global_names: Vec<SymbolId>,
    global_ids: HashMap<SymbolId, u32>,
    core: CoreClasses,
    system_object: Value,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    next_frame_id: u64,
    temp_roots: Vec<Value>,
    gc_inhibit: u32,
    oom: bool,
    array_primitives: bool,
    nil_test_selectors: [SymbolId; 4],
    stats: Counters,
    output: (usize, usize),
    input_cursor: usize,
    diverged: Option<String>,
    cursor: Cursor,
    allocation_steps: Vec<u64>,
    pub(super) exit: Option<super::Exit>,
}

impl Snapshot {
    /// The logical clock at the checkpoint.
    pub fn clock(&self) -> u64 {
        self.stats.clock
    }

    /// Bytecodes executed at the checkpoint (names the boundary exactly).
    pub fn step(&self) -> u64 {
        self.stats.bytecodes
    }

    /// Approximate memory the checkpoint holds, in bytes.
    pub fn size_bytes(&self) -> usize {
        self.heap.live_bytes
            + self.heap.objects.len() * std::mem::size_of::<crate::object::heap::Object>()
            + self.stack.len() * 8
            + self.frames.len() * std::mem::size_of::<Frame>()
            + self.sites.len() * std::mem::size_of::<SendSite>()
            + self.methods.len() * std::mem::size_of::<Method>()
            + self.symbols.len() * 64
            + self.allocation_steps.len() * 8
    }
}

impl Vm {
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            heap: self.heap.clone(),
            symbols: self.symbols.clone(),
            symbol_ids: self.symbol_ids.clone(),
            symbol_objects: self.symbol_objects.clone(),
            methods: self.methods.clone(),
            sites: self.sites.clone(),
            globals: self.globals.clone(),
            global_names: self.global_names.clone(),
            global_ids: self.global_ids.clone(),
            core: self.core,
            system_object: self.system_object,
            stack: self.stack.clone(),
            frames: self.frames.clone(),
            next_frame_id: self.next_frame_id,
            temp_roots: self.temp_roots.clone(),
            gc_inhibit: self.gc_inhibit,
            oom: self.oom,
            array_primitives: self.array_primitives,
            nil_test_selectors: self.nil_test_selectors,
            stats: self.stats.clone(),
            output: self.output.mark(),
            input_cursor: self.entropy.cursor(),
            diverged: self.entropy.diverged.clone(),
            cursor: self.cursor,
            allocation_steps: self.allocation_steps.clone(),
            exit: None,
        }
    }

    pub(crate) fn restore(&mut self, s: &Snapshot) {
        self.heap = s.heap.clone();
        self.symbols = s.symbols.clone();
        self.symbol_ids = s.symbol_ids.clone();
        self.symbol_objects = s.symbol_objects.clone();
        self.methods = s.methods.clone();
        self.sites = s.sites.clone();
        self.globals = s.globals.clone();
        self.global_names = s.global_names.clone();
        self.global_ids = s.global_ids.clone();
        self.core = s.core;
        self.system_object = s.system_object;
        self.lookup_cache.clear();
        self.nil_test_cache = crate::runtime::vm::NIL_TEST_CACHE_EMPTY;
        // In place: the buffers keep their reserved capacity (JIT code relies on the
        // stack never moving).
        self.stack.clear();
        self.stack.extend_from_slice(&s.stack);
        self.frames.clear();
        self.frames.extend_from_slice(&s.frames);
        self.next_frame_id = s.next_frame_id;
        self.temp_roots = s.temp_roots.clone();
        self.gc_inhibit = s.gc_inhibit;
        self.oom = s.oom;
        self.array_primitives = s.array_primitives;
        self.nil_test_selectors = s.nil_test_selectors;
        self.stats = s.stats.clone();
        self.output.rewind(s.output);
        self.entropy.set_cursor(s.input_cursor);
        self.entropy.diverged = s.diverged.clone();
        self.cursor = s.cursor;
        self.allocation_steps.clone_from(&s.allocation_steps);
        if let Some(events) = self.events.as_mut() {
            events.clear();
        }
    }
}
