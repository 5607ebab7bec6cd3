//! Every counter a tool reads is the same in every tier configuration: for each of the
//! benchmark programs and a program built to reach tier 1's native sends, trivial
//! methods, block evaluation, `restart` and counting loops, the logical clock, the
//! bytecode count and every method's and block's invocation and back-edge counts are
//! compared between the interpreter, tier 1 at the first call, tier 1 at a low
//! threshold and the default tiering.

use som_vm::introspect::{Inputs, Machine, MethodCount, Options};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The tier configurations every program runs in.
fn configs() -> Vec<(&'static str, Options)> {
    let with = |max_tier, jit_threshold| Options {
        max_tier,
        jit_threshold,
        class_path: vec![repo().join("benches/som")],
        ..Options::default()
    };
    let default = Options::default();
    vec![
        ("tier 0", with(0, default.jit_threshold)),
        ("tier 1 at the first call", with(1, 0)),
        ("tier 1 after 3", with(1, 3)),
        (
            "default tiering",
            with(default.max_tier, default.jit_threshold),
        ),
        ("tier 2 at the first call", with(2, 0)),
        (
            "tier 2 with deopt stress",
            Options {
                deopt_stress: Some(7),
                ..with(2, 0)
            },
        ),
        (
            "tier 2 after 3",
            Options {
                tier2_threshold: Some(3),
                ..with(2, 3)
            },
        ),
    ]
}

/// Output, clock, bytecodes and every method's counters after a run.
type Observed = (String, u64, u64, Vec<MethodCount>);

/// What running `file` observes.
fn run(file: &Path, args: &[&str], options: Options) -> Observed {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut m = Machine::load(options, file, &args, Inputs::Live, true).expect("loads");
    let exit = m.run();
    assert_eq!(exit.status, 0, "{}: {:?}", file.display(), exit.error);
    let view = m.view();
    let output = String::from_utf8_lossy(view.output()).into_owned();
    let counts = view.method_counts();
    (output, view.clock(), view.step(), counts)
}

/// Removes the timing from the harness's lines (`...: 1234us`).
fn untimed(out: &str) -> String {
    out.lines()
        .map(|l| l.rsplit_once(": ").map_or(l, |(a, _)| a))
        .collect::<Vec<_>>()
        .join("\n")
}

fn same_counters_in_every_tier(file: &Path, args: &[&str]) {
    let mut first: Option<(&str, Observed)> = None;
    for (name, options) in configs() {
        let (out, clock, steps, counts) = run(file, args, options);
        let now = (untimed(&out), clock, steps, counts);
        match &first {
            None => first = Some((name, now)),
            Some((base, expected)) => {
                assert_eq!(expected.0, now.0, "{file:?}: output, {base} vs {name}");
                assert_eq!(expected.1, now.1, "{file:?}: clock, {base} vs {name}");
                assert_eq!(expected.2, now.2, "{file:?}: bytecodes, {base} vs {name}");
                for (e, n) in expected.3.iter().zip(&now.3) {
                    assert_eq!(e, n, "{file:?}: counters of {}, {base} vs {name}", e.label);
                }
                assert_eq!(expected.3.len(), now.3.len(), "{file:?}: methods loaded");
            }
        }
    }
}

const SENDS: &str = "Sends = (
    | count |
    twice: x = ( ^ x + x )
    count = ( ^ count )
    count: n = ( count := n )
    constant = ( ^ 42 )
    me = ( ^ self )
    loop: n = ( | i | i := 0. [ i < n ] whileTrue: [ i := i + 1 ]. ^ i )
    run = ( | s b |
        s := 0.
        1 to: 5000 do: [ :i | s := s + (self twice: i) ].
        1 to: 3000 do: [ :i | self count: i. s := s + self count + self constant. self me ].
        b := [ :x | x * 2 ].
        1 to: 2000 do: [ :i | s := s + (b value: i) ].
        s := s + (self loop: 3000).
        10 to: 1 by: -1 do: [ :i | s := s - i ].
        1.5 to: 40.5 do: [ :d | s := s + d asInteger ].
        s println )
)";

#[test]
fn native_sends_trivial_methods_blocks_and_loops_count_the_same_in_every_tier() {
    let dir = std::env::temp_dir().join(format!("som-counters-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Sends.som");
    std::fs::write(&file, SENDS).unwrap();
    same_counters_in_every_tier(&file, &[]);
    let (_, _, _, counts) = run(&file, &[], configs().remove(1).1);
    let twice = counts
        .iter()
        .find(|c| c.label == "Sends>>twice:")
        .expect("twice:");
    assert_eq!(
        twice.invocations, 5000,
        "native frame pushes count invocations"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn benchmarks_count_the_same_in_every_tier() {
    let harness = repo().join("benches/som/BenchHarness.som");
    for bench in [
        "Dispatch", "Sieve", "Trees", "Closures", "Queens", "Fib", "Towers",
    ] {
        same_counters_in_every_tier(&harness, &[bench, "2", "1"]);
    }
}
