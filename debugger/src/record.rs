//! Recording: runs a program at full speed (the JIT tiers as `som` runs them, no hooks) with
//! its non-deterministic inputs logged and its output both shown and kept, and writes
//! the `.somtrace` file. A program that does not load gets the error `som` prints and
//! no trace. `capture` is the same run without the file (the DAP server keeps stdout
//! for the protocol and sends the output as events instead of echoing it).

use crate::trace::{RecordedInput, Trace, TraceError};
use som_vm::introspect::Options;
use som_vm::introspect::{Exit, Inputs, Machine};
use std::path::{Path, PathBuf};

/// What to record.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub class_path: Vec<PathBuf>,
    /// How the recorded run is tiered (`som`'s options of the same names; `None`: its
    /// defaults). The replay re-executes in the interpreter whatever ran here: every tier
    /// is observably identical, and the replay checks output and clock against the trace.
    pub max_tier: Option<u8>,
    pub jit_threshold: Option<u32>,
    pub tier2_sends: bool,
    pub deopt_stress: bool,
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Runs the program, writes the trace to `out`, answers the program's exit status.
pub fn record(what: &Recording, out: &Path) -> Result<i32, TraceError> {
    match capture(what, true) {
        Ok((trace, status)) => {
            trace.write(out)?;
            Ok(status)
        }
        Err(exit) => {
            eprint!("{}", exit.error.unwrap_or_default());
            Ok(exit.status)
        }
    }
}

/// Runs the program and answers its recording and exit status, or how loading it
/// failed (the error names the program file as the user gave it); `echo` shows the
/// output while it runs.
pub fn capture(what: &Recording, echo: bool) -> Result<(Trace, i32), Exit> {
    let program = absolute(&what.program);
    let class_path: Vec<PathBuf> = what.class_path.iter().map(|p| absolute(p)).collect();
    let defaults = Options::default();
    let options = Options {
        class_path: class_path.clone(),
        max_tier: what.max_tier.unwrap_or(defaults.max_tier),
        jit_threshold: what.jit_threshold.unwrap_or(defaults.jit_threshold),
        tier2_sends: what.tier2_sends,
        deopt_stress: what.deopt_stress.then_some(1),
        ..defaults
    };
    let given = |exit: Exit| Exit {
        error: Some(as_given(exit.error.as_deref(), &program, &what.program)),
        ..exit
    };
    let mut machine =
        Machine::load(options, &program, &what.args, Inputs::Record, true).map_err(&given)?;
    if let Some(exit) = machine.exit().filter(|e| e.status != 0) {
        // The program did not load (a syntax error, a missing class): report it as
        // `som` does, and make no trace of a run that never started.
        return Err(given(exit.clone()));
    }
    if echo {
        machine.echo_output();
    }
    let exit = machine.run();
    let trace = Trace {
        program,
        args: what.args.clone(),
        class_path,
        inputs: machine
            .input_log()
            .iter()
            .map(RecordedInput::from)
            .collect(),
        output: String::from_utf8_lossy(machine.view().output()).into_owned(),
        final_clock: machine.view().clock(),
        exit_status: exit.status,
    };
    Ok((trace, exit.status))
}

/// A load error naming the program file as the user gave it (as `som` does), not by
/// the absolute path the recording runs it under.
fn as_given(error: Option<&str>, absolute: &Path, given: &Path) -> String {
    let error = error.unwrap_or_default();
    let (absolute, given) = (absolute.display().to_string(), given.display().to_string());
    error.replace(&absolute, &given)
}
