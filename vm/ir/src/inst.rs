//! The instruction set: one `InstData` variant per operation with a doc line giving its
//! semantics, plus operand/successor/frame-state accessors every pass shares.

use crate::entities::{Block, FrameStateRef, Value};
use crate::types::Type;

/// Integer (and word identity) comparison conditions.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum IntCC {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Unsigned less-than: `0 <= a < b` for a non-negative `b` (bounds checks).
    Ult,
}

/// Floating-point comparison conditions (ordered; false on NaN except `ne`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum FloatCC {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Two-operand operations without side effects.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum BinOp {
    /// Wrapping integer add (only where the range is known, e.g. loop counters).
    Iadd,
    Isub,
    Imul,
    Iand,
    Ior,
    Ixor,
    /// Arithmetic shift right by the second operand (0..63).
    Isar,
    Fadd,
    Fsub,
    Fmul,
    Fdiv,
}

/// Small-integer arithmetic that deopts when the result leaves the 63-bit range.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum CheckedOp {
    Iadd,
    Isub,
    Imul,
}

/// One-operand conversions.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum UnOp {
    /// int -> word: the small-integer word of a value in range.
    TagInt,
    /// word -> int: the value of a word known (guarded) to be a small integer.
    UntagInt,
    /// int -> float.
    IntToFloat,
    /// float -> word: an immediate or boxed double (runtime helper; may allocate).
    BoxFloat,
    /// word -> float: the double held by a word known to be a Double (runtime helper).
    UnboxFloat,
    /// word -> int: the word's 64 bits unchanged (tag tests, address arithmetic).
    WordBits,
    /// int -> word: 64 bits taken as a word unchanged (a raw address for `load`).
    BitsWord,
}

/// What a guard checks; a failing guard leaves through a deopt exit.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum GuardKind {
    /// The word is a small integer.
    Int,
    /// The word is an immediate double.
    Float,
    /// The word is an object reference whose class word at `offset` equals `class`.
    Class { class: u64, offset: i32 },
    /// The bool is true.
    True,
    /// The bool is false.
    False,
}

/// A branch target with the arguments passed to its block parameters.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct BlockCall {
    pub block: Block,
    pub args: Vec<Value>,
}

/// One instruction. Instructions have at most one result.
#[derive(Clone, PartialEq, Debug)]
pub enum InstData {
    /// `const.T bits`: a constant of type T (word: tagged bits; int: value; float: IEEE bits; bool: 0/1).
    Const { ty: Type, bits: u64 },
    /// `op a, b`: pure arithmetic.
    Binary { op: BinOp, args: [Value; 2] },
    /// `op_ovf a, b, fs`: small-integer arithmetic, deopt to `state` on overflow.
    Checked {
        op: CheckedOp,
        args: [Value; 2],
        state: FrameStateRef,
    },
    /// `icmp.cc a, b`: compares two ints or two words (words: eq/ne only) -> bool.
    IntCompare { cc: IntCC, args: [Value; 2] },
    /// `fcmp.cc a, b`: compares two floats -> bool.
    FloatCompare { cc: FloatCC, args: [Value; 2] },
    /// `op a`: conversions between representations.
    Unary { op: UnOp, arg: Value },
    /// `select.T c, a, b`: a if c else b.
    Select {
        ty: Type,
        cond: Value,
        args: [Value; 2],
    },
    /// `guard_K v, fs`: deopt to `state` unless the check holds.
    Guard {
        kind: GuardKind,
        arg: Value,
        state: FrameStateRef,
    },
    /// `load.T obj, +off`: reads the field at byte offset `off`; `readonly` fields never change.
    Load {
        ty: Type,
        obj: Value,
        offset: i32,
        readonly: bool,
    },
    /// `store obj, +off, v`: writes a field (the builder emits the write barrier).
    Store {
        obj: Value,
        offset: i32,
        value: Value,
    },
    /// `load_elem.T obj, i, +base`: reads the 8-byte slot `i` (0-based int) after `base`.
    LoadElem {
        ty: Type,
        obj: Value,
        index: Value,
        base: i32,
    },
    /// `store_elem obj, i, +base, v`: writes slot `i`.
    StoreElem {
        obj: Value,
        index: Value,
        base: i32,
        value: Value,
    },
    /// `alloc class C, size S`: a new object of S bytes with class word C (runtime helper).
    Alloc { class: u64, size: u32 },
    /// `call_rt hN(args) [-> T]`: calls runtime helper N with the context first; never deopts.
    CallRuntime {
        helper: u32,
        args: Vec<Value>,
        ret: Option<Type>,
    },
    /// `send site N(recv, args), fs`: a full send through the VM; may invalidate this code.
    Send {
        site: u32,
        args: Vec<Value>,
        state: FrameStateRef,
    },
    /// `call_block blk(args), fs`: evaluates a block value; may invalidate this code.
    CallBlock {
        block: Value,
        args: Vec<Value>,
        state: FrameStateRef,
    },
    /// `jump bN(args)`.
    Jump { dest: BlockCall },
    /// `brif c, bT(args), bF(args)`.
    Brif {
        cond: Value,
        then_dest: BlockCall,
        else_dest: BlockCall,
    },
    /// `return v`: returns from this activation.
    Return { value: Value },
    /// `nlreturn v`: a block's `^v`, returning from its home method (runtime unwinds).
    NonLocalReturn { value: Value },
    /// `deopt fs`: leaves unconditionally (an untaken path, never compiled).
    Deopt { state: FrameStateRef },
}

impl InstData {
    /// The type of the result, or `None` for instructions without one.
    pub fn result_type(&self) -> Option<Type> {
        use InstData::*;
        Some(match self {
            Const { ty, .. } | Select { ty, .. } | Load { ty, .. } | LoadElem { ty, .. } => *ty,
            Binary { op, .. } => match op {
                BinOp::Fadd | BinOp::Fsub | BinOp::Fmul | BinOp::Fdiv => Type::Float,
                _ => Type::Int,
            },
            Checked { .. } => Type::Int,
            IntCompare { .. } | FloatCompare { .. } => Type::Bool,
            Unary { op, .. } => match op {
                UnOp::TagInt | UnOp::BoxFloat | UnOp::BitsWord => Type::Word,
                UnOp::UntagInt | UnOp::WordBits => Type::Int,
                UnOp::IntToFloat | UnOp::UnboxFloat => Type::Float,
            },
            Alloc { .. } | Send { .. } | CallBlock { .. } => Type::Word,
            CallRuntime { ret, .. } => return *ret,
            Guard { .. } | Store { .. } | StoreElem { .. } | Jump { .. } | Brif { .. } => {
                return None
            }
            Return { .. } | NonLocalReturn { .. } | Deopt { .. } => return None,
        })
    }

    /// The value operands in order (branch arguments included, frame states excluded).
    pub fn args(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut copy = self.clone();
        copy.map_args(|v| {
            out.push(v);
            v
        });
        out
    }

    /// Rewrites every value operand (branch arguments included, frame states excluded).
    pub fn map_args(&mut self, mut f: impl FnMut(Value) -> Value) {
        use InstData::*;
        match self {
            Const { .. } | Alloc { .. } | Deopt { .. } => {}
            Binary { args, .. } | Checked { args, .. } => args.iter_mut().for_each(|a| *a = f(*a)),
            IntCompare { args, .. } | FloatCompare { args, .. } => {
                args.iter_mut().for_each(|a| *a = f(*a))
            }
            Unary { arg, .. } | Guard { arg, .. } => *arg = f(*arg),
            Select { cond, args, .. } => {
                *cond = f(*cond);
                args.iter_mut().for_each(|a| *a = f(*a));
            }
            Load { obj, .. } => *obj = f(*obj),
            Store { obj, value, .. } => {
                *obj = f(*obj);
                *value = f(*value);
            }
            LoadElem { obj, index, .. } => {
                *obj = f(*obj);
                *index = f(*index);
            }
            StoreElem {
                obj, index, value, ..
            } => {
                *obj = f(*obj);
                *index = f(*index);
                *value = f(*value);
            }
            CallRuntime { args, .. } | Send { args, .. } => {
                args.iter_mut().for_each(|a| *a = f(*a))
            }
            CallBlock { block, args, .. } => {
                *block = f(*block);
                args.iter_mut().for_each(|a| *a = f(*a));
            }
            Jump { dest } => dest.args.iter_mut().for_each(|a| *a = f(*a)),
            Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                *cond = f(*cond);
                then_dest.args.iter_mut().for_each(|a| *a = f(*a));
                else_dest.args.iter_mut().for_each(|a| *a = f(*a));
            }
            Return { value } | NonLocalReturn { value } => *value = f(*value),
        }
    }

    /// The frame state this instruction deopts to, if it can deopt.
    pub fn state(&self) -> Option<FrameStateRef> {
        use InstData::*;
        match self {
            Checked { state, .. } | Guard { state, .. } | Send { state, .. } => Some(*state),
            CallBlock { state, .. } | Deopt { state } => Some(*state),
            _ => None,
        }
    }

    /// Mutable access to the frame state, if any.
    pub fn state_mut(&mut self) -> Option<&mut FrameStateRef> {
        use InstData::*;
        match self {
            Checked { state, .. } | Guard { state, .. } | Send { state, .. } => Some(state),
            CallBlock { state, .. } | Deopt { state } => Some(state),
            _ => None,
        }
    }

    /// Whether this instruction ends a block.
    pub fn is_terminator(&self) -> bool {
        use InstData::*;
        matches!(
            self,
            Jump { .. } | Brif { .. } | Return { .. } | NonLocalReturn { .. } | Deopt { .. }
        )
    }

    /// Branch targets of a terminator.
    pub fn successors(&self) -> Vec<&BlockCall> {
        match self {
            InstData::Jump { dest } => vec![dest],
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => vec![then_dest, else_dest],
            _ => vec![],
        }
    }

    /// Mutable branch targets of a terminator.
    pub fn successors_mut(&mut self) -> Vec<&mut BlockCall> {
        match self {
            InstData::Jump { dest } => vec![dest],
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => vec![then_dest, else_dest],
            _ => vec![],
        }
    }

    /// Pure: no effect, no deopt, result depends only on operands (GVN may merge, DCE may drop).
    pub fn is_pure(&self) -> bool {
        use InstData::*;
        match self {
            Const { .. } | Binary { .. } | IntCompare { .. } | FloatCompare { .. } => true,
            Select { .. } => true,
            Unary { op, .. } => !matches!(op, UnOp::BoxFloat),
            _ => false,
        }
    }

    /// Whether DCE may remove the instruction when its result is unused.
    pub fn is_removable(&self) -> bool {
        use InstData::*;
        self.is_pure()
            || matches!(self, Load { .. } | LoadElem { .. } | Alloc { .. })
            || matches!(
                self,
                Unary {
                    op: UnOp::BoxFloat,
                    ..
                }
            )
    }
}

impl IntCC {
    /// All conditions with their text names.
    pub const ALL: [(IntCC, &'static str); 7] = [
        (IntCC::Eq, "eq"),
        (IntCC::Ne, "ne"),
        (IntCC::Lt, "lt"),
        (IntCC::Le, "le"),
        (IntCC::Gt, "gt"),
        (IntCC::Ge, "ge"),
        (IntCC::Ult, "ult"),
    ];

    /// Evaluates the condition on constants.
    pub fn eval(self, a: i64, b: i64) -> bool {
        match self {
            IntCC::Eq => a == b,
            IntCC::Ne => a != b,
            IntCC::Lt => a < b,
            IntCC::Le => a <= b,
            IntCC::Gt => a > b,
            IntCC::Ge => a >= b,
            IntCC::Ult => (a as u64) < (b as u64),
        }
    }
}

impl FloatCC {
    /// All conditions with their text names.
    pub const ALL: [(FloatCC, &'static str); 6] = [
        (FloatCC::Eq, "eq"),
        (FloatCC::Ne, "ne"),
        (FloatCC::Lt, "lt"),
        (FloatCC::Le, "le"),
        (FloatCC::Gt, "gt"),
        (FloatCC::Ge, "ge"),
    ];

    /// Evaluates the condition on constants.
    pub fn eval(self, a: f64, b: f64) -> bool {
        match self {
            FloatCC::Eq => a == b,
            FloatCC::Ne => a != b,
            FloatCC::Lt => a < b,
            FloatCC::Le => a <= b,
            FloatCC::Gt => a > b,
            FloatCC::Ge => a >= b,
        }
    }
}

impl BinOp {
    /// All operations with their text names.
    pub const ALL: [(BinOp, &'static str); 11] = [
        (BinOp::Iadd, "iadd"),
        (BinOp::Isub, "isub"),
        (BinOp::Imul, "imul"),
        (BinOp::Iand, "iand"),
        (BinOp::Ior, "ior"),
        (BinOp::Ixor, "ixor"),
        (BinOp::Isar, "isar"),
        (BinOp::Fadd, "fadd"),
        (BinOp::Fsub, "fsub"),
        (BinOp::Fmul, "fmul"),
        (BinOp::Fdiv, "fdiv"),
    ];

    /// Whether the operands are floats.
    pub fn is_float(self) -> bool {
        matches!(self, BinOp::Fadd | BinOp::Fsub | BinOp::Fmul | BinOp::Fdiv)
    }
}

impl CheckedOp {
    /// All operations with their text names.
    pub const ALL: [(CheckedOp, &'static str); 3] = [
        (CheckedOp::Iadd, "iadd_ovf"),
        (CheckedOp::Isub, "isub_ovf"),
        (CheckedOp::Imul, "imul_ovf"),
    ];

    /// The 63-bit result, or `None` on overflow.
    pub fn eval(self, a: i64, b: i64) -> Option<i64> {
        let r = match self {
            CheckedOp::Iadd => a.checked_add(b),
            CheckedOp::Isub => a.checked_sub(b),
            CheckedOp::Imul => a.checked_mul(b),
        }?;
        crate::types::tagging::fits_int(r).then_some(r)
    }
}

impl UnOp {
    /// All conversions with their text names.
    pub const ALL: [(UnOp, &'static str); 7] = [
        (UnOp::TagInt, "tag_int"),
        (UnOp::UntagInt, "untag_int"),
        (UnOp::IntToFloat, "int_to_float"),
        (UnOp::BoxFloat, "box_float"),
        (UnOp::UnboxFloat, "unbox_float"),
        (UnOp::WordBits, "word_bits"),
        (UnOp::BitsWord, "bits_word"),
    ];
}

/// The text name of an enum value from one of the `ALL` tables.
pub fn name_of<T: PartialEq + Copy>(table: &[(T, &'static str)], x: T) -> &'static str {
    table
        .iter()
        .find(|(t, _)| *t == x)
        .map(|(_, n)| *n)
        .unwrap_or("?")
}

/// The enum value of a text name from one of the `ALL` tables.
pub fn from_name<T: Copy>(table: &[(T, &'static str)], name: &str) -> Option<T> {
    table.iter().find(|(_, n)| *n == name).map(|(t, _)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_arithmetic_overflows_at_the_63_bit_range() {
        use crate::types::tagging::INT_MAX;
        assert_eq!(CheckedOp::Iadd.eval(INT_MAX, 1), None);
        assert_eq!(CheckedOp::Iadd.eval(INT_MAX - 1, 1), Some(INT_MAX));
        assert_eq!(CheckedOp::Imul.eval(1 << 31, 1 << 31), None);
    }

    #[test]
    fn ult_treats_negative_indices_as_out_of_bounds() {
        assert!(!IntCC::Ult.eval(-1, 10));
        assert!(IntCC::Ult.eval(9, 10));
    }
}
