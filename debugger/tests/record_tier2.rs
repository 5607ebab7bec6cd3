//! A run recorded with tier 2 on (and deopts, forced and speculative) replays in the
//! interpreter with the same output and logical clock: the replay checks both against
//! the recording while opening it, and here against a recording made in tier 0.

use som_debugger::engine::{Engine, DEFAULT_BUDGET};
use som_debugger::record::{record, Recording};
use som_debugger::trace::Trace;
use som_vm::introspect::{Inputs, Machine, Options, Tier2EventKind};
use std::path::PathBuf;

const PROGRAM: &str = "tests/programs/Tier2Deopts.som";

fn recorded(tag: &str, what: &Recording) -> Trace {
    let dir = std::env::temp_dir().join(format!("som-dbg-tier2-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("run.somtrace");
    assert_eq!(record(what, &file).expect("record"), 0);
    let trace = Trace::read(&file).expect("read the recording");
    std::fs::remove_dir_all(&dir).unwrap();
    trace
}

/// The same run as `som --max-tier 2 --jit-threshold 0 [--deopt-stress]`: how many
/// times tier 2 deoptimized.
fn deopts(deopt_stress: bool) -> usize {
    let options = Options {
        max_tier: 2,
        jit_threshold: 0,
        deopt_stress: deopt_stress.then_some(1),
        ..Options::default()
    };
    let mut m =
        Machine::load(options, &PathBuf::from(PROGRAM), &[], Inputs::Live, false).expect("loads");
    m.run();
    let events = m.view().tier2_events().events;
    events
        .iter()
        .filter(|e| matches!(e.kind, Tier2EventKind::Deoptimized { .. }))
        .count()
}

#[test]
fn a_run_recorded_in_tier_2_with_deopts_replays_identically_in_the_interpreter() {
    let program = PathBuf::from(PROGRAM);
    let base = Recording {
        program: program.clone(),
        max_tier: Some(0),
        ..Recording::default()
    };
    let t0 = recorded("t0", &base);
    assert!(deopts(false) >= 1, "the Double argument deoptimizes tier 2");
    assert!(deopts(true) > deopts(false), "--deopt-stress forces more");
    for stress in [false, true] {
        let what = Recording {
            max_tier: Some(2),
            jit_threshold: Some(0),
            deopt_stress: stress,
            ..base.clone()
        };
        let t2 = recorded(if stress { "t2-stress" } else { "t2" }, &what);
        assert_eq!(t2.output, t0.output);
        assert_eq!(t2.final_clock, t0.final_clock);
        assert_eq!(t2.exit_status, t0.exit_status);
        let engine = Engine::open(t2, DEFAULT_BUDGET).expect("replays without diverging");
        assert_eq!(engine.info().end_clock, t0.final_clock);
    }
}
