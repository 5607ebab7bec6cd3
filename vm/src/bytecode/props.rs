//! What each bytecode is, as data (`Bytecode::props`): whether it may send and through
//! which send site, where it may jump and how (forward, conditional, loop back-edge),
//! whether it has an inlining fallback, whether execution can fall through to the next
//! bytecode, whether it advances the logical clock, and its stack effect. The tools'
//! CFG, tier 1's entry points and the profile read these instead of re-deriving them.

use super::Bytecode;

/// How a bytecode's jump is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JumpKind {
    /// Always (a forward `Jump`).
    Always,
    /// When its condition holds (`JumpIfTrue`/`False`, `NilTest`, a loop's exit test).
    Conditional,
    /// Always, backwards: a loop back-edge, which advances the logical clock.
    LoopBack,
}

/// A bytecode's stack effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StackEffect {
    /// Pops and pushes a fixed number of values (when it does not send).
    Fixed { pops: u8, pushes: u8 },
    /// A send: pops the receiver and the site's arguments, pushes the result.
    Send,
    /// Leaves the activation.
    Return,
}

/// The properties of one bytecode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Props {
    pub send_site: Option<u32>,
    pub jump: Option<(u32, JumpKind)>,
    pub fallback: Option<u16>,
    pub falls_through: bool,
    /// Advances the logical clock when executed (a send or a loop back-edge).
    pub advances_clock: bool,
    pub stack: StackEffect,
}

impl Bytecode {
    /// The send site of a bytecode that sends through an inline cache (a send, a super
    /// send, or an operator whose fast path may fall back to a send).
    pub(crate) fn send_site(self) -> Option<u32> {
        use Bytecode::*;
        match self {
            Send(s) | SuperSend(s) | Add(s) | Sub(s) | Mul(s) | Lt(s) | Gt(s) | Le(s) | Ge(s)
            | Eq(s) | Ne(s) | Div(s) | Mod(s) | BitAnd(s) | Identical(s) | At(s) | AtPut(s) => {
                Some(s.as_u32())
            }
            _ => None,
        }
    }

    /// Where the bytecode may jump, and how.
    pub(crate) fn jump(self) -> Option<(u32, JumpKind)> {
        use Bytecode::*;
        Some(match self {
            Jump(t) => (t.as_u32(), JumpKind::Always),
            JumpBack(t) | PopLocalJumpBack(_, t) => (t.as_u32(), JumpKind::LoopBack),
            ToDoStep { head, .. } => (head.as_u32(), JumpKind::LoopBack),
            JumpIfFalse { target, .. } | JumpIfTrue { target, .. } | NilTest { target, .. } => {
                (target.as_u32(), JumpKind::Conditional)
            }
            ToDoTest { exit, .. } => (exit.as_u32(), JumpKind::Conditional),
            _ => return None,
        })
    }

    /// The inlining fallback of an inlined construct (which may send the real message).
    pub(crate) fn fallback(self) -> Option<u16> {
        use Bytecode::*;
        match self {
            JumpIfFalse { fallback, .. }
            | JumpIfTrue { fallback, .. }
            | NilTest { fallback, .. }
            | ToDoPrepare { fallback, .. } => Some(fallback),
            _ => None,
        }
    }

    /// Everything `Props` says about this bytecode.
    pub(crate) fn props(self) -> Props {
        use Bytecode::*;
        let jump = self.jump();
        let fixed = |pops, pushes| StackEffect::Fixed { pops, pushes };
        let stack = match self {
            ReturnLocal | ReturnNonLocal => StackEffect::Return,
            Send(_) | SuperSend(_) => StackEffect::Send,
            PushNil | PushTrue | PushFalse | PushSelf | PushInt(_) | PushLiteral(_)
            | PushLocal(_) | PushCaptured(_) | PushOuter(..) | PushCreator(_) | PushField(_)
            | PushGlobal(_) | PushBlock(_) => fixed(0, 1),
            PushLocal2(..) | PushLocalInt(..) | PushField2(..) => fixed(0, 2),
            PopField(_) | PopLocal(_) | Pop | PopLocalJumpBack(..) => fixed(1, 0),
            PopPushSelf | StoreLocal(_) | StoreCaptured(_) | StoreOuter(..) | StoreCreator(_)
            | StoreField(_) => fixed(1, 1),
            Add(_) | Sub(_) | Mul(_) | Lt(_) | Gt(_) | Le(_) | Ge(_) | Eq(_) | Ne(_) | Div(_)
            | Mod(_) | BitAnd(_) | Identical(_) | At(_) => fixed(2, 1),
            AtPut(_) => fixed(3, 1),
            Jump(_) | JumpBack(_) | ToDoTest { .. } | ToDoStep { .. } => fixed(0, 0),
            JumpIfFalse { .. } | JumpIfTrue { .. } => fixed(1, 0),
            // Pops the value when the branch it takes does not keep it.
            NilTest { .. } => fixed(1, 1),
            ToDoPrepare { kind, .. } => fixed(2 + kind.has_step() as u8, 0),
        };
        Props {
            send_site: self.send_site(),
            jump,
            fallback: self.fallback(),
            falls_through: !matches!(
                self,
                Jump(_) | JumpBack(_) | PopLocalJumpBack(..) | ToDoStep { .. }
            ) && stack != StackEffect::Return,
            advances_clock: self.send_site().is_some()
                || matches!(jump, Some((_, JumpKind::LoopBack))),
            stack,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytecode::LoopKind;
    use crate::ids::{Bci, SendSiteId};

    #[test]
    fn back_edges_and_sends_advance_the_clock_and_nothing_else_does() {
        let send = Bytecode::Send(SendSiteId::new(3)).props();
        assert!(send.advances_clock && send.falls_through);
        assert_eq!(send.send_site, Some(3));
        let back = Bytecode::JumpBack(Bci::new(0)).props();
        assert!(back.advances_clock && !back.falls_through);
        let step = Bytecode::ToDoStep {
            counter: 1,
            head: Bci::new(4),
            down: false,
        };
        assert_eq!(step.props().jump, Some((4, JumpKind::LoopBack)));
        let forward = Bytecode::Jump(Bci::new(9)).props();
        assert!(!forward.advances_clock && !forward.falls_through);
        assert!(!Bytecode::PushLocal(0).props().advances_clock);
    }

    #[test]
    fn conditionals_fall_through_branch_and_name_their_fallback() {
        let p = Bytecode::JumpIfFalse {
            target: Bci::new(7),
            fallback: 2,
        }
        .props();
        assert_eq!(p.jump, Some((7, JumpKind::Conditional)));
        assert_eq!(p.fallback, Some(2));
        assert!(p.falls_through);
        let prep = Bytecode::ToDoPrepare {
            counter: 1,
            fallback: 0,
            kind: LoopKind::ToBy,
        };
        assert_eq!(
            prep.props().stack,
            StackEffect::Fixed { pops: 3, pushes: 0 }
        );
        assert_eq!(Bytecode::ReturnLocal.props().stack, StackEffect::Return);
        assert!(!Bytecode::ReturnLocal.props().falls_through);
    }
}
