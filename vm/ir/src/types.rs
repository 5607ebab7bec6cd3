//! Value types of the IR and the tagged-word encoding of small integers and immediate
//! doubles that constant folding and the lowering both rely on (the VM's `value.rs` must
//! agree with `tagging`; object layouts are not known here, offsets come from the builder).

use std::fmt;

/// The type of an SSA value.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Type {
    /// A tagged SOM value (64 bits): small integer, immediate double or object reference.
    Word,
    /// An unboxed small integer; always within the 63-bit small-integer range.
    Int,
    /// An unboxed IEEE double.
    Float,
    /// A truth value produced by comparisons (not a SOM object).
    Bool,
}

impl Type {
    /// The name used in the text form.
    pub fn name(self) -> &'static str {
        match self {
            Type::Word => "word",
            Type::Int => "int",
            Type::Float => "float",
            Type::Bool => "bool",
        }
    }

    /// Parses a type name of the text form.
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "word" => Type::Word,
            "int" => Type::Int,
            "float" => Type::Float,
            "bool" => Type::Bool,
            _ => return None,
        })
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The tagged-word encoding: low bit 1 is a small integer (value << 1 | 1), low bits `10`
/// an immediate double, low bits `00` an object reference.
pub mod tagging {
    /// Mask and value of the small-integer tag.
    pub const INT_MASK: u64 = 1;
    /// The small-integer tag bit.
    pub const INT_TAG: u64 = 1;
    /// How far a small integer's value is shifted left in its word.
    pub const INT_SHIFT: u32 = 1;
    /// Mask of the double and reference tags.
    pub const LOW2_MASK: u64 = 3;
    /// Tag of an immediate double.
    pub const FLOAT_TAG: u64 = 2;
    /// Tag of an object reference.
    pub const REF_TAG: u64 = 0;
    /// Smallest small integer (63-bit signed).
    pub const INT_MIN: i64 = -(1 << 62);
    /// Largest small integer (63-bit signed).
    pub const INT_MAX: i64 = (1 << 62) - 1;

    /// Whether `n` fits the small-integer range.
    pub fn fits_int(n: i64) -> bool {
        (INT_MIN..=INT_MAX).contains(&n)
    }

    /// The word of small integer `n` (which must fit).
    pub fn tag_int(n: i64) -> u64 {
        ((n << INT_SHIFT) as u64) | INT_TAG
    }

    /// The small integer held in `word`, if it is one.
    pub fn untag_int(word: u64) -> Option<i64> {
        (word & INT_MASK == INT_TAG).then_some((word as i64) >> INT_SHIFT)
    }
}

#[cfg(test)]
mod tests {
    use super::tagging::*;
    use super::Type;

    #[test]
    fn small_integers_round_trip_through_their_tag() {
        for n in [0, 1, -1, INT_MIN, INT_MAX, 12345] {
            assert_eq!(untag_int(tag_int(n)), Some(n));
        }
        assert_eq!(untag_int(4), None);
        assert!(!fits_int(INT_MAX + 1));
    }

    #[test]
    fn type_names_round_trip() {
        for t in [Type::Word, Type::Int, Type::Float, Type::Bool] {
            assert_eq!(Type::from_name(t.name()), Some(t));
        }
    }
}
