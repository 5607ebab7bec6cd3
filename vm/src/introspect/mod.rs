//! The introspection API: the only door through which tools see the VM.
//!
//! - [`Machine`] loads a program and runs it: at full speed to the end, or under a
//!   [`Monitor`] that sees every statement boundary (a new source line, a frame entered,
//!   a frame returned to) and may pause there. A paused machine resumes where it stopped.
//! - [`View`] answers queries about the current state: the logical clock, stack frames
//!   (method, bytecode index, file and line, tier, receiver, arguments, locals), objects
//!   (class, named fields, indexed part), classes and their methods, globals.
//! - [`Snapshot`]s checkpoint the complete VM state and restore it (time travel is
//!   checkpoints plus re-execution, keyed by the logical clock).
//! - Every non-deterministic input passes through one place; [`Inputs`] chooses whether
//!   it is taken live, recorded into an [`Input`] log, or replayed from one.
//! - [`Event`]s (GC start and end, output written) reach a monitor at the next boundary.
//! - After a run with the JIT, [`View::jit_events`] lists what tier 1 did (compiles, OSR
//!   entries, tier crossings) and [`View::jit_counters`] counts it per method;
//!   [`View::tier2_methods`] shows each tier-2 method (IR after each pass, deopt points,
//!   machine code) and [`View::tier2_events`] what tier 2 did (compiled, refused,
//!   deoptimized); [`View::tier2_code`] gives one as rows linked through bytecode
//!   indices (IR per pass, machine code, exits with how often they fired).
//!
//! Cost when no one listens: the fast dispatch loop has no hooks at all; monitoring
//! runs a second instance of the same loop compiled with the boundary check.

mod code;
mod eval;
mod jit_log;
mod machine;
mod native;
pub(crate) mod sampling;
mod snapshot;
mod tier2;
mod tier2_code;
mod view;
mod writes;

pub use crate::observe::profile::BytecodeProfile;
pub use code::{BytecodeInfo, CacheState, Edge, EdgeKind, MethodCode, SiteInfo};
pub use jit_log::{JitEvent, JitEventKind, JitEvents, TierCounters};
pub use machine::{Exit, Inputs, Machine, RunState};
pub use native::{runtime_functions, NativeCode, NativeInstruction, PcMapEntry};
pub use sampling::{
    FrameLabel, Meter, Phase, PhaseSpan, Sample, SampledRun, SAMPLE_DEPTH, SAMPLE_INNER,
};
pub use snapshot::Snapshot;
pub use tier2::{DeoptPoint, Tier2Event, Tier2EventKind, Tier2Events, Tier2Method};
pub use tier2_code::{IrPass, IrRow, IrRowKind, Tier2Code, Tier2Exit, Tier2Instruction};
pub use view::{ClassInfo, FrameInfo, MethodCount, MethodInfo, MethodKey, ObjectInfo, Var, View};
pub use writes::WriteLog;

pub use crate::observe::monitor::{Boundary, BoundaryKind, Event, Verdict};
pub use crate::runtime::io::Input;
pub use crate::value::ValueRef;

pub use crate::runtime::vm::Options;

/// A run's figures so far (`Machine::stats`): the logical clock, bytecodes executed,
/// sends by inline-cache state, collections and their pause, the peak heap.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    pub clock: u64,
    pub bytecodes: u64,
    pub sends_monomorphic: u64,
    pub sends_polymorphic: u64,
    pub sends_megamorphic: u64,
    pub gc_count: u64,
    pub gc_pause: std::time::Duration,
    pub peak_heap: usize,
}

use crate::runtime::vm::Vm;

/// The text of a source file as the VM loaded it: a file on disk, or a class of the
/// embedded core library (named `core-lib/Name.som` in frames and backtraces).
pub fn source_text(file: &str) -> Option<String> {
    if let Some(name) = file
        .strip_prefix("core-lib/")
        .and_then(|f| f.strip_suffix(".som"))
    {
        if let Some((_, text)) = crate::runtime::loader::CORE_LIB
            .iter()
            .find(|(n, _)| *n == name)
        {
            return Some(text.to_string());
        }
    }
    std::fs::read_to_string(file).ok()
}

/// Parses a size such as `64M`, `1G`, `512K` or `100000` (as the `som` options do).
pub fn parse_size(s: &str) -> Result<usize, String> {
    crate::driver::cli::parse_size(s)
}

/// A tool's view of a monitored run.
pub trait Monitor {
    /// Called at every statement boundary; `Verdict::Pause` stops the run there.
    fn boundary(&mut self, vm: &View<'_>, at: &Boundary) -> Verdict;
    /// Called (at the next boundary) for each event since the previous one.
    fn event(&mut self, _vm: &View<'_>, _event: &Event) {}
}

/// A tool's `Monitor` as the monitored loop's `Hook`: each call sees a `View` of the VM.
pub(crate) struct MonitorHook<'m>(pub(crate) &'m mut dyn Monitor);

impl crate::observe::monitor::Hook for MonitorHook<'_> {
    fn boundary(&mut self, vm: &mut Vm, at: &Boundary) -> Verdict {
        self.0.boundary(&View { vm }, at)
    }
    fn event(&mut self, vm: &Vm, event: &Event) {
        self.0.event(&View { vm }, event);
    }
}
