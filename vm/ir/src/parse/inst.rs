//! The instruction half of the parser: one instruction's opcode and operands, branch
//! targets, frame-state references and literals.

use super::{Defs, PResult, ParseError, Parser};
use crate::entities::{FrameStateRef, Value};
use crate::function::Function;
use crate::inst::{
    from_name, BinOp, BlockCall, CheckedOp, FloatCC, GuardKind, InstData, IntCC, UnOp,
};
use crate::lexer::Tok;
use crate::types::Type;

impl Parser {
    fn args(&mut self, f: &mut Function, defs: &mut Defs, n: usize) -> PResult<Vec<Value>> {
        let mut out = Vec::new();
        for k in 0..n {
            if k > 0 {
                self.punct(',')?;
            }
            out.push(self.use_value(f, defs)?);
        }
        Ok(out)
    }

    fn two(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<[Value; 2]> {
        let a = self.args(f, defs, 2)?;
        Ok([a[0], a[1]])
    }

    fn paren_list(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<Vec<Value>> {
        self.punct('(')?;
        let mut out = Vec::new();
        while !self.eat_punct(')') {
            out.push(self.use_value(f, defs)?);
            if !self.eat_punct(',') {
                self.punct(')')?;
                break;
            }
        }
        Ok(out)
    }

    fn block_call(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<BlockCall> {
        let block = self.use_block(f, defs)?;
        let args = self.paren_list(f, defs)?;
        Ok(BlockCall { block, args })
    }

    fn comma_state(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<FrameStateRef> {
        self.punct(',')?;
        self.use_state(f, defs)
    }

    pub(super) fn inst_data(&mut self, f: &mut Function, defs: &mut Defs) -> PResult<InstData> {
        let (l, c) = self.here();
        let op = self.ident()?;
        let (base, suffix) = match op.split_once('.') {
            Some((b, s)) => (b, Some(s)),
            None => (op.as_str(), None),
        };
        let suffix_ty = |p: &Parser| match suffix.and_then(Type::from_name) {
            Some(t) => Ok(t),
            None => p.err(format!(
                "`{op}` needs a type suffix (.word, .int, .float, .bool)"
            )),
        };
        use InstData::*;
        Ok(match base {
            "const" => Const {
                ty: suffix_ty(self)?,
                bits: self.word_imm()?,
            },
            "iconst" => Const {
                ty: Type::Int,
                bits: self.int_literal()? as u64,
            },
            "fconst" => Const {
                ty: Type::Float,
                bits: self.float_literal()?.to_bits(),
            },
            "bconst" => match self.ident()?.as_str() {
                "true" => Const {
                    ty: Type::Bool,
                    bits: 1,
                },
                "false" => Const {
                    ty: Type::Bool,
                    bits: 0,
                },
                _ => return Err(ParseError::new(l, c, "bconst takes true or false")),
            },
            "icmp" | "fcmp" => {
                let cc = suffix.unwrap_or("");
                let args = self.two(f, defs)?;
                match (
                    base,
                    from_name(&IntCC::ALL, cc),
                    from_name(&FloatCC::ALL, cc),
                ) {
                    ("icmp", Some(cc), _) => IntCompare { cc, args },
                    ("fcmp", _, Some(cc)) => FloatCompare { cc, args },
                    _ => {
                        return Err(ParseError::new(
                            l,
                            c,
                            format!("unknown condition in `{op}`"),
                        ))
                    }
                }
            }
            "select" => {
                let ty = suffix_ty(self)?;
                let a = self.args(f, defs, 3)?;
                Select {
                    ty,
                    cond: a[0],
                    args: [a[1], a[2]],
                }
            }
            "guard_int" | "guard_float" | "guard_true" | "guard_false" => {
                let arg = self.use_value(f, defs)?;
                let kind = match base {
                    "guard_int" => GuardKind::Int,
                    "guard_float" => GuardKind::Float,
                    "guard_true" => GuardKind::True,
                    _ => GuardKind::False,
                };
                Guard {
                    kind,
                    arg,
                    state: self.comma_state(f, defs)?,
                }
            }
            "guard_class" => {
                let arg = self.use_value(f, defs)?;
                self.punct(',')?;
                self.keyword("class")?;
                let class = self.word_imm()?;
                self.keyword("at")?;
                let offset = self.offset()?;
                Guard {
                    kind: GuardKind::Class { class, offset },
                    arg,
                    state: self.comma_state(f, defs)?,
                }
            }
            "load" => {
                let ty = suffix_ty(self)?;
                let obj = self.use_value(f, defs)?;
                self.punct(',')?;
                let offset = self.offset()?;
                let readonly = matches!(self.peek(), Some(Tok::Ident(s)) if s == "readonly");
                self.pos += readonly as usize;
                Load {
                    ty,
                    obj,
                    offset,
                    readonly,
                }
            }
            "store" => {
                let obj = self.use_value(f, defs)?;
                self.punct(',')?;
                let offset = self.offset()?;
                self.punct(',')?;
                Store {
                    obj,
                    offset,
                    value: self.use_value(f, defs)?,
                }
            }
            "load_elem" => {
                let ty = suffix_ty(self)?;
                let [obj, index] = self.two(f, defs)?;
                self.punct(',')?;
                LoadElem {
                    ty,
                    obj,
                    index,
                    base: self.offset()?,
                }
            }
            "store_elem" => {
                let [obj, index] = self.two(f, defs)?;
                self.punct(',')?;
                let base = self.offset()?;
                self.punct(',')?;
                StoreElem {
                    obj,
                    index,
                    base,
                    value: self.use_value(f, defs)?,
                }
            }
            "alloc" => {
                self.keyword("class")?;
                let class = self.word_imm()?;
                self.punct(',')?;
                self.keyword("size")?;
                Alloc {
                    class,
                    size: self.u32_imm()?,
                }
            }
            "call_rt" => {
                let helper = self.entity("h")? as u32;
                let args = self.paren_list(f, defs)?;
                let ret = if self.peek() == Some(&Tok::Arrow) {
                    self.pos += 1;
                    Some(self.ty()?)
                } else {
                    None
                };
                CallRuntime { helper, args, ret }
            }
            "send" => {
                let site = self.entity("site")? as u32;
                let args = self.paren_list(f, defs)?;
                Send {
                    site,
                    args,
                    state: self.comma_state(f, defs)?,
                }
            }
            "call_block" => {
                let block = self.use_value(f, defs)?;
                let args = self.paren_list(f, defs)?;
                CallBlock {
                    block,
                    args,
                    state: self.comma_state(f, defs)?,
                }
            }
            "jump" => Jump {
                dest: self.block_call(f, defs)?,
            },
            "brif" => {
                let cond = self.use_value(f, defs)?;
                self.punct(',')?;
                let then_dest = self.block_call(f, defs)?;
                self.punct(',')?;
                Brif {
                    cond,
                    then_dest,
                    else_dest: self.block_call(f, defs)?,
                }
            }
            "return" => Return {
                value: self.use_value(f, defs)?,
            },
            "nlreturn" => NonLocalReturn {
                value: self.use_value(f, defs)?,
            },
            "deopt" => Deopt {
                state: self.use_state(f, defs)?,
            },
            _ => {
                if let Some(op) = from_name(&BinOp::ALL, base) {
                    Binary {
                        op,
                        args: self.two(f, defs)?,
                    }
                } else if let Some(op) = from_name(&CheckedOp::ALL, base) {
                    let args = self.two(f, defs)?;
                    Checked {
                        op,
                        args,
                        state: self.comma_state(f, defs)?,
                    }
                } else if let Some(op) = from_name(&UnOp::ALL, base) {
                    Unary {
                        op,
                        arg: self.use_value(f, defs)?,
                    }
                } else {
                    return Err(ParseError::new(l, c, format!("unknown instruction `{op}`")));
                }
            }
        })
    }

    fn int_literal(&mut self) -> PResult<i64> {
        let n = self.int()?;
        i64::try_from(n).or_else(|_| self.err(format!("{n} does not fit an int")))
    }

    fn float_literal(&mut self) -> PResult<f64> {
        let neg = self.eat_punct('-');
        let v = match self.next()? {
            Tok::Float(x) => x,
            Tok::Int(n) => n as f64,
            Tok::Ident(s) if s == "inf" => f64::INFINITY,
            Tok::Ident(s) if s == "NaN" => f64::NAN,
            _ => {
                self.pos -= 1;
                return self.err("expected a float");
            }
        };
        Ok(if neg { -v } else { v })
    }
}
