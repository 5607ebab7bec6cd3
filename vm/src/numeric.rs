//! TEMPORARY shim until the numeric module lands (replaced wholesale).
use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Int { Small(i64), Big(BigInt) }
#[derive(Debug)]
pub(crate) enum NumError { DivisionByZero }
impl std::fmt::Display for NumError { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "division by zero") } }
pub(crate) enum Number { Int(Int), Double(f64) }
impl Int {
    pub(crate) fn from_bigint(b: BigInt) -> Int { match b.to_i64() { Some(i) => Int::Small(i), None => Int::Big(b) } }
    pub(crate) fn to_bigint(&self) -> BigInt { match self { Int::Small(i) => BigInt::from(*i), Int::Big(b) => b.clone() } }
    pub(crate) fn to_f64(&self) -> f64 { match self { Int::Small(i) => *i as f64, Int::Big(b) => b.to_f64().unwrap_or(f64::NAN) } }
    pub(crate) fn add(&self, o: &Int) -> Int { Int::from_bigint(self.to_bigint() + o.to_bigint()) }
    pub(crate) fn sub(&self, o: &Int) -> Int { Int::from_bigint(self.to_bigint() - o.to_bigint()) }
    pub(crate) fn mul(&self, o: &Int) -> Int { Int::from_bigint(self.to_bigint() * o.to_bigint()) }
    pub(crate) fn div(&self, o: &Int) -> Result<Int, NumError> { if o.to_bigint().is_zero() { return Err(NumError::DivisionByZero) } Ok(Int::from_bigint(num_integer::Integer::div_floor(&self.to_bigint(), &o.to_bigint()))) }
    pub(crate) fn modulo(&self, o: &Int) -> Result<Int, NumError> { if o.to_bigint().is_zero() { return Err(NumError::DivisionByZero) } Ok(Int::from_bigint(num_integer::Integer::mod_floor(&self.to_bigint(), &o.to_bigint()))) }
    pub(crate) fn rem(&self, o: &Int) -> Result<Int, NumError> { if o.to_bigint().is_zero() { return Err(NumError::DivisionByZero) } Ok(Int::from_bigint(self.to_bigint() % o.to_bigint())) }
    pub(crate) fn bit_and(&self, o: &Int) -> Int { Int::from_bigint(self.to_bigint() & o.to_bigint()) }
    pub(crate) fn bit_xor(&self, o: &Int) -> Int { Int::from_bigint(self.to_bigint() ^ o.to_bigint()) }
    pub(crate) fn shl(&self, o: &Int) -> Result<Int, NumError> { Ok(Int::from_bigint(self.to_bigint() << (o.to_f64() as usize))) }
    pub(crate) fn shr(&self, o: &Int) -> Result<Int, NumError> { Ok(Int::from_bigint(self.to_bigint() >> (o.to_f64() as usize))) }
    pub(crate) fn sqrt(&self) -> Result<Number, NumError> { Ok(Number::Double(self.to_f64().sqrt())) }
    pub(crate) fn as_32bit_signed(&self) -> Int { Int::Small((self.to_bigint() & BigInt::from(0xffff_ffffu32)).to_u32().unwrap_or(0) as i32 as i64) }
    pub(crate) fn as_32bit_unsigned(&self) -> Int { Int::Small((self.to_bigint() & BigInt::from(0xffff_ffffu32)).to_u32().unwrap_or(0) as i64) }
    pub(crate) fn parse(s: &str) -> Option<Int> { s.trim().parse::<BigInt>().ok().map(Int::from_bigint) }
}
impl std::fmt::Display for Int { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{}", self.to_bigint()) } }
pub(crate) fn double_int_div(a: f64, b: f64) -> Result<f64, NumError> { Ok(a / b) }
pub(crate) fn double_div(a: f64, b: f64) -> Result<f64, NumError> { Ok(a / b) }
pub(crate) fn double_mod(a: f64, b: f64) -> Result<f64, NumError> { Ok(a % b) }
pub(crate) fn double_rem(a: f64, b: f64) -> Result<f64, NumError> { Ok(a % b) }
pub(crate) fn double_round(a: f64) -> Result<Int, NumError> { Ok(Int::Small(a.round() as i64)) }
pub(crate) fn double_to_int(a: f64) -> Result<Int, NumError> { Ok(Int::Small(a as i64)) }
pub(crate) fn format_double(d: f64) -> String { let s = format!("{d}"); if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") { s } else { s + ".0" } }
pub(crate) fn parse_double(s: &str) -> Option<f64> { s.trim().parse().ok() }
