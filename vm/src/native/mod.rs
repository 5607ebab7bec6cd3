//! Tier 1, the baseline JIT: the tiering policy (when a method is compiled), the table of
//! compiled methods, OSR requests from tier 0, and the dispatcher side of running JIT
//! code.
//!
//! JIT code runs one VM frame at a time on the same frame layout as tier 0 (values in
//! `Vm::stack` slots, the header in `Vm::frames`). A send that pushes a frame, a return,
//! an error or anything that changes the active frame makes the code return to the
//! dispatcher (`jit_dispatch`, called from the interpreter loop whenever the frame
//! changes), which continues the new top frame in tier 1 if it has code for that
//! bytecode index and in tier 0 otherwise. So a SOM send never recurses on the Rust or
//! native stack, and non-local return, `doesNotUnderstand:`, errors, stack overflow and
//! out-of-memory are tier 0's own code paths.
//!
//! - `emit.rs`, `templates.rs`: the templates (iced-x86 code assembler);
//! - `runtime.rs`: the context shared with JIT code and the helpers it calls;
//! - `prim_calls.rs`: sends whose inline-cache target is a primitive;
//! - `inline.rs`, `layout.rs`: templates that reach into heap objects in place and
//!   where they find instance fields, array items, context slots and block data;
//! - `code_cache.rs`: W^X executable memory with a size limit;
//! - `debuginfo/`: JIT code described to native tools (gdb, perf);
//! - `events.rs`: the event log and tier counters tools read (compiles, OSR entries,
//!   tier crossings).

pub(crate) mod abi;
mod code_cache;
pub(crate) mod context;
pub(crate) mod debuginfo;
pub(crate) mod events;

use crate::bytecode::{Code, MethodKind};
use crate::object::heap::MethodId;
use crate::runtime::error::Unwind;
use crate::runtime::vm::{Options, Vm};
use code_cache::CodeCache;
use context::{FastEntry, JitCtx};
use debuginfo::{CodeRecord, NativeTools};
use events::{JitEventKind, JitLog, NativeRun};
use std::rc::Rc;
use std::sync::atomic::{compiler_fence, Ordering};
use std::time::{Duration, Instant};

pub(crate) use crate::tier1::emit::NO_ENTRY;
use crate::tier1::{emit, prim_calls};

/// Machine stack one JIT run may use for native calls between JIT frames (32 bytes
/// each: the return address and the send's saved words); deeper sends return to the dispatcher, so depth stays bounded by
/// `MAX_FRAMES` alone.
const NATIVE_STACK_BUDGET: usize = 256 << 10;

/// Default size of the code cache (`--code-cache`).
pub(crate) const DEFAULT_CODE_CACHE: usize = 64 << 20;

/// Machine code of one method.
pub(crate) struct Compiled {
    /// The bytecode it was compiled from (a method table entry that no longer holds
    /// this code is not run from it).
    pub code: Rc<Code>,
    pub address: u64,
    pub size: usize,
    /// Native offset of each entry point by bytecode index (`NO_ENTRY` elsewhere).
    pub entries: Box<[u32]>,
    /// The pc map: (native offset, bytecode index) of each template and slow path,
    /// by offset.
    pub pc_map: Box<[(u32, u32)]>,
    /// Bytecode indices that are entry points (after sends, loop headers, 0).
    pub entry_bcis: Box<[u32]>,
    /// Heap references embedded in the code: (native offset of the 8-byte immediate,
    /// value). The collector treats them as roots; a moving one rewrites them.
    pub relocs: Box<[(u32, crate::value::Value)]>,
}

enum Slot {
    Untried,
    Compiled(Box<Compiled>),
    /// Not compiled (`Refusal` says why): runs in tier 0.
    Refused,
}

/// Why a method stays in tier 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A primitive or other method without bytecode.
    NotBytecode,
    /// The code cache reached `--code-cache`.
    CacheFull,
    /// The code cache could not be reserved or protected.
    CacheUnavailable,
    /// The assembler rejected a template (its message is in `Jit::refusals`).
    Assembler,
}

impl Refusal {
    pub(crate) const ALL: [Refusal; 4] = [
        Refusal::NotBytecode,
        Refusal::CacheFull,
        Refusal::CacheUnavailable,
        Refusal::Assembler,
    ];

    /// The reason as `--stats` and the event log name it.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Refusal::NotBytecode => "not a bytecode method",
            Refusal::CacheFull => "code cache full",
            Refusal::CacheUnavailable => "code cache unavailable",
            Refusal::Assembler => "assembler error",
        }
    }
}

/// Tier-1 figures for `--stats`.
#[derive(Debug, Default, Clone)]
pub(crate) struct JitStats {
    pub methods_compiled: u64,
    pub methods_refused: u64,
    /// Refusals by reason (`Refusal as usize`).
    pub refused_by: [u64; 4],
    pub code_bytes: u64,
    pub compile_time: Duration,
    /// Part of `compile_time` spent describing code to native tools.
    pub debug_info_time: Duration,
    pub osr_entries: u64,
    pub cache_full: bool,
}

/// The tier-1 state of one VM.
pub(crate) struct Jit {
    pub enabled: bool,
    threshold: u32,
    cache_limit: usize,
    cache: Option<CodeCache>,
    trampoline: u64,
    slots: Vec<Slot>,
    /// By method: the address of bytecode 0 of its code and the `Code` compiled (a
    /// flat table for the send path; address 0: no code).
    natives: Vec<(u64, *const Code)>,
    /// By method: the entry a send calls directly from JIT code (see `FastEntry`).
    fast: Vec<FastEntry>,
    /// The method table's length when code was last compiled: a shorter table (a
    /// snapshot was restored) makes every compiled method unknown again.
    methods_seen: usize,
    /// Free VM stack slots JIT code may use beyond the stack pointer.
    headroom: usize,
    /// The loop header a tier-0 frame continues at in tier 1 (OSR).
    osr_pc: Option<u32>,
    /// gdb, perf and friends (see `debuginfo`).
    tools: NativeTools,
    pub stats: JitStats,
    /// The assembler's message for each method it refused.
    pub refusals: Vec<(MethodId, String)>,
    /// Methods with tier-2 code: tier-1 code never calls them natively, so their
    /// frames reach the dispatcher, which runs them in tier 2.
    in_tier2: std::collections::HashSet<MethodId>,
    /// What tier 1 did, for tools (`introspect::View::jit_events`).
    pub log: JitLog,
}

impl Jit {
    pub(crate) fn new(options: &Options) -> Jit {
        Jit {
            enabled: options.max_tier >= 1 && cfg!(all(target_arch = "x86_64", unix)),
            threshold: options.jit_threshold,
            cache_limit: options.code_cache,
            cache: None,
            trampoline: 0,
            slots: Vec::new(),
            natives: Vec::new(),
            fast: Vec::new(),
            methods_seen: 0,
            headroom: 64,
            osr_pc: None,
            tools: NativeTools::new(options),
            stats: JitStats::default(),
            refusals: Vec::new(),
            in_tier2: Default::default(),
            log: JitLog::default(),
        }
    }

    /// Where the next code placed in the cache will start (reserving the cache on
    /// first use); `None` when there is no room or no cache.
    pub(crate) fn next_code_address(&mut self) -> Option<u64> {
        if self.stats.cache_full {
            return None;
        }
        self.cache().ok().map(|c| c.next_address())
    }

    /// Installs tier-2 code assembled for `address` (`next_code_address`).
    pub(crate) fn install_code(&mut self, bytes: &[u8], address: u64) -> Result<u64, ()> {
        let cache = self.cache().map_err(|_| ())?;
        if cache.next_address() != address {
            return Err(());
        }
        cache.install(bytes).map_err(|_| {
            self.stats.cache_full = true;
        })
    }

    /// Describes tier-2 code to the native-tool outputs (gdb, perf, jitdump).
    pub(crate) fn publish_record(&mut self, record: CodeRecord) {
        if self.tools.enabled() {
            self.publish(record);
        }
    }

    /// `method` got tier-2 code: sends from tier-1 code go through the dispatcher.
    pub(crate) fn leave_to_tier2(&mut self, method: MethodId) {
        self.in_tier2.insert(method);
        if let Some(e) = self.fast.get_mut(method.index()) {
            *e = FastEntry::default();
        }
    }

    /// The code cache, reserved (with the entry trampoline) on first use.
    fn cache(&mut self) -> Result<&mut CodeCache, (Refusal, String)> {
        if self.cache.is_none() && !self.stats.cache_full {
            let unavailable = |e: String| (Refusal::CacheUnavailable, e);
            let mut cache =
                CodeCache::new(self.cache_limit).map_err(|e| unavailable(format!("{e:?}")))?;
            let ip = cache.next_address();
            let bytes = emit::assemble_trampoline(ip).map_err(|e| unavailable(e.0))?;
            self.trampoline = cache
                .install(&bytes)
                .map_err(|e| unavailable(format!("{e:?}")))?;
            self.cache = Some(cache);
            if self.tools.enabled() {
                self.publish(CodeRecord {
                    name: "som_jit_entry".into(),
                    file: String::new(),
                    decl_line: 0,
                    address: self.trampoline,
                    bytes,
                    lines: Vec::new(),
                    entries: vec![0],
                    preserves_vm_registers: true,
                });
            }
        }
        match self.cache.as_mut() {
            Some(cache) => Ok(cache),
            None if self.stats.cache_full => Err((Refusal::CacheFull, String::new())),
            None => Err((Refusal::CacheUnavailable, String::new())),
        }
    }

    /// Hands `record` to the native-tool outputs, counting the time as compile time.
    fn publish(&mut self, record: CodeRecord) {
        let before = self.tools.time;
        let claimed_end = self.tools.publish(&record);
        if let Some(cache) = self.cache.as_mut() {
            cache.keep_free_until(record.address + record.bytes.len() as u64, claimed_end);
        }
        let spent = self.tools.time - before;
        self.stats.debug_info_time += spent;
        self.stats.compile_time += spent;
    }

    /// The direct-call table JIT code reads (see `FastEntry`).
    pub(crate) fn fast_table(&self) -> (*const FastEntry, usize) {
        (self.fast.as_ptr(), self.fast.len())
    }

    /// Sizes the direct-call table to the method table and marks the block
    /// evaluation primitives, the trivial methods and the primitives in it.
    fn mark_block_values(&mut self, methods: &[crate::bytecode::Method]) {
        let n = self.natives.len().max(methods.len());
        self.natives.resize(n, (0, std::ptr::null()));
        let start = self.fast.len();
        self.fast.resize(n, FastEntry::default());
        for (i, m) in methods.iter().enumerate().skip(start) {
            if let Some(e) = prim_calls::marker_entry(&m.kind) {
                self.fast[i] = e;
            }
        }
    }

    /// Forgets all compiled code (the method table was replaced by an older one).
    fn forget(&mut self) {
        self.slots.clear();
        self.natives.clear();
        self.fast.clear();
        self.methods_seen = 0;
    }

    /// Methods with tier-1 code.
    pub(crate) fn compiled_methods(&self) -> impl Iterator<Item = MethodId> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, Slot::Compiled(_)))
            .map(|(i, _)| MethodId::new(i))
    }

    /// The compiled code of `method`.
    pub(crate) fn compiled(&self, method: MethodId) -> Option<&Compiled> {
        match self.slots.get(method.index()) {
            Some(Slot::Compiled(c)) => Some(c),
            _ => None,
        }
    }

    /// The installed bytes at `address..address+len` (tier-2 code, for listings).
    pub(crate) fn bytes_at(&self, address: u64, len: usize) -> Vec<u8> {
        self.cache
            .as_ref()
            .map_or_else(Vec::new, |cache| cache.bytes(address, len))
    }

    /// Machine code bytes of a compiled method (for listings).
    pub(crate) fn code_bytes(&self, c: &Compiled) -> Vec<u8> {
        self.cache
            .as_ref()
            .map_or_else(Vec::new, |cache| cache.bytes(c.address, c.size))
    }
}

impl Vm {
    /// Compiles `method` now; answers whether it has code afterwards. Time samples
    /// taken meanwhile are in the compiler phase.
    fn jit_compile(&mut self, method: MethodId) -> bool {
        let _phase = crate::observe::sampling::PhaseMark::compiling(method);
        let m = method.index();
        if self.jit.slots.len() <= m {
            self.jit
                .slots
                .resize_with(self.methods.len().max(m + 1), || Slot::Untried);
        }
        let slot = match &self.methods[m].kind {
            MethodKind::Bytecode(code) => compile(&mut self.jit, code.clone(), &self.sites),
            _ => Err((Refusal::NotBytecode, String::new())),
        };
        let ok = slot.is_ok();
        let kind = match &slot {
            Ok(c) => JitEventKind::Compiled {
                code_bytes: c.size as u32,
            },
            Err((reason, _)) => JitEventKind::Refused { reason: *reason },
        };
        self.jit_event(method, kind);
        self.jit.slots[m] = match slot {
            Ok(c) => {
                if self.jit.tools.enabled() {
                    self.publish_compiled(method, &c);
                }
                if self.jit.natives.len() <= m {
                    let n = self.methods.len().max(m + 1);
                    self.jit.natives.resize(n, (0, std::ptr::null()));
                }
                self.jit.natives[m] = (c.address, Rc::as_ptr(&c.code));
                self.jit.mark_block_values(&self.methods);
                // Block methods are reached only through `value` sends (they are in no
                // method dictionary), so the table can hold both.
                if c.code.num_captured == 0 && !self.jit.in_tier2.contains(&method) {
                    self.jit.fast[m] = FastEntry {
                        address: c.address,
                        num_locals: c.code.num_locals as u64,
                    };
                }
                self.jit.methods_seen = self.jit.methods_seen.max(self.methods.len());
                Slot::Compiled(c)
            }
            Err((reason, message)) => {
                self.jit.stats.methods_refused += 1;
                self.jit.stats.refused_by[reason as usize] += 1;
                if !message.is_empty() {
                    self.jit.refusals.push((method, message));
                }
                Slot::Refused
            }
        };
        ok
    }

    /// Describes the code of `method` to the native-tool outputs.
    fn publish_compiled(&mut self, method: MethodId, c: &Compiled) {
        let start = Instant::now();
        let record = self.code_record(method, c);
        let prepared = start.elapsed();
        self.jit.stats.debug_info_time += prepared;
        self.jit.stats.compile_time += prepared;
        self.jit.publish(record);
    }

    /// The code of `method` as native tools see it.
    fn code_record(&self, method: MethodId, c: &Compiled) -> CodeRecord {
        let m = &self.methods[method.index()];
        CodeRecord {
            name: self.method_name(method),
            file: absolute(&m.file),
            decl_line: m.line,
            address: c.address,
            bytes: self.jit.code_bytes(c),
            lines: CodeRecord::line_table(&c.pc_map, &c.code.lines),
            entries: c
                .entries
                .iter()
                .copied()
                .filter(|&e| e != NO_ENTRY)
                .collect(),
            preserves_vm_registers: false,
        }
    }

    /// The native address where the top frame's `method` continues at `pc`, compiling
    /// it first when its counters passed the threshold.
    fn jit_entry(&mut self, method: MethodId, pc: u32, counter: u32) -> Option<u64> {
        let m = method.index();
        let untried = match self.jit.slots.get(m) {
            Some(Slot::Compiled(c)) => {
                let current = match &self.methods[m].kind {
                    MethodKind::Bytecode(code) => Rc::ptr_eq(code, &c.code),
                    _ => false,
                };
                let off = *c.entries.get(pc as usize)?;
                return (current && off != NO_ENTRY).then(|| c.address + off as u64);
            }
            Some(Slot::Refused) => false,
            Some(Slot::Untried) | None => true,
        };
        if untried && counter >= self.jit.threshold && self.jit_compile(method) {
            return self.jit_entry(method, pc, 0);
        }
        None
    }

    /// The tier-1 entry at bytecode 0 of the frame a send just pushed (compiling its
    /// method when due); marks the frame as running in tier 1.
    #[inline(always)]
    pub(crate) fn jit_callee_entry(&mut self) -> Option<u64> {
        let method = self.frames.last()?.method;
        if self.tier2.enabled && self.tier2_claims(method) {
            return None;
        }
        if let Some(&(address, code)) = self.jit.natives.get(method.index()) {
            if let MethodKind::Bytecode(c) = &self.methods[method.index()].kind {
                if address != 0 && std::ptr::eq(Rc::as_ptr(c), code) {
                    self.frames.last_mut()?.tier = 1;
                    return Some(address);
                }
            }
        }
        self.jit_callee_entry_slow(method)
    }

    #[inline(never)]
    fn jit_callee_entry_slow(&mut self, method: MethodId) -> Option<u64> {
        let counter = self.methods[method.index()].invocations.get();
        let entry = self.jit_entry(method, 0, counter)?;
        self.frames.last_mut()?.tier = 1;
        Some(entry)
    }

    /// Called by the interpreter after a back-edge to `pc`: answers true when the top
    /// frame should continue in tier 1 there (on-stack replacement).
    pub(crate) fn jit_osr(&mut self, pc: usize) -> bool {
        let method = self.frames.last().expect("frame").method;
        if matches!(self.jit.slots.get(method.index()), Some(Slot::Refused)) {
            return false;
        }
        let counter = self.methods[method.index()].back_edges.get();
        if self.jit_entry(method, pc as u32, counter).is_none() {
            return false;
        }
        self.jit.osr_pc = Some(pc as u32);
        self.jit.stats.osr_entries += 1;
        self.jit_event(method, JitEventKind::OsrEntry { bci: pc as u32 });
        true
    }

    /// Runs the top frame in tier 1 for as long as the (changing) top frame has code
    /// for its bytecode index; answers when tier 0 must take over or the frame count
    /// dropped to `base_depth`.
    pub(crate) fn jit_dispatch(&mut self, base_depth: usize) -> Result<(), Unwind> {
        if self.methods.len() < self.jit.methods_seen {
            self.jit.forget();
        }
        // The frame tier-1 code last started with in this call (`None`: still in tier 0).
        let mut ran: Option<NativeRun> = None;
        loop {
            if self.frames.len() <= base_depth {
                return Ok(());
            }
            let f = self.frames.last().expect("frame");
            let (method, frame_id) = (f.method, f.id);
            let osr = self.jit.osr_pc.take();
            let pc = osr.unwrap_or(f.pc);
            if self.tier2.enabled && osr.is_none() && self.tier2_dispatch(method, pc)? {
                // Tier 2 ran the frame (or handed it back at a new bytecode index).
                if let Some(run) = ran.take() {
                    if self.frames.len() > base_depth {
                        self.jit_note_exit(run);
                    }
                }
                continue;
            }
            let counter = self.methods[method.index()].invocations.get();
            let Some(target) = self.jit_entry(method, pc, counter) else {
                if let Some(run) = ran {
                    self.jit_note_exit(run);
                }
                let f = self.frames.last_mut().expect("frame");
                f.tier = 0;
                if let Some(pc) = osr {
                    f.pc = pc;
                }
                return Ok(());
            };
            if ran.is_none() && osr.is_none() {
                self.jit_event(method, JitEventKind::Entered { bci: pc });
            }
            let depth = self.frames.len();
            ran = Some(NativeRun {
                method,
                depth,
                frame_id,
            });
            self.frames.last_mut().expect("frame").tier = 1;
            self.run_native(target)?;
        }
    }

    /// Calls JIT code at `target` for the top frame through the entry trampoline.
    fn run_native(&mut self, target: u64) -> Result<(), Unwind> {
        context::reserve_frames(&mut self.frames);
        let trampoline = self.jit.trampoline;
        let vm: *mut Vm = self;
        let mut ctx = JitCtx::new(vm, self.jit.headroom);
        // SAFETY: `vm` is `self`; these are field addresses, valid while the VM lives
        // (JIT code advances the counters and the frame ids through them).
        unsafe {
            ctx.stats = std::ptr::addr_of_mut!((*vm).stats);
            ctx.next_frame_id = std::ptr::addr_of_mut!((*vm).next_frame_id);
        }
        let marker = 0u8;
        let here = std::hint::black_box(&marker) as *const u8 as usize;
        ctx.stack_limit = here.saturating_sub(NATIVE_STACK_BUDGET);
        // The time sampler reads the frame count in `ctx` while it is published (an
        // enclosing run's context is published again afterwards).
        let outer_count = self.jit_frame_count.load(Ordering::Relaxed);
        self.jit_frame_count
            .store(std::ptr::addr_of_mut!(ctx.frames_len), Ordering::Relaxed);
        // SAFETY: `vm` comes from `self`, which is not used until the call returns;
        // all access to the VM goes through `vm` meanwhile (here and in the helpers).
        ctx.sync_out(unsafe { &mut *vm });
        // SAFETY: `trampoline` is the entry trampoline installed in the code cache
        // (an `extern "C" fn(*mut JitCtx, u64) -> u64`), and `target` an entry point
        // of a compiled method of the top frame, assembled for the register
        // convention the trampoline sets up.
        let enter: extern "C" fn(*mut JitCtx, u64) -> u64 =
            unsafe { std::mem::transmute(trampoline as usize) };
        enter(&mut ctx, target);
        ctx.sync_in(self);
        self.jit_frame_count.store(outer_count, Ordering::Relaxed);
        compiler_fence(Ordering::SeqCst);
        match ctx.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Template and slow-path offsets merged into one pc map sorted by native offset.
fn pc_map(templates: &[u32], stubs: &[(u32, u32)]) -> Box<[(u32, u32)]> {
    let mut map: Vec<(u32, u32)> = templates
        .iter()
        .enumerate()
        .map(|(bci, &off)| (off, bci as u32))
        .chain(stubs.iter().copied())
        .collect();
    map.sort_by_key(|&(off, _)| off);
    map.into_boxed_slice()
}

/// `file` made absolute against the current directory (core-library files, which are
/// embedded, keep their `core-lib/` name).
fn absolute(file: &str) -> String {
    let path = std::path::Path::new(file);
    if path.is_absolute() || file.starts_with("core-lib/") {
        return file.to_string();
    }
    std::env::current_dir()
        .map(|d| d.join(path).display().to_string())
        .unwrap_or_else(|_| file.to_string())
}

/// Assembles and installs `code`; the reason (and the assembler's message) when it
/// cannot be compiled.
fn compile(
    jit: &mut Jit,
    code: Rc<Code>,
    sites: &[crate::bytecode::SendSite],
) -> Result<Box<Compiled>, (Refusal, String)> {
    if jit.stats.cache_full {
        return Err((Refusal::CacheFull, String::new()));
    }
    let start = Instant::now();
    let cache = jit.cache()?;
    let ip = cache.next_address();
    let asm = emit::assemble(&code, sites, ip).map_err(|e| (Refusal::Assembler, e.0))?;
    let address = match cache.install(&asm.bytes) {
        Ok(a) => a,
        Err(_) => {
            jit.stats.cache_full = true;
            return Err((Refusal::CacheFull, String::new()));
        }
    };
    jit.headroom = jit.headroom.max(2 * code.bytecodes.len() + 16);
    jit.stats.methods_compiled += 1;
    jit.stats.code_bytes += asm.bytes.len() as u64;
    jit.stats.compile_time += start.elapsed();
    Ok(Box::new(Compiled {
        code,
        address,
        size: asm.bytes.len(),
        entry_bcis: (0..asm.entries.len() as u32)
            .filter(|&b| asm.entries[b as usize] != NO_ENTRY)
            .collect(),
        entries: asm.entries.into_boxed_slice(),
        relocs: asm.relocs.into_boxed_slice(),
        pc_map: pc_map(&asm.bci_offsets, &asm.stub_offsets),
    }))
}
