//! The public side of time sampling: samples with frame labels, the allocation meter
//! and `Machine::run_sampled`, over the signal-safe sampler in `observe::sampling`.

use super::{Exit, Machine, MethodKey, View};
use crate::ids::MethodId;
use crate::observe::sampling::{thread_cpu_time, Sampler, ALLOCATED_AT_GC};
pub use crate::observe::sampling::{Phase, SAMPLE_DEPTH, SAMPLE_INNER};
use crate::runtime::vm::Vm;
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One frame of a sample, named.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FrameLabel {
    /// `None` when the sampled word named no method (a frame caught half-written).
    pub method: Option<MethodKey>,
    pub class: Arc<str>,
    pub selector: Arc<str>,
    /// `Class>>selector` or `[] in Class>>selector`.
    pub label: Arc<str>,
    pub tier: u8,
}

/// One sample of the VM stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub phase: Phase,
    /// Innermost first: every frame, or of a stack deeper than [`SAMPLE_DEPTH`] the
    /// innermost [`SAMPLE_INNER`].
    pub frames: Vec<FrameLabel>,
    /// Of a stack deeper than [`SAMPLE_DEPTH`], its outermost frames (innermost first,
    /// the root last); `depth - frames.len() - outer.len()` frames between are missing.
    /// Empty otherwise.
    pub outer: Vec<FrameLabel>,
    /// The real number of activations on the stack.
    pub depth: usize,
    /// Frames are missing and the sample does not say where (`depth` exceeds
    /// `frames.len() + outer.len()` without `outer`; a frame vector caught moving).
    pub truncated: bool,
    /// The VM runtime function the sample was taken in while running the program:
    /// Rust code outside the interpreter's dispatch loop and compiled code
    /// (`tier1::runtime::slow_bytecode`, `runtime::send::Vm::send`, a primitive, the
    /// allocator) or a shared library function; `None` while the interpreter's loop or
    /// compiled code ran, and in the `Gc` and `Compiler` phases.
    pub runtime: Option<Arc<str>>,
    /// Timer periods (or clock intervals) this sample stands for: the kernel checks
    /// CPU timers on its tick, so one signal may cover several periods (its overrun).
    pub weight: u64,
    /// Wall time from the start of sampling to this sample.
    pub at: Duration,
}

/// A stretch of VM work outside the program (a collection, class loading, one method's
/// compilation), on the samples' time axis: what a timeline draws as a marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseSpan {
    pub phase: Phase,
    /// The method a JIT tier compiled in this span (`None` for collections and class
    /// loading).
    pub method: Option<FrameLabel>,
    pub start: Duration,
    pub end: Duration,
}

/// What a run cost, measured around it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Meter {
    pub wall_time: Duration,
    /// CPU time of the VM thread.
    pub cpu_time: Duration,
    /// Bytes the program allocated (heap accounting, headers included).
    pub allocated_bytes: u64,
    /// Bytecodes executed.
    pub bytecodes: u64,
    /// Logical clock ticks.
    pub clock: u64,
}

/// The result of [`Machine::run_sampled`].
#[derive(Debug, Clone)]
pub struct SampledRun {
    pub exit: Exit,
    pub samples: Vec<Sample>,
    /// Timer ticks whose sample was dropped because the ring was full.
    pub lost: u64,
    pub meter: Meter,
    /// Collections and compilations during the run, in the order they ended.
    pub spans: Vec<PhaseSpan>,
}

/// Names (method index, tier) pairs, once each.
struct Labels<'a> {
    vm: &'a Vm,
    known: std::collections::HashMap<(MethodId, u8), FrameLabel>,
}

impl<'a> Labels<'a> {
    fn new(vm: &'a Vm) -> Labels<'a> {
        Labels {
            vm,
            known: Default::default(),
        }
    }

    fn label(&mut self, method: MethodId, tier: u8) -> FrameLabel {
        let vm = self.vm;
        let make = || match vm.methods.get(method.index()) {
            Some(m) => FrameLabel {
                method: Some(MethodKey(method)),
                class: vm.class_name(m.holder).into(),
                selector: vm.symbol_text(m.signature).into(),
                label: vm.method_name(method).into(),
                tier,
            },
            None => FrameLabel {
                method: None,
                class: "?".into(),
                selector: "?".into(),
                label: "[unknown]".into(),
                tier,
            },
        };
        self.known
            .entry((method, tier))
            .or_insert_with(make)
            .clone()
    }
}

impl Machine {
    /// Measures a run: wall and CPU time, bytes allocated, bytecodes and clock ticks.
    pub fn metered<R>(&mut self, run: impl FnOnce(&mut Machine) -> R) -> (R, Meter) {
        let (wall, cpu) = (Instant::now(), thread_cpu_time());
        let at_gc = ALLOCATED_AT_GC.with(Cell::get);
        let since_gc = self.vm.heap.bytes_since_gc as u64;
        let (bytecodes, clock) = (self.vm.stats.bytecodes, self.vm.stats.clock);
        let result = run(self);
        let allocated =
            ALLOCATED_AT_GC.with(Cell::get) - at_gc + self.vm.heap.bytes_since_gc as u64;
        let meter = Meter {
            wall_time: wall.elapsed(),
            cpu_time: thread_cpu_time().saturating_sub(cpu),
            allocated_bytes: allocated.saturating_sub(since_gc),
            bytecodes: self.vm.stats.bytecodes - bytecodes,
            clock: self.vm.stats.clock - clock,
        };
        (result, meter)
    }

    /// Runs to the end at full speed while a timer samples the VM stack `hz` times per
    /// second of the VM thread's CPU time, tier-1 frames included. Samples in the
    /// collector have phase `Gc`, in the compilers (class loading, tier-1 compilation)
    /// `Compiler`. Fails only when the timer cannot be set up.
    pub fn run_sampled(&mut self, hz: u32) -> std::io::Result<SampledRun> {
        let sampler = Sampler::start(&mut self.vm, hz)?;
        let (exit, meter) = self.metered(|m| m.run());
        let collected = sampler.stop();
        let since = |ns: u64| Duration::from_nanos(ns.saturating_sub(collected.start_ns));
        let mut labels = Labels::new(&self.vm);
        let mut leaves = leaf::Leaves::new();
        let samples = collected
            .samples
            .into_iter()
            .map(|r| {
                let depth = r.depth as usize;
                let split = if depth > SAMPLE_DEPTH && r.methods.len() == SAMPLE_DEPTH {
                    SAMPLE_INNER
                } else {
                    r.methods.len()
                };
                let mut frames: Vec<FrameLabel> =
                    r.methods.iter().map(|&(m, t)| labels.label(m, t)).collect();
                let outer = frames.split_off(split);
                Sample {
                    phase: r.phase,
                    truncated: outer.is_empty() && depth > frames.len(),
                    depth,
                    runtime: match r.phase {
                        Phase::Running => leaves.runtime_name(r.pc),
                        _ => None,
                    },
                    weight: u64::from(r.weight),
                    frames,
                    outer,
                    at: since(r.at_ns),
                }
            })
            .collect();
        let spans = collected
            .spans
            .iter()
            .map(|s| PhaseSpan {
                phase: s.phase,
                method: s.method.map(|m| labels.label(m, 0)),
                start: since(s.start_ns),
                end: since(s.end_ns),
            })
            .collect();
        Ok(SampledRun {
            exit,
            samples,
            lost: collected.lost,
            meter,
            spans,
        })
    }
}

impl View<'_> {
    /// The label of frame `level` (0 innermost); callers that sample often keep labels
    /// by [`View::method_at`] and [`View::tier_at`].
    pub fn frame_label(&self, level: usize) -> FrameLabel {
        let MethodKey(method) = self.method_at(level);
        Labels::new(self.vm).label(method, self.tier_at(level))
    }

    /// The tier running frame `level` (0 innermost).
    pub fn tier_at(&self, level: usize) -> u8 {
        let frames = &self.vm.frames;
        frames[frames.len() - 1 - level].tier
    }
}

mod leaf;
#[cfg(test)]
mod tests;
