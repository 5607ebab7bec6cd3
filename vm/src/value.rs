//! Tagged 64-bit values: the one representation every tier agrees on.
//!
//! - low bit `1`: a small integer (63-bit signed, `value >> 1`);
//! - low bits `10`: an immediate double: the IEEE bits rotated left by one (sign in bit
//!   0), the 11-bit exponent rebased to 8 bits, shifted left by two. Doubles whose
//!   exponent does not fit (very large or tiny magnitudes, infinities, NaN) are boxed;
//! - low bits `00`: a reference to a heap object, `value >> 2` being its index in the
//!   heap's object table. `nil`, `true` and `false` are the heap objects 0, 1 and 2, so
//!   `nil` is the all-zero word.

/// A SOM value: a small integer or a heap reference.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Value(pub(crate) u64);

/// Immediate doubles hold IEEE exponents `897..=1151` (magnitudes about 1e-38..1e38),
/// rebased by this much into 8 bits.
const EXP_BIAS_SHIFT: u64 = 896;

/// Smallest integer held inline.
pub(crate) const SMALL_MIN: i64 = -(1 << 62);
/// Largest integer held inline.
pub(crate) const SMALL_MAX: i64 = (1 << 62) - 1;

impl Value {
    pub(crate) const NIL: Value = Value(0);
    pub(crate) const TRUE: Value = Value(4);
    pub(crate) const FALSE: Value = Value(8);

    /// The inline integer for `i`, or `None` when it needs a big integer.
    #[inline(always)]
    pub(crate) fn int(i: i64) -> Option<Value> {
        if (SMALL_MIN..=SMALL_MAX).contains(&i) {
            Some(Value(((i as u64) << 1) | 1))
        } else {
            None
        }
    }

    #[inline(always)]
    pub(crate) fn is_int(self) -> bool {
        self.0 & 1 == 1
    }

    /// The integer of an inline integer (meaningless for references).
    #[inline(always)]
    pub(crate) fn as_int(self) -> i64 {
        (self.0 as i64) >> 1
    }

    /// The reference to heap object `index`.
    #[inline(always)]
    pub(crate) fn obj(index: u32) -> Value {
        Value((index as u64) << 2)
    }

    /// The heap index of a reference (meaningless for immediates).
    #[inline(always)]
    pub(crate) fn index(self) -> usize {
        (self.0 >> 2) as usize
    }

    /// A reference to a heap object (not an integer or an immediate double).
    #[inline(always)]
    pub(crate) fn is_ref(self) -> bool {
        self.0 & 3 == 0
    }

    /// An immediate double.
    #[inline(always)]
    pub(crate) fn is_double(self) -> bool {
        self.0 & 3 == 2
    }

    /// The immediate form of `d`, or `None` when it must be boxed.
    #[inline(always)]
    pub(crate) fn double(d: f64) -> Option<Value> {
        let rotated = d.to_bits().rotate_left(1);
        if rotated <= 1 {
            // +0.0 and -0.0
            return Some(Value((rotated << 2) | 2));
        }
        let exp = rotated >> 53;
        if (EXP_BIAS_SHIFT + 1..=EXP_BIAS_SHIFT + 255).contains(&exp) {
            Some(Value(((rotated - (EXP_BIAS_SHIFT << 53)) << 2) | 2))
        } else {
            None
        }
    }

    /// The double of an immediate double (meaningless otherwise).
    #[inline(always)]
    pub(crate) fn as_double(self) -> f64 {
        let payload = self.0 >> 2;
        if payload <= 1 {
            return f64::from_bits(payload.rotate_right(1));
        }
        f64::from_bits((payload + (EXP_BIAS_SHIFT << 53)).rotate_right(1))
    }

    pub(crate) fn bool(b: bool) -> Value {
        if b {
            Value::TRUE
        } else {
            Value::FALSE
        }
    }

    pub(crate) fn is_nil(self) -> bool {
        self == Value::NIL
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_int() {
            write!(f, "{}", self.as_int())
        } else if self.is_double() {
            write!(f, "{:?}", self.as_double())
        } else {
            write!(f, "@{}", self.index())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_integers_round_trip_at_the_edges() {
        for i in [0, 1, -1, SMALL_MIN, SMALL_MAX, 42, -42] {
            let v = Value::int(i).unwrap();
            assert!(v.is_int());
            assert_eq!(v.as_int(), i);
        }
        assert!(Value::int(SMALL_MAX + 1).is_none());
        assert!(Value::int(SMALL_MIN - 1).is_none());
    }

    #[test]
    fn references_are_not_integers() {
        let v = Value::obj(7);
        assert!(!v.is_int());
        assert_eq!(v.index(), 7);
        assert_eq!(Value::NIL.index(), 0);
        assert_eq!(Value::TRUE.index(), 1);
        assert_eq!(Value::FALSE.index(), 2);
        assert!(v.is_ref() && !v.is_double());
    }

    #[test]
    fn common_doubles_are_immediate_and_exact() {
        for d in [0.0, -0.0, 1.0, -1.5, 0.1, 3.25, 1e30, -2.5e-30, 123456.789] {
            let v = Value::double(d).expect("immediate");
            assert!(v.is_double() && !v.is_int() && !v.is_ref());
            assert_eq!(v.as_double().to_bits(), d.to_bits(), "{d}");
        }
    }

    #[test]
    fn extreme_doubles_are_not_immediate() {
        for d in [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e300,
            1e-300,
            f64::MIN_POSITIVE,
        ] {
            assert!(Value::double(d).is_none(), "{d}");
        }
    }
}

/// A SOM value as a tool holds it: an opaque handle, meaningful for the VM state it was
/// read from (after a restore, the same handle names the object at the same position
/// in the same replay, because execution is deterministic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueRef(pub(crate) u64);

impl ValueRef {
    /// The raw word (for keys and display; not for arithmetic).
    pub fn raw(self) -> u64 {
        self.0
    }

    pub(crate) fn of(v: Value) -> ValueRef {
        ValueRef(v.0)
    }

    pub(crate) fn value(self) -> Value {
        Value(self.0)
    }
}
