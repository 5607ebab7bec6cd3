//! What the JIT did with one method, read from the run with the JIT: its machine code
//! per tier (tier 1's `NativeCode`, tier 2's `Tier2Code` with its IR per pass), when it
//! was compiled, its exact tier-crossing counters, and the runtime markers the CFG and
//! the code columns show at bytecode indices: tier-1 entries, OSR entries at loop
//! headers, re-entries after a tier-0 callee, calls and returns into tier 0, and tier
//! 2's deopt points with how often they fired.

use som_vm::introspect::{
    JitEvent, JitEventKind, MethodCode, MethodKey, NativeCode, Tier2Code, Tier2EventKind,
    TierCounters, View,
};

/// The JIT tiers a method can have machine code in.
pub const JIT_TIERS: std::ops::RangeInclusive<u8> = 1..=2;

/// A method's JIT data (empty when the program was not run with the JIT).
#[derive(Debug, Clone, Default)]
pub struct JitData {
    /// Machine code by tier.
    pub native: Vec<(u8, NativeCode)>,
    /// `(tier, logical clock, code bytes)` of each compilation.
    pub compiled: Vec<(u8, u64, u32)>,
    pub refused: bool,
    /// Tier 2's code (IR per pass, machine code, exits).
    pub tier2: Option<Tier2Code>,
    /// Why tier 2 last refused the method.
    pub tier2_refused: Option<String>,
    /// Deopts of the method in the run (every code version).
    pub deopts: u64,
    pub counters: TierCounters,
    pub markers: Vec<Marker>,
    /// Why no JIT data can be shown at all (no JIT run, a different method table).
    pub unavailable: Option<String>,
}

/// What a runtime marker says happened at its bytecode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkerKind {
    /// Tier 0 called the method and it ran its tier-1 code from bytecode 0.
    Tier1Entry,
    /// A running tier-0 activation continued in tier-1 code at this loop header.
    OsrEntry,
    /// A tier-0 callee returned and the frame continued in tier 1 here.
    Tier1Resume,
    /// Tier-1 code at this send called a method that ran in tier 0.
    CallToTier0 { callees: Vec<String> },
    /// Tier-1 code returned to a caller running in tier 0.
    ReturnToTier0,
    /// A tier-1 frame continued in tier 0 here (its code has no entry point here).
    ContinuedInTier0,
    /// Tier 2's deopt exits at this bytecode with one reason (`exits` of them), fired
    /// `count` times in the run.
    Deopt {
        reason: String,
        exits: Vec<u32>,
        speculative: bool,
    },
}

/// A runtime marker: what, where, how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub bci: u32,
    pub kind: MarkerKind,
    pub count: u64,
}

impl Marker {
    /// Control entered tier-1 code here (otherwise it left it).
    pub fn is_entry(&self) -> bool {
        matches!(
            self.kind,
            MarkerKind::Tier1Entry | MarkerKind::OsrEntry | MarkerKind::Tier1Resume
        )
    }

    /// `>> OSR entry at 5 x1` as blocks and code columns show it.
    pub fn text(&self) -> String {
        let (bci, n) = (self.bci, self.count);
        match &self.kind {
            MarkerKind::Tier1Entry => format!(">> tier-1 entry x{n}"),
            MarkerKind::OsrEntry => format!(">> OSR entry at {bci} x{n}"),
            MarkerKind::Tier1Resume => format!(">> back in tier 1 at {bci} x{n}"),
            MarkerKind::CallToTier0 { callees } => {
                format!("<< call into tier 0 at {bci} x{n} ({})", callees.join(", "))
            }
            MarkerKind::ReturnToTier0 => format!("<< return to tier 0 x{n}"),
            MarkerKind::ContinuedInTier0 => format!("<< continued in tier 0 at {bci} x{n}"),
            MarkerKind::Deopt {
                reason,
                exits,
                speculative,
            } => {
                let what = if *speculative { "deopt" } else { "exit" };
                format!("!! {what} {reason} at {bci} x{n} (exits {exits:?})")
            }
        }
    }

    /// A tier-2 deopt point.
    pub fn is_deopt(&self) -> bool {
        matches!(self.kind, MarkerKind::Deopt { .. })
    }
}

impl JitData {
    /// Reads a method's JIT data from the view of a run with the JIT; `code` is the
    /// method as the profiled run saw it (the two runs must agree on the method).
    pub fn from_view(view: &View<'_>, key: MethodKey, code: &MethodCode) -> JitData {
        let Some(jit_code) = view.code(key).filter(|c| c.label == code.label) else {
            return JitData::unavailable("the run with the JIT loaded different methods");
        };
        let mut data = JitData {
            counters: view.jit_counters(key),
            ..JitData::default()
        };
        if let Some(n) = view.native_code(key) {
            data.native.push((1, n));
        }
        let events: Vec<JitEvent> = view
            .jit_events()
            .events
            .into_iter()
            .filter(|e| e.method == key)
            .collect();
        for e in &events {
            match e.kind {
                JitEventKind::Compiled { tier, code_bytes } => {
                    data.compiled.push((tier, e.clock, code_bytes))
                }
                JitEventKind::Refused { .. } => data.refused = true,
                _ => {}
            }
        }
        data.markers = markers(view, &jit_code, &data.counters, &events);
        data.read_tier2(view, key);
        data
    }

    /// Tier 2's code, compilations, refusal and deopt points of the method.
    fn read_tier2(&mut self, view: &View<'_>, key: MethodKey) {
        for e in view
            .tier2_events()
            .events
            .iter()
            .filter(|e| e.method == key)
        {
            match &e.kind {
                Tier2EventKind::Compiled { code_bytes } => {
                    self.compiled.push((2, e.clock, *code_bytes))
                }
                Tier2EventKind::Refused { reason } => self.tier2_refused = Some(reason.clone()),
                Tier2EventKind::Deoptimized { .. } => self.deopts += 1,
            }
        }
        self.tier2 = view.tier2_code(key);
        let Some(t2) = &self.tier2 else {
            return;
        };
        let mut points: Vec<Marker> = Vec::new();
        for x in &t2.exits {
            let bci = x.frames.last().map_or(0, |f| f.1);
            let same = |m: &&mut Marker| {
                m.bci == bci
                    && matches!(&m.kind, MarkerKind::Deopt { reason, .. } if *reason == x.reason)
            };
            match points.iter_mut().find(same) {
                // Exits of one bytecode and reason count the same deopt events.
                Some(Marker {
                    kind: MarkerKind::Deopt { exits, .. },
                    ..
                }) => exits.push(x.id),
                _ => points.push(Marker {
                    bci,
                    kind: MarkerKind::Deopt {
                        reason: x.reason.clone(),
                        exits: vec![x.id],
                        speculative: x.speculative,
                    },
                    count: x.fired,
                }),
            }
        }
        self.markers.extend(points);
        self.markers.sort_by_key(|m| m.bci);
    }

    /// Why `tier` refused the method (`None` when it did not).
    pub fn refused_in(&self, tier: u8) -> Option<String> {
        match tier {
            1 => self.refused.then(|| "refused by the JIT".to_string()),
            _ => self
                .tier2_refused
                .as_ref()
                .map(|r| format!("refused by tier 2: {r}")),
        }
    }

    /// The most any deopt point of the method fired (the colour scale's top).
    pub fn max_deopt_count(&self) -> u64 {
        let deopts = self.markers.iter().filter(|m| m.is_deopt());
        deopts.map(|m| m.count).max().unwrap_or(0)
    }

    pub fn unavailable(why: &str) -> JitData {
        JitData {
            unavailable: Some(why.to_string()),
            ..JitData::default()
        }
    }

    /// The machine code of `tier`, if the method was compiled there.
    pub fn native(&self, tier: u8) -> Option<&NativeCode> {
        self.native.iter().find(|(t, _)| *t == tier).map(|(_, n)| n)
    }

    /// The markers at one bytecode.
    pub fn markers_at(&self, bci: u32) -> impl Iterator<Item = &Marker> {
        self.markers.iter().filter(move |m| m.bci == bci)
    }
}

/// The markers of a method from its counters. Returns to tier 0 are counted per
/// method, not per return: they sit on the method's only return, or at bytecode 0.
fn markers(
    view: &View<'_>,
    code: &MethodCode,
    c: &TierCounters,
    events: &[JitEvent],
) -> Vec<Marker> {
    let mut out = Vec::new();
    let mut add = |bci, kind, count| {
        if count > 0 {
            out.push(Marker { bci, kind, count });
        }
    };
    add(0, MarkerKind::Tier1Entry, c.tier1_entries);
    for &(bci, n) in &c.osr_entries {
        add(bci, MarkerKind::OsrEntry, n);
    }
    for &(bci, n) in &c.tier1_resumes {
        add(bci, MarkerKind::Tier1Resume, n);
    }
    for &(bci, n) in &c.calls_to_tier0 {
        let callees = callees_at(view, events, bci);
        add(bci, MarkerKind::CallToTier0 { callees }, n);
    }
    let returns: Vec<u32> = code
        .bytecodes
        .iter()
        .filter(|b| b.is_return)
        .map(|b| b.bci)
        .collect();
    let at = if returns.len() == 1 { returns[0] } else { 0 };
    add(at, MarkerKind::ReturnToTier0, c.returns_to_tier0);
    for &(bci, n) in &c.resumed_in_tier0 {
        add(bci, MarkerKind::ContinuedInTier0, n);
    }
    out.sort_by_key(|m| m.bci);
    out
}

/// The methods the method's events saw called into tier 0 from send `bci`.
fn callees_at(view: &View<'_>, events: &[JitEvent], bci: u32) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for e in events {
        if let JitEventKind::CalledTier0 { bci: b, callee } = e.kind {
            let name = view.method_names(callee).2;
            if b == bci && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}
