//! `som-dbg record` and `replay` on programs that misuse reflection or read an endless
//! file: a `perform:` with the wrong number of arguments is the SOM error `som` prints
//! (no Rust panic), and `loadFile: '/dev/zero'` ends in a SOM error that the replay
//! reproduces from the trace.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn dbg(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_som-dbg"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run som-dbg");
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-dbg-hostile-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Records `source` as `<name>.som`; answers the record output and the trace path.
fn record(name: &str, source: &str) -> (Output, PathBuf) {
    let d = dir(name);
    let program = d.join(format!("{name}.som"));
    std::fs::write(&program, source).unwrap();
    let trace = d.join("t.somtrace");
    let args = [
        "record",
        "-o",
        trace.to_str().unwrap(),
        program.to_str().unwrap(),
    ];
    (dbg(&args, ""), trace)
}

/// The first batch answer of `continue` on the trace: where the run stopped.
fn continue_stop(trace: &Path) -> serde_json::Value {
    let out = dbg(
        &["replay", trace.to_str().unwrap(), "--batch"],
        "continue\n",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    serde_json::from_str(&first).expect("a JSON answer")
}

#[test]
fn recording_a_perform_with_the_wrong_arity_reports_the_som_error() {
    for (name, call, message) in [
        (
            "PerformBinary",
            "3 perform: #+",
            "#+ takes 1 argument, got 0",
        ),
        (
            "PerformMissing",
            "self perform: #foo:bar: withArguments: #()",
            "#foo:bar: takes 2 arguments, got 0",
        ),
    ] {
        let source =
            format!("{name} = (\n  run = ( ({call}) println )\n  foo: a bar: b = ( ^ a )\n)\n");
        let (out, trace) = record(name, &source);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(message), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        let stop = continue_stop(&trace);
        assert_eq!(stop["stopped"]["reason"], "error", "{stop}");
        let got = stop["stopped"]["message"].as_str().unwrap_or("");
        assert!(got.contains(message), "{got}");
    }
}

#[test]
fn an_endless_load_file_is_a_som_error_in_the_recording_and_its_replay() {
    let source = "Endless = (\n  run = ( (system loadFile: '/dev/zero') length println )\n)\n";
    let (out, trace) = record("Endless", source);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("/dev/zero is larger than 64 MiB"), "{err}");
    let stop = continue_stop(&trace);
    assert_eq!(stop["stopped"]["reason"], "error", "{stop}");
    let got = stop["stopped"]["message"].as_str().unwrap_or("");
    assert!(got.contains("larger than 64 MiB"), "{got}");
}
