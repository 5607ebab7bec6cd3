//! The timeline: every hit of the breakpoints and watchpoints over the whole recording,
//! found stretch by stretch between checkpoints so that a front end can show the next
//! hit at once and fill in the rest in the background. A scan starts with the stretch
//! holding the current position (so the first hit after it comes first), goes on to the
//! end, then wraps to the start; stretches whose summaries rule out a hit cost nothing.
//! Each piece of work puts the machine back where it was.

use super::commands::HitFinder;
use super::scan::Driven;
use super::{Engine, Position, Stop};
use som_vm::introspect::Boundary;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A breakpoint or watchpoint hit on the recording's time axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineHit {
    pub clock: u64,
    pub step: u64,
    pub stop: Stop,
}

/// A timeline being found.
#[derive(Debug, Clone)]
pub struct TimelineScan {
    /// Checkpoint indices still to scan, in order.
    todo: Vec<usize>,
    total: usize,
    /// The step the scan started at: the first hit after it is the next hit.
    from: u64,
    /// Hits found so far, by the checkpoint starting their stretch.
    by_stretch: BTreeMap<usize, Vec<TimelineHit>>,
    /// The first hit after the position the scan started at, once found.
    pub next_hit: Option<TimelineHit>,
    /// Whether every stretch after the starting position has been scanned.
    after_done: bool,
}

impl TimelineScan {
    /// Hits found so far, in recording order.
    pub fn hits(&self) -> impl Iterator<Item = &TimelineHit> {
        self.by_stretch.values().flatten()
    }

    pub fn done(&self) -> bool {
        self.todo.is_empty()
    }

    /// Stretches scanned, of all.
    pub fn progress(&self) -> (usize, usize) {
        (self.total - self.todo.len(), self.total)
    }

    /// Whether the next hit after the starting position is known (found, or none).
    pub fn next_known(&self) -> bool {
        self.next_hit.is_some() || self.after_done
    }
}

impl Engine {
    /// Starts finding the timeline of the current breakpoints and watchpoints.
    pub fn start_timeline(&self) -> TimelineScan {
        let n = self.checkpoints.len();
        let now = self.position.step();
        let here = self
            .checkpoints
            .iter()
            .rposition(|c| c.at.is_none_or(|b| b.step <= now))
            .unwrap_or(0);
        let none = self.breakpoints.is_empty() && self.watches.is_empty();
        let todo = if none {
            Vec::new()
        } else {
            (here..n).chain(0..here).collect()
        };
        TimelineScan {
            total: todo.len(),
            todo,
            from: now,
            by_stretch: BTreeMap::new(),
            next_hit: None,
            after_done: none,
        }
    }

    /// Scans stretches until `budget` has passed (at least one) or the scan is done;
    /// the position and selected frame are kept.
    pub fn timeline_work(&mut self, scan: &mut TimelineScan, budget: Duration) {
        if scan.done() {
            return;
        }
        let started = Instant::now();
        let saved = (self.machine.snapshot(), self.output_base);
        let (position, selected) = (self.position, self.selected);
        while let Some(&idx) = scan.todo.first() {
            scan.todo.remove(0);
            let found = self.scan_stretch(idx);
            if scan.next_hit.is_none() {
                scan.next_hit = found.iter().find(|h| h.step > scan.from).cloned();
            }
            if !found.is_empty() {
                scan.by_stretch.insert(idx, found);
            }
            let wrapped = scan.todo.first().is_none_or(|&next| next < idx);
            if wrapped {
                scan.after_done = true;
            }
            if started.elapsed() >= budget {
                break;
            }
        }
        self.machine.restore(&saved.0);
        self.output_base = saved.1;
        self.position = position;
        self.selected = selected;
    }

    /// The hits of the stretch from checkpoint `idx` to the next: breakpoints at the
    /// boundaries from the checkpoint's on, watched changes at the boundaries after it
    /// up to the next checkpoint's.
    fn scan_stretch(&mut self, idx: usize) -> Vec<TimelineHit> {
        let rel = self.relevance();
        let names = &self.names;
        if !rel(&self.checkpoints[idx].summary, names) {
            return Vec::new();
        }
        let limit = self
            .checkpoints
            .get(idx + 1)
            .and_then(|c| c.at)
            .map_or(u64::MAX, |b| b.step);
        let hits = RefCell::new(HitFinder::new(self));
        let mut out = Vec::new();
        let mut record = |hits: &RefCell<HitFinder>, b: &Boundary| {
            if let Some(stop) = hits.borrow().stop.clone() {
                out.push(TimelineHit {
                    clock: b.clock,
                    step: b.step,
                    stop,
                });
            }
        };
        self.restore_checkpoint(idx);
        if let Some(b) = self.checkpoints[idx].at {
            let view = self.machine.view();
            if hits.borrow_mut().check_parts(&view, &b, true, false)
                && hits.borrow_mut().confirm(&mut self.machine, &b)
            {
                record(&hits, &b);
            }
        }
        loop {
            let driven = self.drive(
                limit,
                &mut |vm, b| hits.borrow_mut().check_parts(vm, b, true, true),
                false,
            );
            let Driven::Stopped(b) = driven else { break };
            if b.step >= limit {
                let view = self.machine.view();
                if hits.borrow_mut().check_parts(&view, &b, false, true)
                    && hits.borrow_mut().confirm(&mut self.machine, &b)
                {
                    record(&hits, &b);
                }
                break;
            }
            if hits.borrow_mut().confirm(&mut self.machine, &b) {
                record(&hits, &b);
            }
        }
        self.position = Position::End { clock: 0, step: 0 };
        out
    }

    /// Every hit of the current breakpoints and watchpoints over the whole recording
    /// (conditions checked). The position is kept.
    pub fn timeline(&mut self) -> Vec<TimelineHit> {
        let mut scan = self.start_timeline();
        while !scan.done() {
            self.timeline_work(&mut scan, Duration::MAX);
        }
        scan.hits().cloned().collect()
    }
}
