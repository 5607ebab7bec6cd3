//! Deoptimization: what happens when tier-2 code leaves through an exit.
//!
//! Entry: the exit's id names its deopt-table entry; the values its frame state names
//! are in the deopt buffer. This module writes the tier-0 frame back onto the VM stack
//! (every slot and operand-stack value, tagging unboxed integers), sets its bytecode
//! index, and adds the clock ticks, bytecodes and back-edges the code had not stored
//! yet (its pending SSA counts and its block's own), so the frame is indistinguishable from one tier 0 ran to that point (same slots,
//! header, clock and counters). Tier-2 code inlines no activations and scalar-replaces
//! no objects yet, so an exit rebuilds exactly one frame (`tier2::compile` refuses
//! code whose table says otherwise).
//!
//! Then, by the exit's kind: a failed speculation is counted (an event tools see) and
//! handed to the policy (`Vm::tier2_note_deopt`: a bytecode that keeps failing is
//! recompiled without its speculation, a method that keeps failing stays in tier 1),
//! and the interpreter resumes at that bytecode; a slow path (a send, `at:`, a
//! non-small-integer operand, ...) is performed here with tier 0's own code, and the
//! tier-2 code is re-entered after it when the frame did not change.

use crate::bytecode::Bytecode;
use crate::ids::SendSiteId;
use crate::object::heap::MethodId;
use crate::runtime::error::Unwind;
use crate::runtime::semantics::arith::BinOp;
use crate::runtime::vm::Vm;
use crate::tier0::Flow;
use crate::tier2::{exit_kind, Compiled, Resume};
use crate::value::Value;
use som_ir::lower::{DeoptExit, DeoptSlot};
use som_ir::Type;

/// The value of one frame-state slot.
fn slot_value(exit: &DeoptExit, buffer: &[u64], s: DeoptSlot) -> Value {
    match s {
        DeoptSlot::Const(w) => Value(w),
        DeoptSlot::Buffer(n) => {
            let bits = buffer[n as usize];
            match exit.buffer_types[n as usize] {
                Type::Word => Value(bits),
                Type::Int => Value::int(bits as i64).unwrap_or(Value::NIL),
                Type::Bool => Value::bool(bits != 0),
                Type::Float => Value::double(f64::from_bits(bits)).unwrap_or(Value::NIL),
            }
        }
        // `tier2::compile` refuses code with virtual objects.
        DeoptSlot::Virtual(_) => Value::NIL,
    }
}

/// The raw bits of one frame-state slot (the counts after the frame's values).
fn slot_bits(buffer: &[u64], s: DeoptSlot) -> u64 {
    match s {
        DeoptSlot::Const(w) => w,
        DeoptSlot::Buffer(n) => buffer[n as usize],
        DeoptSlot::Virtual(_) => 0,
    }
}

impl Vm {
    /// Handles exit `id` of the tier-2 code `c` of `method`, which the top frame runs.
    pub(crate) fn tier2_exit(
        &mut self,
        c: &Compiled,
        method: MethodId,
        id: u32,
    ) -> Result<Resume, Unwind> {
        if std::mem::take(&mut self.tier2.left_after_perform) {
            // `run::perform` did the bytecode and the VM stack holds the truth.
            return match self.tier2.pending_error.take() {
                Some(e) => Err(e),
                None => Ok(Resume::Dispatcher),
            };
        }
        let exit = &c.deopts[id as usize];
        let frame = &exit.frames[0];
        let buffer = &self.tier2.buffer;
        let mut values = std::mem::take(&mut self.tier2.scratch);
        values.clear();
        let n = frame.slots.len() - crate::tier2::STATE_EXTRA;
        values.extend(
            frame.slots[..n]
                .iter()
                .map(|&s| slot_value(exit, buffer, s)),
        );
        let bci = frame.bci;
        // Pending clock, bytecodes, back-edges; the block's clock, bytecodes; the kind.
        let x: [u64; crate::tier2::STATE_EXTRA] =
            std::array::from_fn(|i| slot_bits(buffer, frame.slots[n + i]));
        let (clock, bytecodes, kind) = (x[0].wrapping_add(x[3]), x[1].wrapping_add(x[4]), x[5]);
        self.stats.clock = self.stats.clock.wrapping_add(clock);
        self.stats.bytecodes = self.stats.bytecodes.wrapping_add(bytecodes);
        let meta = &self.methods[method.index()];
        meta.back_edges
            .set(meta.back_edges.get().wrapping_add(x[2] as u32));
        let nslots = 1 + c.code.num_args as usize + c.code.num_locals as usize;
        let bc = c.code.bytecodes[bci as usize];
        let f = self.frames.last_mut().expect("the frame that ran");
        f.pc = bci;
        f.tier = 0;
        let bp = f.bp as usize;
        for (i, &v) in values[..nslots].iter().enumerate() {
            self.set_slot(bp + i, v);
        }
        self.stack.truncate(bp + nslots);
        for &v in &values[nslots..] {
            self.push(v);
        }
        self.tier2.scratch = values;
        match kind {
            exit_kind::SLOW_PATH if crate::tier2::resumes_after(bc) => {
                match self.tier2_slow_path(bc, bci)? {
                    Flow::Continue => Ok(Resume::At(bci + 1)),
                    Flow::Switch => Ok(Resume::Dispatcher),
                }
            }
            exit_kind::SLOW_PATH => Ok(Resume::Dispatcher),
            _ => {
                let held = kind == exit_kind::GUARD;
                let reason = format!("{:?}", exit.reason);
                self.tier2_note_deopt(method, bci, reason, held);
                Ok(Resume::Dispatcher)
            }
        }
    }

    /// Performs bytecode `bc` at `bci` of the top frame as tier 0 does (the frame is
    /// written back, its operands on the stack).
    pub(crate) fn tier2_slow_path(&mut self, bc: Bytecode, bci: u32) -> Result<Flow, Unwind> {
        use Bytecode::*;
        let pc = bci as usize + 1;
        self.stats.bytecodes += 1;
        self.stats.clock += 1;
        let op = |op: BinOp, site: SendSiteId| (op, site);
        let (op, site) = match bc {
            Send(site) => {
                self.save_pc(pc);
                return self.send_fast(site);
            }
            SuperSend(site) => {
                self.save_pc(pc);
                return self.send(site);
            }
            At(site) => {
                if let Some(v) = self.array_at(self.peek(1), self.peek(0)) {
                    self.drop_values(1);
                    self.poke(0, v);
                    self.save_pc(pc);
                    return Ok(Flow::Continue);
                }
                self.save_pc(pc);
                return self.send(site);
            }
            AtPut(site) => {
                let (array, index, value) = (self.peek(2), self.peek(1), self.peek(0));
                self.save_pc(pc);
                if self.array_at_put(array, index, value) {
                    self.drop_values(2);
                    return Ok(Flow::Continue);
                }
                return self.send(site);
            }
            Add(s) => op(BinOp::Add, s),
            Sub(s) => op(BinOp::Sub, s),
            Mul(s) => op(BinOp::Mul, s),
            Lt(s) => op(BinOp::Lt, s),
            Gt(s) => op(BinOp::Gt, s),
            Le(s) => op(BinOp::Le, s),
            Ge(s) => op(BinOp::Ge, s),
            Eq(s) => op(BinOp::Eq, s),
            Ne(s) => op(BinOp::Ne, s),
            Div(s) => op(BinOp::Div, s),
            Mod(s) => op(BinOp::Mod, s),
            BitAnd(s) => op(BinOp::BitAnd, s),
            Identical(s) => op(BinOp::Identical, s),
            _ => unreachable!("not a slow path tier 2 leaves through"),
        };
        self.save_pc(pc);
        self.binop_slow(op, site, pc)
    }
}
