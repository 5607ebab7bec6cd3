//! Logical-clock sampling: a monitor that takes a sample at the first statement boundary
//! at or after every N clock ticks. The clock counts sends and loop back-edges and is
//! the same in every tier and on every machine, so the profile is identical on every run.

use som_vm::introspect::{
    Boundary, FrameLabel, Machine, Meter, MethodKey, Monitor, Phase, RunState, Sample, Verdict,
    View,
};
use std::collections::HashMap;
use std::time::Instant;

/// Tier-0 clock ticks per second on the development machine (sends plus back-edges in
/// our benchmarks run at 75 to 90 million a second): `--hz` converts to a tick interval
/// with it, so a clock profile has about as many samples as a time profile.
pub const NOMINAL_TICKS_PER_SECOND: u64 = 80_000_000;

/// The tick interval that gives about `hz` samples per second of tier-0 execution.
pub fn every_for_hz(hz: u32) -> u64 {
    NOMINAL_TICKS_PER_SECOND.div_ceil(u64::from(hz.max(1)))
}

/// The monitor: samples in order, each weighted by the intervals it stands for.
pub struct ClockSampler {
    every: u64,
    next: u64,
    labels: HashMap<(MethodKey, u8), FrameLabel>,
    pub samples: Vec<Sample>,
    /// When sampling began: each sample's wall time is taken from it.
    start: Instant,
}

impl ClockSampler {
    pub fn new(every: u64) -> ClockSampler {
        let every = every.max(1);
        ClockSampler {
            every,
            next: every,
            labels: HashMap::new(),
            samples: Vec::new(),
            start: Instant::now(),
        }
    }

    /// Takes every frame: [`crate::stacks`] keeps the root and leaf ends of a deep stack.
    fn take(&mut self, view: &View<'_>, weight: u64) {
        let frames: Vec<_> = (0..view.depth())
            .map(|level| {
                let key = (view.method_at(level), view.tier_at(level));
                self.labels
                    .entry(key)
                    .or_insert_with(|| view.frame_label(level))
                    .clone()
            })
            .collect();
        self.samples.push(Sample {
            phase: Phase::Running,
            depth: frames.len(),
            frames,
            outer: Vec::new(),
            truncated: false,
            runtime: None,
            weight,
            at: self.start.elapsed(),
        });
    }
}

impl Monitor for ClockSampler {
    fn boundary(&mut self, view: &View<'_>, at: &Boundary) -> Verdict {
        if at.clock >= self.next {
            let intervals = (at.clock - self.next) / self.every + 1;
            self.next += intervals * self.every;
            self.take(view, intervals);
        }
        Verdict::Continue
    }
}

/// Runs `machine` to the end under a clock sampler.
pub fn run(machine: &mut Machine, every: u64) -> (som_vm::introspect::Exit, Vec<Sample>, Meter) {
    let mut sampler = ClockSampler::new(every);
    let (exit, meter) = machine.metered(|m| loop {
        if let RunState::Finished(exit) = m.run_monitored(&mut sampler) {
            break exit;
        }
    });
    (exit, sampler.samples, meter)
}
