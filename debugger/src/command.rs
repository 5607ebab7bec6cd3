//! Debugger commands as typed text (the batch mode's lines and the TUI's `:` line) and
//! their dispatch to the engine.

use crate::engine::{Engine, Position, Reply};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Break(String),
    Delete(usize),
    Step,
    Next,
    Finish,
    Continue,
    ReverseStep,
    ReverseNext,
    ReverseFinish,
    ReverseContinue,
    Goto(u64),
    Where,
    Print(String),
    Watch(String),
    LastWrite(String),
    Origin(String),
    /// `log FILE:LINE EXPR`: every hit of the line in the recording with EXPR's value.
    Log(String),
    /// Selects frame N (0 innermost) for print, watch and the panes.
    Frame(usize),
    Up,
    Down,
    Info,
    Help,
    Quit,
}

/// One line per command, for `help` and the TUI's `?`.
pub const HELP: &str = "\
break Class>>selector [if EXPR]   stop when the method is entered (b)
break FILE:LINE [if EXPR]         stop at a source line
delete N                          remove breakpoint or watchpoint N (d)
step | next | finish | continue   forwards (s n f c)
reverse-step | reverse-next       backwards (rs rn; keys S N)
reverse-finish | reverse-continue backwards (rf rc; keys F C)
goto CLOCK                        go to the first statement at or after that clock
where                             the stack (bt)
frame N | up | down               select a frame for print and watch
print EXPR                        evaluate SOM in the selected frame (p)
watch PATH                        stop where a variable/field/global changes
last-write PATH                   which statement last wrote it, at what clock
origin PATH                       where the object was allocated
log FILE:LINE EXPR                EXPR's value at every hit of the line, whole recording
info                              breakpoints and watchpoints
quit                              leave (q)";

impl Command {
    pub fn parse(line: &str) -> Result<Command, String> {
        let line = line.trim();
        let (word, rest) = match line.split_once(char::is_whitespace) {
            Some((w, r)) => (w, r.trim()),
            None => (line, ""),
        };
        let need = |what: &str| -> Result<String, String> {
            if rest.is_empty() {
                Err(format!("{word} needs {what}"))
            } else {
                Ok(rest.to_string())
            }
        };
        let number = |what: &str| -> Result<u64, String> {
            rest.parse()
                .map_err(|_| format!("{word} needs {what}, got '{rest}'"))
        };
        let simple = |c: Command| -> Result<Command, String> {
            if rest.is_empty() {
                Ok(c)
            } else {
                Err(format!("{word} takes no argument"))
            }
        };
        match word {
            "break" | "b" => Ok(Command::Break(need("Class>>selector or FILE:LINE")?)),
            "delete" | "d" => Ok(Command::Delete(number("a breakpoint number")? as usize)),
            "step" | "s" => simple(Command::Step),
            "next" | "n" => simple(Command::Next),
            "finish" | "f" | "fin" => simple(Command::Finish),
            "continue" | "c" => simple(Command::Continue),
            "reverse-step" | "rs" => simple(Command::ReverseStep),
            "reverse-next" | "rn" => simple(Command::ReverseNext),
            "reverse-finish" | "rf" => simple(Command::ReverseFinish),
            "reverse-continue" | "rc" => simple(Command::ReverseContinue),
            "goto" => Ok(Command::Goto(number("a clock value")?)),
            "where" | "bt" | "backtrace" => simple(Command::Where),
            "print" | "p" => Ok(Command::Print(need("an expression")?)),
            "watch" => Ok(Command::Watch(need("a variable, field or global")?)),
            "last-write" => Ok(Command::LastWrite(need("a variable, field or global")?)),
            "origin" => Ok(Command::Origin(need("an object")?)),
            "log" => Ok(Command::Log(need("FILE:LINE and an expression")?)),
            "frame" => Ok(Command::Frame(number("a frame number")? as usize)),
            "up" => simple(Command::Up),
            "down" => simple(Command::Down),
            "info" | "breakpoints" => simple(Command::Info),
            "help" | "?" => simple(Command::Help),
            "quit" | "q" | "exit" => simple(Command::Quit),
            "" => Err("empty command".into()),
            other => Err(format!("unknown command '{other}' (try help)")),
        }
    }
}

impl Engine {
    /// Runs one command.
    pub fn execute(&mut self, command: &Command) -> Result<Reply, String> {
        let message = |m: String| Reply {
            message: Some(m),
            ..Reply::default()
        };
        Ok(match command {
            Command::Break(spec) => self.add_breakpoint(spec)?,
            Command::Delete(id) => self.delete(*id)?,
            Command::Step => self.step(),
            Command::Next => self.step_over(),
            Command::Finish => self.finish(),
            Command::Continue => self.cont(),
            Command::ReverseStep => self.reverse_step(),
            Command::ReverseNext => self.reverse_next(),
            Command::ReverseFinish => self.reverse_finish(),
            Command::ReverseContinue => self.reverse_continue(),
            Command::Goto(clock) => self.goto_clock(*clock),
            Command::Where | Command::Quit => Reply::default(),
            Command::Print(expr) => {
                let printed = self.print(expr)?;
                Reply {
                    value: Some(printed.text),
                    object: printed.structured,
                    ..Reply::default()
                }
            }
            Command::Watch(expr) => self.add_watch(expr)?,
            Command::LastWrite(expr) => self.last_write(expr)?,
            Command::Origin(expr) => self.origin(expr)?,
            Command::Log(spec) => self.log_command(spec)?,
            Command::Frame(n) => self.select_frame(*n)?,
            Command::Up => self.select_frame(self.selected + 1)?,
            Command::Down => self.select_frame(self.selected.saturating_sub(1))?,
            Command::Info => message(format!(
                "{}\n{}",
                self.describe_replay(),
                self.describe_points()
            )),
            Command::Help => message(HELP.to_string()),
        })
    }

    fn log_command(&mut self, spec: &str) -> Result<Reply, String> {
        let (bp, hits) = self.log_line(spec)?;
        let message = format!("log {}: {} hits", bp.describe(), hits.len());
        self.logs.retain(|(b, _)| b.kind != bp.kind);
        self.logs.push((bp, hits.clone()));
        Ok(Reply {
            message: Some(message),
            hits: Some(hits),
            ..Reply::default()
        })
    }

    fn select_frame(&mut self, n: usize) -> Result<Reply, String> {
        let depth = match self.position() {
            Position::At(_) => self.view().depth(),
            Position::End { .. } => 0,
        };
        if n >= depth {
            return Err(format!("no frame {n} (the stack has {depth})"));
        }
        self.selected = n;
        Ok(Reply {
            message: Some(format!("frame {n}: {}", self.view().frame(n).label)),
            ..Reply::default()
        })
    }

    /// The replay's figures, one line.
    pub fn describe_replay(&self) -> String {
        let i = self.info();
        format!(
            "recording: end clock {}, {} statement boundaries; first replay {:.0} ms; {} checkpoints every {} steps, {:.1} MiB",
            i.end_clock,
            i.boundaries,
            i.first_replay_ms,
            i.checkpoints,
            i.interval,
            i.checkpoint_bytes as f64 / (1 << 20) as f64
        )
    }

    /// Breakpoints and watchpoints, one per line.
    pub fn describe_points(&self) -> String {
        let mut lines: Vec<String> = self
            .breakpoints
            .iter()
            .map(|b| format!("{}: break {}", b.id, b.describe()))
            .collect();
        lines.extend(
            self.watches
                .iter()
                .map(|w| format!("{}: watch {}", w.id, w.expr)),
        );
        if lines.is_empty() {
            "no breakpoints or watchpoints".into()
        } else {
            lines.join("\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command_and_rejects_bad_ones() {
        assert_eq!(Command::parse("s"), Ok(Command::Step));
        assert_eq!(
            Command::parse("reverse-continue"),
            Ok(Command::ReverseContinue)
        );
        assert_eq!(Command::parse("goto 42"), Ok(Command::Goto(42)));
        assert_eq!(
            Command::parse("print x + 1"),
            Ok(Command::Print("x + 1".into()))
        );
        assert_eq!(
            Command::parse("break Foo>>bar if n > 2"),
            Ok(Command::Break("Foo>>bar if n > 2".into()))
        );
        assert!(Command::parse("goto soon").is_err());
        assert!(Command::parse("step 3").is_err());
        assert!(Command::parse("print").is_err());
        assert!(Command::parse("fly")
            .unwrap_err()
            .contains("unknown command"));
        assert!(Command::parse("").is_err());
    }
}
