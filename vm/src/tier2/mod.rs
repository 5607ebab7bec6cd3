//! Tier 2, the optimizing JIT: a hot method's bytecode plus the type feedback its send
//! sites hold becomes som-ir (`build.rs`, `ops.rs`), which `som_ir::optimize` runs its
//! pass pipeline over and som-ir's Cranelift backend lowers to bytes, helper
//! relocations and a deopt table; the bytes go into tier 1's W^X code cache (so perf,
//! jitdump and gdb see them as they see tier-1 code). `run.rs` enters the code and
//! `deopt/` handles its exits.
//!
//! The contract it keeps:
//! - Every guard carries a frame state (method, bytecode index, each slot and stack
//!   value); a failing guard leaves through a cold block and `deopt/` writes the tier-0
//!   frame back and resumes the interpreter at that bytecode.
//! - Every value the frame state names is on the VM stack whenever SOM code or the
//!   GC may run (the collector does not move objects, so the registers stay valid),
//!   and errors, `doesNotUnderstand:` and backtraces are tier 0's; anything outside
//!   the subset leaves the code with the frame written back.
//! - The logical clock, the bytecode count and each method's back-edge count advance
//!   exactly as in tier 0: the code carries what it has not stored yet in integer SSA
//!   values through its blocks (each block adds its totals before it jumps), stores
//!   them at returns and before performs (where the runtime reads them), and an exit's
//!   frame state carries them for `deopt/` to add.
//! - Fields of the receiver are read and written in machine code through
//!   `object::layout` (no offsets are hard-coded here), other object access through
//!   runtime helpers over `runtime::semantics`.
//! - A send (or `at:`, `/`, ...) writes the frame back and calls `run::perform`, which
//!   performs it with tier 0's code and runs the frame it pushed to its return (a
//!   nested dispatch, bounded in machine stack); the code goes on with the result.
//!
//! Policy: a method tiers up when its invocation or back-edge count reaches
//! `--tier2-threshold` (a method without a loop only with `--tier2-sends` or a
//! threshold of 0: otherwise tier 1 runs it as fast and calls it natively); a bytecode whose speculation failed `DEOPT_LIMIT` times is
//! recompiled without it, and a method recompiled `MAX_RECOMPILES` times stays in
//! tier 1.

mod access;
mod build;
mod compile;
mod ops;
mod run;

pub(crate) use build::{exit_kind, STATE_EXTRA};
pub(crate) use compile::Compiled;
pub(crate) use ops::resumes_after;
pub(crate) use run::Resume;

use crate::object::heap::MethodId;
use crate::runtime::vm::{Options, Vm};
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Invocations or back-edges before a method tiers up to tier 2 (`--tier2-threshold`;
/// 0 with `--jit-threshold 0`).
pub(crate) const DEFAULT_THRESHOLD: u32 = 10_000;
/// Deopts at one bytecode before it is compiled without its speculation.
pub(crate) const DEOPT_LIMIT: u32 = 3;
/// Words in the deopt buffer (allocated once: running code holds its address); a
/// method whose exits need more is refused as too large.
pub(crate) const BUFFER_WORDS: usize = 4096;
/// Recompilations after which a method stays in tier 1.
pub(crate) const MAX_RECOMPILES: u32 = 4;

/// Ids of the runtime helpers tier-2 code calls (after som-ir's own five).
pub(crate) mod helper {
    pub const FIELD_GET: u32 = 5;
    pub const FIELD_SET: u32 = 6;
    pub const GLOBAL: u32 = 7;
    /// Performs a send (or another bytecode that may run SOM code) in place.
    pub const PERFORM: u32 = 8;
}

/// What compiled code reads while it runs one frame (its first argument and the
/// context runtime helpers get). `repr(C)`: the code loads fields at their offsets.
#[repr(C)]
pub(crate) struct Env {
    pub vm: *mut Vm,
    /// Slot 0 of the frame on the VM stack.
    pub slots: *mut Value,
    pub self_value: Value,
    pub literals: *const Value,
    /// Clock, bytecodes, back-edges and `--deopt-stress` budgets (`build::counter`).
    pub counters: *mut u64,
    /// Non-zero while the heap is exhausted.
    pub oom: u64,
    /// Set by a runtime helper that could not do its work (the code then leaves).
    pub failed: u64,
    /// som-ir's "leave after this call" word (tier-2 code makes no calls that set it).
    pub invalidated: u64,
    /// The heap's object table (`object::layout` offsets are from an entry's start).
    pub objects: *const u8,
    /// The class word `At`/`AtPut` read in place (`native::context::array_class`).
    pub array_class: u64,
}

/// Why a method is not compiled in tier 2 (it runs in tier 1 or 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotBytecode,
    TooLarge,
    /// A bytecode or feature outside the supported subset.
    Unsupported(String),
    /// som-ir or Cranelift rejected the function (a bug: logged with its message).
    Backend(String),
    CacheFull,
    KeepsDeoptimizing,
}

impl Refusal {
    /// The reasons as `--stats` groups them (key, label).
    pub(crate) const KINDS: [(&'static str, &'static str); 6] = [
        ("not_bytecode", "not a bytecode method"),
        ("too_large", "too large"),
        ("unsupported", "outside the supported subset"),
        ("backend", "backend error"),
        ("cache_full", "code cache full"),
        ("keeps_deoptimizing", "keeps deoptimizing"),
    ];

    pub(crate) fn kind(&self) -> usize {
        match self {
            Refusal::NotBytecode => 0,
            Refusal::TooLarge => 1,
            Refusal::Unsupported(_) => 2,
            Refusal::Backend(_) => 3,
            Refusal::CacheFull => 4,
            Refusal::KeepsDeoptimizing => 5,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Refusal::Unsupported(what) => format!("unsupported: {what}"),
            Refusal::Backend(e) => format!("backend: {e}"),
            other => Refusal::KINDS[other.kind()].1.to_string(),
        }
    }
}

/// Tier-2 figures for `--stats`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tier2Stats {
    pub methods_compiled: u64,
    pub methods_refused: u64,
    pub refused_by: [u64; 6],
    pub recompiles: u64,
    pub deopts: u64,
    pub code_bytes: u64,
    pub compile_time: Duration,
}

/// Events kept in `Tier2::log` (later ones are counted in `Tier2::dropped`).
pub(crate) const LOG_LIMIT: usize = 65_536;

/// What tier 2 did, for tools, at a logical-clock time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tier2Event {
    pub clock: u64,
    pub kind: Tier2EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tier2EventKind {
    Compiled {
        method: MethodId,
        code_bytes: u32,
    },
    Refused {
        method: MethodId,
        reason: String,
    },
    Deoptimized {
        method: MethodId,
        bci: u32,
        reason: String,
    },
}

pub(crate) enum Slot {
    Untried,
    /// Shared with the activations running it (a recompilation must not free it).
    Compiled(std::rc::Rc<Compiled>),
    Refused,
}

/// The tier-2 state of one VM.
pub(crate) struct Tier2 {
    pub enabled: bool,
    pub threshold: u32,
    pub stress_seed: Option<u64>,
    /// `--tier2-sends`: methods that call out are compiled too.
    pub sends: bool,
    pub slots: Vec<Slot>,
    /// Per method: bytecodes compiled without speculation.
    pub no_speculation: HashMap<MethodId, HashSet<u32>>,
    pub deopt_counts: HashMap<(MethodId, u32), u32>,
    pub recompiles: HashMap<MethodId, u32>,
    /// The frame (id) and bytecode index an exit just handed to the lower tiers.
    pub handed_over: Option<(u64, u32)>,
    /// The method table's length when code was last compiled (see `Jit::forget`).
    pub methods_seen: usize,
    /// The deopt buffer (`BUFFER_WORDS`, allocated at the first compilation).
    pub buffer: Vec<u64>,
    pub backend: Option<som_ir::lower::Backend>,
    pub stats: Tier2Stats,
    pub refusals: Vec<(MethodId, String)>,
    pub log: Vec<Tier2Event>,
    pub dropped: u64,
    /// Set by `run::perform` when it performed its bytecode but the code cannot go on
    /// (the frame was left, or an error is in `pending_error`).
    pub left_after_perform: bool,
    pub pending_error: Option<crate::runtime::error::Unwind>,
    /// Machine-stack address of the outermost tier-2 activation and how many
    /// `perform`s run nested in it (their depth is bounded by `run::NESTING_BYTES`).
    pub stack_base: usize,
    pub nesting: u32,
    /// Scratch for the exit path (the frame's values).
    pub scratch: Vec<Value>,
}

impl Tier2 {
    pub(crate) fn new(options: &Options) -> Tier2 {
        Tier2 {
            enabled: options.max_tier >= 2 && cfg!(all(target_arch = "x86_64", unix)),
            threshold: options
                .tier2_threshold
                .unwrap_or(if options.jit_threshold == 0 {
                    0
                } else {
                    DEFAULT_THRESHOLD
                }),
            stress_seed: options.deopt_stress,
            sends: options.tier2_sends,
            slots: Vec::new(),
            no_speculation: HashMap::new(),
            deopt_counts: HashMap::new(),
            recompiles: HashMap::new(),
            handed_over: None,
            methods_seen: 0,
            buffer: Vec::new(),
            backend: None,
            stats: Tier2Stats::default(),
            refusals: Vec::new(),
            log: Vec::new(),
            dropped: 0,
            left_after_perform: false,
            pending_error: None,
            stack_base: 0,
            nesting: 0,
            scratch: Vec::new(),
        }
    }

    /// The tier-2 code of `method`.
    pub(crate) fn compiled(&self, method: MethodId) -> Option<&Compiled> {
        match self.slots.get(method.index()) {
            Some(Slot::Compiled(c)) => Some(c.as_ref()),
            _ => None,
        }
    }

    /// Methods with tier-2 code.
    pub(crate) fn compiled_methods(&self) -> impl Iterator<Item = MethodId> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, Slot::Compiled(_)))
            .map(|(i, _)| MethodId::new(i))
    }

    pub(crate) fn event(&mut self, clock: u64, kind: Tier2EventKind) {
        if self.log.len() < LOG_LIMIT {
            self.log.push(Tier2Event { clock, kind });
        } else {
            self.dropped += 1;
        }
    }

    /// Forgets all code (the method table was replaced by an older one).
    fn forget(&mut self) {
        self.slots.clear();
        self.no_speculation.clear();
        self.deopt_counts.clear();
        self.recompiles.clear();
        self.methods_seen = 0;
    }
}

impl Vm {
    /// Counts a deopt at `bci` of `method` and applies the policy: too many at one
    /// bytecode recompile the method without that speculation; too many
    /// recompilations keep it in tier 1.
    pub(crate) fn tier2_note_deopt(
        &mut self,
        method: MethodId,
        bci: u32,
        reason: String,
        held: bool,
    ) {
        let t = &mut self.tier2;
        t.stats.deopts += 1;
        let clock = self.stats.clock;
        t.event(
            clock,
            Tier2EventKind::Deoptimized {
                method,
                bci,
                reason,
            },
        );
        if !held {
            return;
        }
        let n = t.deopt_counts.entry((method, bci)).or_insert(0);
        *n += 1;
        if *n < DEOPT_LIMIT {
            return;
        }
        t.deopt_counts.remove(&(method, bci));
        t.no_speculation.entry(method).or_default().insert(bci);
        let r = t.recompiles.entry(method).or_insert(0);
        *r += 1;
        let m = method.index();
        if *r >= MAX_RECOMPILES {
            self.tier2_refuse(method, Refusal::KeepsDeoptimizing);
        } else if m < t.slots.len() {
            t.slots[m] = Slot::Untried;
            t.stats.recompiles += 1;
        }
    }

    /// Records that `method` stays out of tier 2.
    pub(crate) fn tier2_refuse(&mut self, method: MethodId, why: Refusal) {
        let t = &mut self.tier2;
        let m = method.index();
        if t.slots.len() <= m {
            t.slots.resize_with(m + 1, || Slot::Untried);
        }
        t.stats.methods_refused += 1;
        t.stats.refused_by[why.kind()] += 1;
        let reason = why.describe();
        t.refusals.push((method, reason.clone()));
        let clock = self.stats.clock;
        t.event(clock, Tier2EventKind::Refused { method, reason });
        t.slots[m] = Slot::Refused;
    }
}
