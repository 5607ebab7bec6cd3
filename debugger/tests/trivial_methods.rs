//! Breakpoints on trivial methods (getters, setters, constants, `^ self`), which every
//! tier runs without a frame at full speed: function and line breakpoints hit, the
//! stopped frame is the trivial method's own (arguments, receiver fields), and reverse
//! commands find them too.

mod support;

use som_debugger::engine::{Engine, Stop};

fn top(e: &Engine) -> (String, u32) {
    let f = e.view().frame(0);
    (f.label, f.line)
}

/// Continues until the end and counts the stops at breakpoint `id`.
fn hits_to_the_end(e: &mut Engine, id: usize) -> usize {
    let mut n = 0;
    loop {
        match e.cont().stop {
            Some(Stop::Breakpoint(b)) if b == id => n += 1,
            Some(Stop::End) | None => return n,
            other => panic!("unexpected stop {other:?}"),
        }
    }
}

#[test]
fn a_function_breakpoint_on_a_trivial_setter_hits_in_its_own_frame() {
    let mut e = support::open_program("Trivia");
    e.add_breakpoint("Trivia>>count:").unwrap();
    assert_eq!(e.cont().stop, Some(Stop::Breakpoint(1)));
    assert_eq!(top(&e), ("Trivia>>count:".into(), 6));
    assert_eq!(e.evaluate("n").as_deref(), Ok("1"), "the setter's argument");
    assert_eq!(
        e.view().frame(1).label,
        "Trivia>>run",
        "the caller (the loop is inlined)"
    );
    assert_eq!(hits_to_the_end(&mut e, 1), 2, "two more calls of count:");
}

#[test]
fn getters_constants_and_self_methods_stop_function_and_line_breakpoints() {
    let mut e = support::open_program("Trivia");
    e.add_breakpoint("Trivia>>count").unwrap();
    assert_eq!(hits_to_the_end(&mut e, 1), 4, "3 in the loop, 1 after `me`");
    let mut e = support::open_program("Trivia");
    e.add_breakpoint("tests/programs/Trivia.som:7").unwrap();
    e.add_breakpoint("Trivia>>me").unwrap();
    assert_eq!(e.cont().stop, Some(Stop::Breakpoint(1)));
    assert_eq!(top(&e), ("Trivia>>name".into(), 7));
    assert_eq!(e.cont().stop, Some(Stop::Breakpoint(2)));
    assert_eq!(top(&e), ("Trivia>>me".into(), 8));
}

#[test]
fn reverse_continue_finds_a_trivial_method_hit_backwards() {
    let mut e = support::open_program("Trivia");
    e.add_breakpoint("tests/programs/Trivia.som:14").unwrap();
    assert_eq!(e.cont().stop, Some(Stop::Breakpoint(1)));
    e.add_breakpoint("Trivia>>count:").unwrap();
    assert_eq!(e.reverse_continue().stop, Some(Stop::Breakpoint(2)));
    assert_eq!(top(&e), ("Trivia>>count:".into(), 6));
    assert_eq!(e.evaluate("n").as_deref(), Ok("6"), "the last call: 3 + 3");
}
