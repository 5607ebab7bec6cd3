//! What the message area says after a command: where a movement stopped and why, a
//! printed value, the statement that last wrote a location or allocated an object, the
//! engine's messages, or the error.

use crate::command::Command;
use crate::engine::{Engine, Position, Reply, Stop};

/// A file name as shown: relative to the working directory when under it.
pub fn short_path(file: &str) -> String {
    let relative = std::env::current_dir().ok().and_then(|cwd| {
        std::path::Path::new(file)
            .strip_prefix(&cwd)
            .ok()
            .map(|p| p.display().to_string())
    });
    relative.unwrap_or_else(|| file.to_string())
}

/// The current position in words: method, file and line of the innermost frame, clock.
pub fn where_now(engine: &Engine) -> String {
    match engine.position() {
        Position::End { clock, .. } => format!("the end of the program, clock {clock}"),
        Position::At(b) => {
            let frame = engine.view().frame(0);
            format!(
                "{} ({}:{}), clock {}",
                frame.label,
                short_path(&frame.file),
                frame.line,
                b.clock
            )
        }
    }
}

fn movement(command: &Command) -> &'static str {
    match command {
        Command::Step => "step",
        Command::Next => "next",
        Command::Finish => "finish",
        Command::Continue => "continue",
        Command::ReverseStep => "reverse-step",
        Command::ReverseNext => "reverse-next",
        Command::ReverseFinish => "reverse-finish",
        Command::ReverseContinue => "reverse-continue",
        Command::Goto(_) => "goto",
        _ => "moved",
    }
}

fn stop_line(engine: &Engine, command: &Command, stop: &Stop) -> String {
    let here = where_now(engine);
    match stop {
        Stop::Step | Stop::Goto => format!("{}: {here}", movement(command)),
        Stop::Breakpoint(id) => format!("breakpoint {id}: {here}"),
        Stop::Watchpoint { id, old, new } => {
            format!("watchpoint {id}: {old} -> {new} at {here}")
        }
        Stop::End => format!("{}: reached {here}", movement(command)),
        Stop::Error { message, .. } => {
            format!(
                "{}: stopped at the SOM error \"{message}\", {here}",
                movement(command)
            )
        }
        Stop::Start => format!("{}: reached the start, {here}", movement(command)),
    }
}

/// The lines to show for `command`'s answer.
pub fn describe(engine: &Engine, command: &Command, result: &Result<Reply, String>) -> Vec<String> {
    let reply = match result {
        Err(e) => return vec![format!("error: {e}")],
        Ok(r) => r,
    };
    let mut lines = Vec::new();
    if let Some(stop) = &reply.stop {
        lines.push(stop_line(engine, command, stop));
    }
    if let Some(w) = &reply.write {
        let (what, verb) = match command {
            Command::Origin(e) => (e.as_str(), "allocated"),
            Command::LastWrite(e) => (e.as_str(), "last written"),
            _ => ("it", "written"),
        };
        lines.push(format!(
            "{what} {verb} at clock {} by {}>>{} ({}:{})",
            w.clock,
            w.class,
            w.selector,
            short_path(&w.file),
            w.line
        ));
    }
    if let Some(m) = &reply.message {
        lines.extend(m.lines().map(str::to_string));
    }
    for h in reply.hits.iter().flatten() {
        let value = match h.values.first() {
            Some(Ok(v)) => v.clone(),
            Some(Err(e)) => format!("error: {e}"),
            None => String::new(),
        };
        lines.push(format!("  clock {} line {}: {value}", h.clock, h.line));
    }
    match (&reply.value, command) {
        (Some(v), Command::Print(e)) => lines.push(format!("{e} = {v}")),
        (Some(v), _) if reply.message.is_none() => lines.push(format!("= {v}")),
        _ => {}
    }
    if *command == Command::Where {
        lines.extend(stack_lines(engine));
    }
    if lines.is_empty() {
        lines.push("ok".into());
    }
    lines
}

/// The stack, one frame per line (`#0` innermost).
pub fn stack_lines(engine: &Engine) -> Vec<String> {
    if matches!(engine.position(), Position::End { .. }) {
        return vec!["the program has ended: no frames".into()];
    }
    engine
        .view()
        .frames()
        .iter()
        .map(|f| {
            format!(
                "#{} {} ({}:{})",
                f.level,
                f.label,
                short_path(&f.file),
                f.line
            )
        })
        .collect()
}
