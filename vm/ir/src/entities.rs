//! Typed entity indices of the IR (`Block`, `Value`, `Inst`, frame states and virtual
//! objects), in the style of cranelift-entity: each prints with a short prefix (`b3`,
//! `v12`, `fs0`, `vo1`) so dumps are greppable and stable across passes.

use cranelift_entity::entity_impl;

/// A basic block; its parameters are the SSA form's phis.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block(u32);
entity_impl!(Block, "b");

/// An SSA value: a block parameter or the single result of an instruction.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(u32);
entity_impl!(Value, "v");

/// An instruction (not printed by number; its result value names it in dumps).
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Inst(u32);
entity_impl!(Inst, "inst");

/// A frame state: what the interpreter frame looks like at a deopt point.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameStateRef(u32);
entity_impl!(FrameStateRef, "fs");

/// A virtual (scalar-replaced) object named by frame states, re-materialized on deopt.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VirtualRef(u32);
entity_impl!(VirtualRef, "vo");

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_entity::EntityRef;

    #[test]
    fn entities_print_with_their_prefix() {
        assert_eq!(Block::new(3).to_string(), "b3");
        assert_eq!(Value::new(12).to_string(), "v12");
        assert_eq!(FrameStateRef::new(0).to_string(), "fs0");
        assert_eq!(VirtualRef::new(1).to_string(), "vo1");
    }
}
