//! Engine tests of what a position shows after moves that restore checkpoints: the
//! output is exactly what the program had printed by then, `goto` says which boundary
//! it chose, the replay's boundary count does not grow, breakpoints the program cannot
//! reach are refused and line breakpoints move to the next line with code, and
//! printing an object names its fields.

use som_debugger::engine::{Engine, Position, Stop};
use som_debugger::record::{record, Recording};
use som_debugger::trace::Trace;
use std::path::PathBuf;

/// Prints a counter 24 times with about 200,000 bytecodes between prints, so that the
/// recording has several checkpoints; `count` is the last number printed.
const PRINTER: &str = r#"Printer = (
    | count junk |
    run = (
        count := 0.
        1 to: 24 do: [ :i |
            count := i.
            i print.
            ' ' print.
            i println.
            self busy ].
        'done' print
    )

    busy = (
        | sum |
        sum := 0.
        1 to: 20000 do: [ :k | sum := sum + k ].

        junk := Packet new.
        ^ sum
    )
)
"#;

const PACKET: &str = "Packet = (
    | link identity kind |
    setUp = ( identity := 5. kind := #work )
    identity = ( ^ identity )
    ----
    new = ( ^ super new setUp )
)
";

fn open_printer() -> (Engine, PathBuf) {
    let (e, program) = open_program("Printer", PRINTER);
    assert!(e.info().checkpoints >= 4, "{:?}", e.info());
    (e, program)
}

/// Records `source` as class `name` (with `Packet` beside it) and opens it.
fn open_program(name: &str, source: &str) -> (Engine, PathBuf) {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("som-dbg-pos-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let program = dir.join(format!("{name}.som"));
    std::fs::write(&program, source).unwrap();
    std::fs::write(dir.join("Packet.som"), PACKET).unwrap();
    let trace = dir.join("run.somtrace");
    let what = Recording {
        program: program.clone(),
        args: Vec::new(),
        class_path: Vec::new(),
        ..Recording::default()
    };
    assert_eq!(record(&what, &trace).unwrap(), 0);
    let e = Engine::open(Trace::read(&trace).unwrap(), 64 << 20).unwrap();
    (e, program)
}

/// Lines `1 1` to `n n`.
fn full(n: i64) -> String {
    (1..=n).map(|i| format!("{i} {i}\n")).collect()
}

/// What the program has printed when `count` is `n` and `run` is at `line`.
fn printed(n: i64, line: u32) -> String {
    match line {
        7 => full(n - 1),
        8 => full(n - 1) + &n.to_string(),
        9 => full(n - 1) + &format!("{n} "),
        _ => full(n),
    }
}

/// The line `Printer>>run` is at.
fn run_line(e: &Engine) -> u32 {
    let frames = e.view().frames();
    frames
        .iter()
        .find(|f| f.label == "Printer>>run")
        .unwrap()
        .line
}

/// `count`, read in the frame of `Printer>>run`.
fn count(e: &mut Engine) -> i64 {
    let frames = e.view().frames();
    e.selected = frames
        .iter()
        .position(|f| f.label == "Printer>>run")
        .unwrap();
    let n = e.evaluate("count").unwrap().parse().unwrap();
    e.selected = 0;
    n
}

fn line(e: &Engine) -> u32 {
    e.view().frame(0).line
}

#[test]
fn the_output_after_any_checkpoint_restore_is_what_the_program_printed_by_then() {
    let (mut e, _) = open_printer();
    let end = e.info().end_clock;
    let clocks = [end * 9 / 10, end / 10, end / 2, end * 3 / 4, 5, end / 3];
    for clock in clocks {
        e.goto_clock(clock);
        if !e.view().frames().iter().any(|f| f.label == "Printer>>run") {
            assert_eq!(e.output(), "", "at clock {clock}, before run");
            continue;
        }
        let (n, at) = (count(&mut e), run_line(&e));
        assert_eq!(
            e.output(),
            printed(n, at),
            "at clock {clock}, count {n}, line {at}"
        );
    }
    e.goto_clock(end / 10);
    assert_eq!(e.cont().stop, Some(Stop::End));
    assert_eq!(e.output(), e.trace().output, "at the end: all of it");
    e.reverse_step();
    e.goto_clock(end / 2);
    e.goto_clock(end * 9 / 10);
    let (n, at) = (count(&mut e), run_line(&e));
    assert_eq!(e.output(), printed(n, at));
}

#[test]
fn goto_says_which_boundary_it_chose_when_no_statement_starts_at_that_clock() {
    let (mut e, _) = open_printer();
    let mut exact = 0;
    let mut moved = 0;
    for clock in (1000..1400).step_by(7) {
        let reply = e.goto_clock(clock);
        let Position::At(b) = e.position() else {
            panic!("goto {clock} ended the program")
        };
        assert!(b.clock >= clock);
        if b.clock == clock {
            exact += 1;
        } else {
            moved += 1;
            let m = reply.message.unwrap_or_default();
            assert!(
                m.contains(&format!("clock {}", b.clock)) && m.contains(&clock.to_string()),
                "goto {clock} landed at {} and says {m:?}",
                b.clock
            );
        }
    }
    assert!(exact > 0 && moved > 0, "exact {exact}, moved {moved}");
}

#[test]
fn the_boundary_count_stays_the_first_replays_while_moving() {
    let (mut e, _) = open_printer();
    let before = e.info().boundaries;
    let end = e.info().end_clock;
    e.goto_clock(end / 2);
    e.reverse_step();
    e.goto_clock(end - 10);
    e.goto_clock(3);
    assert_eq!(e.info().boundaries, before);
}

#[test]
fn breakpoints_on_classes_or_selectors_the_program_never_reaches_are_refused() {
    let (mut e, _) = open_printer();
    let err = e.add_breakpoint("NoSuch>>method").unwrap_err();
    assert!(err.contains("NoSuch"), "{err}");
    let err = e.add_breakpoint("Printer>>nonesuch").unwrap_err();
    assert!(err.contains("Printer") && err.contains("nonesuch"), "{err}");
    let err = e.add_breakpoint("Packet class>>nonesuch").unwrap_err();
    assert!(err.contains("nonesuch"), "{err}");
    let err = e.add_breakpoint("Nowhere.som:3").unwrap_err();
    assert!(err.contains("Nowhere.som"), "{err}");
    let err = e.add_breakpoint("Printer.som:400").unwrap_err();
    assert!(err.contains("400"), "{err}");
    assert!(e.add_breakpoint("Packet class>>new").is_ok());
    assert!(e.add_breakpoint("Packet>>setUp").is_ok());
    assert!(e.breakpoints.len() == 2, "refused ones are not kept");
}

#[test]
fn a_line_breakpoint_on_a_blank_line_moves_to_the_next_line_with_code() {
    let (mut e, _) = open_printer();
    // Line 18 of Printer.som is blank; line 19 allocates the packet.
    let reply = e.add_breakpoint("Printer.som:18").unwrap();
    let m = reply.message.unwrap();
    assert!(m.contains("Printer.som:19"), "{m}");
    assert_eq!(e.cont().stop, Some(Stop::Breakpoint(1)));
    assert_eq!(line(&e), 19);
}

#[test]
fn printing_an_object_names_its_fields() {
    let (mut e, _) = open_printer();
    e.add_breakpoint("Printer.som:19").unwrap();
    e.cont();
    e.step_over();
    let shown = e.print("junk").unwrap();
    assert_eq!(shown.text, "Packet(link: nil, identity: 5, kind: #work)");
    let json = shown.structured.expect("a structured value");
    assert_eq!(json["class"], "Packet");
    let fields = json["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["link", "identity", "kind"], "in declaration order");
    assert_eq!(fields[1]["value"], "5");
    assert_eq!(fields[2]["value"], "#work");
    assert_eq!(e.print("3 + 4").unwrap().text, "7");
}

#[test]
fn batch_frames_name_block_frames_with_their_own_line() {
    let source = "Blocks = (
    run = (
        #(1 2) do: [ :x |
            x println ].
        ^ self
    )
)
";
    let (mut e, _) = open_program("Blocks", source);
    e.add_breakpoint("Blocks.som:4").unwrap();
    assert_eq!(e.cont().stop, Some(Stop::Breakpoint(1)));
    let frames = som_debugger::batch::frames_json(&e);
    let top = &frames[0];
    assert_eq!(top["name"], "[] in Blocks>>run", "{top}");
    assert_eq!(top["block"], true);
    assert_eq!(top["line"], 4, "the block's own line");
    let run = frames
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Blocks>>run")
        .expect("the method's frame");
    assert_eq!(run["block"], false);
    assert_eq!(run["line"], 3);
}

/// A class whose error handling is that of SOM's own core library: print the error on
/// stdout, then `system exit: 1`.
const EXITING: &str = "Exiting = (
    | count |
    run = (
        count := 41.
        count := count + 1.
        ^ self
    )
    unknownGlobal: name = ( '' println. ('ERROR: unknown global ' + name) println. system exit: 1 )
    doesNotUnderstand: selector arguments: args = (
        '' println.
        ('ERROR: Method ' + selector + ' not found in class ' + self class name) println.
        system exit: 1
    )
)
";

#[test]
fn an_unknown_variable_is_reported_as_unknown_whichever_core_library_handles_it() {
    let (mut e, _) = open_program("Exiting", EXITING);
    e.add_breakpoint("Exiting.som:5").unwrap();
    e.cont();
    assert_eq!(e.print("count").unwrap().text, "41");
    let err = e.print("zork").unwrap_err();
    assert!(err.contains("unknown variable zork"), "{err}");
    assert!(!err.contains("system exit"), "{err}");
}

#[test]
fn a_does_not_understand_is_reported_as_the_error_whichever_core_library_handles_it() {
    let (mut e, _) = open_program("Exiting", EXITING);
    e.add_breakpoint("Exiting.som:5").unwrap();
    e.cont();
    let err = e.print("self foo").unwrap_err();
    assert!(err.contains("foo"), "{err}");
    assert!(!err.contains("system exit"), "{err}");
}
