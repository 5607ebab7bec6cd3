//! End-to-end tests of the `som-prof` binary: a known hot method on top in both modes,
//! byte-identical clock profiles, well-formed SVG and JSON (profile and speedscope),
//! an empty diff of a run against itself, and fake-RAPL energy that adds up.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HOT: &str = "Hot = (
    spin: n = ( | s | s := 0. 1 to: n do: [ :i | s := s + (i % 7) ]. ^ s )
    warm: n = ( | s | s := 0. 1 to: n do: [ :i | s := s + i ]. ^ s )
    run: args = (
        | n |
        n := (args at: 2) asInteger.
        (self spin: n) println.
        (self warm: n / 10) println
    )
)";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-prof-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Hot.som"), HOT).unwrap();
    dir
}

fn som_prof(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_som-prof"));
    cmd.args(args)
        .env_remove("SOM_PROF_RAPL_ROOT")
        .env_remove("SOM_PROF_MODEL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs som-prof");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Records `Hot.som n` into `dir/name` and answers the profile directory.
fn record(dir: &Path, name: &str, extra: &[&str], n: &str) -> PathBuf {
    let out = dir.join(name);
    let program = dir.join("Hot.som");
    let mut args = vec!["record", "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[program.to_str().unwrap(), n]);
    let stdout = String::from_utf8(som_prof(&args, &[]).stdout).unwrap();
    let (program_output, summary) = stdout.split_once("── som-prof ──").expect("summary rule");
    let first = program_output.lines().next().unwrap_or_default();
    assert!(
        first.parse::<u64>().is_ok(),
        "the program's output first: {stdout}"
    );
    assert!(
        summary.contains("top methods") && summary.contains("per tier"),
        "{summary}"
    );
    assert!(summary.contains("estimated (model)") || summary.contains("measured"));
    out
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("valid JSON")
}

/// The method with most self samples, and its share of all samples.
fn top_method(profile: &Value) -> (String, f64) {
    let top = &profile["methods"][0];
    let share = top["self_samples"].as_f64().unwrap() / profile["total_samples"].as_f64().unwrap();
    (top["method"].as_str().unwrap().to_string(), share)
}

#[test]
fn hot_method_is_on_top_in_time_mode() {
    let dir = scratch("time");
    let p = json(&record(&dir, "p", &[], "30000000").join("profile.json"));
    assert_eq!(p["mode"], "time");
    let (method, share) = top_method(&p);
    assert_eq!(method, "Hot>>spin:", "{p:#}");
    assert!(share > 0.6, "{share}");
    assert!(p["total_samples"].as_u64().unwrap() >= 20, "{p:#}");
    assert_eq!(p["lost_samples"], 0);
}

#[test]
fn clock_mode_puts_the_hot_method_on_top_and_repeats_exactly() {
    let dir = scratch("clock");
    let a = record(
        &dir,
        "a",
        &["--mode", "clock", "--every", "20000"],
        "2000000",
    );
    let b = record(
        &dir,
        "b",
        &["--mode", "clock", "--every", "20000"],
        "2000000",
    );
    let folded = std::fs::read(a.join("stacks.folded")).unwrap();
    assert_eq!(folded, std::fs::read(b.join("stacks.folded")).unwrap());
    let p = json(&a.join("profile.json"));
    let (method, share) = top_method(&p);
    assert_eq!(
        (method.as_str(), p["mode"].as_str()),
        ("Hot>>spin:", Some("clock"))
    );
    assert!(share > 0.8, "{share}");
    // Every 20000 ticks over the run: the samples count the clock exactly.
    assert_eq!(
        p["total_samples"].as_u64().unwrap(),
        p["clock"].as_u64().unwrap() / 20000
    );
}

#[test]
fn svg_and_json_outputs_are_well_formed() {
    let dir = scratch("formats");
    let out = record(
        &dir,
        "p",
        &["--mode", "clock", "--every", "20000"],
        "300000",
    );
    let svg = std::fs::read_to_string(out.join("flamegraph.svg")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&svg);
    let (mut rects, mut titles) = (0, Vec::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == b"rect" => rects += 1,
            quick_xml::events::Event::Text(t) => {
                titles.push(String::from_utf8_lossy(&t).into_owned())
            }
            _ => {}
        }
    }
    assert!(rects > 3, "{rects} rects");
    assert!(
        titles.iter().any(|t| t.contains("spin: [tier 0] ("))
            && svg.contains("Hot&gt;&gt;spin: [tier 0]"),
        "{titles:?}"
    );
    assert!(
        svg.contains("colours: tier 0 = orange"),
        "legend in the title"
    );
    let p = json(&out.join("profile.json"));
    for key in ["mode", "total_samples", "methods", "tiers", "energy"] {
        assert!(!p[key].is_null(), "profile.json lacks {key}");
    }
    for m in p["methods"].as_array().unwrap() {
        assert!(
            m["method"].is_string() && m["self_samples"].is_u64() && m["total_samples"].is_u64()
        );
        assert!(m["self_samples"].as_u64() <= m["total_samples"].as_u64());
    }
    assert!(["measured", "estimated (model)"].contains(&p["energy"]["source"].as_str().unwrap()));
    check_speedscope(
        &json(&out.join("speedscope.json")),
        p["total_samples"].as_u64().unwrap(),
    );
}

/// The shape the speedscope file-format schema requires of a sampled profile.
fn check_speedscope(doc: &Value, total: u64) {
    assert_eq!(
        doc["$schema"],
        "https://www.speedscope.app/file-format-schema.json"
    );
    let frames = doc["shared"]["frames"].as_array().expect("shared.frames");
    assert!(frames.iter().all(|f| f["name"].is_string()));
    let profile = &doc["profiles"][0];
    assert_eq!(profile["type"], "sampled");
    assert!([
        "none",
        "nanoseconds",
        "microseconds",
        "milliseconds",
        "seconds",
        "bytes"
    ]
    .contains(&profile["unit"].as_str().unwrap()));
    let samples = profile["samples"].as_array().unwrap();
    let weights = profile["weights"].as_array().unwrap();
    assert_eq!(samples.len(), weights.len());
    for s in samples {
        let ids = s.as_array().unwrap();
        assert!(ids
            .iter()
            .all(|i| (i.as_u64().unwrap() as usize) < frames.len()));
    }
    let sum: u64 = weights.iter().map(|w| w.as_u64().unwrap()).sum();
    assert_eq!(sum, total);
    assert_eq!(
        profile["endValue"].as_u64().unwrap() - profile["startValue"].as_u64().unwrap(),
        sum
    );
    assert!(doc["name"].is_string() && profile["name"].is_string());
}

#[test]
fn a_run_diffed_against_itself_is_empty() {
    let dir = scratch("diff");
    let a = record(
        &dir,
        "a",
        &["--mode", "clock", "--every", "20000"],
        "300000",
    );
    let out = dir.join("d");
    let args = [
        "diff",
        a.to_str().unwrap(),
        a.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let stdout = String::from_utf8(som_prof(&args, &[]).stdout).unwrap();
    assert!(
        stdout.starts_with("no method's self share changed"),
        "{stdout}"
    );
    let diff = std::fs::read_to_string(out.join("diff.folded")).unwrap();
    for line in diff.lines() {
        let mut counts = line.rsplitn(3, ' ');
        assert_eq!(counts.next(), counts.next(), "{line}");
    }
    assert!(std::fs::read_to_string(out.join("diff.svg"))
        .unwrap()
        .contains("<svg"));
    // Against a different profile the hot method's share moves.
    let b = record(&dir, "b", &["--mode", "clock", "--every", "20000"], "30000");
    let args = [
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let stdout = String::from_utf8(som_prof(&args, &[]).stdout).unwrap();
    assert!(stdout.contains("Hot>>"), "{stdout}");
}

#[test]
fn help_prints_usage_on_stdout_and_exits_zero() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["record", "--help"],
        &["diff", "--help"],
    ] {
        let out = som_prof(args, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("usage:"), "{args:?}: {stdout}");
        assert!(stdout.contains("som-prof record"), "{args:?}: {stdout}");
        assert!(out.stderr.is_empty(), "{args:?} wrote to stderr");
    }
}

#[test]
fn a_stack_deeper_than_the_sample_depth_keeps_its_root_and_a_counted_gap() {
    let dir = scratch("deep");
    std::fs::write(
        dir.join("Deep.som"),
        "Deep = (
    down: n = ( n = 0 ifTrue: [ ^ self spin ]. ^ self down: n - 1 )
    spin = ( | s | s := 0. 1 to: 200000 do: [ :i | s := s + i ]. ^ s )
    run = ( (self down: 300) println )
)",
    )
    .unwrap();
    let out = dir.join("p");
    let program = dir.join("Deep.som");
    som_prof(
        &[
            "record",
            "-o",
            out.to_str().unwrap(),
            "--mode",
            "clock",
            "--every",
            "5000",
            program.to_str().unwrap(),
        ],
        &[],
    );
    let folded = std::fs::read_to_string(out.join("stacks.folded")).unwrap();
    let deep = folded
        .lines()
        .find(|l| l.contains("Deep>>spin"))
        .expect("a sample in spin");
    assert!(!deep.contains("[truncated]"), "{deep}");
    assert!(deep.starts_with("System>>initialize: [tier 0];"), "{deep}");
    // 300 + 1 activations of down: plus spin, run and initialize:, 128 of them kept.
    assert!(
        deep.contains(";[176 frames];Deep>>down: [tier 0];"),
        "{deep}"
    );
}

#[test]
fn merged_tiers_compare_a_tier_0_run_with_a_tiered_one() {
    let dir = scratch("merge");
    let clock = ["--mode", "clock", "--every", "20000"];
    let a = record(
        &dir,
        "a",
        &[&clock[..], &["--max-tier", "0"]].concat(),
        "300000",
    );
    // Time mode: monitored (clock) runs never run tier-1 code.
    let b = record(
        &dir,
        "b",
        &["--jit-threshold", "10", "--hz", "4000"],
        "3000000",
    );
    let out = dir.join("d");
    let (a, b, o) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let split = String::from_utf8(som_prof(&["diff", a, b, "-o", o], &[]).stdout).unwrap();
    assert!(split.contains("Hot>>spin: [tier 0]"), "{split}");
    assert!(split.contains("Hot>>spin: [tier 1]"), "{split}");
    let merged = som_prof(&["diff", a, b, "-o", o, "--merge-tiers"], &[]).stdout;
    let merged = String::from_utf8(merged).unwrap();
    assert!(!merged.contains("[tier "), "{merged}");
    assert!(merged.starts_with("no method's self share changed") || merged.contains("A ms"));
    let folded = std::fs::read_to_string(out.join("diff.folded")).unwrap();
    assert!(folded.contains("Hot>>spin: "), "{folded}");
    assert!(!folded.contains("[tier "), "{folded}");
}

const CHURN: &str = "Churn = (
    spin: n = ( | s | s := 0. 1 to: n do: [ :i | s := s + (Array new: 20) size ]. ^ s )
    run: args = ( (self spin: (args at: 2) asInteger) println )
)";

#[test]
fn firefox_profile_has_tier_categories_compile_and_gc_markers_and_energy() {
    let dir = scratch("firefox");
    std::fs::write(dir.join("Churn.som"), CHURN).unwrap();
    let out = dir.join("p");
    let program = dir.join("Churn.som");
    som_prof(
        &[
            "record",
            "-o",
            out.to_str().unwrap(),
            "--jit-threshold",
            "0",
            program.to_str().unwrap(),
            "3000000",
        ],
        &[],
    );
    let p = json(&out.join("profile.json"));
    let fx = json(&out.join("firefox.json"));
    let categories: Vec<&str> = fx["meta"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for name in [
        "Interpreter (tier 0)",
        "Baseline JIT (tier 1)",
        "Optimizing JIT (tier 2)",
        "GC",
        "Compiler",
    ] {
        assert!(categories.contains(&name), "{categories:?}");
    }
    let baseline = categories
        .iter()
        .position(|c| *c == "Baseline JIT (tier 1)")
        .unwrap();
    let thread = &fx["threads"][0];
    let strings: Vec<&str> = thread["stringArray"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    // Samples: their weights add up to profile.json's count, in time order.
    let samples = &thread["samples"];
    let weights: i64 = samples["weight"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_i64().unwrap())
        .sum();
    assert_eq!(weights as u64, p["total_samples"].as_u64().unwrap());
    assert!(weights >= 10, "{weights} samples");
    assert!(samples["timeDeltas"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d.as_f64().unwrap() >= 0.0));
    // The hot method's frame is in the baseline category (compiled at its first call).
    let funcs = &thread["funcTable"];
    let frames = &thread["frameTable"];
    let spin = (0..frames["length"].as_u64().unwrap() as usize).find(|&i| {
        let func = frames["func"][i].as_u64().unwrap() as usize;
        strings[funcs["name"][func].as_u64().unwrap() as usize] == "Churn>>spin: [tier 1]"
    });
    let spin = spin.expect("a Churn>>spin: [tier 1] frame");
    assert_eq!(frames["category"][spin].as_u64(), Some(baseline as u64));
    // Markers: the compilation of spin: and at least one collection, as intervals.
    let markers = &thread["markers"];
    let n = markers["length"].as_u64().unwrap() as usize;
    let named = |i: usize| strings[markers["name"][i].as_u64().unwrap() as usize];
    let compile = (0..n).find(|&i| {
        named(i) == "JIT compile (tier 1)"
            && strings[markers["data"][i]["method"].as_u64().unwrap() as usize] == "Churn>>spin:"
    });
    let compile = compile.expect("a compile marker for Churn>>spin:");
    let (start, end) = (
        markers["startTime"][compile].as_f64().unwrap(),
        markers["endTime"][compile].as_f64().unwrap(),
    );
    assert!(start <= end, "{start} {end}");
    assert!((0..n).any(|i| named(i) == "GC"), "no GC marker");
    // The energy track adds up to the report's total.
    let counter = &fx["counters"][0];
    assert!(
        counter["name"].as_str().unwrap().starts_with("Energy ("),
        "{counter}"
    );
    let joules: f64 = counter["samples"]["count"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_f64().unwrap())
        .sum();
    let total = p["energy"]["total_j"].as_f64().unwrap();
    assert!(
        (joules - total).abs() <= total * 1e-6 + 1e-9,
        "{joules} vs {total}"
    );
}
