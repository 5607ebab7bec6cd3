//! The JIT event log and per-method tier counters: what tier 1 did during a run
//! (methods compiled or refused, OSR entries at loop headers, where compiled code was
//! entered from tier 0 and where it handed control back to tier 0), read by tools
//! through `introspect::View::jit_events` and `jit_counters`.
//!
//! Recorded only where the JIT already does work: compiling a method, entering OSR, and
//! the dispatcher switching a frame between tiers (each switch costs a trampoline call
//! anyway). Nothing is recorded per bytecode or per native call between compiled
//! methods, so a call from tier-1 code straight into another compiled method is no
//! event: the counters describe tier *crossings*.

use crate::object::heap::MethodId;
use crate::runtime::vm::Vm;
use std::collections::{BTreeMap, HashMap};

/// Events kept for compilations and OSR entries; later ones are only counted.
const LOG_CAP: usize = 65_536;
/// Events kept for tier crossings (entries, exits); later ones are only counted.
const CROSSING_CAP: usize = 4_096;

/// What happened (see `introspect::JitEventKind`, the public form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JitEventKind {
    Compiled {
        code_bytes: u32,
    },
    Refused {
        reason: super::Refusal,
    },
    OsrEntry {
        bci: u32,
    },
    /// The dispatcher entered tier-1 code from tier 0 at `bci` (0: a call).
    Entered {
        bci: u32,
    },
    /// Tier-1 code at send `bci` called `callee`, which runs in tier 0.
    CalledTier0 {
        bci: u32,
        callee: MethodId,
    },
    /// The method returned (or was unwound) to `caller`, which runs in tier 0.
    ReturnedToTier0 {
        caller: MethodId,
    },
    /// A tier-1 frame continues in tier 0 at `bci` (its code has no entry there).
    ResumedInTier0 {
        bci: u32,
    },
}

impl JitEventKind {
    fn is_crossing(self) -> bool {
        !matches!(
            self,
            JitEventKind::Compiled { .. }
                | JitEventKind::Refused { .. }
                | JitEventKind::OsrEntry { .. }
        )
    }
}

/// One event at a logical-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JitEvent {
    pub clock: u64,
    pub method: MethodId,
    pub kind: JitEventKind,
}

/// Exact counts per method, whatever the log kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MethodCounters {
    /// Entries into tier-1 code at bytecode 0 from tier 0.
    pub entries: u64,
    /// Re-entries at a bytecode index (a tier-0 callee returned to the frame).
    pub resumes: BTreeMap<u32, u64>,
    pub osr: BTreeMap<u32, u64>,
    /// Calls from tier-1 code into tier-0 methods, by send bytecode index.
    pub calls_to_tier0: BTreeMap<u32, u64>,
    pub returns_to_tier0: u64,
    pub resumed_in_tier0: BTreeMap<u32, u64>,
}

/// The log of one VM.
#[derive(Debug, Clone, Default)]
pub(crate) struct JitLog {
    pub events: Vec<JitEvent>,
    crossings: usize,
    /// Events counted but not kept (past the caps).
    pub dropped: u64,
    pub counters: HashMap<MethodId, MethodCounters>,
}

impl JitLog {
    pub(crate) fn record(&mut self, clock: u64, method: MethodId, kind: JitEventKind) {
        let c = self.counters.entry(method).or_default();
        let bump = |m: &mut BTreeMap<u32, u64>, bci: u32| *m.entry(bci).or_default() += 1;
        match kind {
            JitEventKind::Compiled { .. } | JitEventKind::Refused { .. } => {}
            JitEventKind::OsrEntry { bci } => bump(&mut c.osr, bci),
            JitEventKind::Entered { bci: 0 } => c.entries += 1,
            JitEventKind::Entered { bci } => bump(&mut c.resumes, bci),
            JitEventKind::CalledTier0 { bci, .. } => bump(&mut c.calls_to_tier0, bci),
            JitEventKind::ReturnedToTier0 { .. } => c.returns_to_tier0 += 1,
            JitEventKind::ResumedInTier0 { bci } => bump(&mut c.resumed_in_tier0, bci),
        }
        let keep = if kind.is_crossing() {
            self.crossings += 1;
            self.crossings <= CROSSING_CAP
        } else {
            self.events.len() < LOG_CAP
        };
        if keep {
            self.events.push(JitEvent {
                clock,
                method,
                kind,
            });
        } else {
            self.dropped += 1;
        }
    }
}

/// The frame the dispatcher last entered tier-1 code with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NativeRun {
    pub method: MethodId,
    pub depth: usize,
    pub frame_id: u64,
}

impl Vm {
    pub(crate) fn jit_event(&mut self, method: MethodId, kind: JitEventKind) {
        let clock = self.stats.clock;
        self.jit.log.record(clock, method, kind);
    }

    /// The dispatcher hands the top frame to tier 0 after tier-1 code that started
    /// with `run` returned to it: records how control left tier 1.
    pub(crate) fn jit_note_exit(&mut self, run: NativeRun) {
        let depth = self.frames.len();
        let top = self.frames.last().expect("frame");
        let (method, pc, id) = (top.method, top.pc, top.id);
        if depth > run.depth && pc == 0 {
            // A send from the (tier-1) frame below pushed a frame without code.
            let caller = &self.frames[depth - 2];
            let (from, bci) = (caller.method, caller.pc.saturating_sub(1));
            let kind = JitEventKind::CalledTier0 {
                bci,
                callee: method,
            };
            self.jit_event(from, kind);
        } else if depth < run.depth || (depth == run.depth && id != run.frame_id) {
            let kind = JitEventKind::ReturnedToTier0 { caller: method };
            self.jit_event(run.method, kind);
        } else {
            self.jit_event(method, JitEventKind::ResumedInTier0 { bci: pc });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_stay_exact_past_the_caps() {
        let mut log = JitLog::default();
        let m3 = MethodId::new(3);
        for i in 0..(CROSSING_CAP as u64 + 10) {
            log.record(i, m3, JitEventKind::Entered { bci: 0 });
        }
        log.record(99, m3, JitEventKind::Compiled { code_bytes: 40 });
        log.record(100, m3, JitEventKind::OsrEntry { bci: 7 });
        log.record(101, m3, JitEventKind::OsrEntry { bci: 7 });
        let c = &log.counters[&m3];
        assert_eq!(c.entries, CROSSING_CAP as u64 + 10);
        assert_eq!(c.osr.get(&7), Some(&2));
        assert_eq!(log.dropped, 10);
        assert_eq!(log.events.len(), CROSSING_CAP + 3);
        assert_eq!(
            log.events.last().map(|e| e.kind),
            Some(JitEventKind::OsrEntry { bci: 7 })
        );
    }
}
