//! Interval summaries: during the first replay, for each stretch between two
//! checkpoints, the methods entered and the (method, line) pairs reached. A search for
//! breakpoint hits skips every stretch whose summary cannot contain one, so reverse
//! continue and the timeline do not re-execute stretches that cannot stop; the VM's
//! write log does the same for watchpoints and last-write.

use super::breakpoints::file_matches;
use super::{Breakpoint, BreakpointKind, MethodNames};
use som_vm::introspect::{Boundary, BoundaryKind, MethodKey, View, WriteLog};
use std::collections::{HashMap, HashSet};

/// What one stretch of the run did.
#[derive(Debug, Clone, Default)]
pub(crate) struct Summary {
    entered: HashSet<MethodKey>,
    lines: HashSet<(MethodKey, u32)>,
    /// What the stretch may have written (from the VM's write tracking).
    pub writes: WriteLog,
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
