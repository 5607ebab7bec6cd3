//! The write log as time-travel searches use it: a field store is told apart from a
//! store into another field of the same object, and an object's allocation step is
//! known (so a debugger's `origin` needs no search).

use som_vm::introspect::{Boundary, BoundaryKind, Event, Inputs, Machine, Monitor, Options};
use som_vm::introspect::{RunState, ValueRef, Verdict, View};

const MAIN: &str = "Fields = (
    | a b |
    a: x = ( a := x )
    setB: x = ( | t | t := x. b := t )
    run = (
        | o p |
        o := Fields new.
        p := Array new: 3.
        self mark.
        o setB: 5.
        p at: 2 put: 7.
        self mark.
        o a: 1.
        self mark.
        ^ o
    )
    mark = ( | t | t := 1. ^ t )
)
";

fn load() -> Machine {
    let dir = std::env::temp_dir().join(format!("som-write-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let main = dir.join("Fields.som");
    std::fs::write(&main, MAIN).unwrap();
    Machine::load(Options::default(), &main, &[], Inputs::Live, true).expect("loads")
}

/// Pauses at each entry of `mark`; keeps (step, line, selector) of every boundary.
#[derive(Default)]
struct Marks {
    seen: Vec<(u64, u32, String)>,
}

impl Monitor for Marks {
    fn boundary(&mut self, vm: &View<'_>, at: &Boundary) -> Verdict {
        let selector = vm.frame(0).selector;
        let pause = at.kind == BoundaryKind::Enter && selector == "mark";
        self.seen.push((at.step, at.line, selector));
        if pause {
            Verdict::Pause
        } else {
            Verdict::Continue
        }
    }
    fn event(&mut self, _: &View<'_>, _: &Event) {}
}

fn local(m: &Machine, name: &str) -> ValueRef {
    m.view().variable(1, name).expect("a local of run")
}

#[test]
fn a_field_store_is_told_apart_from_the_other_fields_of_the_object() {
    let mut m = load();
    m.track_writes();
    let mut mon = Marks::default();
    assert_eq!(m.run_monitored(&mut mon), RunState::Paused);
    let (o, p) = (local(&m, "o"), local(&m, "p"));
    m.take_writes();
    assert_eq!(m.run_monitored(&mut mon), RunState::Paused);
    let first = m.take_writes();
    assert!(
        first.may_write_object(o) && first.may_write_field(o, 1),
        "b was written"
    );
    assert!(!first.may_write_field(o, 0), "a was not");
    assert!(
        first.may_write_field(p, 0),
        "an element store may be any index"
    );
    assert_eq!(m.run_monitored(&mut mon), RunState::Paused);
    let second = m.take_writes();
    assert!(second.may_write_field(o, 0), "the trivial setter a:");
    assert!(!second.may_write_field(o, 1));
}

#[test]
fn the_allocation_step_of_an_object_names_the_allocating_statement() {
    let mut m = load();
    m.track_writes();
    let mut mon = Marks::default();
    assert_eq!(m.run_monitored(&mut mon), RunState::Paused);
    let (o, p) = (local(&m, "o"), local(&m, "p"));
    let view = m.view();
    let line_before = |step: u64| {
        let mut before = mon.seen.iter().filter(|(s, _, _)| *s < step);
        before
            .next_back()
            .map(|(_, line, sel)| (*line, sel.clone()))
    };
    let at = |v| view.allocation_step(v).expect("allocated while tracking");
    assert_eq!(line_before(at(o)), Some((7, "run".to_string())));
    assert_eq!(line_before(at(p)), Some((8, "run".to_string())));
    assert!(at(o) < at(p) && at(p) < view.step());
    let system = view.global("system").expect("the system global");
    assert_eq!(
        view.allocation_step(system),
        None,
        "made before tracking began"
    );
    // A restored checkpoint keeps the steps of the objects it holds.
    let snap = m.snapshot();
    let (so, sp) = (at(o), at(p));
    assert_eq!(m.run_monitored(&mut mon), RunState::Paused);
    m.restore(&snap);
    assert_eq!(m.view().allocation_step(o), Some(so));
    assert_eq!(m.view().allocation_step(p), Some(sp));
}
