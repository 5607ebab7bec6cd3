//! `som-dbg dap`: a Debug Adapter Protocol server on stdin/stdout, so VS Code,
//! nvim-dap and other DAP clients debug SOM programs with time travel. A launch
//! records the program at full speed (or opens a recording) and then debugs the
//! replay, so `stepBack`, `reverseContinue`, data breakpoints backwards and the custom
//! requests (`reverseNext`, `reverseStepOut`, `gotoClock`, `lastWrite`, `origin`) all
//! work. Logpoints are retroactive: setting one answers every hit in the recording.
//!
//! `protocol` frames messages; `launch` opens the engine; `points` keeps breakpoints;
//! `inspect` answers stacks, scopes, variables and evaluation; `motion` moves and
//! reports stops. Every request gets a response: a bad or unservable one an error
//! saying why, and the session goes on.

mod inspect;
mod launch;
mod motion;
mod points;
pub mod protocol;

use crate::engine::Engine;
use protocol::{read_message, Request, Writer};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::io::{self, BufRead, Write};

/// What a request handler answers: a response body, or an error message.
type Answer = Result<Value, String>;

/// One debugging session.
pub struct Adapter<W: Write> {
    out: Writer<W>,
    engine: Option<Engine>,
    budget: usize,
    points: points::Points,
    handles: inspect::Handles,
    /// Bytes of the program's output already sent as `output` events.
    shown_output: usize,
    stop_on_entry: bool,
    configured: bool,
    /// Stopped events wait for both launch and configurationDone.
    started: bool,
    /// The `stopped` event a movement sends after its response.
    pending_stop: Option<Value>,
    done: bool,
}

/// Decodes a request's arguments, naming the request and the bad field.
fn args<T: DeserializeOwned>(request: &Request) -> Result<T, String> {
    let value = match &request.arguments {
        Value::Null => json!({}),
        v => v.clone(),
    };
    serde_json::from_value(value)
        .map_err(|e| format!("bad arguments to '{}': {e}", request.command))
}

/// The capabilities `initialize` answers.
fn capabilities() -> Value {
    json!({
        "supportsConfigurationDoneRequest": true,
        "supportsStepBack": true,
        "supportsConditionalBreakpoints": true,
        "supportsHitConditionalBreakpoints": true,
        "supportsLogPoints": true,
        "supportsFunctionBreakpoints": true,
        "supportsDataBreakpoints": true,
        "supportsEvaluateForHovers": true,
        "supportsRestartFrame": true,
        "supportsTerminateRequest": true,
        "supportsSetVariable": false,
        "supportsSetExpression": false,
        "supportsDelayedStackTraceLoading": true,
        "supportsValueFormattingOptions": false,
    })
}

impl<W: Write> Adapter<W> {
    pub fn new(out: W, budget: usize) -> Adapter<W> {
        Adapter {
            out: Writer::new(out),
            engine: None,
            budget,
            points: Default::default(),
            handles: Default::default(),
            shown_output: 0,
            stop_on_entry: false,
            configured: false,
            started: false,
            pending_stop: None,
            done: false,
        }
    }

    fn engine(&mut self) -> Result<&mut Engine, String> {
        self.engine
            .as_mut()
            .ok_or_else(|| "no program is launched yet (send 'launch' first)".to_string())
    }

    /// Answers one request (and sends the events it causes).
    pub fn handle(&mut self, request: &Request) -> io::Result<()> {
        let (seq, command) = (request.seq, request.command.as_str());
        let answer = self.dispatch(request);
        match answer {
            Ok(body) => self.out.respond(seq, command, body)?,
            Err(message) => self.out.fail(seq, command, &message)?,
        }
        self.after(command)
    }

    fn dispatch(&mut self, r: &Request) -> Answer {
        match r.command.as_str() {
            "initialize" => Ok(capabilities()),
            "launch" => self.launch(args(r)?),
            "attach" => Err("som-dbg debugs recordings: use 'launch' with 'program' or 'trace'".into()),
            "configurationDone" => {
                self.configured = true;
                Ok(Value::Null)
            }
            "setBreakpoints" => self.set_breakpoints(args(r)?),
            "setFunctionBreakpoints" => self.set_function_breakpoints(args(r)?),
            "setExceptionBreakpoints" => Ok(json!({"breakpoints": []})),
            "dataBreakpointInfo" => self.data_breakpoint_info(args(r)?),
            "setDataBreakpoints" => self.set_data_breakpoints(args(r)?),
            "threads" => Ok(json!({"threads": [{"id": motion::THREAD, "name": "main"}]})),
            "stackTrace" => self.stack_trace(args(r)?),
            "scopes" => self.scopes(args(r)?),
            "variables" => self.variables(args(r)?),
            "evaluate" => self.evaluate(args(r)?),
            "source" => self.source(args(r)?),
            "continue" | "next" | "stepIn" | "stepOut" | "stepBack" | "reverseContinue"
            | "reverseNext" | "reverseStepOut" | "gotoClock" | "restartFrame" => {
                self.move_by(r)
            }
            "lastWrite" | "origin" => self.trace_back(r),
            "pause" => Err("the replay never runs on its own: every request answers once it has moved, so there is nothing to pause".into()),
            "setVariable" | "setExpression" => Err(
                "cannot set a variable in a replay: the recording fixes every value (change the program and launch again)".into(),
            ),
            "terminate" | "disconnect" => {
                self.done = r.command == "disconnect";
                Ok(Value::Null)
            }
            other => Err(format!("unknown request '{other}'")),
        }
    }

    /// Events that follow a response.
    fn after(&mut self, command: &str) -> io::Result<()> {
        match command {
            "initialize" => self.out.event("initialized", Value::Null),
            "terminate" => self.out.event("terminated", Value::Null),
            "launch" | "configurationDone" => self.maybe_start(),
            _ => {
                self.flush_pending()?;
                self.send_stop()
            }
        }
    }

    /// Whether `disconnect` ended the session.
    pub fn finished(&self) -> bool {
        self.done
    }
}

/// Serves one session: requests from `input`, responses and events to `output`,
/// until `disconnect` or the end of the input.
pub fn serve(input: impl BufRead, output: impl Write, budget: usize) -> io::Result<()> {
    let mut input = input;
    let mut adapter = Adapter::new(output, budget);
    while let Some(message) = read_message(&mut input)? {
        match message {
            Ok(request) => adapter.handle(&request)?,
            Err(bad) => {
                let why = format!("malformed message: {}", bad.why);
                adapter.out.fail(bad.seq, &bad.command, &why)?;
            }
        }
        if adapter.finished() {
            break;
        }
    }
    Ok(())
}
