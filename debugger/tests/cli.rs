//! End-to-end tests of the `som-dbg` binary: recording shows the program's output and
//! exit status, batch mode answers one JSON object per command (errors included), and
//! truncated, corrupt, wrong-version or diverging recordings are rejected with a message.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PROGRAM: &str = "Walk = (
    | total |
    run = (
        total := 0.
        1 to: 3 do: [ :i | total := total + (self twice: i) ].
        total println.
        (100 atRandom) println.
        ^ total
    )
    twice: n = ( ^ n + n )
)
";

fn dbg(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_som-dbg"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run som-dbg");
    // The process may reject its input before reading it (a corrupt recording).
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn setup(tag: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("som-dbg-cli-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let program = dir.join("Walk.som");
    std::fs::write(&program, PROGRAM).unwrap();
    let trace = dir.join("walk.somtrace");
    let out = dbg(
        &[
            "record",
            "-o",
            trace.to_str().unwrap(),
            program.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("12\n"),
        "the program's own output: {stdout}"
    );
    (program, trace)
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn batch_mode_answers_every_command_with_clock_and_frames() {
    let (_, trace) = setup("batch");
    let script = "break Walk>>twice:\ncontinue\nprint n\ncontinue\nreverse-continue\n\
                  print n\nlast-write total\nfly away\ngoto 1000000\nwhere\nquit\nstep\n";
    let out = dbg(&["replay", trace.to_str().unwrap(), "--batch"], script);
    assert!(out.status.success());
    let answers = lines(&out);
    assert_eq!(answers.len(), 11, "quit ends the session");
    for a in &answers {
        assert!(a["clock"].is_u64(), "{a}");
        assert!(a["frames"].is_array(), "{a}");
    }
    assert_eq!(answers[1]["stopped"]["reason"], "breakpoint");
    assert_eq!(answers[1]["frames"][0]["selector"], "twice:");
    assert_eq!(answers[1]["frames"][0]["class"], "Walk");
    assert_eq!(answers[1]["frames"][0]["line"], 10);
    assert_eq!(answers[1]["frames"][0]["tier"], 0);
    assert_eq!(answers[2]["value"], "1");
    assert_eq!(
        answers[5]["value"], "1",
        "reverse-continue went back to the first hit"
    );
    assert!(answers[4]["clock"].as_u64() < answers[3]["clock"].as_u64());
    assert_eq!(answers[6]["write"]["selector"], "run");
    assert_eq!(
        answers[6]["write"]["line"], 4,
        "total := 0, before the first hit"
    );
    assert!(answers[7]["error"]
        .as_str()
        .unwrap()
        .contains("unknown command"));
    assert_eq!(answers[8]["stopped"]["reason"], "end");
    assert_eq!(answers[9]["frames"].as_array().unwrap().len(), 0);
}

#[test]
fn replays_reproduce_the_recorded_random_numbers() {
    let (_, trace) = setup("random");
    // Opening verifies the replayed output (which includes the random number) against
    // the recording; a replay that drew a new number would diverge.
    let script = "break Walk.som:8\ncontinue\nprint total\n";
    let out = dbg(&["replay", trace.to_str().unwrap(), "--batch"], script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = lines(&out);
    assert_eq!(a[2]["value"], "12", "{a:?}");
}

fn rejected(trace: &Path, bytes: &[u8], expect: &str) {
    std::fs::write(trace, bytes).unwrap();
    let out = dbg(&["replay", trace.to_str().unwrap(), "--batch"], "where\n");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing half-read");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(expect), "{err}");
    assert!(
        err.contains(&trace.display().to_string()),
        "names the file: {err}"
    );
}

#[test]
fn corrupt_truncated_and_wrong_version_recordings_are_rejected() {
    let (_, trace) = setup("corrupt");
    let good = std::fs::read(&trace).unwrap();
    let bad = trace.with_file_name("bad.somtrace");
    rejected(&bad, &good[..good.len() / 2], "truncated");
    let mut flipped = good.clone();
    let mid = good.len() / 2;
    flipped[mid] ^= 0x01;
    rejected(&bad, &flipped, "checksum");
    let mut version = good.clone();
    version[9] = 77;
    rejected(&bad, &version, "version 77");
    rejected(&bad, b"#!/bin/sh\necho hi\n", "not a som-dbg recording");
}

#[test]
fn a_program_changed_after_recording_diverges() {
    let (program, trace) = setup("diverge");
    std::fs::write(
        &program,
        PROGRAM.replace("total println.", "(total + 1) println."),
    )
    .unwrap();
    let out = dbg(&["replay", trace.to_str().unwrap(), "--batch"], "where\n");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("replay diverged at clock "), "{err}");
}

#[test]
fn random_command_sequences_never_crash_the_session() {
    let (_, trace) = setup("random-commands");
    let commands = [
        "step",
        "next",
        "finish",
        "continue",
        "reverse-step",
        "reverse-next",
        "reverse-finish",
        "reverse-continue",
        "goto 0",
        "goto 150",
        "goto 99999",
        "where",
        "print total",
        "print n",
        "print self",
        "print 1/0",
        "print (",
        "watch total",
        "watch n",
        "last-write total",
        "last-write n",
        "origin self",
        "origin 3",
        "break Walk>>twice:",
        "break Walk.som:5 if total > 2",
        "delete 1",
        "delete 7",
        "frame 1",
        "frame 9",
        "up",
        "down",
        "info",
        "fly",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..8 {
        let mut script = String::new();
        for _ in 0..30 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            script.push_str(commands[(seed % commands.len() as u64) as usize]);
            script.push('\n');
        }
        let out = dbg(&["replay", trace.to_str().unwrap(), "--batch"], &script);
        assert!(
            out.status.success(),
            "{script}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(lines(&out).len(), 30, "one answer per command:\n{script}");
    }
}
