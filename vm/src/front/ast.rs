//! The abstract syntax tree of a SOM class file, as the parser produces it and the
//! bytecode compiler consumes it. Every node that can be the subject of an error or of a
//! source-line mapping carries its `Pos` (1-based line and column).

use num_bigint::BigInt;

/// A source position: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: u32,
    pub col: u32,
}

/// One class definition: `Name = Super ( |fields| methods ---- |fields| methods )`.
#[derive(Debug, Clone)]
pub(crate) struct ClassDef {
    pub name: String,
    pub pos: Pos,
    /// `None`: no superclass written (defaults to `Object`); `Some("nil")`: a root class.
    pub superclass: Option<String>,
    pub instance_fields: Vec<String>,
    pub instance_methods: Vec<MethodDef>,
    pub class_fields: Vec<String>,
    pub class_methods: Vec<MethodDef>,
}

/// A method: its selector, parameter names and either `primitive` or a body.
#[derive(Debug, Clone)]
pub(crate) struct MethodDef {
    pub selector: String,
    pub params: Vec<String>,
    pub pos: Pos,
    pub body: MethodBody,
}

#[derive(Debug, Clone)]
pub(crate) enum MethodBody {
    Primitive,
    /// A method body has the shape of a block without parameters; `end` is the
    /// position of the closing `)`.
    Code(Body),
}

/// The contents of a method or block: temporaries and statements.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub locals: Vec<String>,
    /// Statements in order; a `^ expr` statement is `ExprKind::Return` and is always last.
    pub statements: Vec<Expr>,
    /// Position of the closing `)` or `]`.
    pub end: Pos,
}

/// A block literal `[:a :b | |t| ...]`.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub params: Vec<String>,
    pub body: Body,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub pos: Pos,
    pub kind: ExprKind,
}

#[derive(Debug, Clone)]
pub(crate) enum ExprKind {
    /// A name: a local, argument, field, global, or one of the pseudo-variables
    /// `self`, `super`, `nil`, `true`, `false` (resolved by the compiler).
    Variable(String),
    /// `name := value`.
    Assign(String, Box<Expr>),
    Literal(Literal),
    Block(Block),
    /// Unary, binary or keyword send; `selector` is the full selector (`at:put:`).
    /// A send to `super` has `receiver` = `Variable("super")`.
    Send {
        receiver: Box<Expr>,
        selector: String,
        args: Vec<Expr>,
    },
    /// `^ expr` (always the last statement of a body).
    Return(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Integer(BigInt),
    Double(f64),
    String(String),
    Symbol(String),
    Array(Vec<Literal>),
}
