//! `Machine`: a loaded program that a tool runs, at full speed or under a monitor,
//! pauses, inspects, checkpoints and restores.

use super::{Input, Monitor, Snapshot, View};
use crate::runtime::error::Unwind;
use crate::runtime::io::{Output, Source};
use crate::runtime::vm::{Options, Vm};
use crate::value::Value;
use std::path::Path;

/// Where a machine's non-deterministic inputs come from.
#[derive(Debug, Clone)]
pub enum Inputs {
    /// The real world (time, random seeds, files).
    Live,
    /// The real world, logged (read the log with [`Machine::input_log`]).
    Record,
    /// Answered from a log made by a recording.
    Replay(Vec<Input>),
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// The process exit status the `som` binary would give.
    pub status: i32,
    /// The error report (message and SOM backtrace) when the program failed.
    pub error: Option<String>,
}

/// The state after a monitored run returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    /// A monitor paused the run at a boundary; `run_monitored` resumes it.
    Paused,
    Finished(Exit),
}

/// A program loaded into a VM, ready to run.
pub struct Machine {
    pub(super) vm: Box<Vm>,
    pub(super) exit: Option<Exit>,
    /// Monitored runs give trivial methods a frame ([`Machine::frame_trivial_methods`]).
    trivial_frames: bool,
}

impl Machine {
    /// Boots a VM with the core library, loads `file` (its directory joins the class
    /// path, as with `som`), and prepares `system initialize: args` without running it.
    /// `capture` keeps program output in memory instead of writing it to stdout (see
    /// [`Machine::echo_output`] to have both).
    pub fn load(
        mut options: Options,
        file: &Path,
        args: &[String],
        inputs: Inputs,
        capture: bool,
    ) -> Result<Machine, Exit> {
        crate::driver::run::add_program_dir(&mut options, file);
        let mut vm = Box::new(Vm::empty(options));
        if capture {
            vm.output = Output::capture(false);
        }
        vm.entropy.source = match inputs {
            Inputs::Live => Source::Live,
            Inputs::Record => Source::Record(Vec::new()),
            Inputs::Replay(log) => Source::Replay {
                log: log.into(),
                cursor: 0,
            },
        };
        let mut machine = Machine {
            vm,
            exit: None,
            trivial_frames: false,
        };
        if let Err(e) = machine.vm.bootstrap() {
            let status = crate::driver::run::report_load_error(&mut machine.vm, &e);
            return Err(machine.failed(status));
        }
        match machine.vm.prepare(file, args) {
            Ok(None) => {}
            Ok(Some(_)) => machine.exit = Some(machine.finish(Ok(Value::NIL))),
            Err(u) => machine.exit = Some(machine.finish(Err(u))),
        }
        Ok(machine)
    }

    fn failed(&mut self, status: i32) -> Exit {
        self.vm.output.flush();
        let errors = match &self.vm.output {
            Output::Capture { errors, .. } => String::from_utf8_lossy(errors).into_owned(),
            Output::Process(_) => String::new(),
        };
        Exit {
            status,
            error: (!errors.is_empty()).then_some(errors),
        }
    }

    fn finish(&mut self, result: Result<Value, Unwind>) -> Exit {
        let (status, error) = match result {
            Ok(_) => (0, None),
            Err(Unwind::Exit(code)) => (code, None),
            Err(Unwind::Error(e)) => {
                let text = e.to_string();
                self.vm.output.error_print(&text);
                (1, Some(text))
            }
            Err(Unwind::Load(e)) => {
                let status = crate::driver::run::report_load_error(&mut self.vm, &e);
                (status, Some(format!("{e}\n")))
            }
            Err(Unwind::Pause) => (0, None),
        };
        self.vm.output.flush();
        Exit { status, error }
    }

    /// Runs to the end at full speed (no monitor, no hooks).
    pub fn run(&mut self) -> Exit {
        if let Some(e) = &self.exit {
            return e.clone();
        }
        let result = self.vm.execute(0);
        let exit = self.finish(result);
        self.exit = Some(exit.clone());
        exit
    }

    /// Runs (or resumes) under `monitor` until it pauses or the program ends.
    pub fn run_monitored(&mut self, monitor: &mut dyn Monitor) -> RunState {
        if let Some(e) = &self.exit {
            return RunState::Finished(e.clone());
        }
        let prior_events = self.vm.events.is_some();
        if !prior_events {
            self.vm.events = Some(Vec::new());
        }
        self.vm.trivial_frames = self.trivial_frames;
        let result = self
            .vm
            .execute_monitored(0, &mut super::MonitorHook(monitor));
        self.vm.trivial_frames = false;
        if let Err(Unwind::Pause) = result {
            return RunState::Paused;
        }
        let exit = self.finish(result);
        self.exit = Some(exit.clone());
        RunState::Finished(exit)
    }

    /// Whether monitored runs run trivial methods (getters, setters, constants, `^ self`,
    /// which every tier runs without a frame) in a frame of their own, so that a
    /// monitor sees their `Enter` and line boundaries (breakpoints on them hit, `step`
    /// goes into them). Results, the clock and invocation counts are the same either
    /// way; bytecode steps and activation ids count the extra frames, so every run
    /// compared by step must use the same setting. Full-speed runs never do this.
    pub fn frame_trivial_methods(&mut self, on: bool) {
        self.trivial_frames = on;
    }

    /// Captures output and also writes it to the process's stdout and stderr as the
    /// program produces it (a recording shows the program's output live). Call it
    /// before running: output captured so far is dropped.
    pub fn echo_output(&mut self) {
        self.vm.output = Output::capture(true);
    }

    /// How the program ended, once it has.
    pub fn exit(&self) -> Option<&Exit> {
        self.exit.as_ref()
    }

    /// Read-only queries on the current state.
    pub fn view(&self) -> View<'_> {
        View { vm: &self.vm }
    }

    /// A checkpoint of the complete state.
    pub fn snapshot(&self) -> Snapshot {
        let mut s = self.vm.snapshot();
        s.exit = self.exit.clone();
        s
    }

    /// Puts the machine back into a checkpointed state.
    pub fn restore(&mut self, s: &Snapshot) {
        self.vm.restore(s);
        self.exit = s.exit.clone();
    }

    /// The inputs logged so far (`Inputs::Record`), in order.
    pub fn input_log(&self) -> Vec<Input> {
        match &self.vm.entropy.source {
            Source::Record(log) => log.clone(),
            Source::Replay { log, .. } => log.to_vec(),
            Source::Live => Vec::new(),
        }
    }

    /// Statistics so far (clock, bytecodes, sends by cache state, GC).
    pub fn stats(&self) -> super::Stats {
        let c = &self.vm.stats;
        super::Stats {
            clock: c.clock,
            bytecodes: c.bytecodes,
            sends_monomorphic: c.sends_monomorphic,
            sends_polymorphic: c.sends_polymorphic,
            sends_megamorphic: c.sends_megamorphic,
            gc_count: c.gc_count,
            gc_pause: c.gc_pause,
            peak_heap: c.peak_heap.max(self.vm.heap.peak_bytes),
        }
    }
}
