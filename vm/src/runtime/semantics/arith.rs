//! Arithmetic and comparison bytecodes (`Add` .. `Identical`): the small-integer result
//! (with overflow), the Double result as the core library defines it, and the slow path
//! that ends in a real send. Tier 0 inlines `int_binop` and `immediate_float_binop` and
//! calls `Vm::binop_slow` for the rest; tier 1's runtime helpers call the same two; `leaf_float` uses
//! `float_binop`. No other copy of these semantics exists in the VM.

use crate::bytecode::Bytecode;
use crate::ids::SendSiteId;
use crate::runtime::error::Unwind;
use crate::runtime::vm::Vm;
use crate::tier0::Flow;
use crate::value::Value;

/// The binary operators with a bytecode of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    Div,
    Mod,
    BitAnd,
    Identical,
}

impl BinOp {
    /// The operators with a Double fast path, in their number order (`BinOp as u8`,
    /// which tier 1 passes to `leaf_float`).
    pub(crate) const FLOAT: [BinOp; 9] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Lt,
        BinOp::Gt,
        BinOp::Le,
        BinOp::Ge,
        BinOp::Eq,
        BinOp::Ne,
    ];

    /// The operator of an operator bytecode and its send site.
    pub(crate) fn of(bc: Bytecode) -> Option<(BinOp, SendSiteId)> {
        use Bytecode as B;
        Some(match bc {
            B::Add(s) => (BinOp::Add, s),
            B::Sub(s) => (BinOp::Sub, s),
            B::Mul(s) => (BinOp::Mul, s),
            B::Lt(s) => (BinOp::Lt, s),
            B::Gt(s) => (BinOp::Gt, s),
            B::Le(s) => (BinOp::Le, s),
            B::Ge(s) => (BinOp::Ge, s),
            B::Eq(s) => (BinOp::Eq, s),
            B::Ne(s) => (BinOp::Ne, s),
            B::Div(s) => (BinOp::Div, s),
            B::Mod(s) => (BinOp::Mod, s),
            B::BitAnd(s) => (BinOp::BitAnd, s),
            B::Identical(s) => (BinOp::Identical, s),
            _ => return None,
        })
    }

    /// Whether the operator has a Double fast path.
    pub(crate) fn has_float_path(self) -> bool {
        (self as u8) <= BinOp::Ne as u8
    }
}

/// `a / b` rounding down (toward negative infinity); `None` for a zero divisor.
#[inline(always)]
pub(crate) fn floor_div(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    Some(a.div_euclid(b) - i64::from(b < 0 && a.rem_euclid(b) != 0))
}

/// `a \\ b` with the sign of the divisor; `None` for a zero divisor.
#[inline(always)]
pub(crate) fn floor_mod(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    let r = a % b;
    Some(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

/// The small-integer result of `a op b` when it is a small integer or a boolean;
/// `None` when it overflows the small range or divides by zero (the real send then
/// answers a big integer or the error).
#[inline(always)]
pub(crate) fn int_binop(op: BinOp, a: i64, b: i64) -> Option<Value> {
    match op {
        BinOp::Add => Value::int(a + b),
        BinOp::Sub => Value::int(a - b),
        BinOp::Mul => a.checked_mul(b).and_then(Value::int),
        BinOp::Lt => Some(Value::bool(a < b)),
        BinOp::Gt => Some(Value::bool(a > b)),
        BinOp::Le => Some(Value::bool(a <= b)),
        BinOp::Ge => Some(Value::bool(a >= b)),
        BinOp::Eq | BinOp::Identical => Some(Value::bool(a == b)),
        BinOp::Ne => Some(Value::bool(a != b)),
        BinOp::Div => floor_div(a, b).and_then(Value::int),
        BinOp::Mod => floor_mod(a, b).and_then(Value::int),
        BinOp::BitAnd => Value::int(a & b),
    }
}

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

/// The answer of a Double operator: a number or a boolean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum FloatAnswer {
    Number(f64),
    Bool(bool),
}

/// `a op b` on doubles with the results the core library's definitions give (`>=` is
/// `(a < b) not`, `>` is `(a >= b) and: [a <> b]`, `<=` is `(a < b) or: [a = b]`);
/// `None` for an operator without a Double path.
#[inline]
pub(crate) fn float_binop(op: BinOp, a: f64, b: f64) -> Option<FloatAnswer> {
    use FloatAnswer::{Bool, Number};
    Some(match op {
        BinOp::Add => Number(a + b),
        BinOp::Sub => Number(a - b),
        BinOp::Mul => Number(a * b),
        BinOp::Lt => Bool(a < b),
        BinOp::Ge => Bool(lib_ge(a, b)),
        BinOp::Gt => Bool(lib_ge(a, b) && a != b),
        BinOp::Le => Bool(lib_le(a, b)),
        BinOp::Eq => Bool(a == b),
        BinOp::Ne => Bool(a != b),
        _ => return None,
    })
}

/// `a op b` when both operands are immediate (a small integer or an immediate Double,
/// at least one a Double) and the answer is a boolean or an immediate Double:
/// `float_binop`'s answer without touching the heap, for the interpreter's inline path.
/// `None` sends the operands on to `Vm::binop_slow` (boxed Doubles, a boxed answer,
/// other operands), which gives the same answers through `double_binop`.
#[inline(always)]
pub(crate) fn immediate_float_binop(op: BinOp, a: Value, b: Value) -> Option<Value> {
    if !op.has_float_path() || !(a.is_double() || b.is_double()) {
        return None;
    }
    let immediate_f64 = |v: Value| {
        if v.is_double() {
            Some(v.as_double())
        } else if v.is_int() {
            Some(v.as_int() as f64)
        } else {
            None
        }
    };
    match float_binop(op, immediate_f64(a)?, immediate_f64(b)?)? {
        FloatAnswer::Number(d) => Value::double(d),
        FloatAnswer::Bool(b) => Some(Value::bool(b)),
    }
}

impl Vm {
    /// `a op b` when one operand is a Double and the other a Double or small integer
    /// (`float_binop`'s answer, boxed when it is not immediate); `None` otherwise.
    #[inline]
    pub(crate) fn double_binop(&mut self, op: BinOp, a: Value, b: Value) -> Option<Value> {
        let fa = self.as_f64(a)?;
        let fb = self.as_f64(b)?;
        Some(match float_binop(op, fa, fb)? {
            FloatAnswer::Number(d) => self.new_double(d),
            FloatAnswer::Bool(b) => Value::bool(b),
        })
    }

    /// A Double or small integer as a float (for the Double paths: an integer only
    /// counts when the other operand is a Double, which `double_binop`'s callers
    /// guarantee by trying the integer path first).
    #[inline(always)]
    fn as_f64(&self, v: Value) -> Option<f64> {
        if v.is_double() {
            Some(v.as_double())
        } else if v.is_int() {
            Some(v.as_int() as f64)
        } else {
            self.heap.as_double(v)
        }
    }

    /// The slow path of an operator bytecode whose operands `[a b]` are on the stack
    /// (the bytecode at `pc - 1`): the small-integer result, the Double result, or the
    /// real send through `site`.
    pub(crate) fn binop_slow(
        &mut self,
        op: BinOp,
        site: SendSiteId,
        pc: usize,
    ) -> Result<Flow, Unwind> {
        let (a, b) = (self.peek(1), self.peek(0));
        let fast = if a.is_int() && b.is_int() {
            int_binop(op, a.as_int(), b.as_int())
        } else if op.has_float_path() {
            self.double_binop(op, a, b)
        } else {
            None
        };
        if let Some(v) = fast {
            self.drop_values(1);
            self.poke(0, v);
            return Ok(Flow::Continue);
        }
        self.save_pc(pc);
        self.send_fast(site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_rounds_down_and_modulo_takes_the_divisor_sign() {
        assert_eq!(floor_div(7, 2), Some(3));
        assert_eq!(floor_div(-7, 2), Some(-4));
        assert_eq!(floor_div(7, -2), Some(-4));
        assert_eq!(floor_div(-7, -2), Some(3));
        assert_eq!(floor_mod(-7, 2), Some(1));
        assert_eq!(floor_mod(7, -2), Some(-1));
        assert_eq!(floor_div(1, 0), None);
        assert_eq!(floor_mod(1, 0), None);
    }

    #[test]
    fn double_comparisons_follow_the_core_library_for_nan() {
        let nan = f64::NAN;
        assert_eq!(
            float_binop(BinOp::Ge, nan, 1.0),
            Some(FloatAnswer::Bool(true))
        );
        assert_eq!(
            float_binop(BinOp::Gt, nan, 1.0),
            Some(FloatAnswer::Bool(true))
        );
        assert_eq!(
            float_binop(BinOp::Le, nan, 1.0),
            Some(FloatAnswer::Bool(false))
        );
        assert_eq!(float_binop(BinOp::Div, 1.0, 1.0), None);
    }

    #[test]
    fn the_float_table_is_in_number_order() {
        for (i, op) in BinOp::FLOAT.iter().enumerate() {
            assert_eq!(*op as usize, i);
            assert!(op.has_float_path());
        }
        assert!(!BinOp::Div.has_float_path());
    }
}
