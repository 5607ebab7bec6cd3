//! Parser of the text form that `print` writes. Entity numbers are kept exactly as
//! written, so a parsed and re-printed function is the same text. Errors name the line
//! and column.

use crate::entities::{Block, FrameStateRef, Value, VirtualRef};
use crate::function::{
    BlockData, FrameState, Function, StateSlot, ValueData, ValueDef, VirtualObject,
};
use crate::lexer::{tokenize, Tok, Token};

mod inst;
use crate::types::Type;
use cranelift_entity::EntityRef;
use std::collections::HashSet;

/// A syntax or reference error in the text form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: {msg}")]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

impl ParseError {
    /// An error at a position.
    pub fn new(line: usize, col: usize, msg: impl Into<String>) -> ParseError {
        ParseError {
            line,
            col,
            msg: msg.into(),
        }
    }
}

type PResult<T> = Result<T, ParseError>;

/// Parses every function in `text`.
pub fn parse_functions(text: &str) -> PResult<Vec<Function>> {
    let toks = tokenize(text)?;
    let mut p = Parser { toks, pos: 0 };
    let mut funcs = Vec::new();
    while p.pos < p.toks.len() {
        funcs.push(p.function()?);
    }
    Ok(funcs)
}

/// Parses text holding exactly one function.
pub fn parse_function(text: &str) -> PResult<Function> {
    let mut fs = parse_functions(text)?;
    match fs.len() {
        1 => Ok(fs.pop().unwrap()),
        n => Err(ParseError::new(
            1,
            1,
            format!("expected one function, found {n}"),
        )),
    }
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

/// Per-function bookkeeping: which numbered entities were defined and where they were used.
#[derive(Default)]
struct Defs {
    values: HashSet<Value>,
    blocks: HashSet<Block>,
    states: HashSet<FrameStateRef>,
    virtuals: HashSet<VirtualRef>,
    uses: Vec<(String, usize, usize)>,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn here(&self) -> (usize, usize) {
        match self.toks.get(self.pos).or(self.toks.last()) {
            Some(t) => (t.line, t.col),
            None => (1, 1),
        }
    }

    fn err<T>(&self, msg: impl Into<String>) -> PResult<T> {
        let (l, c) = self.here();
        Err(ParseError::new(l, c, msg))
    }

    fn next(&mut self) -> PResult<Tok> {
        match self.toks.get(self.pos) {
            Some(t) => {
                self.pos += 1;
                Ok(t.tok.clone())
            }
            None => self.err("unexpected end of input"),
        }
    }

    fn punct(&mut self, c: char) -> PResult<()> {
        match self.peek() {
            Some(Tok::Punct(p)) if *p == c => {
                self.pos += 1;
                Ok(())
            }
            other => self.err(format!("expected `{c}`, found {other:?}")),
        }
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> PResult<String> {
        match self.next()? {
            Tok::Ident(s) => Ok(s),
            other => {
                self.pos -= 1;
                self.err(format!("expected a name, found {other:?}"))
            }
        }
    }

    fn keyword(&mut self, kw: &str) -> PResult<()> {
        match self.peek() {
            Some(Tok::Ident(s)) if s == kw => {
                self.pos += 1;
                Ok(())
            }
            other => self.err(format!("expected `{kw}`, found {other:?}")),
        }
    }

    fn int(&mut self) -> PResult<i128> {
        match self.next()? {
            Tok::Int(n) => Ok(n),
            other => {
                self.pos -= 1;
                self.err(format!("expected a number, found {other:?}"))
            }
        }
    }

    fn u32_imm(&mut self) -> PResult<u32> {
        let n = self.int()?;
        u32::try_from(n).or_else(|_| self.err(format!("{n} out of range")))
    }

    fn word_imm(&mut self) -> PResult<u64> {
        let n = self.int()?;
        if (i64::MIN as i128..=u64::MAX as i128).contains(&n) {
            Ok(n as u64)
        } else {
            self.err(format!("{n} does not fit 64 bits"))
        }
    }

    /// `+8`, `-8` or `8`.
    fn offset(&mut self) -> PResult<i32> {
        self.eat_punct('+');
        let n = self.int()?;
        i32::try_from(n).or_else(|_| self.err(format!("offset {n} out of range")))
    }

    fn entity(&mut self, prefix: &str) -> PResult<usize> {
        let (l, c) = self.here();
        let s = self.ident()?;
        s.strip_prefix(prefix)
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<usize>().ok())
            .ok_or_else(|| ParseError::new(l, c, format!("expected {prefix}N, found `{s}`")))
    }

    fn ty(&mut self) -> PResult<Type> {
        let s = self.ident()?;
        Type::from_name(&s).map_or_else(|| self.err(format!("unknown type `{s}`")), Ok)
    }

    fn function(&mut self) -> PResult<Function> {
        self.keyword("function")?;
        let name = match self.next()? {
            Tok::FuncName(n) => n,
            _ => return self.err("expected %name"),
        };
        self.punct('(')?;
        let mut params = Vec::new();
        while !self.eat_punct(')') {
            params.push(self.ty()?);
            if !self.eat_punct(',') {
                self.punct(')')?;
                break;
            }
        }
        if self.next()? != Tok::Arrow {
            return self.err("expected `->`");
        }
        let ret = self.ty()?;
        self.punct('{')?;
        let mut f = Function::empty(&name, ret);
        let mut defs = Defs::default();
        let sig_at = self.here();
        while !self.eat_punct('}') {
            match self.peek() {
                Some(Tok::Ident(s)) if s.starts_with("fs") => self.state_decl(&mut f, &mut defs)?,
                Some(Tok::Ident(s)) if s.starts_with("vo") => {
                    self.virtual_decl(&mut f, &mut defs)?
                }
                Some(Tok::Ident(_)) => self.block(&mut f, &mut defs)?,
                _ => return self.err("expected a declaration, a block or `}`"),
            }
        }
        check_references(&f, &defs)?;
        if f.layout.is_empty() {
            return Err(ParseError::new(
                sig_at.0,
                sig_at.1,
                "function has no blocks",
            ));
        }
        if f.param_types() != params {
            return Err(ParseError::new(
                sig_at.0,
                sig_at.1,
                "entry block parameters differ from the signature",
            ));
        }
        Ok(f)
    }

    fn use_value(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<Value> {
        let (l, c) = self.here();
        let v = Value::new(self.entity("v")?);
        reserve_value(f, v);
        defs.uses.push((v.to_string(), l, c));
        Ok(v)
    }

    fn use_state(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<FrameStateRef> {
        let (l, c) = self.here();
        let fs = FrameStateRef::new(self.entity("fs")?);
        reserve_state(f, fs);
        defs.uses.push((fs.to_string(), l, c));
        Ok(fs)
    }

    fn use_block(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<Block> {
        let (l, c) = self.here();
        let b = Block::new(self.entity("b")?);
        while f.blocks.len() <= b.index() {
            f.blocks.push(BlockData::default());
        }
        defs.uses.push((b.to_string(), l, c));
        Ok(b)
    }

    fn slot(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<StateSlot> {
        match self.peek() {
            Some(Tok::Int(_)) => Ok(StateSlot::Const(self.word_imm()?)),
            Some(Tok::Ident(s)) if s.starts_with("vo") => {
                let (l, c) = self.here();
                let vo = VirtualRef::new(self.entity("vo")?);
                reserve_virtual(f, vo);
                defs.uses.push((vo.to_string(), l, c));
                Ok(StateSlot::Virtual(vo))
            }
            _ => Ok(StateSlot::Value(self.use_value(f, defs)?)),
        }
    }

    fn state_decl(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<()> {
        let fs = FrameStateRef::new(self.entity("fs")?);
        if !defs.states.insert(fs) {
            return self.err(format!("{fs} defined twice"));
        }
        reserve_state(f, fs);
        self.punct('=')?;
        self.keyword("state")?;
        let method = self.entity("m")? as u32;
        self.punct('@')?;
        let bci = self.u32_imm()?;
        self.punct('[')?;
        let mut slots = Vec::new();
        while !self.eat_punct(']') {
            slots.push(self.slot(f, defs)?);
            if !self.eat_punct(',') {
                self.punct(']')?;
                break;
            }
        }
        let mut outer = None;
        if matches!(self.peek(), Some(Tok::Ident(s)) if s == "outer") {
            self.pos += 1;
            outer = Some(self.use_state(f, defs)?);
        }
        f.states[fs] = FrameState {
            method,
            bci,
            slots,
            outer,
        };
        Ok(())
    }

    fn virtual_decl(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<()> {
        let vo = VirtualRef::new(self.entity("vo")?);
        if !defs.virtuals.insert(vo) {
            return self.err(format!("{vo} defined twice"));
        }
        reserve_virtual(f, vo);
        self.punct('=')?;
        self.keyword("virtual")?;
        self.keyword("class")?;
        let class = self.word_imm()?;
        self.punct(',')?;
        self.keyword("size")?;
        let size = self.u32_imm()?;
        self.punct('{')?;
        let mut fields = Vec::new();
        while !self.eat_punct('}') {
            let off = self.u32_imm()?;
            self.punct(':')?;
            fields.push((off, self.slot(f, defs)?));
            if !self.eat_punct(',') {
                self.punct('}')?;
                break;
            }
        }
        f.virtuals[vo] = VirtualObject {
            class,
            size,
            fields,
        };
        Ok(())
    }

    fn block(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<()> {
        let b = Block::new(self.entity("b")?);
        if !defs.blocks.insert(b) {
            return self.err(format!("{b} defined twice"));
        }
        while f.blocks.len() <= b.index() {
            f.blocks.push(BlockData::default());
        }
        f.layout.push(b);
        self.punct('(')?;
        while !self.eat_punct(')') {
            let v = Value::new(self.entity("v")?);
            self.punct(':')?;
            let ty = self.ty()?;
            self.define_value(
                f,
                defs,
                v,
                ty,
                ValueDef::Param(b, f.blocks[b].params.len() as u32),
            )?;
            f.blocks[b].params.push(v);
            if !self.eat_punct(',') {
                self.punct(')')?;
                break;
            }
        }
        if matches!(self.peek(), Some(Tok::Ident(s)) if s == "state") {
            self.pos += 1;
            f.blocks[b].entry_state = Some(self.use_state(f, defs)?);
        }
        self.punct(':')?;
        loop {
            match self.peek() {
                Some(Tok::Punct('}')) | None => break,
                Some(Tok::Ident(s)) if is_block_label(s) => break,
                _ => self.inst(f, defs, b)?,
            }
        }
        Ok(())
    }

    fn define_value(
        &self,
        f: &mut Function,
        defs: &mut Defs,
        v: Value,
        ty: Type,
        def: ValueDef,
    ) -> PResult<()> {
        if !defs.values.insert(v) {
            return self.err(format!("{v} defined twice"));
        }
        reserve_value(f, v);
        f.values[v] = ValueData { ty, def };
        Ok(())
    }

    fn inst(&mut self, f: &mut Function, defs: &mut Defs, b: Block) -> PResult<()> {
        let (l, c) = self.here();
        let mut result = None;
        if matches!(
            self.toks.get(self.pos + 1).map(|t| &t.tok),
            Some(Tok::Punct('='))
        ) {
            result = Some(Value::new(self.entity("v")?));
            self.punct('=')?;
        }
        let data = self.inst_data(f, defs)?;
        let inst = f.insts.push(data);
        f.blocks[b].insts.push(inst);
        f.inst_block[inst] = Some(b);
        match (result, f.insts[inst].result_type()) {
            (Some(v), Some(ty)) => {
                self.define_value(f, defs, v, ty, ValueDef::Result(inst))?;
                f.results[inst] = Some(v);
            }
            (None, None) => {}
            (Some(_), None) => return Err(ParseError::new(l, c, "instruction has no result")),
            (None, Some(_)) => {
                return Err(ParseError::new(l, c, "instruction's result is not named"))
            }
        }
        Ok(())
    }
}

fn is_block_label(s: &str) -> bool {
    s.len() > 1 && s.starts_with('b') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

fn reserve_value(f: &mut Function, v: Value) {
    while f.values.len() <= v.index() {
        f.values.push(ValueData {
            ty: Type::Word,
            def: ValueDef::Unused,
        });
    }
}

fn reserve_state(f: &mut Function, fs: FrameStateRef) {
    while f.states.len() <= fs.index() {
        f.states.push(FrameState {
            method: 0,
            bci: 0,
            slots: vec![],
            outer: None,
        });
    }
}

fn reserve_virtual(f: &mut Function, vo: VirtualRef) {
    while f.virtuals.len() <= vo.index() {
        f.virtuals.push(VirtualObject {
            class: 0,
            size: 0,
            fields: vec![],
        });
    }
}

fn check_references(f: &Function, defs: &Defs) -> PResult<()> {
    for (name, l, c) in &defs.uses {
        let defined = match name.as_bytes()[0] {
            b'v' if name.starts_with("vo") => defs
                .virtuals
                .contains(&VirtualRef::new(name[2..].parse().unwrap())),
            b'v' => defs
                .values
                .contains(&Value::new(name[1..].parse().unwrap())),
            b'b' => defs
                .blocks
                .contains(&Block::new(name[1..].parse().unwrap())),
            _ => defs
                .states
                .contains(&FrameStateRef::new(name[2..].parse().unwrap())),
        };
        if !defined {
            return Err(ParseError::new(
                *l,
                *c,
                format!("{name} is used but never defined"),
            ));
        }
    }
    let _ = f;
    Ok(())
}
