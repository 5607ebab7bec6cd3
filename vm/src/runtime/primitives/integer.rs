//! Integer primitives. Receivers are small (tagged) or big integers; results that leave
//! the small range become big integers and shrink back (`numeric::Int` normalizes).
//! A Double argument coerces the operation to Double.

use super::{Entry, Prim, PrimResult};
use crate::object::heap::Body;
use crate::object::numeric::{self, Int, NumError};
use crate::runtime::vm::Vm;
use crate::value::Value;

pub(super) static PRIMITIVES: &[Entry] = &[
    ("Integer", "+", add),
    ("Integer", "-", sub),
    ("Integer", "*", mul),
    ("Integer", "/", div),
    ("Integer", "//", fdiv),
    ("Integer", "%", modulo),
    ("Integer", "rem:", rem),
    ("Integer", "&", and),
    ("Integer", "<<", shl),
    ("Integer", ">>>", shr),
    ("Integer", "bitXor:", xor),
    ("Integer", "sqrt", sqrt),
    ("Integer", "atRandom", at_random),
    ("Integer", "=", equals),
    ("Integer", "<", less),
    ("Integer", "asString", as_string),
    ("Integer", "as32BitSignedValue", as_32_signed),
    ("Integer", "as32BitUnsignedValue", as_32_unsigned),
    ("Integer", "asDouble", as_double),
    ("Integer class", "fromString:", from_string),
];

/// A numeric operand.
pub(super) enum Num {
    Int(Int),
    Double(f64),
}

pub(super) fn num(vm: &Vm, v: Value) -> Option<Num> {
    if v.is_int() {
        return Some(Num::Int(Int::Small(v.as_int())));
    }
    if v.is_double() {
        return Some(Num::Double(v.as_double()));
    }
    match &vm.heap.get(v).body {
        Body::BigInt(b) => Some(Num::Int(Int::from_bigint((**b).clone()))),
        Body::Double(d) => Some(Num::Double(*d)),
        _ => None,
    }
}

fn receiver(vm: &Vm, argc: usize) -> Int {
    match num(vm, vm.arg(argc, 0)) {
        Some(Num::Int(i)) => i,
        _ => Int::Small(0),
    }
}

/// The argument as a number, or the error naming the primitive.
pub(super) fn num_arg(vm: &Vm, argc: usize, what: &str) -> Result<Num, String> {
    let v = vm.arg(argc, 1);
    num(vm, v).ok_or_else(|| {
        format!(
            "{what} expected a number as argument, got {}",
            vm.a_class_name(v)
        )
    })
}

fn int_arg(vm: &Vm, argc: usize, what: &str) -> Result<Int, String> {
    match num_arg(vm, argc, what)? {
        Num::Int(i) => Ok(i),
        Num::Double(_) => Err(format!(
            "{what} expected an Integer as argument, got a Double"
        )),
    }
}

pub(super) fn answer_int(vm: &mut Vm, i: Int) -> PrimResult {
    Ok(Prim::Value(vm.new_int(i)))
}

pub(super) fn answer_double(vm: &mut Vm, d: f64) -> PrimResult {
    Ok(Prim::Value(vm.new_double(d)))
}

type IntOp = fn(&Int, &Int) -> Result<Int, numeric::NumError>;
type DoubleOp = fn(f64, f64) -> Result<f64, numeric::NumError>;

fn arith(vm: &mut Vm, argc: usize, what: &str, int_op: IntOp, double_op: DoubleOp) -> PrimResult {
    let a = receiver(vm, argc);
    match num_arg(vm, argc, what)? {
        Num::Int(b) => {
            let r = int_op(&a, &b).map_err(|e| e.to_string())?;
            answer_int(vm, r)
        }
        Num::Double(b) => {
            let a = a.to_finite_f64().map_err(|e| e.to_string())?;
            let r = double_op(a, b).map_err(|e| e.to_string())?;
            answer_double(vm, r)
        }
    }
}

fn add(vm: &mut Vm, argc: usize) -> PrimResult {
    arith(
        vm,
        argc,
        "Integer>>+",
        |a, b| Ok(a.add(b)),
        |a, b| Ok(a + b),
    )
}

fn sub(vm: &mut Vm, argc: usize) -> PrimResult {
    arith(
        vm,
        argc,
        "Integer>>-",
        |a, b| Ok(a.sub(b)),
        |a, b| Ok(a - b),
    )
}

fn mul(vm: &mut Vm, argc: usize) -> PrimResult {
    arith(
        vm,
        argc,
        "Integer>>*",
        |a, b| Ok(a.mul(b)),
        |a, b| Ok(a * b),
    )
}

/// `/` answers an Integer even for a Double argument (then the quotient is truncated
/// toward zero, as SOM's integration tests fix; integer operands round down).
fn div(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    let r = match num_arg(vm, argc, "Integer>>/")? {
        Num::Int(b) => a.div(&b),
        Num::Double(b) => {
            if b == 0.0 {
                Err(NumError::DivisionByZero)
            } else {
                a.to_finite_f64()
                    .and_then(|a| numeric::double_div(a, b))
                    .and_then(numeric::double_to_int)
            }
        }
    };
    answer_int(vm, r.map_err(|e| e.to_string())?)
}

fn fdiv(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    let b = match num_arg(vm, argc, "Integer>>//")? {
        // An Integer divided by zero is an error whatever the zero (as for `/`).
        Num::Int(Int::Small(0)) => return Err(NumError::DivisionByZero.to_string().into()),
        Num::Double(0.0) => return Err(NumError::DivisionByZero.to_string().into()),
        Num::Int(b) => b.to_finite_f64().map_err(|e| e.to_string())?,
        Num::Double(d) => d,
    };
    let a = a.to_finite_f64().map_err(|e| e.to_string())?;
    let r = numeric::double_div(a, b).map_err(|e| e.to_string())?;
    answer_double(vm, r)
}

fn modulo(vm: &mut Vm, argc: usize) -> PrimResult {
    arith(vm, argc, "Integer>>%", Int::modulo, numeric::double_mod)
}

fn rem(vm: &mut Vm, argc: usize) -> PrimResult {
    arith(vm, argc, "Integer>>rem:", Int::rem, numeric::double_rem)
}

fn bit_op(vm: &mut Vm, argc: usize, what: &str, op: IntOp) -> PrimResult {
    let a = receiver(vm, argc);
    let b = int_arg(vm, argc, what)?;
    let r = op(&a, &b).map_err(|e| e.to_string())?;
    answer_int(vm, r)
}

fn and(vm: &mut Vm, argc: usize) -> PrimResult {
    bit_op(vm, argc, "Integer>>&", |a, b| Ok(a.bit_and(b)))
}

fn xor(vm: &mut Vm, argc: usize) -> PrimResult {
    bit_op(vm, argc, "Integer>>bitXor:", |a, b| Ok(a.bit_xor(b)))
}

fn shl(vm: &mut Vm, argc: usize) -> PrimResult {
    bit_op(vm, argc, "Integer>><<", Int::shl)
}

fn shr(vm: &mut Vm, argc: usize) -> PrimResult {
    bit_op(vm, argc, "Integer>>>>>", Int::shr)
}

fn sqrt(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    match a.sqrt() {
        Ok(numeric::Number::Int(i)) => answer_int(vm, i),
        Ok(numeric::Number::Double(d)) => answer_double(vm, d),
        Err(e) => Err(e.to_string().into()),
    }
}

fn at_random(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    let bound = match a {
        Int::Small(n) if n > 0 => n as u64,
        _ => return Err("Integer>>atRandom needs a positive receiver that fits 64 bits".into()),
    };
    let r = vm.entropy.random_below(bound) as i64;
    answer_int(vm, Int::Small(r))
}

fn equals(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    let eq = match num(vm, vm.arg(argc, 1)) {
        Some(Num::Int(b)) => a == b,
        Some(Num::Double(d)) => a.to_f64() == d,
        None => false,
    };
    Ok(Prim::Value(Value::bool(eq)))
}

fn less(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    let lt = match num_arg(vm, argc, "Integer>><")? {
        Num::Int(b) => a < b,
        Num::Double(d) => a.to_f64() < d,
    };
    Ok(Prim::Value(Value::bool(lt)))
}

fn as_string(vm: &mut Vm, argc: usize) -> PrimResult {
    let v = vm.arg(argc, 0);
    if v.is_int() {
        let mut buf = [0u8; 24];
        let text = small_decimal(v.as_int(), &mut buf);
        return Ok(Prim::Value(vm.new_string(text)));
    }
    let s = receiver(vm, argc).to_string();
    Ok(Prim::Value(vm.new_string(&s)))
}

/// The decimal text of a small integer, written backwards into `buf` (no formatter).
fn small_decimal(i: i64, buf: &mut [u8; 24]) -> &str {
    let mut n = i.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    std::str::from_utf8(&buf[at..]).expect("ASCII digits")
}

fn as_32_signed(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    answer_int(vm, a.as_32bit_signed())
}

fn as_32_unsigned(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    answer_int(vm, a.as_32bit_unsigned())
}

fn as_double(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    answer_double(vm, a.to_f64())
}

fn from_string(vm: &mut Vm, argc: usize) -> PrimResult {
    let v = vm.arg(argc, 1);
    let Some(s) = super::string::text(vm, v) else {
        return Err(format!(
            "Integer class>>fromString: expected a String, got {}",
            vm.a_class_name(v)
        )
        .into());
    };
    match Int::parse(&s) {
        Ok(i) => answer_int(vm, i),
        Err(e) => Err(e.to_string().into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_decimals_match_the_formatter() {
        for i in [
            0,
            7,
            -7,
            10,
            99,
            -100,
            1234567,
            i64::from(i32::MIN),
            (1 << 62) - 1,
            -(1 << 62),
        ] {
            let mut buf = [0u8; 24];
            assert_eq!(super::small_decimal(i, &mut buf), i.to_string());
        }
    }
}
