//! Running tier-2 code: the dispatcher's hook (compile when due, enter at bytecode 0
//! or at an entry after a slow path), the native call with its environment, the
//! counters the code advanced, and the runtime helpers compiled code calls.
//!
//! This is the one module of tier 2 with `unsafe`: the call into machine code and the
//! helpers' access to the VM through the environment's pointer.

use super::build::counter;
use super::{Compiled, Env, Slot};
use crate::object::heap::MethodId;
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
    pub(crate) fn tier2_dispatch(&mut self, method: MethodId, pc: u32) -> Result<bool, Unwind> {
        if self.methods.len() < self.tier2.methods_seen {
            self.tier2.forget();
        }
        let frame_id = self.frames.last().expect("frame").id;
        if self.tier2.handed_over.take() == Some((frame_id, pc)) {
            return Ok(false);
        }
        let m = method.index();
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
            let Some(Slot::Compiled(c)) = self.tier2.slots.get(m) else {
                return Ok(ran);
            };
            let current = match &self.methods[m].kind {
                crate::bytecode::MethodKind::Bytecode(code) => std::rc::Rc::ptr_eq(code, &c.code),
                _ => false,
            };
            if !current || !c.has_entry(pc) {
                return Ok(ran);
            }
            // Held while the code runs: a recompilation meanwhile replaces the slot only.
            let c = c.clone();
            ran = true;
            let (value, status) = self.tier2_call(&c, method, pc);
            match ExitStatus::decode(status) {
                ExitStatus::Return => {
                    self.return_from_top(Value(value));
                    return Ok(true);
                }
                ExitStatus::NonLocalReturn => unreachable!("tier 2 compiles no block returns"),
                ExitStatus::Deopt(id) => match self.tier2_exit(&c, method, id)? {
                    Resume::At(next) => pc = next,
                    Resume::Dispatcher => {
                        if let Some(f) = self.frames.last() {
                            if f.id == frame_id {
                                self.tier2.handed_over = Some((frame_id, f.pc));
                            }
                        }
                        return Ok(true);
                    }
                },
            }
        }
    }

    /// Whether a frame of `method` just pushed should run in tier 2 (it has code, or is
    /// due to be compiled): tier-1 code then leaves it to the dispatcher.
    pub(crate) fn tier2_claims(&self, method: MethodId) -> bool {
        match self.tier2.slots.get(method.index()) {
            Some(Slot::Compiled(_)) => true,
            Some(Slot::Refused) => false,
            _ => {
                let meta = &self.methods[method.index()];
                matches!(meta.kind, crate::bytecode::MethodKind::Bytecode(_))
                    && meta.invocations.get() >= self.tier2.threshold
            }
        }
    }

    /// Calls the code `c` of `method` for the top frame at entry `pc`; adds the
    /// counters it advanced to the VM's.
    fn tier2_call(&mut self, c: &Compiled, method: MethodId, pc: u32) -> (u64, u64) {
        let f = self.frames.last_mut().expect("frame");
        f.tier = 2;
        let (bp, self_value) = (f.bp as usize, f.self_value);
        let buffer = self.tier2.buffer.as_mut_ptr();
        let vm: *mut Vm = self;
        // SAFETY: `bp` is the top frame's base, inside the VM stack's buffer.
        let slots = unsafe { (*vm).stack.as_mut_ptr().add(bp) };
        let mut env = Env {
            vm,
            slots,
            self_value,
            literals: c.code.literals.as_ptr(),
            counters: c.counters.as_ptr() as *mut u64,
            oom: self.oom as u64,
            failed: 0,
            invalidated: 0,
            objects: self.heap.objects.as_ptr() as *const u8,
            array_class: crate::native::context::array_class(self).0,
        };
        // SAFETY: `c.address` is the entry of code som-ir's backend compiled for the
        // `Entry` signature and that was installed in the code cache (read+execute);
        // the environment, counters (cells, kept alive by `c`), deopt buffer (as large
        // as the largest exit needs) and VM stack it reads and writes outlive the
        // call, and the VM is reached only through `env.vm` until it returns.
        let answer = unsafe {
            let entry: Entry = std::mem::transmute(c.address as usize);
            let env_ptr: *mut Env = &mut env;
            entry(env_ptr, buffer, env_ptr as u64, pc as u64)
        };
        self.tier2_drain(c, method);
        (answer.value, answer.status)
    }

    /// Adds the counts the code of `method` advanced to the VM's, and zeroes them.
    fn tier2_drain(&mut self, c: &Compiled, method: MethodId) {
        let take = |i: usize| c.counters[i].replace(0);
        let s = &mut self.stats;
        s.clock = s.clock.wrapping_add(take(counter::CLOCK));
        s.bytecodes = s.bytecodes.wrapping_add(take(counter::BYTECODES));
        let meta = &self.methods[method.index()];
        let edges = take(counter::BACK_EDGES) as u32;
        meta.back_edges
            .set(meta.back_edges.get().wrapping_add(edges));
    }

    /// `run::perform`'s work: bytecode `pc` of the top frame, whose `len` values
    /// (slots, then the operand stack) the code wrote back, performed as tier 0 does,
    /// running any frame it pushes to its return. Answers the bytecode's result, or
    /// `None` when the code must leave: not performed (`left_after_perform` unset:
    /// the exit performs it), or performed and the frame cannot go on.
    fn tier2_perform(&mut self, env: &mut Env, len: usize, pc: u32) -> Option<Value> {
        let marker = 0u8;
        let here = std::hint::black_box(&marker) as *const u8 as usize;
        if self.tier2.nesting == 0 {
            self.tier2.stack_base = here;
        } else if self.tier2.stack_base.saturating_sub(here) > NESTING_BYTES {
            return None;
        }
        let f = self.frames.last().expect("the running frame");
        let (id, method, bp, depth) = (f.id, f.method, f.bp as usize, self.frames.len());
        let Some(Slot::Compiled(c)) = self.tier2.slots.get(method.index()) else {
            return None;
        };
        let c = c.clone();
        if !std::ptr::eq(c.counters.as_ptr() as *const u64, env.counters) {
            return None;
        }
        self.tier2_drain(&c, method);
        // SAFETY: the code wrote `len` values from the frame's base (within the
        // stack's reserved buffer, as the frame's `max_growth` allows).
        unsafe { self.stack.set_len(bp + len) };
        let bc = c.code.bytecodes[pc as usize];
        self.tier2.nesting += 1;
        // Whether the frame goes on after the bytecode (a frame the bytecode pushed
        // returned to it; `restart` or a non-local return changed it otherwise).
        let ran = self.tier2_slow_path(bc, pc).and_then(|flow| {
            if flow == crate::tier0::Flow::Continue {
                return Ok(true);
            }
            if self.frames.len() <= depth {
                return Ok(false);
            }
            let v = self.execute(depth)?;
            self.push(v);
            Ok(true)
        });
        self.tier2.nesting -= 1;
        env.oom = self.oom as u64;
        env.array_class = crate::native::context::array_class(self).0;
        let ours = self.frames.len() == depth
            && self
                .frames
                .last()
                .is_some_and(|f| f.id == id && f.pc == pc + 1);
        match ran {
            Ok(true) if ours => self.stack.pop(),
            Ok(_) => {
                self.tier2.left_after_perform = true;
                None
            }
            Err(e) => {
                self.tier2.left_after_perform = true;
                self.tier2.pending_error = Some(e);
                None
            }
        }
    }
}

/// Machine stack that nested `perform`s may use below the outermost tier-2
/// activation; past it, sends leave the code (the dispatcher runs them). Small
/// enough for a 2 MiB thread (tests, tools) with tier 1's 256 KiB native budget
/// below it.
const NESTING_BYTES: usize = 512 << 10;

/// Performs bytecode `pc` (a send, `at:`, a slow operator) of the running frame in
/// place; `len` values of the frame are on the VM stack. Sets `failed` when the code
/// must leave.
pub(crate) extern "C" fn perform(env: *mut Env, len: u64, pc: u64) -> u64 {
    // SAFETY: compiled code passes the environment `tier2_call` made, whose `vm` is
    // the running VM (not otherwise borrowed during the call).
    let env = unsafe { &mut *env };
    // SAFETY: `env.vm` is the running VM, not otherwise borrowed during this call.
    let vm = unsafe { &mut *env.vm };
    match vm.tier2_perform(env, len as usize, pc as u32) {
        Some(v) => v.0,
        None => {
            env.failed = 1;
            Value::NIL.0
        }
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
