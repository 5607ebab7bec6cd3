//! The VM state: heap, symbol table, method table, send sites, globals, the core classes,
//! the VM stack and frames, options and statistics. Behaviour lives in the modules that
//! `impl Vm` (loader, interpreter, sends, primitives, gc roots).

use crate::bytecode::{Method, MethodKind, SendSite};
use crate::front::ast::Literal;
use crate::object::heap::{Body, Heap, MethodId, SymbolId};
use crate::object::numeric::Int;
use crate::value::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

/// Activations deeper than this are a SOM "stack overflow" error.
pub(crate) const MAX_FRAMES: usize = 100_000;

/// Value slots reserved for the VM stack up front (address space; pages are touched
/// only as the stack grows). JIT frames hold pointers into this buffer, so it must not
/// move while native code runs: 2^24 slots allow 160 slots per frame at `MAX_FRAMES`.
pub(crate) const STACK_SLOTS: usize = 1 << 24;

/// Options from the command line (or a tool) that shape a run.
#[derive(Debug, Clone)]
pub struct Options {
    pub class_path: Vec<PathBuf>,
    pub gc_stress: bool,
    /// Check the heap's invariants after every collection (`--gc-verify`).
    pub gc_verify: bool,
    pub max_heap: usize,
    pub max_tier: u8,
    pub jit_threshold: u32,
    /// Invocations or back-edges before tier 2 (`--tier2-threshold`; `None`: 0 when
    /// `jit_threshold` is 0, else `tier2::DEFAULT_THRESHOLD`).
    pub tier2_threshold: Option<u32>,
    /// `--deopt-stress`: every tier-2 guard fails on its first executions (the seed
    /// picks how many).
    pub deopt_stress: Option<u64>,
    /// Tier 2 also compiles methods that send (each send performed through the
    /// runtime, slower than tier 1's native calls today: `--tier2-sends`).
    pub tier2_sends: bool,
    /// Size limit of tier 1's code cache in bytes (`--code-cache`).
    pub code_cache: usize,
    /// Name each compiled method in `/tmp/perf-PID.map` for `perf` (`--perf-map`).
    pub perf_map: bool,
    /// Register JIT code with gdb (DWARF lines and CFI through the GDB JIT interface,
    /// `--gdb-jit`).
    pub gdb_jit: bool,
    /// Write each JIT symbol file (ELF with DWARF) to this directory (`--jit-elf-dir`).
    pub jit_elf_dir: Option<PathBuf>,
    /// Write `jit-PID.dump` for `perf inject --jit` in this directory (`--jitdump`).
    pub jitdump_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            class_path: Vec::new(),
            gc_stress: false,
            gc_verify: false,
            max_heap: 4 << 30,
            max_tier: 1,
            jit_threshold: 1000,
            tier2_threshold: None,
            deopt_stress: None,
            tier2_sends: false,
            code_cache: crate::native::DEFAULT_CODE_CACHE,
            perf_map: false,
            gdb_jit: false,
            jit_elf_dir: None,
            jitdump_dir: None,
        }
    }
}

/// The VM's run counters. `repr(C)`: JIT code advances the clock, the bytecode count
/// and the send counts in place at offsets from `native::abi`. Tools get a copy as
/// `introspect::Stats`.
#[derive(Debug, Default, Clone)]
#[repr(C)]
pub(crate) struct Counters {
    pub clock: u64,
    pub bytecodes: u64,
    pub sends_monomorphic: u64,
    pub sends_polymorphic: u64,
    pub sends_megamorphic: u64,
    pub gc_count: u64,
    pub gc_pause: std::time::Duration,
    pub peak_heap: usize,
}

/// One activation on the VM stack. `repr(C)`: tier-1 code pushes and reads frames in
/// place (`native::abi`).
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct Frame {
    pub method: MethodId,
    /// Index of the next bytecode (saved while a callee runs).
    pub pc: u32,
    /// Stack index of slot 0 (receiver or block).
    pub bp: u32,
    pub self_value: Value,
    /// This activation's context (captured variables) or nil.
    pub context: Value,
    /// For blocks: the context captured by the block object; nil for methods.
    pub outer: Value,
    /// This activation's unique id (so a block can tell if its home is still alive).
    pub id: u64,
    /// A block activation: slot 0 holds the block object, which knows the home method
    /// activation (target of `^`) and, for fallback blocks, the creator frame.
    pub is_block: bool,
    /// The tier running this activation (1 once it entered JIT code).
    pub tier: u8,
}

/// The core classes the VM itself needs to know.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CoreClasses {
    pub object: Value,
    pub class: Value,
    pub metaclass: Value,
    pub nil: Value,
    pub boolean: Value,
    pub true_class: Value,
    pub false_class: Value,
    pub integer: Value,
    pub double: Value,
    pub string: Value,
    pub symbol: Value,
    pub array: Value,
    pub method: Value,
    pub primitive: Value,
    pub block: Value,
    pub block1: Value,
    pub block2: Value,
    pub block3: Value,
    pub system: Value,
    /// The class of the Arrays `Class>>methods` answers (`runtime::install`).
    pub method_array: Value,
}

/// The whole virtual machine.
pub(crate) struct Vm {
    pub heap: Heap,
    pub options: Options,
    pub symbols: Vec<Rc<str>>,
    pub symbol_ids: HashMap<Rc<str>, SymbolId>,
    pub symbol_objects: Vec<Value>,
    pub methods: Vec<Method>,
    pub sites: Vec<SendSite>,
    pub globals: Vec<Option<Value>>,
    pub global_names: Vec<SymbolId>,
    pub global_ids: HashMap<SymbolId, u32>,
    pub core: CoreClasses,
    pub system_object: Value,
    /// Global lookup cache for megamorphic sends: (class, selector) -> method.
    pub lookup_cache: rustc_hash::FxHashMap<(Value, SymbolId), Option<MethodId>>,
    pub stack: Vec<Value>,
    pub frames: Vec<Frame>,
    /// While tier-1 code runs: its context's frame count, which the time sampler reads
    /// instead of `frames.len()` unless it says `sampling::VM_OWNS_FRAMES`; null otherwise.
    pub jit_frame_count: std::sync::atomic::AtomicPtr<usize>,
    pub next_frame_id: u64,
    /// Values a primitive or the loader keeps alive across an allocation.
    pub temp_roots: Vec<Value>,
    /// Collection is suspended while non-zero (class loading).
    pub gc_inhibit: u32,
    pub oom: bool,
    /// The selectors of the `ifNil:` family, by `NilTestMode`.
    pub nil_test_selectors: [SymbolId; 4],
    /// `nil_test_is_standard`'s last answer per mode, for nil and for other values:
    /// (class, answer); emptied whenever method lookup may change (class loading,
    /// snapshot restore) and at every collection (a class may die and its slot be
    /// reused).
    pub nil_test_cache: [[(Value, bool); 2]; 4],
    /// `Array>>at:` and `at:put:` are this VM's primitives (the inline paths may be used).
    pub array_primitives: bool,
    pub stats: Counters,
    pub output: crate::runtime::io::Output,
    pub entropy: crate::runtime::io::Entropy,
    /// The last statement boundary the monitored loop reported.
    pub cursor: crate::observe::monitor::Cursor,
    /// Events waiting for the monitor (`None`: no one listens, nothing is recorded).
    pub events: Option<Vec<crate::observe::monitor::Event>>,
    /// Per-bytecode counts and receiver classes, kept by monitored runs when a tool
    /// asks for them (`Machine::enable_profile`).
    pub profile: Option<Box<crate::observe::profile::BytecodeProfile>>,
    /// Tier 1: compiled methods, code cache, tiering state.
    pub jit: crate::native::Jit,
    /// Tier 2: compiled methods, deopt counts, tiering state.
    pub tier2: crate::tier2::Tier2,
    /// What monitored runs wrote, when a tool tracks it (`Machine::track_writes`).
    pub writes: Option<Box<crate::observe::writes::WriteLog>>,
    /// Trivial methods run in a frame of their own (their bytecode) instead of without
    /// one, so a debugger's breakpoints and steps see them: set only for monitored runs
    /// (`Machine::frame_trivial_methods`); one predictable branch in `run_trivial`.
    pub trivial_frames: bool,
    /// Per heap slot, 1 + the bytecode step its object was allocated at while writes
    /// were tracked (0: not known); kept in snapshots (`observe::writes`).
    pub allocation_steps: Vec<u64>,
}

/// An empty `Vm::nil_test_cache` (no class is nil).
pub(crate) const NIL_TEST_CACHE_EMPTY: [[(Value, bool); 2]; 4] = [[(Value::NIL, false); 2]; 4];

impl Vm {
    pub(crate) fn empty(options: Options) -> Vm {
        Vm {
            jit: crate::native::Jit::new(&options),
            tier2: crate::tier2::Tier2::new(&options),
            heap: Heap::for_limit(options.max_heap),
            options,
            symbols: Vec::new(),
            symbol_ids: HashMap::new(),
            symbol_objects: Vec::new(),
            methods: Vec::new(),
            sites: Vec::new(),
            globals: Vec::new(),
            global_names: Vec::new(),
            global_ids: HashMap::new(),
            core: CoreClasses::default(),
            system_object: Value::NIL,
            lookup_cache: Default::default(),
            stack: Vec::with_capacity(STACK_SLOTS),
            frames: Vec::with_capacity(1 << 10),
            jit_frame_count: Default::default(),
            next_frame_id: 1,
            temp_roots: Vec::new(),
            gc_inhibit: 0,
            oom: false,
            array_primitives: false,
            nil_test_selectors: [SymbolId::new(0); 4],
            nil_test_cache: NIL_TEST_CACHE_EMPTY,
            stats: Counters::default(),
            output: crate::runtime::io::Output::default(),
            entropy: crate::runtime::io::Entropy::default(),
            cursor: Default::default(),
            events: None,
            profile: None,
            writes: None,
            trivial_frames: false,
            allocation_steps: Vec::new(),
        }
    }

    // ---- symbols ----

    pub(crate) fn intern(&mut self, s: &str) -> SymbolId {
        if let Some(&id) = self.symbol_ids.get(s) {
            return id;
        }
        let id = SymbolId::new(self.symbols.len());
        let text: Rc<str> = Rc::from(s);
        self.symbols.push(text.clone());
        self.symbol_ids.insert(text, id);
        let obj = self.heap.insert(self.core.symbol, Body::Symbol(id));
        if self.writes.is_some() {
            self.log_allocation(obj);
        }
        self.symbol_objects.push(obj);
        id
    }

    pub(crate) fn symbol_value(&mut self, s: &str) -> Value {
        let id = self.intern(s);
        self.symbol_objects[id.index()]
    }

    pub(crate) fn symbol_text(&self, id: SymbolId) -> &str {
        &self.symbols[id.index()]
    }

    // ---- globals ----

    pub(crate) fn global_id(&mut self, name: SymbolId) -> u32 {
        if let Some(&g) = self.global_ids.get(&name) {
            return g;
        }
        let g = self.globals.len() as u32;
        self.globals.push(None);
        self.global_names.push(name);
        self.global_ids.insert(name, g);
        g
    }

    pub(crate) fn set_global(&mut self, name: SymbolId, v: Value) {
        let g = self.global_id(name);
        self.globals[g as usize] = Some(v);
    }

    pub(crate) fn get_global(&self, name: SymbolId) -> Option<Value> {
        self.global_ids
            .get(&name)
            .and_then(|&g| self.globals[g as usize])
    }

    // ---- methods ----

    pub(crate) fn reserve_method(
        &mut self,
        signature: SymbolId,
        holder: Value,
        file: &Rc<str>,
        line: u32,
    ) -> MethodId {
        self.methods.push(Method {
            signature,
            holder,
            kind: MethodKind::MissingPrimitive,
            shape: Default::default(),
            num_args: 0,
            outer_method: None,
            file: file.clone(),
            line,
            invocations: Default::default(),
            back_edges: Default::default(),
        });
        MethodId::new(self.methods.len() - 1)
    }

    // ---- allocation ----

    /// Allocates an object, collecting first when the heap asks for it.
    pub(crate) fn alloc(&mut self, class: Value, body: Body) -> Value {
        self.maybe_collect(Heap::size_of(&body));
        let v = self.heap.insert(class, body);
        if self.writes.is_some() {
            self.log_allocation(v);
        }
        v
    }

    pub(crate) fn new_string(&mut self, s: &str) -> Value {
        self.alloc(
            self.core.string,
            Body::String(crate::object::heap::SomString::new(s)),
        )
    }

    pub(crate) fn new_double(&mut self, d: f64) -> Value {
        match Value::double(d) {
            Some(v) => v,
            None => self.alloc(self.core.double, Body::Double(d)),
        }
    }

    pub(crate) fn new_array(&mut self, values: Vec<Value>) -> Value {
        self.alloc(self.core.array, Body::Array(values.into()))
    }

    pub(crate) fn new_int(&mut self, i: Int) -> Value {
        match i {
            Int::Small(s) => match Value::int(s) {
                Some(v) => v,
                None => self.alloc(self.core.integer, Body::BigInt(Box::new(s.into()))),
            },
            Int::Big(b) => self.alloc(self.core.integer, Body::BigInt(Box::new(b))),
        }
    }

    /// The heap value of a compile-time literal.
    pub(crate) fn literal_value(&mut self, l: &Literal) -> Value {
        match l {
            Literal::Integer(i) => self.new_int(Int::from_bigint(i.clone())),
            Literal::Double(d) => self.new_double(*d),
            Literal::String(s) => self.new_string(s),
            Literal::Symbol(s) => self.symbol_value(s),
            Literal::Array(items) => {
                let values: Vec<Value> = items.iter().map(|i| self.literal_value(i)).collect();
                self.new_array(values)
            }
        }
    }

    // ---- classes ----

    #[inline(always)]
    pub(crate) fn class_of(&self, v: Value) -> Value {
        if v.is_int() {
            self.core.integer
        } else if v.is_double() {
            self.core.double
        } else {
            self.heap.get(v).class
        }
    }

    pub(crate) fn class_name(&self, class: Value) -> String {
        if !self.heap.is_class(class) {
            return "?".into();
        }
        self.symbol_text(self.heap.class_data(class).name)
            .to_string()
    }
}
