//! The introspection API through its public surface only: monitored runs that pause at
//! boundaries, frame and object queries, checkpoints that restore exactly, evaluation
//! that leaves no trace, and recording then replaying non-deterministic inputs.

use som_vm::introspect::Options;
use som_vm::introspect::{
    Boundary, BoundaryKind, Event, Inputs, Machine, Monitor, RunState, Verdict, View,
};
use std::path::PathBuf;

const PROGRAM: &str = "Walk = (
    | total |
    run = (
        | list |
        total := 0.
        list := Array new: 3.
        1 to: 3 do: [ :i |
            list at: i put: i * 10.
            total := total + (self twice: i) ].
        total println.
        (1000 atRandom) println.
        ^ list
    )
    twice: n = (
        | r |
        r := n + n.
        ^ r
    )
    ----
    run: args = ( ^ self new run )
)
";

fn program() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("som-introspect-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Walk.som");
    std::fs::write(&path, PROGRAM.replace("run: args = ( ^ self new run )", "")).unwrap();
    let main = dir.join("WalkMain.som");
    std::fs::write(&main, "WalkMain = ( run = ( ^ Walk new run ) )").unwrap();
    path
}

fn load(inputs: Inputs) -> Machine {
    let path = program();
    let main = path.with_file_name("WalkMain.som");
    Machine::load(Options::default(), &main, &[], inputs, true).expect("loads")
}

/// Pauses at the first boundary matching a predicate; records every boundary seen.
struct StopAt<F: FnMut(&View<'_>, &Boundary) -> bool> {
    pred: F,
    seen: Vec<Boundary>,
    events: Vec<Event>,
}

impl<F: FnMut(&View<'_>, &Boundary) -> bool> Monitor for StopAt<F> {
    fn boundary(&mut self, vm: &View<'_>, at: &Boundary) -> Verdict {
        self.seen.push(*at);
        if (self.pred)(vm, at) {
            Verdict::Pause
        } else {
            Verdict::Continue
        }
    }
    fn event(&mut self, _: &View<'_>, e: &Event) {
        self.events.push(e.clone());
    }
}

fn stop_at<F: FnMut(&View<'_>, &Boundary) -> bool>(pred: F) -> StopAt<F> {
    StopAt {
        pred,
        seen: Vec::new(),
        events: Vec::new(),
    }
}

#[test]
fn a_monitored_run_pauses_in_a_method_and_shows_its_frame() {
    let mut m = load(Inputs::Live);
    let mut mon =
        stop_at(|vm, at| at.kind == BoundaryKind::Enter && vm.frame(0).selector == "twice:");
    assert_eq!(m.run_monitored(&mut mon), RunState::Paused);
    let view = m.view();
    let frames = view.frames();
    assert_eq!(frames[0].class, "Walk");
    assert_eq!(frames[0].label, "Walk>>twice:");
    assert_eq!(frames[0].line, 16);
    assert_eq!(frames[0].args[0].name, "n");
    assert_eq!(view.describe(frames[0].args[0].value), "1");
    assert!(
        frames[1].label.contains("Walk>>run"),
        "{:?}",
        frames[1].label
    );
    let receiver = view.object(frames[0].receiver);
    assert_eq!(receiver.class, "Walk");
    assert_eq!(receiver.fields[0].name, "total");
    assert_eq!(view.describe(receiver.fields[0].value), "0");
    // Resuming finishes the run with the program's output.
    let mut none = stop_at(|_, _| false);
    match m.run_monitored(&mut none) {
        RunState::Finished(exit) => assert_eq!(exit.status, 0),
        other => panic!("{other:?}"),
    }
    let out = String::from_utf8_lossy(m.view().output()).to_string();
    assert!(out.starts_with("12\n"), "{out}");
    assert!(none
        .events
        .iter()
        .any(|e| matches!(e, Event::Output { text, .. } if text == "12")));
}

#[test]
fn boundaries_are_the_same_in_every_monitored_run_and_the_clock_matches_a_fast_run() {
    let mut fast = load(Inputs::Live);
    let exit = fast.run();
    assert_eq!(exit.status, 0);
    let fast_clock = fast.view().clock();
    let mut a = stop_at(|_, _| false);
    let mut b = stop_at(|_, _| false);
    let mut ma = load(Inputs::Live);
    let mut mb = load(Inputs::Live);
    ma.run_monitored(&mut a);
    mb.run_monitored(&mut b);
    assert_eq!(a.seen, b.seen);
    assert!(a.seen.len() > 20);
    assert_eq!(ma.view().clock(), fast_clock);
    assert!(a.seen.windows(2).all(|w| w[0].step < w[1].step));
}

#[test]
fn restoring_a_checkpoint_replays_identically() {
    let mut m = load(Inputs::Record);
    let mut first = stop_at(|vm, _| vm.frames().iter().any(|f| f.selector == "twice:"));
    assert_eq!(m.run_monitored(&mut first), RunState::Paused);
    let cp = m.snapshot();
    let at = (m.view().clock(), m.view().step());
    let mut rest1 = stop_at(|_, _| false);
    m.run_monitored(&mut rest1);
    let out1 = m.view().output().to_vec();
    let clock1 = m.view().clock();
    m.restore(&cp);
    assert_eq!((m.view().clock(), m.view().step()), at);
    assert!(m.exit().is_none());
    let mut rest2 = stop_at(|_, _| false);
    m.run_monitored(&mut rest2);
    assert_eq!(rest1.seen, rest2.seen);
    assert_eq!(clock1, m.view().clock());
    // The random number is not replayed here (Record mode draws anew), but everything
    // before it is identical.
    let cut = |o: &[u8]| {
        String::from_utf8_lossy(o)
            .lines()
            .next()
            .map(str::to_string)
    };
    assert_eq!(cut(&out1), cut(m.view().output()));
}

#[test]
fn a_recording_replays_the_same_random_numbers() {
    let mut rec = load(Inputs::Record);
    rec.run();
    let log = rec.input_log();
    assert_eq!(log.len(), 1);
    let out = rec.view().output().to_vec();
    for _ in 0..2 {
        let mut replay = load(Inputs::Replay(log.clone()));
        replay.run();
        assert_eq!(replay.view().output(), &out[..]);
        assert!(replay.view().divergence().is_none());
    }
    let mut short = load(Inputs::Replay(Vec::new()));
    short.run();
    assert!(short.view().divergence().unwrap().contains("random"));
}

#[test]
fn evaluate_sees_locals_fields_and_leaves_no_trace() {
    let mut m = load(Inputs::Live);
    let mut mon = stop_at(|vm, at| {
        at.kind == BoundaryKind::Line && vm.frame(0).selector == "twice:" && at.line == 17
    });
    assert_eq!(m.run_monitored(&mut mon), RunState::Paused);
    let before = (m.view().clock(), m.view().step(), m.view().output().len());
    assert_eq!(m.evaluate(0, "n * 100"), Ok("100".to_string()));
    assert_eq!(m.evaluate(0, "r"), Ok("2".to_string()));
    assert_eq!(m.evaluate(1, "total"), Ok("0".to_string()));
    assert_eq!(m.evaluate(0, "('x' println) size"), Ok("1".to_string()));
    assert!(m.evaluate(0, "n foo").unwrap_err().contains("foo"));
    assert!(m.evaluate(0, "(").is_err());
    assert!(m
        .evaluate(0, "[ true ] whileTrue: [ ]")
        .unwrap_err()
        .contains("abandoned"));
    assert_eq!(
        (m.view().clock(), m.view().step(), m.view().output().len()),
        before
    );
    let mut rest = stop_at(|_, _| false);
    assert!(matches!(m.run_monitored(&mut rest), RunState::Finished(_)));
    assert!(String::from_utf8_lossy(m.view().output()).starts_with("12\n"));
}

#[test]
fn classes_methods_and_globals_are_listed() {
    let mut m = load(Inputs::Live);
    m.run();
    let view = m.view();
    assert!(view.classes().contains(&"Walk".to_string()));
    let walk = view.class("Walk").unwrap();
    assert_eq!(walk.fields, vec!["total".to_string()]);
    let twice = walk
        .methods
        .iter()
        .find(|m| m.selector == "twice:")
        .unwrap();
    assert_eq!(twice.invocations, 3);
    assert!(twice.lines.contains(&16));
    assert!(view.global("Walk").is_some());
    assert!(view.global("NoSuchThing").is_none());
}

#[test]
fn code_artifacts_show_successors_caches_and_profile_counts() {
    use som_vm::introspect::{CacheState, EdgeKind};
    let mut m = load(Inputs::Live);
    assert_eq!(m.run_profiled().status, 0);
    let view = m.view();
    let run = view.find_method("Walk", "run").expect("Walk>>run");
    let code = view.code(run).expect("bytecode");
    assert_eq!(code.label, "Walk>>run");
    let edges: Vec<EdgeKind> = code
        .bytecodes
        .iter()
        .flat_map(|b| b.successors.iter().map(|e| e.kind))
        .collect();
    assert!(edges.contains(&EdgeKind::LoopBack), "the to:do: loop");
    assert!(edges.contains(&EdgeKind::Branch), "the loop exit");
    assert!(code.bytecodes.last().unwrap().is_return);
    let send = code
        .bytecodes
        .iter()
        .find(|b| b.send.as_ref().is_some_and(|s| s.selector == "twice:"))
        .expect("the twice: send");
    let site = send.send.as_ref().unwrap();
    assert_eq!(site.state, CacheState::Monomorphic);
    assert_eq!(site.cached_classes, vec!["Walk".to_string()]);
    assert_eq!(
        view.receiver_counts(run, send.bci),
        vec![("Walk".to_string(), 3)]
    );
    let counts = view.bytecode_counts(run);
    assert_eq!(counts.len(), code.bytecodes.len());
    assert_eq!(counts[0], 1, "run entered once");
    assert_eq!(
        counts[send.bci as usize], 3,
        "the loop body ran three times"
    );
    let twice = view.find_method("Walk", "twice:").unwrap();
    assert_eq!(view.bytecode_counts(twice)[0], 3);
    assert!(
        view.find_method("Walk", "println").is_some(),
        "inherited from Object"
    );
    assert!(view.find_method("Walk class", "new").is_some());
    assert!(view.find_method("Walk", "fly").is_none());
}
