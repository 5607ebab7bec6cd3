//! What each bytecode is, as data: whether it may send (and through which send site),
//! whether it jumps and where, whether it is a loop back-edge (advancing the logical
//! clock), and its stack effect. The compiler, the disassembler, the tools' CFG and
//! every tier read these instead of re-deriving them.

use super::Bytecode;

impl Bytecode {
    /// The send site of a bytecode that sends through an inline cache (a send, a super
    /// send, or an operator whose fast path may fall back to a send).
    pub(crate) fn send_site(self) -> Option<u32> {
        use Bytecode::*;
        match self {
            Send(s) | SuperSend(s) | Add(s) | Sub(s) | Mul(s) | Lt(s) | Gt(s) | Le(s) | Ge(s)
            | Eq(s) | Ne(s) | Div(s) | Mod(s) | BitAnd(s) | Identical(s) | At(s) | AtPut(s) => {
                Some(s)
            }
            _ => None,
        }
    }
}
