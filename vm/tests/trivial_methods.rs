//! What monitors see of trivial methods (getters, setters, constants, `^ self`: every
//! tier runs them without a frame): with `Machine::frame_trivial_methods` a monitored
//! run enters them as frames, with the same clock, output and invocation counts as a
//! run at full speed; and the write log sees the stores of trivial setters and of
//! stores reached through `perform:`, with or without those frames.

use som_vm::introspect::{Boundary, BoundaryKind, Inputs, Machine, Monitor, Options};
use som_vm::introspect::{RunState, ValueRef, Verdict, View};
use std::path::PathBuf;

const BOX: &str = "Box = (
    | v |
    v = ( ^ v )
    v: x = ( v := x )
    seven = ( ^ 7 )
    me = ( ^ self )
)
";

const MAIN: &str = "WritesMain = (
    run = (
        | s p arr q total |
        s := Box new. p := Box new. arr := Array new: 2. q := Box new.
        self mark.
        s v: 1.
        p perform: #v: withArguments: (Array with: 2).
        arr perform: #at:put: withArguments: (Array with: 1 with: 3).
        q perform: #instVarAt:put: withArguments: (Array with: 1 with: 4).
        self mark.
        total := s v + s seven + s me v.
        total println.
        ^ total
    )
    mark = ( | t | t := 1. ^ t )
)
";

fn load() -> Machine {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("som-trivial-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Box.som"), BOX).unwrap();
    let main: PathBuf = dir.join("WritesMain.som");
    std::fs::write(&main, MAIN).unwrap();
    Machine::load(Options::default(), &main, &[], Inputs::Live, true).expect("loads")
}

/// Records the `Enter` boundaries (by label); pauses at each entry of `mark`.
#[derive(Default)]
struct Entries {
    labels: Vec<String>,
}

impl Monitor for Entries {
    fn boundary(&mut self, vm: &View<'_>, at: &Boundary) -> Verdict {
        if at.kind != BoundaryKind::Enter {
            return Verdict::Continue;
        }
        let label = vm.frame(0).label;
        let pause = label == "WritesMain>>mark";
        self.labels.push(label);
        if pause {
            Verdict::Pause
        } else {
            Verdict::Continue
        }
    }
    fn event(&mut self, _: &View<'_>, _: &som_vm::introspect::Event) {}
}

fn run_to_end(m: &mut Machine, mon: &mut Entries) {
    while m.run_monitored(mon) == RunState::Paused {}
}

fn counts(m: &Machine) -> Vec<(String, u32)> {
    let mut c: Vec<_> = m
        .view()
        .method_counts()
        .into_iter()
        .map(|c| (c.label, c.invocations))
        .collect();
    c.sort();
    c
}

#[test]
fn framed_trivial_methods_are_entered_and_change_no_result_clock_or_count() {
    let mut fast = load();
    assert_eq!(fast.run().status, 0);
    let mut plain = load();
    let mut seen_plain = Entries::default();
    run_to_end(&mut plain, &mut seen_plain);
    assert!(!seen_plain.labels.iter().any(|l| l.starts_with("Box>>")));
    let mut framed = load();
    framed.frame_trivial_methods(true);
    let mut seen = Entries::default();
    run_to_end(&mut framed, &mut seen);
    for label in ["Box>>v:", "Box>>v", "Box>>seven", "Box>>me"] {
        assert!(
            seen.labels.iter().any(|l| l == label),
            "{label}: {:?}",
            seen.labels
        );
    }
    assert_eq!(framed.view().output(), b"9\n");
    assert_eq!(framed.view().output(), fast.view().output());
    assert_eq!(framed.view().clock(), fast.view().clock());
    assert_eq!(counts(&framed), counts(&fast));
}

fn local(view: &View<'_>, name: &str) -> ValueRef {
    view.variable(1, name)
        .unwrap_or_else(|| panic!("no local {name}"))
}

fn stores_are_logged(framed: bool) {
    let mut m = load();
    m.frame_trivial_methods(framed);
    m.track_writes();
    let mut mon = Entries::default();
    assert_eq!(
        m.run_monitored(&mut mon),
        RunState::Paused,
        "at the first mark"
    );
    let objects: Vec<_> = ["s", "p", "arr", "q", "total"]
        .iter()
        .map(|n| (*n, local(&m.view(), n)))
        .collect();
    m.take_writes();
    assert_eq!(
        m.run_monitored(&mut mon),
        RunState::Paused,
        "at the second mark"
    );
    let log = m.take_writes();
    for (name, object) in &objects[..4] {
        assert!(
            log.may_write_object(*object),
            "the store into {name} is not logged"
        );
    }
    assert!(!log.may_write_object(objects[4].1), "nil was not written");
}

#[test]
fn trivial_setters_and_stores_through_perform_are_in_the_write_log() {
    stores_are_logged(false);
    stores_are_logged(true);
}
