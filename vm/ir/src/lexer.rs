//! Tokens of the text form with their line and column; `;` starts a comment to the end
//! of the line.

use crate::parse::ParseError;

/// A token kind.
#[derive(Clone, PartialEq, Debug)]
pub enum Tok {
    /// A name: opcode (`iadd`, `load.word`), entity (`v3`, `b0`, `fs1`) or keyword.
    Ident(String),
    /// `%name`.
    FuncName(String),
    /// An integer literal (decimal or `0x` hex, optionally negative).
    Int(i128),
    /// A floating literal (has `.` or an exponent).
    Float(f64),
    /// `->`.
    Arrow,
    /// One punctuation character: `( ) { } [ ] , : = @ + -`.
    Punct(char),
}

/// A token and where it starts (1-based).
#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub line: usize,
    pub col: usize,
}

/// Splits `text` into tokens.
pub fn tokenize(text: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        let (tl, tc) = (line, col);
        let start = i;
        if c == '\n' {
            i += 1;
            line += 1;
            col = 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            col += 1;
            continue;
        }
        if c == ';' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
        let tok = if c == '-' && chars.get(i + 1) == Some(&'>') {
            i += 2;
            Tok::Arrow
        } else if c == '%' {
            i += 1;
            while i < chars.len() && is_name(chars[i]) {
                i += 1;
            }
            Tok::FuncName(chars[start + 1..i].iter().collect())
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && is_name(chars[i]) {
                i += 1;
            }
            Tok::Ident(chars[start..i].iter().collect())
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '.'
                    || ((chars[i] == '-' || chars[i] == '+')
                        && matches!(chars[i - 1], 'e' | 'E')
                        && !chars[start..i].contains(&'x')))
            {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            number(&s).ok_or_else(|| ParseError::new(tl, tc, format!("bad number `{s}`")))?
        } else if "(){}[],:=@+-".contains(c) {
            i += 1;
            Tok::Punct(c)
        } else {
            return Err(ParseError::new(
                tl,
                tc,
                format!("unexpected character `{c}`"),
            ));
        };
        col += i - start;
        out.push(Token {
            tok,
            line: tl,
            col: tc,
        });
    }
    Ok(out)
}

fn number(s: &str) -> Option<Tok> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if let Some(hex) = body.strip_prefix("0x") {
        let v = u64::from_str_radix(hex, 16).ok()? as i128;
        return Some(Tok::Int(if neg { -v } else { v }));
    }
    if body.contains(['.', 'e', 'E']) {
        return s.parse::<f64>().ok().map(Tok::Float);
    }
    s.parse::<i128>().ok().map(Tok::Int)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_line_and_column() {
        let toks = tokenize("b0(v1: int):\n  v2 = iadd v1, -3 ; c\n").unwrap();
        assert_eq!(toks[0].tok, Tok::Ident("b0".into()));
        let v2 = toks
            .iter()
            .find(|t| t.tok == Tok::Ident("v2".into()))
            .unwrap();
        assert_eq!((v2.line, v2.col), (2, 3));
        assert!(toks.iter().any(|t| t.tok == Tok::Int(-3)));
    }

    #[test]
    fn numbers_in_hex_float_and_exponent_form() {
        let toks = tokenize("0x1f 1.5 -2.5e-3 1e10").unwrap();
        let kinds: Vec<Tok> = toks.into_iter().map(|t| t.tok).collect();
        assert_eq!(
            kinds,
            vec![
                Tok::Int(31),
                Tok::Float(1.5),
                Tok::Float(-2.5e-3),
                Tok::Float(1e10)
            ]
        );
    }

    #[test]
    fn a_stray_character_is_an_error_with_position() {
        let err = tokenize("v1 = $").unwrap_err();
        assert_eq!((err.line, err.col), (1, 6));
    }
}
