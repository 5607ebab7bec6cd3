//! The tier-2 builder's bytecode translation: one basic block at a time, each bytecode
//! on the abstract frame (`build::Frame`). Speculation: operators, comparisons and
//! counting loops whose send site never saw anything but small integers guard their
//! operands (`guard_int`) and check overflow (a deopt exit); once a site failed too
//! often it is compiled with a tag test whose other branch leaves to the runtime.
//! Sends, `/` and `\\` are performed in place (`access.rs`), `at:`/`at:put:` on an
//! `Array` inline; a non-boolean condition leaves to the interpreter, which takes the
//! inlining fallback.

use super::build::{counter, env_off, exit_kind, Builder, Frame};
use super::{helper, Refusal};
use crate::bytecode::{Bytecode, LoopSlots};
use crate::value::Value;
use som_ir::inst::{BinOp, BlockCall, CheckedOp, GuardKind, InstData, IntCC, UnOp};
use som_ir::{Type, Value as V};

/// Bytecodes whose exit the runtime finishes and then re-enters the code after.
pub(crate) fn resumes_after(bc: Bytecode) -> bool {
    use Bytecode::*;
    matches!(
        bc,
        Send(_)
            | SuperSend(_)
            | Add(_)
            | Sub(_)
            | Mul(_)
            | Lt(_)
            | Gt(_)
            | Le(_)
            | Ge(_)
            | Eq(_)
            | Ne(_)
            | Div(_)
            | Mod(_)
            | BitAnd(_)
            | Identical(_)
            | At(_)
            | AtPut(_)
    )
}

/// Whether `bc` is an operator tier 2 computes on small integers.
pub(crate) fn is_operator(bc: Bytecode) -> bool {
    operator(bc).is_some()
}

/// The operator of an arithmetic or comparison bytecode.
enum Op {
    Checked(CheckedOp),
    And,
    Compare(IntCC),
}

fn operator(bc: Bytecode) -> Option<(Op, u32)> {
    use Bytecode::*;
    Some(match bc {
        Add(s) => (Op::Checked(CheckedOp::Iadd), s.as_u32()),
        Sub(s) => (Op::Checked(CheckedOp::Isub), s.as_u32()),
        Mul(s) => (Op::Checked(CheckedOp::Imul), s.as_u32()),
        BitAnd(s) => (Op::And, s.as_u32()),
        Lt(s) => (Op::Compare(IntCC::Lt), s.as_u32()),
        Gt(s) => (Op::Compare(IntCC::Gt), s.as_u32()),
        Le(s) => (Op::Compare(IntCC::Le), s.as_u32()),
        Ge(s) => (Op::Compare(IntCC::Ge), s.as_u32()),
        Eq(s) => (Op::Compare(IntCC::Eq), s.as_u32()),
        Ne(s) => (Op::Compare(IntCC::Ne), s.as_u32()),
        Identical(s) => (Op::Compare(IntCC::Eq), s.as_u32()),
        _ => return None,
    })
}

impl Builder<'_> {
    /// Translates from `pc` (a leader) to the end of its basic block.
    pub(crate) fn translate_from(&mut self, start: u32, mut fr: Frame) -> Result<(), Refusal> {
        let mut pc = start;
        loop {
            if pc != start && self.leaders.contains_key(&pc) {
                self.advance(&mut fr, false);
                let dest = self.goto(pc, &fr);
                self.f.append_inst(self.cur, InstData::Jump { dest });
                return Ok(());
            }
            let bc = self.code.bytecodes[pc as usize];
            if !self.translate(pc, bc, &mut fr)? {
                return Ok(());
            }
            pc += 1;
        }
    }

    /// Translates one bytecode; answers false when it ended the block.
    fn translate(&mut self, pc: u32, bc: Bytecode, fr: &mut Frame) -> Result<bool, Refusal> {
        use Bytecode::*;
        let int = |b: &mut Self, i: i64| b.word(Value::int(i).expect("i32 fits"));
        match bc {
            PushNil => fr.stack.push(self.word(Value::NIL)),
            PushTrue => fr.stack.push(self.word(Value::TRUE)),
            PushFalse => fr.stack.push(self.word(Value::FALSE)),
            PushSelf => {
                let v = self.load_word_in(self.cur, env_off!(self_value));
                fr.stack.push(v);
            }
            PushInt(i) => fr.stack.push(int(self, i as i64)),
            PushLiteral(i) => {
                let lits = self.load_word_in(self.cur, env_off!(literals));
                let v = self.load_in(self.cur, lits, Type::Word, 8 * i as i32, true);
                fr.stack.push(v);
            }
            PushLocal(s) => fr.stack.push(self.slot(fr, s)?),
            PushLocal2(a, b) => {
                fr.stack.push(self.slot(fr, a)?);
                fr.stack.push(self.slot(fr, b)?);
            }
            PushLocalInt(a, i) => {
                fr.stack.push(self.slot(fr, a)?);
                fr.stack.push(int(self, i as i64));
            }
            StoreLocal(s) => {
                let v = *fr.stack.last().expect("depth checked");
                self.set_slot(fr, s, v)?;
            }
            PopLocal(s) => {
                let v = fr.stack.pop().expect("depth checked");
                self.set_slot(fr, s, v)?;
            }
            Pop => {
                fr.stack.pop();
            }
            PopPushSelf => {
                fr.stack.pop();
                let v = self.load_word_in(self.cur, env_off!(self_value));
                fr.stack.push(v);
            }
            PushField(i) => {
                let v = self.field_get(fr, pc, i);
                fr.stack.push(v);
            }
            PushField2(a, b) => {
                let va = self.field_get(fr, pc, a);
                let vb = self.field_get(fr, pc, b);
                fr.stack.push(va);
                fr.stack.push(vb);
            }
            StoreField(i) => {
                let v = *fr.stack.last().expect("depth checked");
                self.field_set(fr, pc, i, v);
            }
            PopField(i) => {
                let v = *fr.stack.last().expect("depth checked");
                self.field_set(fr, pc, i, v);
                fr.stack.pop();
            }
            PushGlobal(g) => {
                let k = self.iconst_in(self.cur, g as i64);
                let v = self.call(helper::GLOBAL, vec![k]);
                self.leave_if_failed(fr, pc);
                fr.stack.push(v);
            }
            Jump(t) => {
                fr.bytecodes += 1;
                self.advance(fr, false);
                let dest = self.goto(t.as_u32(), fr);
                self.f.append_inst(self.cur, InstData::Jump { dest });
                return Ok(false);
            }
            JumpBack(t) => {
                self.back_edge(fr, pc, t.as_u32());
                return Ok(false);
            }
            PopLocalJumpBack(s, t) => {
                self.oom_guard(fr, pc);
                let v = fr.stack.pop().expect("depth checked");
                self.set_slot(fr, s, v)?;
                self.back_edge(fr, pc, t.as_u32());
                return Ok(false);
            }
            JumpIfFalse { target, .. } => {
                self.conditional(fr, pc, target.as_u32(), false);
                return Ok(false);
            }
            JumpIfTrue { target, .. } => {
                self.conditional(fr, pc, target.as_u32(), true);
                return Ok(false);
            }
            ToDoPrepare { counter, kind, .. } => {
                let step = if kind.has_step() {
                    fr.stack.pop().expect("depth checked")
                } else {
                    int(self, 1)
                };
                let limit = fr.stack.pop().expect("depth checked");
                let start = fr.stack.pop().expect("depth checked");
                let mut probe = fr.clone();
                probe.stack.extend([start, limit]);
                if kind.has_step() {
                    probe.stack.push(step);
                }
                for v in [start, limit, step] {
                    self.untag(v, &probe, pc);
                }
                let at = |which| LoopSlots { counter }.slot(which);
                self.set_slot(fr, at(LoopSlots::COUNTER), start)?;
                self.set_slot(fr, at(LoopSlots::LIMIT), limit)?;
                self.set_slot(fr, at(LoopSlots::START), start)?;
                self.set_slot(fr, at(LoopSlots::STEP), step)?;
            }
            ToDoTest {
                counter,
                exit,
                down,
            } => {
                self.loop_test(fr, pc, counter, exit.as_u32(), down)?;
                return Ok(false);
            }
            ToDoStep {
                counter,
                head,
                down,
            } => {
                self.oom_guard(fr, pc);
                let c = counter as usize;
                let (i, step) = (
                    self.slot(fr, c as u16)?,
                    fr.slots[c + LoopSlots::STEP as usize],
                );
                let (ui, us) = (self.untag(i, fr, pc), self.untag(step, fr, pc));
                let op = if down {
                    CheckedOp::Isub
                } else {
                    CheckedOp::Iadd
                };
                let next = self.checked(op, ui, us, fr, pc);
                let w = self.tag(next);
                fr.slots[c] = w;
                self.back_edge(fr, pc, head.as_u32());
                return Ok(false);
            }
            At(_) | AtPut(_) => self.array_access(fr, pc, bc),
            ReturnLocal => {
                let v = fr.stack.pop().expect("depth checked");
                fr.bytecodes += 1;
                self.spill(fr);
                self.f.append_inst(self.cur, InstData::Return { value: v });
                return Ok(false);
            }
            _ => {
                if let Some((op, site)) = operator(bc) {
                    self.operator(fr, pc, op, site);
                } else if resumes_after(bc) {
                    self.perform(fr, pc, bc);
                } else {
                    return Err(Refusal::Unsupported(bc.mnemonic().into()));
                }
            }
        }
        fr.bytecodes += 1;
        Ok(true)
    }

    fn slot(&self, fr: &Frame, s: u16) -> Result<V, Refusal> {
        fr.slots
            .get(s as usize)
            .copied()
            .ok_or(Refusal::Unsupported("slot out of range".into()))
    }

    fn set_slot(&self, fr: &mut Frame, s: u16, v: V) -> Result<(), Refusal> {
        match fr.slots.get_mut(s as usize) {
            Some(x) => {
                *x = v;
                Ok(())
            }
            None => Err(Refusal::Unsupported("slot out of range".into())),
        }
    }

    /// Whether the operand checks at `pc` may deopt (speculate) rather than branch.
    pub(crate) fn speculates(&self, pc: u32) -> bool {
        if self.opts.no_speculation.contains(&pc) {
            return false;
        }
        match self.code.bytecodes[pc as usize].props().send_site {
            // An operator site that never sent saw only small integers.
            Some(site) => self.sites[site as usize].cached == 0,
            None => true,
        }
    }

    /// The int in `w`: a guard (speculating) or a tag test whose failing branch leaves
    /// to the runtime at `pc` with `fr` (the frame before the bytecode).
    pub(crate) fn untag(&mut self, w: V, fr: &Frame, pc: u32) -> V {
        if let Some(&i) = self.known_int.get(&w) {
            return i;
        }
        if let Some((_, bits)) = self.f.const_of(w) {
            if let Some(n) = som_ir::types::tagging::untag_int(bits) {
                return self.iconst_in(self.cur, n);
            }
        }
        if self.speculates(pc) {
            self.guard(GuardKind::Int, w, fr, pc);
        } else {
            let bits = self.ins(InstData::Unary {
                op: UnOp::WordBits,
                arg: w,
            });
            let one = self.iconst_in(self.cur, 1);
            let low = self.ins(InstData::Binary {
                op: BinOp::Iand,
                args: [bits, one],
            });
            let is_int = self.ins(InstData::IntCompare {
                cc: IntCC::Eq,
                args: [low, one],
            });
            self.branch_or_leave(is_int, fr, pc, exit_kind::SLOW_PATH);
        }
        let i = self.ins(InstData::Unary {
            op: UnOp::UntagInt,
            arg: w,
        });
        self.known_int.insert(w, i);
        i
    }

    pub(crate) fn tag(&mut self, i: V) -> V {
        let w = self.ins(InstData::Unary {
            op: UnOp::TagInt,
            arg: i,
        });
        self.known_int.insert(w, i);
        w
    }

    /// Continues in a new block when `cond` holds; otherwise leaves at `pc`.
    fn branch_or_leave(&mut self, cond: V, fr: &Frame, pc: u32, kind: u64) {
        let (cont, leave) = (self.f.add_block(), self.f.add_block());
        self.f.append_inst(
            self.cur,
            InstData::Brif {
                cond,
                then_dest: BlockCall {
                    block: cont,
                    args: vec![],
                },
                else_dest: BlockCall {
                    block: leave,
                    args: vec![],
                },
            },
        );
        self.cur = leave;
        let fs = self.state(fr, pc, kind);
        self.f.append_inst(leave, InstData::Deopt { state: fs });
        self.cur = cont;
    }

    /// A guard at `pc` (under `--deopt-stress` preceded by its failure budget).
    fn guard(&mut self, kind: GuardKind, arg: V, fr: &Frame, pc: u32) {
        self.stress_point(fr, pc);
        let state = self.state(fr, pc, exit_kind::GUARD);
        self.f
            .append_inst(self.cur, InstData::Guard { kind, arg, state });
    }

    /// Overflow-checked arithmetic at `pc`.
    fn checked(&mut self, op: CheckedOp, a: V, b: V, fr: &Frame, pc: u32) -> V {
        let kind = if self.speculates(pc) {
            self.stress_point(fr, pc);
            exit_kind::GUARD
        } else {
            exit_kind::SLOW_PATH
        };
        let state = self.state(fr, pc, kind);
        self.ins(InstData::Checked {
            op,
            args: [a, b],
            state,
        })
    }

    /// Under `--deopt-stress`: leaves at `pc` while this point's budget lasts.
    fn stress_point(&mut self, fr: &Frame, pc: u32) {
        let Some(seed) = self.opts.stress_seed else {
            return;
        };
        let k = self.stress.len();
        let mix = seed ^ ((self.method.as_u32() as u64) << 20) ^ (pc as u64) ^ ((k as u64) << 40);
        self.stress
            .push(1 + mix.wrapping_mul(0x9e37_79b9_7f4a_7c15) % 2);
        let counters = self.load_word_in(self.cur, env_off!(counters));
        let off = 8 * (counter::STRESS + k) as i32;
        let left = self.load_in(self.cur, counters, Type::Int, off, false);
        let zero = self.iconst_in(self.cur, 0);
        let done = self.ins(InstData::IntCompare {
            cc: IntCC::Eq,
            args: [left, zero],
        });
        let (cont, fail) = (self.f.add_block(), self.f.add_block());
        self.f.append_inst(
            self.cur,
            InstData::Brif {
                cond: done,
                then_dest: BlockCall {
                    block: cont,
                    args: vec![],
                },
                else_dest: BlockCall {
                    block: fail,
                    args: vec![],
                },
            },
        );
        self.cur = fail;
        let one = self.iconst_in(fail, 1);
        let rest = self.ins(InstData::Binary {
            op: BinOp::Isub,
            args: [left, one],
        });
        self.f.append_inst(
            fail,
            InstData::Store {
                obj: counters,
                offset: off,
                value: rest,
            },
        );
        let fs = self.state(fr, pc, exit_kind::STRESS);
        self.f.append_inst(fail, InstData::Deopt { state: fs });
        self.cur = cont;
    }

    /// An operator on two small integers (the operands are the top two values).
    fn operator(&mut self, fr: &mut Frame, pc: u32, op: Op, _site: u32) {
        let before = fr.clone();
        let b = fr.stack.pop().expect("depth checked");
        let a = fr.stack.pop().expect("depth checked");
        let (ua, ub) = (self.untag(a, &before, pc), self.untag(b, &before, pc));
        let result = match op {
            Op::Checked(c) => {
                let r = self.checked(c, ua, ub, &before, pc);
                self.tag(r)
            }
            Op::And => {
                let r = self.ins(InstData::Binary {
                    op: BinOp::Iand,
                    args: [ua, ub],
                });
                self.tag(r)
            }
            Op::Compare(cc) => {
                let c = self.ins(InstData::IntCompare { cc, args: [ua, ub] });
                let (t, f) = (self.word(Value::TRUE), self.word(Value::FALSE));
                let w = self.ins(InstData::Select {
                    ty: Type::Word,
                    cond: c,
                    args: [t, f],
                });
                self.known_bool.insert(w, c);
                w
            }
        };
        fr.clock += 1;
        fr.stack.push(result);
    }

    /// `JumpIfTrue`/`JumpIfFalse`: a boolean branches; anything else leaves to the
    /// interpreter (which takes the inlining fallback).
    fn conditional(&mut self, fr: &mut Frame, pc: u32, target: u32, jump_if: bool) {
        let c = fr.stack.pop().expect("depth checked");
        fr.bytecodes += 1;
        self.advance(fr, false);
        let (jumped, next) = (self.goto(target, fr), self.goto(pc + 1, fr));
        let (on_true, on_false) = if jump_if {
            (jumped, next)
        } else {
            (next, jumped)
        };
        if let Some(&cond) = self.known_bool.get(&c) {
            self.f.append_inst(
                self.cur,
                InstData::Brif {
                    cond,
                    then_dest: on_true,
                    else_dest: on_false,
                },
            );
            return;
        }
        let t = self.word(Value::TRUE);
        let is_true = self.ins(InstData::IntCompare {
            cc: IntCC::Eq,
            args: [c, t],
        });
        let check = self.f.add_block();
        self.f.append_inst(
            self.cur,
            InstData::Brif {
                cond: is_true,
                then_dest: on_true,
                else_dest: BlockCall {
                    block: check,
                    args: vec![],
                },
            },
        );
        self.cur = check;
        let f = self.word(Value::FALSE);
        let is_false = self.ins(InstData::IntCompare {
            cc: IntCC::Eq,
            args: [c, f],
        });
        let mut before = fr.clone();
        before.stack.push(c);
        before.bytecodes = -1;
        self.branch_or_leave(is_false, &before, pc, exit_kind::SLOW_PATH);
        self.f.append_inst(
            self.cur,
            InstData::Jump {
                dest: on_false.clone(),
            },
        );
    }

    /// `ToDoTest`: the counter against the limit, both small integers.
    fn loop_test(
        &mut self,
        fr: &mut Frame,
        pc: u32,
        c: u16,
        exit: u32,
        down: bool,
    ) -> Result<(), Refusal> {
        let i = self.slot(fr, c)?;
        let limit = self.slot(fr, c + LoopSlots::LIMIT)?;
        let (ui, ul) = (self.untag(i, fr, pc), self.untag(limit, fr, pc));
        let cc = if down { IntCC::Lt } else { IntCC::Gt };
        let done = self.ins(InstData::IntCompare { cc, args: [ui, ul] });
        fr.bytecodes += 1;
        self.advance(fr, false);
        let out = self.goto(exit, fr);
        let mut body = fr.clone();
        self.set_slot(&mut body, c + LoopSlots::VARIABLE, i)?;
        let stay = self.goto(pc + 1, &body);
        self.f.append_inst(
            self.cur,
            InstData::Brif {
                cond: done,
                then_dest: out,
                else_dest: stay,
            },
        );
        Ok(())
    }

    /// Leaves at `pc` when the heap is exhausted (the interpreter raises the error at
    /// the back-edge, as tier 0 does).
    fn oom_guard(&mut self, fr: &Frame, pc: u32) {
        let env = self.env;
        // Not readonly: `run::perform` updates it after the code it ran.
        let oom = self.load_in(self.cur, env, Type::Int, env_off!(oom), false);
        let zero = self.iconst_in(self.cur, 0);
        let ok = self.ins(InstData::IntCompare {
            cc: IntCC::Eq,
            args: [oom, zero],
        });
        let state = self.state(fr, pc, exit_kind::SLOW_PATH);
        self.f.append_inst(
            self.cur,
            InstData::Guard {
                kind: GuardKind::True,
                arg: ok,
                state,
            },
        );
    }

    /// A loop back-edge to `target` (the clock and the method's back-edge count).
    fn back_edge(&mut self, fr: &mut Frame, pc: u32, target: u32) {
        if !matches!(
            self.code.bytecodes[pc as usize],
            Bytecode::PopLocalJumpBack(..) | Bytecode::ToDoStep { .. }
        ) {
            self.oom_guard(fr, pc);
        }
        fr.clock += 1;
        fr.bytecodes += 1;
        self.advance(fr, true);
        let dest = self.goto(target, fr);
        self.f.append_inst(self.cur, InstData::Jump { dest });
    }

    /// Calls a runtime helper (which gets the environment first).
    pub(super) fn call(&mut self, helper: u32, args: Vec<V>) -> V {
        self.ins(InstData::CallRuntime {
            helper,
            args,
            ret: Some(Type::Word),
        })
    }

    /// Leaves at `pc` when the last runtime helper failed (`Env::failed`).
    pub(super) fn leave_if_failed(&mut self, fr: &Frame, pc: u32) {
        let env = self.env;
        let failed = self.load_in(self.cur, env, Type::Int, env_off!(failed), false);
        let zero = self.iconst_in(self.cur, 0);
        let ok = self.ins(InstData::IntCompare {
            cc: IntCC::Eq,
            args: [failed, zero],
        });
        self.branch_or_leave(ok, fr, pc, exit_kind::SLOW_PATH);
    }
}
