//! Tagged 64-bit values: the one representation every tier agrees on.
//!
//! Low bit 1: a small integer (63-bit signed, `value >> 1`). Low bit 0: a reference to a
//! heap object, `value >> 1` being its index in the heap's object table. `nil`, `true` and
//! `false` are the heap objects 0, 1 and 2, so `nil` is the all-zero word.

/// A SOM value: a small integer or a heap reference.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Value(pub(crate) u64);

/// Smallest integer held inline.
pub(crate) const SMALL_MIN: i64 = -(1 << 62);
/// Largest integer held inline.
pub(crate) const SMALL_MAX: i64 = (1 << 62) - 1;

impl Value {
    pub(crate) const NIL: Value = Value(0);
    pub(crate) const TRUE: Value = Value(2);
    pub(crate) const FALSE: Value = Value(4);

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
        Value((index as u64) << 1)
    }

    /// The heap index of a reference (meaningless for integers).
    #[inline(always)]
    pub(crate) fn index(self) -> usize {
        (self.0 >> 1) as usize
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
    }
}
