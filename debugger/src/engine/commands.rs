//! The debugger's commands, forwards and backwards: step, next, finish, continue and
//! their reverse forms, goto a clock, breakpoints and watchpoints (`last-write` and
//! `origin` are in `writes.rs`). Each answers where it stopped and why.

use super::breakpoints::Matcher;
use super::scan::Relevant;
use super::summary::Summary;
use super::watch::{resolve, ChangeDetector};
use super::MethodNames;
use super::{Breakpoint, Engine, Position, Watch};
use som_vm::introspect::MethodKey;
use som_vm::introspect::{Boundary, BoundaryKind, Machine, ValueRef, View};
use std::cell::RefCell;
use std::collections::HashMap;

type Names = HashMap<MethodKey, MethodNames>;

/// Why a movement stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Step,
    Breakpoint(usize),
    Watchpoint {
        id: usize,
        old: String,
        new: String,
    },
    /// Reached the end of the recording.
    End,
    /// Stopped at the SOM error the run ended in (its last boundary before the error).
    Error {
        message: String,
        backtrace: Vec<String>,
    },
    /// Reached the beginning of the recording (a reverse command found nothing earlier).
    Start,
    Goto,
}

/// A statement that wrote a location or allocated an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub clock: u64,
    pub step: u64,
    pub class: String,
    pub selector: String,
    pub file: String,
    pub line: u32,
}

/// What a command answers beyond the new position.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reply {
    pub stop: Option<Stop>,
    pub value: Option<String>,
    /// A printed object as JSON (see [`super::Printed`]).
    pub object: Option<serde_json::Value>,
    pub write: Option<Write>,
    pub message: Option<String>,
    /// A logpoint's hits over the whole recording.
    pub hits: Option<Vec<super::LogHit>>,
}

impl Reply {
    fn stopped(stop: Stop) -> Reply {
        Reply {
            stop: Some(stop),
            ..Reply::default()
        }
    }
}

/// Where `step` and `next` may stop: a new statement (a line or a frame entered), or
/// a return into a frame below the one the command started in. Coming back into the
/// same frame after a call is the rest of the calling statement, not a new stop.
fn stoppable(b: &Boundary, depth: usize) -> bool {
    b.kind != BoundaryKind::Return || b.depth < depth
}

impl Engine {
    fn depth_now(&self) -> usize {
        match self.position {
            Position::At(b) => b.depth,
            Position::End { .. } => 1,
        }
    }

    fn moved(&mut self, found: Option<Boundary>, forward: bool, stop: Stop) -> Reply {
        match (found, forward) {
            (Some(b), false) => {
                self.goto_step(b.step);
                Reply::stopped(stop)
            }
            (Some(_), true) => Reply::stopped(stop),
            (None, true) => Reply::stopped(Stop::End),
            (None, false) => {
                self.goto_start();
                Reply::stopped(Stop::Start)
            }
        }
    }

    pub fn step(&mut self) -> Reply {
        let depth = self.depth_now();
        let found = self.search_forward(&mut |_, b| stoppable(b, depth), &mut |_, _| true, None);
        self.moved(found, true, Stop::Step)
    }

    pub fn step_over(&mut self) -> Reply {
        let depth = self.depth_now();
        let found = self.search_forward(
            &mut |_, b| b.depth <= depth && stoppable(b, depth),
            &mut |_, _| true,
            None,
        );
        self.moved(found, true, Stop::Step)
    }

    pub fn finish(&mut self) -> Reply {
        let depth = self.depth_now();
        let found = self.search_forward(&mut |_, b| b.depth < depth, &mut |_, _| true, None);
        self.moved(found, true, Stop::Step)
    }

    pub fn reverse_step(&mut self) -> Reply {
        let (now, depth) = (self.position.step(), self.depth_now());
        let found = self.search_back_to(now, &mut |_, b| stoppable(b, depth), None);
        self.moved(found, false, Stop::Step)
    }

    pub fn reverse_next(&mut self) -> Reply {
        let (now, depth) = (self.position.step(), self.depth_now());
        let found = self.search_back_to(
            now,
            &mut |_, b| b.depth <= depth && stoppable(b, depth),
            None,
        );
        self.moved(found, false, Stop::Step)
    }

    pub fn reverse_finish(&mut self) -> Reply {
        let (now, depth) = (self.position.step(), self.depth_now());
        // The boundary sought is the caller's (the frame below) last one before this
        // activation began: only stretches where the caller ran can hold it.
        let caller = match self.position {
            Position::At(_) if depth >= 2 => Some(self.view().frame(1).id),
            _ => None,
        };
        let rel = move |s: &Summary, _: &Names| {
            caller.is_none_or(|id| s.writes.may_run_frame(id, depth - 1))
        };
        let found = self.search_back_to(now, &mut |_, b| b.depth < depth, Some(&rel));
        self.moved(found, false, Stop::Step)
    }

    /// Runs to the next breakpoint or watchpoint hit (or the end).
    pub fn cont(&mut self) -> Reply {
        let start = match self.position {
            Position::At(b) => b.step,
            Position::End { .. } => u64::MAX,
        };
        let hits = RefCell::new(HitFinder::new(self));
        if let Position::At(b) = self.position {
            hits.borrow_mut().seed(&self.view(), b.step);
        }
        let rel = self.relevance();
        let relevant: Relevant<'_> = Some(&rel);
        let found = self.search_forward(
            &mut |vm, b| hits.borrow_mut().check(vm, b),
            &mut |m, b| hits.borrow_mut().confirm(m, b),
            relevant,
        );
        let stop = hits.borrow().stop.clone().unwrap_or(Stop::End);
        match (found, self.failure.clone()) {
            (None, Some(f)) if start < f.at.step => {
                self.goto_step(f.at.step);
                Reply::stopped(Stop::Error {
                    message: f.message,
                    backtrace: f.backtrace,
                })
            }
            _ => self.moved(found, true, stop),
        }
    }

    /// Runs backwards to the previous breakpoint or watchpoint hit (or the start).
    pub fn reverse_continue(&mut self) -> Reply {
        let now = self.position.step();
        let hits = RefCell::new(HitFinder::new(self));
        let rel = self.relevance();
        let relevant: Relevant<'_> = Some(&rel);
        let found = self.search_backward(
            now,
            &mut |vm, b| hits.borrow_mut().check(vm, b),
            &mut |m, b| hits.borrow_mut().confirm(m, b),
            relevant,
        );
        let stop = hits.borrow().last_confirmed.clone().unwrap_or(Stop::Start);
        self.moved(found, false, stop)
    }

    /// Goes to the first boundary at or after logical clock `clock`.
    pub fn goto_clock(&mut self, clock: u64) -> Reply {
        if clock > self.end.clock() {
            self.goto_step(u64::MAX);
            return Reply::stopped(Stop::End);
        }
        self.goto_start();
        let found = self.search_forward_from_checkpoint(clock);
        let mut reply = self.moved(found, true, Stop::Goto);
        if let Some(b) = found.filter(|b| b.clock != clock) {
            // The clock counts sends and loop iterations: most clocks fall inside a
            // statement, and no boundary has them.
            reply.message = Some(format!(
                "no statement starts at clock {clock}; stopped at the next one, clock {}",
                b.clock
            ));
        }
        reply
    }

    fn search_forward_from_checkpoint(&mut self, clock: u64) -> Option<Boundary> {
        if let Position::At(b) = self.position {
            if b.clock >= clock {
                return Some(b);
            }
        }
        let idx = self
            .checkpoints
            .iter()
            .rposition(|c| c.at.is_some_and(|b| b.clock < clock));
        if let Some(i) = idx {
            self.restore_checkpoint(i);
            self.position = Position::At(self.checkpoints[i].at.expect("a boundary"));
        }
        self.search_forward(&mut |_, b| b.clock >= clock, &mut |_, _| true, None)
    }

    pub fn add_breakpoint(&mut self, spec: &str) -> Result<Reply, String> {
        let (mut bp, moved_from) = self.reachable.check(Breakpoint::parse(0, spec)?)?;
        let id = self.next_id();
        bp.id = id;
        let mut message = format!("breakpoint {id} at {}", bp.describe());
        if let Some(line) = moved_from {
            message.push_str(&format!(
                " (line {line} has no code; moved to the next line with code)"
            ));
        }
        self.breakpoints.push(bp);
        Ok(Reply {
            message: Some(message),
            ..Reply::default()
        })
    }

    pub fn add_watch(&mut self, expr: &str) -> Result<Reply, String> {
        let location = resolve(&self.view(), self.selected, expr)?;
        let id = self.next_id();
        let current = location.read(&self.view()).map(|v| self.view().describe(v));
        let message = format!(
            "watchpoint {id}: {} = {}",
            location.describe(&self.view()),
            current.as_deref().unwrap_or("(not live)")
        );
        self.watches.push(Watch {
            id,
            expr: expr.to_string(),
            location,
        });
        Ok(Reply {
            message: Some(message),
            value: current,
            ..Reply::default()
        })
    }

    pub fn delete(&mut self, id: usize) -> Result<Reply, String> {
        let before = self.breakpoints.len() + self.watches.len();
        self.breakpoints.retain(|b| b.id != id);
        self.watches.retain(|w| w.id != id);
        if before == self.breakpoints.len() + self.watches.len() {
            return Err(format!("no breakpoint or watchpoint {id}"));
        }
        Ok(Reply {
            message: Some(format!("deleted {id}")),
            ..Reply::default()
        })
    }

    /// Which stretches of the run may hold a breakpoint hit or a watched change.
    pub(super) fn relevance(&self) -> impl Fn(&Summary, &Names) -> bool + 'static {
        let bps = self.breakpoints.clone();
        let watched: Vec<_> = self.watches.iter().map(|w| w.location.clone()).collect();
        move |s: &Summary, n: &Names| {
            s.may_hit(&bps, n) || watched.iter().any(|l| l.may_change(&s.writes))
        }
    }

    /// Breakpoint and watchpoint numbers are never reused.
    fn next_id(&mut self) -> usize {
        let max_bp = self.breakpoints.iter().map(|b| b.id).max().unwrap_or(0);
        let max_w = self.watches.iter().map(|w| w.id).max().unwrap_or(0);
        self.last_point_id = self.last_point_id.max(max_bp).max(max_w) + 1;
        self.last_point_id
    }
}

/// Finds breakpoint hits and watchpoint changes at boundaries.
pub(super) struct HitFinder {
    matcher: Matcher,
    detectors: Vec<(usize, ChangeDetector, Option<ValueRef>)>,
    candidates: Vec<Stop>,
    pub(super) stop: Option<Stop>,
    last_confirmed: Option<Stop>,
}

impl HitFinder {
    pub(super) fn new(engine: &Engine) -> HitFinder {
        HitFinder {
            matcher: Matcher::new(engine.breakpoints.clone()),
            detectors: engine
                .watches
                .iter()
                .map(|w| (w.id, ChangeDetector::new(w.location.clone()), None))
                .collect(),
            candidates: Vec::new(),
            stop: None,
            last_confirmed: None,
        }
    }

    pub(super) fn seed(&mut self, vm: &View<'_>, step: u64) {
        for (_, d, last) in &mut self.detectors {
            let v = d.location.read(vm);
            d.seed(step, v);
            *last = v;
        }
    }

    fn check(&mut self, vm: &View<'_>, b: &Boundary) -> bool {
        self.check_parts(vm, b, true, true)
    }

    /// `check` limited to breakpoints or to watchpoints (the timeline scans stretches
    /// between checkpoints: a checkpoint's boundary is the first of one stretch for
    /// breakpoints and, for watched values, the end of the stretch that wrote them).
    pub(super) fn check_parts(
        &mut self,
        vm: &View<'_>,
        b: &Boundary,
        breakpoints: bool,
        watches: bool,
    ) -> bool {
        self.candidates.clear();
        if breakpoints {
            for id in self.matcher.hits(vm, b) {
                self.candidates.push(Stop::Breakpoint(id));
            }
        }
        for (id, d, last) in &mut self.detectors {
            if !watches {
                let v = d.location.read(vm);
                d.seed(b.step, v);
                *last = v;
                continue;
            }
            let before = *last;
            let now = d.location.read(vm);
            if d.changed(vm, b.step) {
                let show =
                    |v: Option<ValueRef>| v.map_or("(not live)".to_string(), |v| vm.describe(v));
                self.candidates.push(Stop::Watchpoint {
                    id: *id,
                    old: show(before),
                    new: show(now),
                });
            }
            *last = now;
        }
        !self.candidates.is_empty()
    }

    pub(super) fn confirm(&mut self, machine: &mut Machine, _: &Boundary) -> bool {
        for c in self.candidates.clone() {
            let ok = match &c {
                Stop::Breakpoint(id) => {
                    let cond = self
                        .matcher
                        .breakpoints
                        .iter()
                        .find(|b| b.id == *id)
                        .and_then(|b| b.condition.clone());
                    match cond {
                        Some(expr) => super::condition::holds(machine, &expr),
                        None => true,
                    }
                }
                _ => true,
            };
            if ok {
                self.stop = Some(c.clone());
                self.last_confirmed = Some(c);
                return true;
            }
        }
        false
    }
}
