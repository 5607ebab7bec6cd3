//! End-to-end tests of `som-prof record` with tier 1 on: time samples of native call
//! chains between compiled methods show every frame in tier 1, clock profiles are
//! byte-identical whatever the tier settings, and samples taken while methods are
//! compiled to tier 1 land in the `[compiler]` phase on the stack that asked for them.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `a:` calls `b:`, which recurses eight deep and then calls `c`: all natively in tier 1
/// once compiled. `b:` is the innermost frame about a fifth of the time (only when the
/// sampler sees frames JIT code pushed: otherwise the count it reads is the deepest
/// one a runtime call left behind, and every sample looks like one in `c`).
const CHAIN: &str = "Chain = (
    a: n = ( | s | s := 0. 1 to: n do: [ :i | s := s + (self b: 8) ]. ^ s )
    b: d = ( d = 0 ifTrue: [ ^ self c ]. ^ (self b: d - 1) + 1 )
    c = ( | s | s := 0. 1 to: 100 do: [ :j | s := s + j ]. ^ s )
    run: args = ( (self a: (args at: 2) asInteger) println )
)";

/// A class with `n` methods of a few dozen bytecodes each, every one called once: with
/// `--jit-threshold 0` the run is mostly tier-1 compilation.
fn many_methods(n: usize) -> String {
    let body: String = (1..=12)
        .map(|k| format!("x := x + (y * {k}) - {k}. y := x % 7. "))
        .collect();
    let methods: String = (0..n)
        .map(|i| format!("    m{i}: y = ( | x | x := {i}. {body}^ x )\n"))
        .collect();
    let calls: String = (0..n)
        .map(|i| format!("s := s + (self m{i}: s). "))
        .collect();
    format!("Many = (\n{methods}    run = ( | s | s := 0. {calls}s println )\n)\n")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-prof-tiers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `som-prof record -o dir/out extra... program args...`; answers the profile
/// directory.
fn record(dir: &Path, out: &str, extra: &[&str], program: &str, args: &[&str]) -> PathBuf {
    let profile = dir.join(out);
    let output = Command::new(env!("CARGO_BIN_EXE_som-prof"))
        .args(["record", "-o", profile.to_str().unwrap()])
        .args(extra)
        .arg(dir.join(program))
        .args(args)
        .env_remove("SOM_PROF_RAPL_ROOT")
        .env_remove("SOM_PROF_MODEL")
        .output()
        .expect("runs som-prof");
    assert!(
        output.status.success(),
        "{extra:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    profile
}

fn folded(profile: &Path) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(profile.join("stacks.folded")).unwrap();
    text.lines()
        .map(|l| {
            let (stack, n) = l.rsplit_once(' ').expect("stack count");
            (stack.to_string(), n.parse().expect("count"))
        })
        .collect()
}

/// Samples whose stack ends with `suffix`.
fn ending_with(stacks: &[(String, u64)], suffix: &str) -> u64 {
    let hits = stacks.iter().filter(|(s, _)| s.ends_with(suffix));
    hits.map(|(_, n)| n).sum()
}

#[test]
fn time_samples_show_native_call_chains_in_tier_1() {
    let dir = scratch("chain");
    std::fs::write(dir.join("Chain.som"), CHAIN).unwrap();
    let extra = ["--jit-threshold", "0"];
    let stacks = folded(&record(&dir, "p", &extra, "Chain.som", &["2000000"]));
    let b = "Chain>>b: [tier 1]";
    let abc = format!(
        "Chain>>a: [tier 1];{}Chain>>c [tier 1]",
        format!("{b};").repeat(9)
    );
    let (in_c, in_b) = (ending_with(&stacks, &abc), ending_with(&stacks, b));
    let total: u64 = stacks.iter().map(|(_, n)| n).sum();
    // About 0.6 s of CPU, 150 timer signals or more: the chance that none lands in
    // `b:` itself is below 1e-12.
    assert!(in_c > 0 && in_b > 0, "{stacks:#?}");
    assert!(in_c + in_b > total / 2, "{stacks:#?}");
    // A sample may land while `a:` itself is being compiled before its first call (its
    // frame still in tier 0, the stack ending in the compiler phase); any other
    // stack through `a:` runs natively throughout.
    for (stack, _) in stacks.iter().filter(|(s, _)| !s.ends_with("[compiler]")) {
        if let Some((_, inner)) = stack.split_once("Chain>>a: ") {
            assert!(!inner.contains("[tier 0]"), "{stack}");
        }
    }
}

#[test]
fn clock_profiles_are_identical_across_tiers_and_runs() {
    let dir = scratch("clock");
    std::fs::write(dir.join("Chain.som"), CHAIN).unwrap();
    let clock = ["--mode", "clock", "--every", "5000"];
    let run = |out: &str, tiers: &[&str]| {
        let extra: Vec<&str> = clock.iter().chain(tiers).copied().collect();
        let p = record(&dir, out, &extra, "Chain.som", &["20000"]);
        std::fs::read(p.join("stacks.folded")).unwrap()
    };
    let tier0 = run("t0", &["--max-tier", "0"]);
    assert!(String::from_utf8_lossy(&tier0).contains("Chain>>c [tier 0]"));
    assert_eq!(
        tier0,
        run("t1", &["--max-tier", "1", "--jit-threshold", "0"])
    );
    assert_eq!(tier0, run("t1-again", &[]));
}

#[test]
fn samples_during_tier_1_compilation_are_in_the_compiler_phase() {
    let dir = scratch("compile");
    std::fs::write(dir.join("Many.som"), many_methods(300)).unwrap();
    let jit = record(
        &dir,
        "jit",
        &["--hz", "4000", "--jit-threshold", "0"],
        "Many.som",
        &[],
    );
    // Compiling 300 methods takes ~100 ms of CPU here (25 timer signals or more): no
    // sample in the compiler phase would mean compilation is not marked. The leaf sits
    // on the frame of the method being compiled, called from `run`.
    let compiling = |stacks: &[(String, u64)]| -> u64 {
        let hits = stacks
            .iter()
            .filter(|(s, _)| s.contains(";Many>>run [tier 1];") && s.ends_with(";[compiler]"));
        hits.map(|(_, n)| n).sum()
    };
    let weight = compiling(&folded(&jit));
    assert!(weight > 0, "{:#?}", folded(&jit));
    let profile: Value =
        serde_json::from_str(&std::fs::read_to_string(jit.join("profile.json")).unwrap()).unwrap();
    let compiler = profile["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tier"] == "compiler")
        .unwrap_or_else(|| panic!("no compiler row: {profile:#}"));
    assert!(
        compiler["samples"].as_u64().unwrap() >= weight,
        "{compiler}"
    );
    // The control: the interpreter alone loads no class during this run, so it has no
    // compiler samples under `run`.
    let tier0 = record(
        &dir,
        "t0",
        &["--hz", "4000", "--max-tier", "0"],
        "Many.som",
        &[],
    );
    assert_eq!(ending_with(&folded(&tier0), "[compiler]"), 0);
}
