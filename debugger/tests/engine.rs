//! Engine tests: every command forwards and backwards on recorded programs, including
//! stepping backwards across a non-local return, a doesNotUnderstand: and a garbage
//! collection; watchpoints, last-write, origin, conditions, goto, the timeline, the
//! checkpoint budget, and divergence detection.

use som_debugger::engine::{Engine, Position, Stop};
use som_debugger::record::{record, Recording};
use som_debugger::trace::Trace;
use std::path::PathBuf;

const TRAVEL: &str = r#"Travel = (
    | log hits |
    run = (
        | found junk |
        log := 0.
        hits := 0.
        found := self find: 7 in: #(3 5 7 9).
        log := log + found.
        junk := self frobnicate: 3.
        log := log + junk.
        self churn.
        hits := hits + 1.
        log println.
        ^ log
    )
    find: x in: array = (
        array do: [ :e | e = x ifTrue: [ ^ e * 10 ] ].
        ^ 0
    )
    doesNotUnderstand: selector arguments: args = (
        hits := hits + 100.
        ^ args at: 1
    )
    churn = (
        | keep |
        1 to: 3000 do: [ :i | keep := Array new: 200 ].
        hits := hits + 1.
        ^ keep
    )
)
"#;

fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("som-dbg-engine-{}-{tag}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Records `source` (class `name`) and opens the recording.
fn open_program(name: &str, source: &str, budget: usize) -> (Engine, PathBuf) {
    let dir = temp_dir(name);
    let program = dir.join(format!("{name}.som"));
    std::fs::write(&program, source).unwrap();
    let trace = dir.join("run.somtrace");
    let what = Recording {
        program: program.clone(),
        args: Vec::new(),
        class_path: Vec::new(),
        ..Recording::default()
    };
    assert_eq!(record(&what, &trace).unwrap(), 0);
    let engine = Engine::open(Trace::read(&trace).unwrap(), budget).unwrap();
    (engine, program)
}

fn open_travel() -> Engine {
    open_program("Travel", TRAVEL, 64 << 20).0
}

fn top(e: &Engine) -> (String, u32) {
    let f = e.view().frame(0);
    (f.label, f.line)
}

fn break_at(e: &mut Engine, spec: &str) {
    e.add_breakpoint(spec).unwrap();
}

#[test]
fn steps_forwards_are_retraced_exactly_by_reverse_steps() {
    let mut e = open_travel();
    break_at(&mut e, "Travel>>run");
    assert_eq!(e.cont().stop, Some(Stop::Breakpoint(1)));
    let start = e.position();
    let mut trail = vec![start];
    for _ in 0..40 {
        e.step();
        assert!(e.position().step() > trail.last().unwrap().step());
        trail.push(e.position());
    }
    // Backwards, every stop is one of the forward stops (a return into the same
    // frame is not a stop either way), in decreasing order, down to the start.
    let mut prev = e.position();
    while prev != start {
        e.reverse_step();
        let now = e.position();
        assert!(now.step() < prev.step(), "{now:?} after {prev:?}");
        assert!(trail.contains(&now), "{now:?} is not a forward stop");
        prev = now;
    }
}

#[test]
fn next_and_finish_have_reverse_twins() {
    let mut e = open_travel();
    break_at(&mut e, "Travel.som:7");
    e.cont();
    assert_eq!(top(&e), ("Travel>>run".into(), 7));
    let at7 = e.position();
    e.step_over();
    assert_eq!(
        top(&e),
        ("Travel>>run".into(), 8),
        "next steps over find:in:"
    );
    e.reverse_next();
    assert_eq!(e.position(), at7, "reverse-next steps back over the call");
    e.step();
    assert_eq!(top(&e).0, "Travel>>find:in:");
    e.reverse_finish();
    assert_eq!(e.position(), at7, "reverse-finish lands at the call");
    e.step();
    e.finish();
    assert_eq!(
        top(&e),
        ("Travel>>run".into(), 7),
        "finish returns to the caller"
    );
    e.reverse_finish();
    assert_eq!(
        top(&e).0,
        "System>>initialize:",
        "from run, back to its caller"
    );
}

#[test]
fn reverse_step_across_a_non_local_return_lands_in_the_block() {
    let mut e = open_travel();
    break_at(&mut e, "Travel.som:8");
    e.cont();
    assert_eq!(top(&e), ("Travel>>run".into(), 8));
    e.reverse_step();
    let (label, line) = top(&e);
    assert_eq!((label.as_str(), line), ("[] in Travel>>find:in:", 17));
    assert_eq!(
        e.evaluate("e").as_deref(),
        Ok("7"),
        "the element that returned"
    );
    e.step();
    assert_eq!(
        top(&e),
        ("Travel>>run".into(), 7),
        "back in run, mid-statement"
    );
    e.step();
    assert_eq!(top(&e), ("Travel>>run".into(), 8));
}

#[test]
fn reverse_across_does_not_understand() {
    let mut e = open_travel();
    break_at(&mut e, "Travel>>doesNotUnderstand:arguments:");
    assert_eq!(e.cont().stop, Some(Stop::Breakpoint(1)));
    assert_eq!(e.evaluate("selector").as_deref(), Ok("#frobnicate:"));
    e.reverse_finish();
    assert_eq!(
        top(&e),
        ("Travel>>run".into(), 9),
        "back at the send that failed"
    );
    e.finish();
    assert_eq!(top(&e).0, "System>>initialize:");
    e.reverse_continue();
    assert_eq!(top(&e).0, "Travel>>doesNotUnderstand:arguments:");
}

#[test]
fn stepping_backwards_across_a_collection_sees_the_same_objects() {
    let mut e = open_travel();
    break_at(&mut e, "Travel.som:11");
    e.cont();
    let before_gc = e.view().gc_count();
    let before = e.position();
    e.step_over();
    assert_eq!(top(&e), ("Travel>>run".into(), 12));
    let after_gc = e.view().gc_count();
    assert!(after_gc > before_gc, "churn collected");
    let log = e.evaluate("log").unwrap();
    let keep = e.evaluate("junk").unwrap();
    e.reverse_next();
    assert_eq!(e.position(), before);
    assert_eq!(e.view().gc_count(), before_gc, "back before the collection");
    e.step_over();
    assert_eq!(e.view().gc_count(), after_gc);
    assert_eq!(e.evaluate("log").unwrap(), log);
    assert_eq!(e.evaluate("junk").unwrap(), keep);
}

#[test]
fn watchpoints_stop_forwards_and_backwards_and_last_write_names_the_statement() {
    let mut e = open_travel();
    break_at(&mut e, "Travel>>run");
    e.cont();
    e.add_watch("log").unwrap();
    let mut lines = Vec::new();
    while let Some(Stop::Watchpoint { .. }) = e.cont().stop {
        lines.push(top(&e).1);
    }
    assert_eq!(
        lines,
        vec![6, 9, 11],
        "after log := 0, log + found, log + junk"
    );
    assert!(matches!(e.position(), Position::End { .. }));
    e.reverse_continue();
    assert_eq!(top(&e), ("Travel>>run".into(), 11));
    let reply = e.last_write("log").unwrap();
    let w = reply.write.expect("a write");
    assert_eq!((w.selector.as_str(), w.line), ("run", 10));
    assert_eq!(
        top(&e),
        ("Travel>>run".into(), 11),
        "last-write does not move"
    );
}

#[test]
fn origin_names_the_allocating_statement() {
    let mut e = open_travel();
    break_at(&mut e, "Travel.som:27");
    e.cont();
    let reply = e.origin("keep").unwrap();
    let w = reply.write.expect("an allocation site");
    assert_eq!((w.selector.as_str(), w.line), ("churn", 26));
}

#[test]
fn conditions_goto_print_and_the_timeline() {
    let mut e = open_travel();
    break_at(&mut e, "Travel>>find:in: if x = 8");
    assert_eq!(e.cont().stop, Some(Stop::End), "condition never true");
    e.goto_start();
    e.breakpoints.clear();
    break_at(&mut e, "Travel.som:17 if e = 7");
    assert_eq!(
        e.cont().stop,
        Some(Stop::Breakpoint(2)),
        "ids are never reused"
    );
    assert_eq!(e.evaluate("e").as_deref(), Ok("7"));
    let here = (e.position(), e.output());
    assert!(
        e.evaluate("'noise' println. 5").is_err(),
        "one expression only"
    );
    assert_eq!(e.evaluate("3 + 4").as_deref(), Ok("7"));
    assert_eq!((e.position(), e.output()), here, "print disturbs nothing");
    let hits = e.timeline();
    assert_eq!(hits.len(), 1);
    assert_eq!(e.position(), here.0, "the timeline keeps the position");
    let clock = e.position().clock();
    e.goto_clock(0);
    assert_eq!(e.position().clock(), 0);
    e.goto_clock(clock);
    assert_eq!(e.position().clock(), clock);
}

#[test]
fn a_tiny_checkpoint_budget_still_travels_correctly() {
    let looped = TRAVEL.replace(
        "hits := hits + 1.\n        ^ keep",
        "1 to: 400000 do: [ :i | hits := hits + i ].\n        ^ keep",
    );
    let (mut e, _) = open_program("Travel", &looped, 1);
    assert!(e.info().checkpoints >= 2);
    let end = e.end();
    e.goto_step(end.step());
    e.reverse_step();
    let last = e.position();
    e.goto_start();
    e.goto_step(last.step());
    assert_eq!(e.position(), last);
    assert_eq!(top(&e).0, "System>>initialize:");
}

#[test]
fn a_changed_program_is_reported_as_divergence() {
    let (_, program) = open_program("Travel", TRAVEL, 64 << 20);
    let trace = program.with_file_name("run.somtrace");
    std::fs::write(
        &program,
        TRAVEL.replace("log println.", "(log + 1) println."),
    )
    .unwrap();
    let err = Engine::open(Trace::read(&trace).unwrap(), 64 << 20)
        .err()
        .expect("diverges");
    assert!(err.0.starts_with("replay diverged at clock "), "{}", err.0);
}
