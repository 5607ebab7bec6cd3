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
    /// A method or block name that names nothing (or several blocks).
    #[error(transparent)]
    Name(#[from] som_asm_browser::names::NameError),
    #[error("{0} is a primitive: it has no bytecode")]
    Primitive(String),
}

/// A method or block in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodEntry {
    pub key: MethodKey,
    /// `Foo` or `Foo class` (for a block, its method's class).
    pub class: String,
    pub selector: String,
    pub file: String,
    pub line: u32,
    pub is_primitive: bool,
    /// A block (nested in `class>>selector`, starting on `line`).
    pub is_block: bool,
    /// Bytecodes the profile counted in it.
    pub executed: u64,
    /// Executions of its most executed bytecode.
    pub max_count: u64,
}

impl MethodEntry {
    /// `Foo>>bar`, or for a block `[] in Foo>>bar @12` (a name [`Program::find`] takes).
    pub fn label(&self) -> String {
        if self.is_block {
            format!("[] in {}>>{} @{}", self.class, self.selector, self.line)
        } else {
            format!("{}>>{}", self.class, self.selector)
        }
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
    /// Every method of every loaded class, by class then source line, each followed
    /// by the blocks in it.
    pub methods: Vec<MethodEntry>,
    /// The most executed bytecode of the program (the global heat scale's top).
    pub max_count: u64,
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
        let max_count = methods.iter().map(|m| m.max_count).max().unwrap_or(0);
        Ok(Program {
            machine,
            jitted,
            file: file.to_path_buf(),
            exit,
            jit_exit,
            methods,
            max_count,
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
        let mut m = MethodModel::from_view(&view, key, jit)?;
        m.program_max = self.max_count;
        Some(m)
    }

    /// `Class>>selector` (or `Class class>>selector`), looked up along superclasses, or
    /// a block: `[] in Class>>selector`, with ` @LINE` when the method has several.
    pub fn find(&self, spec: &str) -> Result<MethodKey, InspectError> {
        let key = som_asm_browser::names::resolve(&self.machine.view(), spec)?;
        if self.machine.view().code(key).is_none() {
            return Err(InspectError::Primitive(spec.to_string()));
        }
        Ok(key)
    }

    /// `key` if it has code on `line`, else the innermost block nested in it that has
    /// and ran (else the innermost that has; `None` when none has).
    pub fn with_line(&self, key: MethodKey, line: u32) -> Option<MethodKey> {
        let view = self.machine.view();
        let has_line = |k: MethodKey| {
            view.code(k)
                .is_some_and(|c| c.bytecodes.iter().any(|b| b.line == line))
        };
        if has_line(key) {
            return Some(key);
        }
        let mut blocks = som_asm_browser::names::nested_blocks(&view, key);
        // Nested blocks start later than the blocks around them: innermost last.
        blocks.reverse();
        blocks.retain(|&b| has_line(b));
        // An inlined block's fallback has the line too but rarely runs: prefer code that ran.
        let ran = |b: &MethodKey| view.bytecode_counts(*b).iter().any(|&n| n > 0);
        blocks
            .iter()
            .copied()
            .find(ran)
            .or_else(|| blocks.first().copied())
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
                let counts = view.bytecode_counts(m.key);
                out.push(MethodEntry {
                    key: m.key,
                    class: class.clone(),
                    selector: m.selector.clone(),
                    file: m.file.clone(),
                    line: m.line,
                    is_primitive: m.is_primitive,
                    is_block: false,
                    executed: counts.iter().sum(),
                    max_count: counts.iter().copied().max().unwrap_or(0),
                });
                for b in som_asm_browser::names::nested_blocks(&view, m.key) {
                    let counts = view.bytecode_counts(b);
                    out.push(MethodEntry {
                        key: b,
                        class: class.clone(),
                        selector: m.selector.clone(),
                        file: m.file.clone(),
                        line: view.code(b).map_or(0, |c| c.line),
                        is_primitive: false,
                        is_block: true,
                        executed: counts.iter().sum(),
                        max_count: counts.iter().copied().max().unwrap_or(0),
                    });
                }
            }
        }
    }
    out
}
