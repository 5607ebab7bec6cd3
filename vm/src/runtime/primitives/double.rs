//! Double primitives. Integer arguments coerce to Double; printing uses SOM's format
//! (`numeric::format_double`).

use super::integer::{answer_double, answer_int, num, num_arg, Num};
use super::{Entry, Prim, PrimResult};
use crate::object::numeric;
use crate::runtime::vm::Vm;
use crate::value::Value;

pub(super) static PRIMITIVES: &[Entry] = &[
    ("Double", "+", add),
    ("Double", "-", sub),
    ("Double", "*", mul),
    ("Double", "//", div),
    ("Double", "%", modulo),
    ("Double", "sqrt", sqrt),
    ("Double", "round", round),
    ("Double", "asInteger", as_integer),
    ("Double", "cos", cos),
    ("Double", "sin", sin),
    ("Double", "=", equals),
    ("Double", "<", less),
    ("Double", "asString", as_string),
    ("Double class", "PositiveInfinity", positive_infinity),
    ("Double class", "fromString:", from_string),
];

fn receiver(vm: &Vm, argc: usize) -> f64 {
    vm.heap.as_double(vm.arg(argc, 0)).unwrap_or(f64::NAN)
}

fn double_arg(vm: &Vm, argc: usize, what: &str) -> Result<f64, String> {
    Ok(match num_arg(vm, argc, what)? {
        Num::Int(i) => i.to_finite_f64().map_err(|e| e.to_string())?,
        Num::Double(d) => d,
    })
}

type Op = fn(f64, f64) -> Result<f64, numeric::NumError>;

fn arith(vm: &mut Vm, argc: usize, what: &str, op: Op) -> PrimResult {
    let a = receiver(vm, argc);
    let b = double_arg(vm, argc, what)?;
    let r = op(a, b).map_err(|e| e.to_string())?;
    answer_double(vm, r)
}

fn add(vm: &mut Vm, argc: usize) -> PrimResult {
    arith(vm, argc, "Double>>+", |a, b| Ok(a + b))
}

fn sub(vm: &mut Vm, argc: usize) -> PrimResult {
    arith(vm, argc, "Double>>-", |a, b| Ok(a - b))
}

fn mul(vm: &mut Vm, argc: usize) -> PrimResult {
    arith(vm, argc, "Double>>*", |a, b| Ok(a * b))
}

/// `//`: by a Double zero an infinity or NaN (IEEE 754; AWFY's CD divides by 0.0), by
/// the Integer zero a division-by-zero error, as an Integer receiver's division is.
fn div(vm: &mut Vm, argc: usize) -> PrimResult {
    if vm.arg(argc, 1) == Value::int(0).expect("small") {
        return Err(numeric::NumError::DivisionByZero.to_string().into());
    }
    arith(vm, argc, "Double>>//", numeric::double_div)
}

fn modulo(vm: &mut Vm, argc: usize) -> PrimResult {
    arith(vm, argc, "Double>>%", numeric::double_mod)
}

fn unary(vm: &mut Vm, argc: usize, op: fn(f64) -> f64) -> PrimResult {
    let a = receiver(vm, argc);
    answer_double(vm, op(a))
}

fn sqrt(vm: &mut Vm, argc: usize) -> PrimResult {
    unary(vm, argc, f64::sqrt)
}

fn cos(vm: &mut Vm, argc: usize) -> PrimResult {
    unary(vm, argc, f64::cos)
}

fn sin(vm: &mut Vm, argc: usize) -> PrimResult {
    unary(vm, argc, f64::sin)
}

fn round(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    let i = numeric::double_round(a).map_err(|e| e.to_string())?;
    answer_int(vm, i)
}

fn as_integer(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    let i = numeric::double_to_int(a).map_err(|e| e.to_string())?;
    answer_int(vm, i)
}

fn equals(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    let eq = match num(vm, vm.arg(argc, 1)) {
        Some(Num::Int(i)) => a == i.to_f64(),
        Some(Num::Double(d)) => a == d,
        None => false,
    };
    Ok(Prim::Value(Value::bool(eq)))
}

fn less(vm: &mut Vm, argc: usize) -> PrimResult {
    let a = receiver(vm, argc);
    let b = double_arg(vm, argc, "Double>><")?;
    Ok(Prim::Value(Value::bool(a < b)))
}

fn as_string(vm: &mut Vm, argc: usize) -> PrimResult {
    let s = numeric::format_double(receiver(vm, argc));
    Ok(Prim::Value(vm.new_string(&s)))
}

fn positive_infinity(vm: &mut Vm, _argc: usize) -> PrimResult {
    answer_double(vm, f64::INFINITY)
}

fn from_string(vm: &mut Vm, argc: usize) -> PrimResult {
    let v = vm.arg(argc, 1);
    let Some(s) = super::string::text(vm, v) else {
        return Err(format!(
            "Double class>>fromString: expected a String, got {}",
            vm.a_class_name(v)
        )
        .into());
    };
    match numeric::parse_double(&s) {
        Ok(d) => answer_double(vm, d),
        Err(e) => Err(e.to_string().into()),
    }
}
