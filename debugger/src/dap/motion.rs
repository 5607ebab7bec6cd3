//! Moving through the replay over DAP: `continue`, `next`, `stepIn`, `stepOut`,
//! `stepBack`, `reverseContinue`, `restartFrame` and the custom `reverseNext`,
//! `reverseStepOut` and `gotoClock`; each answers, then sends the program's new
//! output (once, the first time the replay passes it) and a `stopped` event saying
//! why. `lastWrite` and `origin` answer where a value came from without moving.
//! Hit conditions count hits from the start of the recording, so the Nth hit is the
//! same whichever way the replay got there.

use super::{args, Adapter, Answer, Request};
use crate::engine::{Engine, Position, Reply, Stop};
use serde::Deserialize;
use serde_json::{json, Value};
use std::io::{self, Write};

/// The one thread a SOM program has.
pub(super) const THREAD: i64 = 1;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GotoClockArgs {
    clock: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FrameArgs {
    frame_id: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TraceBackArgs {
    expression: String,
    frame_id: Option<i64>,
}

/// Runs `motion` until a stop that counts (hit conditions, data conditions).
fn until_counted(
    engine: &mut Engine,
    points: &mut super::points::Points,
    motion: fn(&mut Engine) -> Reply,
) -> Reply {
    loop {
        let reply = motion(engine);
        let step = engine.position().step();
        let counts = match &reply.stop {
            Some(Stop::Breakpoint(id)) => points.hit_counts(engine, *id, step),
            Some(Stop::Watchpoint { id, .. }) => match points.data_condition(*id) {
                Some(c) => engine.evaluate(&c).is_ok_and(|v| v == "true"),
                None => true,
            },
            _ => true,
        };
        if counts {
            return reply;
        }
    }
}

/// The `stopped` event for a stop.
fn stopped(engine: &Engine, stop: &Stop, function_ids: &[usize]) -> Value {
    let (reason, description, ids) = match stop {
        Stop::Step => ("step", "step".to_string(), vec![]),
        Stop::Goto => ("goto", "moved".to_string(), vec![]),
        Stop::Breakpoint(id) if function_ids.contains(id) => (
            "function breakpoint",
            format!("function breakpoint {id}"),
            vec![*id],
        ),
        Stop::Breakpoint(id) => ("breakpoint", format!("breakpoint {id}"), vec![*id]),
        Stop::Watchpoint { id, old, new } => (
            "data breakpoint",
            format!("data breakpoint {id}: {old} -> {new}"),
            vec![*id],
        ),
        Stop::End => ("end", "the end of the recording".to_string(), vec![]),
        Stop::Error { message, .. } => ("exception", format!("SOM error: {message}"), vec![]),
        Stop::Start => ("start", "the start of the recording".to_string(), vec![]),
    };
    let mut body = json!({"reason": reason, "description": description, "threadId": THREAD,
                          "allThreadsStopped": true, "clock": engine.position().clock(),
                          "atEnd": matches!(engine.position(), Position::End { .. })});
    if !ids.is_empty() {
        body["hitBreakpointIds"] = json!(ids);
    }
    body
}

impl<W: Write> Adapter<W> {
    pub(super) fn move_by(&mut self, r: &Request) -> Answer {
        let level = match r.command.as_str() {
            "restartFrame" => Some(self.level(Some(args::<FrameArgs>(r)?.frame_id))?),
            _ => None,
        };
        let clock = match r.command.as_str() {
            "gotoClock" => Some(args::<GotoClockArgs>(r)?.clock),
            _ => None,
        };
        self.flush_pending().map_err(|e| e.to_string())?;
        let engine = self
            .engine
            .as_mut()
            .ok_or("no program is launched yet (send 'launch' first)")?;
        let points = &mut self.points;
        let (reply, reason) = match r.command.as_str() {
            "continue" => (until_counted(engine, points, Engine::cont), None),
            "reverseContinue" => (
                until_counted(engine, points, Engine::reverse_continue),
                None,
            ),
            "next" => (engine.step_over(), None),
            "stepIn" => (engine.step(), None),
            "stepOut" => (engine.finish(), None),
            "stepBack" => (engine.reverse_step(), None),
            "reverseNext" => (engine.reverse_next(), None),
            "reverseStepOut" => (engine.reverse_finish(), None),
            "gotoClock" => (engine.goto_clock(clock.unwrap_or(0)), None),
            "restartFrame" => (engine.restart_frame(level.unwrap_or(0))?, Some("restart")),
            other => return Err(format!("'{other}' is not a movement")),
        };
        self.handles.clear();
        let stop = reply.stop.unwrap_or(Stop::Step);
        let mut event = stopped(engine, &stop, &self.points.function_ids());
        if let Some(reason) = reason {
            event["reason"] = json!(reason);
        }
        let clock = engine.position().clock();
        self.pending_stop = Some(event);
        Ok(match r.command.as_str() {
            "continue" | "reverseContinue" => json!({"allThreadsContinued": true}),
            _ => json!({"clock": clock}),
        })
    }

    /// Sends the output the replay has newly reached and the pending `stopped` event.
    pub(super) fn send_stop(&mut self) -> io::Result<()> {
        let Some(event) = self.pending_stop.take() else {
            return Ok(());
        };
        if let Some(engine) = &self.engine {
            let output = engine.output();
            if let Some(new) = output.get(self.shown_output..).filter(|s| !s.is_empty()) {
                self.out
                    .event("output", json!({"category": "stdout", "output": new}))?;
                self.shown_output = output.len();
            }
        }
        self.out.event("stopped", event)
    }

    /// The first stop when the launch asked to stop on entry.
    pub(super) fn report_entry(&mut self) -> io::Result<()> {
        if let Some(engine) = &self.engine {
            let mut event = stopped(engine, &Stop::Step, &[]);
            event["reason"] = json!("entry");
            event["description"] = json!("the start of the recording");
            self.pending_stop = Some(event);
        }
        self.send_stop()
    }

    /// The first stop otherwise: the first breakpoint hit (or the end).
    pub(super) fn run_to_first_stop(&mut self) -> io::Result<()> {
        let Some(engine) = self.engine.as_mut() else {
            return Ok(());
        };
        let reply = until_counted(engine, &mut self.points, Engine::cont);
        let stop = reply.stop.unwrap_or(Stop::End);
        self.pending_stop = Some(stopped(engine, &stop, &self.points.function_ids()));
        self.send_stop()
    }

    /// `lastWrite` and `origin`: which statement last wrote a location, or allocated
    /// an object, before now (the replay does not move).
    pub(super) fn trace_back(&mut self, r: &Request) -> Answer {
        let a: TraceBackArgs = args(r)?;
        let level = self.level(a.frame_id)?;
        let engine = self.engine()?;
        engine.selected = level;
        let result = if r.command == "origin" {
            engine.origin(&a.expression)
        } else {
            engine.last_write(&a.expression)
        };
        engine.selected = 0;
        let reply = result?;
        Ok(match (reply.write, reply.message) {
            (Some(w), _) => json!({"clock": w.clock, "step": w.step, "class": w.class,
                "selector": w.selector, "file": w.file, "line": w.line,
                "description": format!("{}>>{} line {} at clock {}", w.class, w.selector, w.line, w.clock)}),
            (None, m) => json!({"clock": null, "description": m.unwrap_or_default()}),
        })
    }
}
