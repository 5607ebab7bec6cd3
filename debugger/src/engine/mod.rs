//! The debugging engine: a recording replayed under the VM's monitor, with time travel
//! by checkpoints plus re-execution (like rr). Positions are statement boundaries,
//! named exactly by the bytecodes executed before them (`step`) and shown to users by
//! the logical clock. The first replay runs the whole recording once, checks that it
//! reproduces the recorded output and clock, and leaves checkpoints every `interval`
//! steps within a memory budget; every later move restores the nearest checkpoint and
//! re-executes at most one interval per scanned segment.
//!
//! No terminal code here: the batch mode and the TUI are front ends on this.

mod breakpoints;
mod commands;
mod condition;
mod failure;
mod fine;
mod logpoints;
mod print;
mod reach;
mod scan;
mod summary;
mod timeline;
mod watch;
mod writes;

pub use breakpoints::{Breakpoint, BreakpointKind};
pub use commands::{Reply, Stop, Write};
pub use failure::Failure;
pub use logpoints::LogHit;
pub use print::Printed;
pub use timeline::{TimelineHit, TimelineScan};
pub use watch::{resolve as watch_location, Location, Watch};

use crate::trace::Trace;
use som_vm::introspect::Options;
use som_vm::introspect::{Boundary, Inputs, Machine, MethodKey, Snapshot, View};
use std::collections::HashMap;

/// Default memory budget for checkpoints.
pub const DEFAULT_BUDGET: usize = 512 << 20;
/// Steps between checkpoints to begin with (doubled when the budget is exceeded).
const FIRST_INTERVAL: u64 = 1 << 19;

/// A checkpoint: the VM state at a boundary (or before the first one), and what the
/// run does from there to the next checkpoint.
struct Checkpoint {
    at: Option<Boundary>,
    snapshot: Snapshot,
    summary: summary::Summary,
    /// Bytes of output the program had written by then (the VM's capture buffer only
    /// shrinks on restore, so a later checkpoint's output is taken from the recording).
    output_len: usize,
}

/// Where the replay stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Paused at a statement boundary.
    At(Boundary),
    /// The program has ended (after its last boundary).
    End { clock: u64, step: u64 },
}

impl Position {
    pub fn clock(&self) -> u64 {
        match self {
            Position::At(b) => b.clock,
            Position::End { clock, .. } => *clock,
        }
    }

    pub fn step(&self) -> u64 {
        match self {
            Position::At(b) => b.step,
            Position::End { step, .. } => *step,
        }
    }
}

/// Figures about the first replay and the checkpoints (for notes and the TUI).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayInfo {
    pub first_replay_ms: f64,
    pub checkpoints: usize,
    pub checkpoint_bytes: usize,
    pub interval: u64,
    pub end_clock: u64,
    pub end_step: u64,
    pub boundaries: u64,
}

/// A recording opened for debugging.
pub struct Engine {
    machine: Machine,
    trace: Trace,
    checkpoints: Vec<Checkpoint>,
    interval: u64,
    budget: usize,
    position: Position,
    first: Option<Boundary>,
    end: Position,
    /// The SOM error the run ended in, if any.
    failure: Option<Failure>,
    /// The frame `print`, `watch` and the TUI panes refer to (0 innermost).
    pub selected: usize,
    pub breakpoints: Vec<Breakpoint>,
    pub watches: Vec<Watch>,
    /// Logpoints asked for so far, with their hits (the timeline shows them).
    pub logs: Vec<(Breakpoint, Vec<LogHit>)>,
    last_point_id: usize,
    names: HashMap<MethodKey, MethodNames>,
    info: ReplayInfo,
    /// The program's output length at the last restored checkpoint, and the length of
    /// the VM's capture buffer just after restoring it: what the program has written
    /// by now is `true + (buffer now - buffer then)` bytes of the recorded output.
    output_base: (usize, usize),
    /// The classes, selectors and lines the program can reach.
    reachable: reach::Reachable,
    /// Snapshots between checkpoints near where backward searches ran.
    fine: fine::FineCache,
}

/// Names of a method, cached by key.
#[derive(Debug, Clone)]
pub(crate) struct MethodNames {
    pub class: String,
    pub selector: String,
    pub label: String,
    pub file: String,
}

impl MethodNames {
    pub(crate) fn of(view: &View<'_>, key: MethodKey) -> MethodNames {
        let (class, selector, label, file) = view.method_names(key);
        MethodNames {
            class,
            selector,
            label,
            file,
        }
    }
}

/// Why a recording could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenError(pub String);

impl Engine {
    /// Loads the recorded program, replays it once to the end (verifying output and
    /// clock, taking checkpoints) and stops at its first boundary.
    pub fn open(trace: Trace, budget: usize) -> Result<Engine, OpenError> {
        let options = Options {
            class_path: trace.class_path.clone(),
            ..Options::default()
        };
        let mut machine = Machine::load(
            options,
            &trace.program,
            &trace.args,
            Inputs::Replay(trace.inputs()),
            true,
        )
        .map_err(|e| OpenError(e.error.unwrap_or_else(|| "cannot load the program".into())))?;
        // Breakpoints and steps must see getters and setters too.
        machine.frame_trivial_methods(true);
        let start = Checkpoint {
            at: None,
            snapshot: machine.snapshot(),
            summary: Default::default(),
            output_len: machine.view().output().len(),
        };
        let mut engine = Engine {
            machine,
            trace,
            checkpoints: vec![start],
            interval: FIRST_INTERVAL,
            budget: budget.max(1 << 20),
            position: Position::End { clock: 0, step: 0 },
            first: None,
            end: Position::End { clock: 0, step: 0 },
            failure: None,
            selected: 0,
            breakpoints: Vec::new(),
            watches: Vec::new(),
            logs: Vec::new(),
            last_point_id: 0,
            names: HashMap::new(),
            info: ReplayInfo::default(),
            output_base: (0, 0),
            reachable: Default::default(),
            fine: Default::default(),
        };
        let started = std::time::Instant::now();
        engine.first_replay()?;
        engine.info.first_replay_ms = started.elapsed().as_secs_f64() * 1000.0;
        engine.goto_start();
        Ok(engine)
    }

    /// Forgets the session: breakpoints, watchpoints, logpoints and the fine snapshots go
    /// (the checkpoints of the first replay stay) and the replay is back at its first
    /// boundary, as just after `open` (`som-dbg latency` starts every run from here).
    pub fn reset_session(&mut self) {
        self.breakpoints.clear();
        self.watches.clear();
        self.logs.clear();
        self.last_point_id = 0;
        self.fine = Default::default();
        self.goto_start();
    }

    /// The current position.
    pub fn position(&self) -> Position {
        self.position
    }

    /// The position after the program's last boundary.
    pub fn end(&self) -> Position {
        self.end
    }

    /// The first boundary of the run (`None` for a program that ran no code).
    pub fn first(&self) -> Option<Boundary> {
        self.first
    }

    pub fn info(&self) -> &ReplayInfo {
        &self.info
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Read-only queries at the current position.
    pub fn view(&self) -> View<'_> {
        self.machine.view()
    }

    /// Output the program has written up to the current position.
    pub fn output(&self) -> String {
        let recorded = self.trace.output.as_bytes();
        let len = self.output_len().min(recorded.len());
        String::from_utf8_lossy(&recorded[..len]).into_owned()
    }

    /// Bytes the program has written up to the current position.
    pub(crate) fn output_len(&self) -> usize {
        let (written, buffer) = self.output_base;
        (written + self.machine.view().output().len()).saturating_sub(buffer)
    }

    /// Puts the machine in the state of checkpoint `idx`.
    pub(crate) fn restore_checkpoint(&mut self, idx: usize) {
        let cp = &self.checkpoints[idx];
        self.machine.restore(&cp.snapshot);
        self.output_base = (cp.output_len, self.machine.view().output().len());
    }

    /// Evaluates a SOM expression in the selected frame; the replay is not disturbed.
    pub fn evaluate(&mut self, expr: &str) -> Result<String, String> {
        if matches!(self.position, Position::End { .. }) {
            return Err("the program has ended: no frame to evaluate in".into());
        }
        if let Some(e) = print::unknown_variable(&self.view(), self.selected, expr) {
            return Err(e);
        }
        self.machine.evaluate(self.selected, expr)
    }

    pub(crate) fn names(&mut self, key: MethodKey) -> MethodNames {
        let view = self.machine.view();
        self.names
            .entry(key)
            .or_insert_with(|| MethodNames::of(&view, key))
            .clone()
    }

    /// Memory held by checkpoints.
    fn checkpoint_bytes(&self) -> usize {
        self.checkpoints
            .iter()
            .map(|c| c.snapshot.size_bytes())
            .sum()
    }

    /// Keeps checkpoint memory under the budget: drops every other checkpoint (never
    /// the first; summaries of dropped ones merge into the one before) and doubles the
    /// interval.
    fn enforce_budget(&mut self) {
        while self.checkpoint_bytes() > self.budget && self.checkpoints.len() > 2 {
            let old = std::mem::take(&mut self.checkpoints);
            for (i, cp) in old.into_iter().enumerate() {
                match (i % 2, self.checkpoints.last_mut()) {
                    (1, Some(kept)) => kept.summary.merge(cp.summary),
                    _ => self.checkpoints.push(cp),
                }
            }
            self.interval *= 2;
        }
    }

    /// Runs `query`, which may move the replay anywhere, and puts the replay back where
    /// it was from a snapshot taken first (no re-execution to come back; `last-write`
    /// and `origin` do not move).
    pub(crate) fn without_moving<R>(&mut self, query: impl FnOnce(&mut Engine) -> R) -> R {
        let (position, selected) = (self.position, self.selected);
        let (output_len, saved) = (self.output_len(), self.machine.snapshot());
        let result = query(self);
        self.machine.restore(&saved);
        self.output_base = (output_len, self.machine.view().output().len());
        self.position = position;
        self.selected = selected;
        result
    }

    /// Restores the latest checkpoint at or before `step`; answers its boundary.
    fn restore_before(&mut self, step: u64) -> Option<Boundary> {
        let idx = self
            .checkpoints
            .iter()
            .rposition(|c| c.at.is_none_or(|b| b.step <= step))
            .unwrap_or(0);
        let cp_step = self.checkpoints[idx].at.map_or(0, |b| b.step);
        if let Some(b) = self.restore_fine(cp_step, step) {
            return Some(b);
        }
        self.restore_checkpoint(idx);
        self.checkpoints[idx].at
    }
}
