//! How a run that failed ended: the SOM error's message and backtrace, and the last
//! statement boundary before it, where `continue` stops (as debuggers stop on an
//! uncaught exception). Both core libraries report errors from `Object>>error:`, which
//! prints the message (`error: ...` in the embedded library, `ERROR: ...` in SOM's) and
//! runs `system exit: 1`: a failed run is recognised by that frame on the stack at the
//! last boundary; a report by the VM itself (`Exit::error`) is used as it is.

use super::Engine;
use som_vm::introspect::{Boundary, Exit, View};

/// A run's SOM error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The last boundary before the error (where `continue` stops).
    pub at: Boundary,
    pub message: String,
    /// Innermost first, `Class>>selector (file:line)`.
    pub backtrace: Vec<String>,
}

/// The message and backtrace of a VM error report (`error: MESSAGE` then `  at ...`).
fn parse_report(text: &str) -> (String, Vec<String>) {
    let mut lines = text.lines();
    let message = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_string();
    let backtrace = lines
        .filter_map(|l| l.trim().strip_prefix("at "))
        .map(str::to_string)
        .collect();
    (message, backtrace)
}

/// The stack as backtrace lines.
fn stack(view: &View<'_>) -> Vec<String> {
    view.frames()
        .iter()
        .map(|f| format!("{} ({}:{})", f.label, f.file, f.line))
        .collect()
}

/// The last error line of the program's output (`Object>>error:` of either library).
fn printed_error(output: &str) -> Option<String> {
    output
        .lines()
        .rev()
        .find_map(|l| {
            l.strip_prefix("ERROR: ")
                .or_else(|| l.strip_prefix("error: "))
        })
        .map(str::to_string)
}

impl Engine {
    /// Works out whether the run ended in a SOM error (after the first replay, which
    /// leaves `last` and the exit). Moves the machine: callers go somewhere after.
    pub(super) fn find_failure(&mut self, exit: &Exit, last: Option<Boundary>) {
        let Some(at) = last else { return };
        if exit.status == 0 {
            return;
        }
        self.goto_step(at.step);
        let view = self.machine.view();
        let (message, backtrace) = match &exit.error {
            Some(report) => parse_report(report),
            None if view.frames().iter().any(|f| f.selector == "error:") => {
                let message = printed_error(&self.trace.output)
                    .unwrap_or_else(|| format!("exit status {}", exit.status));
                (message, stack(&view))
            }
            None => return,
        };
        self.failure = Some(Failure {
            at,
            message,
            backtrace,
        });
    }

    /// The run's SOM error, if it ended in one.
    pub fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vm_report_splits_into_message_and_frames() {
        let (m, bt) = parse_report(
            "error: Integer does not understand #bar\n  at Object>>error: (x.som:3)\n  at A>>b (a.som:7)\n",
        );
        assert_eq!(m, "Integer does not understand #bar");
        assert_eq!(bt, ["Object>>error: (x.som:3)", "A>>b (a.som:7)"]);
    }

    #[test]
    fn the_core_librarys_printed_error_is_the_last_error_line() {
        let out = "hi\n\nERROR: first\nx\n\nERROR: Method bar not found in class Integer\n";
        assert_eq!(
            printed_error(out).as_deref(),
            Some("Method bar not found in class Integer")
        );
        assert_eq!(printed_error("fine\n"), None);
        assert_eq!(printed_error("error: x\n  at A>>b\n").as_deref(), Some("x"));
    }
}
