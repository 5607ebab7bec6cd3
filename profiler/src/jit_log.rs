//! What the JIT tiers did, for the timeline: every compilation attempt of tier 1 and
//! tier 2 (compiled or refused, at a logical-clock time) and every tier-2 deopt, read
//! from the run's event logs through `introspect`. Compilation spans (`PhaseSpan`s
//! with a method) carry no tier, so each method's spans are matched, in time order,
//! with its attempts in clock order (tier 2 is asked first at the same clock). Matched
//! spans' ends are exact (clock, time) anchors; a deopt's time is interpolated between the
//! anchors around its clock (events carry the logical clock only), which its marker
//! says.

use som_vm::introspect::{JitEventKind, MethodKey, PhaseSpan, Tier2EventKind, View};
use std::time::Duration;

/// One compilation attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub method: MethodKey,
    pub tier: u8,
    pub clock: u64,
    pub compiled: bool,
}

/// One tier-2 deopt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deopt {
    pub method: MethodKey,
    pub label: String,
    pub clock: u64,
    pub bci: u32,
    pub reason: String,
}

/// The run's JIT events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JitLog {
    /// By clock, tier 2 before tier 1 at the same clock.
    pub attempts: Vec<Attempt>,
    pub deopts: Vec<Deopt>,
    /// The clock at the end of the run.
    pub final_clock: u64,
}

impl JitLog {
    /// Reads the logs of a finished run.
    pub fn of(view: &View<'_>) -> JitLog {
        let mut attempts: Vec<Attempt> = Vec::new();
        for e in view.jit_events().events {
            let compiled = match e.kind {
                JitEventKind::Compiled { .. } => true,
                JitEventKind::Refused { .. } => false,
                _ => continue,
            };
            let tier = match e.kind {
                JitEventKind::Compiled { tier, .. } | JitEventKind::Refused { tier, .. } => tier,
                _ => 1,
            };
            attempts.push(Attempt {
                method: e.method,
                tier,
                clock: e.clock,
                compiled,
            });
        }
        let mut deopts = Vec::new();
        for e in view.tier2_events().events {
            match e.kind {
                Tier2EventKind::Compiled { .. } => attempts.push(Attempt {
                    method: e.method,
                    tier: 2,
                    clock: e.clock,
                    compiled: true,
                }),
                // Refused for deoptimizing too often happens outside a compilation.
                Tier2EventKind::Refused { reason } if reason != "keeps deoptimizing" => attempts
                    .push(Attempt {
                        method: e.method,
                        tier: 2,
                        clock: e.clock,
                        compiled: false,
                    }),
                Tier2EventKind::Refused { .. } => {}
                Tier2EventKind::Deoptimized { bci, reason } => deopts.push(Deopt {
                    method: e.method,
                    label: view.method_names(e.method).2,
                    clock: e.clock,
                    bci,
                    reason,
                }),
            }
        }
        attempts.sort_by_key(|a| (a.clock, std::cmp::Reverse(a.tier)));
        JitLog {
            attempts,
            deopts,
            final_clock: view.clock(),
        }
    }

    /// Per span, the attempt it is (`None` for collections, class loading, and the
    /// spans of a method whose spans and attempts do not pair up).
    pub fn span_attempts<'a>(&'a self, spans: &[PhaseSpan]) -> Vec<Option<&'a Attempt>> {
        let key = |s: &PhaseSpan| s.method.as_ref().and_then(|m| m.method);
        spans
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let m = key(s)?;
                let nth = spans[..i].iter().filter(|t| key(t) == Some(m)).count();
                let total = spans.iter().filter(|t| key(t) == Some(m)).count();
                let mine: Vec<&Attempt> = self.attempts.iter().filter(|a| a.method == m).collect();
                (mine.len() == total).then(|| mine[nth])
            })
            .collect()
    }

    /// The time of `clock`, interpolated between the (clock, time) anchors around it
    /// (the start, each matched compilation's end, the end of the run).
    pub fn time_of(&self, clock: u64, spans: &[PhaseSpan], end: Duration) -> Duration {
        let mut anchors: Vec<(u64, Duration)> = vec![(0, Duration::ZERO)];
        for (s, a) in spans.iter().zip(self.span_attempts(spans)) {
            if let Some(a) = a {
                // The program resumes when the compilation ends, at the same clock.
                anchors.push((a.clock, s.end));
            }
        }
        anchors.push((self.final_clock.max(clock), end));
        anchors.sort();
        let i = anchors.partition_point(|(c, _)| *c <= clock).max(1);
        let (c0, t0) = anchors[i - 1];
        let Some(&(c1, t1)) = anchors.get(i) else {
            return t0;
        };
        if c1 == c0 || t1 < t0 {
            return t0;
        }
        t0 + (t1 - t0).mul_f64((clock - c0) as f64 / (c1 - c0) as f64)
    }
}
