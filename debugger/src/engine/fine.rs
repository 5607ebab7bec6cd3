//! Fine snapshots near where the user is: a backward search that re-executes the
//! stretch holding the current position also snapshots it every eighth of an interval,
//! in a small cache (an eighth of the checkpoint budget, oldest dropped first). Going
//! to a step restores the nearest of them, and later backward searches start their
//! scans from them, so stepping back repeatedly re-executes an eighth of an interval
//! instead of a whole one, twice. The snapshots are of the same deterministic replay,
//! so they never go stale.

use super::scan::{Confirm, Pred};
use super::Engine;
use som_vm::introspect::{Boundary, Machine, Snapshot, View};

/// Snapshots per checkpoint interval.
const PER_INTERVAL: u64 = 8;

#[derive(Default)]
pub(crate) struct FineCache {
    /// Boundary, snapshot, and the program's output length there.
    entries: Vec<(Boundary, Snapshot, usize)>,
    bytes: usize,
}

impl FineCache {
    /// The latest snapshot at or before `step` and after `after` (its index).
    pub fn best(&self, after: u64, step: u64) -> Option<usize> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, (b, _, _))| b.step > after && b.step <= step)
            .max_by_key(|(_, (b, _, _))| b.step)
            .map(|(i, _)| i)
    }

    fn has_near(&self, step: u64, spacing: u64) -> bool {
        self.entries
            .iter()
            .any(|(b, _, _)| b.step.abs_diff(step) < spacing / 2)
    }

    fn keep(&mut self, at: Boundary, snapshot: Snapshot, output_len: usize, cap: usize) {
        self.bytes += snapshot.size_bytes();
        self.entries.push((at, snapshot, output_len));
        while self.bytes > cap && self.entries.len() > 1 {
            let (_, old, _) = self.entries.remove(0);
            self.bytes -= old.size_bytes();
        }
    }
}

impl Engine {
    fn fine_spacing(&self) -> u64 {
        (self.interval / PER_INTERVAL).max(1)
    }

    /// Restores the fine snapshot nearest before `step` when it is later than the
    /// checkpoint at `checkpoint_step`; answers its boundary.
    pub(crate) fn restore_fine(&mut self, checkpoint_step: u64, step: u64) -> Option<Boundary> {
        let i = self.fine.best(checkpoint_step, step)?;
        Some(self.restore_entry(i))
    }

    /// Puts the machine in the state of fine snapshot `i`; answers its boundary.
    fn restore_entry(&mut self, i: usize) -> Boundary {
        let (b, snapshot, output_len) = &self.fine.entries[i];
        self.machine.restore(snapshot);
        self.output_base = (*output_len, self.machine.view().output().len());
        *b
    }

    /// The last boundary before step `hi` where `pred` holds and `confirm` agrees, in
    /// the stretch from checkpoint `idx`. Scans from the fine snapshots inside the
    /// stretch first (latest first), and leaves new ones behind while scanning.
    pub(crate) fn search_stretch(
        &mut self,
        idx: usize,
        hi: u64,
        pred: &mut Pred<'_>,
        mut confirm: Option<&mut Confirm<'_>>,
    ) -> Option<Boundary> {
        let start = self.checkpoints[idx].at;
        let lo = start.map_or(0, |b| b.step);
        let mut upper = hi;
        let mut below = hi.saturating_sub(1);
        while let Some(i) = self.fine.best(lo, below) {
            let b = self.restore_entry(i);
            if let Some(found) = self.scan_from(Some(b), upper, pred, confirm.as_deref_mut()) {
                return Some(found);
            }
            // The earlier part ends with this boundary: a change first seen here was
            // made by the statement before it.
            upper = b.step + 1;
            below = b.step.saturating_sub(1);
        }
        self.restore_checkpoint(idx);
        self.scan_from(start, upper, pred, confirm)
    }

    /// Scans from the restored boundary `start` to before `hi` (see `search_stretch`).
    /// Without `confirm`, matches are noted without pausing the run.
    fn scan_from(
        &mut self,
        start: Option<Boundary>,
        hi: u64,
        pred: &mut Pred<'_>,
        mut confirm: Option<&mut Confirm<'_>>,
    ) -> Option<Boundary> {
        let spacing = self.fine_spacing();
        let cap = self.budget / 8;
        let quiet = confirm.is_none();
        let mut found = None;
        if let Some(b) = start {
            if b.step < hi
                && pred(&self.machine.view(), &b)
                && agrees(&mut confirm, &mut self.machine, &b)
            {
                found = Some(b);
            }
        }
        let mut mark = start.map_or(0, |b| b.step) + spacing;
        loop {
            let limit = hi.min(mark);
            let mut noted = None;
            let stopped = if quiet {
                let mut note = |vm: &View<'_>, b: &Boundary| {
                    if b.step < hi && pred(vm, b) {
                        noted = Some(*b);
                    }
                    false
                };
                let mut note: Pred<'_> = &mut note;
                self.drive_to(limit, &mut note)
            } else {
                self.drive_to(limit, pred)
            };
            if noted.is_some() {
                found = noted;
            }
            let b = match stopped {
                Some(b) if b.step < hi => b,
                _ => return found,
            };
            if b.step >= limit {
                // Paused at a mark, before `pred` was asked.
                mark = b.step + spacing;
                if !self.fine.has_near(b.step, spacing) {
                    let snapshot = self.machine.snapshot();
                    let output_len = self.output_len();
                    self.fine.keep(b, snapshot, output_len, cap);
                }
                if !pred(&self.machine.view(), &b) {
                    continue;
                }
            }
            if agrees(&mut confirm, &mut self.machine, &b) {
                found = Some(b);
            }
        }
    }
}

/// Whether `confirm` (if any) agrees with a match.
fn agrees(confirm: &mut Option<&mut Confirm<'_>>, machine: &mut Machine, b: &Boundary) -> bool {
    match confirm {
        Some(c) => c(machine, b),
        None => true,
    }
}
