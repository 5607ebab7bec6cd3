//! Recording: runs a program at full speed (the fast interpreter loop, no hooks) with
//! its non-deterministic inputs logged and its output both shown and kept, and writes
//! the `.somtrace` file.

use crate::trace::{RecordedInput, Trace, TraceError};
use som_vm::introspect::Options;
use som_vm::introspect::{Inputs, Machine};
use std::path::{Path, PathBuf};

/// What to record.
#[derive(Debug, Clone)]
pub struct Recording {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub class_path: Vec<PathBuf>,
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Runs the program, writes the trace to `out`, answers the program's exit status.
pub fn record(what: &Recording, out: &Path) -> Result<i32, TraceError> {
    let program = absolute(&what.program);
    let class_path: Vec<PathBuf> = what.class_path.iter().map(|p| absolute(p)).collect();
    let options = Options {
        class_path: class_path.clone(),
        ..Options::default()
    };
    let mut machine = match Machine::load(options, &program, &what.args, Inputs::Record, true) {
        Ok(m) => m,
        Err(exit) => {
            eprint!("{}", exit.error.unwrap_or_default());
            return Ok(exit.status);
        }
    };
    machine.echo_output();
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
    trace.write(out)?;
    Ok(exit.status)
}
