//! The monitored loop's side of monitoring: what a statement boundary is, the events
//! that happen between boundaries, the cursor (the last boundary reported, part of the
//! VM state), and the `Hook` the loop calls. The introspection API adapts a tool's
//! `Monitor` to a `Hook`; nothing here knows the API.

use crate::runtime::vm::Vm;

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

/// What the monitored dispatch loop calls: at every statement boundary, and for each
/// event since the previous one (delivered at the next boundary).
pub(crate) trait Hook {
    fn boundary(&mut self, vm: &mut Vm, at: &Boundary) -> Verdict;
    fn event(&mut self, vm: &Vm, event: &Event);
}

/// The hook of unmonitored runs (never called: the fast loop has no boundary check).
pub(crate) struct NoHook;

impl Hook for NoHook {
    fn boundary(&mut self, _: &mut Vm, _: &Boundary) -> Verdict {
        Verdict::Continue
    }
    fn event(&mut self, _: &Vm, _: &Event) {}
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
    /// hook. Answers whether to pause.
    #[inline(never)]
    pub(crate) fn boundary(&mut self, line: u32, hook: &mut dyn Hook) -> bool {
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
            for e in &pending {
                hook.event(self, e);
            }
        }
        hook.boundary(self, &at) == Verdict::Pause
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
