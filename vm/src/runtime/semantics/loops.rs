//! Inlined counting loops (`to:do:` and friends: `ToDoPrepare`, `ToDoTest`, `ToDoStep`)
//! on their frame slots (`bytecode::LoopSlots`): the small-integer path inline and one
//! function for numbers of any kind, as Lua's `forprep`/`floatforloop` do. Tier 0 calls
//! these from its dispatch loop; tier 1's templates do the small-integer case in machine
//! code and call these through `rt_bytecode` for the rest.

use crate::bytecode::{Code, LoopKind, LoopSlots};
use crate::object::heap::Body;
use crate::object::numeric::Int;
use crate::runtime::error::Unwind;
use crate::runtime::vm::Vm;
use crate::tier0::Flow;
use crate::value::Value;

impl Vm {
    /// `ToDoPrepare`: pops `[start limit step?]` into the loop's slots of the frame at
    /// `bp` when all are numbers; otherwise the fallback sends the real message
    /// (`Flow::Switch`). `pc` is the next bytecode's index.
    pub(crate) fn counting_loop_prepare(
        &mut self,
        code: &Code,
        bp: usize,
        slots: LoopSlots,
        fallback: u16,
        kind: LoopKind,
        pc: usize,
    ) -> Result<Flow, Unwind> {
        let n = self.stack.len();
        let extra = kind.has_step() as usize;
        let start = self.slot(n - 2 - extra);
        let limit = self.slot(n - 1 - extra);
        let step = if extra == 1 {
            self.slot(n - 1)
        } else {
            Value::int(1).expect("small")
        };
        if !(self.is_number(start) && self.is_number(limit) && self.is_number(step)) {
            self.save_pc(pc);
            self.take_fallback(code, fallback, 1 + extra)?;
            return Ok(Flow::Switch);
        }
        let at = |which| bp + slots.slot(which) as usize;
        self.set_slot(at(LoopSlots::COUNTER), start);
        self.set_slot(at(LoopSlots::LIMIT), limit);
        self.set_slot(at(LoopSlots::START), start);
        self.set_slot(at(LoopSlots::STEP), step);
        self.drop_values(2 + extra);
        Ok(Flow::Continue)
    }

    /// `ToDoTest`: whether the loop is done; if not, the counter is copied into the
    /// loop variable. `pc` is the next bytecode's index (for errors).
    #[inline(always)]
    pub(crate) fn counting_loop_test(
        &mut self,
        bp: usize,
        slots: LoopSlots,
        down: bool,
        pc: usize,
    ) -> Result<bool, Unwind> {
        let c = bp + slots.counter as usize;
        let (i, limit) = (self.slot(c), self.slot(c + LoopSlots::LIMIT as usize));
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
        if !done {
            self.set_slot(c + LoopSlots::VARIABLE as usize, i);
        }
        Ok(done)
    }

    /// `ToDoStep`'s counter update (`counter := counter + step`, or `-` counting down),
    /// answering the new counter and whether the small-integer path computed it. The
    /// back-edge is the caller's. `pc` is the next bytecode's index (for errors).
    #[inline(always)]
    pub(crate) fn counting_loop_step(
        &mut self,
        bp: usize,
        slots: LoopSlots,
        down: bool,
        pc: usize,
    ) -> Result<(Value, bool), Unwind> {
        let c = bp + slots.counter as usize;
        let (i, step) = (self.slot(c), self.slot(c + LoopSlots::STEP as usize));
        let small = if i.is_int() && step.is_int() {
            if down {
                Value::int(i.as_int() - step.as_int())
            } else {
                Value::int(i.as_int() + step.as_int())
            }
        } else {
            None
        };
        let next = match small {
            Some(v) => v,
            None => {
                self.save_pc(pc);
                self.loop_step(i, step, down)?
            }
        };
        self.set_slot(c, next);
        Ok((next, small.is_some()))
    }

    pub(crate) fn is_number(&self, v: Value) -> bool {
        v.is_int()
            || v.is_double()
            || matches!(self.heap.get(v).body, Body::Double(_) | Body::BigInt(_))
    }

    /// A number as `Int` or `f64` (for inlined loops over non-small numbers).
    fn number(&self, v: Value) -> Option<Result<Int, f64>> {
        if v.is_int() {
            return Some(Ok(Int::Small(v.as_int())));
        }
        if v.is_double() {
            return Some(Err(v.as_double()));
        }
        match &self.heap.get(v).body {
            Body::BigInt(b) => Some(Ok(Int::from_bigint((**b).clone()))),
            Body::Double(d) => Some(Err(*d)),
            _ => None,
        }
    }

    /// Whether an inlined counting loop is done: the library's `[i <= limit]` (or
    /// `[i >= limit]` counting down) is false, for numbers of any kind.
    fn loop_done(&self, i: Value, limit: Value, down: bool) -> Result<bool, Unwind> {
        match (self.number(i), self.number(limit)) {
            (Some(Ok(a)), Some(Ok(b))) => {
                let (a, b) = (a.to_bigint(), b.to_bigint());
                Ok(if down { a < b } else { a > b })
            }
            (Some(a), Some(b)) => {
                let fa = a.map_or_else(|d| d, |i| i.to_f64());
                let fb = b.map_or_else(|d| d, |i| i.to_f64());
                // `(i < limit) or: [i = limit]` and `(i < limit) not`, as in the library.
                Ok(if down {
                    fa < fb
                } else {
                    !super::arith::lib_le(fa, fb)
                })
            }
            _ => Err(self.error("a counting loop needs numbers".into())),
        }
    }

    /// `i + step` (or `i - step` counting down) for numbers of any kind.
    fn loop_step(&mut self, i: Value, step: Value, down: bool) -> Result<Value, Unwind> {
        match (self.number(i), self.number(step)) {
            (Some(Ok(a)), Some(Ok(b))) => {
                let (a, b) = (a.to_bigint(), b.to_bigint());
                let next = if down { a - b } else { a + b };
                Ok(self.new_int(Int::from_bigint(next)))
            }
            (Some(a), Some(b)) => {
                let fa = a.map_or_else(|d| d, |i| i.to_f64());
                let fb = b.map_or_else(|d| d, |i| i.to_f64());
                Ok(self.new_double(if down { fa - fb } else { fa + fb }))
            }
            _ => Err(self.error("a counting loop needs numbers".into())),
        }
    }
}
