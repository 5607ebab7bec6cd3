//! Tier 0: the bytecode interpreter. One loop executes every activation on the VM stack;
//! a SOM send pushes a frame and continues in the same loop (it never recurses on the
//! Rust stack). Small-integer arithmetic and comparisons take an inline fast path; every
//! other send goes through the send site's inline cache (`send.rs`).

use crate::bytecode::{Bytecode, Code, MethodKind, NilTestMode};
use crate::error::Unwind;
use crate::fastpath::FloatOp;
use crate::heap::Body;
use crate::value::Value;
use crate::vm::Vm;
use std::rc::Rc;

/// Result of a send or primitive: did the active frame change?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// The result is on the stack; the same frame continues.
    Continue,
    /// A frame was pushed, popped or restarted: reload the registers.
    Switch,
}

macro_rules! int_binop {
    ($vm:ident, $site:expr, $pc:ident, $frame_changed:ident, $op:expr, |$a:ident, $b:ident| $fast:expr) => {{
        $vm.stats.clock += 1;
        let $a = $vm.peek(1);
        let $b = $vm.peek(0);
        let fast: Option<Value> = if $a.is_int() && $b.is_int() {
            let ($a, $b) = ($a.as_int(), $b.as_int());
            $fast
        } else {
            $vm.double_binop($op, $a, $b)
        };
        match fast {
            Some(v) => {
                $vm.drop_values(1);
                $vm.poke(0, v);
            }
            None => {
                $vm.save_pc($pc);
                if $vm.send($site)? == Flow::Switch {
                    $frame_changed = true;
                }
            }
        }
    }};
}

/// A small-integer fast path with no Double case; anything else is a real send.
macro_rules! int_only_binop {
    ($vm:ident, $site:expr, $pc:ident, $frame_changed:ident, |$a:ident, $b:ident| $fast:expr) => {{
        $vm.stats.clock += 1;
        let $a = $vm.peek(1);
        let $b = $vm.peek(0);
        let fast: Option<Value> = if $a.is_int() && $b.is_int() {
            let ($a, $b) = ($a.as_int(), $b.as_int());
            $fast
        } else {
            None
        };
        match fast {
            Some(v) => {
                $vm.drop_values(1);
                $vm.poke(0, v);
            }
            None => {
                $vm.save_pc($pc);
                if $vm.send($site)? == Flow::Switch {
                    $frame_changed = true;
                }
            }
        }
    }};
}

impl Vm {
    pub(crate) fn code_of(&self, method: u32) -> Rc<Code> {
        match &self.methods[method as usize].kind {
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
        let monitor = &mut crate::introspect::NoMonitor;
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
        monitor: &mut dyn crate::introspect::Monitor,
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
        monitor: &mut dyn crate::introspect::Monitor,
    ) -> Result<Value, Unwind> {
        let mut code: &Code;
        let mut ops: *const Bytecode;
        let mut pc: usize;
        let mut bp: usize;
        // The top frame's receiver and method (fixed while the frame runs).
        let mut recv: Value;
        let mut method: usize;
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
                method = f.method as usize;
                code = crate::stack::code_ref(self, f.method);
                ops = code.bytecodes.as_ptr();
            }};
        }
        reload!();
        loop {
            if DEBUG {
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
            }
            let bc = crate::stack::fetch(ops, code, pc);
            pc += 1;
            self.stats.bytecodes += 1;
            let mut frame_changed = false;
            match bc {
                Bytecode::PushNil => self.push(Value::NIL),
                Bytecode::PushTrue => self.push(Value::TRUE),
                Bytecode::PushFalse => self.push(Value::FALSE),
                Bytecode::PushSelf => {
                    self.push(recv);
                }
                Bytecode::PushInt(i) => self.push(Value::int(i as i64).expect("i32 fits")),
                Bytecode::PushLiteral(i) => self.push(code.literals[i as usize]),
                Bytecode::PushLocal(s) => {
                    let v = self.slot(bp + s as usize);
                    self.push(v);
                }
                Bytecode::PushLocal2(a, b) => {
                    let (va, vb) = (self.slot(bp + a as usize), self.slot(bp + b as usize));
                    self.push(va);
                    self.push(vb);
                }
                Bytecode::PushLocalInt(a, i) => {
                    let v = self.slot(bp + a as usize);
                    self.push(v);
                    self.push(Value::int(i as i64).expect("i32 fits"));
                }
                Bytecode::PopField(i) => {
                    self.save_pc(pc);
                    let v = self.pop();
                    self.field_set(recv, i, v)?;
                }
                Bytecode::PopPushSelf => {
                    self.poke(0, recv);
                }
                Bytecode::PushField2(a, b) => {
                    self.save_pc(pc);
                    let va = self.field_get(recv, a)?;
                    let vb = self.field_get(recv, b)?;
                    self.push(va);
                    self.push(vb);
                }
                Bytecode::PopLocalJumpBack(s, t) => {
                    let v = self.pop();
                    self.set_slot(bp + s as usize, v);
                    pc = t as usize;
                    self.back_edge(method)?;
                    if JIT && self.jit_osr(pc) {
                        frame_changed = true;
                    }
                }
                Bytecode::StoreLocal(s) => {
                    let v = self.peek(0);
                    self.set_slot(bp + s as usize, v);
                }
                Bytecode::PopLocal(s) => {
                    let v = self.pop();
                    self.set_slot(bp + s as usize, v);
                }
                Bytecode::PushCaptured(s) => {
                    let ctx = self.frames.last().expect("frame").context;
                    let v = self.context_get(ctx, 0, s);
                    self.push(v);
                }
                Bytecode::StoreCaptured(s) => {
                    let ctx = self.frames.last().expect("frame").context;
                    let v = self.peek(0);
                    self.context_set(ctx, 0, s, v);
                }
                Bytecode::PushOuter(h, s) => {
                    let ctx = self.frames.last().expect("frame").outer;
                    let v = self.context_get(ctx, h, s);
                    self.push(v);
                }
                Bytecode::StoreOuter(h, s) => {
                    let ctx = self.frames.last().expect("frame").outer;
                    let v = self.peek(0);
                    self.context_set(ctx, h, s, v);
                }
                Bytecode::PushCreator(k) => {
                    self.save_pc(pc);
                    let v = self.creator_get(self.frames.len() - 1, k)?;
                    self.push(v);
                }
                Bytecode::StoreCreator(k) => {
                    self.save_pc(pc);
                    let v = self.peek(0);
                    self.creator_set(self.frames.len() - 1, k, v)?;
                }
                Bytecode::PushField(i) => {
                    self.save_pc(pc);
                    let v = self.field_get(recv, i)?;
                    self.push(v);
                }
                Bytecode::StoreField(i) => {
                    self.save_pc(pc);
                    let v = self.peek(0);
                    self.field_set(recv, i, v)?;
                }
                Bytecode::PushGlobal(g) => match self.globals[g as usize] {
                    Some(v) => self.push(v),
                    None => {
                        self.save_pc(pc);
                        if self.unbound_global(g)? == Flow::Switch {
                            frame_changed = true;
                        }
                    }
                },
                Bytecode::PushBlock(i) => {
                    let method = code.blocks[i as usize];
                    let block = self.new_block(method, u32::MAX);
                    self.push(block);
                }
                Bytecode::Pop => {
                    self.pop();
                }
                Bytecode::Send(site) => {
                    self.stats.clock += 1;
                    self.save_pc(pc);
                    if self.send_fast(site)? == Flow::Switch {
                        frame_changed = true;
                    }
                }
                Bytecode::SuperSend(site) => {
                    self.stats.clock += 1;
                    self.save_pc(pc);
                    if self.send(site)? == Flow::Switch {
                        frame_changed = true;
                    }
                }
                Bytecode::Add(site) => {
                    int_binop!(self, site, pc, frame_changed, FloatOp::Add, |a, b| {
                        Value::int(a + b)
                    })
                }
                Bytecode::Sub(site) => {
                    int_binop!(self, site, pc, frame_changed, FloatOp::Sub, |a, b| {
                        Value::int(a - b)
                    })
                }
                Bytecode::Mul(site) => {
                    int_binop!(self, site, pc, frame_changed, FloatOp::Mul, |a, b| a
                        .checked_mul(b)
                        .and_then(Value::int))
                }
                Bytecode::Lt(site) => {
                    int_binop!(self, site, pc, frame_changed, FloatOp::Lt, |a, b| Some(
                        Value::bool(a < b)
                    ))
                }
                Bytecode::Gt(site) => {
                    int_binop!(self, site, pc, frame_changed, FloatOp::Gt, |a, b| Some(
                        Value::bool(a > b)
                    ))
                }
                Bytecode::Le(site) => {
                    int_binop!(self, site, pc, frame_changed, FloatOp::Le, |a, b| Some(
                        Value::bool(a <= b)
                    ))
                }
                Bytecode::Ge(site) => {
                    int_binop!(self, site, pc, frame_changed, FloatOp::Ge, |a, b| Some(
                        Value::bool(a >= b)
                    ))
                }
                Bytecode::Eq(site) => {
                    int_binop!(self, site, pc, frame_changed, FloatOp::Eq, |a, b| Some(
                        Value::bool(a == b)
                    ))
                }
                Bytecode::Ne(site) => {
                    int_binop!(self, site, pc, frame_changed, FloatOp::Ne, |a, b| Some(
                        Value::bool(a != b)
                    ))
                }
                Bytecode::Div(site) => int_only_binop!(self, site, pc, frame_changed, |a, b| {
                    if b == 0 {
                        None
                    } else {
                        Value::int(a.div_euclid(b) - i64::from(b < 0 && a.rem_euclid(b) != 0))
                    }
                }),
                Bytecode::Mod(site) => int_only_binop!(self, site, pc, frame_changed, |a, b| {
                    if b == 0 {
                        None
                    } else {
                        let r = a % b;
                        Value::int(if r != 0 && ((r < 0) != (b < 0)) {
                            r + b
                        } else {
                            r
                        })
                    }
                }),
                Bytecode::BitAnd(site) => {
                    int_only_binop!(self, site, pc, frame_changed, |a, b| Value::int(a & b))
                }
                Bytecode::Identical(site) => {
                    int_only_binop!(self, site, pc, frame_changed, |a, b| Some(Value::bool(
                        a == b
                    )))
                }
                Bytecode::At(site) => {
                    self.stats.clock += 1;
                    match self.array_at(self.peek(1), self.peek(0)) {
                        Some(v) => {
                            self.drop_values(1);
                            self.poke(0, v);
                        }
                        None => {
                            self.save_pc(pc);
                            if self.send(site)? == Flow::Switch {
                                frame_changed = true;
                            }
                        }
                    }
                }
                Bytecode::AtPut(site) => {
                    self.stats.clock += 1;
                    let (array, index, value) = (self.peek(2), self.peek(1), self.peek(0));
                    if self.array_at_put(array, index, value) {
                        self.drop_values(2);
                    } else {
                        self.save_pc(pc);
                        if self.send(site)? == Flow::Switch {
                            frame_changed = true;
                        }
                    }
                }
                Bytecode::ReturnLocal => {
                    let result = self.pop();
                    self.return_from_top(result);
                    frame_changed = true;
                }
                Bytecode::ReturnNonLocal => {
                    self.save_pc(pc);
                    let result = self.pop();
                    self.return_non_local(result)?;
                    frame_changed = true;
                }
                Bytecode::Jump(t) => pc = t as usize,
                Bytecode::JumpBack(t) => {
                    pc = t as usize;
                    self.back_edge(method)?;
                    if JIT && self.jit_osr(pc) {
                        frame_changed = true;
                    }
                }
                Bytecode::JumpIfFalse { target, fallback } => {
                    let c = self.pop();
                    if c == Value::FALSE {
                        pc = target as usize;
                    } else if c != Value::TRUE {
                        self.push(c);
                        self.save_pc(pc);
                        self.take_fallback(code, fallback, 0)?;
                        frame_changed = true;
                    }
                }
                Bytecode::JumpIfTrue { target, fallback } => {
                    let c = self.pop();
                    if c == Value::TRUE {
                        pc = target as usize;
                    } else if c != Value::FALSE {
                        self.push(c);
                        self.save_pc(pc);
                        self.take_fallback(code, fallback, 0)?;
                        frame_changed = true;
                    }
                }
                Bytecode::NilTest {
                    target,
                    fallback,
                    mode,
                } => {
                    let v = self.peek(0);
                    if self.nil_test_is_standard(v, mode) {
                        let is_nil = v.is_nil();
                        let (pop, jump) = match mode {
                            NilTestMode::Absent => (is_nil, !is_nil),
                            NilTestMode::Present => (!is_nil, is_nil),
                            NilTestMode::AbsentThenPresent => (true, !is_nil),
                            NilTestMode::PresentThenAbsent => (true, is_nil),
                        };
                        if pop {
                            self.pop();
                        }
                        if jump {
                            pc = target as usize;
                        }
                    } else {
                        self.save_pc(pc);
                        self.take_fallback(code, fallback, 0)?;
                        frame_changed = true;
                    }
                }
                Bytecode::ToDoPrepare {
                    counter,
                    fallback,
                    kind,
                } => {
                    let n = self.stack.len();
                    let extra = kind.has_step() as usize;
                    let start = self.slot(n - 2 - extra);
                    let limit = self.slot(n - 1 - extra);
                    let step = if extra == 1 {
                        self.slot(n - 1)
                    } else {
                        Value::int(1).expect("small")
                    };
                    if self.is_number(start) && self.is_number(limit) && self.is_number(step) {
                        let c = bp + counter as usize;
                        self.set_slot(c, start);
                        self.set_slot(c + 1, limit);
                        self.set_slot(c + 3, start);
                        self.set_slot(c + 4, step);
                        self.drop_values(2 + extra);
                    } else {
                        self.save_pc(pc);
                        self.take_fallback(code, fallback, 1 + extra)?;
                        frame_changed = true;
                    }
                }
                Bytecode::ToDoTest {
                    counter,
                    exit,
                    down,
                } => {
                    let c = bp + counter as usize;
                    let (i, limit) = (self.slot(c), self.slot(c + 1));
                    let done = if i.is_int() && limit.is_int() {
                        if down {
                            i.as_int() < limit.as_int()
                        } else {
                            i.as_int() > limit.as_int()
                        }
                    } else {
                        self.save_pc(pc);
                        self.loop_done(i, limit, down)?
                    };
                    if done {
                        pc = exit as usize;
                    } else {
                        self.set_slot(c + 2, i);
                    }
                }
                Bytecode::ToDoStep {
                    counter,
                    head,
                    down,
                } => {
                    let c = bp + counter as usize;
                    let (i, step) = (self.slot(c), self.slot(c + 4));
                    let next = if i.is_int() && step.is_int() {
                        if down {
                            Value::int(i.as_int() - step.as_int())
                        } else {
                            Value::int(i.as_int() + step.as_int())
                        }
                    } else {
                        None
                    };
                    let after = pc;
                    pc = head as usize;
                    match next {
                        Some(v) => {
                            self.set_slot(c, v);
                            self.back_edge(method)?;
                            // The loop test at `head` runs here too when it is all
                            // small integers (it still counts as executed).
                            let limit = self.slot(c + 1);
                            if JIT && self.jit_osr(pc) {
                                frame_changed = true;
                            } else if let (Bytecode::ToDoTest { exit, .. }, true) =
                                (code.bytecodes[pc], limit.is_int())
                            {
                                let done = if down {
                                    v.as_int() < limit.as_int()
                                } else {
                                    v.as_int() > limit.as_int()
                                };
                                self.stats.bytecodes += 1;
                                if done {
                                    pc = exit as usize;
                                } else {
                                    self.set_slot(c + 2, v);
                                    pc += 1;
                                }
                            }
                        }
                        None => {
                            self.save_pc(after);
                            let next = self.loop_step(i, step, down)?;
                            self.set_slot(c, next);
                            self.back_edge(method)?;
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

    pub(crate) fn is_number(&self, v: Value) -> bool {
        v.is_int()
            || v.is_double()
            || matches!(self.heap.get(v).body, Body::Double(_) | Body::BigInt(_))
    }
}
