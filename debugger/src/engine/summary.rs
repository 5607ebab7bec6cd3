//! Interval summaries: during the first replay, for each stretch between two
//! checkpoints, the methods entered and the (method, line) pairs reached. A search for
//! breakpoint hits skips every stretch whose summary cannot contain one, so reverse
//! continue and the timeline do not re-execute stretches that cannot stop; the VM's
//! write log does the same for watchpoints and last-write.

use super::breakpoints::file_matches;
use super::{Breakpoint, BreakpointKind, MethodNames};
use som_vm::introspect::{Boundary, BoundaryKind, MethodKey, View, WriteLog};
use std::collections::{HashMap, HashSet};

/// Sub-stretches per checkpoint interval that keep a write log of their own.
pub(crate) const SUB_STRETCHES: u64 = 8;
/// How much smaller a sub-stretch's write log is than the stretch's.
const SUB_FOLD: usize = 16;

/// What one stretch of the run did.
#[derive(Debug, Clone, Default)]
pub(crate) struct Summary {
    entered: HashSet<MethodKey>,
    lines: HashSet<(MethodKey, u32)>,
    /// What the stretch may have written (from the VM's write tracking).
    pub writes: WriteLog,
    /// The same per sub-stretch (an eighth of an interval), smaller: the first step of
    /// each and its folded log, in order. A backward search for a write scans a stretch
    /// only to the end of the last sub-stretch that may hold it.
    subs: Vec<(u64, WriteLog)>,
}

impl Summary {
    /// Notes a boundary; records names of methods seen for the first time.
    pub fn note(
        &mut self,
        vm: &View<'_>,
        at: &Boundary,
        names: &mut HashMap<MethodKey, MethodNames>,
    ) {
        if at.kind == BoundaryKind::Return {
            return;
        }
        let key = vm.method_at(0);
        names.entry(key).or_insert_with(|| MethodNames::of(vm, key));
        if at.kind == BoundaryKind::Enter {
            self.entered.insert(key);
        }
        self.lines.insert((key, at.line));
    }

    pub fn merge(&mut self, other: Summary) {
        self.entered.extend(other.entered);
        self.lines.extend(other.lines);
        self.writes.merge(&other.writes);
        self.subs.extend(other.subs);
        while self.subs.len() > SUB_STRETCHES as usize {
            let pairs = std::mem::take(&mut self.subs);
            let mut pairs = pairs.into_iter();
            while let Some((start, mut log)) = pairs.next() {
                if let Some((_, next)) = pairs.next() {
                    log.merge(&next);
                }
                self.subs.push((start, log));
            }
        }
    }

    /// Adds the writes of the sub-stretch that began at step `start` (`log`, taken
    /// from the VM when it ended).
    pub fn close_sub(&mut self, start: u64, log: WriteLog) {
        self.subs.push((start, log.folded(SUB_FOLD)));
        self.writes.merge(&log);
    }

    /// The step before which a backward search from `hi` must scan this stretch when
    /// only writes `may` allows can match: just past the first boundary after the last
    /// sub-stretch whose log allows one (the boundary where its last write shows).
    /// `None`: no sub-stretch before `hi` allows one. Without sub-stretch logs: `hi`.
    pub fn scan_bound(&self, hi: u64, may: &dyn Fn(&WriteLog) -> bool) -> Option<u64> {
        if self.subs.is_empty() {
            return Some(hi);
        }
        let j = self
            .subs
            .iter()
            .rposition(|(start, log)| *start < hi && may(log))?;
        let end = self
            .subs
            .get(j + 1)
            .map_or(u64::MAX, |(next, _)| next.saturating_add(1));
        Some(end.min(hi))
    }

    /// Whether any of `breakpoints` can hit in this stretch.
    pub fn may_hit(
        &self,
        breakpoints: &[Breakpoint],
        names: &HashMap<MethodKey, MethodNames>,
    ) -> bool {
        breakpoints.iter().any(|b| match &b.kind {
            BreakpointKind::Method { class, selector } => self.entered.iter().any(|k| {
                names.get(k).is_none_or(|n| {
                    &n.class == class && &n.selector == selector && !n.label.starts_with("[]")
                })
            }),
            BreakpointKind::Line { file, line } => self.lines.iter().any(|(k, l)| {
                l == line && names.get(k).is_none_or(|n| file_matches(&n.file, file))
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn with_subs(starts: &[u64]) -> Summary {
        Summary {
            subs: starts.iter().map(|&s| (s, WriteLog::default())).collect(),
            ..Summary::default()
        }
    }

    /// `may` answering `true` only on its `n`-th call (the sub-stretches are asked
    /// latest first).
    fn nth(n: usize) -> impl Fn(&WriteLog) -> bool {
        let calls = Cell::new(0);
        move |_| {
            calls.set(calls.get() + 1);
            calls.get() == n
        }
    }

    #[test]
    fn a_write_search_scans_to_just_past_the_last_sub_stretch_that_may_hold_it() {
        let s = with_subs(&[0, 100, 200, 300]);
        // Sub-stretch 300 starts after hi; 200 says no; 100 may: scan to step 200's boundary.
        assert_eq!(s.scan_bound(250, &nth(2)), Some(201));
        // The sub-stretch holding hi may: scan to hi.
        assert_eq!(s.scan_bound(250, &nth(1)), Some(250));
        assert_eq!(s.scan_bound(250, &|_| false), None);
        assert_eq!(with_subs(&[]).scan_bound(250, &|_| false), Some(250));
    }

    #[test]
    fn merged_stretches_keep_at_most_eight_sub_stretch_logs_in_order() {
        let mut s = with_subs(&[0, 10, 20, 30, 40, 50, 60, 70]);
        s.merge(with_subs(&[80, 90, 100, 110, 120, 130, 140, 150]));
        let starts: Vec<u64> = s.subs.iter().map(|(start, _)| *start).collect();
        assert_eq!(starts, [0, 20, 40, 60, 80, 100, 120, 140]);
    }
}
