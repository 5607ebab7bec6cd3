//! SOM number semantics, free of any VM state: integers of any size (`Int`, normalized so
//! a value that fits 64 bits is never big), mixed Integer/Double arithmetic, division and
//! modulo flavours, shifts, square roots, conversions, and the exact printing and parsing
//! of doubles. Errors are `NumError`s the primitives turn into SOM errors.

use num_bigint::BigInt;
use num_integer::{Integer as _, Roots};
use num_traits::{Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// An integer of any size. `Big` only holds values outside `i64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Int {
    Small(i64),
    Big(BigInt),
}

/// A numeric failure, reported as a SOM error by the primitive that met it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NumError {
    DivisionByZero,
    NegativeShift,
    ShiftTooLarge,
    DomainError,
    NotRepresentable,
    /// A NaN or infinite Double has no integer value (`round`, `asInteger`).
    NotFinite(&'static str),
    NotAnInteger(String),
    NotADouble(String),
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumError::DivisionByZero => write!(f, "division by zero"),
            NumError::NegativeShift => write!(f, "negative shift"),
            NumError::ShiftTooLarge => write!(f, "shift too large"),
            NumError::DomainError => write!(f, "domain error (square root of a negative number)"),
            NumError::NotRepresentable => write!(f, "can't represent the integer as a double"),
            NumError::NotFinite(d) => write!(f, "{d} has no integer value"),
            NumError::NotAnInteger(s) => write!(f, "'{s}' cannot be converted to an Integer"),
            NumError::NotADouble(s) => write!(f, "'{s}' cannot be converted to a Double"),
        }
    }
}

/// How SOM prints a non-finite double.
fn double_name(d: f64) -> &'static str {
    match d {
        _ if d.is_nan() => "NaN",
        _ if d > 0.0 => "Infinity",
        _ => "-Infinity",
    }
}

/// An Integer or a Double result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Number {
    Int(Int),
    Double(f64),
}

/// Shifts beyond this many bits would build absurdly large integers.
const MAX_SHIFT: i64 = 1 << 24;

impl Int {
    pub(crate) fn from_bigint(b: BigInt) -> Int {
        match b.to_i64() {
            Some(i) => Int::Small(i),
            None => Int::Big(b),
        }
    }

    pub(crate) fn to_bigint(&self) -> BigInt {
        match self {
            Int::Small(i) => BigInt::from(*i),
            Int::Big(b) => b.clone(),
        }
    }

    /// The nearest double (infinite when out of range).
    pub(crate) fn to_f64(&self) -> f64 {
        match self {
            Int::Small(i) => *i as f64,
            Int::Big(b) => b.to_f64().unwrap_or(if b.is_negative() {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
        }
    }

    /// The double for mixed arithmetic; integers beyond the double range are an error.
    pub(crate) fn to_finite_f64(&self) -> Result<f64, NumError> {
        let d = self.to_f64();
        if d.is_finite() {
            Ok(d)
        } else {
            Err(NumError::NotRepresentable)
        }
    }

    fn is_zero(&self) -> bool {
        matches!(self, Int::Small(0))
    }

    fn big_op(&self, other: &Int, op: fn(BigInt, BigInt) -> BigInt) -> Int {
        Int::from_bigint(op(self.to_bigint(), other.to_bigint()))
    }

    pub(crate) fn add(&self, other: &Int) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let Some(r) = a.checked_add(*b) {
                return Int::Small(r);
            }
        }
        self.big_op(other, |a, b| a + b)
    }

    pub(crate) fn sub(&self, other: &Int) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let Some(r) = a.checked_sub(*b) {
                return Int::Small(r);
            }
        }
        self.big_op(other, |a, b| a - b)
    }

    pub(crate) fn mul(&self, other: &Int) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let Some(r) = a.checked_mul(*b) {
                return Int::Small(r);
            }
        }
        self.big_op(other, |a, b| a * b)
    }

    /// `/`: integer division rounding toward negative infinity.
    pub(crate) fn div(&self, other: &Int) -> Result<Int, NumError> {
        if other.is_zero() {
            return Err(NumError::DivisionByZero);
        }
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let Some(q) = a.checked_div(*b) {
                let r = a - q * b;
                return Ok(Int::Small(if r != 0 && ((r < 0) != (*b < 0)) {
                    q - 1
                } else {
                    q
                }));
            }
        }
        Ok(self.big_op(other, |a, b| a.div_floor(&b)))
    }

    /// `%`: modulo with the sign of the divisor.
    pub(crate) fn modulo(&self, other: &Int) -> Result<Int, NumError> {
        if other.is_zero() {
            return Err(NumError::DivisionByZero);
        }
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let Some(r) = a.checked_rem(*b) {
                return Ok(Int::Small(if r != 0 && ((r < 0) != (*b < 0)) {
                    r + b
                } else {
                    r
                }));
            }
        }
        Ok(self.big_op(other, |a, b| a.mod_floor(&b)))
    }

    /// `rem:`: remainder with the sign of the dividend.
    pub(crate) fn rem(&self, other: &Int) -> Result<Int, NumError> {
        if other.is_zero() {
            return Err(NumError::DivisionByZero);
        }
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let Some(r) = a.checked_rem(*b) {
                return Ok(Int::Small(r));
            }
        }
        Ok(self.big_op(other, |a, b| a % b))
    }

    pub(crate) fn bit_and(&self, other: &Int) -> Int {
        match (self, other) {
            (Int::Small(a), Int::Small(b)) => Int::Small(a & b),
            _ => self.big_op(other, |a, b| a & b),
        }
    }

    pub(crate) fn bit_xor(&self, other: &Int) -> Int {
        match (self, other) {
            (Int::Small(a), Int::Small(b)) => Int::Small(a ^ b),
            _ => self.big_op(other, |a, b| a ^ b),
        }
    }

    fn shift_amount(other: &Int) -> Result<i64, NumError> {
        match other {
            Int::Small(n) if *n < 0 => Err(NumError::NegativeShift),
            Int::Small(n) if *n > MAX_SHIFT => Err(NumError::ShiftTooLarge),
            Int::Small(n) => Ok(*n),
            Int::Big(b) if b.is_negative() => Err(NumError::NegativeShift),
            Int::Big(_) => Err(NumError::ShiftTooLarge),
        }
    }

    /// `<<`: arithmetic left shift, growing into a big integer when needed.
    pub(crate) fn shl(&self, other: &Int) -> Result<Int, NumError> {
        let n = Self::shift_amount(other)?;
        if let Int::Small(a) = self {
            if n < 63 && a.unsigned_abs() < (1u64 << (63 - n)) {
                return Ok(Int::Small(a << n));
            }
            if *a == 0 {
                return Ok(Int::Small(0));
            }
        }
        Ok(Int::from_bigint(self.to_bigint() << n as usize))
    }

    /// `>>>`: logical right shift; a negative 64-bit integer shifts as its unsigned bit
    /// pattern, a big integer shifts arithmetically.
    pub(crate) fn shr(&self, other: &Int) -> Result<Int, NumError> {
        let n = Self::shift_amount(other)?;
        match self {
            Int::Small(_) if n >= 64 => Ok(Int::Small(0)),
            Int::Small(a) => Ok(Int::Small(((*a as u64) >> n) as i64)),
            Int::Big(b) => Ok(Int::from_bigint(b >> n as usize)),
        }
    }

    /// `sqrt`: an Integer when the double square root is integral, else a Double.
    pub(crate) fn sqrt(&self) -> Result<Number, NumError> {
        match self {
            Int::Small(a) if *a < 0 => Err(NumError::DomainError),
            Int::Big(b) if b.is_negative() => Err(NumError::DomainError),
            Int::Small(a) => {
                let r = a.sqrt();
                if r * r == *a {
                    Ok(Number::Int(Int::Small(r)))
                } else {
                    Ok(Number::Double((*a as f64).sqrt()))
                }
            }
            Int::Big(b) => {
                let r = b.sqrt();
                if &r * &r == *b {
                    return Ok(Number::Int(Int::from_bigint(r)));
                }
                let d = self.to_f64().sqrt();
                if d.is_finite() && d.fract() == 0.0 {
                    double_to_int(d).map(Number::Int)
                } else {
                    Ok(Number::Double(d))
                }
            }
        }
    }

    /// The value a signed 32-bit integer with the low 32 bits would have.
    pub(crate) fn as_32bit_signed(&self) -> Int {
        Int::Small(self.low_u32() as i32 as i64)
    }

    /// The value an unsigned 32-bit integer with the low 32 bits would have.
    pub(crate) fn as_32bit_unsigned(&self) -> Int {
        Int::Small(self.low_u32() as i64)
    }

    fn low_u32(&self) -> u32 {
        match self {
            Int::Small(a) => *a as u32,
            Int::Big(b) => (b & BigInt::from(u32::MAX)).to_u32().unwrap_or(0),
        }
    }

    /// `Integer fromString:`: optional sign and decimal digits, surrounding blanks ignored.
    pub(crate) fn parse(s: &str) -> Result<Int, NumError> {
        let t = s.trim();
        let digits = t
            .strip_prefix('-')
            .or_else(|| t.strip_prefix('+'))
            .unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NumError::NotAnInteger(s.to_string()));
        }
        t.trim_start_matches('+')
            .parse::<BigInt>()
            .map(Int::from_bigint)
            .map_err(|_| NumError::NotAnInteger(s.to_string()))
    }
}

impl PartialOrd for Int {
    fn partial_cmp(&self, other: &Int) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Int {
    fn cmp(&self, other: &Int) -> Ordering {
        match (self, other) {
            (Int::Small(a), Int::Small(b)) => a.cmp(b),
            _ => self.to_bigint().cmp(&other.to_bigint()),
        }
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Int::Small(i) => write!(f, "{i}"),
            Int::Big(b) => write!(f, "{b}"),
        }
    }
}

/// `//`: division giving a Double. Doubles follow IEEE 754: dividing by zero answers an
/// infinity or NaN (the AWFY CD benchmark relies on it); only integer division by an
/// integer zero is an error.
pub(crate) fn double_div(a: f64, b: f64) -> Result<f64, NumError> {
    Ok(a / b)
}

/// Double `%`: the remainder of truncated division (sign of the dividend); NaN for a
/// zero divisor, as IEEE 754 says.
pub(crate) fn double_mod(a: f64, b: f64) -> Result<f64, NumError> {
    Ok(a % b)
}

/// Double `rem:` (used for mixed Integer `rem:` Double).
pub(crate) fn double_rem(a: f64, b: f64) -> Result<f64, NumError> {
    double_mod(a, b)
}

/// `round`: to the nearest integer, halves away from zero.
pub(crate) fn double_round(d: f64) -> Result<Int, NumError> {
    double_to_int(d.round())
}

/// `asInteger`: truncation toward zero; infinities and NaN are an error.
pub(crate) fn double_to_int(d: f64) -> Result<Int, NumError> {
    if !d.is_finite() {
        return Err(NumError::NotFinite(double_name(d)));
    }
    let t = d.trunc();
    if t.abs() < 9.0e18 {
        return Ok(Int::Small(t as i64));
    }
    Ok(Int::from_bigint(
        BigInt::from_f64_exact(t).unwrap_or_else(BigInt::zero),
    ))
}

trait FromF64Exact: Sized {
    fn from_f64_exact(d: f64) -> Option<Self>;
}

impl FromF64Exact for BigInt {
    fn from_f64_exact(d: f64) -> Option<BigInt> {
        num_traits::FromPrimitive::from_f64(d)
    }
}

/// `Double asString`: the shortest text that reads back as the same double; plain
/// notation for magnitudes in `[1e-4, 1e16)`, otherwise `<digits>e<exponent>`.
pub(crate) fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let magnitude = d.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        return format!("{d:e}");
    }
    let s = format!("{d}");
    if s.contains('.') {
        s
    } else {
        s + ".0"
    }
}

/// `Double fromString:`: a decimal number with optional sign, fraction and exponent.
pub(crate) fn parse_double(s: &str) -> Result<f64, NumError> {
    let t = s.trim();
    let valid = !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && t.bytes().any(|b| b.is_ascii_digit());
    if !valid {
        return Err(NumError::NotADouble(s.to_string()));
    }
    t.parse::<f64>()
        .map_err(|_| NumError::NotADouble(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn int(i: i64) -> Int {
        Int::Small(i)
    }

    fn big(s: &str) -> Int {
        Int::from_bigint(s.parse().unwrap())
    }

    #[test]
    fn arithmetic_overflows_into_big_integers_and_shrinks_back() {
        assert_eq!(int(i64::MAX).add(&int(1)), big("9223372036854775808"));
        assert_eq!(big("9223372036854775808").sub(&int(1)), int(i64::MAX));
        assert_eq!(int(i64::MIN).mul(&int(-1)), big("9223372036854775808"));
        assert_eq!(int(i64::MIN).sub(&int(1)), big("-9223372036854775809"));
        assert_eq!(
            int(i64::MIN).div(&int(-1)).unwrap(),
            big("9223372036854775808")
        );
    }

    #[test]
    fn division_floors_modulo_follows_the_divisor_rem_the_dividend() {
        assert_eq!(int(3).div(&int(2)).unwrap(), int(1));
        assert_eq!(int(-7).div(&int(2)).unwrap(), int(-4));
        assert_eq!(int(10).modulo(&int(-3)).unwrap(), int(-2));
        assert_eq!(int(-10).modulo(&int(3)).unwrap(), int(2));
        assert_eq!(int(-10).modulo(&int(-3)).unwrap(), int(-1));
        assert_eq!(int(10).rem(&int(-3)).unwrap(), int(1));
        assert_eq!(int(-10).rem(&int(3)).unwrap(), int(-1));
        assert_eq!(int(1).div(&int(0)), Err(NumError::DivisionByZero));
        assert_eq!(int(1).modulo(&int(0)), Err(NumError::DivisionByZero));
        assert_eq!(int(1).rem(&int(0)), Err(NumError::DivisionByZero));
    }

    #[test]
    fn shifts() {
        assert_eq!(int(1).shl(&int(62)).unwrap(), int(1 << 62));
        assert_eq!(int(1).shl(&int(64)).unwrap(), big("18446744073709551616"));
        assert_eq!(
            int(-1).shl(&int(100)).unwrap(),
            big("-1267650600228229401496703205376")
        );
        assert_eq!(int(1).shl(&int(-1)), Err(NumError::NegativeShift));
        assert!(int(1)
            .shl(&big(
                "1606938044258990275541962092341162602522202993782792835301376"
            ))
            .is_err());
        assert_eq!(int(-1).shr(&int(1)).unwrap(), int(i64::MAX));
        assert_eq!(int(-1024).shr(&int(1)).unwrap(), int(9223372036854775296));
        assert_eq!(int(1023).shr(&int(3)).unwrap(), int(127));
        assert_eq!(
            int(1).shl(&int(200)).unwrap().shr(&int(200)).unwrap(),
            int(1)
        );
    }

    #[test]
    fn square_roots() {
        assert_eq!(int(25).sqrt().unwrap(), Number::Int(int(5)));
        assert_eq!(int(3).sqrt().unwrap(), Number::Double(3f64.sqrt()));
        assert_eq!(
            int(1).shl(&int(200)).unwrap().sqrt().unwrap(),
            Number::Int(big("1267650600228229401496703205376"))
        );
        assert!(matches!(
            int(1).shl(&int(199)).unwrap().sqrt().unwrap(),
            Number::Int(_)
        ));
        assert_eq!(int(-1).sqrt(), Err(NumError::DomainError));
    }

    #[test]
    fn thirty_two_bit_views() {
        assert_eq!(int(0xFFFF_FFFF).as_32bit_signed(), int(-1));
        assert_eq!(int(-1).as_32bit_unsigned(), int(0xFFFF_FFFF));
        assert_eq!(big("18446744073709551617").as_32bit_unsigned(), int(1));
    }

    #[test]
    fn doubles_print_like_som() {
        assert_eq!(format_double(0.5), "0.5");
        assert_eq!(format_double(1.0), "1.0");
        assert_eq!(format_double(-9999999.0), "-9999999.0");
        assert_eq!(format_double(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_double(1073741825.1), "1073741825.1");
        assert_eq!(format_double(1.152921504606847e18), "1.152921504606847e18");
        assert_eq!(
            format_double(6.223015277861142e-61),
            "6.223015277861142e-61"
        );
        assert_eq!(
            format_double(18446744073709551616.0),
            "1.8446744073709552e19"
        );
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(0.0), "0.0");
    }

    #[test]
    fn parsing() {
        assert_eq!(Int::parse("42").unwrap(), int(42));
        assert_eq!(Int::parse("-42").unwrap(), int(-42));
        assert_eq!(
            Int::parse("123456789012345678901234567890").unwrap(),
            big("123456789012345678901234567890")
        );
        assert!(Int::parse("123b").is_err());
        assert!(Int::parse("").is_err());
        assert_eq!(parse_double("-1.1").unwrap(), -1.1);
        assert!(parse_double("123.b").is_err());
    }

    #[test]
    fn double_conversions() {
        assert_eq!(double_to_int(-1.999).unwrap(), int(-1));
        assert_eq!(
            double_to_int(18446744073709551616.0).unwrap(),
            big("18446744073709551616")
        );
        assert_eq!(double_round(-1.9).unwrap(), int(-2));
        assert!(double_to_int(f64::NAN).is_err());
        assert_eq!(double_div(1.0, 0.0).unwrap(), f64::INFINITY);
    }

    proptest! {
        #[test]
        fn int_arithmetic_agrees_with_bigint(a in any::<i64>(), b in any::<i64>()) {
            let (x, y) = (BigInt::from(a), BigInt::from(b));
            prop_assert_eq!(int(a).add(&int(b)).to_bigint(), &x + &y);
            prop_assert_eq!(int(a).sub(&int(b)).to_bigint(), &x - &y);
            prop_assert_eq!(int(a).mul(&int(b)).to_bigint(), &x * &y);
            if b != 0 {
                prop_assert_eq!(int(a).div(&int(b)).unwrap().to_bigint(), x.div_floor(&y));
                prop_assert_eq!(int(a).modulo(&int(b)).unwrap().to_bigint(), x.mod_floor(&y));
                prop_assert_eq!(int(a).rem(&int(b)).unwrap().to_bigint(), &x % &y);
            }
        }

        #[test]
        fn doubles_print_and_read_back(d in any::<f64>().prop_filter("finite", |d| d.is_finite())) {
            prop_assert_eq!(format_double(d).parse::<f64>().unwrap(), d);
        }
    }
}
