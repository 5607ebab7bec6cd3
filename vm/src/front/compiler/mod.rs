//! The bytecode compiler: turns a parsed method into `Code`, allocating frame slots and
//! context slots (from the capture analysis), send sites, literals and nested block
//! methods. Inlined constructs live in `inline.rs`. Operands that would not fit their
//! bytecode field are refused with a compile error naming the limit (`limits`).

mod analyze;
mod inline;
pub(crate) mod limits;
mod peephole;

pub(crate) use inline::NO_FALLBACK;

use crate::bytecode::{
    Bytecode, Code, Fallback, FrameShape, Method, MethodKind, SendSite, VarAccess,
};
use crate::front::ast::{Block, Body, Expr, ExprKind, Literal, MethodBody, MethodDef, Pos};
use crate::front::parser::SyntaxError;
use crate::ids::{Bci, SendSiteId};
use crate::object::heap::{MethodId, SymbolId};
use crate::runtime::vm::Vm;
use crate::value::Value;
use analyze::Analysis;
use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

/// A variable of an activation.
struct Var {
    captured: bool,
    /// Frame slot (always) and context slot (when captured).
    slot: u16,
    ctx_slot: u16,
}

/// A method or real block under compilation.
struct Activation {
    vars: Vec<Var>,
    slot_names: Vec<String>,
    num_args: u16,
    num_captured: u16,
    captured_args: Vec<(u16, u16)>,
    is_block: bool,
    is_fallback: bool,
    /// A fallback block or a block inside one: sends are never inlined here (the code
    /// runs only when an inlined site met a non-boolean, and inlining it again would
    /// copy the inlined tree once per level).
    no_inline: bool,
    /// Where the method or block starts (limit errors name it).
    pos: Pos,
    code: Vec<Bytecode>,
    lines: Vec<u32>,
    literals: Vec<Value>,
    blocks: Vec<MethodId>,
    fallbacks: Vec<Fallback>,
    creator_vars: Vec<VarAccess>,
    /// Bytecode index where the last label was bound (no peephole across it).
    label_at: usize,
    /// Fallbacks of conditionals compiled for effect: their send's result must be
    /// dropped before continuing at the given index (see `end_activation`).
    trampolines: Vec<(u16, u32)>,
    method_idx: MethodId,
}

/// Compiles the methods of one class.
pub(crate) struct Compiler<'v> {
    pub(crate) vm: &'v mut Vm,
    holder: Value,
    fields: Vec<String>,
    file: Rc<str>,
    analysis: Analysis,
    acts: Vec<Activation>,
    /// Lexical scope: (name, activation index, variable index), innermost last.
    scopes: Vec<(String, usize, usize)>,
    line: u32,
    selector: String,
    /// The last statement compiled was an inlined conditional compiled for effect (it
    /// left nothing on the stack).
    last_was_effect: bool,
    /// How many inlined sites enclose the code being compiled (across block bodies).
    inline_depth: usize,
    /// Literal blocks of inlinable sends compiled as real sends (in a fallback or past
    /// the inlining budget): they reach the variables of their creator, which the
    /// analysis did not make captured, through the creator frame.
    creator_blocks: HashSet<usize>,
}

type CResult<T> = Result<T, SyntaxError>;

fn err<T>(pos: Pos, message: impl Into<String>) -> CResult<T> {
    Err(SyntaxError {
        pos,
        message: message.into(),
    })
}

impl<'v> Compiler<'v> {
    pub(crate) fn new(vm: &'v mut Vm, holder: Value, fields: Vec<String>, file: Rc<str>) -> Self {
        Compiler {
            vm,
            holder,
            fields,
            file,
            analysis: Analysis::default(),
            acts: Vec::new(),
            scopes: Vec::new(),
            line: 0,
            selector: String::new(),
            last_was_effect: false,
            inline_depth: 0,
            creator_blocks: HashSet::new(),
        }
    }

    /// Compiles one method definition into the method table.
    pub(crate) fn method(&mut self, def: &MethodDef) -> CResult<MethodId> {
        let signature = self.vm.intern(&def.selector);
        let idx = self
            .vm
            .reserve_method(signature, self.holder, &self.file, def.pos.line);
        self.selector = def.selector.clone();
        let body = match &def.body {
            MethodBody::Primitive => {
                let kind = self.vm.primitive_for(self.holder, &def.selector);
                let m = &mut self.vm.methods[idx.index()];
                m.kind = kind;
                m.num_args = def.params.len() as u16;
                return Ok(idx);
            }
            MethodBody::Code(body) => body,
        };
        self.analysis = analyze::analyze(def, body);
        self.line = def.pos.line;
        self.begin_activation(idx, false, false, &def.params, body, def.pos)?;
        self.statements(body, false)?;
        let code = Rc::new(self.end_activation()?);
        let code_for_shape = code.clone();
        let kind = match Self::trivial(&code) {
            Some(t) => MethodKind::Trivial(t, code),
            None => MethodKind::Bytecode(code),
        };
        let m = &mut self.vm.methods[idx.index()];
        m.num_args = def.params.len() as u16;
        m.shape = FrameShape::of(&code_for_shape);
        m.kind = kind;
        Ok(idx)
    }

    fn cur(&mut self) -> &mut Activation {
        self.acts.last_mut().expect("an activation")
    }

    fn begin_activation(
        &mut self,
        method_idx: MethodId,
        is_block: bool,
        is_fallback: bool,
        params: &[String],
        body: &Body,
        pos: Pos,
    ) -> CResult<()> {
        limits::check_params(params.len(), pos)?;
        let no_inline = is_fallback || self.acts.last().is_some_and(|a| a.no_inline);
        let self_name = if is_block { "<block>" } else { "self" };
        self.acts.push(Activation {
            vars: Vec::new(),
            slot_names: vec![self_name.to_string()],
            num_args: params.len() as u16,
            num_captured: 0,
            captured_args: Vec::new(),
            is_block,
            is_fallback,
            no_inline,
            pos,
            code: Vec::new(),
            lines: Vec::new(),
            literals: Vec::new(),
            blocks: Vec::new(),
            fallbacks: Vec::new(),
            creator_vars: Vec::new(),
            label_at: usize::MAX,
            trampolines: Vec::new(),
            method_idx,
        });
        for p in params {
            self.declare(p, true);
        }
        for l in &body.locals {
            self.declare(l, false);
        }
        Ok(())
    }

    /// Declares a variable in the current activation and scope.
    fn declare(&mut self, name: &String, is_arg: bool) -> usize {
        let captured = self.analysis.is_captured(name);
        let act_index = self.acts.len() - 1;
        let act = self.cur();
        let slot = act.slot_names.len() as u16;
        act.slot_names.push(name.clone());
        let ctx_slot = if captured {
            act.num_captured += 1;
            act.num_captured
        } else {
            0
        };
        if captured && is_arg {
            act.captured_args.push((slot, ctx_slot));
        }
        act.vars.push(Var {
            captured,
            slot,
            ctx_slot,
        });
        let var = act.vars.len() - 1;
        self.scopes.push((name.clone(), act_index, var));
        var
    }

    /// Reserves a hidden frame slot (inlined loop counters).
    fn hidden_slot(&mut self, name: &str) -> u16 {
        let act = self.cur();
        act.slot_names.push(name.to_string());
        (act.slot_names.len() - 1) as u16
    }

    fn end_activation(&mut self) -> CResult<Code> {
        let mut act = self.acts.pop().expect("an activation");
        limits::check_activation(&act)?;
        // After the last instruction (a return, so never fallen into): for each
        // conditional compiled for effect, `Pop; Jump end` where its fallback resumes.
        let line = act.lines.last().copied().unwrap_or(0);
        for (fb, end) in std::mem::take(&mut act.trampolines) {
            act.fallbacks[fb as usize].resume = act.code.len() as u32;
            act.code.push(Bytecode::Pop);
            act.code.push(Bytecode::Jump(Bci::from_u32(end)));
            act.lines.extend([line, line]);
        }
        let act_index = self.acts.len();
        self.scopes.retain(|(_, a, _)| *a < act_index);
        let num_locals = act.slot_names.len() as u16 - 1 - act.num_args;
        let captured_vars = act
            .vars
            .iter()
            .filter(|v| v.captured)
            .map(|v| (v.slot, v.ctx_slot))
            .collect();
        Ok(Code {
            bytecodes: act.code,
            lines: act.lines,
            literals: act.literals,
            num_args: act.num_args,
            num_locals,
            num_captured: act.num_captured,
            captured_args: act.captured_args,
            blocks: act.blocks,
            fallbacks: act.fallbacks,
            creator_vars: act.creator_vars,
            is_block: act.is_block,
            slot_names: act.slot_names,
            captured_vars,
        })
    }

    // ---- emission helpers ----

    fn emit(&mut self, bc: Bytecode) -> usize {
        let line = self.line;
        let act = self.cur();
        if let Some(fused) = act.fuse(bc) {
            return fused;
        }
        act.code.push(bc);
        act.lines.push(line);
        act.code.len() - 1
    }

    /// Marks the current position as a jump target.
    fn label(&mut self) -> u32 {
        let act = self.cur();
        act.label_at = act.code.len();
        act.code.len() as u32
    }

    fn patch(&mut self, at: usize, target: u32) {
        let bc = &mut self.cur().code[at];
        *bc = match *bc {
            Bytecode::Jump(_) => Bytecode::Jump(Bci::from_u32(target)),
            Bytecode::JumpIfFalse { fallback, .. } => Bytecode::JumpIfFalse {
                target: Bci::from_u32(target),
                fallback,
            },
            Bytecode::JumpIfTrue { fallback, .. } => Bytecode::JumpIfTrue {
                target: Bci::from_u32(target),
                fallback,
            },
            Bytecode::NilTest { fallback, mode, .. } => Bytecode::NilTest {
                target: Bci::from_u32(target),
                fallback,
                mode,
            },
            Bytecode::ToDoTest { counter, down, .. } => Bytecode::ToDoTest {
                counter,
                exit: Bci::from_u32(target),
                down,
            },
            other => other,
        };
    }

    /// `Pop` after a statement, folding `StoreLocal; Pop` into `PopLocal`.
    fn emit_pop(&mut self) {
        let act = self.cur();
        let n = act.code.len();
        if n > 0 && act.label_at != n {
            match act.code[n - 1] {
                Bytecode::StoreLocal(s) => {
                    act.code[n - 1] = Bytecode::PopLocal(s);
                    return;
                }
                Bytecode::StoreField(f) => {
                    act.code[n - 1] = Bytecode::PopField(f);
                    return;
                }
                _ => {}
            }
        }
        self.emit(Bytecode::Pop);
    }

    fn literal(&mut self, v: Value, pos: Pos) -> CResult<u16> {
        let act = self.cur();
        if let Some(i) = act.literals.iter().position(|&l| l == v) {
            return Ok(i as u16);
        }
        if act.literals.len() >= u16::MAX as usize {
            return err(
                pos,
                format!("too many literals in one method (limit {})", u16::MAX),
            );
        }
        act.literals.push(v);
        Ok((act.literals.len() - 1) as u16)
    }

    fn site(&mut self, selector: &str, argc: usize, lookup_class: Value) -> SendSiteId {
        let selector = self.vm.intern(selector);
        self.vm.sites.push(SendSite {
            selector,
            argc: argc as u8,
            lookup_class,
            cache: [crate::bytecode::CacheEntry {
                class: Value::NIL,
                method: MethodId::new(0),
            }; 4],
            cached: 0,
            megamorphic: false,
        });
        SendSiteId::new(self.vm.sites.len() - 1)
    }

    // ---- statements and expressions ----

    /// Compiles a body's statements. A method returns self after the last statement, a
    /// block returns its last value; an `inlined` body leaves its value on the stack.
    fn statements(&mut self, body: &Body, inlined: bool) -> CResult<()> {
        let is_method = !inlined && !self.cur().is_block;
        let n = body.statements.len();
        if n == 0 {
            self.line = body.end.line;
            self.emit(if is_method {
                Bytecode::PushSelf
            } else {
                Bytecode::PushNil
            });
        }
        for (i, s) in body.statements.iter().enumerate() {
            let value_discarded =
                i + 1 < n || (is_method && !matches!(s.kind, ExprKind::Return(_)));
            if value_discarded && self.statement_for_effect(s)? {
                continue;
            }
            self.expr(s)?;
            if matches!(s.kind, ExprKind::Return(_)) {
                if inlined {
                    // Unreachable; keeps the stack shape of an expression value.
                    self.emit(Bytecode::PushNil);
                }
                return Ok(());
            }
            self.last_was_effect = false;
            if i + 1 < n {
                self.emit_pop();
            }
        }
        if n > 0 && is_method {
            if !self.last_was_effect {
                self.emit_pop();
            }
            self.line = body.end.line;
            self.emit(Bytecode::PushSelf);
        }
        if !inlined {
            self.emit(Bytecode::ReturnLocal);
        }
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> CResult<()> {
        self.line = e.pos.line;
        match &e.kind {
            ExprKind::Variable(name) => self.read(name, e.pos),
            ExprKind::Assign(name, value) => {
                self.expr(value)?;
                self.line = e.pos.line;
                self.write(name, e.pos)
            }
            ExprKind::Literal(l) => self.push_literal(l, e.pos),
            ExprKind::Block(b) => self.push_block(b),
            ExprKind::Return(value) => {
                self.expr(value)?;
                self.line = e.pos.line;
                if self.acts.len() > 1 {
                    self.emit(Bytecode::ReturnNonLocal);
                    // An escaped block answers what `escapedBlock:` answers.
                    self.emit(Bytecode::ReturnLocal);
                } else {
                    self.emit(Bytecode::ReturnLocal);
                }
                Ok(())
            }
            ExprKind::Send {
                receiver,
                selector,
                args,
            } => self.send(receiver, selector, args, e.pos),
        }
    }

    fn push_literal(&mut self, l: &Literal, pos: Pos) -> CResult<()> {
        if let Literal::Integer(i) = l {
            if let Ok(small) = i32::try_from(i) {
                self.emit(Bytecode::PushInt(small));
                return Ok(());
            }
        }
        let v = self.vm.literal_value(l);
        let i = self.literal(v, pos)?;
        self.emit(Bytecode::PushLiteral(i));
        Ok(())
    }

    fn send(&mut self, receiver: &Expr, selector: &str, args: &[Expr], pos: Pos) -> CResult<()> {
        if let Some((kind, blocks)) = self.inlinable(receiver, selector, args) {
            self.inline_depth += 1;
            let r = self.inlined(kind, &blocks, receiver, args, selector, pos);
            self.inline_depth -= 1;
            return r;
        }
        limits::check_send(args.len(), pos)?;
        let is_super = matches!(&receiver.kind, ExprKind::Variable(v) if v == "super");
        if is_super {
            self.emit(Bytecode::PushSelf);
        } else {
            self.expr(receiver)?;
        }
        for a in args {
            self.expr(a)?;
        }
        self.line = pos.line;
        if is_super {
            let superclass = self.vm.heap.class_data(self.holder).superclass;
            let site = self.site(selector, args.len(), superclass);
            self.emit(Bytecode::SuperSend(site));
            return Ok(());
        }
        let site = self.site(selector, args.len(), Value::NIL);
        let bc = match selector {
            "+" => Bytecode::Add(site),
            "-" => Bytecode::Sub(site),
            "*" => Bytecode::Mul(site),
            "<" => Bytecode::Lt(site),
            ">" => Bytecode::Gt(site),
            "<=" => Bytecode::Le(site),
            ">=" => Bytecode::Ge(site),
            "=" => Bytecode::Eq(site),
            "~=" => Bytecode::Ne(site),
            "/" => Bytecode::Div(site),
            "%" => Bytecode::Mod(site),
            "&" => Bytecode::BitAnd(site),
            "==" => Bytecode::Identical(site),
            "at:" => Bytecode::At(site),
            "at:put:" => Bytecode::AtPut(site),
            _ => Bytecode::Send(site),
        };
        self.emit(bc);
        Ok(())
    }

    // ---- variables ----

    fn resolve(&self, name: &str) -> Option<(usize, usize)> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|&(_, a, v)| (a, v))
    }

    /// How activation `from` reaches variable `var` of activation `owner`.
    fn access(&mut self, from: usize, owner: usize, var: usize, pos: Pos) -> CResult<VarAccess> {
        if owner == from {
            let v = &self.acts[owner].vars[var];
            return Ok(if v.captured {
                VarAccess::Captured(v.ctx_slot)
            } else {
                VarAccess::Local(v.slot)
            });
        }
        if self.acts[from].is_fallback {
            let inner = self.access(from - 1, owner, var, pos)?;
            let act = &mut self.acts[from];
            let k = match act.creator_vars.iter().position(|&a| a == inner) {
                Some(k) => k,
                None => {
                    act.creator_vars.push(inner);
                    act.creator_vars.len() - 1
                }
            };
            return Ok(VarAccess::Creator(k as u16));
        }
        let hops = (owner + 1..from)
            .filter(|&a| self.acts[a].num_captured > 0)
            .count();
        limits::check_hops(hops, pos)?;
        let v = &self.acts[owner].vars[var];
        debug_assert!(v.captured, "outer variable not captured");
        Ok(VarAccess::Outer(hops as u8, v.ctx_slot))
    }

    fn read(&mut self, name: &str, pos: Pos) -> CResult<()> {
        match name {
            "self" | "super" => {
                self.emit(Bytecode::PushSelf);
                return Ok(());
            }
            "nil" => {
                self.emit(Bytecode::PushNil);
                return Ok(());
            }
            "true" => {
                self.emit(Bytecode::PushTrue);
                return Ok(());
            }
            "false" => {
                self.emit(Bytecode::PushFalse);
                return Ok(());
            }
            _ => {}
        }
        if let Some((owner, var)) = self.resolve(name) {
            let from = self.acts.len() - 1;
            let bc = match self.access(from, owner, var, pos)? {
                VarAccess::Local(s) => Bytecode::PushLocal(s),
                VarAccess::Captured(s) => Bytecode::PushCaptured(s),
                VarAccess::Outer(h, s) => Bytecode::PushOuter(h, s),
                VarAccess::Creator(k) => Bytecode::PushCreator(k),
            };
            self.emit(bc);
            return Ok(());
        }
        if let Some(i) = self.fields.iter().rposition(|f| f == name) {
            self.emit(Bytecode::PushField(i as u16));
            return Ok(());
        }
        let _ = pos;
        let sym = self.vm.intern(name);
        let g = self.vm.global_id(sym);
        self.emit(Bytecode::PushGlobal(g));
        Ok(())
    }

    fn write(&mut self, name: &str, pos: Pos) -> CResult<()> {
        if matches!(name, "self" | "super" | "nil" | "true" | "false") {
            return err(pos, format!("cannot assign to '{name}'"));
        }
        if let Some((owner, var)) = self.resolve(name) {
            let from = self.acts.len() - 1;
            let bc = match self.access(from, owner, var, pos)? {
                VarAccess::Local(s) => Bytecode::StoreLocal(s),
                VarAccess::Captured(s) => Bytecode::StoreCaptured(s),
                VarAccess::Outer(h, s) => Bytecode::StoreOuter(h, s),
                VarAccess::Creator(k) => Bytecode::StoreCreator(k),
            };
            self.emit(bc);
            return Ok(());
        }
        if let Some(i) = self.fields.iter().rposition(|f| f == name) {
            self.emit(Bytecode::StoreField(i as u16));
            return Ok(());
        }
        err(
            pos,
            format!("cannot assign to '{name}': not a variable or field"),
        )
    }

    // ---- blocks ----

    /// Compiles a literal block into its own method and emits `PushBlock`.
    fn push_block(&mut self, b: &Block) -> CResult<()> {
        let creator = self.creator_blocks.contains(&analyze::block_key(b));
        let idx = self.compile_block(b, creator)?;
        let act = self.cur();
        act.blocks.push(idx);
        let i = (act.blocks.len() - 1) as u16;
        self.line = b.pos.line;
        self.emit(Bytecode::PushBlock(i));
        Ok(())
    }

    /// Compiles a block method; a `fallback` block (made only when an inlined construct
    /// must send the real message) reaches its creator's variables through the creator
    /// frame.
    fn compile_block(&mut self, b: &Block, fallback: bool) -> CResult<MethodId> {
        let signature = self.vm.intern(&self.selector);
        let line = b.pos.line;
        let idx = self
            .vm
            .reserve_method(signature, self.holder, &self.file, line);
        let outer = self.cur().method_idx;
        self.begin_activation(idx, true, fallback, &b.params, &b.body, b.pos)?;
        let saved_line = self.line;
        self.line = line;
        self.statements(&b.body, false)?;
        self.line = saved_line;
        let code = self.end_activation()?;
        let m: &mut Method = &mut self.vm.methods[idx.index()];
        m.num_args = b.params.len() as u16;
        m.outer_method = Some(outer);
        m.shape = FrameShape::of(&code);
        m.kind = MethodKind::Bytecode(Rc::new(code));
        m.invocations = Cell::new(0);
        Ok(idx)
    }

    fn sym(&mut self, s: &str) -> SymbolId {
        self.vm.intern(s)
    }
}
