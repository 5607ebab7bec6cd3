//! The time sampler on real programs: hot method, collector phase, allocation meter,
//! tier-1 call chains.

use super::*;
use crate::introspect::Inputs;
use crate::runtime::vm::Options;

const HOT: &str = "Hot = (
    spin: n = ( | s | s := 0. 1 to: n do: [ :i | s := s + (i % 7) ]. ^ s )
    churn: n = ( | a | 1 to: n do: [ :i | a := Array new: 20 ]. ^ a )
    run = ( self spin: 10000000. self churn: 100000 )
)";

fn machine(name: &str, source: &str, options: Options) -> Machine {
    let dir = std::env::temp_dir().join(format!("som-sampling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.som"));
    std::fs::write(&file, source).unwrap();
    Machine::load(options, &file, &[], Inputs::Live, true).expect("loads")
}

/// Periods whose innermost frame is `label`, running.
fn leaf_weight(run: &SampledRun, label: &str) -> u64 {
    let leaf = |s: &&Sample| s.frames.first().is_some_and(|f| &*f.label == label);
    let running = run.samples.iter().filter(|s| s.phase == Phase::Running);
    running.filter(leaf).map(|s| s.weight).sum()
}

#[test]
fn time_samples_find_the_hot_method() {
    let mut m = machine("Hot", HOT, Options::default());
    let run = m.run_sampled(997).expect("timer");
    assert_eq!(run.exit.status, 0, "{:?}", run.exit.error);
    let weight: u64 = run.samples.iter().map(|s| s.weight).sum();
    let expected = run.meter.cpu_time.as_secs_f64() * 997.0;
    let plausible = weight as f64 > expected * 0.7 && weight as f64 <= expected * 1.1 + 2.0;
    assert!(plausible, "{weight} periods in {:?}", run.meter.cpu_time);
    let (spin, churn) = (
        leaf_weight(&run, "Hot>>spin:"),
        leaf_weight(&run, "Hot>>churn:"),
    );
    assert!(
        spin > churn && spin * 2 > weight,
        "spin {spin} churn {churn}"
    );
    let root = run.samples[0].frames.last().unwrap();
    assert_eq!(&*root.label, "System>>initialize:");
    assert!(run.meter.allocated_bytes > 100_000 * 100, "{:?}", run.meter);
    assert_eq!(run.lost, 0);
}

#[test]
fn samples_in_the_collector_are_marked() {
    let options = Options {
        gc_stress: true,
        ..Options::default()
    };
    let source = "Churn = ( run = ( 1 to: 12000 do: [ :i | Array new: 4 ] ) )";
    let mut m = machine("Churn", source, options);
    let run = m.run_sampled(2000).expect("timer");
    let weight = |p: Phase| -> u64 {
        let of_phase = run.samples.iter().filter(|s| s.phase == p);
        of_phase.map(|s| s.weight).sum()
    };
    let (gc, running) = (weight(Phase::Gc), weight(Phase::Running));
    assert!(gc > running, "{gc} in gc, {running} running");
    assert!(run.meter.allocated_bytes > 3000 * 48, "{:?}", run.meter);
}

/// Recursion through natively called tier-1 methods: `run` calls `rec:` eleven deep,
/// the innermost calls `work`.
const CHAIN: &str = "Chain = (
    rec: d = ( d = 0 ifTrue: [ ^ self work ]. ^ (self rec: d - 1) + 1 )
    work = ( | s | s := 0. 1 to: 200 do: [ :j | s := s + j ]. ^ s )
    run = ( | s | s := 0. 1 to: 1000000 do: [ :i | s := s + (self rec: 10) ]. ^ s )
)";

#[test]
fn time_samples_see_tier_1_call_chains() {
    let options = Options {
        jit_threshold: 0,
        ..Options::default()
    };
    let mut m = machine("Chain", CHAIN, options);
    let run = m.run_sampled(997).expect("timer");
    assert_eq!(run.exit.status, 0, "{:?}", run.exit.error);
    fn chain(s: &Sample) -> Vec<(&str, u8)> {
        let inner = s.frames.iter().take_while(|f| &*f.label != "Chain>>run");
        inner.map(|f| (&*f.label, f.tier)).collect()
    }
    let running: Vec<&Sample> = run
        .samples
        .iter()
        .filter(|s| s.phase == Phase::Running && s.frames.len() > 2)
        .collect();
    for s in &running {
        let frames = chain(s);
        let depth = frames.iter().filter(|f| f.0 == "Chain>>rec:").count();
        let work = frames.first() == Some(&("Chain>>work", 1));
        assert!(
            frames.iter().all(|f| f.1 == 1) && depth == frames.len() - usize::from(work),
            "{frames:?}"
        );
        assert!(depth <= 11 && (!work || depth == 11), "{frames:?}");
    }
    // rec: is innermost 12 to 35% of the time (measured) in ~500 ms of CPU, 120 timer
    // signals or more: none in rec: itself would mean its frames are not seen.
    assert!(running.len() > 20, "{} running samples", running.len());
    let in_rec = running
        .iter()
        .filter(|s| &*s.frames[0].label == "Chain>>rec:");
    let in_work = running
        .iter()
        .filter(|s| &*s.frames[0].label == "Chain>>work");
    assert!(in_rec.count() > 0 && in_work.count() > 0);
}

#[test]
fn samples_in_runtime_functions_name_them_and_the_program_itself_names_none() {
    let source = "Prim = (
        spin: n = ( | s | s := 0. 1 to: n do: [ :i | s := s + (i % 7) ]. ^ s )
        cat: n = ( | s | s := ''. 1 to: n do: [ :i | s := s concatenate: 'ab' ]. ^ s )
        run = ( self spin: 60000000. self cat: 60000 )
    )";
    let mut m = machine("Prim", source, Options::default());
    let run = m.run_sampled(997).expect("timer");
    assert_eq!(run.exit.status, 0, "{:?}", run.exit.error);
    let leaf_is = |s: &&Sample, label: &str| {
        s.phase == Phase::Running && s.frames.first().is_some_and(|f| &*f.label == label)
    };
    let share_named = |label: &str| {
        let of: Vec<&Sample> = run.samples.iter().filter(|s| leaf_is(s, label)).collect();
        let named = of.iter().filter(|s| s.runtime.is_some()).count();
        (named, of.len())
    };
    let (cat_named, cat) = share_named("Prim>>cat:");
    let (spin_named, spin) = share_named("Prim>>spin:");
    assert!(cat > 10 && spin > 10, "cat {cat}, spin {spin} samples");
    assert!(
        cat_named * 2 > cat,
        "cat: {cat_named} of {cat} in the runtime"
    );
    assert!(
        spin_named * 2 < spin,
        "spin: {spin_named} of {spin} in the runtime"
    );
    let names: Vec<&str> = run
        .samples
        .iter()
        .filter_map(|s| s.runtime.as_deref())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.is_empty() && !n.starts_with("som_vm::")),
        "{names:?}"
    );
}

#[test]
fn a_stack_deeper_than_the_sample_keeps_its_root_end_and_real_depth() {
    let source = "Deep = (
        down: d = ( d = 0 ifTrue: [ ^ self spin ]. ^ self down: d - 1 )
        spin = ( | s | s := 0. 1 to: 30000000 do: [ :i | s := s + (i % 7) ]. ^ s )
        run = ( ^ self down: 300 )
    )";
    let mut m = machine("Deep", source, Options::default());
    let run = m.run_sampled(997).expect("timer");
    assert_eq!(run.exit.status, 0, "{:?}", run.exit.error);
    let deep: Vec<&Sample> = run
        .samples
        .iter()
        .filter(|s| s.depth > SAMPLE_DEPTH)
        .collect();
    assert!(deep.len() > 10, "{} deep samples", deep.len());
    for s in deep {
        assert!(s.depth >= 300 && !s.truncated, "depth {}", s.depth);
        assert_eq!(
            (s.frames.len(), s.outer.len()),
            (SAMPLE_INNER, SAMPLE_DEPTH - SAMPLE_INNER)
        );
        assert_eq!(&*s.outer.last().unwrap().label, "System>>initialize:");
        assert_eq!(&*s.frames[0].label, "Deep>>spin");
    }
}
