//! A SOM program run once with a bytecode profile, and the index of its methods (for the
//! browser, the search and "the hottest method"). Holds the `Machine` so that any
//! method's code and profile can be read later.

use super::method::MethodModel;
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

/// A program after its profiled run.
pub struct Program {
    machine: Machine,
    pub file: PathBuf,
    pub exit: Exit,
    /// Every method of every loaded class, by class then source line.
    pub methods: Vec<MethodEntry>,
}

impl Program {
    /// Loads `file` and runs it to the end, counting every bytecode and receiver class.
    pub fn run(options: Options, file: &Path, args: &[String]) -> Result<Program, InspectError> {
        let mut machine = Machine::load(options, file, args, Inputs::Live, true).map_err(|e| {
            InspectError::Load {
                file: file.display().to_string(),
                message: e
                    .error
                    .unwrap_or_else(|| format!("exit status {}", e.status)),
            }
        })?;
        let exit = machine.run_profiled();
        let methods = index(&machine);
        Ok(Program {
            machine,
            file: file.to_path_buf(),
            exit,
            methods,
        })
    }

    /// The method's code, CFG, layout and profile (`None` for primitives).
    pub fn method(&self, key: MethodKey) -> Option<MethodModel> {
        MethodModel::from_view(&self.machine.view(), key)
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
