//! The lexer: SOM source text to tokens with 1-based line and column positions.
//! Comments (`"..."`) and whitespace are skipped; strings are unescaped here.

use crate::front::ast::Pos;
use crate::front::parser::SyntaxError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// `at:` (one keyword part)
    Keyword(String),
    /// A binary operator sequence: `+`, `<=`, `~=`, `|`, `-`, `,`...
    Operator(String),
    Integer(String),
    Double(String),
    Str(String),
    /// `#` followed directly by a symbol body is lexed as `Symbol`.
    Symbol(String),
    Primitive,
    Separator,
    Assign,
    Pound,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Colon,
    Caret,
    Period,
    Eof,
}

impl Tok {
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier '{s}'"),
            Tok::Keyword(s) => format!("keyword '{s}'"),
            Tok::Operator(s) => format!("'{s}'"),
            Tok::Integer(s) | Tok::Double(s) => format!("number {s}"),
            Tok::Str(_) => "a string".into(),
            Tok::Symbol(s) => format!("symbol #{s}"),
            Tok::Primitive => "'primitive'".into(),
            Tok::Separator => "'----'".into(),
            Tok::Assign => "':='".into(),
            Tok::Pound => "'#'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Colon => "':'".into(),
            Tok::Caret => "'^'".into(),
            Tok::Period => "'.'".into(),
            Tok::Eof => "end of file".into(),
        }
    }
}

const OPERATOR_CHARS: &str = "~&|*/\\+=><,@%-";

fn is_op(c: char) -> bool {
    OPERATOR_CHARS.contains(c)
}

/// Splits `source` into tokens (the last is `Eof`).
pub(crate) fn tokenize(source: &str) -> Result<Vec<(Tok, Pos)>, SyntaxError> {
    let mut lx = Lexer {
        chars: source.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
    };
    let mut out = Vec::new();
    loop {
        lx.skip_trivia()?;
        let pos = lx.pos();
        let Some(c) = lx.peek(0) else {
            out.push((Tok::Eof, pos));
            return Ok(out);
        };
        let tok = lx.token(c, pos)?;
        out.push((tok, pos));
    }
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
}

impl Lexer {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.peek(0) {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('"') => {
                    let start = self.pos();
                    self.bump();
                    loop {
                        match self.bump() {
                            Some('"') => break,
                            Some(_) => {}
                            None => return Err(error(start, "unterminated comment")),
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn token(&mut self, c: char, pos: Pos) -> Result<Tok, SyntaxError> {
        if c.is_alphabetic() {
            let word = self.identifier();
            if self.peek(0) == Some(':') && self.peek(1) != Some('=') {
                self.bump();
                return Ok(Tok::Keyword(word + ":"));
            }
            return Ok(if word == "primitive" {
                Tok::Primitive
            } else {
                Tok::Ident(word)
            });
        }
        if c.is_ascii_digit() {
            return Ok(self.number());
        }
        match c {
            '\'' => self.string(pos).map(Tok::Str),
            '#' => self.symbol(pos),
            ':' if self.peek(1) == Some('=') => {
                self.bump();
                self.bump();
                Ok(Tok::Assign)
            }
            ':' => self.single(Tok::Colon),
            '(' => self.single(Tok::LParen),
            ')' => self.single(Tok::RParen),
            '[' => self.single(Tok::LBracket),
            ']' => self.single(Tok::RBracket),
            '^' => self.single(Tok::Caret),
            '.' => self.single(Tok::Period),
            '-' if self.is_separator() => {
                while self.peek(0) == Some('-') {
                    self.bump();
                }
                Ok(Tok::Separator)
            }
            c if is_op(c) => {
                let mut op = String::new();
                while let Some(c) = self.peek(0).filter(|&c| is_op(c)) {
                    // `x--1` style: stop an operator before a separator run.
                    if c == '-' && !op.is_empty() && self.is_separator() {
                        break;
                    }
                    op.push(c);
                    self.bump();
                }
                Ok(Tok::Operator(op))
            }
            other => Err(error(pos, &format!("unexpected character '{other}'"))),
        }
    }

    fn is_separator(&self) -> bool {
        (0..4).all(|k| self.peek(k) == Some('-'))
    }

    fn single(&mut self, t: Tok) -> Result<Tok, SyntaxError> {
        self.bump();
        Ok(t)
    }

    fn identifier(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0).filter(|c| c.is_alphanumeric() || *c == '_') {
            s.push(c);
            self.bump();
        }
        s
    }

    fn digits(&mut self, s: &mut String) {
        while let Some(c) = self.peek(0).filter(|c| c.is_ascii_digit()) {
            s.push(c);
            self.bump();
        }
    }

    fn number(&mut self) -> Tok {
        let mut s = String::new();
        self.digits(&mut s);
        let mut is_double = false;
        if self.peek(0) == Some('.') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            is_double = true;
            s.push('.');
            self.bump();
            self.digits(&mut s);
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            let sign = matches!(self.peek(1), Some('-' | '+'));
            let d = if sign { self.peek(2) } else { self.peek(1) };
            if d.is_some_and(|c| c.is_ascii_digit()) {
                is_double = true;
                s.push('e');
                self.bump();
                if sign {
                    s.push(self.bump().unwrap_or('+'));
                }
                self.digits(&mut s);
            }
        }
        if is_double {
            Tok::Double(s)
        } else {
            Tok::Integer(s)
        }
    }

    fn string(&mut self, start: Pos) -> Result<String, SyntaxError> {
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(error(start, "unterminated string")),
                Some('\'') => {
                    if self.peek(0) == Some('\'') {
                        self.bump();
                        s.push('\'');
                    } else {
                        return Ok(s);
                    }
                }
                Some('\\') => {
                    // The backslash's own position (the escape may be a line break).
                    let at = Pos {
                        line: self.line,
                        col: self.col.saturating_sub(1).max(1),
                    };
                    let esc = self.bump();
                    s.push(match esc {
                        Some('t') => '\t',
                        Some('b') => '\u{8}',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('f') => '\u{c}',
                        Some('0') => '\0',
                        Some('\'') => '\'',
                        Some('\\') => '\\',
                        Some(other) => {
                            return Err(error(
                                at,
                                &if other.is_control() {
                                    format!("unknown escape sequence: a backslash before {other:?}")
                                } else {
                                    format!("unknown escape sequence '\\{other}'")
                                },
                            ));
                        }
                        None => return Err(error(start, "unterminated string")),
                    });
                }
                Some(c) => s.push(c),
            }
        }
    }

    fn symbol(&mut self, pos: Pos) -> Result<Tok, SyntaxError> {
        self.bump();
        match self.peek(0) {
            Some('\'') => self.string(pos).map(Tok::Symbol),
            Some(c) if c.is_alphabetic() => {
                let mut s = self.identifier();
                let mut parts = 0;
                while self.peek(0) == Some(':') && self.peek(1) != Some('=') {
                    self.bump();
                    s.push(':');
                    parts += 1;
                    if self.peek(0).is_some_and(|c| c.is_alphabetic()) {
                        s.push_str(&self.identifier());
                    } else {
                        break;
                    }
                }
                let _ = parts;
                Ok(Tok::Symbol(s))
            }
            Some(c) if is_op(c) => {
                let mut op = String::new();
                while let Some(c) = self.peek(0).filter(|&c| is_op(c)) {
                    op.push(c);
                    self.bump();
                }
                Ok(Tok::Symbol(op))
            }
            _ => Ok(Tok::Pound),
        }
    }
}

pub(crate) fn error(pos: Pos, message: &str) -> SyntaxError {
    SyntaxError {
        pos,
        message: message.to_string(),
    }
}
