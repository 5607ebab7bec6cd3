//! Tier 0: the bytecode interpreter. One loop executes every activation on the VM stack;
//! a SOM send pushes a frame and continues in the same loop (it never recurses on the
//! Rust stack). Small-integer and immediate-Double arithmetic and comparisons take an
//! inline fast path; every other send goes through the send site's inline cache
//! (`send.rs`).

use crate::bytecode::{Bytecode, Code, LoopSlots, MethodKind, NilTestMode};
use crate::ids::MethodId;
use crate::runtime::error::Unwind;
use crate::runtime::semantics::arith::{immediate_float_binop, int_binop, BinOp};
use crate::runtime::stack::StackRegs;
use crate::runtime::vm::Vm;
use crate::value::Value;
use std::rc::Rc;

/// Result of a send or primitive: did the active frame change?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// The result is on the stack; the same frame continues.
    Continue,
    /// A frame was pushed, popped or restarted: reload the registers.
    Switch,
}

/// An operator bytecode: the small-integer and immediate-Double results inline (on the
/// loop's registers), everything else through `Vm::binop_slow` (`runtime::semantics::arith`).
macro_rules! binop {
    ($vm:ident, $st:ident, $op:expr, $site:expr, $pc:ident, $frame_changed:ident) => {{
        $vm.stats.clock += 1;
        let (a, b) = ($st.peek(1), $st.peek(0));
        let fast = if a.is_int() && b.is_int() {
            int_binop($op, a.as_int(), b.as_int())
        } else {
            immediate_float_binop($op, a, b)
        };
        match fast {
            Some(v) => {
                $st.drop_values(1);
                $st.poke(0, v);
            }
            None => {
                $st.give($vm);
                if $vm.binop_slow($op, $site, $pc)? == Flow::Switch {
                    $frame_changed = true;
                } else {
                    $st = StackRegs::take($vm);
                }
            }
        }
    }};
}

impl Vm {
    pub(crate) fn code_of(&self, method: MethodId) -> Rc<Code> {
        match &self.methods[method.index()].kind {
            MethodKind::Bytecode(c) | MethodKind::Trivial(_, c) => c.clone(),
            _ => unreachable!("frame of a primitive"),
        }
    }

    #[inline(always)]
    pub(crate) fn save_pc(&mut self, pc: usize) {
        if let Some(f) = self.frames.last_mut() {
            f.pc = pc as u32;
        }
    }

    /// Runs until the frame count drops to `base_depth`; answers the value returned by
    /// the last frame popped.
    pub(crate) fn execute(&mut self, base_depth: usize) -> Result<Value, Unwind> {
        let monitor = &mut crate::observe::monitor::NoHook;
        if self.jit.enabled {
            self.run_loop::<false, true>(base_depth, monitor)
        } else {
            self.run_loop::<false, false>(base_depth, monitor)
        }
    }

    /// `execute` under a monitor: at every statement boundary (a new line, a frame
    /// entered or returned to) the monitor sees the VM and may pause it
    /// (`Unwind::Pause`, frames intact; calling this again resumes). Without the
    /// `hooks` feature the boundary check is compiled out (monitors see nothing); that
    /// build exists to measure what the hooks cost when unused.
    pub(crate) fn execute_monitored(
        &mut self,
        base_depth: usize,
        monitor: &mut dyn crate::observe::monitor::Hook,
    ) -> Result<Value, Unwind> {
        #[cfg(feature = "hooks")]
        return self.run_loop::<true, false>(base_depth, monitor);
        #[cfg(not(feature = "hooks"))]
        return self.run_loop::<false, false>(base_depth, monitor);
    }

    /// The dispatch loop; `DEBUG` adds the boundary check (compiled out otherwise);
    /// `JIT` hands every frame change and hot loop to tier 1 (`jit::jit_dispatch`).
    fn run_loop<const DEBUG: bool, const JIT: bool>(
        &mut self,
        base_depth: usize,
        monitor: &mut dyn crate::observe::monitor::Hook,
    ) -> Result<Value, Unwind> {
        let mut code: &Code;
        let mut ops: *const Bytecode;
        let mut pc: usize;
        let mut bp: usize;
        // The top frame's receiver and method (fixed while the frame runs).
        let mut recv: Value;
        let mut method: usize;
        let mut st: StackRegs;
        macro_rules! reload {
            () => {{
                if JIT {
                    self.jit_dispatch(base_depth)?;
                }
                if self.frames.len() <= base_depth {
                    return Ok(self.stack.pop().unwrap_or(Value::NIL));
                }
                let f = self.frames.last().expect("a frame");
                pc = f.pc as usize;
                bp = f.bp as usize;
                recv = f.self_value;
                method = f.method.index();
                // SAFETY: the dispatch loop is the borrow `code_ref` describes.
                code = unsafe { crate::runtime::stack::code_ref(self, f.method) };
                ops = code.bytecodes.as_ptr();
                st = StackRegs::take(self);
            }};
        }
        // A call that may switch frames: the registers go back before; they come back
        // after it unless the frame changed (`reload!` takes them then).
        macro_rules! switching {
            ($e:expr, $changed:ident) => {{
                st.give(self);
                if $e? == Flow::Switch {
                    $changed = true;
                } else {
                    st = StackRegs::take(self);
                }
            }};
        }
        // A call that may change the stack: the registers go back before, come after.
        macro_rules! calling {
            ($e:expr) => {{
                st.give(self);
                let r = $e;
                st = StackRegs::take(self);
                r
            }};
        }
        reload!();
        loop {
            if DEBUG {
                st.give(self);
                if self.profile.is_some() {
                    self.profile_bytecode(pc);
                }
                if self.writes.is_some() {
                    self.log_writes(code, pc);
                }
                let line = code.lines[pc];
                let top_id = self.frames.last().expect("a frame").id;
                let c = self.cursor;
                let backwards = (pc as u32) < c.bci;
                self.cursor.bci = pc as u32;
                if line != c.line
                    || backwards
                    || self.frames.len() != c.depth
                    || top_id != c.frame_id
                {
                    self.save_pc(pc);
                    if self.boundary(line, monitor) {
                        return Err(Unwind::Pause);
                    }
                }
                st = StackRegs::take(self);
            }
            let bc = crate::runtime::stack::fetch(ops, code, pc);
            pc += 1;
            self.stats.bytecodes += 1;
            let mut frame_changed = false;
            match *bc {
                Bytecode::PushNil => st.push(Value::NIL),
                Bytecode::PushTrue => st.push(Value::TRUE),
                Bytecode::PushFalse => st.push(Value::FALSE),
                Bytecode::PushSelf => st.push(recv),
                Bytecode::PushInt(i) => st.push(Value::int(i as i64).expect("i32 fits")),
                Bytecode::PushLiteral(i) => st.push(code.literals[i as usize]),
                Bytecode::PushLocal(s) => st.push(st.slot(bp + s as usize)),
                Bytecode::PushLocal2(a, b) => {
                    let (va, vb) = (st.slot(bp + a as usize), st.slot(bp + b as usize));
                    st.push(va);
                    st.push(vb);
                }
                Bytecode::PushLocalInt(a, i) => {
                    st.push(st.slot(bp + a as usize));
                    st.push(Value::int(i as i64).expect("i32 fits"));
                }
                Bytecode::PopField(i) => {
                    self.save_pc(pc);
                    let v = st.pop();
                    st.give(self);
                    self.field_set(recv, i, v)?;
                }
                Bytecode::PopPushSelf => st.poke(0, recv),
                Bytecode::PushField2(a, b) => {
                    self.save_pc(pc);
                    st.give(self);
                    let va = self.field_get(recv, a)?;
                    let vb = self.field_get(recv, b)?;
                    st.push(va);
                    st.push(vb);
                }
                Bytecode::PopLocalJumpBack(s, t) => {
                    let v = st.pop();
                    st.set_slot(bp + s as usize, v);
                    pc = t.index();
                    st.give(self);
                    self.back_edge(method)?;
                    if JIT && self.jit_osr(pc) {
                        frame_changed = true;
                    }
                }
                Bytecode::StoreLocal(s) => st.set_slot(bp + s as usize, st.peek(0)),
                Bytecode::PopLocal(s) => {
                    let v = st.pop();
                    st.set_slot(bp + s as usize, v);
                }
                Bytecode::PushCaptured(s) => {
                    let ctx = self.frames.last().expect("frame").context;
                    st.push(self.context_get(ctx, 0, s));
                }
                Bytecode::StoreCaptured(s) => {
                    let ctx = self.frames.last().expect("frame").context;
                    self.context_set(ctx, 0, s, st.peek(0));
                }
                Bytecode::PushOuter(h, s) => {
                    let ctx = self.frames.last().expect("frame").outer;
                    st.push(self.context_get(ctx, h, s));
                }
                Bytecode::StoreOuter(h, s) => {
                    let ctx = self.frames.last().expect("frame").outer;
                    self.context_set(ctx, h, s, st.peek(0));
                }
                Bytecode::PushCreator(k) => {
                    self.save_pc(pc);
                    st.give(self);
                    let v = self.creator_get(self.frames.len() - 1, k)?;
                    st.push(v);
                }
                Bytecode::StoreCreator(k) => {
                    self.save_pc(pc);
                    st.give(self);
                    self.creator_set(self.frames.len() - 1, k, st.peek(0))?;
                }
                Bytecode::PushField(i) => {
                    self.save_pc(pc);
                    st.give(self);
                    st.push(self.field_get(recv, i)?);
                }
                Bytecode::StoreField(i) => {
                    self.save_pc(pc);
                    st.give(self);
                    self.field_set(recv, i, st.peek(0))?;
                }
                Bytecode::PushGlobal(g) => match self.globals[g as usize] {
                    Some(v) => st.push(v),
                    None => {
                        self.save_pc(pc);
                        switching!(self.unbound_global(g), frame_changed);
                    }
                },
                Bytecode::PushBlock(i) => {
                    let method = code.blocks[i as usize];
                    let block = calling!(self.new_block(method, None));
                    st.push(block);
                }
                Bytecode::Pop => {
                    st.pop();
                }
                Bytecode::Send(site) => {
                    self.stats.clock += 1;
                    self.save_pc(pc);
                    switching!(self.send_fast(site), frame_changed);
                }
                Bytecode::SuperSend(site) => {
                    self.stats.clock += 1;
                    self.save_pc(pc);
                    switching!(self.send(site), frame_changed);
                }
                Bytecode::Add(site) => binop!(self, st, BinOp::Add, site, pc, frame_changed),
                Bytecode::Sub(site) => binop!(self, st, BinOp::Sub, site, pc, frame_changed),
                Bytecode::Mul(site) => binop!(self, st, BinOp::Mul, site, pc, frame_changed),
                Bytecode::Lt(site) => binop!(self, st, BinOp::Lt, site, pc, frame_changed),
                Bytecode::Gt(site) => binop!(self, st, BinOp::Gt, site, pc, frame_changed),
                Bytecode::Le(site) => binop!(self, st, BinOp::Le, site, pc, frame_changed),
                Bytecode::Ge(site) => binop!(self, st, BinOp::Ge, site, pc, frame_changed),
                Bytecode::Eq(site) => binop!(self, st, BinOp::Eq, site, pc, frame_changed),
                Bytecode::Ne(site) => binop!(self, st, BinOp::Ne, site, pc, frame_changed),
                Bytecode::Div(site) => binop!(self, st, BinOp::Div, site, pc, frame_changed),
                Bytecode::Mod(site) => binop!(self, st, BinOp::Mod, site, pc, frame_changed),
                Bytecode::BitAnd(site) => binop!(self, st, BinOp::BitAnd, site, pc, frame_changed),
                Bytecode::Identical(site) => {
                    binop!(self, st, BinOp::Identical, site, pc, frame_changed)
                }
                Bytecode::At(site) => {
                    self.stats.clock += 1;
                    match self.array_at(st.peek(1), st.peek(0)) {
                        Some(v) => {
                            st.drop_values(1);
                            st.poke(0, v);
                        }
                        None => {
                            self.save_pc(pc);
                            switching!(self.send_fast(site), frame_changed);
                        }
                    }
                }
                Bytecode::AtPut(site) => {
                    self.stats.clock += 1;
                    let (array, index, value) = (st.peek(2), st.peek(1), st.peek(0));
                    if self.array_at_put(array, index, value) {
                        st.drop_values(2);
                    } else {
                        self.save_pc(pc);
                        switching!(self.send_fast(site), frame_changed);
                    }
                }
                Bytecode::ReturnLocal => {
                    let result = st.pop();
                    st.give(self);
                    self.return_from_top(result);
                    frame_changed = true;
                }
                Bytecode::ReturnNonLocal => {
                    self.save_pc(pc);
                    let result = st.pop();
                    st.give(self);
                    self.return_non_local(result)?;
                    frame_changed = true;
                }
                Bytecode::Jump(t) => pc = t.index(),
                Bytecode::JumpBack(t) => {
                    pc = t.index();
                    st.give(self);
                    self.back_edge(method)?;
                    if JIT && self.jit_osr(pc) {
                        frame_changed = true;
                    }
                }
                Bytecode::JumpIfFalse { target, fallback } => {
                    let c = st.pop();
                    if c == Value::FALSE {
                        pc = target.index();
                    } else if c != Value::TRUE {
                        st.push(c);
                        self.save_pc(pc);
                        st.give(self);
                        self.take_fallback(code, fallback, 0)?;
                        frame_changed = true;
                    }
                }
                Bytecode::JumpIfTrue { target, fallback } => {
                    let c = st.pop();
                    if c == Value::TRUE {
                        pc = target.index();
                    } else if c != Value::FALSE {
                        st.push(c);
                        self.save_pc(pc);
                        st.give(self);
                        self.take_fallback(code, fallback, 0)?;
                        frame_changed = true;
                    }
                }
                Bytecode::NilTest {
                    target,
                    fallback,
                    mode,
                } => {
                    let v = st.peek(0);
                    if self.nil_test_is_standard(v, mode) {
                        let is_nil = v.is_nil();
                        let (pop, jump) = match mode {
                            NilTestMode::Absent => (is_nil, !is_nil),
                            NilTestMode::Present => (!is_nil, is_nil),
                            NilTestMode::AbsentThenPresent => (true, !is_nil),
                            NilTestMode::PresentThenAbsent => (true, is_nil),
                        };
                        if pop {
                            st.pop();
                        }
                        if jump {
                            pc = target.index();
                        }
                    } else {
                        self.save_pc(pc);
                        st.give(self);
                        self.take_fallback(code, fallback, 0)?;
                        frame_changed = true;
                    }
                }
                Bytecode::ToDoPrepare {
                    counter,
                    fallback,
                    kind,
                } => {
                    let slots = LoopSlots { counter };
                    let flow =
                        calling!(self.counting_loop_prepare(code, bp, slots, fallback, kind, pc))?;
                    if flow == Flow::Switch {
                        frame_changed = true;
                    }
                }
                Bytecode::ToDoTest {
                    counter,
                    exit,
                    down,
                } => {
                    st.give(self);
                    if self.counting_loop_test(bp, LoopSlots { counter }, down, pc)? {
                        pc = exit.index();
                    }
                }
                Bytecode::ToDoStep {
                    counter,
                    head,
                    down,
                } => {
                    let slots = LoopSlots { counter };
                    st.give(self);
                    let (next, small) = self.counting_loop_step(bp, slots, down, pc)?;
                    pc = head.index();
                    self.back_edge(method)?;
                    if !small {
                        // Numbers of any kind: the loop test runs on its own.
                    } else if JIT && self.jit_osr(pc) {
                        frame_changed = true;
                    } else if let Bytecode::ToDoTest { exit, .. } = code.bytecodes[pc] {
                        // The loop test at `head` runs here too when it is all small
                        // integers (it still counts as executed).
                        let limit = st.slot(bp + slots.slot(LoopSlots::LIMIT) as usize);
                        if limit.is_int() {
                            let done = if down {
                                next.as_int() < limit.as_int()
                            } else {
                                next.as_int() > limit.as_int()
                            };
                            self.stats.bytecodes += 1;
                            if done {
                                pc = exit.index();
                            } else {
                                st.set_slot(bp + slots.slot(LoopSlots::VARIABLE) as usize, next);
                                pc += 1;
                            }
                        }
                    }
                }
            }
            if frame_changed {
                reload!();
            }
        }
    }

    /// A loop back-edge: advances the clock and checks for a pending heap exhaustion.
    #[inline(always)]
    fn back_edge(&mut self, method: usize) -> Result<(), Unwind> {
        self.stats.clock += 1;
        let m = &self.methods[method];
        m.back_edges.set(m.back_edges.get().wrapping_add(1));
        if self.oom {
            return Err(self.out_of_memory());
        }
        Ok(())
    }

    /// Pops the top frame and pushes `result` for its caller.
    pub(crate) fn return_from_top(&mut self, result: Value) {
        let frame = self.frames.pop().expect("a frame to return from");
        self.stack.truncate(frame.bp as usize);
        self.push(result);
    }

    /// `^` inside a block: return from the home method if it is still active, otherwise
    /// send `escapedBlock:` to the home receiver.
    pub(crate) fn return_non_local(&mut self, result: Value) -> Result<(), Unwind> {
        let (home, home_id) = self.frame_home(self.frames.len() - 1);
        let home = home as usize;
        let f = self.frames.last().expect("block frame");
        if home < self.frames.len() && self.frames[home].id == home_id {
            self.frames.truncate(home + 1);
            self.return_from_top(result);
            return Ok(());
        }
        let (bp, receiver) = (f.bp as usize, f.self_value);
        let block = self.slot(bp);
        self.push(receiver);
        self.push(block);
        let sel = self.intern("escapedBlock:");
        self.send_selector(sel, 1).map(|_| ())
    }
}
