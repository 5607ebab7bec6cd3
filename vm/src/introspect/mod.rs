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
//!   entries, tier crossings) and [`View::jit_counters`] counts it per method.
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
mod view;
mod writes;

pub use code::{BytecodeInfo, BytecodeProfile, CacheState, Edge, EdgeKind, MethodCode, SiteInfo};
pub use jit_log::{JitEvent, JitEventKind, JitEvents, TierCounters};
pub use machine::{Exit, Inputs, Machine, RunState};
pub use native::{NativeCode, NativeInstruction, PcMapEntry};
pub use sampling::{FrameLabel, Meter, Phase, Sample, SampledRun, SAMPLE_DEPTH};
pub use snapshot::Snapshot;
pub use view::{ClassInfo, FrameInfo, MethodInfo, MethodKey, ObjectInfo, Var, View};
pub use writes::WriteLog;

pub use crate::vm::{Options, Stats};

use crate::vm::Vm;

/// The text of a source file as the VM loaded it: a file on disk, or a class of the
/// embedded core library (named `core-lib/Name.som` in frames and backtraces).
pub fn source_text(file: &str) -> Option<String> {
    if let Some(name) = file
        .strip_prefix("core-lib/")
        .and_then(|f| f.strip_suffix(".som"))
    {
        if let Some((_, text)) = crate::loader::CORE_LIB.iter().find(|(n, _)| *n == name) {
            return Some(text.to_string());
        }
    }
    std::fs::read_to_string(file).ok()
}

/// Parses a size such as `64M`, `1G`, `512K` or `100000` (as the `som` options do).
pub fn parse_size(s: &str) -> Result<usize, String> {
    crate::cli::parse_size(s)
}

/// One non-deterministic input, as recorded and replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `System>>time`: milliseconds since start.
    Time(i64),
    /// `System>>ticks`: microseconds since start.
    Ticks(i64),
    /// The raw 64-bit draw behind `atRandom` and friends.
    Random(u64),
    /// `System>>loadFile:`: the file's text, or `None` when it could not be read.
    File(Option<String>),
}

impl Input {
    /// A short name for the kind of input (used in divergence messages and logs).
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Time(_) => "time",
            Input::Ticks(_) => "ticks",
            Input::Random(_) => "random",
            Input::File(_) => "file",
        }
    }
}

/// A SOM value as a tool holds it: an opaque handle, meaningful for the VM state it was
/// read from (after a restore, the same handle names the object at the same position
/// in the same replay, because execution is deterministic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueRef(pub(crate) u64);

impl ValueRef {
    /// The raw word (for keys and display; not for arithmetic).
    pub fn raw(self) -> u64 {
        self.0
    }

    pub(crate) fn of(v: crate::value::Value) -> ValueRef {
        ValueRef(v.0)
    }

    pub(crate) fn value(self) -> crate::value::Value {
        crate::value::Value(self.0)
    }
}

/// What kind of statement boundary the VM reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundaryKind {
    /// A new source line in the same activation, or a new iteration of a loop.
    Line,
    /// The first bytecode of a newly entered activation (method or block).
    Enter,
    /// Back in an activation after one or more inner activations returned.
    Return,
}

/// Where the VM is at a boundary: cheap facts, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boundary {
    pub kind: BoundaryKind,
    /// The logical clock (sends plus loop back-edges so far).
    pub clock: u64,
    /// Bytecodes executed so far: strictly increasing, so it names a boundary exactly.
    pub step: u64,
    /// Number of activations on the stack.
    pub depth: usize,
    /// The innermost activation's unique id.
    pub frame_id: u64,
    pub line: u32,
    /// Index of the bytecode about to execute.
    pub bci: u32,
}

/// A monitor's answer at a boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    Pause,
}

/// Things that happen between boundaries.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    GcStart {
        clock: u64,
    },
    GcEnd {
        clock: u64,
        live_bytes: usize,
    },
    /// Text the program wrote (stdout or stderr).
    Output {
        clock: u64,
        text: String,
    },
}

/// A tool's view of a monitored run.
pub trait Monitor {
    /// Called at every statement boundary; `Verdict::Pause` stops the run there.
    fn boundary(&mut self, vm: &View<'_>, at: &Boundary) -> Verdict;
    /// Called (at the next boundary) for each event since the previous one.
    fn event(&mut self, _vm: &View<'_>, _event: &Event) {}
}

/// The monitor of unmonitored runs (never called: the fast loop has no boundary check).
pub(crate) struct NoMonitor;

impl Monitor for NoMonitor {
    fn boundary(&mut self, _: &View<'_>, _: &Boundary) -> Verdict {
        Verdict::Continue
    }
}

/// The last boundary the monitored loop reported (part of the VM state, so a restored
/// checkpoint resumes without reporting its boundary twice).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cursor {
    pub line: u32,
    pub depth: usize,
    pub frame_id: u64,
    /// The bytecode index last executed in the monitored loop (a jump backwards, a
    /// new loop iteration, is a boundary even on the same line).
    pub bci: u32,
}

impl Vm {
    /// The monitored loop found a boundary: deliver pending events, then ask the
    /// monitor. Answers whether to pause.
    #[inline(never)]
    pub(crate) fn boundary(&mut self, line: u32, monitor: &mut dyn Monitor) -> bool {
        let top = self.frames.last().expect("a frame");
        let depth = self.frames.len();
        let kind = if depth > self.cursor.depth {
            BoundaryKind::Enter
        } else if depth < self.cursor.depth {
            BoundaryKind::Return
        } else if top.id != self.cursor.frame_id {
            BoundaryKind::Enter
        } else {
            BoundaryKind::Line
        };
        let at = Boundary {
            kind,
            clock: self.stats.clock,
            step: self.stats.bytecodes,
            depth,
            frame_id: top.id,
            line,
            bci: top.pc,
        };
        self.cursor = Cursor {
            line,
            depth,
            frame_id: top.id,
            bci: top.pc,
        };
        self.log_frame(at.frame_id, at.depth);
        if let Some(events) = self.events.as_mut() {
            let pending = std::mem::take(events);
            let view = View { vm: self };
            for e in &pending {
                monitor.event(&view, e);
            }
        }
        monitor.boundary(&View { vm: self }, &at) == Verdict::Pause
    }

    /// Program output (stdout), seen by monitors as an event.
    pub(crate) fn write_output(&mut self, text: &str) {
        self.output.print(text);
        self.note_event(|clock| Event::Output {
            clock,
            text: text.to_string(),
        });
    }

    /// Program output on stderr, seen by monitors as an event.
    pub(crate) fn write_error(&mut self, text: &str) {
        self.output.error_print(text);
        self.note_event(|clock| Event::Output {
            clock,
            text: text.to_string(),
        });
    }

    /// Records an event when a monitor listens.
    pub(crate) fn note_event(&mut self, make: impl FnOnce(u64) -> Event) {
        if let Some(events) = self.events.as_mut() {
            events.push(make(self.stats.clock));
        }
    }
}
