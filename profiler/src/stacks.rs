//! Folded stacks, the profiler's one intermediate format (inferno's convention: frames
//! root first joined by `;`, a space, then a count). Every report is computed from them.
//! Frame names are `Class>>selector [tier N]` (blocks `[] in Class>>selector [tier N]`);
//! work outside the program is a leaf `[gc]` or `[compiler]` on the stack that caused it,
//! and time in a VM runtime function called from compiled code a leaf `[runtime] name`
//! (when the sample names the function).

use som_vm::introspect::{Phase, Sample};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Leaf frame of samples taken in the garbage collector.
pub const GC_FRAME: &str = "[gc]";
/// Leaf frame of samples taken while loading, parsing and compiling classes.
pub const COMPILER_FRAME: &str = "[compiler]";
/// The prefix of a leaf frame naming the runtime function a sample was taken in.
pub const RUNTIME_PREFIX: &str = "[runtime] ";

/// The leaf frame of a sample taken in runtime function `name` (`[runtime] rt_send`).
pub fn runtime_frame(name: &str) -> String {
    format!("{RUNTIME_PREFIX}{name}")
}

/// Root frame of samples whose stack was deeper than the sampler copies.
pub const TRUNCATED_FRAME: &str = "[truncated]";
/// The only frame of samples taken with no activation on the stack.
pub const VM_FRAME: &str = "[vm]";
/// Frames kept at the root end and at the leaf end of a stack deeper than their sum;
/// the frames between become one gap frame ([`gap_frame`]).
pub const KEEP_OUTER: usize = 32;
pub const KEEP_INNER: usize = 96;

/// The frame standing for `n` activations left out of the middle of a deep stack.
pub fn gap_frame(n: usize) -> String {
    format!("[{n} frames]")
}

/// What a frame stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FrameKind {
    /// A method or block activation running in this tier.
    Tier(u8),
    Gc,
    Compiler,
    /// `[runtime] name`: a VM runtime function called from compiled code.
    Runtime,
    /// `[vm]`, `[truncated]`, `[unknown]`: bookkeeping, not program code.
    Other,
}

impl FrameKind {
    /// The name used in tables and JSON: `tier 0`, `gc`, `compiler`, `other`.
    pub fn name(self) -> String {
        match self {
            FrameKind::Tier(t) => format!("tier {t}"),
            FrameKind::Gc => "gc".into(),
            FrameKind::Compiler => "compiler".into(),
            FrameKind::Runtime => "runtime".into(),
            FrameKind::Other => "other".into(),
        }
    }
}

/// Splits a frame name into its method label and kind (`Fib>>fib: [tier 1]` gives
/// `("Fib>>fib:", Tier(1))`).
pub fn parse_frame(frame: &str) -> (&str, FrameKind) {
    if let Some((label, rest)) = frame.rsplit_once(" [tier ") {
        if let Some(Ok(t)) = rest.strip_suffix(']').map(str::parse) {
            return (label, FrameKind::Tier(t));
        }
    }
    match frame {
        GC_FRAME => (frame, FrameKind::Gc),
        COMPILER_FRAME => (frame, FrameKind::Compiler),
        _ if frame.starts_with(RUNTIME_PREFIX) => (frame, FrameKind::Runtime),
        _ => (frame, FrameKind::Other),
    }
}

/// The frame name of a method label in a tier.
pub fn frame_name(label: &str, tier: u8) -> String {
    format!("{label} [tier {tier}]")
}

/// Stacks (root first, `;`-joined) with their sample counts, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    pub stacks: BTreeMap<String, u64>,
}

impl Folded {
    /// Folds samples (frames innermost first) into stacks.
    pub fn from_samples<'a>(samples: impl IntoIterator<Item = &'a Sample>) -> Folded {
        let mut folded = Folded::default();
        for s in samples {
            folded.add(&stack_of(s), s.weight);
        }
        folded
    }

    pub fn add(&mut self, stack: &str, count: u64) {
        if count > 0 {
            *self.stacks.entry(stack.to_string()).or_insert(0) += count;
        }
    }

    /// Samples in all stacks.
    pub fn total(&self) -> u64 {
        self.stacks.values().sum()
    }

    /// The inferno text: one `stack count` line per stack.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (stack, n) in &self.stacks {
            let _ = writeln!(out, "{stack} {n}");
        }
        out
    }

    /// Reads the inferno text (the count is after the last space).
    pub fn parse(text: &str) -> Result<Folded, String> {
        let mut folded = Folded::default();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let bad = || format!("line {}: not `stack count`: {line}", i + 1);
            let (stack, count) = line.rsplit_once(' ').ok_or_else(bad)?;
            folded.add(stack, count.trim().parse().map_err(|_| bad())?);
        }
        Ok(folded)
    }

    /// Each stack as its frames, root first, with its count.
    pub fn iter(&self) -> impl Iterator<Item = (Vec<&str>, u64)> {
        self.stacks
            .iter()
            .map(|(s, &n)| (s.split(';').collect(), n))
    }
}

/// A sample's stack, root first: at most [`KEEP_OUTER`] frames from the root and
/// [`KEEP_INNER`] towards the leaf, with a counted gap between.
fn stack_of(s: &Sample) -> String {
    stack_frames(s).join(";")
}

/// A sample's frame names, root first, as they appear in its folded stack.
pub fn stack_frames(s: &Sample) -> Vec<String> {
    let mut frames: Vec<String> = Vec::with_capacity(KEEP_OUTER + KEEP_INNER + 3);
    if s.truncated {
        frames.push(TRUNCATED_FRAME.into());
    }
    let name = |f: &som_vm::introspect::FrameLabel| frame_name(&f.label, f.tier);
    let depth = s.frames.len();
    if !s.outer.is_empty() {
        // The time sampler's split: its outermost and innermost frames and the depth.
        let missing = s.depth.saturating_sub(depth + s.outer.len());
        let inner = depth.min(KEEP_INNER);
        let outer = s.outer.len().min(KEEP_OUTER);
        let cut = missing + (depth - inner) + (s.outer.len() - outer);
        frames.extend(s.outer[s.outer.len() - outer..].iter().rev().map(name));
        if cut > 0 {
            frames.push(gap_frame(cut));
        }
        frames.extend(s.frames[..inner].iter().rev().map(name));
    } else if depth > KEEP_OUTER + KEEP_INNER && !s.truncated {
        frames.extend(s.frames[depth - KEEP_OUTER..].iter().rev().map(name));
        frames.push(gap_frame(depth - KEEP_OUTER - KEEP_INNER));
        frames.extend(s.frames[..KEEP_INNER].iter().rev().map(name));
    } else {
        frames.extend(s.frames.iter().rev().map(name));
    }
    match s.phase {
        Phase::Gc => frames.push(GC_FRAME.into()),
        Phase::Compiler => frames.push(COMPILER_FRAME.into()),
        Phase::Running => match &s.runtime {
            Some(f) => frames.push(runtime_frame(f)),
            None if frames.is_empty() => frames.push(VM_FRAME.into()),
            None => {}
        },
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use som_vm::introspect::FrameLabel;

    fn label(text: &str, tier: u8) -> FrameLabel {
        FrameLabel {
            method: None,
            class: "C".into(),
            selector: "s".into(),
            label: text.into(),
            tier,
        }
    }

    #[test]
    fn samples_fold_root_first_with_gc_and_compiler_leaves() {
        let sample = |phase, frames: Vec<FrameLabel>| Sample {
            phase,
            depth: frames.len(),
            frames,
            outer: Vec::new(),
            truncated: false,
            runtime: None,
            weight: 2,
            at: Default::default(),
        };
        let inner = vec![label("Fib>>fib:", 1), label("Fib>>run", 0)];
        let samples = [
            sample(Phase::Running, inner.clone()),
            sample(Phase::Gc, inner.clone()),
            sample(Phase::Compiler, vec![]),
            sample(Phase::Running, inner),
        ];
        let text = Folded::from_samples(&samples).to_text();
        assert_eq!(
            text,
            "Fib>>run [tier 0];Fib>>fib: [tier 1] 4\n\
             Fib>>run [tier 0];Fib>>fib: [tier 1];[gc] 2\n[compiler] 2\n"
        );
        assert_eq!(Folded::parse(&text).unwrap().to_text(), text);
    }

    #[test]
    fn a_deep_stack_keeps_root_and_leaf_frames_with_a_counted_gap() {
        let depth = KEEP_OUTER + KEEP_INNER + 72;
        let frames: Vec<FrameLabel> = (0..depth).map(|i| label(&format!("R>>f{i}"), 0)).collect();
        let sample = Sample {
            phase: Phase::Running,
            depth: frames.len(),
            frames,
            outer: Vec::new(),
            truncated: false,
            runtime: None,
            weight: 1,
            at: Default::default(),
        };
        let folded = Folded::from_samples([&sample]);
        let (stack, _) = folded.iter().next().unwrap();
        assert_eq!(stack.len(), KEEP_OUTER + KEEP_INNER + 1);
        // Innermost first in the sample, so the root is the last frame.
        assert_eq!(stack[0], format!("R>>f{} [tier 0]", depth - 1));
        assert_eq!(stack[KEEP_OUTER], "[72 frames]");
        assert_eq!(stack.last().copied(), Some("R>>f0 [tier 0]"));
        assert!(!stack.contains(&TRUNCATED_FRAME));
    }

    #[test]
    fn a_time_sample_split_by_the_sampler_keeps_both_ends_and_names_its_runtime_leaf() {
        let labels = |r: std::ops::Range<usize>| -> Vec<FrameLabel> {
            r.rev().map(|i| label(&format!("R>>f{i}"), 1)).collect()
        };
        let sample = Sample {
            phase: Phase::Running,
            frames: labels(204..300),
            outer: labels(0..32),
            depth: 300,
            truncated: false,
            runtime: Some("runtime::send::Vm::send".into()),
            weight: 1,
            at: Default::default(),
        };
        let folded = Folded::from_samples([&sample]);
        let (stack, _) = folded.iter().next().unwrap();
        assert_eq!(stack[0], "R>>f0 [tier 1]", "the root");
        assert_eq!(stack[31], "R>>f31 [tier 1]");
        assert_eq!(stack[32], "[172 frames]");
        assert_eq!(stack[33], "R>>f204 [tier 1]");
        assert_eq!(stack[stack.len() - 2], "R>>f299 [tier 1]");
        assert_eq!(
            stack.last().copied(),
            Some("[runtime] runtime::send::Vm::send")
        );
    }

    #[test]
    fn frame_names_parse_back() {
        assert_eq!(
            parse_frame("[] in Foo class>>bar: [tier 2]"),
            ("[] in Foo class>>bar:", FrameKind::Tier(2))
        );
        assert_eq!(parse_frame(GC_FRAME).1, FrameKind::Gc);
        assert_eq!(parse_frame(COMPILER_FRAME).1, FrameKind::Compiler);
        assert_eq!(parse_frame("[vm]").1, FrameKind::Other);
        assert_eq!(
            parse_frame(&runtime_frame("rt_send")),
            ("[runtime] rt_send", FrameKind::Runtime)
        );
        assert!(Folded::parse("a;b x").is_err());
    }
}
