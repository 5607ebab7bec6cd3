//! What the JIT did during a run, for tools: the event log (methods compiled or
//! refused, OSR entries, tier crossings) and exact per-method counters (tier-1 entries,
//! OSR entries per loop header, calls and returns into tier 0).
//!
//! The VM records these only where tier 1 already does work (compiling, entering OSR,
//! the dispatcher switching a frame between tiers), never per bytecode; a call from
//! tier-1 code straight into another compiled method crosses no tier and is not counted.
//! The log is bounded (compilations and OSR entries: the first 65,536; tier crossings:
//! the first 4,096); the counters are exact. Monitored runs never run JIT code, so they
//! record nothing.

use super::{MethodKey, View};
use crate::native::events::{self, MethodCounters};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JitEventKind {
    /// The method was compiled to `code_bytes` bytes of machine code.
    Compiled { tier: u8, code_bytes: u32 },
    /// The method could not be compiled; `reason` says why (not a bytecode method,
    /// code cache full, code cache unavailable, assembler error).
    Refused { tier: u8, reason: &'static str },
    /// A tier-0 activation continued in tier-1 code at loop header `bci`.
    OsrEntry { bci: u32 },
    /// The dispatcher entered tier-1 code from tier 0 at `bci`: 0 is a call, any
    /// other index a tier-0 callee returning to a frame that continues in tier 1.
    Entered { bci: u32 },
    /// Tier-1 code at send `bci` called `callee`, which runs in tier 0.
    CalledTier0 { bci: u32, callee: MethodKey },
    /// The method returned (or was unwound by a non-local return) to `caller`, which
    /// runs in tier 0.
    ReturnedToTier0 { caller: MethodKey },
    /// A tier-1 frame continued in tier 0 at `bci` because its code has no entry
    /// there (tier 1 has no deoptimization; this is its only such exit).
    ResumedInTier0 { bci: u32 },
}

/// One event, at a logical-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitEvent {
    pub clock: u64,
    pub method: MethodKey,
    pub kind: JitEventKind,
}

/// The event log of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JitEvents {
    /// In the order they happened.
    pub events: Vec<JitEvent>,
    /// Events counted but not kept (past the log's bounds).
    pub dropped: u64,
}

/// Exact tier-crossing counts of one method; maps are `(bytecode index, count)` sorted
/// by index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TierCounters {
    /// Entries into its tier-1 code at bytecode 0 from tier 0.
    pub tier1_entries: u64,
    /// Re-entries into tier 1 after a tier-0 callee returned, by bytecode index.
    pub tier1_resumes: Vec<(u32, u64)>,
    /// OSR entries, by loop-header bytecode index.
    pub osr_entries: Vec<(u32, u64)>,
    /// Calls from its tier-1 code into tier-0 methods, by send bytecode index.
    pub calls_to_tier0: Vec<(u32, u64)>,
    /// Returns from its tier-1 code to a tier-0 caller.
    pub returns_to_tier0: u64,
    /// Tier-1 frames that continued in tier 0, by bytecode index.
    pub resumed_in_tier0: Vec<(u32, u64)>,
}

impl From<&MethodCounters> for TierCounters {
    fn from(c: &MethodCounters) -> TierCounters {
        let list = |m: &std::collections::BTreeMap<u32, u64>| -> Vec<(u32, u64)> {
            m.iter().map(|(&b, &n)| (b, n)).collect()
        };
        TierCounters {
            tier1_entries: c.entries,
            tier1_resumes: list(&c.resumes),
            osr_entries: list(&c.osr),
            calls_to_tier0: list(&c.calls_to_tier0),
            returns_to_tier0: c.returns_to_tier0,
            resumed_in_tier0: list(&c.resumed_in_tier0),
        }
    }
}

fn public(kind: events::JitEventKind) -> JitEventKind {
    use events::JitEventKind as K;
    match kind {
        K::Compiled { code_bytes } => JitEventKind::Compiled {
            tier: 1,
            code_bytes,
        },
        K::Refused { reason } => JitEventKind::Refused {
            tier: 1,
            reason: reason.describe(),
        },
        K::OsrEntry { bci } => JitEventKind::OsrEntry { bci },
        K::Entered { bci } => JitEventKind::Entered { bci },
        K::CalledTier0 { bci, callee } => JitEventKind::CalledTier0 {
            bci,
            callee: MethodKey(callee),
        },
        K::ReturnedToTier0 { caller } => JitEventKind::ReturnedToTier0 {
            caller: MethodKey(caller),
        },
        K::ResumedInTier0 { bci } => JitEventKind::ResumedInTier0 { bci },
    }
}

impl View<'_> {
    /// The JIT's event log so far.
    pub fn jit_events(&self) -> JitEvents {
        let log = &self.vm.jit.log;
        JitEvents {
            events: log
                .events
                .iter()
                .map(|e| JitEvent {
                    clock: e.clock,
                    method: MethodKey(e.method),
                    kind: public(e.kind),
                })
                .collect(),
            dropped: log.dropped,
        }
    }

    /// The tier-crossing counters of a method (all zero when it never crossed).
    pub fn jit_counters(&self, key: MethodKey) -> TierCounters {
        self.vm
            .jit
            .log
            .counters
            .get(&key.0)
            .map(TierCounters::from)
            .unwrap_or_default()
    }
}
