//! Variable access that is not a plain frame slot: context slots (captured variables),
//! the creator-frame variables of fallback blocks, and fields of `self`.

use crate::bytecode::{Trivial, VarAccess};
use crate::object::heap::Body;
use crate::runtime::error::Unwind;
use crate::runtime::vm::Vm;
use crate::value::Value;

impl Vm {
    #[inline(always)]
    fn context_at(&self, mut ctx: Value, hops: u8) -> Value {
        for _ in 0..hops {
            ctx = match &self.heap.get(ctx).body {
                Body::Context(slots) => slots[0],
                _ => unreachable!("context chain broken"),
            };
        }
        ctx
    }

    #[inline(always)]
    pub(crate) fn context_get(&self, ctx: Value, hops: u8, slot: u16) -> Value {
        let ctx = self.context_at(ctx, hops);
        match &self.heap.get(ctx).body {
            Body::Context(slots) => slots[slot as usize],
            _ => unreachable!("not a context"),
        }
    }

    #[inline(always)]
    pub(crate) fn context_set(&mut self, ctx: Value, hops: u8, slot: u16, v: Value) {
        let ctx = self.context_at(ctx, hops);
        match &mut self.heap.get_mut(ctx).body {
            Body::Context(slots) => slots[slot as usize] = v,
            _ => unreachable!("not a context"),
        }
    }

    /// The live creator frame of fallback-block frame `frame`.
    fn creator_of(&self, frame: usize) -> Result<usize, Unwind> {
        let creator = self.frame_block(frame).and_then(|b| b.creator);
        match creator {
            Some((c, id))
                if (c as usize) < self.frames.len() && self.frames[c as usize].id == id =>
            {
                Ok(c as usize)
            }
            _ => Err(self.error(
                "a block made for an inlined message was used after its method returned".into(),
            )),
        }
    }

    fn creator_access(&self, frame: usize, k: u16) -> Result<(usize, VarAccess), Unwind> {
        let code = self.code_of(self.frames[frame].method);
        let access = code.creator_vars[k as usize];
        Ok((self.creator_of(frame)?, access))
    }

    pub(crate) fn creator_get(&self, frame: usize, k: u16) -> Result<Value, Unwind> {
        let (c, access) = self.creator_access(frame, k)?;
        let f = &self.frames[c];
        Ok(match access {
            VarAccess::Local(s) => self.stack[f.bp as usize + s as usize],
            VarAccess::Captured(s) => self.context_get(f.context, 0, s),
            VarAccess::Outer(h, s) => self.context_get(f.outer, h, s),
            VarAccess::Creator(k2) => return self.creator_get(c, k2),
        })
    }

    pub(crate) fn creator_set(&mut self, frame: usize, k: u16, v: Value) -> Result<(), Unwind> {
        let (c, access) = self.creator_access(frame, k)?;
        let f = self.frames[c].clone();
        match access {
            VarAccess::Local(s) => self.stack[f.bp as usize + s as usize] = v,
            VarAccess::Captured(s) => self.context_set(f.context, 0, s, v),
            VarAccess::Outer(h, s) => self.context_set(f.outer, h, s, v),
            VarAccess::Creator(k2) => return self.creator_set(c, k2, v),
        }
        Ok(())
    }

    /// Field `i` of `recv` (an instance or a class); `None` where there is none.
    #[inline(always)]
    pub(crate) fn field_slot(&mut self, recv: Value, i: u16) -> Option<&mut Value> {
        if !recv.is_ref() {
            return None;
        }
        match &mut self.heap.get_mut(recv).body {
            Body::Instance(f) => f.get_mut(i as usize),
            Body::Class(c) => c.fields.get_mut(i as usize),
            _ => None,
        }
    }

    #[inline(always)]
    pub(crate) fn field_get(&mut self, recv: Value, i: u16) -> Result<Value, Unwind> {
        match self.field_slot(recv, i) {
            Some(slot) => Ok(*slot),
            None => Err(self.field_error(recv, i)),
        }
    }

    #[inline(always)]
    pub(crate) fn field_set(&mut self, recv: Value, i: u16, v: Value) -> Result<(), Unwind> {
        match self.field_slot(recv, i) {
            Some(slot) => {
                *slot = v;
                Ok(())
            }
            None => Err(self.field_error(recv, i)),
        }
    }

    /// What trivial method `t` answers for `recv` (and a setter's argument `arg`),
    /// storing a setter's field; `None` when its field is missing (the full send then
    /// reports the error). Callers count the invocation.
    #[inline(always)]
    pub(crate) fn trivial_answer(&mut self, t: Trivial, recv: Value, arg: Value) -> Option<Value> {
        Some(match t {
            Trivial::Constant(v) => v,
            Trivial::ReturnSelf => recv,
            Trivial::Getter(i) => *self.field_slot(recv, i)?,
            Trivial::Setter(i) => {
                *self.field_slot(recv, i)? = arg;
                recv
            }
        })
    }

    #[cold]
    #[inline(never)]
    fn field_error(&self, recv: Value, i: u16) -> Unwind {
        let class = self.class_of(recv);
        self.error(format!(
            "{} has no field {} (its layout holds no named fields)",
            self.class_name(class),
            i + 1
        ))
    }

    /// The error of trivial method `t` whose field `trivial_answer` did not find.
    #[cold]
    pub(crate) fn field_error_of(&self, t: Trivial, recv: Value) -> Unwind {
        match t {
            Trivial::Getter(i) | Trivial::Setter(i) => self.field_error(recv, i),
            Trivial::Constant(_) | Trivial::ReturnSelf => unreachable!("never fails"),
        }
    }
}
