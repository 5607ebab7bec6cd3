//! Peephole work on emitted bytecode: superinstruction fusion as instructions are
//! emitted, and recognizing trivial methods (getters, setters, constants, `^ self`)
//! that a send runs without an activation.

use super::{Activation, Compiler};
use crate::bytecode::{Bytecode, Code, Trivial};
use crate::value::Value;

impl Activation {
    /// Superinstructions: frequent pairs (local/local, local/int, field/field pushes, a
    /// store then a loop back-edge) join into one bytecode when the second is not a jump
    /// target, saving a dispatch. Answers the index of the fused instruction.
    pub(super) fn fuse(&mut self, next: Bytecode) -> Option<usize> {
        let n = self.code.len();
        if n == 0 || self.label_at == n {
            return None;
        }
        self.code[n - 1] = match (self.code[n - 1], next) {
            (Bytecode::PushLocal(a), Bytecode::PushLocal(b)) => Bytecode::PushLocal2(a, b),
            (Bytecode::PushLocal(a), Bytecode::PushInt(i)) => Bytecode::PushLocalInt(a, i),
            (Bytecode::PushField(a), Bytecode::PushField(b)) => Bytecode::PushField2(a, b),
            (Bytecode::PopLocal(s), Bytecode::JumpBack(t)) => Bytecode::PopLocalJumpBack(s, t),
            (Bytecode::Pop, Bytecode::PushSelf) => Bytecode::PopPushSelf,
            _ => return None,
        };
        Some(n - 1)
    }
}

impl Compiler<'_> {
    /// Recognizes methods a send can run without an activation (constant returns,
    /// `^ self`, field getters and setters) from their bytecode.
    pub(super) fn trivial(code: &Code) -> Option<Trivial> {
        use Bytecode::*;
        if code.num_captured > 0 {
            return None;
        }
        Some(match code.bytecodes.as_slice() {
            [PushSelf, ReturnLocal] => Trivial::ReturnSelf,
            [PushNil, ReturnLocal] => Trivial::Constant(Value::NIL),
            [PushTrue, ReturnLocal] => Trivial::Constant(Value::TRUE),
            [PushFalse, ReturnLocal] => Trivial::Constant(Value::FALSE),
            [PushInt(i), ReturnLocal] => Trivial::Constant(Value::int(*i as i64)?),
            [PushLiteral(l), ReturnLocal] => Trivial::Constant(code.literals[*l as usize]),
            [PushField(f), ReturnLocal] => Trivial::Getter(*f),
            [PushLocal(1), PopField(f), PushSelf, ReturnLocal] if code.num_args == 1 => {
                Trivial::Setter(*f)
            }
            _ => return None,
        })
    }
}
