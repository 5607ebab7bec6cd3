//! End-to-end tests of `som-dbg` on programs that fail or change: recording a file with a
//! syntax error or a missing file prints the error `som` prints and writes no trace; a
//! recording replayed against a program edited into an endless loop stops with "replay
//! diverged at clock T" once it passes the recorded final clock; a run that ends in a SOM
//! error stops `continue` at the error with its message and backtrace, and reverse
//! commands work from there.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn run(bin: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn dbg(args: &[&str], stdin: &str) -> Output {
    run(env!("CARGO_BIN_EXE_som-dbg"), args, stdin)
}

/// The `som` binary next to `som-dbg` (built with the workspace).
fn som(args: &[&str]) -> Option<Output> {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_som-dbg")).with_file_name("som");
    bin.exists().then(|| run(bin.to_str().unwrap(), args, ""))
}

fn dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-dbg-fail-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn recording_a_file_with_a_syntax_error_prints_its_position_and_writes_no_trace() {
    let d = dir("syntax");
    let program = d.join("SynErr.som");
    std::fs::write(&program, "SynErr = (\n  run = ( 1 foo; bar )\n)\n").unwrap();
    let trace = d.join("t.somtrace");
    let out = dbg(
        &[
            "record",
            "-o",
            trace.to_str().unwrap(),
            program.to_str().unwrap(),
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("SynErr.som:2:16: unexpected character ';'"),
        "{err:?}"
    );
    assert!(!trace.exists(), "no trace of a program that did not load");
    if let Some(som) = som(&[program.to_str().unwrap()]) {
        assert_eq!(String::from_utf8_lossy(&som.stderr), err, "the same as som");
        assert_eq!(som.status.code(), out.status.code());
    }
}

#[test]
fn recording_a_missing_file_says_so_and_writes_no_trace() {
    let d = dir("missing");
    let program = d.join("Missing.som");
    let trace = d.join("t.somtrace");
    let out = dbg(
        &[
            "record",
            "-o",
            trace.to_str().unwrap(),
            program.to_str().unwrap(),
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("Missing.som: cannot read"), "{err:?}");
    assert!(!trace.exists(), "no trace of a program that did not load");
}

#[test]
fn a_replay_that_runs_past_the_recorded_end_diverges_instead_of_hanging() {
    let d = dir("endless");
    let program = d.join("Hello.som");
    std::fs::write(&program, "Hello = (\n  run = ( 'hello' println )\n)\n").unwrap();
    let trace = d.join("t.somtrace");
    let out = dbg(
        &[
            "record",
            "-o",
            trace.to_str().unwrap(),
            program.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success());
    std::fs::write(
        &program,
        "Hello = (\n  run = ( [ true ] whileTrue: [ 1 + 1 ] )\n)\n",
    )
    .unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_som-dbg"))
        .args(["replay", trace.to_str().unwrap(), "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(b"where\nquit\n");
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("the replay of an endless loop never returned");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("replay diverged at clock "), "{err}");
    assert!(err.contains("past the recorded end"), "{err}");
}

const FAILS: &str = "Fails = (
    run = (
        | a |
        a := 3.
        'before' println.
        self foo: a.
        'never' println
    )
    foo: x = ( ^ x bar )
)
";

#[test]
fn continue_stops_at_a_som_error_with_its_message_and_backtrace() {
    let d = dir("error");
    let program = d.join("Fails.som");
    std::fs::write(&program, FAILS).unwrap();
    let trace = d.join("t.somtrace");
    let out = dbg(
        &[
            "record",
            "-o",
            trace.to_str().unwrap(),
            program.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "the program fails");
    let script = "continue\nwhere\nreverse-step\ncontinue\ncontinue\n";
    let out = dbg(&["replay", trace.to_str().unwrap(), "--batch"], script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = lines(&out);
    assert_eq!(a[0]["stopped"]["reason"], "error", "{}", a[0]);
    let message = a[0]["stopped"]["message"].as_str().unwrap();
    assert!(message.contains("does not understand #bar"), "{message}");
    let backtrace = a[0]["stopped"]["backtrace"].as_array().unwrap();
    assert!(
        backtrace
            .iter()
            .any(|f| f.as_str().unwrap().contains("Fails>>foo:")),
        "{backtrace:?}"
    );
    assert_eq!(a[0]["at_end"], false, "stopped where the error happened");
    let frames = a[1]["frames"].as_array().unwrap();
    assert!(
        frames.iter().any(|f| f["selector"] == "foo:"),
        "the failing method is on the stack: {frames:?}"
    );
    assert_eq!(
        a[2]["stopped"]["reason"], "step",
        "reverse works from the error"
    );
    assert!(a[2]["clock"].as_u64() < a[0]["clock"].as_u64());
    assert_eq!(a[3]["stopped"]["reason"], "error", "and forward again");
    assert_eq!(a[4]["stopped"]["reason"], "end", "past the error: the end");
}

#[test]
fn tier_options_record_in_tier_2_and_are_refused_where_nothing_runs() {
    let d = dir("tiers");
    let trace = d.join("t.somtrace");
    let trace = trace.to_str().unwrap();
    let program = "tests/programs/Tier2Deopts.som";
    let out = dbg(
        &[
            "record",
            "-o",
            trace,
            "--max-tier",
            "2",
            "--jit-threshold",
            "0",
            "--deopt-stress",
            program,
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The replay re-executes it in the interpreter and agrees.
    let replay = dbg(&["replay", trace, "--batch"], "continue\n");
    let answers = lines(&replay);
    let last = answers.last().unwrap();
    assert_eq!(last["stopped"]["reason"], "end", "{answers:?}");
    assert_eq!(
        last["clock"], 494,
        "the clock of the tier-0 run: {answers:?}"
    );
    for (args, says) in [
        (
            vec!["record", "-o", trace, "--max-tier", "3", program],
            "--max-tier expects 0, 1 or 2",
        ),
        (
            vec!["replay", trace, "--max-tier", "2"],
            "apply to record and run, not replay",
        ),
        (
            vec!["replay", "--deopt-stress", trace],
            "apply to record and run, not replay",
        ),
    ] {
        let out = dbg(&args, "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(err.contains(says), "{args:?}: {err:?}");
    }
}
