//! Tier 2 for tools: per compiled method its IR as built and after each pass of the
//! pipeline, its deopt points (why each exit leaves, at which bytecode index, whether
//! it is a speculation or a slow path) and its machine code; and the events of a run
//! (methods compiled, refused with the reason, deoptimized at a bytecode index with the
//! guard's reason).

use super::{MethodKey, View};
use crate::tier2::{exit_kind, Tier2EventKind as Kind};

/// One exit of a tier-2 method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeoptPoint {
    pub id: u32,
    /// The bytecode index the interpreter resumes at.
    pub bci: u32,
    /// What the exit checks (`NotInt`, `Overflow`, `Condition`, `Unconditional`, ...).
    pub reason: String,
    /// A speculation that failed (a deopt), or a path left to the runtime on purpose.
    pub speculative: bool,
}

/// A method with tier-2 code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier2Method {
    pub method: MethodKey,
    /// `(pass, IR text)`: "build" first, then each pass of `som_ir`'s pipeline.
    pub passes: Vec<(String, String)>,
    pub deopt_points: Vec<DeoptPoint>,
    /// Bytecode indices where the code is entered (0 and after each slow path).
    pub entries: Vec<u32>,
    pub address: u64,
    pub code: Vec<u8>,
}

/// What tier 2 did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tier2EventKind {
    Compiled { code_bytes: u32 },
    Refused { reason: String },
    Deoptimized { bci: u32, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier2Event {
    pub clock: u64,
    pub method: MethodKey,
    pub kind: Tier2EventKind,
}

/// The tier-2 event log (the first 65,536 events; `dropped` counts the rest).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tier2Events {
    pub events: Vec<Tier2Event>,
    pub dropped: u64,
}

impl View<'_> {
    /// Every method that has tier-2 code now.
    pub fn tier2_methods(&self) -> Vec<Tier2Method> {
        let t = &self.vm.tier2;
        t.compiled_methods()
            .filter_map(|m| {
                let c = t.compiled(m)?;
                let deopt_points = c
                    .deopts
                    .iter()
                    .map(|d| {
                        let fr = &d.frames[0];
                        let kind = match fr.slots.last() {
                            Some(som_ir::lower::DeoptSlot::Const(k)) => *k,
                            _ => exit_kind::GUARD,
                        };
                        DeoptPoint {
                            id: d.id,
                            bci: fr.bci,
                            reason: format!("{:?}", d.reason),
                            speculative: kind != exit_kind::SLOW_PATH,
                        }
                    })
                    .collect();
                Some(Tier2Method {
                    method: MethodKey(m),
                    passes: c
                        .passes
                        .iter()
                        .map(|p| (p.pass.to_string(), p.text.clone()))
                        .collect(),
                    deopt_points,
                    entries: c.entries.clone(),
                    address: c.address,
                    code: self.vm.jit.bytes_at(c.address, c.size),
                })
            })
            .collect()
    }

    /// What tier 2 did during the run.
    pub fn tier2_events(&self) -> Tier2Events {
        let t = &self.vm.tier2;
        let events = t
            .log
            .iter()
            .map(|e| {
                let (method, kind) = match &e.kind {
                    Kind::Compiled { method, code_bytes } => (
                        *method,
                        Tier2EventKind::Compiled {
                            code_bytes: *code_bytes,
                        },
                    ),
                    Kind::Refused { method, reason } => (
                        *method,
                        Tier2EventKind::Refused {
                            reason: reason.clone(),
                        },
                    ),
                    Kind::Deoptimized {
                        method,
                        bci,
                        reason,
                    } => (
                        *method,
                        Tier2EventKind::Deoptimized {
                            bci: *bci,
                            reason: reason.clone(),
                        },
                    ),
                };
                Tier2Event {
                    clock: e.clock,
                    method: MethodKey(method),
                    kind,
                }
            })
            .collect();
        Tier2Events {
            events,
            dropped: t.dropped,
        }
    }
}
