//! End-to-end tests of tier 1 through the `som` binary: the same output and logical
//! clock in every tier on the benchmark programs, W^X code memory observed from outside
//! while JIT code runs, the code-cache limit, OSR and the `--stats-json` figures.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs `som` with `args`; answers stdout, stderr, status and the `--stats-json`
/// object as text.
fn som(args: &[&str]) -> (String, String, i32, String) {
    let stats = std::env::temp_dir().join(format!(
        "som-jit-test-{}-{}.json",
        std::process::id(),
        args.join("_")
            .replace(['/', ' '], "_")
            .chars()
            .take(80)
            .collect::<String>()
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(repo())
        .arg("--stats-json")
        .arg(&stats)
        .args(args)
        .output()
        .expect("run som");
    let json = std::fs::read_to_string(&stats).unwrap_or_default();
    let _ = std::fs::remove_file(&stats);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
        json,
    )
}

/// The number after `"key":` in a flat JSON object.
fn field(json: &str, key: &str) -> f64 {
    let at = json.find(&format!("\"{key}\":")).expect(key) + key.len() + 3;
    let rest = &json[at..];
    let end = rest.find([',', '}']).unwrap();
    rest[..end].parse().unwrap()
}

const BENCHMARKS: &[&str] = &[
    "Dispatch",
    "Sieve",
    "Sort",
    "Mandel",
    "Trees",
    "Closures",
    "StringHash",
    "Queens",
    "Graph",
    "Fib",
    "Towers",
    "Matrix",
    "Collatz",
];

/// Removes the timing from the harness's lines (`...: 1234us`).
fn untimed(out: &str) -> String {
    out.lines()
        .map(|l| l.rsplit_once(": ").map_or(l, |(a, _)| a))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn benchmarks_give_the_same_output_clock_and_send_counts_in_every_tier() {
    let configs: &[&[&str]] = &[
        &["--max-tier", "0"],
        &["--max-tier", "1", "--jit-threshold", "0"],
        &["--max-tier", "1", "--jit-threshold", "3"],
        &[],
    ];
    for b in BENCHMARKS {
        let mut seen: Option<(String, [u64; 5])> = None;
        for c in configs {
            let mut args = c.to_vec();
            args.extend([
                "-cp",
                "benches/som",
                "benches/som/BenchHarness.som",
                b,
                "2",
                "1",
            ]);
            let (out, err, status, json) = som(&args);
            assert_eq!(status, 0, "{b} {c:?}: {err}");
            let counts = [
                "logical_clock",
                "bytecodes",
                "sends_monomorphic",
                "sends_polymorphic",
                "sends_megamorphic",
            ]
            .map(|k| field(&json, k) as u64);
            let now = (untimed(&out), counts);
            if let Some(first) = &seen {
                assert_eq!(first, &now, "{b} differs in {c:?}");
            }
            seen = Some(now);
        }
    }
}

#[test]
fn tier_one_compiles_and_reports_its_figures() {
    let (_, _, status, json) = som(&[
        "--max-tier",
        "1",
        "--jit-threshold",
        "0",
        "examples/Fibonacci.som",
    ]);
    assert_eq!(status, 0);
    assert!(field(&json, "methods_compiled_tier1") > 0.0, "{json}");
    assert!(field(&json, "code_bytes") > 0.0, "{json}");
    assert!(field(&json, "jit_compile_ms") >= 0.0, "{json}");
    assert_eq!(field(&json, "osr_entries"), 0.0, "{json}");
    let (_, _, _, json) = som(&["--max-tier", "0", "examples/Fibonacci.som"]);
    assert_eq!(field(&json, "methods_compiled_tier1"), 0.0, "{json}");
    assert_eq!(field(&json, "code_bytes"), 0.0, "{json}");
}

#[test]
fn a_hot_loop_in_a_running_frame_continues_in_tier_one() {
    let args = [
        "--max-tier",
        "1",
        "--jit-threshold",
        "50",
        "-cp",
        "benches/som",
        "benches/som/BenchHarness.som",
        "Collatz",
        "1",
        "1",
    ];
    let (_, err, status, json) = som(&args);
    assert_eq!(status, 0, "{err}");
    assert!(field(&json, "osr_entries") > 0.0, "{json}");
}

#[test]
fn a_full_code_cache_leaves_methods_in_tier_zero_with_the_same_results() {
    let base = [
        "-cp",
        "benches/som",
        "benches/som/BenchHarness.som",
        "Towers",
        "1",
        "1",
    ];
    let mut small = vec![
        "--max-tier",
        "1",
        "--jit-threshold",
        "0",
        "--code-cache",
        "8K",
    ];
    small.extend(base);
    let (out, err, status, json) = som(&small);
    assert_eq!(status, 0, "{err}");
    assert!(field(&json, "methods_refused_tier1") > 0.0, "{json}");
    assert!(field(&json, "code_bytes") <= 8192.0, "{json}");
    let mut t0 = vec!["--max-tier", "0"];
    t0.extend(base);
    let (out0, _, _, json0) = som(&t0);
    assert_eq!(untimed(&out), untimed(&out0));
    assert_eq!(
        field(&json, "logical_clock"),
        field(&json0, "logical_clock")
    );
}

#[test]
fn code_memory_is_never_writable_and_executable_while_jit_code_runs() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(repo())
        .args(["--max-tier", "1", "--jit-threshold", "0"])
        .args(["-cp", "benches/som", "benches/som/BenchHarness.som"])
        .args(["Mandel", "1000", "10"])
        .stdout(Stdio::null())
        .spawn()
        .expect("run som");
    std::thread::sleep(Duration::from_millis(400));
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", child.id()));
    let _ = child.kill();
    let _ = child.wait();
    let maps = maps.expect("maps of the running VM");
    let rwx: Vec<&str> = maps.lines().filter(|l| l.contains(" rwx")).collect();
    assert!(rwx.is_empty(), "writable+executable mappings: {rwx:?}");
    let anonymous_code = maps.lines().any(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        cols.get(1).is_some_and(|p| p.starts_with("r-x")) && cols.len() == 5
    });
    assert!(anonymous_code, "no JIT code mapping:\n{maps}");
}

#[test]
fn deep_recursion_through_jit_frames_is_a_som_stack_overflow() {
    let (_, err, status, _) = som(&[
        "--max-tier",
        "1",
        "--jit-threshold",
        "0",
        "tests/som/errors/StackOverflow.som",
    ]);
    assert_eq!(status, 1, "{err}");
    assert!(err.starts_with("error: stack overflow"), "{err}");
}

#[test]
fn perf_map_names_jit_code_for_perf() {
    let child = Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(repo())
        .args(["--perf-map", "--max-tier", "1", "--jit-threshold", "0"])
        .arg("examples/Fibonacci.som")
        .stdout(Stdio::null())
        .spawn()
        .expect("run som");
    let pid = child.id();
    let out = child.wait_with_output().expect("som ends");
    assert!(out.status.success());
    let path = format!("/tmp/perf-{pid}.map");
    let map = std::fs::read_to_string(&path).expect("perf map written");
    let _ = std::fs::remove_file(&path);
    let line = map
        .lines()
        .find(|l| l.ends_with("Fibonacci>>fib:"))
        .unwrap_or_else(|| panic!("no Fibonacci>>fib: in {map}"));
    let cols: Vec<&str> = line.splitn(3, ' ').collect();
    assert!(u64::from_str_radix(cols[0], 16).is_ok() && u64::from_str_radix(cols[1], 16).is_ok());

    // With the real tool, when this machine lets us sample (cpu-clock, no hardware
    // counters needed): `perf report` names the JIT frames.
    let data = std::env::temp_dir().join(format!("som-perf-{}.data", std::process::id()));
    let recorded = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-o"])
        .arg(&data)
        .arg(env!("CARGO_BIN_EXE_som"))
        .args(["--perf-map", "--max-tier", "1", "--jit-threshold", "0"])
        .args([
            "-cp",
            "benches/som",
            "benches/som/BenchHarness.som",
            "Fib",
            "3",
            "12",
        ])
        .current_dir(repo())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !recorded.is_ok_and(|s| s.success()) {
        eprintln!("perf not usable here; the map file was checked");
        return;
    }
    let report = Command::new("perf")
        .args(["report", "--stdio", "--no-children", "-i"])
        .arg(&data)
        .output()
        .expect("perf report");
    let _ = std::fs::remove_file(&data);
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(
        text.contains("Fib>>fib:"),
        "perf report names no JIT method:\n{text}"
    );
}

#[test]
fn tools_see_machine_code_with_its_pc_map_through_introspect() {
    use som_vm::introspect::{Inputs, Machine};
    let options = som_vm::introspect::Options {
        max_tier: 1,
        jit_threshold: 0,
        ..som_vm::introspect::Options::default()
    };
    let file = repo().join("examples/Fibonacci.som");
    let args = ["10".to_string()];
    let mut m = Machine::load(options, &file, &args, Inputs::Live, true).expect("loads");
    assert_eq!(m.run().status, 0);
    let view = m.view();
    let key = view.find_method("Fibonacci", "fib:").expect("fib:");
    assert!(view.compiled_methods().contains(&key));
    let code = view.code(key).expect("bytecode");
    assert_eq!(code.tiers, vec![0, 1]);
    let native = view.native_code(key).expect("machine code");
    assert_eq!(native.label, "Fibonacci>>fib:");
    assert!(native.address != 0 && !native.bytes.is_empty());
    assert_eq!(native.pc_map[0].offset, 0);
    assert!(native.entry_bcis.contains(&0));
    // Every bytecode has a template in the pc map, with the bytecode's line.
    for b in &code.bytecodes {
        let e = native
            .pc_map
            .iter()
            .find(|e| e.bci == b.bci)
            .expect("mapped");
        assert_eq!(e.line, b.line);
    }
    // The disassembly covers the code exactly, each instruction under a bytecode.
    let insts = native.instructions();
    let total: usize = insts.iter().map(|i| i.bytes.len()).sum();
    assert_eq!(total, native.bytes.len());
    assert!(insts
        .iter()
        .all(|i| (i.bci as usize) < code.bytecodes.len()));
    assert!(insts.iter().any(|i| i.text.starts_with("ret")));
}

#[test]
fn double_arithmetic_and_comparisons_match_tier_zero() {
    let dir = std::env::temp_dir().join(format!("som-jit-dbl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Dbl.som");
    std::fs::write(&file, DOUBLES).unwrap();
    let file = file.to_string_lossy().into_owned();
    let (t0, _, s0, _) = som(&["--max-tier", "0", &file]);
    let (t1, _, s1, _) = som(&["--max-tier", "1", "--jit-threshold", "0", &file]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!((s0, s1), (0, 0));
    assert_eq!(t0.lines().count(), 12 * 12 * 9);
    assert_eq!(t0, t1);
}

/// Every pair of a dozen numbers (immediate and boxed Doubles, zeros, an Integer)
/// through `+ - * < > <= >= = ~=`.
const DOUBLES: &str = "Dbl = (
    run = (
        | xs acc |
        xs := Array new: 12.
        xs at: 1 put: 1.5. xs at: 2 put: -2.25. xs at: 3 put: 0.0. xs at: 4 put: 1.0e30.
        xs at: 5 put: 3.0e-30. xs at: 6 put: 7. xs at: 7 put: -0.5. xs at: 8 put: 1.0e38.
        xs at: 9 put: 123456.789. xs at: 10 put: 0.1. xs at: 11 put: -1.0e-38. xs at: 12 put: 2.0.
        acc := 0.
        1 to: 12 do: [ :i | 1 to: 12 do: [ :j | | a b |
            a := xs at: i. b := xs at: j.
            (a + b) println. (a - b) println. (a * b) println.
            (a < b) println. (a > b) println. (a <= b) println. (a >= b) println.
            (a = b) println. (a ~= b) println ] ]
    )
    ----
    run: args = ( self new run )
)
";

/// A long-running `run:` whose loop tiers up by OSR, a helper it calls on every
/// iteration, and a method called once from the loop (so from tier-1 code into tier 0;
/// not a trivial `^ 1`, which would run without a frame).
const HOT_LOOP: &str = "HotLoop = (
    step: i = ( ^ i % 7 )
    rare = ( | x | x := 1. ^ x + 1 )
    run: args = (
        | t |
        t := 0.
        1 to: 3000 do: [ :i |
            t := t + (self step: i).
            i = 2500 ifTrue: [ t := t + self rare ] ].
        t println
    )
)
";

#[test]
fn the_jit_event_log_records_compiles_osr_and_tier_crossings() {
    use som_vm::introspect::{EdgeKind, Inputs, JitEventKind, Machine};
    let dir = std::env::temp_dir().join(format!("som-jit-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("HotLoop.som");
    std::fs::write(&file, HOT_LOOP).unwrap();
    let options = som_vm::introspect::Options {
        max_tier: 1,
        jit_threshold: 100,
        ..som_vm::introspect::Options::default()
    };
    let mut m = Machine::load(options, &file, &[], Inputs::Live, true).expect("loads");
    assert_eq!(m.run().status, 0);
    let view = m.view();
    let log = view.jit_events();
    assert_eq!(log.dropped, 0);
    // One Compiled event per compiled method, with its code size.
    let compiled = view.compiled_methods();
    assert!(compiled.len() >= 2, "{compiled:?}");
    for &key in &compiled {
        let sizes: Vec<u32> = log
            .events
            .iter()
            .filter(|e| e.method == key)
            .filter_map(|e| match e.kind {
                JitEventKind::Compiled {
                    tier: 1,
                    code_bytes,
                } => Some(code_bytes),
                _ => None,
            })
            .collect();
        let native = view.native_code(key).expect("machine code");
        assert_eq!(sizes, vec![native.bytes.len() as u32], "{}", native.label);
    }
    // `run:` runs once: its loop enters tier 1 by OSR at the loop header.
    let run = view.find_method("HotLoop", "run:").expect("run:");
    let code = view.code(run).expect("bytecode");
    let header = code
        .bytecodes
        .iter()
        .flat_map(|b| b.successors.iter())
        .find(|e| e.kind == EdgeKind::LoopBack)
        .expect("a loop")
        .target;
    let osr: Vec<u32> = log
        .events
        .iter()
        .filter(|e| e.method == run)
        .filter_map(|e| match e.kind {
            JitEventKind::OsrEntry { bci } => Some(bci),
            _ => None,
        })
        .collect();
    assert_eq!(osr, vec![header]);
    let counters = view.jit_counters(run);
    assert_eq!(counters.osr_entries, vec![(header, 1)]);
    assert_eq!(
        counters.tier1_entries, 0,
        "run: was called before it compiled"
    );
    // From tier 1 it calls `rare` (never compiled) once, and resumes after it returns.
    let rare = view.find_method("HotLoop", "rare").expect("rare");
    assert!(!compiled.contains(&rare));
    let send = code
        .bytecodes
        .iter()
        .find(|b| b.send.as_ref().is_some_and(|s| s.selector == "rare"))
        .expect("the rare send")
        .bci;
    assert!(counters.calls_to_tier0.contains(&(send, 1)), "{counters:?}");
    assert!(
        counters.tier1_resumes.contains(&(send + 1, 1)),
        "{counters:?}"
    );
    assert!(log.events.iter().any(|e| e.method == run
        && e.kind
            == JitEventKind::CalledTier0 {
                bci: send,
                callee: rare
            }));
    // `step:` compiled while `run:` was in tier 0: each such call entered tier 1 and
    // returned to tier 0; once `run:` is in tier 1 the calls are native (no crossing).
    let step = view.find_method("HotLoop", "step:").expect("step:");
    let s = view.jit_counters(step);
    assert!(s.tier1_entries > 0 && s.tier1_entries < 3000, "{s:?}");
    assert_eq!(s.returns_to_tier0, s.tier1_entries);
    // Events are in clock order.
    assert!(log.events.windows(2).all(|w| w[0].clock <= w[1].clock));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn heap_references_in_machine_code_are_listed_for_relocation() {
    use som_vm::introspect::{Inputs, Machine};
    let dir = std::env::temp_dir().join(format!("som-relocs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Lits.som");
    std::fs::write(
        &file,
        "Lits = ( greet = ( ^ 'hello' , #world , 'again' ) run = ( 1 to: 3 do: [ :i | self greet println ] ) )",
    )
    .unwrap();
    let options = som_vm::introspect::Options {
        max_tier: 1,
        jit_threshold: 0,
        ..som_vm::introspect::Options::default()
    };
    let mut m = Machine::load(options, &file, &[], Inputs::Live, true).expect("loads");
    assert_eq!(m.run().status, 0);
    let view = m.view();
    let key = view.find_method("Lits", "greet").expect("greet");
    let native = view.native_code(key).expect("machine code");
    // The two strings and the symbol, each an 8-byte immediate holding the reference.
    assert_eq!(native.relocations.len(), 3, "{:?}", native.relocations);
    for (offset, value) in &native.relocations {
        let at = *offset as usize;
        assert_eq!(native.bytes[at..at + 8], value.raw().to_le_bytes());
        assert!(view.is_live(*value));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
