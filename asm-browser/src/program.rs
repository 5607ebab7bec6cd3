//! A program run for browsing: loaded and run to the end with the JIT (so the machine
//! code shown is the code the VM really produced), optionally run a second time in
//! tier 0 under the bytecode profile for exact counters, and the index of its methods
//! and blocks with tier and counters. Everything goes through `som_vm::introspect`.

use crate::method::MethodData;
use som_vm::introspect::{Exit, Inputs, Machine, MethodKey, Options};
use std::path::{Path, PathBuf};

/// What can go wrong before anything is shown.
#[derive(Debug, thiserror::Error)]
pub enum BrowseError {
    /// The program could not be loaded (the VM's message names file, line and column).
    #[error("{0}")]
    Load(String),
    /// A method or block name that names nothing (or several blocks).
    #[error(transparent)]
    Name(#[from] crate::names::NameError),
    #[error("{0} is a primitive: it has no bytecode")]
    Primitive(String),
}

/// How to run the program.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub class_path: Vec<PathBuf>,
    pub args: Vec<String>,
    /// The highest tier the run may use (0, 1 or 2).
    pub max_tier: u8,
    /// Tier 2 also compiles methods that send (`som --tier2-sends`).
    pub tier2_sends: bool,
    /// Calls or back-edges before a method is compiled (0: at its first call).
    pub jit_threshold: u32,
    /// Also run the program under the bytecode profile (tier 0) for exact counters.
    pub counts: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            class_path: Vec::new(),
            args: Vec::new(),
            max_tier: 1,
            tier2_sends: false,
            jit_threshold: 0,
            counts: true,
        }
    }
}

/// A method or block in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodEntry {
    pub key: MethodKey,
    /// `Foo>>bar`, `Foo class>>bar` or `[] in Foo>>bar`.
    pub label: String,
    pub file: String,
    pub line: u32,
    pub is_block: bool,
    pub is_primitive: bool,
    /// The highest tier it has code in (0 for bytecode only).
    pub tier: u8,
    /// Size of its machine code in that tier (0 when not compiled).
    pub code_size: usize,
    /// Activations in the profiled run (methods only; `None` without a profile).
    pub calls: Option<u64>,
    /// Bytecodes executed in the profiled run (`None` without a profile).
    pub bytecodes: Option<u64>,
}

/// A program after its run(s).
pub struct Program {
    /// The run with the JIT: its code is what the browser shows.
    machine: Machine,
    /// The tier-0 run under the bytecode profile, if counters were asked for.
    profile: Option<Machine>,
    pub file: PathBuf,
    pub exit: Exit,
    /// Methods of the program's classes first, then the core library's; each block
    /// right after the method it is in.
    pub methods: Vec<MethodEntry>,
}

fn load(options: Options, file: &Path, args: &[String]) -> Result<Machine, BrowseError> {
    let failed = |e: Exit| {
        let message = e
            .error
            .unwrap_or_else(|| format!("exit status {}", e.status));
        BrowseError::Load(message.trim_end().to_string())
    };
    let machine = Machine::load(options, file, args, Inputs::Live, true).map_err(failed)?;
    match machine.exit() {
        Some(e) if e.status != 0 => Err(failed(e.clone())),
        _ => Ok(machine),
    }
}

impl Program {
    /// Loads `file` and runs it to the end (see [`RunOptions`]). A program that cannot
    /// be loaded is an error; one that fails while running is browsed anyway (its
    /// [`Exit`] says how it ended).
    pub fn run(file: &Path, run: &RunOptions) -> Result<Program, BrowseError> {
        if !file.is_file() {
            return Err(BrowseError::Load(format!(
                "{}: cannot read: no such file",
                file.display()
            )));
        }
        let options = Options {
            class_path: run.class_path.clone(),
            max_tier: run.max_tier,
            jit_threshold: run.jit_threshold,
            tier2_sends: run.tier2_sends,
            ..Options::default()
        };
        let mut machine = load(options.clone(), file, &run.args)?;
        let exit = machine.run();
        let profile = if run.counts {
            let options = Options {
                max_tier: 0,
                ..options
            };
            let mut p = load(options, file, &run.args)?;
            p.run_profiled();
            Some(p)
        } else {
            None
        };
        let methods = index(&machine, profile.as_ref());
        Ok(Program {
            machine,
            profile,
            file: file.to_path_buf(),
            exit,
            methods,
        })
    }

    /// Whether the counters come from a profiled run.
    pub fn has_counts(&self) -> bool {
        self.profile.is_some()
    }

    /// `Class>>selector` (or `Class class>>selector`), looked up along superclasses, or
    /// a block, `[] in Class>>selector [@LINE]` (see [`crate::names`]).
    pub fn find(&self, spec: &str) -> Result<MethodKey, BrowseError> {
        let view = self.machine.view();
        let key = crate::names::resolve(&view, spec)?;
        if view.code(key).is_none() {
            return Err(BrowseError::Primitive(spec.to_string()));
        }
        Ok(key)
    }

    /// Everything the method view shows of one method (`None` for primitives).
    pub fn method_data(&self, key: MethodKey) -> Option<MethodData> {
        let view = self.machine.view();
        let code = view.code(key)?;
        let native = view.native_code(key);
        let counts = self
            .profile
            .as_ref()
            .filter(|p| same_method(&self.machine, p, key))
            .map(|p| p.view().bytecode_counts(key));
        let source = som_vm::introspect::source_text(&code.file);
        let data = MethodData::new(&code, native.as_ref(), counts.as_deref(), source.as_deref());
        Some(match view.tier2_code(key) {
            Some(t2) => data.with_views(crate::tier2::views(&t2)),
            None => data,
        })
    }

    /// What the program printed (stdout and stderr, in order).
    pub fn output(&self) -> String {
        String::from_utf8_lossy(self.machine.view().output()).into_owned()
    }
}

/// Whether `key` names the same method in both runs (they load the same classes in the
/// same order, so keys agree; checked rather than assumed).
fn same_method(a: &Machine, b: &Machine, key: MethodKey) -> bool {
    let label = |m: &Machine| {
        let view = m.view();
        view.code(key).map(|c| (c.label, c.file, c.line))
    };
    label(a).is_some() && label(a) == label(b)
}

fn index(machine: &Machine, profile: Option<&Machine>) -> Vec<MethodEntry> {
    let view = machine.view();
    let mut classes = view.classes();
    // The program's classes first.
    classes.sort_by_key(|name| {
        let core = view
            .class(name)
            .is_some_and(|c| c.methods.iter().all(|m| m.file.starts_with("core-lib/")));
        (core, name.clone())
    });
    let mut out = Vec::new();
    for name in classes {
        let Some(info) = view.class(&name) else {
            continue;
        };
        let mut methods = info.methods;
        methods.extend(info.class_methods);
        let profiled = profile.and_then(|p| p.view().class(&name));
        let profiled: Vec<_> = profiled
            .map(|c| c.methods.into_iter().chain(c.class_methods).collect())
            .unwrap_or_default();
        for m in methods {
            let calls = profiled
                .iter()
                .find(|pm| pm.key == m.key && pm.selector == m.selector)
                .map(|pm| u64::from(pm.invocations));
            push_with_blocks(machine, profile, m.key, m.is_primitive, calls, &mut out);
        }
    }
    out
}

fn push_with_blocks(
    machine: &Machine,
    profile: Option<&Machine>,
    key: MethodKey,
    is_primitive: bool,
    calls: Option<u64>,
    out: &mut Vec<MethodEntry>,
) {
    let view = machine.view();
    let (_, _, label, file) = view.method_names(key);
    let code = view.code(key);
    let native = view.native_code(key);
    let tier2 = view.tier2_code(key);
    let bytecodes = profile
        .filter(|p| !is_primitive && same_method(machine, p, key))
        .map(|p| p.view().bytecode_counts(key).iter().sum());
    out.push(MethodEntry {
        key,
        is_block: label.starts_with("[] in "),
        label,
        file,
        line: code.as_ref().map_or(0, |c| c.line),
        is_primitive: is_primitive || code.is_none(),
        tier: if tier2.is_some() {
            2
        } else {
            u8::from(native.is_some())
        },
        code_size: tier2.map_or(native.map_or(0, |n| n.bytes.len()), |t| t.bytes.len()),
        calls: calls.filter(|_| !is_primitive),
        bytecodes,
    });
    for block in code.map(|c| c.blocks).unwrap_or_default() {
        push_with_blocks(machine, profile, block, false, None, out);
    }
}

impl Program {
    /// The listing of a method at `tier` (`None` without code in that tier).
    pub fn listing(&self, key: MethodKey, tier: u8) -> Option<crate::Listing> {
        let view = self.machine.view();
        crate::listing(&view, &view.code(key)?, tier)
    }

    /// The tier-2 listing of a method (`None` without tier-2 code).
    pub fn tier2_listing(&self, key: MethodKey) -> Option<crate::tier2::Tier2Listing> {
        let view = self.machine.view();
        Some(crate::tier2::listing(
            &view.code(key)?,
            view.tier2_code(key)?,
        ))
    }
}
