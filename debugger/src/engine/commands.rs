//! The debugger's commands, forwards and backwards: step, next, finish, continue and
//! their reverse forms, goto a clock, breakpoints and watchpoints, `last-write` (which
//! statement last wrote a location, without moving) and `origin` (where an object was
//! allocated). Each answers where it stopped and why.

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

    /// Which statement last wrote the location `expr` names, before now (no move).
    pub fn last_write(&mut self, expr: &str) -> Result<Reply, String> {
        let location = resolve(&self.view(), self.selected, expr)?;
        let watched = location.clone();
        let rel = move |s: &Summary, _: &Names| watched.may_change(&s.writes);
        let mut detector = ChangeDetector::new(location.clone());
        let reply = self.find_writer(
            &mut |vm, b| detector.changed(vm, b.step),
            Some(&rel),
            "no write to it in the recording",
        )?;
        if self.write_explains_now(&location, &reply) {
            return Ok(reply);
        }
        // A store the VM's write log did not report: search again, skipping nothing.
        let mut detector = ChangeDetector::new(location);
        self.find_writer(
            &mut |vm, b| detector.changed(vm, b.step),
            None,
            "no write to it in the recording",
        )
    }

    /// Where the object `expr` names was allocated (no move).
    pub fn origin(&mut self, expr: &str) -> Result<Reply, String> {
        let object = if expr.trim() == "self" {
            if self.selected >= self.view().depth() {
                return Err("the program has ended: no frame".into());
            }
            self.view().frame(self.selected).receiver
        } else {
            let location = resolve(&self.view(), self.selected, expr)?;
            location.read(&self.view()).ok_or("no value to trace")?
        };
        if !self.view().is_expandable(object) {
            return Err(format!(
                "{} is not an allocated object",
                self.view().describe(object)
            ));
        }
        let class = self.view().class_of(object);
        if let Some(reply) = self.origin_from_allocation_step(object, &class) {
            return Ok(reply);
        }
        let mut prev: Option<(u64, bool)> = None;
        let mut born = |vm: &View<'_>, b: &Boundary| {
            let alive = vm.is_live(object) && vm.class_of(object) == class;
            let result = matches!(prev, Some((s, false)) if s < b.step && alive);
            prev = Some((b.step, alive));
            result
        };
        let rel = move |s: &Summary, _: &Names| s.writes.may_allocate(object);
        self.find_writer(
            &mut born,
            Some(&rel),
            "allocated before the program's first statement",
        )
    }

    /// `origin` from the step the VM noted when it allocated `object` (write tracking
    /// is on in every replay): one run from the nearest snapshot to that step. `None`
    /// when the step is unknown or the run does not show `object` born there.
    fn origin_from_allocation_step(&mut self, object: ValueRef, class: &str) -> Option<Reply> {
        let born_at = self.view().allocation_step(object)?;
        let (here, selected) = (self.position.step(), self.selected);
        let start = self.restore_before(born_at.saturating_sub(1));
        let mut last = start.map(|b| (b, self.view().method_at(0)));
        let mut note = |vm: &View<'_>, b: &Boundary| {
            if b.step < born_at {
                last = Some((*b, vm.method_at(0)));
            }
            false
        };
        let after = match self.drive(born_at, &mut note, false) {
            super::scan::Driven::Stopped(b) => Some(b),
            _ => None,
        };
        let alive = self.view().is_live(object) && self.view().class_of(object) == class;
        let reply = match (last, after) {
            (Some((w, key)), Some(_)) if alive && w.step < born_at => {
                let names = self.names(key);
                Some(Reply {
                    write: Some(Write {
                        clock: w.clock,
                        step: w.step,
                        class: names.class,
                        selector: names.selector,
                        file: names.file,
                        line: w.line,
                    }),
                    ..Reply::default()
                })
            }
            _ => None,
        };
        self.goto_step(here);
        self.selected = selected;
        reply
    }

    /// The statement that made the last change `changed` detects at or before now:
    /// the one running at the boundary just before the change (tracked during the same
    /// scan). The position and selected frame are kept.
    fn find_writer(
        &mut self,
        changed: super::scan::Pred<'_>,
        relevant: Relevant<'_>,
        none: &str,
    ) -> Result<Reply, String> {
        let (here, selected) = (self.position.step(), self.selected);
        let mut last: Option<(Boundary, MethodKey)> = None;
        let mut writer: Option<(Boundary, MethodKey)> = None;
        let mut track = |vm: &View<'_>, b: &Boundary| {
            let before = last.filter(|(p, _)| p.step < b.step);
            last = Some((*b, vm.method_at(0)));
            let hit = changed(vm, b);
            if hit {
                writer = before;
            }
            hit
        };
        // A write by the statement just executed shows as a change at this boundary.
        let found = self.search_back_to(here + 1, &mut track, relevant);
        let reply = match (found, writer) {
            (Some(_), Some((w, key))) => {
                let names = self.names(key);
                Reply {
                    write: Some(Write {
                        clock: w.clock,
                        step: w.step,
                        class: names.class,
                        selector: names.selector,
                        file: names.file,
                        line: w.line,
                    }),
                    ..Reply::default()
                }
            }
            _ => Reply {
                message: Some(none.to_string()),
                ..Reply::default()
            },
        };
        self.goto_step(here);
        self.selected = selected;
        Ok(reply)
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
