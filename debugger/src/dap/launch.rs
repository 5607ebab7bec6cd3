//! The `launch` request: record a program at full speed (its output kept for `output`
//! events, not written to the protocol's stdout) or open an existing recording, then
//! replay it once under the engine. The first stop waits for `configurationDone`.

use super::{Adapter, Answer};
use crate::engine::Engine;
use crate::record::{capture, Recording};
use crate::trace::Trace;
use serde::Deserialize;
use serde_json::{json, Value};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The `launch` arguments (other fields VS Code adds are ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LaunchArgs {
    /// The `.som` file to record and debug.
    program: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    /// Directories searched for classes.
    #[serde(default)]
    classpath: Vec<String>,
    #[serde(default)]
    stop_on_entry: bool,
    /// A `.somtrace` recording to open instead of recording `program`.
    trace: Option<String>,
    /// Relative paths are resolved against this directory.
    cwd: Option<String>,
    /// Checkpoint memory, e.g. `256M`.
    checkpoint_budget: Option<String>,
}

fn resolve(cwd: &Option<String>, path: &str) -> PathBuf {
    let p = Path::new(path);
    match cwd {
        Some(dir) if p.is_relative() => Path::new(dir).join(p),
        _ => p.to_path_buf(),
    }
}

/// The recording a launch asks for.
fn open_trace(a: &LaunchArgs) -> Result<Trace, String> {
    match (&a.program, &a.trace) {
        (Some(_), Some(_)) => Err("launch takes 'program' or 'trace', not both".into()),
        (None, None) => {
            Err("launch needs 'program' (a .som file) or 'trace' (a .somtrace recording)".into())
        }
        (None, Some(t)) => Trace::read(&resolve(&a.cwd, t)).map_err(|e| e.0),
        (Some(p), None) => {
            let program = resolve(&a.cwd, p);
            if !program.is_file() {
                return Err(format!(
                    "launch: program '{}' is not a file",
                    program.display()
                ));
            }
            for dir in &a.classpath {
                if !resolve(&a.cwd, dir).is_dir() {
                    return Err(format!(
                        "launch: classpath entry '{dir}' is not a directory"
                    ));
                }
            }
            let what = Recording {
                program,
                args: a.args.clone(),
                class_path: a.classpath.iter().map(|d| resolve(&a.cwd, d)).collect(),
                ..Recording::default()
            };
            let (trace, _status) = capture(&what, false).map_err(|exit| {
                format!(
                    "launch: cannot load '{p}': {}",
                    exit.error
                        .unwrap_or_else(|| format!("exit status {}", exit.status))
                        .trim_end()
                )
            })?;
            Ok(trace)
        }
    }
}

impl<W: Write> Adapter<W> {
    pub(super) fn launch(&mut self, a: LaunchArgs) -> Answer {
        if self.engine.is_some() {
            return Err("a program is already launched in this session".into());
        }
        if let Some(size) = &a.checkpoint_budget {
            self.budget = som_vm::introspect::parse_size(size)
                .map_err(|e| format!("launch: checkpointBudget: {e}"))?;
        }
        let trace = open_trace(&a)?;
        let engine = Engine::open(trace, self.budget).map_err(|e| format!("launch: {}", e.0))?;
        self.stop_on_entry = a.stop_on_entry;
        let info = engine.describe_replay();
        self.engine = Some(engine);
        self.console(&format!("som-dbg: {info}\n"))?;
        Ok(Value::Null)
    }

    /// A line for the debug console (not program output).
    pub(super) fn console(&mut self, text: &str) -> Result<(), String> {
        self.out
            .event("output", json!({"category": "console", "output": text}))
            .map_err(|e| e.to_string())
    }

    /// Starts debugging once the program is launched and configured: the first stop
    /// (entry, or the first breakpoint hit when not stopping on entry).
    pub(super) fn maybe_start(&mut self) -> io::Result<()> {
        if self.started || !self.configured || self.engine.is_none() {
            return self.flush_pending();
        }
        self.started = true;
        self.flush_pending()?;
        if self.stop_on_entry {
            self.report_entry()
        } else {
            self.run_to_first_stop()
        }
    }
}
