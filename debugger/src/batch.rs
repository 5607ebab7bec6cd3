//! The scripted front end: commands on stdin, one per line; one JSON object per command
//! on stdout. Every answer has `clock` and `frames` (innermost first: `name` as the TUI
//! shows it, `[] in Class>>sel` for a block; `block`; `class` and `selector` of the
//! method, the enclosing one for a block; `file`, `line` (a block's own), `bci`,
//! `tier`); movements add `stopped` (why; `error` adds `message` and `backtrace`),
//! `print` adds `value` (and `object` for an object: `class`, then `fields` with `name`
//! and `value`, or `elements`), `last-write` and `origin` add `write` (`clock`,
//! `class`, `selector`, `line`), `log` adds `hits` (`clock`, `line`, `value` or
//! `error` each); a bad command answers `{"error": ...}` and the session
//! goes on. With `--timing`, answers carry `ms` (the command's latency) too.

use crate::command::Command;
use crate::engine::{Engine, LogHit, Position, Reply, Stop};
use serde_json::{json, Map, Value};
use std::io::{BufRead, Write};

/// The stack at the current position as JSON.
pub fn frames_json(engine: &Engine) -> Value {
    if matches!(engine.position(), Position::End { .. }) {
        return json!([]);
    }
    let frames = engine.view().frames();
    Value::Array(
        frames
            .iter()
            .map(|f| {
                json!({
                    "name": f.label, "block": f.is_block,
                    "class": f.class, "selector": f.selector, "file": f.file,
                    "line": f.line, "bci": f.bci, "tier": f.tier,
                })
            })
            .collect(),
    )
}

fn stop_json(stop: &Stop) -> Value {
    match stop {
        Stop::Step => json!({"reason": "step"}),
        Stop::Breakpoint(id) => json!({"reason": "breakpoint", "id": id}),
        Stop::Watchpoint { id, old, new } => {
            json!({"reason": "watchpoint", "id": id, "old": old, "new": new})
        }
        Stop::End => json!({"reason": "end"}),
        Stop::Error { message, backtrace } => {
            json!({"reason": "error", "message": message, "backtrace": backtrace})
        }
        Stop::Start => json!({"reason": "start"}),
        Stop::Goto => json!({"reason": "goto"}),
    }
}

/// A logpoint's hits: `clock`, `line` and `value` (or `error`) each.
fn hits_json(hits: &[LogHit]) -> Value {
    let one = |h: &LogHit| {
        let mut o = Map::new();
        o.insert("clock".into(), json!(h.clock));
        o.insert("line".into(), json!(h.line));
        match h.values.first() {
            Some(Ok(v)) => o.insert("value".into(), json!(v)),
            Some(Err(e)) => o.insert("error".into(), json!(e)),
            None => None,
        };
        Value::Object(o)
    };
    Value::Array(hits.iter().map(one).collect())
}

/// The JSON answer to a command.
pub fn answer(engine: &Engine, reply: &Result<Reply, String>) -> Value {
    let mut out = Map::new();
    out.insert("clock".into(), json!(engine.position().clock()));
    out.insert("frames".into(), frames_json(engine));
    out.insert(
        "at_end".into(),
        json!(matches!(engine.position(), Position::End { .. })),
    );
    match reply {
        Err(e) => {
            out.insert("error".into(), json!(e));
        }
        Ok(r) => {
            if let Some(s) = &r.stop {
                out.insert("stopped".into(), stop_json(s));
            }
            if let Some(v) = &r.value {
                out.insert("value".into(), json!(v));
            }
            if let Some(o) = &r.object {
                out.insert("object".into(), o.clone());
            }
            if let Some(w) = &r.write {
                out.insert(
                    "write".into(),
                    json!({"clock": w.clock, "class": w.class, "selector": w.selector,
                           "file": w.file, "line": w.line}),
                );
            }
            if let Some(hits) = &r.hits {
                out.insert("hits".into(), hits_json(hits));
            }
            if let Some(m) = &r.message {
                out.insert("message".into(), json!(m));
            }
        }
    }
    Value::Object(out)
}

/// Runs commands from `input` until `quit` or end of input.
/// With `timing`, each answer also has `ms`: how long the command took.
pub fn run(
    engine: &mut Engine,
    input: impl BufRead,
    mut output: impl Write,
    timing: bool,
) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let started = std::time::Instant::now();
        let (reply, quit) = match Command::parse(text) {
            Ok(cmd) => (engine.execute(&cmd), cmd == Command::Quit),
            Err(e) => (Err(e), false),
        };
        let mut json = answer(engine, &reply);
        if timing {
            json["ms"] = json!(started.elapsed().as_secs_f64() * 1000.0);
        }
        writeln!(output, "{json}")?;
        output.flush()?;
        if quit {
            break;
        }
    }
    Ok(())
}
