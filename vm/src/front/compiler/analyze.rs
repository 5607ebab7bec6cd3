//! Capture analysis: which variables are read or written by a nested (non-inlined) block
//! and so must live in a heap context, and which literal blocks may be inlined.
//!
//! A literal block is inlined when its send is one the compiler inlines (`ifTrue:`,
//! `whileTrue:`, `to:do:`, ...) and none of its own parameters or temporaries is captured
//! by a nested real block (inlining would otherwise share one variable between what are
//! separate activations, e.g. the loop variable of `to:do:`). The analysis is repeated
//! until the set of blocks refused inlining stops growing.

use crate::bytecode::{LoopKind, NilTestMode};
use crate::front::ast::{Block, Body, Expr, ExprKind, MethodDef};
use std::collections::HashSet;

/// Identity of a declared name: the address of its `String` in the AST.
pub(crate) fn decl_key(name: &String) -> usize {
    name as *const String as usize
}

/// Identity of a literal block in the AST.
pub(crate) fn block_key(block: &Block) -> usize {
    block as *const Block as usize
}

/// The analysis result for one method.
#[derive(Default, Debug)]
pub(crate) struct Analysis {
    pub captured: HashSet<usize>,
    pub no_inline: HashSet<usize>,
}

impl Analysis {
    pub(crate) fn is_captured(&self, name: &String) -> bool {
        self.captured.contains(&decl_key(name))
    }
}

/// Which inlined construct a send is, by selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inlined {
    IfTrue,
    IfFalse,
    IfTrueIfFalse,
    IfFalseIfTrue,
    And,
    Or,
    WhileTrue,
    WhileFalse,
    ToDo(crate::bytecode::LoopKind),
    NilTest(crate::bytecode::NilTestMode),
}

fn literal_block(e: &Expr, params: usize) -> Option<&Block> {
    match &e.kind {
        ExprKind::Block(b) if b.params.len() == params => Some(b),
        _ => None,
    }
}

/// The literal blocks a send would inline, if its shape allows, ignoring captures.
pub(crate) fn inline_shape<'a>(
    receiver: &'a Expr,
    selector: &str,
    args: &'a [Expr],
) -> Option<(Inlined, Vec<&'a Block>)> {
    if matches!(&receiver.kind, ExprKind::Variable(v) if v == "super") {
        return None;
    }
    let kind = match selector {
        "ifTrue:" => Inlined::IfTrue,
        "ifFalse:" => Inlined::IfFalse,
        "ifTrue:ifFalse:" => Inlined::IfTrueIfFalse,
        "ifFalse:ifTrue:" => Inlined::IfFalseIfTrue,
        "and:" => Inlined::And,
        "or:" => Inlined::Or,
        "whileTrue:" => Inlined::WhileTrue,
        "whileFalse:" => Inlined::WhileFalse,
        "ifNil:" => Inlined::NilTest(NilTestMode::Absent),
        "ifNotNil:" => Inlined::NilTest(NilTestMode::Present),
        "ifNil:ifNotNil:" => Inlined::NilTest(NilTestMode::AbsentThenPresent),
        "ifNotNil:ifNil:" => Inlined::NilTest(NilTestMode::PresentThenAbsent),
        "to:do:" => Inlined::ToDo(LoopKind::To),
        "to:by:do:" => Inlined::ToDo(LoopKind::ToBy),
        "downTo:do:" => Inlined::ToDo(LoopKind::DownTo),
        "downTo:by:do:" => Inlined::ToDo(LoopKind::DownToBy),
        _ => return None,
    };
    let mut blocks = Vec::new();
    match kind {
        Inlined::WhileTrue | Inlined::WhileFalse => {
            blocks.push(literal_block(receiver, 0)?);
            blocks.push(literal_block(&args[0], 0)?);
        }
        Inlined::ToDo(_) => blocks.push(literal_block(args.last()?, 1)?),
        _ => {
            for a in args {
                blocks.push(literal_block(a, 0)?);
            }
        }
    }
    Some((kind, blocks))
}

/// The blocks a send inlines, given the analysis so far.
pub(crate) fn inlined_blocks<'a>(
    analysis: &Analysis,
    receiver: &'a Expr,
    selector: &str,
    args: &'a [Expr],
) -> Option<(Inlined, Vec<&'a Block>)> {
    let (kind, blocks) = inline_shape(receiver, selector, args)?;
    if blocks
        .iter()
        .any(|b| analysis.no_inline.contains(&block_key(b)))
    {
        return None;
    }
    Some((kind, blocks))
}

struct Walker<'a> {
    analysis: &'a mut Analysis,
    /// (name, declaration key, activation depth)
    scopes: Vec<(&'a str, usize, usize)>,
    depth: usize,
    /// Inlined blocks currently being walked, with their declaration keys.
    changed: bool,
}

/// Analyzes a method: captured variables and blocks that must not be inlined.
pub(crate) fn analyze(method: &MethodDef, body: &Body) -> Analysis {
    let mut analysis = Analysis::default();
    loop {
        analysis.captured.clear();
        let mut w = Walker {
            analysis: &mut analysis,
            scopes: Vec::new(),
            depth: 0,
            changed: false,
        };
        for p in &method.params {
            w.declare(p);
        }
        w.body(body);
        if !w.changed {
            return analysis;
        }
    }
}

impl<'a> Walker<'a> {
    fn declare(&mut self, name: &'a String) {
        self.scopes
            .push((name.as_str(), decl_key(name), self.depth));
    }

    fn reference(&mut self, name: &str) {
        if let Some(&(_, key, depth)) = self.scopes.iter().rev().find(|(n, _, _)| *n == name) {
            if depth < self.depth {
                self.analysis.captured.insert(key);
            }
        }
    }

    fn body(&mut self, body: &'a Body) {
        let mark = self.scopes.len();
        for l in &body.locals {
            self.declare(l);
        }
        for s in &body.statements {
            self.expr(s);
        }
        self.scopes.truncate(mark);
    }

    fn real_block(&mut self, b: &'a Block) {
        self.depth += 1;
        let mark = self.scopes.len();
        for p in &b.params {
            self.declare(p);
        }
        self.body(&b.body);
        self.scopes.truncate(mark);
        self.depth -= 1;
    }

    fn inlined_block(&mut self, b: &'a Block) {
        let mark = self.scopes.len();
        for p in &b.params {
            self.declare(p);
        }
        self.body(&b.body);
        self.scopes.truncate(mark);
        let own = b.params.iter().chain(b.body.locals.iter());
        let captured = own
            .map(decl_key)
            .any(|k| self.analysis.captured.contains(&k));
        if captured {
            self.analysis.no_inline.insert(block_key(b));
            self.changed = true;
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Variable(n) => self.reference(n),
            ExprKind::Assign(n, v) => {
                self.reference(n);
                self.expr(v);
            }
            ExprKind::Literal(_) => {}
            ExprKind::Block(b) => self.real_block(b),
            ExprKind::Return(v) => self.expr(v),
            ExprKind::Send {
                receiver,
                selector,
                args,
            } => {
                let inlined = inlined_blocks(self.analysis, receiver, selector, args);
                match inlined {
                    Some((_, blocks)) => {
                        let keys: Vec<usize> = blocks.iter().map(|b| block_key(b)).collect();
                        self.walk_inlined_operand(receiver, &keys);
                        for a in args.iter() {
                            self.walk_inlined_operand(a, &keys);
                        }
                    }
                    None => {
                        self.expr(receiver);
                        for a in args {
                            self.expr(a);
                        }
                    }
                }
            }
        }
    }

    fn walk_inlined_operand(&mut self, e: &'a Expr, inlined_keys: &[usize]) {
        match &e.kind {
            ExprKind::Block(b) if inlined_keys.contains(&block_key(b)) => self.inlined_block(b),
            _ => self.expr(e),
        }
    }
}
