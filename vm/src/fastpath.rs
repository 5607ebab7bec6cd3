//! The inline fast paths of the interpreter: Double arithmetic and comparisons with
//! the results the core library's definitions give, `at:`/`at:put:` on core Arrays,
//! and the check behind the inlined `ifNil:` family. Each answers `None`/`false` when
//! the real send must run instead.

use crate::bytecode::NilTestMode;
use crate::heap::Body;
use crate::value::Value;
use crate::vm::Vm;

/// `a >= b` as the core library defines it: `(a < b) not` (true for NaN operands).
pub(crate) fn lib_ge(a: f64, b: f64) -> bool {
    !matches!(a.partial_cmp(&b), Some(std::cmp::Ordering::Less))
}

/// `a <= b` as the core library defines it: `(a < b) or: [a = b]`.
pub(crate) fn lib_le(a: f64, b: f64) -> bool {
    matches!(
        a.partial_cmp(&b),
        Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
    )
}

/// The operations with a Double fast path in the interpreter.
#[derive(Clone, Copy)]
pub(crate) enum FloatOp {
    Add,
    Sub,
    Mul,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
}

impl Vm {
    /// `a op b` when one operand is a Double and the other a Double or small integer,
    /// with the results the core library's definitions give (`>=` is `(a < b) not`,
    /// `>` is `(a >= b) and: [a <> b]`, `<=` is `(a < b) or: [a = b]`).
    #[inline]
    pub(crate) fn double_binop(&mut self, op: FloatOp, a: Value, b: Value) -> Option<Value> {
        let fa = if a.is_double() {
            a.as_double()
        } else if a.is_int() {
            a.as_int() as f64
        } else {
            self.heap.as_double(a)?
        };
        let fb = if b.is_double() {
            b.as_double()
        } else if b.is_int() {
            b.as_int() as f64
        } else {
            self.heap.as_double(b)?
        };
        Some(match op {
            FloatOp::Add => self.new_double(fa + fb),
            FloatOp::Sub => self.new_double(fa - fb),
            FloatOp::Mul => self.new_double(fa * fb),
            FloatOp::Lt => Value::bool(fa < fb),
            FloatOp::Ge => Value::bool(lib_ge(fa, fb)),
            FloatOp::Gt => Value::bool(lib_ge(fa, fb) && fa != fb),
            FloatOp::Le => Value::bool(lib_le(fa, fb)),
            FloatOp::Eq => Value::bool(fa == fb),
            FloatOp::Ne => Value::bool(fa != fb),
        })
    }

    /// `array at: index` inline, when the receiver is a core Array whose `at:` is the
    /// primitive and the index is in range (anything else takes the real send).
    #[inline(always)]
    pub(crate) fn array_at(&self, array: Value, index: Value) -> Option<Value> {
        if !self.array_primitives || !array.is_ref() || !index.is_int() {
            return None;
        }
        let obj = self.heap.get(array);
        match &obj.body {
            Body::Array(items) if obj.class == self.core.array => {
                let i = index.as_int().wrapping_sub(1);
                items.get(usize::try_from(i).ok()?).copied()
            }
            _ => None,
        }
    }

    /// `array at: index put: value` inline; answers whether it was done.
    #[inline(always)]
    pub(crate) fn array_at_put(&mut self, array: Value, index: Value, value: Value) -> bool {
        if !self.array_primitives || !array.is_ref() || !index.is_int() {
            return false;
        }
        let array_class = self.core.array;
        let obj = self.heap.get_mut(array);
        if obj.class != array_class {
            return false;
        }
        match &mut obj.body {
            Body::Array(items) => {
                let Ok(i) = usize::try_from(index.as_int().wrapping_sub(1)) else {
                    return false;
                };
                match items.get_mut(i) {
                    Some(slot) => {
                        *slot = value;
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// Whether `v` answers the `ifNil:`-family message of `mode` with the standard
    /// method (Nil's for nil, Object's for anything else), so inlining it is exact.
    pub(crate) fn nil_test_is_standard(&mut self, v: Value, mode: NilTestMode) -> bool {
        let class = self.class_of(v);
        let entry = &mut self.nil_test_cache[mode as usize][v.is_nil() as usize];
        if entry.0 == class {
            return entry.1;
        }
        let selector = self.nil_test_selectors[mode as usize];
        let holder = if v.is_nil() {
            self.core.nil
        } else {
            self.core.object
        };
        let standard = self
            .lookup(class, selector)
            .is_some_and(|m| self.methods[m as usize].holder == holder);
        self.nil_test_cache[mode as usize][v.is_nil() as usize] = (class, standard);
        standard
    }
}
