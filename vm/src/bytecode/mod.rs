//! The bytecode set (one enum, one doc line per instruction with its stack effect) and the
//! compiled-method structures every tier reads: code, literals, line table, send sites
//! (whose inline caches are data), inlining fallbacks and tier-up counters.
//!
//! Frame slots: slot 0 is the receiver (for a block activation: the block object), slots
//! `1..=num_args` the arguments, then `num_locals` temporaries; the operand stack follows.
//! Captured variables (read by nested blocks) live in the activation's `Context` object
//! instead: context slot 0 links to the outer context, variables start at slot 1.

pub(crate) mod disasm;
pub(crate) mod props;

pub(crate) use props::JumpKind;

use crate::ids::{Bci, MethodId, SendSiteId, SymbolId};
use crate::value::Value;
use std::cell::Cell;
use std::rc::Rc;

/// One instruction. `[a b] -> [c]` gives the stack effect (top of stack on the right).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bytecode {
    /// `[] -> [nil]`
    PushNil,
    /// `[] -> [true]`
    PushTrue,
    /// `[] -> [false]`
    PushFalse,
    /// `[] -> [self]` (in a block: the home method's receiver)
    PushSelf,
    /// `[] -> [n]` a small integer literal
    PushInt(i32),
    /// `[] -> [literal]` literal table entry (string, symbol, double, big integer, array)
    PushLiteral(u16),
    /// `[] -> [slot]` frame slot (argument or temporary)
    PushLocal(u16),
    /// `[] -> [slot_a slot_b]` two frame slots (superinstruction)
    PushLocal2(u16, u16),
    /// `[] -> [slot n]` a frame slot and a small integer (superinstruction)
    PushLocalInt(u16, i32),
    /// `[v] -> []` store into a field of self and pop
    PopField(u16),
    /// `[v] -> [self]` pop, then push self (superinstruction at statement boundaries)
    PopPushSelf,
    /// `[] -> [self.a self.b]` two fields of self (superinstruction)
    PushField2(u16, u16),
    /// `[v] -> []` store into a frame slot, then jump back to bytecode index (a loop
    /// back-edge; superinstruction)
    PopLocalJumpBack(u16, Bci),
    /// `[v] -> [v]` store into a frame slot
    StoreLocal(u16),
    /// `[v] -> []` store into a frame slot and pop
    PopLocal(u16),
    /// `[] -> [ctx[i]]` this activation's context slot
    PushCaptured(u16),
    /// `[v] -> [v]` store into this activation's context slot
    StoreCaptured(u16),
    /// `[] -> [v]` context slot `slot` reached from the frame's outer context by `hops`
    /// further outer links
    PushOuter(u8, u16),
    /// `[v] -> [v]` store into an outer context slot
    StoreOuter(u8, u16),
    /// `[] -> [v]` variable `n` of the creator frame (fallback blocks only)
    PushCreator(u16),
    /// `[v] -> [v]` store into variable `n` of the creator frame
    StoreCreator(u16),
    /// `[] -> [self.field]`
    PushField(u16),
    /// `[v] -> [v]` store into a field of self
    StoreField(u16),
    /// `[] -> [global]` global by global number; unbound: load the class or send
    /// `unknownGlobal:` to self
    PushGlobal(u32),
    /// `[] -> [block]` a closure over the block method `blocks[i]`
    PushBlock(u16),
    /// `[v] -> []`
    Pop,
    /// `[recv args..] -> [result]` a send through send site `n` (inline cache)
    Send(SendSiteId),
    /// `[self args..] -> [result]` a send that starts lookup above the method's holder
    SuperSend(SendSiteId),
    /// `[a b] -> [a+b]` small-integer fast path, else a send through site `n`
    Add(SendSiteId),
    /// `[a b] -> [a-b]` small-integer fast path, else a send
    Sub(SendSiteId),
    /// `[a b] -> [a*b]` small-integer fast path, else a send
    Mul(SendSiteId),
    /// `[a b] -> [a<b]` small-integer fast path, else a send
    Lt(SendSiteId),
    /// `[a b] -> [a>b]` small-integer fast path, else a send
    Gt(SendSiteId),
    /// `[a b] -> [a<=b]` small-integer fast path, else a send
    Le(SendSiteId),
    /// `[a b] -> [a>=b]` small-integer fast path, else a send
    Ge(SendSiteId),
    /// `[a b] -> [a=b]` small-integer fast path, else a send
    Eq(SendSiteId),
    /// `[a b] -> [a~=b]` small-integer fast path, else a send
    Ne(SendSiteId),
    /// `[a b] -> [a/b]` small-integer fast path (rounding down), else a send
    Div(SendSiteId),
    /// `[a b] -> [a%b]` small-integer fast path (sign of the divisor), else a send
    Mod(SendSiteId),
    /// `[a b] -> [a&b]` small-integer fast path, else a send
    BitAnd(SendSiteId),
    /// `[a b] -> [a==b]` small-integer fast path, else a send
    Identical(SendSiteId),
    /// `[array index] -> [element]` `at:` with an inline path for core Arrays, else a send
    At(SendSiteId),
    /// `[array index value] -> [array]` `at:put:` with an inline path for core Arrays,
    /// else a send
    AtPut(SendSiteId),
    /// `[v] -> (return v)` return from this activation to its caller
    ReturnLocal,
    /// `[v] -> (return v)` return from the home method of this block (`^` in a block)
    ReturnNonLocal,
    /// `[] -> []` forward jump to bytecode index
    Jump(Bci),
    /// `[] -> []` backward jump to bytecode index (a loop back-edge: advances the clock)
    JumpBack(Bci),
    /// `[c] -> []` jump if `c` is false; continue if true; otherwise the inlining
    /// fallback `fallback` sends the real message to `c`
    JumpIfFalse { target: Bci, fallback: u16 },
    /// `[c] -> []` jump if `c` is true; continue if false; otherwise the fallback
    JumpIfTrue { target: Bci, fallback: u16 },
    /// `[v] -> [v]` or `[v] -> []`: inlined `ifNil:`-family test (see `NilTestMode`) when
    /// `v`'s class answers the message with the standard Object/Nil method; otherwise
    /// the fallback sends the real message
    NilTest {
        target: Bci,
        fallback: u16,
        mode: NilTestMode,
    },
    /// `[start limit step?] -> []` inlined counting loop (`to:do:`, `to:by:do:`,
    /// `downTo:do:`, `downTo:by:do:`, see `LoopKind`): sets the loop's counter, limit,
    /// start and step slots (`LoopSlots`); non-numbers take fallback `fallback`
    ToDoPrepare {
        counter: u16,
        fallback: u16,
        kind: LoopKind,
    },
    /// `[] -> []` if the counter is past the limit (`>` counting up, `<` counting down)
    /// jump to `exit`, else copy it into the loop variable (`LoopSlots::VARIABLE`)
    ToDoTest { counter: u16, exit: Bci, down: bool },
    /// `[] -> []` counter := counter + step (`-` step counting down), then jump back to
    /// `head` (a back-edge)
    ToDoStep { counter: u16, head: Bci, down: bool },
}

/// Which `ifNil:`-family message a `NilTest` inlines. For `Absent` (`ifNil:`), a nil value is popped
/// and the block follows, a non-nil value stays (the answer) and jumps; `Present` is
/// the converse; the two-block forms pop in both cases and jump to the second block for
/// the second case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NilTestMode {
    /// `ifNil:`
    Absent,
    /// `ifNotNil:`
    Present,
    /// `ifNil:ifNotNil:`
    AbsentThenPresent,
    /// `ifNotNil:ifNil:`
    PresentThenAbsent,
}

impl NilTestMode {
    pub(crate) const SELECTORS: [&'static str; 4] =
        ["ifNil:", "ifNotNil:", "ifNil:ifNotNil:", "ifNotNil:ifNil:"];
}

/// Which counting loop an inlined `ToDoPrepare` starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoopKind {
    /// `to:do:` (step 1)
    To,
    /// `to:by:do:` (step on the stack)
    ToBy,
    /// `downTo:do:` (step 1, counting down)
    DownTo,
    /// `downTo:by:do:` (step on the stack, counting down)
    DownToBy,
}

impl LoopKind {
    pub(crate) fn has_step(self) -> bool {
        matches!(self, LoopKind::ToBy | LoopKind::DownToBy)
    }

    pub(crate) fn down(self) -> bool {
        matches!(self, LoopKind::DownTo | LoopKind::DownToBy)
    }
}

/// The frame slots of an inlined counting loop, numbered from its `counter` slot (the
/// compiler declares them in this order; every tier addresses them through these).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LoopSlots {
    pub counter: u16,
}

impl LoopSlots {
    /// The running counter.
    pub(crate) const COUNTER: u16 = 0;
    /// The limit, fixed when the loop starts.
    pub(crate) const LIMIT: u16 = 1;
    /// The block's parameter: the counter copied in by each loop test.
    pub(crate) const VARIABLE: u16 = 2;
    /// The start value (the loop's answer is its receiver, the start).
    pub(crate) const START: u16 = 3;
    /// The step (1 unless `by:` gives one).
    pub(crate) const STEP: u16 = 4;

    pub(crate) fn slot(self, which: u16) -> u16 {
        self.counter + which
    }
}

/// Why an inlined construct may have to send the real message after all.
#[derive(Debug, Clone)]
pub(crate) struct Fallback {
    pub selector: SymbolId,
    /// Block methods made into closures and passed as arguments (for `whileTrue:` the
    /// first one is the receiver).
    pub blocks: Vec<MethodId>,
    pub kind: FallbackKind,
    /// Where execution continues with the send's result on the stack.
    pub resume: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FallbackKind {
    /// The tested value is the receiver (`ifTrue:`, `and:`, `to:do:`).
    ValueIsReceiver,
    /// The tested value is dropped; the first block is the receiver (`whileTrue:`).
    BlockIsReceiver,
}

/// How a fallback block reaches a variable of its creator activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarAccess {
    Local(u16),
    Captured(u16),
    Outer(u8, u16),
    Creator(u16),
}

/// One inline-cache entry: a receiver class and the method lookup found for it (an
/// unused entry holds nil, which is no class).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct CacheEntry {
    pub class: Value,
    pub method: MethodId,
}

/// A send site: the selector, argument count and the polymorphic inline cache.
/// `repr(C)`: tier-1 code probes the cache in place (`native::abi`).
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct SendSite {
    pub selector: SymbolId,
    pub argc: u8,
    /// For super sends: the class where lookup starts.
    pub lookup_class: Value,
    pub cache: [CacheEntry; 4],
    pub cached: u8,
    pub megamorphic: bool,
}

/// A bytecode method or block body.
#[derive(Debug)]
pub(crate) struct Code {
    pub bytecodes: Vec<Bytecode>,
    /// Source line of each bytecode.
    pub lines: Vec<u32>,
    pub literals: Vec<Value>,
    pub num_args: u16,
    pub num_locals: u16,
    /// Number of context variables (0: the activation needs no context).
    pub num_captured: u16,
    /// Arguments moved into the context at entry: (frame slot, context slot).
    pub captured_args: Vec<(u16, u16)>,
    /// Nested block methods, by `PushBlock` index.
    pub blocks: Vec<MethodId>,
    pub fallbacks: Vec<Fallback>,
    /// Creator variables a fallback block reads, by `PushCreator` index.
    pub creator_vars: Vec<VarAccess>,
    pub is_block: bool,
    /// Names of the frame slots, for tools (`self`/block, args, temporaries).
    pub slot_names: Vec<String>,
    /// Variables that live in the context: (frame slot, context slot), for tools.
    pub captured_vars: Vec<(u16, u16)>,
}

/// A method so simple that a send runs it without an activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trivial {
    /// `^ literal` (also `^ nil`, `^ true`, `^ false`).
    Constant(Value),
    /// `^ self` or an empty body.
    ReturnSelf,
    /// `^ field`
    Getter(u16),
    /// `field: value = ( field := value )`
    Setter(u16),
}

/// What a method runs.
#[derive(Debug, Clone)]
pub(crate) enum MethodKind {
    Bytecode(Rc<Code>),
    /// A bytecode method whose effect needs no frame (the code is kept for tools).
    Trivial(Trivial, Rc<Code>),
    Primitive(crate::runtime::primitives::PrimFn),
    /// The block evaluation primitives (`value`, `value:`, `value:with:`): the send
    /// activates the receiver block's method directly.
    BlockValue,
    /// Declared `primitive` but unknown to this VM: calling it is a SOM error.
    MissingPrimitive,
}

/// What a frame push needs to know about a bytecode method (copied out of its `Code`
/// so a send does not touch the code itself).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FrameShape {
    pub num_locals: u16,
    pub num_captured: u16,
    pub is_block: bool,
    /// A block that reaches its creator's variables (`PushCreator`/`StoreCreator`):
    /// `PushBlock` records the creating frame in it.
    pub uses_creator: bool,
    /// Stack slots the activation may use beyond its receiver and arguments: its
    /// temporaries plus an operand-stack bound (no bytecode pushes more than two), so
    /// `push_frame` can guarantee the dispatch loop's unchecked pushes (`stack.rs`).
    pub max_growth: u32,
}

impl FrameShape {
    pub(crate) fn of(code: &Code) -> FrameShape {
        FrameShape {
            num_locals: code.num_locals,
            num_captured: code.num_captured,
            is_block: code.is_block,
            uses_creator: !code.creator_vars.is_empty(),
            max_growth: code.num_locals as u32 + 2 * code.bytecodes.len() as u32 + 16,
        }
    }
}

/// A method or block in the universe's method table.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct Method {
    pub signature: SymbolId,
    /// The class (or metaclass) that defines it.
    pub holder: Value,
    pub kind: MethodKind,
    /// Frame layout of a bytecode method (default for primitives).
    pub shape: FrameShape,
    pub num_args: u16,
    /// For blocks: the method that lexically contains it.
    pub outer_method: Option<MethodId>,
    pub file: Rc<str>,
    pub line: u32,
    /// Tier-up counters read by later tiers.
    pub invocations: Cell<u32>,
    pub back_edges: Cell<u32>,
}

impl Bytecode {
    /// Mnemonic used by the disassembler.
    pub(crate) fn mnemonic(&self) -> &'static str {
        use Bytecode::*;
        match self {
            PushNil => "push_nil",
            PushTrue => "push_true",
            PushFalse => "push_false",
            PushSelf => "push_self",
            PushInt(_) => "push_int",
            PushLiteral(_) => "push_literal",
            PushLocal(_) => "push_local",
            PushLocal2(..) => "push_local2",
            PushLocalInt(..) => "push_local_int",
            PushField2(..) => "push_field2",
            PopField(_) => "pop_field",
            PopPushSelf => "pop_push_self",
            PopLocalJumpBack(..) => "pop_local_jump_back",
            StoreLocal(_) => "store_local",
            PopLocal(_) => "pop_local",
            PushCaptured(_) => "push_captured",
            StoreCaptured(_) => "store_captured",
            PushOuter(..) => "push_outer",
            StoreOuter(..) => "store_outer",
            PushCreator(_) => "push_creator",
            StoreCreator(_) => "store_creator",
            PushField(_) => "push_field",
            StoreField(_) => "store_field",
            PushGlobal(_) => "push_global",
            PushBlock(_) => "push_block",
            Pop => "pop",
            Send(_) => "send",
            SuperSend(_) => "super_send",
            Add(_) => "add",
            Sub(_) => "sub",
            Mul(_) => "mul",
            Lt(_) => "lt",
            Gt(_) => "gt",
            Le(_) => "le",
            Ge(_) => "ge",
            Eq(_) => "eq",
            Ne(_) => "ne",
            Div(_) => "div",
            Mod(_) => "mod",
            BitAnd(_) => "bit_and",
            Identical(_) => "identical",
            At(_) => "at",
            AtPut(_) => "at_put",
            ReturnLocal => "return_local",
            ReturnNonLocal => "return_non_local",
            Jump(_) => "jump",
            JumpBack(_) => "jump_back",
            JumpIfFalse { .. } => "jump_if_false",
            JumpIfTrue { .. } => "jump_if_true",
            NilTest { .. } => "nil_test",
            ToDoPrepare { .. } => "to_do_prepare",
            ToDoTest { .. } => "to_do_test",
            ToDoStep { .. } => "to_do_step",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bytecode_fits_in_eight_bytes() {
        assert!(std::mem::size_of::<Bytecode>() <= 8);
    }
}
