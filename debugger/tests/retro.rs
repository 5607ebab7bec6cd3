//! The retroactive queries in batch mode, through the real binary: `log FILE:LINE
//! EXPR` answers every hit of the line in the whole recording with its clock and value
//! (without moving), `origin` where an object was allocated, and `last-write` sees the
//! store of every path the VM has (a method with a frame, a trivial setter run without
//! one, `instVarAt:put:`, a reflective `perform:`) on an 18M-tick recording, where the
//! searches go by the interval summaries.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/programs/{name}.som"))
}

fn record(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-dbg-retro-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("run.somtrace");
    let out = Command::new(env!("CARGO_BIN_EXE_som-dbg"))
        .args(["record", "-o"])
        .arg(&trace)
        .arg(program(name))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    trace
}

/// Runs batch commands on a recording; one JSON answer per command.
fn batch(trace: &Path, commands: &str) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_som-dbg"))
        .arg("replay")
        .arg(trace)
        .arg("--batch")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(commands.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn log_answers_every_hit_of_the_line_with_clock_and_value_without_moving() {
    let trace = record("Counter");
    let answers = batch(
        &trace,
        "break Counter>>total\ncontinue\nlog Counter.som:17 n * 10\nwhere\nlog Counter.som:17 nope\nlog Counter.som:17\nlog Counter.som:99 n\n",
    );
    let stopped_at = answers[1]["clock"].clone();
    let hits = answers[2]["hits"].as_array().unwrap();
    let values: Vec<&str> = hits.iter().map(|h| h["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["10", "20", "30", "40", "50"]);
    let clocks: Vec<u64> = hits.iter().map(|h| h["clock"].as_u64().unwrap()).collect();
    assert!(
        clocks.windows(2).all(|w| w[0] < w[1]),
        "in recording order: {clocks:?}"
    );
    assert!(hits.iter().all(|h| h["line"] == 17));
    assert_eq!(answers[2]["clock"], stopped_at, "the position is kept");
    assert_eq!(answers[3]["frames"][0]["selector"], "total");
    // An expression that fails at each hit says so at each hit.
    let failing = answers[4]["hits"].as_array().unwrap();
    assert_eq!(failing.len(), 5);
    assert!(
        failing.iter().all(|h| h.get("error").is_some()),
        "{failing:?}"
    );
    assert!(answers[5]["error"]
        .as_str()
        .unwrap()
        .contains("needs FILE:LINE and an expression"));
    assert_eq!(answers[6]["hits"].as_array().unwrap().len(), 0);
}

#[test]
fn origin_names_the_allocating_statement_without_moving() {
    let trace = record("Counter");
    let answers = batch(
        &trace,
        "break Counter>>total\ncontinue\norigin items\norigin count\nwhere\n",
    );
    let w = &answers[2]["write"];
    assert_eq!(
        (w["selector"].as_str(), w["line"].as_u64()),
        (Some("run"), Some(6))
    );
    assert!(w["clock"].as_u64().unwrap() < answers[1]["clock"].as_u64().unwrap());
    assert!(answers[3]["error"]
        .as_str()
        .unwrap()
        .contains("not an allocated object"));
    assert_eq!(answers[4]["clock"], answers[1]["clock"]);
}

#[test]
fn last_write_sees_the_store_of_every_path_on_a_long_recording() {
    let trace = record("Stores");
    let answers = batch(
        &trace,
        "break Stores>>probe\ncontinue\ninfo\nlast-write framed.left\nlast-write trivial.left\nlast-write reflective.left\nlast-write performed.left\norigin performed\n",
    );
    let end_clock = answers[1]["clock"].as_u64().unwrap();
    assert!(end_clock > 10_000_000, "a long recording: {end_clock}");
    let info = answers[2]["message"].as_str().unwrap();
    assert!(info.contains("checkpoints"), "{info}");
    let writer = |i: usize| {
        let w = &answers[i]["write"];
        assert!(w.is_object(), "answer {i}: {}", answers[i]);
        (
            w["selector"].as_str().unwrap().to_string(),
            w["line"].as_u64().unwrap(),
        )
    };
    assert_eq!(
        writer(3),
        ("setLeftSlowly:".to_string(), 7),
        "a store in a method's frame"
    );
    assert_eq!(
        writer(4),
        ("left:".to_string(), 6),
        "a trivial setter, stopped in its own frame"
    );
    assert_eq!(writer(5), ("run".to_string(), 15), "instVarAt:put:");
    assert_eq!(
        writer(6),
        ("left:".to_string(), 6),
        "perform: of a trivial setter"
    );
    assert_eq!(
        writer(7),
        ("run".to_string(), 9),
        "origin on the long recording"
    );
}

#[test]
fn stepping_back_from_fine_snapshots_answers_as_from_checkpoints() {
    // 18M ticks: checkpoints are an interval apart. The first steps back scan from a
    // checkpoint and leave fine snapshots; the same steps back again start from them.
    let trace = record("Stores");
    let steps =
        "reverse-step\nreverse-step\nreverse-next\nreverse-step\nreverse-finish\nreverse-step\n";
    let commands = format!("break Stores>>probe\ncontinue\n{steps}continue\n{steps}");
    let answers = batch(&trace, &commands);
    let at = |a: &Value| {
        let f = &a["frames"][0];
        (
            a["clock"].clone(),
            f["selector"].clone(),
            f["line"].clone(),
            f["bci"].clone(),
        )
    };
    let first: Vec<_> = answers[2..8].iter().map(at).collect();
    assert_eq!(
        answers[8]["stopped"]["reason"], "breakpoint",
        "{}",
        answers[8]
    );
    let again: Vec<_> = answers[9..15].iter().map(at).collect();
    assert_eq!(first, again);
    let clocks: Vec<u64> = first.iter().map(|p| p.0.as_u64().unwrap()).collect();
    assert!(clocks.windows(2).all(|w| w[0] >= w[1]), "{clocks:?}");
    assert_eq!(first[4].1, "run", "reverse-finish leaves probe for run");
}
