//! A SOM program run twice: once monitored with a bytecode profile (counts, receiver
//! classes), then at full speed with the JIT, replaying the first run's inputs (machine
//! code, JIT events and tier counters); and the index of its methods (for the browser,
//! the search and "the hottest method"). Holds both `Machine`s so that any method's
//! code, profile and machine code can be read later.

use super::method::MethodModel;
use super::tiers::JitData;
use som_vm::introspect::{Exit, Inputs, Machine, MethodKey, Options};
use std::path::{Path, PathBuf};

/// What can go wrong before anything is shown.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("{file}: {message}")]
    Load { file: String, message: String },
    #[error("no method {0} (write Class>>selector or 'Class class>>selector')")]
    NoMethod(String),
    #[error("{0} is a primitive: it has no bytecode")]
    Primitive(String),
}

/// A method in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodEntry {
    pub key: MethodKey,
    /// `Foo` or `Foo class`.
    pub class: String,
    pub selector: String,
    pub file: String,
    pub line: u32,
    pub is_primitive: bool,
    /// Bytecodes the profile counted in it.
    pub executed: u64,
}

impl MethodEntry {
    /// `Foo>>bar`.
    pub fn label(&self) -> String {
        format!("{}>>{}", self.class, self.selector)
    }
}

/// A program after its profiled run and its run with the JIT.
pub struct Program {
    machine: Machine,
    /// The run with the JIT (`None` with `max_tier` 0).
    jitted: Option<Machine>,
    pub file: PathBuf,
    pub exit: Exit,
    /// How the run with the JIT ended (it replays the profiled run's inputs).
    pub jit_exit: Option<Exit>,
    /// Every method of every loaded class, by class then source line.
    pub methods: Vec<MethodEntry>,
}

impl Program {
    /// Loads `file` and runs it to the end, counting every bytecode and receiver class;
    /// then, unless `options.max_tier` is 0, runs it again with the JIT (same options,
    /// same inputs).
    pub fn run(options: Options, file: &Path, args: &[String]) -> Result<Program, InspectError> {
        let load = |inputs| {
            Machine::load(options.clone(), file, args, inputs, true).map_err(|e| {
                InspectError::Load {
                    file: file.display().to_string(),
                    message: e
                        .error
                        .unwrap_or_else(|| format!("exit status {}", e.status)),
                }
            })
        };
        let mut machine = load(Inputs::Record)?;
        let exit = machine.run_profiled();
        let mut jitted = None;
        let mut jit_exit = None;
        if options.max_tier >= 1 {
            let mut m = load(Inputs::Replay(machine.input_log()))?;
            jit_exit = Some(m.run());
            jitted = Some(m);
        }
        let methods = index(&machine);
        Ok(Program {
            machine,
            jitted,
            file: file.to_path_buf(),
            exit,
            jit_exit,
            methods,
        })
    }

    /// The method's code, CFG, layout, profile and JIT data (`None` for primitives).
    pub fn method(&self, key: MethodKey) -> Option<MethodModel> {
        let view = self.machine.view();
        let code = view.code(key)?;
        let jit = match &self.jitted {
            Some(m) => JitData::from_view(&m.view(), key, &code),
            None => JitData::unavailable("the program ran without the JIT (max tier 0)"),
        };
        MethodModel::from_view(&view, key, jit)
    }

    /// `Class>>selector` (or `Class class>>selector`), looked up along superclasses.
    pub fn find(&self, spec: &str) -> Result<MethodKey, InspectError> {
        let missing = || InspectError::NoMethod(spec.to_string());
        let (class, selector) = spec.split_once(">>").ok_or_else(missing)?;
        let key = self
            .machine
            .view()
            .find_method(class.trim(), selector.trim())
            .ok_or_else(missing)?;
        if self.machine.view().code(key).is_none() {
            return Err(InspectError::Primitive(spec.to_string()));
        }
        Ok(key)
    }

    /// The method that executed the most bytecodes.
    pub fn hottest(&self) -> Option<&MethodEntry> {
        self.methods
            .iter()
            .filter(|m| !m.is_primitive && m.executed > 0)
            .max_by_key(|m| m.executed)
    }

    pub fn entry(&self, key: MethodKey) -> Option<&MethodEntry> {
        self.methods.iter().find(|m| m.key == key)
    }

    /// The label of any method (blocks included).
    pub fn label(&self, key: MethodKey) -> String {
        self.machine.view().method_names(key).2
    }

    /// What the program printed.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(self.machine.view().output()).into_owned()
    }
}

fn index(machine: &Machine) -> Vec<MethodEntry> {
    let view = machine.view();
    let mut out = Vec::new();
    for name in view.classes() {
        let Some(info) = view.class(&name) else {
            continue;
        };
        let meta = format!("{name} class");
        let sides = [(&name, &info.methods), (&meta, &info.class_methods)];
        for (class, methods) in sides {
            for m in methods {
                out.push(MethodEntry {
                    key: m.key,
                    class: class.clone(),
                    selector: m.selector.clone(),
                    file: m.file.clone(),
                    line: m.line,
                    is_primitive: m.is_primitive,
                    executed: view.bytecode_counts(m.key).iter().sum(),
                });
            }
        }
    }
    out
}
