//! Inlined control structures: `ifTrue:` and friends, `and:`/`or:`, `whileTrue:`/
//! `whileFalse:` and `to:do:` with literal blocks compile to jumps. Each inlined site
//! keeps a fallback (the literal blocks compiled as real block methods) so that a
//! non-boolean condition or a non-number `to:do:` receiver still gets the real message.
//!
//! Bytecode size stays linear in source size: a fallback block inlines nothing (its
//! nested inlinable sends are real sends of creator-frame blocks), and sites nested
//! deeper than `MAX_INLINE_DEPTH` inlined sites are real sends too, so each piece of
//! source is compiled at most `MAX_INLINE_DEPTH + 1` times.

use super::analyze::{block_key, Inlined};
use super::{CResult, Compiler};
use crate::bytecode::{Bytecode, Fallback, FallbackKind, LoopKind, LoopSlots};
use crate::front::ast::{Block, Expr, ExprKind, Pos};
use crate::ids::Bci;

/// Inlined sites nest at most this deep; deeper inlinable sends are real sends.
pub(super) const MAX_INLINE_DEPTH: usize = 12;
/// Fallback index meaning "no fallback compiled" (the compiler always compiles one; the
/// runtime still refuses a site without one).
pub(crate) const NO_FALLBACK: u16 = u16::MAX;

impl Compiler<'_> {
    /// The construct and blocks a send inlines here, or `None` for a real send. An
    /// inlinable send that is not inlined (in a fallback block, or past
    /// `MAX_INLINE_DEPTH`) marks its literal blocks as creator-frame blocks.
    pub(super) fn inlinable<'a>(
        &mut self,
        receiver: &'a Expr,
        selector: &str,
        args: &'a [Expr],
    ) -> Option<(Inlined, Vec<&'a Block>)> {
        let (kind, blocks) =
            super::analyze::inlined_blocks(&self.analysis, receiver, selector, args)?;
        if self.cur().no_inline || self.inline_depth >= MAX_INLINE_DEPTH {
            self.creator_blocks
                .extend(blocks.iter().map(|b| block_key(b)));
            return None;
        }
        Some((kind, blocks))
    }

    pub(super) fn inlined(
        &mut self,
        kind: Inlined,
        blocks: &[&Block],
        receiver: &Expr,
        args: &[Expr],
        selector: &str,
        pos: Pos,
    ) -> CResult<()> {
        match kind {
            Inlined::IfTrue | Inlined::IfFalse => {
                self.expr(receiver)?;
                let fb = self.fallback(selector, blocks, FallbackKind::ValueIsReceiver)?;
                self.line = pos.line;
                let j = self.cond_jump(kind == Inlined::IfTrue, fb);
                self.inline_body(blocks[0])?;
                let jend = self.emit(Bytecode::Jump(Bci::new(0)));
                let else_label = self.label();
                self.patch(j, else_label);
                self.emit(Bytecode::PushNil);
                self.finish(jend, fb);
            }
            Inlined::IfTrueIfFalse | Inlined::IfFalseIfTrue => {
                self.expr(receiver)?;
                let fb = self.fallback(selector, blocks, FallbackKind::ValueIsReceiver)?;
                self.line = pos.line;
                let j = self.cond_jump(kind == Inlined::IfTrueIfFalse, fb);
                self.inline_body(blocks[0])?;
                let jend = self.emit(Bytecode::Jump(Bci::new(0)));
                let else_label = self.label();
                self.patch(j, else_label);
                self.inline_body(blocks[1])?;
                self.finish(jend, fb);
            }
            Inlined::And | Inlined::Or => {
                self.expr(receiver)?;
                let fb = self.fallback(selector, blocks, FallbackKind::ValueIsReceiver)?;
                self.line = pos.line;
                let j = self.cond_jump(kind == Inlined::And, fb);
                self.inline_body(blocks[0])?;
                let jend = self.emit(Bytecode::Jump(Bci::new(0)));
                let short = self.label();
                self.patch(j, short);
                self.emit(if kind == Inlined::And {
                    Bytecode::PushFalse
                } else {
                    Bytecode::PushTrue
                });
                self.finish(jend, fb);
            }
            Inlined::WhileTrue | Inlined::WhileFalse => self.while_loop(kind, blocks, pos)?,
            Inlined::NilTest(mode) => {
                self.expr(receiver)?;
                let fallback = self.fallback(selector, blocks, FallbackKind::ValueIsReceiver)?;
                self.line = pos.line;
                let test = self.emit(Bytecode::NilTest {
                    target: Bci::new(0),
                    fallback,
                    mode,
                });
                self.inline_body(blocks[0])?;
                let end = if blocks.len() == 2 {
                    let jend = self.emit(Bytecode::Jump(Bci::new(0)));
                    let second = self.label();
                    self.patch(test, second);
                    self.inline_body(blocks[1])?;
                    let end = self.label();
                    self.patch(jend, end);
                    end
                } else {
                    let end = self.label();
                    self.patch(test, end);
                    end
                };
                self.set_resume(fallback, end);
            }
            Inlined::ToDo(loop_kind) => {
                self.counting_loop(loop_kind, selector, blocks[0], receiver, args, pos)?
            }
        }
        Ok(())
    }

    /// Compiles a statement whose value is dropped: an inlined `ifTrue:`-style
    /// conditional leaves nothing on the stack (no `push_nil`/`pop` for the branch not
    /// taken). Answers false when `s` is not such a statement (nothing emitted).
    pub(super) fn statement_for_effect(&mut self, s: &Expr) -> CResult<bool> {
        let ExprKind::Send {
            receiver,
            selector,
            args,
        } = &s.kind
        else {
            return Ok(false);
        };
        let Some((kind, blocks)) = self.inlinable(receiver, selector, args) else {
            return Ok(false);
        };
        let two_way = match kind {
            Inlined::IfTrue | Inlined::IfFalse => false,
            Inlined::IfTrueIfFalse | Inlined::IfFalseIfTrue => true,
            _ => return Ok(false),
        };
        self.inline_depth += 1;
        let r = self.conditional_for_effect(s, kind, &blocks, receiver, selector, two_way);
        self.inline_depth -= 1;
        r
    }

    fn conditional_for_effect(
        &mut self,
        s: &Expr,
        kind: Inlined,
        blocks: &[&Block],
        receiver: &Expr,
        selector: &str,
        two_way: bool,
    ) -> CResult<bool> {
        self.line = s.pos.line;
        self.expr(receiver)?;
        let fb = self.fallback(selector, blocks, FallbackKind::ValueIsReceiver)?;
        self.line = s.pos.line;
        let continue_on = matches!(kind, Inlined::IfTrue | Inlined::IfTrueIfFalse);
        let j = self.cond_jump(continue_on, fb);
        self.inline_body(blocks[0])?;
        self.emit_pop();
        if two_way {
            let jend = self.emit(Bytecode::Jump(Bci::new(0)));
            let else_label = self.label();
            self.patch(j, else_label);
            self.inline_body(blocks[1])?;
            self.emit_pop();
            let end = self.label();
            self.patch(jend, end);
            self.trampoline(fb, end);
        } else {
            let end = self.label();
            self.patch(j, end);
            self.trampoline(fb, end);
        }
        self.last_was_effect = true;
        Ok(true)
    }

    fn trampoline(&mut self, fb: u16, end: u32) {
        if fb != NO_FALLBACK {
            self.cur().trampolines.push((fb, end));
        }
    }

    /// Emits the conditional jump that skips the inlined block when the condition is not
    /// `continue_on`.
    fn cond_jump(&mut self, continue_on: bool, fallback: u16) -> usize {
        if continue_on {
            self.emit(Bytecode::JumpIfFalse {
                target: Bci::new(0),
                fallback,
            })
        } else {
            self.emit(Bytecode::JumpIfTrue {
                target: Bci::new(0),
                fallback,
            })
        }
    }

    /// Binds the end label of a two-way construct and the fallback's resume point.
    fn finish(&mut self, jend: usize, fb: u16) {
        let end = self.label();
        self.patch(jend, end);
        self.set_resume(fb, end);
    }

    fn set_resume(&mut self, fb: u16, at: u32) {
        if fb != NO_FALLBACK {
            self.cur().fallbacks[fb as usize].resume = at;
        }
    }

    fn while_loop(&mut self, kind: Inlined, blocks: &[&Block], pos: Pos) -> CResult<()> {
        let selector = if kind == Inlined::WhileTrue {
            "whileTrue:"
        } else {
            "whileFalse:"
        };
        let fb = self.fallback(selector, blocks, FallbackKind::BlockIsReceiver)?;
        let head = self.label();
        self.inline_body(blocks[0])?;
        self.line = pos.line;
        let j = self.cond_jump(kind == Inlined::WhileTrue, fb);
        self.inline_body(blocks[1])?;
        self.emit_pop();
        self.line = pos.line;
        self.emit(Bytecode::JumpBack(Bci::from_u32(head)));
        let exit = self.label();
        self.patch(j, exit);
        self.emit(Bytecode::PushNil);
        let resume = self.label();
        self.set_resume(fb, resume);
        Ok(())
    }

    fn counting_loop(
        &mut self,
        kind: LoopKind,
        selector: &str,
        block: &Block,
        start: &Expr,
        args: &[Expr],
        pos: Pos,
    ) -> CResult<()> {
        self.expr(start)?;
        for a in &args[..args.len() - 1] {
            self.expr(a)?;
        }
        let fb = self.fallback(selector, &[block], FallbackKind::ValueIsReceiver)?;
        let mark = self.scopes.len();
        // The slots in `LoopSlots` order: counter, limit, the block's parameter, start,
        // step.
        let counter = self.hidden_slot("<counter>");
        let slots = LoopSlots { counter };
        let limit = self.hidden_slot("<limit>");
        self.declare(&block.params[0], false);
        let start = self.hidden_slot("<start>");
        let step = self.hidden_slot("<step>");
        debug_assert_eq!(
            [limit, start, step],
            [LoopSlots::LIMIT, LoopSlots::START, LoopSlots::STEP].map(|w| slots.slot(w))
        );
        self.line = pos.line;
        self.emit(Bytecode::ToDoPrepare {
            counter,
            fallback: fb,
            kind,
        });
        let down = kind.down();
        let head = self.label();
        let test = self.emit(Bytecode::ToDoTest {
            counter,
            exit: Bci::new(0),
            down,
        });
        self.inline_body(block)?;
        self.emit_pop();
        self.line = pos.line;
        self.emit(Bytecode::ToDoStep {
            counter,
            head: Bci::from_u32(head),
            down,
        });
        let exit = self.label();
        self.patch(test, exit);
        self.emit(Bytecode::PushLocal(slots.slot(LoopSlots::START)));
        let resume = self.label();
        self.set_resume(fb, resume);
        self.scopes.truncate(mark);
        Ok(())
    }

    /// Compiles a literal block's body in place: its temporaries get fresh frame slots,
    /// reset to nil on every entry as a real activation would have them.
    fn inline_body(&mut self, block: &Block) -> CResult<()> {
        let mark = self.scopes.len();
        for l in &block.body.locals {
            let var = self.declare(l, false);
            let slot = self.cur().vars[var].slot;
            self.emit(Bytecode::PushNil);
            self.emit(Bytecode::PopLocal(slot));
        }
        self.statements(&block.body, true)?;
        self.scopes.truncate(mark);
        Ok(())
    }

    /// Compiles the fallback blocks of an inlined site; answers the fallback index.
    fn fallback(&mut self, selector: &str, blocks: &[&Block], kind: FallbackKind) -> CResult<u16> {
        let saved_line = self.line;
        let mut methods = Vec::new();
        for b in blocks {
            methods.push(self.compile_block(b, true)?);
        }
        self.line = saved_line;
        let selector = self.sym(selector);
        let act = self.cur();
        act.fallbacks.push(Fallback {
            selector,
            blocks: methods,
            kind,
            resume: 0,
        });
        Ok((act.fallbacks.len() - 1) as u16)
    }
}
