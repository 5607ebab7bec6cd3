//! Moving through the recording: the monitor that drives the VM (stop at a step, at a
//! predicate, at checkpoint time, at a divergence), the first replay, going to a step,
//! and the two searches every command is built from: the first matching boundary after
//! now, and the last matching boundary before now (segment by segment backwards from
//! the nearest checkpoint).

use super::summary::{Summary, SUB_STRETCHES};
use super::{Checkpoint, Engine, MethodNames, OpenError, Position};
use som_vm::introspect::{Boundary, Event, Exit, Machine, Monitor, RunState, Verdict, View};
use som_vm::introspect::{MethodKey, WriteLog};
use std::collections::HashMap;

/// A cheap test run inside the monitor at every boundary.
pub(crate) type Pred<'a> = &'a mut dyn FnMut(&View<'_>, &Boundary) -> bool;
/// A confirmation run while paused at a candidate (breakpoint conditions).
pub(crate) type Confirm<'a> = &'a mut dyn FnMut(&mut Machine, &Boundary) -> bool;
/// Whether a stretch between checkpoints may hold a match (`None`: any may).
pub(crate) type Relevant<'a> =
    Option<&'a dyn Fn(&Summary, &HashMap<MethodKey, MethodNames>) -> bool>;

/// Whether a sub-stretch's write log may hold the write a search looks for (`None`:
/// the search is not for a write).
pub(crate) type MayWrite<'a> = Option<&'a dyn Fn(&WriteLog) -> bool>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Limit,
    Pred,
    Checkpoint,
    Diverged,
}

struct Runner<'a, 'p> {
    stop_at: u64,
    pred: &'a mut Pred<'p>,
    next_checkpoint: u64,
    expected: Option<&'a [u8]>,
    /// How far the recorded output is ahead of the VM's capture buffer.
    output_shift: isize,
    /// The recorded final clock: a replay past it has diverged (an endless loop).
    end_clock: u64,
    diverged: Option<(u64, String)>,
    first: Option<Boundary>,
    last: Option<Boundary>,
    count: u64,
    reason: Option<Reason>,
    /// The first replay summarizes every stretch between checkpoints.
    summary: Option<(&'a mut Summary, &'a mut HashMap<MethodKey, MethodNames>)>,
}

impl Monitor for Runner<'_, '_> {
    fn boundary(&mut self, vm: &View<'_>, at: &Boundary) -> Verdict {
        if let Some((summary, names)) = self.summary.as_mut() {
            summary.note(vm, at, names);
        }
        self.first.get_or_insert(*at);
        self.last = Some(*at);
        self.count += 1;
        if let (None, Some(why)) = (&self.diverged, vm.divergence()) {
            self.diverged = Some((at.clock, why.to_string()));
        }
        if self.diverged.is_none() && at.clock > self.end_clock {
            self.diverged = Some((
                at.clock,
                format!(
                    "the run went on past the recorded end (clock {})",
                    self.end_clock
                ),
            ));
        }
        self.reason = if self.diverged.is_some() {
            Some(Reason::Diverged)
        } else if at.step >= self.stop_at {
            Some(Reason::Limit)
        } else if (self.pred)(vm, at) {
            Some(Reason::Pred)
        } else if at.step >= self.next_checkpoint {
            Some(Reason::Checkpoint)
        } else {
            None
        };
        match self.reason {
            Some(_) => Verdict::Pause,
            None => Verdict::Continue,
        }
    }

    fn event(&mut self, vm: &View<'_>, event: &Event) {
        let (Some(expected), Event::Output { clock, text }) = (self.expected, event) else {
            return;
        };
        let end = (vm.output().len() as isize + self.output_shift).max(0) as usize;
        let start = end.saturating_sub(text.len());
        if self.diverged.is_none() && expected.get(start..end) != Some(text.as_bytes()) {
            self.diverged = Some((
                *clock,
                format!("the program wrote {text:?}, the recording has other output"),
            ));
        }
    }
}

/// How a drive ended.
pub(crate) enum Driven {
    Stopped(Boundary),
    Ended(Exit),
    Diverged(u64, String),
}

impl Engine {
    /// Runs from the current state until a boundary with `step >= stop_at`, a boundary
    /// where `pred` holds, a divergence, or the end; takes checkpoints on the way when
    /// `checkpointing`.
    pub(super) fn drive(&mut self, stop_at: u64, pred: Pred<'_>, checkpointing: bool) -> Driven {
        self.drive_noting(stop_at, pred, checkpointing, &mut None)
    }

    /// `drive`, also noting the last boundary reached in `last_seen`.
    fn drive_noting(
        &mut self,
        stop_at: u64,
        mut pred: Pred<'_>,
        checkpointing: bool,
        last_seen: &mut Option<Boundary>,
    ) -> Driven {
        let expected = self.trace.output.clone().into_bytes();
        let mut current = Summary::default();
        let spacing = |interval: u64| (interval / SUB_STRETCHES).max(1);
        let mut sub_start = self.machine.view().step();
        let mut next_sub = sub_start + spacing(self.interval);
        let mut next_checkpoint = if checkpointing {
            self.checkpoints
                .last()
                .and_then(|c| c.at)
                .map_or(0, |b| b.step)
                + self.interval
        } else {
            u64::MAX
        };
        loop {
            let mut runner = Runner {
                stop_at,
                pred: &mut pred,
                next_checkpoint: if checkpointing {
                    next_checkpoint.min(next_sub)
                } else {
                    u64::MAX
                },
                expected: Some(&expected),
                end_clock: self.trace.final_clock,
                output_shift: self.output_base.0 as isize - self.output_base.1 as isize,
                diverged: None,
                first: None,
                last: None,
                count: 0,
                reason: None,
                summary: checkpointing.then_some((&mut current, &mut self.names)),
            };
            let state = self.machine.run_monitored(&mut runner);
            if checkpointing {
                // Only the first replay counts: later moves re-execute the same ones.
                self.info.boundaries += runner.count;
            }
            if runner.last.is_some() {
                *last_seen = runner.last;
            }
            if self.first.is_none() {
                self.first = runner.first;
            }
            let (last, reason, diverged) = (runner.last, runner.reason, runner.diverged.take());
            drop(runner);
            if checkpointing && !matches!(reason, Some(Reason::Checkpoint)) {
                let mut done = std::mem::take(&mut current);
                done.close_sub(sub_start, self.machine.take_writes());
                if let Some(cp) = self.checkpoints.last_mut() {
                    cp.summary.merge(done);
                }
            }
            match (state, reason) {
                (RunState::Finished(exit), _) => return Driven::Ended(exit),
                (_, Some(Reason::Diverged)) => {
                    let (clock, why) = diverged.unwrap_or_default();
                    return Driven::Diverged(clock, why);
                }
                (_, Some(Reason::Checkpoint)) => {
                    let b = last.expect("paused at a boundary");
                    current.close_sub(sub_start, self.machine.take_writes());
                    sub_start = b.step;
                    next_sub = b.step + spacing(self.interval);
                    if b.step < next_checkpoint {
                        // The end of a sub-stretch only.
                        continue;
                    }
                    let done = std::mem::take(&mut current);
                    if let Some(cp) = self.checkpoints.last_mut() {
                        cp.summary.merge(done);
                    }
                    current.note(&self.machine.view(), &b, &mut self.names);
                    let summary = std::mem::take(&mut current);
                    self.checkpoints.push(Checkpoint {
                        at: last,
                        snapshot: self.machine.snapshot(),
                        summary,
                        output_len: self.output_len(),
                    });
                    self.enforce_budget();
                    next_checkpoint = b.step + self.interval;
                    next_sub = b.step + spacing(self.interval);
                }
                _ => return Driven::Stopped(last.expect("paused at a boundary")),
            }
        }
    }

    /// Runs to the first boundary at `limit` or where `pred` holds (`None`: the end or
    /// a divergence).
    pub(super) fn drive_to(&mut self, limit: u64, pred: &mut Pred<'_>) -> Option<Boundary> {
        match self.drive(limit, &mut **pred, false) {
            Driven::Stopped(b) => Some(b),
            _ => None,
        }
    }

    /// The first replay: to the end, checking output, clock and status, with checkpoints.
    pub(super) fn first_replay(&mut self) -> Result<(), OpenError> {
        self.info.boundaries = 0;
        self.machine.track_writes();
        let mut last = None;
        let exit = match self.drive_noting(u64::MAX, &mut |_, _| false, true, &mut last) {
            Driven::Ended(exit) => exit,
            Driven::Diverged(clock, why) => {
                return Err(OpenError(format!(
                    "replay diverged at clock {clock}: {why}"
                )))
            }
            Driven::Stopped(b) => unreachable!("stopped at {b:?} without a reason"),
        };
        // Tracking stays on: every later replay keeps the objects' allocation steps
        // (`View::allocation_step`, used by `origin`) true for the state it reaches.
        let view = self.machine.view();
        let (clock, step) = (view.clock(), view.step());
        let output = String::from_utf8_lossy(view.output()).into_owned();
        let t = &self.trace;
        let mismatch = if output != t.output {
            Some(format!(
                "output differs from the recording ({} bytes recorded, {} replayed)",
                t.output.len(),
                output.len()
            ))
        } else if clock != t.final_clock {
            Some(format!("the recording ended at clock {}", t.final_clock))
        } else if exit.status != t.exit_status {
            Some(format!(
                "exit status {} (recorded {})",
                exit.status, t.exit_status
            ))
        } else {
            None
        };
        if let Some(why) = mismatch {
            return Err(OpenError(format!(
                "replay diverged at clock {clock}: {why}"
            )));
        }
        self.reachable = super::reach::Reachable::of(&view);
        self.end = Position::End { clock, step };
        self.info.end_clock = clock;
        self.info.end_step = step;
        self.info.checkpoints = self.checkpoints.len();
        self.info.checkpoint_bytes = self
            .checkpoints
            .iter()
            .map(|c| c.snapshot.size_bytes())
            .sum();
        self.info.interval = self.interval;
        self.find_failure(&exit, last);
        Ok(())
    }

    /// Goes to the first boundary of the run.
    pub fn goto_start(&mut self) {
        match self.first {
            Some(b) => self.goto_step(b.step),
            None => {
                self.restore_checkpoint(0);
                self.machine.run_monitored(&mut NoStop);
                self.position = self.end;
            }
        }
    }

    /// Goes to the boundary named by `step` (or the first one after it, or the end).
    pub fn goto_step(&mut self, step: u64) {
        self.selected = 0;
        if step >= self.end.step() {
            self.finish_run();
            return;
        }
        if let Some(b) = self.restore_before(step) {
            if b.step == step {
                self.position = Position::At(b);
                return;
            }
        }
        self.position = match self.drive(step, &mut |_, _| false, false) {
            Driven::Stopped(b) => Position::At(b),
            _ => self.end,
        };
    }

    /// Runs to the end of the program from wherever the machine is.
    fn finish_run(&mut self) {
        if !matches!(self.position, Position::End { .. }) || self.machine.exit().is_none() {
            self.restore_before(u64::MAX);
            self.machine.run_monitored(&mut NoStop);
        }
        self.position = self.end;
    }

    /// Runs forward to the first boundary after now where `pred` holds and `confirm`
    /// agrees; answers it, or `None` at the end. Stretches that `relevant` rules out
    /// are jumped over (restoring the next relevant checkpoint).
    pub(crate) fn search_forward(
        &mut self,
        pred: Pred<'_>,
        confirm: Confirm<'_>,
        relevant: Relevant<'_>,
    ) -> Option<Boundary> {
        self.selected = 0;
        let mut pred = pred;
        loop {
            if matches!(self.position, Position::End { .. }) {
                return None;
            }
            if let Some(rel) = relevant {
                if let Some(b) = self.skip_forward(rel) {
                    if pred(&self.machine.view(), &b) && confirm(&mut self.machine, &b) {
                        return Some(b);
                    }
                }
                if matches!(self.position, Position::End { .. }) {
                    return None;
                }
            }
            let limit = match relevant {
                Some(_) => self.next_checkpoint_step(),
                None => u64::MAX,
            };
            match self.drive(limit, &mut pred, false) {
                Driven::Stopped(b) => {
                    self.position = Position::At(b);
                    let at_limit = b.step >= limit;
                    // At a checkpoint the monitor stopped before testing `pred`.
                    if (!at_limit || pred(&self.machine.view(), &b))
                        && confirm(&mut self.machine, &b)
                    {
                        return Some(b);
                    }
                }
                _ => {
                    self.position = self.end;
                    return None;
                }
            }
        }
    }

    /// The step of the first checkpoint after the current position (or `u64::MAX`).
    fn next_checkpoint_step(&self) -> u64 {
        let now = self.position.step();
        self.checkpoints
            .iter()
            .filter_map(|c| c.at)
            .map(|b| b.step)
            .find(|&s| s > now)
            .unwrap_or(u64::MAX)
    }

    /// When the stretch holding the current position cannot match, moves to the next
    /// checkpoint whose stretch may (answering its boundary, which the caller tests),
    /// or to the end.
    fn skip_forward(
        &mut self,
        relevant: &dyn Fn(&Summary, &HashMap<MethodKey, MethodNames>) -> bool,
    ) -> Option<Boundary> {
        let now = self.position.step();
        let here = self
            .checkpoints
            .iter()
            .rposition(|c| c.at.is_none_or(|b| b.step <= now))
            .unwrap_or(0);
        if relevant(&self.checkpoints[here].summary, &self.names) {
            return None;
        }
        let next = (here + 1..self.checkpoints.len())
            .find(|&i| relevant(&self.checkpoints[i].summary, &self.names));
        match next {
            Some(i) => {
                self.restore_checkpoint(i);
                let b = self.checkpoints[i]
                    .at
                    .expect("a later checkpoint is at a boundary");
                self.position = Position::At(b);
                Some(b)
            }
            None => {
                self.finish_run();
                None
            }
        }
    }

    /// The last boundary before step `before` where `pred` holds and `confirm` agrees,
    /// scanning segment by segment backwards. The machine is left anywhere: callers
    /// move with `goto_step`.
    pub(crate) fn search_backward(
        &mut self,
        before: u64,
        pred: Pred<'_>,
        confirm: Confirm<'_>,
        relevant: Relevant<'_>,
    ) -> Option<Boundary> {
        self.search_backward_with(before, pred, Some(confirm), relevant, None)
    }

    /// `search_backward` with nothing to confirm: the run pauses only to leave fine
    /// snapshots, not at every match (stepping back matches almost every boundary).
    pub(crate) fn search_back_to(
        &mut self,
        before: u64,
        pred: Pred<'_>,
        relevant: Relevant<'_>,
    ) -> Option<Boundary> {
        self.search_backward_with(before, pred, None, relevant, None)
    }

    /// `search_back_to` for a write: also scans each stretch only up to the end of the
    /// last sub-stretch whose write log `may` allows the write.
    pub(crate) fn search_back_to_write(
        &mut self,
        before: u64,
        pred: Pred<'_>,
        relevant: Relevant<'_>,
        may: &dyn Fn(&WriteLog) -> bool,
    ) -> Option<Boundary> {
        self.search_backward_with(before, pred, None, relevant, Some(may))
    }

    fn search_backward_with(
        &mut self,
        before: u64,
        pred: Pred<'_>,
        mut confirm: Option<Confirm<'_>>,
        relevant: Relevant<'_>,
        may_write: MayWrite<'_>,
    ) -> Option<Boundary> {
        let mut pred = pred;
        let mut hi = before;
        let mut idx = self.checkpoints.len();
        while idx > 0 {
            idx -= 1;
            let at = self.checkpoints[idx].at;
            if at.is_some_and(|b| b.step >= hi) {
                continue;
            }
            if relevant.is_some_and(|r| !r(&self.checkpoints[idx].summary, &self.names)) {
                hi = at.map_or(0, |b| b.step + 1);
                continue;
            }
            let bound = match may_write {
                Some(may) => self.checkpoints[idx].summary.scan_bound(hi, may),
                None => Some(hi),
            };
            let found = match bound {
                Some(bound) => self.search_stretch(idx, bound, &mut pred, confirm.as_mut()),
                None => None,
            };
            if found.is_some() {
                return found;
            }
            hi = at.map_or(0, |b| b.step + 1);
        }
        None
    }
}

/// A monitor that never stops.
struct NoStop;

impl Monitor for NoStop {
    fn boundary(&mut self, _: &View<'_>, _: &Boundary) -> Verdict {
        Verdict::Continue
    }
}
