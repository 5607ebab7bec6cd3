//! Compiling one method in tier 2: build the IR, run the pass pipeline (keeping the IR
//! after each pass for tools), lower it with Cranelift, check the deopt table, and
//! install the bytes with their helper relocations in the code cache.

use super::build::{counter, BuildOptions, Builder};
use super::{helper, Env, Refusal, Slot, Tier2EventKind};
use crate::bytecode::{Code, MethodKind};
use crate::object::heap::MethodId;
use crate::runtime::vm::Vm;
use som_ir::lower::{Backend, DeoptExit, DeoptSlot, LowerConfig, RelocKind};
use som_ir::passes::{optimize, PassDump, PipelineOptions};
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Instant;

/// Tier-2 code of one method.
pub(crate) struct Compiled {
    /// The bytecode it was compiled from.
    pub code: Rc<Code>,
    pub address: u64,
    pub size: usize,
    /// Bytecode indices where the code can be entered, ascending.
    pub entries: Vec<u32>,
    pub deopts: Vec<DeoptExit>,
    /// The counters the code advances (`build::counter`), with the stress budgets
    /// (cells: the code writes them through a pointer while the method is shared).
    pub counters: Box<[std::cell::Cell<u64>]>,
    /// The IR as built, then after each pass (printed when a tool first asks).
    pub passes: PassLog,
}

/// The IR of one compilation after each pass, kept as the built function and printed
/// only when a tool asks: printing every pass of every method is a large part of the
/// compile cost. The pipeline is deterministic, so running it again gives the text of
/// the function that was lowered.
pub(crate) struct PassLog {
    built: som_ir::Function,
    text: std::cell::OnceCell<Vec<PassDump>>,
}

impl PassLog {
    fn new(built: som_ir::Function) -> PassLog {
        PassLog {
            built,
            text: std::cell::OnceCell::new(),
        }
    }

    /// "build" first, then each pass of the pipeline.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, PassDump> {
        self.text.get_or_init(|| self.print()).iter()
    }

    fn print(&self) -> Vec<PassDump> {
        let mut func = self.built.clone();
        let mut dumps = vec![PassDump {
            pass: "build",
            text: func.to_string(),
        }];
        // Off the hot path: verify too, so tests of release builds check every pass.
        let opts = PipelineOptions {
            verify: true,
            print: true,
        };
        match optimize(&mut func, opts) {
            Ok(more) => dumps.extend(more),
            Err(e) => dumps.push(PassDump {
                pass: e.pass,
                text: e.to_string(),
            }),
        }
        dumps
    }
}

impl Compiled {
    pub(crate) fn has_entry(&self, bci: u32) -> bool {
        self.entries.binary_search(&bci).is_ok()
    }
}

/// The som-ir backend configured for this VM.
fn backend() -> Result<Backend, Refusal> {
    Backend::new(LowerConfig {
        invalidated_offset: std::mem::offset_of!(Env, invalidated) as i32,
        verify: cfg!(debug_assertions),
        ..LowerConfig::default()
    })
    .map_err(|e| Refusal::Backend(e.to_string()))
}

impl Vm {
    /// Compiles `method` in tier 2; answers whether it has code afterwards.
    pub(crate) fn tier2_compile(&mut self, method: MethodId) -> bool {
        let _phase = crate::observe::sampling::PhaseMark::compiling(method);
        let m = method.index();
        if self.tier2.slots.len() <= m {
            self.tier2
                .slots
                .resize_with(self.methods.len().max(m + 1), || Slot::Untried);
        }
        let start = Instant::now();
        let result = self.tier2_build(method);
        self.tier2.stats.compile_time += start.elapsed();
        match result {
            Ok(c) => {
                self.tier2.stats.methods_compiled += 1;
                self.tier2.stats.code_bytes += c.size as u64;
                let clock = self.stats.clock;
                let kind = Tier2EventKind::Compiled {
                    method,
                    code_bytes: c.size as u32,
                };
                self.tier2.event(clock, kind);
                self.tier2.methods_seen = self.tier2.methods_seen.max(self.methods.len());
                self.tier2.slots[m] = Slot::Compiled(c);
                self.jit.leave_to_tier2(method);
                true
            }
            Err(why) => {
                self.tier2_refuse(method, why);
                false
            }
        }
    }

    fn tier2_build(&mut self, method: MethodId) -> Result<Rc<Compiled>, Refusal> {
        let code = match &self.methods[method.index()].kind {
            MethodKind::Bytecode(c) => c.clone(),
            _ => return Err(Refusal::NotBytecode),
        };
        let empty = HashSet::new();
        let no_speculation = self.tier2.no_speculation.get(&method).unwrap_or(&empty);
        let opts = BuildOptions {
            no_speculation,
            stress_seed: self.tier2.stress_seed,
            calls_out: self.tier2.sends,
            loopless: self.tier2.sends || self.tier2.threshold == 0,
        };
        let name = self.method_name(method);
        let built = Builder::build(&name, &code, &self.sites, method, &opts)?;
        let passes = PassLog::new(built.func.clone());
        let mut func = built.func;
        let opts = PipelineOptions {
            verify: cfg!(debug_assertions),
            print: false,
        };
        optimize(&mut func, opts).map_err(|e| Refusal::Backend(e.to_string()))?;
        if self.tier2.backend.is_none() {
            self.tier2.backend = Some(backend()?);
        }
        let backend = self.tier2.backend.as_ref().expect("just made");
        let out = backend
            .compile(&func)
            .map_err(|e| Refusal::Backend(e.to_string()))?;
        check_exits(&out.deopts)?;
        let need = out.deopts.iter().map(|d| d.buffer_types.len()).max();
        // The buffer never moves: code running in nested activations holds it.
        if need.unwrap_or(0) > super::BUFFER_WORDS {
            return Err(Refusal::TooLarge);
        }
        if self.tier2.buffer.is_empty() {
            self.tier2.buffer = vec![0; super::BUFFER_WORDS];
        }
        let mut bytes = out.code.clone();
        let address = self.jit.next_code_address().ok_or(Refusal::CacheFull)?;
        for r in &out.relocs {
            let target = helper_address(r.helper)
                .ok_or_else(|| Refusal::Backend(format!("unknown helper {}", r.helper)))?;
            let at = r.offset as usize;
            let value = target.wrapping_add(r.addend as u64);
            match r.kind {
                RelocKind::Abs8 => bytes[at..at + 8].copy_from_slice(&value.to_le_bytes()),
                RelocKind::PcRel4 => {
                    let rel = value.wrapping_sub(address + r.offset as u64) as i64;
                    let rel = i32::try_from(rel)
                        .map_err(|_| Refusal::Backend("helper out of near-call range".into()))?;
                    bytes[at..at + 4].copy_from_slice(&rel.to_le_bytes());
                }
            }
        }
        let placed = self
            .jit
            .install_code(&bytes, address)
            .map_err(|_| Refusal::CacheFull)?;
        let mut counters = vec![0u64; counter::STRESS + built.stress.len()];
        counters[counter::STRESS..].copy_from_slice(&built.stress);
        let m = &self.methods[method.index()];
        let record = crate::native::debuginfo::CodeRecord {
            name: format!("tier2:{name}"),
            file: m.file.to_string(),
            decl_line: m.line,
            address: placed,
            bytes: bytes.clone(),
            lines: Vec::new(),
            entries: vec![0],
            preserves_vm_registers: false,
        };
        self.jit.publish_record(record);
        Ok(Rc::new(Compiled {
            code,
            address: placed,
            size: bytes.len(),
            entries: built.entries,
            deopts: out.deopts,
            counters: counters.into_iter().map(std::cell::Cell::new).collect(),
            passes,
        }))
    }
}

/// Tier-2 code rebuilds one frame per exit and materializes no objects yet.
fn check_exits(exits: &[DeoptExit]) -> Result<(), Refusal> {
    for e in exits {
        let virtual_slot = e
            .frames
            .iter()
            .flat_map(|f| &f.slots)
            .any(|s| matches!(s, DeoptSlot::Virtual(_)));
        if e.frames.len() != 1 || virtual_slot || !e.virtuals.is_empty() {
            return Err(Refusal::Unsupported(
                "inlined frames or virtual objects".into(),
            ));
        }
        if e.frames[0].slots.len() < super::build::STATE_EXTRA {
            return Err(Refusal::Backend("a frame state without its counts".into()));
        }
    }
    Ok(())
}

/// The address of runtime helper `id`.
fn helper_address(id: u32) -> Option<u64> {
    Some(match id {
        helper::FIELD_GET => super::run::field_get as *const () as u64,
        helper::FIELD_SET => super::run::field_set as *const () as u64,
        helper::GLOBAL => super::run::global as *const () as u64,
        helper::PERFORM => super::run::perform as *const () as u64,
        _ => return None,
    })
}
