//! `last-write` (which statement last wrote a location) and `origin` (which statement
//! allocated an object), both answered without moving. `last-write` scans backwards
//! only the checkpoint stretches whose write log (the VM's per-interval summary) may
//! hold a write of the location, and checks that the write found explains the value
//! now (else it searches again, skipping nothing); `origin` runs from the nearest
//! snapshot to the step the VM noted at the allocation (the allocation index kept per
//! heap slot), else searches for the object's birth. The position is put back from a
//! snapshot, not re-executed. `last_write_replayed` and `origin_replayed` answer the
//! same without any of these indexes (a full backward re-execution), to check them.

use super::scan::{MayWrite, Pred, Relevant};
use super::summary::Summary;
use super::watch::{resolve, ChangeDetector, Location};
use super::{Engine, MethodNames, Reply, Write};
use som_vm::introspect::{Boundary, MethodKey, ValueRef, View, WriteLog};
use std::collections::HashMap;

type Names = HashMap<MethodKey, MethodNames>;

impl Engine {
    /// Which statement last wrote the location `expr` names, before now (no move).
    pub fn last_write(&mut self, expr: &str) -> Result<Reply, String> {
        let location = resolve(&self.view(), self.selected, expr)?;
        let now = location.read(&self.view());
        let (reply, after) = self.writer_of(&location, true);
        if self.explains(&location, &reply, after, now) {
            return Ok(reply);
        }
        // A store the VM's write log did not report: search again, skipping nothing.
        Ok(self.writer_of(&location, false).0)
    }

    /// The last write of `location` before now, skipping the stretches whose write log
    /// rules it out when `skip`; with the value it left (seen at the next boundary).
    pub(crate) fn writer_of(
        &mut self,
        location: &Location,
        skip: bool,
    ) -> (Reply, Option<Option<ValueRef>>) {
        let watched = location.clone();
        let rel = move |s: &Summary, _: &Names| watched.may_change(&s.writes);
        let in_sub = location.clone();
        let may = move |w: &WriteLog| in_sub.may_change(w);
        let mut detector = ChangeDetector::new(location.clone());
        let mut after = None;
        let mut changed = |vm: &View<'_>, b: &Boundary| {
            let hit = detector.changed(vm, b.step);
            if hit {
                after = Some(detector.location.read(vm));
            }
            hit
        };
        let (relevant, may): (Relevant<'_>, MayWrite<'_>) = if skip {
            (Some(&rel), Some(&may))
        } else {
            (None, None)
        };
        let none = "no write to it in the recording";
        let reply = self.find_writer(&mut changed, relevant, may, none);
        (reply, after)
    }

    /// Whether the write `reply` found accounts for the location's value `now`: the
    /// value it left (`after`) is the value now, or, when nothing wrote a field, the
    /// field is nil. When not, a store happened that the write log missed.
    fn explains(
        &self,
        location: &Location,
        reply: &Reply,
        after: Option<Option<ValueRef>>,
        now: Option<ValueRef>,
    ) -> bool {
        match reply.write {
            None => {
                !matches!(location, Location::Field { .. })
                    || now.is_none_or(|v| self.view().describe(v) == "nil")
            }
            Some(_) => after == Some(now),
        }
    }

    /// Where the object `expr` names was allocated (no move).
    pub fn origin(&mut self, expr: &str) -> Result<Reply, String> {
        let object = self.object_named(expr)?;
        let class = self.view().class_of(object);
        if let Some(reply) = self.origin_from_allocation_step(object, &class) {
            return Ok(reply);
        }
        Ok(self.origin_by_search(object, &class, true))
    }

    /// The allocated object `expr` names in the selected frame.
    fn object_named(&self, expr: &str) -> Result<ValueRef, String> {
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
        Ok(object)
    }

    /// `origin` by watching `object` come alive, skipping the stretches whose write
    /// log says they did not allocate it when `skip`.
    fn origin_by_search(&mut self, object: ValueRef, class: &str, skip: bool) -> Reply {
        let mut prev: Option<(u64, bool)> = None;
        let mut born = |vm: &View<'_>, b: &Boundary| {
            let alive = vm.is_live(object) && vm.class_of(object) == class;
            let result = matches!(prev, Some((s, false)) if s < b.step && alive);
            prev = Some((b.step, alive));
            result
        };
        let rel = move |s: &Summary, _: &Names| s.writes.may_allocate(object);
        let may = move |w: &WriteLog| w.may_allocate(object);
        let (relevant, may): (Relevant<'_>, MayWrite<'_>) = if skip {
            (Some(&rel), Some(&may))
        } else {
            (None, None)
        };
        let none = "allocated before the program's first statement";
        self.find_writer(&mut born, relevant, may, none)
    }

    /// `origin` from the step the VM noted when it allocated `object` (write tracking
    /// is on in every replay): one run from the nearest snapshot to that step. `None`
    /// when the step is unknown or the run does not show `object` born there.
    fn origin_from_allocation_step(&mut self, object: ValueRef, class: &str) -> Option<Reply> {
        let born_at = self.view().allocation_step(object)?;
        self.without_moving(|engine| engine.origin_at_step(object, class, born_at))
    }

    /// The statement running at step `born_at`, if `object` is alive right after it.
    fn origin_at_step(&mut self, object: ValueRef, class: &str, born_at: u64) -> Option<Reply> {
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
        match (last, after) {
            (Some((w, key)), Some(_)) if alive && w.step < born_at => {
                Some(self.write_reply(w, key))
            }
            _ => None,
        }
    }

    /// The answer naming the statement at boundary `w`, running in method `key`.
    fn write_reply(&mut self, w: Boundary, key: MethodKey) -> Reply {
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

    /// The statement that made the last change `changed` detects at or before now:
    /// the one running at the boundary just before the change (tracked during the same
    /// scan). The position and selected frame are kept.
    fn find_writer(
        &mut self,
        changed: Pred<'_>,
        relevant: Relevant<'_>,
        may: MayWrite<'_>,
        none: &str,
    ) -> Reply {
        let here = self.position.step();
        self.without_moving(|engine| engine.writer_before(here, changed, relevant, may, none))
    }

    fn writer_before(
        &mut self,
        here: u64,
        changed: Pred<'_>,
        relevant: Relevant<'_>,
        may: MayWrite<'_>,
        none: &str,
    ) -> Reply {
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
        let found = match may {
            Some(may) => self.search_back_to_write(here + 1, &mut track, relevant, may),
            None => self.search_back_to(here + 1, &mut track, relevant),
        };
        match (found, writer) {
            (Some(_), Some((w, key))) => self.write_reply(w, key),
            _ => Reply {
                message: Some(none.to_string()),
                ..Reply::default()
            },
        }
    }

    /// `last-write` without the write log: every stretch is re-executed backwards
    /// until the last change (slow; the answer the indexed one must equal).
    pub fn last_write_replayed(&mut self, expr: &str) -> Result<Reply, String> {
        let location = resolve(&self.view(), self.selected, expr)?;
        Ok(self.writer_of(&location, false).0)
    }

    /// `origin` without the allocation index or the write log: a backward search for
    /// the object's birth that re-executes every stretch (slow; for checking).
    pub fn origin_replayed(&mut self, expr: &str) -> Result<Reply, String> {
        let object = self.object_named(expr)?;
        let class = self.view().class_of(object);
        Ok(self.origin_by_search(object, &class, false))
    }
}
