//! Running tier-2 code: the dispatcher's hook (compile when due, enter at bytecode 0
//! or at an entry after a slow path), the native call with its environment, the
//! counters the code advanced, and the runtime helpers compiled code calls.
//!
//! This is the one module of tier 2 with `unsafe`: the call into machine code and the
//! helpers' access to the VM through the environment's pointer.

use super::build::counter;
use super::{Env, Slot};
use crate::object::heap::MethodIdx;
use crate::runtime::error::Unwind;
use crate::runtime::vm::Vm;
use crate::value::Value;
use som_ir::lower::ExitStatus;

/// How compiled code returns (rax, rdx under System V).
#[repr(C)]
struct Answer {
    value: u64,
    status: u64,
}

type Entry = extern "C" fn(*mut Env, *mut u64, u64, u64) -> Answer;

/// Where the frame goes after an exit.
pub(crate) enum Resume {
    /// Re-enter the tier-2 code at this bytecode index.
    At(u32),
    /// The lower tiers continue (the top frame changed, or tier 2 cannot go on).
    Dispatcher,
}

impl Vm {
    /// Runs the top frame (method `method` at `pc`) in tier 2 when it has code entered
    /// there, compiling it first when its counters are due; answers whether it ran.
    pub(crate) fn tier2_dispatch(&mut self, method: MethodIdx, pc: u32) -> Result<bool, Unwind> {
        if self.methods.len() < self.tier2.methods_seen {
            self.tier2.forget();
        }
        let frame_id = self.frames.last().expect("frame").id;
        if self.tier2.handed_over.take() == Some((frame_id, pc)) {
            return Ok(false);
        }
        let m = method as usize;
        let untried = !matches!(
            self.tier2.slots.get(m),
            Some(Slot::Compiled(_) | Slot::Refused)
        );
        if untried {
            let meta = &self.methods[m];
            let hot = meta.invocations.get().max(meta.back_edges.get()) >= self.tier2.threshold;
            if pc != 0 || !hot || !self.tier2_compile(method) {
                return Ok(false);
            }
        }
        let mut pc = pc;
        let mut ran = false;
        loop {
            let Some(c) = self.tier2.compiled(method) else {
                return Ok(ran);
            };
            let current = match &self.methods[m].kind {
                crate::bytecode::MethodKind::Bytecode(code) => std::rc::Rc::ptr_eq(code, &c.code),
                _ => false,
            };
            if !current || !c.has_entry(pc) {
                return Ok(ran);
            }
            ran = true;
            let (value, status) = self.tier2_call(method, pc);
            match ExitStatus::decode(status) {
                ExitStatus::Return => {
                    self.return_from_top(Value(value));
                    return Ok(true);
                }
                ExitStatus::NonLocalReturn => unreachable!("tier 2 compiles no block returns"),
                ExitStatus::Deopt(id) => match self.tier2_exit(method, id)? {
                    Resume::At(next) => pc = next,
                    Resume::Dispatcher => {
                        let f = self.frames.last().expect("frame");
                        if f.id == frame_id {
                            self.tier2.handed_over = Some((frame_id, f.pc));
                        }
                        return Ok(true);
                    }
                },
            }
        }
    }

    /// Whether a frame of `method` just pushed should run in tier 2 (it has code, or is
    /// due to be compiled): tier-1 code then leaves it to the dispatcher.
    pub(crate) fn tier2_claims(&self, method: MethodIdx) -> bool {
        match self.tier2.slots.get(method as usize) {
            Some(Slot::Compiled(_)) => true,
            Some(Slot::Refused) => false,
            _ => {
                let meta = &self.methods[method as usize];
                matches!(meta.kind, crate::bytecode::MethodKind::Bytecode(_))
                    && meta.invocations.get() >= self.tier2.threshold
            }
        }
    }

    /// Calls the code of `method` for the top frame at entry `pc`; adds the counters it
    /// advanced to the VM's.
    fn tier2_call(&mut self, method: MethodIdx, pc: u32) -> (u64, u64) {
        let f = self.frames.last_mut().expect("frame");
        f.tier = 2;
        let (bp, self_value) = (f.bp as usize, f.self_value);
        let Some(Slot::Compiled(c)) = self.tier2.slots.get_mut(method as usize) else {
            unreachable!("called only with code");
        };
        let address = c.address;
        let counters = c.counters.as_mut_ptr();
        let literals = c.code.literals.as_ptr();
        let buffer = self.tier2.buffer.as_mut_ptr();
        let oom = self.oom as u64;
        let vm: *mut Vm = self;
        // SAFETY: `bp` is the top frame's base, inside the VM stack's buffer.
        let slots = unsafe { (*vm).stack.as_mut_ptr().add(bp) };
        let mut env = Env {
            vm,
            slots,
            self_value,
            literals,
            counters,
            oom,
            failed: 0,
            invalidated: 0,
        };
        // SAFETY: `address` is the entry of code som-ir's backend compiled for the
        // `Entry` signature and that was installed in the code cache (read+execute);
        // the environment, counters, deopt buffer (as large as the largest exit
        // needs) and VM stack it reads and writes outlive the call, and the VM is
        // reached only through `env.vm` until it returns.
        let answer = unsafe {
            let entry: Entry = std::mem::transmute(address as usize);
            let env_ptr: *mut Env = &mut env;
            entry(env_ptr, buffer, env_ptr as u64, pc as u64)
        };
        // SAFETY: `counters` points into the compiled method's own counter array,
        // which the call above was the only user of.
        let advanced = unsafe { std::slice::from_raw_parts_mut(counters, counter::STRESS) };
        let s = &mut self.stats;
        s.clock = s.clock.wrapping_add(advanced[counter::CLOCK]);
        s.bytecodes = s.bytecodes.wrapping_add(advanced[counter::BYTECODES]);
        let meta = &self.methods[method as usize];
        let edges = advanced[counter::BACK_EDGES] as u32;
        meta.back_edges
            .set(meta.back_edges.get().wrapping_add(edges));
        advanced.fill(0);
        (answer.value, answer.status)
    }
}

/// `PushField`: field `i` of the frame's receiver (`failed` when there is none).
pub(crate) extern "C" fn field_get(env: *mut Env, i: u64) -> u64 {
    // SAFETY: compiled code passes the environment `tier2_call` made, whose `vm`
    // is the running VM (not otherwise borrowed during the call).
    let env = unsafe { &mut *env };
    // SAFETY: `env.vm` is the running VM, not otherwise borrowed during this call.
    let vm = unsafe { &mut *env.vm };
    match vm.field_slot(env.self_value, i as u16) {
        Some(v) => v.0,
        None => {
            env.failed = 1;
            Value::NIL.0
        }
    }
}

/// `StoreField`/`PopField`: stores `v` in field `i` of the frame's receiver.
pub(crate) extern "C" fn field_set(env: *mut Env, i: u64, v: u64) -> u64 {
    // SAFETY: as in `field_get`.
    let env = unsafe { &mut *env };
    // SAFETY: `env.vm` is the running VM, not otherwise borrowed during this call.
    let vm = unsafe { &mut *env.vm };
    // The check first: a missing field leaves to the interpreter, which reports it.
    if vm.field_slot(env.self_value, i as u16).is_none()
        || vm.field_set(env.self_value, i as u16, Value(v)).is_err()
    {
        env.failed = 1;
    }
    Value::NIL.0
}

/// `PushGlobal`: the value of global `g` (`failed` while it is unbound).
pub(crate) extern "C" fn global(env: *mut Env, g: u64) -> u64 {
    // SAFETY: as in `field_get`.
    let env = unsafe { &mut *env };
    // SAFETY: `env.vm` is the running VM, not otherwise borrowed during this call.
    let vm = unsafe { &*env.vm };
    match vm.globals.get(g as usize).copied().flatten() {
        Some(v) => v.0,
        None => {
            env.failed = 1;
            Value::NIL.0
        }
    }
}
