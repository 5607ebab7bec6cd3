//! The parser: tokens to `ast::ClassDef` (and expression bodies for tools). Recursive
//! descent following SOM's grammar: unary binds tighter than binary, binary tighter than
//! keyword, each left to right. Errors carry the position of the offending token.

use crate::front::ast::{
    Block, Body, ClassDef, Expr, ExprKind, Literal, MethodBody, MethodDef, Pos,
};
use crate::front::lexer::{tokenize, Tok};
use num_bigint::BigInt;

/// A syntax error at a source position (`line:column: message`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.pos.line, self.pos.col, self.message)
    }
}

/// Deeper nesting of blocks, parentheses or literal arrays is refused (no Rust stack
/// exhaustion on hostile input).
const MAX_DEPTH: usize = 256;

type PResult<T> = Result<T, SyntaxError>;

/// Parses one class definition (the whole file).
pub(crate) fn parse_class(source: &str) -> PResult<ClassDef> {
    let mut p = Parser::new(source)?;
    let class = p.class_def()?;
    p.expect_eof()?;
    Ok(class)
}

/// Parses a sequence of statements (with optional `| temps |`) as a block body.
#[allow(dead_code)]
pub(crate) fn parse_expression(source: &str) -> PResult<Block> {
    let mut p = Parser::new(source)?;
    let pos = p.pos();
    let body = p.body(&Tok::Eof)?;
    Ok(Block {
        params: Vec::new(),
        body,
        pos,
    })
}

struct Parser {
    toks: Vec<(Tok, Pos)>,
    i: usize,
    depth: usize,
}

fn err<T>(pos: Pos, message: String) -> PResult<T> {
    Err(SyntaxError { pos, message })
}

impl Parser {
    fn new(source: &str) -> PResult<Parser> {
        Ok(Parser {
            toks: tokenize(source)?,
            i: 0,
            depth: 0,
        })
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.i].0
    }

    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.i + k).min(self.toks.len() - 1)].0
    }

    fn pos(&self) -> Pos {
        self.toks[self.i].1
    }

    fn advance(&mut self) -> Tok {
        let t = self.toks[self.i].0.clone();
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn unexpected<T>(&self, wanted: &str) -> PResult<T> {
        err(
            self.pos(),
            format!("expected {wanted}, found {}", self.peek().describe()),
        )
    }

    fn expect(&mut self, t: Tok, wanted: &str) -> PResult<()> {
        if *self.peek() == t {
            self.advance();
            Ok(())
        } else {
            self.unexpected(wanted)
        }
    }

    fn expect_eof(&mut self) -> PResult<()> {
        if *self.peek() == Tok::Eof {
            Ok(())
        } else {
            self.unexpected("end of file after the class definition")
        }
    }

    fn is_bar(&self) -> bool {
        matches!(self.peek(), Tok::Operator(o) if o == "|")
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(self.pos(), format!("nesting too deep (limit {MAX_DEPTH})"));
        }
        Ok(())
    }

    fn ident(&mut self, wanted: &str) -> PResult<String> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                self.advance();
                Ok(s)
            }
            Tok::Primitive => {
                self.advance();
                Ok("primitive".into())
            }
            _ => self.unexpected(wanted),
        }
    }

    // ---- class structure ----

    fn class_def(&mut self) -> PResult<ClassDef> {
        let pos = self.pos();
        let name = self.ident("a class name")?;
        match self.peek() {
            Tok::Operator(o) if o == "=" => {
                self.advance();
            }
            _ => return self.unexpected("'=' after the class name"),
        }
        let superclass = match self.peek() {
            Tok::Ident(_) => Some(self.ident("a superclass name")?),
            _ => None,
        };
        self.expect(Tok::LParen, "'(' to open the class body")?;
        let instance_fields = self.field_list()?;
        let mut instance_methods = Vec::new();
        while !matches!(self.peek(), Tok::Separator | Tok::RParen | Tok::Eof) {
            instance_methods.push(self.method()?);
        }
        let mut class_fields = Vec::new();
        let mut class_methods = Vec::new();
        if *self.peek() == Tok::Separator {
            self.advance();
            class_fields = self.field_list()?;
            while !matches!(self.peek(), Tok::RParen | Tok::Eof) {
                class_methods.push(self.method()?);
            }
        }
        self.expect(Tok::RParen, "')' to close the class body")?;
        Ok(ClassDef {
            name,
            pos,
            superclass,
            instance_fields,
            instance_methods,
            class_fields,
            class_methods,
        })
    }

    fn field_list(&mut self) -> PResult<Vec<String>> {
        let mut names = Vec::new();
        if matches!(self.peek(), Tok::Operator(o) if o == "||") {
            self.advance();
            return Ok(names);
        }
        if !self.is_bar() {
            return Ok(names);
        }
        self.advance();
        while let Tok::Ident(_) | Tok::Primitive = self.peek() {
            names.push(self.ident("a name")?);
        }
        if !self.is_bar() {
            return self.unexpected("'|' to close the variable list");
        }
        self.advance();
        Ok(names)
    }

    fn method(&mut self) -> PResult<MethodDef> {
        let pos = self.pos();
        let (selector, params) = self.pattern()?;
        match self.peek() {
            Tok::Operator(o) if o == "=" => {
                self.advance();
            }
            _ => return self.unexpected("'=' after the method pattern"),
        }
        let body = match self.peek() {
            Tok::Primitive => {
                self.advance();
                MethodBody::Primitive
            }
            Tok::LParen => {
                self.advance();
                let body = self.body(&Tok::RParen)?;
                self.expect(Tok::RParen, "')' to close the method body")?;
                MethodBody::Code(body)
            }
            _ => return self.unexpected("'(' or 'primitive' for the method body"),
        };
        Ok(MethodDef {
            selector,
            params,
            pos,
            body,
        })
    }

    fn pattern(&mut self) -> PResult<(String, Vec<String>)> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                self.advance();
                Ok((s, Vec::new()))
            }
            Tok::Primitive => {
                self.advance();
                Ok(("primitive".into(), Vec::new()))
            }
            Tok::Operator(op) => {
                self.advance();
                let arg = self.ident("an argument name after the binary selector")?;
                Ok((op, vec![arg]))
            }
            Tok::Keyword(_) => {
                let mut selector = String::new();
                let mut params = Vec::new();
                while let Tok::Keyword(k) = self.peek().clone() {
                    self.advance();
                    selector.push_str(&k);
                    params.push(self.ident("an argument name after the keyword")?);
                }
                Ok((selector, params))
            }
            _ => self.unexpected("a method pattern"),
        }
    }

    // ---- bodies and statements ----

    /// `| temps | statements` up to (not including) `end`.
    fn body(&mut self, end: &Tok) -> PResult<Body> {
        let locals = self.field_list()?;
        let mut statements = Vec::new();
        loop {
            if self.peek() == end {
                break;
            }
            if *self.peek() == Tok::Caret {
                let pos = self.pos();
                self.advance();
                let value = self.expression()?;
                statements.push(Expr {
                    pos,
                    kind: ExprKind::Return(Box::new(value)),
                });
                if *self.peek() == Tok::Period {
                    self.advance();
                }
                if self.peek() != end {
                    return self.unexpected(&format!("{} after a return", end.describe()));
                }
                break;
            }
            statements.push(self.expression()?);
            if *self.peek() == Tok::Period {
                self.advance();
            } else if self.peek() != end {
                return self.unexpected(&format!("'.' or {}", end.describe()));
            }
        }
        let end_pos = self.pos();
        Ok(Body {
            locals,
            statements,
            end: end_pos,
        })
    }

    fn expression(&mut self) -> PResult<Expr> {
        if let (Tok::Ident(name), Tok::Assign) = (self.peek().clone(), self.peek_at(1).clone()) {
            let pos = self.pos();
            self.advance();
            self.advance();
            self.enter()?;
            let value = self.expression()?;
            self.depth -= 1;
            return Ok(Expr {
                pos,
                kind: ExprKind::Assign(name, Box::new(value)),
            });
        }
        self.keyword_send()
    }

    fn keyword_send(&mut self) -> PResult<Expr> {
        let receiver = self.binary_send()?;
        if !matches!(self.peek(), Tok::Keyword(_)) {
            return Ok(receiver);
        }
        let pos = self.pos();
        let mut selector = String::new();
        let mut args = Vec::new();
        while let Tok::Keyword(k) = self.peek().clone() {
            self.advance();
            selector.push_str(&k);
            args.push(self.binary_send()?);
        }
        Ok(send(pos, receiver, selector, args))
    }

    fn binary_send(&mut self) -> PResult<Expr> {
        let mut receiver = self.unary_send()?;
        while let Tok::Operator(op) = self.peek().clone() {
            let pos = self.pos();
            self.advance();
            let arg = self.unary_send()?;
            receiver = send(pos, receiver, op, vec![arg]);
        }
        Ok(receiver)
    }

    fn unary_send(&mut self) -> PResult<Expr> {
        let mut receiver = self.primary()?;
        while let Tok::Ident(sel) = self.peek().clone() {
            if *self.peek_at(1) == Tok::Assign {
                break;
            }
            let pos = self.pos();
            self.advance();
            receiver = send(pos, receiver, sel, Vec::new());
        }
        Ok(receiver)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        let kind = match self.peek().clone() {
            Tok::Ident(name) => {
                self.advance();
                ExprKind::Variable(name)
            }
            Tok::Primitive => {
                self.advance();
                ExprKind::Variable("primitive".into())
            }
            Tok::LParen => {
                self.advance();
                self.enter()?;
                let e = self.expression()?;
                self.depth -= 1;
                self.expect(Tok::RParen, "')' to close the parenthesis")?;
                return Ok(e);
            }
            Tok::LBracket => ExprKind::Block(self.block()?),
            _ => ExprKind::Literal(self.literal()?),
        };
        Ok(Expr { pos, kind })
    }

    fn block(&mut self) -> PResult<Block> {
        let pos = self.pos();
        self.advance();
        self.enter()?;
        let mut params = Vec::new();
        while *self.peek() == Tok::Colon {
            self.advance();
            params.push(self.ident("a block parameter name after ':'")?);
        }
        if !params.is_empty() {
            match self.peek() {
                Tok::Operator(o) if o == "|" => {
                    self.advance();
                }
                // `[:a || t | ...]`: the parameter bar and the temporaries' bar.
                Tok::Operator(o) if o == "||" => {
                    self.toks[self.i].0 = Tok::Operator("|".into());
                }
                Tok::RBracket => {}
                _ => return self.unexpected("'|' after the block parameters"),
            }
        }
        let body = self.body(&Tok::RBracket)?;
        self.expect(Tok::RBracket, "']' to close the block")?;
        self.depth -= 1;
        Ok(Block { params, body, pos })
    }

    // ---- literals ----

    fn literal(&mut self) -> PResult<Literal> {
        match self.peek().clone() {
            Tok::Integer(s) => {
                self.advance();
                Ok(Literal::Integer(parse_int(&s)))
            }
            Tok::Double(s) => {
                self.advance();
                Ok(Literal::Double(s.parse().unwrap_or(f64::NAN)))
            }
            Tok::Operator(o) if o == "-" => {
                let pos = self.pos();
                self.advance();
                match self.peek().clone() {
                    Tok::Integer(s) => {
                        self.advance();
                        Ok(Literal::Integer(-parse_int(&s)))
                    }
                    Tok::Double(s) => {
                        self.advance();
                        Ok(Literal::Double(-s.parse::<f64>().unwrap_or(f64::NAN)))
                    }
                    _ => err(pos, "expected a number after '-'".into()),
                }
            }
            Tok::Str(s) => {
                self.advance();
                Ok(Literal::String(s))
            }
            Tok::Symbol(s) => {
                self.advance();
                Ok(Literal::Symbol(s))
            }
            Tok::Pound => {
                self.advance();
                if *self.peek() != Tok::LParen {
                    return self.unexpected("a symbol or '(' after '#'");
                }
                self.literal_array()
            }
            _ => self.unexpected("an expression"),
        }
    }

    fn literal_array(&mut self) -> PResult<Literal> {
        self.advance();
        self.enter()?;
        let mut items = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::RParen => {
                    self.advance();
                    break;
                }
                Tok::LParen => items.push(self.literal_array()?),
                Tok::Ident(s) | Tok::Keyword(s) => {
                    self.advance();
                    items.push(Literal::Symbol(s));
                }
                Tok::Operator(o) if o != "-" || !self.next_is_number() => {
                    self.advance();
                    items.push(Literal::Symbol(o));
                }
                Tok::Eof => return self.unexpected("')' to close the literal array"),
                _ => items.push(self.literal()?),
            }
        }
        self.depth -= 1;
        Ok(Literal::Array(items))
    }

    fn next_is_number(&self) -> bool {
        matches!(self.peek_at(1), Tok::Integer(_) | Tok::Double(_))
    }
}

fn parse_int(s: &str) -> BigInt {
    s.parse().unwrap_or_default()
}

fn send(pos: Pos, receiver: Expr, selector: String, args: Vec<Expr>) -> Expr {
    Expr {
        pos,
        kind: ExprKind::Send {
            receiver: Box::new(receiver),
            selector,
            args,
        },
    }
}
