//! Tier 2 end to end, through `som_vm::introspect`: the programs in `tests/tier2/` run
//! in tier 0 and in tier 2 (at the first call, after a few calls, with
//! `--deopt-stress` under two seeds), and output, error report, exit status, logical
//! clock, bytecode count and every method's counters must be the same; each exit kind
//! is seen failing (the event log names its reason), a site that keeps failing is
//! recompiled without its speculation, and tools see each compiled method's IR after
//! every pass, its deopt points and its machine code.

use som_vm::introspect::{Inputs, Machine, MethodCount, Options, Tier2EventKind};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn program(name: &str) -> PathBuf {
    repo().join("vm/tests/tier2").join(format!("{name}.som"))
}

fn tier(max_tier: u8, jit_threshold: u32) -> Options {
    Options {
        max_tier,
        jit_threshold,
        ..Options::default()
    }
}

/// What a run shows a user and the tools.
#[derive(Debug, PartialEq)]
struct Observed {
    output: String,
    status: i32,
    error: Option<String>,
    clock: u64,
    bytecodes: u64,
    counts: Vec<MethodCount>,
}

fn run(file: &Path, options: Options) -> (Observed, Machine) {
    let mut m = Machine::load(options, file, &[], Inputs::Live, true).expect("loads");
    let exit = m.run();
    let view = m.view();
    let observed = Observed {
        output: String::from_utf8_lossy(view.output()).into_owned(),
        status: exit.status,
        error: exit.error,
        clock: view.clock(),
        bytecodes: view.step(),
        counts: view.method_counts(),
    };
    (observed, m)
}

/// The tier-2 configurations every program runs in.
fn tier2_configs() -> Vec<(&'static str, Options)> {
    vec![
        ("tier 2 at the first call", tier(2, 0)),
        (
            "tier 2 after 3 calls",
            Options {
                tier2_threshold: Some(3),
                ..tier(2, 2)
            },
        ),
        (
            "deopt stress",
            Options {
                deopt_stress: Some(1),
                ..tier(2, 0)
            },
        ),
        (
            "deopt stress, seed 2",
            Options {
                deopt_stress: Some(2),
                ..tier(2, 0)
            },
        ),
    ]
}

/// Runs `name` in tier 0 and every tier-2 configuration; answers the machines.
fn same_in_every_tier(name: &str) -> Vec<(&'static str, Machine)> {
    same_in_configs(name, tier2_configs())
}

/// The tier-2 configurations, each also with `--tier2-sends` (methods that send are
/// compiled, their sends performed in place).
fn with_sends() -> Vec<(&'static str, Options)> {
    let mut configs = tier2_configs();
    let sending: Vec<_> = tier2_configs()
        .into_iter()
        .map(|(name, o)| {
            let o = Options {
                tier2_sends: true,
                ..o
            };
            (name, o)
        })
        .collect();
    configs.extend(sending);
    configs
}

/// Runs `name` in tier 0 and each of `configs`; answers the machines.
fn same_in_configs(
    name: &str,
    configs: Vec<(&'static str, Options)>,
) -> Vec<(&'static str, Machine)> {
    let file = program(name);
    let (expected, _) = run(&file, tier(0, 0));
    let mut machines = Vec::new();
    for (config, options) in configs {
        let (observed, m) = run(&file, options);
        assert_eq!(expected.output, observed.output, "{name}: output, {config}");
        assert_eq!(expected.error, observed.error, "{name}: error, {config}");
        assert_eq!(expected.status, observed.status, "{name}: status, {config}");
        assert_eq!(expected.clock, observed.clock, "{name}: clock, {config}");
        assert_eq!(
            expected.bytecodes, observed.bytecodes,
            "{name}: bytecodes, {config}"
        );
        for (e, o) in expected.counts.iter().zip(&observed.counts) {
            assert_eq!(e, o, "{name}: counters of {}, {config}", e.label);
        }
        machines.push((config, m));
    }
    machines
}

/// The reasons of the deopts a run logged.
fn deopt_reasons(m: &Machine) -> Vec<String> {
    m.view()
        .tier2_events()
        .events
        .into_iter()
        .filter_map(|e| match e.kind {
            Tier2EventKind::Deoptimized { reason, .. } => Some(reason),
            _ => None,
        })
        .collect()
}

#[test]
fn every_guard_kind_fails_and_the_run_resumes_as_in_tier_0() {
    let machines = same_in_every_tier("Guards");
    let (_, first_call) = &machines[0];
    let reasons = deopt_reasons(first_call);
    for kind in ["NotInt", "Overflow"] {
        assert!(reasons.iter().any(|r| r == kind), "{kind} in {reasons:?}");
    }
    let (_, stress) = &machines[2];
    assert!(
        deopt_reasons(stress).len() > reasons.len(),
        "stress adds deopts"
    );
}

#[test]
fn a_does_not_understand_in_tier_2_code_prints_the_tier_0_backtrace() {
    // `outer` sends: it is compiled with `--tier2-sends` (the first-call configuration).
    let machines = same_in_configs("Dnu", with_sends());
    let (_, m) = &machines[4];
    let compiled = m.view().tier2_methods();
    let outer = compiled
        .iter()
        .find(|c| m.view().method_names(c.method).1.contains("outer"));
    assert!(outer.is_some(), "Dnu>>outer: ran in tier 2");
}

#[test]
fn a_site_that_keeps_deoptimizing_is_recompiled_without_its_speculation() {
    // Without `--tier2-sends` the recompiled method (its `+` now performed off the
    // small-integer path) stays in tier 1; with it, it is compiled again.
    let machines = same_in_configs("Recompile", with_sends());
    let (_, m) = &machines[4];
    let view = m.view();
    let events = view.tier2_events().events;
    let compiles = |label: &str| {
        events
            .iter()
            .filter(|e| matches!(e.kind, Tier2EventKind::Compiled { .. }))
            .filter(|e| view.method_names(e.method).1.contains(label))
            .count()
    };
    assert!(compiles("mix") >= 2, "{events:#?}");
    // The recompiled code tests the tag instead of guarding: no deopt of mix:with:
    // follows its last compilation.
    let is_mix =
        |e: &&som_vm::introspect::Tier2Event| view.method_names(e.method).1.contains("mix");
    let mix: Vec<_> = events.iter().filter(is_mix).collect();
    let last_compile = mix
        .iter()
        .rposition(|e| matches!(e.kind, Tier2EventKind::Compiled { .. }));
    let last_compile = last_compile.expect("compiled");
    assert!(
        mix[last_compile..]
            .iter()
            .all(|e| !matches!(e.kind, Tier2EventKind::Deoptimized { .. })),
        "{mix:#?}"
    );
}

#[test]
fn tools_see_the_ir_after_each_pass_the_deopt_points_and_the_code() {
    let (_, m) = run(&program("Guards"), tier(2, 0));
    let view = m.view();
    let methods = view.tier2_methods();
    let square = methods
        .iter()
        .find(|c| view.method_names(c.method).1.contains("square"))
        .expect("square: in tier 2");
    let passes: Vec<&str> = square.passes.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(passes[0], "build");
    assert!(
        passes.contains(&"gvn") && passes.contains(&"dce"),
        "{passes:?}"
    );
    assert!(
        square.passes[0].1.contains("imul_ovf"),
        "{}",
        square.passes[0].1
    );
    assert!(square.deopt_points.iter().any(|d| d.reason == "Overflow"));
    assert!(!square.code.is_empty());
    assert!(square.entries.contains(&0));
}

/// Names of the methods `m` ran in tier 2.
fn tier2_names(m: &Machine) -> Vec<String> {
    let view = m.view();
    view.tier2_methods()
        .iter()
        .map(|c| view.method_names(c.method).1)
        .collect()
}

#[test]
fn sends_fields_and_array_access_from_tier_2_code_behave_as_in_tier_0() {
    let machines = same_in_configs("Sends", with_sends());
    // Without `--tier2-sends` a method that sends stays in tier 1; loops over
    // arrays (a Vector's `at:` is performed off the inline path) and fields are
    // compiled.
    let plain = tier2_names(&machines[0].1);
    for leaf in ["fill:upTo:", "sum:upTo:", "bump", "tick"] {
        assert!(plain.iter().any(|n| n.contains(leaf)), "{leaf}: {plain:?}");
    }
    assert!(!plain.iter().any(|n| n.contains("depth:")), "{plain:?}");
    let (config, m) = &machines[4];
    let names = tier2_names(m);
    for sender in ["depth:", "call:", "relay:", "letters:", "fill:"] {
        assert!(
            names.iter().any(|n| n.contains(sender)),
            "{sender} in tier 2 ({config}): {names:?}"
        );
    }
}

#[test]
fn counting_loops_over_arrays_behave_as_in_tier_0() {
    let machines = same_in_every_tier("Loops");
    let (_, first_call) = &machines[0];
    let names = tier2_names(first_call);
    assert!(
        names.iter().any(|n| n == "sieve:size:") && names.iter().any(|n| n == "sum:from:to:"),
        "{names:?}"
    );
}

#[test]
fn a_method_without_a_loop_stays_in_tier_1_unless_every_method_is_compiled() {
    let tiering = Options {
        tier2_threshold: Some(2),
        ..tier(2, 2)
    };
    let (_, m) = run(&program("Loops"), tiering);
    let names = tier2_names(&m);
    assert!(names.iter().any(|n| n == "sum:from:to:"), "{names:?}");
    assert!(!names.iter().any(|n| n == "square:"), "{names:?}");
    let refused = m.view().tier2_events().events.into_iter().any(
        |e| matches!(e.kind, Tier2EventKind::Refused { reason } if reason.contains("no loop")),
    );
    assert!(refused, "square: refused for having no loop");
    let (_, first_call) = run(&program("Loops"), tier(2, 0));
    assert!(tier2_names(&first_call).iter().any(|n| n == "square:"));
}

/// The IR of `method` (of the class `program` names) after each pass, as one text.
fn ir_passes(program_name: &str, method: &str, options: Options) -> String {
    let (_, m) = run(&program(program_name), options);
    let view = m.view();
    let methods = view.tier2_methods();
    let c = methods
        .iter()
        .find(|c| view.method_names(c.method).2 == method)
        .unwrap_or_else(|| panic!("{method} in tier 2"));
    let mut text = String::new();
    for (pass, ir) in &c.passes {
        text.push_str(&format!("; pass: {pass}\n{ir}\n"));
    }
    text
}

#[test]
fn the_ir_of_a_few_methods_after_each_pass_is_as_blessed() {
    let cases = [
        ("Guards", "Guards>>square:", tier(2, 0)),
        ("Sends", "Sends>>bump", tier(2, 0)),
        ("Sends", "Sends>>sum:upTo:", tier(2, 0)),
        ("Loops", "Loops>>sieve:size:", tier(2, 0)),
        (
            "Sends",
            "Sends>>relay:",
            Options {
                tier2_sends: true,
                ..tier(2, 0)
            },
        ),
    ];
    let bless = std::env::var_os("SOM_BLESS").is_some();
    for (name, method, options) in cases {
        let text = ir_passes(name, method, options);
        let file = repo().join("vm/tests/tier2/ir").join(format!(
            "{}.ir",
            method.replace(">>", "-").replace(':', "_")
        ));
        if bless {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&file)
            .unwrap_or_else(|_| panic!("{}: missing (SOM_BLESS=1 writes it)", file.display()));
        assert!(
            expected == text,
            "{method}: the IR differs from {} (SOM_BLESS=1 re-blesses)\n{text}",
            file.display()
        );
    }
}
