//! `firefox.json`: the profile in the Firefox Profiler's processed format (written with
//! the `fxprof-processed-profile` crate), for profiler.firefox.com's "Load a profile from
//! file". One thread (the VM thread) whose samples keep their time and stack; one
//! category per tier (interpreter, baseline, optimized) plus GC, compiler and runtime,
//! so the activity graph shows which tier ran when; markers for collections, class
//! loading and each method's JIT compilation (named by tier: tier-2 compilations in the
//! optimized category), a tier-up marker where a method's tier-2 code was installed,
//! a marker per tier-2 deopt (its time interpolated from the logical clock, see
//! `jit_log`); and an energy counter track (measured by RAPL or modelled, its name
//! says which).
//!
//! Frames are named as in the folded stacks (`Class>>selector [tier N]`, `[gc]`, ...):
//! the call tree matches the flamegraph. Inline depth is 0 for every frame: no tier
//! running today inlines activations into one physical frame.

use crate::energy::{Attribution, Source};
use crate::jit_log::JitLog;
use crate::stacks::{parse_frame, stack_frames, FrameKind};
use fxprof_processed_profile::{
    CategoryColor, CategoryHandle, CpuDelta, Frame, FrameFlags, FrameInfo, MarkerFieldFlags,
    MarkerFieldFormat, MarkerTiming, Profile, ReferenceTimestamp, SamplingInterval,
    StaticSchemaMarker, StaticSchemaMarkerField, StringHandle, ThreadHandle, Timestamp,
};
use som_vm::introspect::{Phase, PhaseSpan, Sample};
use std::time::{Duration, SystemTime};

/// What the document is made from.
pub struct Input<'a> {
    /// The profile's name (`som-prof: Program.som args`).
    pub title: &'a str,
    pub samples: &'a [Sample],
    pub spans: &'a [PhaseSpan],
    /// The sampling period (one timer period, or one clock interval's nominal time).
    pub interval: Duration,
    /// When the run started (the timeline's zero).
    pub started: SystemTime,
    pub attribution: &'a Attribution,
    pub source: &'a Source,
    /// The JIT tiers' compilations and deopts.
    pub jit: &'a JitLog,
}

/// The categories, one per kind of frame.
struct Categories {
    tiers: [CategoryHandle; 3],
    gc: CategoryHandle,
    compiler: CategoryHandle,
    runtime: CategoryHandle,
    other: CategoryHandle,
}

impl Categories {
    fn new(p: &mut Profile) -> Categories {
        Categories {
            tiers: [
                p.add_category("Interpreter (tier 0)", CategoryColor::Blue),
                p.add_category("Baseline JIT (tier 1)", CategoryColor::Green),
                p.add_category("Optimizing JIT (tier 2)", CategoryColor::Orange),
            ],
            gc: p.add_category("GC", CategoryColor::Yellow),
            compiler: p.add_category("Compiler", CategoryColor::Purple),
            runtime: p.add_category("Runtime", CategoryColor::LightBlue),
            other: CategoryHandle::OTHER,
        }
    }

    fn of(&self, kind: FrameKind) -> CategoryHandle {
        match kind {
            FrameKind::Tier(t) => self.tiers[usize::from(t.min(2))],
            FrameKind::Gc => self.gc,
            FrameKind::Compiler => self.compiler,
            FrameKind::Runtime => self.runtime,
            FrameKind::Other => self.other,
        }
    }
}

fn ms(d: Duration) -> Timestamp {
    Timestamp::from_millis_since_reference(d.as_secs_f64() * 1e3)
}

/// The Firefox Profiler document of one run.
pub fn document(input: &Input<'_>) -> Profile {
    let interval = SamplingInterval::from_nanos(input.interval.as_nanos().max(1) as u64);
    let mut p = Profile::new(
        input.title,
        ReferenceTimestamp::from_system_time(input.started),
        interval,
    );
    let cats = Categories::new(&mut p);
    let pid = std::process::id();
    let process = p.add_process("som", pid, ms(Duration::ZERO));
    let thread = p.add_thread(process, pid, ms(Duration::ZERO), true);
    p.set_thread_name(thread, "VM thread");
    add_samples(&mut p, thread, &cats, input);
    let end = input.samples.last().map_or(Duration::ZERO, |s| s.at);
    let end = input.spans.iter().map(|s| s.end).fold(end, Duration::max);
    add_markers(&mut p, thread, &cats, input);
    add_deopts(&mut p, thread, &cats, input, end);
    add_energy(&mut p, process, input);
    p.set_thread_end_time(thread, ms(end));
    p
}

fn add_samples(p: &mut Profile, thread: ThreadHandle, cats: &Categories, input: &Input<'_>) {
    let cpu_per_period = input.interval.as_micros() as u64;
    for s in input.samples {
        let frames: Vec<FrameInfo> = stack_frames(s)
            .iter()
            .map(|name| FrameInfo {
                frame: Frame::Label(p.intern_string(name)),
                category_pair: cats.of(parse_frame(name).1).into(),
                flags: FrameFlags::empty(),
            })
            .collect();
        let stack = p.intern_stack_frames(thread, frames.into_iter());
        let cpu = CpuDelta::from_micros(cpu_per_period * s.weight);
        p.add_sample(thread, ms(s.at), stack, cpu, s.weight as i32);
    }
}

/// A collection, class loading, or one method's compilation (strings interned and the
/// category chosen when the marker is made: the schema's accessors cannot intern).
struct SpanMarker {
    name: StringHandle,
    category: CategoryHandle,
    method: StringHandle,
}

impl StaticSchemaMarker for SpanMarker {
    const UNIQUE_MARKER_TYPE_NAME: &'static str = "SomVmPhase";
    const DESCRIPTION: Option<&'static str> =
        Some("VM work outside the program: a collection, class loading, a JIT compilation");
    const CHART_LABEL: Option<&'static str> = Some("{marker.data.method}");
    const TOOLTIP_LABEL: Option<&'static str> = Some("{marker.name} {marker.data.method}");
    const TABLE_LABEL: Option<&'static str> = Some("{marker.data.method}");
    const FIELDS: &'static [StaticSchemaMarkerField] = &[StaticSchemaMarkerField {
        key: "method",
        label: "Method",
        format: MarkerFieldFormat::String,
        flags: MarkerFieldFlags::SEARCHABLE,
    }];

    fn name(&self, _profile: &mut Profile) -> StringHandle {
        self.name
    }

    fn category(&self, _profile: &mut Profile) -> CategoryHandle {
        self.category
    }

    fn string_field_value(&self, _field_index: u32) -> StringHandle {
        self.method
    }

    fn number_field_value(&self, _field_index: u32) -> f64 {
        0.0
    }
}

/// The marker name of a span: what the VM was doing (`tier`: the JIT tier of a
/// compilation, when its attempt is known).
pub fn span_name(span: &PhaseSpan, tier: Option<u8>) -> &'static str {
    match (span.phase, &span.method, tier) {
        (Phase::Gc, _, _) => "GC",
        (_, Some(_), Some(2)) => "JIT compile (tier 2)",
        (_, Some(_), Some(_)) => "JIT compile (tier 1)",
        (_, Some(_), None) => "JIT compile",
        (_, None, _) => "Class loading",
    }
}

fn add_markers(p: &mut Profile, thread: ThreadHandle, cats: &Categories, input: &Input<'_>) {
    let attempts = input.jit.span_attempts(input.spans);
    for (span, attempt) in input.spans.iter().zip(attempts) {
        let tier = attempt.map(|a| a.tier);
        let method = span.method.as_ref().map_or("", |m| &m.label);
        let marker = SpanMarker {
            name: p.intern_string(span_name(span, tier)),
            category: match (span.phase, tier) {
                (Phase::Gc, _) => cats.gc,
                (_, Some(2)) => cats.tiers[2],
                _ => cats.compiler,
            },
            method: p.intern_string(method),
        };
        let timing = MarkerTiming::Interval(ms(span.start), ms(span.end));
        p.add_marker(thread, timing, marker);
        if attempt.is_some_and(|a| a.tier == 2 && a.compiled) {
            let marker = Tier2Marker {
                name: p.intern_string("Tier-up to tier 2"),
                category: cats.tiers[2],
                method: p.intern_string(method),
                detail: p.intern_string("tier-2 code installed; the next call runs it"),
            };
            p.add_marker(thread, MarkerTiming::Instant(ms(span.end)), marker);
        }
    }
}

/// One instant marker per tier-2 deopt, at the time interpolated from its clock.
fn add_deopts(
    p: &mut Profile,
    thread: ThreadHandle,
    cats: &Categories,
    input: &Input<'_>,
    end: Duration,
) {
    for d in &input.jit.deopts {
        let at = input.jit.time_of(d.clock, input.spans, end);
        let detail = format!(
            "{} at bytecode {}, logical clock {} (time interpolated from the clock)",
            d.reason, d.bci, d.clock
        );
        let marker = Tier2Marker {
            name: p.intern_string("Deopt"),
            category: cats.tiers[2],
            method: p.intern_string(&d.label),
            detail: p.intern_string(&detail),
        };
        p.add_marker(thread, MarkerTiming::Instant(ms(at)), marker);
    }
}

/// A tier-2 event: a tier-up or a deopt, with what happened in `detail`.
struct Tier2Marker {
    name: StringHandle,
    category: CategoryHandle,
    method: StringHandle,
    detail: StringHandle,
}

impl StaticSchemaMarker for Tier2Marker {
    const UNIQUE_MARKER_TYPE_NAME: &'static str = "SomTier2";
    const DESCRIPTION: Option<&'static str> =
        Some("Tier 2: a method's optimized code installed (tier-up), or a deopt back to tier 0");
    const CHART_LABEL: Option<&'static str> = Some("{marker.data.method}");
    const TOOLTIP_LABEL: Option<&'static str> =
        Some("{marker.name} {marker.data.method}: {marker.data.detail}");
    const TABLE_LABEL: Option<&'static str> = Some("{marker.data.method}: {marker.data.detail}");
    const FIELDS: &'static [StaticSchemaMarkerField] = &[
        StaticSchemaMarkerField {
            key: "method",
            label: "Method",
            format: MarkerFieldFormat::String,
            flags: MarkerFieldFlags::SEARCHABLE,
        },
        StaticSchemaMarkerField {
            key: "detail",
            label: "Detail",
            format: MarkerFieldFormat::String,
            flags: MarkerFieldFlags::SEARCHABLE,
        },
    ];

    fn name(&self, _profile: &mut Profile) -> StringHandle {
        self.name
    }

    fn category(&self, _profile: &mut Profile) -> CategoryHandle {
        self.category
    }

    fn string_field_value(&self, field_index: u32) -> StringHandle {
        match field_index {
            0 => self.method,
            _ => self.detail,
        }
    }

    fn number_field_value(&self, _field_index: u32) -> f64 {
        0.0
    }
}

/// The energy track: each sample's joules (the attribution of its leaf kind) as a
/// counter, so the graph shows where in the run the energy went.
fn add_energy(
    p: &mut Profile,
    process: fxprof_processed_profile::ProcessHandle,
    input: &Input<'_>,
) {
    let (name, description) = match input.source {
        Source::Measured(_) => (
            "Energy (RAPL, measured)",
            "joules per sample, from RAPL's total spread over the samples",
        ),
        Source::Model { .. } => (
            "Energy (modelled)",
            "joules per sample from the energy model (no RAPL)",
        ),
    };
    let counter = p.add_counter(process, name, "Energy", description);
    p.add_counter_sample(counter, ms(Duration::ZERO), 0.0, 0);
    for s in input.samples {
        let kind = stack_frames(s)
            .last()
            .map_or(FrameKind::Other, |f| parse_frame(f).1);
        let joules = input.attribution.joules(kind, s.weight);
        p.add_counter_sample(counter, ms(s.at), joules, 1);
    }
}
