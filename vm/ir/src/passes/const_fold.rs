//! Constant folding and algebraic simplification: arithmetic, compares and conversions on
//! constants, identities (`x + 0`, `untag_int (tag_int x)`), selects and branches on
//! constant conditions, and guards a constant satisfies.

use crate::entities::{Inst, Value};
use crate::function::Function;
use crate::inst::{BinOp, GuardKind, InstData, UnOp};
use crate::types::{tagging, Type};
use std::collections::HashMap;

/// What folding an instruction gives.
enum Fold {
    /// Leave it.
    Keep,
    /// Its result is this existing value; remove it.
    Alias(Value),
    /// Replace it by this instruction (same result).
    Replace(InstData),
    /// It does nothing; remove it.
    Remove,
}

/// Folds until nothing changes.
pub fn run(func: &mut Function) {
    for _ in 0..8 {
        if !fold_once(func) {
            break;
        }
    }
}

fn fold_once(func: &mut Function) -> bool {
    let mut changed = false;
    let mut aliases = HashMap::new();
    for inst in func.layout_insts() {
        if !aliases.is_empty() {
            func.insts[inst].map_args(|v| *aliases.get(&v).unwrap_or(&v));
        }
        match fold(func, inst) {
            Fold::Keep => continue,
            Fold::Alias(v) => {
                aliases.insert(func.first_result(inst), v);
                func.detach(inst);
            }
            Fold::Replace(data) => func.insts[inst] = data,
            Fold::Remove => func.detach(inst),
        }
        changed = true;
    }
    func.replace_uses(&aliases);
    changed
}

fn int_const(ty: Type, n: i64) -> InstData {
    debug_assert_eq!(ty, Type::Int);
    InstData::Const { ty, bits: n as u64 }
}

fn fold(f: &Function, inst: Inst) -> Fold {
    use InstData::*;
    let c = |v| f.const_of(v);
    let i = |v| f.int_const(v);
    match &f.insts[inst] {
        Binary { op, args: [a, b] } => fold_binary(f, *op, *a, *b),
        Checked {
            op, args: [a, b], ..
        } => match (i(*a), i(*b)) {
            (Some(x), Some(y)) => op
                .eval(x, y)
                .map_or(Fold::Keep, |r| Fold::Replace(int_const(Type::Int, r))),
            (_, Some(0)) if *op != crate::inst::CheckedOp::Imul => Fold::Alias(*a),
            (_, Some(1)) if *op == crate::inst::CheckedOp::Imul => Fold::Alias(*a),
            _ => Fold::Keep,
        },
        IntCompare { cc, args: [a, b] } => match (c(*a), c(*b)) {
            (Some((_, x)), Some((_, y))) => bool_const(cc.eval(x as i64, y as i64)),
            _ if a == b => bool_const(cc.eval(0, 0)),
            _ => Fold::Keep,
        },
        FloatCompare { cc, args: [a, b] } => match (c(*a), c(*b)) {
            (Some((_, x)), Some((_, y))) => {
                bool_const(cc.eval(f64::from_bits(x), f64::from_bits(y)))
            }
            _ => Fold::Keep,
        },
        Unary { op, arg } => fold_unary(f, *op, *arg),
        Select {
            cond, args: [a, b], ..
        } => match c(*cond) {
            Some((_, bits)) => Fold::Alias(if bits != 0 { *a } else { *b }),
            None if a == b => Fold::Alias(*a),
            None => Fold::Keep,
        },
        Guard { kind, arg, .. } => match (kind, c(*arg)) {
            (GuardKind::True, Some((_, 1))) | (GuardKind::False, Some((_, 0))) => Fold::Remove,
            (GuardKind::Int, Some((_, w))) if tagging::untag_int(w).is_some() => Fold::Remove,
            (GuardKind::Float, Some((_, w))) if w & tagging::LOW2_MASK == tagging::FLOAT_TAG => {
                Fold::Remove
            }
            _ => Fold::Keep,
        },
        Brif {
            cond,
            then_dest,
            else_dest,
        } => match c(*cond) {
            Some((_, bits)) => {
                let dest = if bits != 0 { then_dest } else { else_dest }.clone();
                Fold::Replace(Jump { dest })
            }
            None if then_dest == else_dest => Fold::Replace(Jump {
                dest: then_dest.clone(),
            }),
            None => Fold::Keep,
        },
        _ => Fold::Keep,
    }
}

fn bool_const(b: bool) -> Fold {
    Fold::Replace(InstData::Const {
        ty: Type::Bool,
        bits: b as u64,
    })
}

fn fold_binary(f: &Function, op: BinOp, a: Value, b: Value) -> Fold {
    if op.is_float() {
        let (Some((_, x)), Some((_, y))) = (f.const_of(a), f.const_of(b)) else {
            return Fold::Keep;
        };
        let (x, y) = (f64::from_bits(x), f64::from_bits(y));
        let r = match op {
            BinOp::Fadd => x + y,
            BinOp::Fsub => x - y,
            BinOp::Fmul => x * y,
            _ => x / y,
        };
        return Fold::Replace(InstData::Const {
            ty: Type::Float,
            bits: r.to_bits(),
        });
    }
    match (f.int_const(a), f.int_const(b)) {
        (Some(x), Some(y)) => {
            let r = match op {
                BinOp::Iadd => x.wrapping_add(y),
                BinOp::Isub => x.wrapping_sub(y),
                BinOp::Imul => x.wrapping_mul(y),
                BinOp::Iand => x & y,
                BinOp::Ior => x | y,
                BinOp::Ixor => x ^ y,
                _ => x >> (y & 63),
            };
            Fold::Replace(int_const(Type::Int, r))
        }
        (_, Some(0))
            if matches!(
                op,
                BinOp::Iadd | BinOp::Isub | BinOp::Ior | BinOp::Ixor | BinOp::Isar
            ) =>
        {
            Fold::Alias(a)
        }
        (Some(0), _) if matches!(op, BinOp::Iadd | BinOp::Ior | BinOp::Ixor) => Fold::Alias(b),
        (_, Some(1)) if op == BinOp::Imul => Fold::Alias(a),
        (Some(1), _) if op == BinOp::Imul => Fold::Alias(b),
        (_, Some(0)) | (Some(0), _) if matches!(op, BinOp::Imul | BinOp::Iand) => {
            Fold::Replace(int_const(Type::Int, 0))
        }
        _ if a == b && matches!(op, BinOp::Isub | BinOp::Ixor) => {
            Fold::Replace(int_const(Type::Int, 0))
        }
        _ => Fold::Keep,
    }
}

fn fold_unary(f: &Function, op: UnOp, arg: Value) -> Fold {
    let inner = f.def_data(arg);
    match (op, f.const_of(arg), inner) {
        (UnOp::TagInt, Some((_, n)), _) if tagging::fits_int(n as i64) => {
            Fold::Replace(InstData::Const {
                ty: Type::Word,
                bits: tagging::tag_int(n as i64),
            })
        }
        (UnOp::UntagInt, Some((_, w)), _) => match tagging::untag_int(w) {
            Some(n) => Fold::Replace(int_const(Type::Int, n)),
            None => Fold::Keep,
        },
        (UnOp::IntToFloat, Some((_, n)), _) => Fold::Replace(InstData::Const {
            ty: Type::Float,
            bits: (n as i64 as f64).to_bits(),
        }),
        (
            UnOp::UntagInt,
            _,
            Some(InstData::Unary {
                op: UnOp::TagInt,
                arg: x,
            }),
        ) => Fold::Alias(*x),
        (
            UnOp::TagInt,
            _,
            Some(InstData::Unary {
                op: UnOp::UntagInt,
                arg: x,
            }),
        ) => Fold::Alias(*x),
        (
            UnOp::UnboxFloat,
            _,
            Some(InstData::Unary {
                op: UnOp::BoxFloat,
                arg: x,
            }),
        ) => Fold::Alias(*x),
        _ => Fold::Keep,
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_function;

    #[test]
    fn arithmetic_on_constants_folds_and_a_constant_branch_becomes_a_jump() {
        let mut f = parse_function(
            "function %f() -> word {\nb0():\n    v0 = iconst 3\n    v1 = iconst 4\n    v2 = iadd v0, v1\n    v3 = icmp.lt v0, v1\n    brif v3, b1(), b2()\nb1():\n    v4 = tag_int v2\n    return v4\nb2():\n    v5 = const.word 0x1\n    return v5\n}\n",
        )
        .unwrap();
        super::run(&mut f);
        let text = f.to_string();
        assert!(text.contains("v2 = iconst 7"), "{text}");
        assert!(text.contains("jump b1()"), "{text}");
        assert!(text.contains("v4 = const.word 0xf"), "{text}");
    }

    #[test]
    fn checked_add_that_overflows_is_kept() {
        let mut f = parse_function(&format!(
            "function %f(word) -> int {{\n    fs0 = state m1 @0 [v9]\n\nb0(v9: word):\n    v0 = iconst {}\n    v1 = iconst 1\n    v2 = iadd_ovf v0, v1, fs0\n    return v2\n}}\n",
            crate::types::tagging::INT_MAX
        ))
        .unwrap();
        super::run(&mut f);
        assert!(f.to_string().contains("iadd_ovf"));
    }
}
