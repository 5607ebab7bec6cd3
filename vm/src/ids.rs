//! Typed indices for the tables that cross modules, in `cranelift-entity`'s style (its
//! `entity_impl!` gives each a `Display` with a prefix, `EntityRef` for `index()`/`new()`,
//! and a reserved value for packed options): a method, an interned symbol, a send site
//! (and its inline cache), a bytecode index. Each is a `repr(transparent)` `u32`, so the
//! structures machine code reads keep their layout (`native::abi`). A missing id is an
//! `Option`, never a `u32::MAX` passed around.
//!
//! Classes have no id of their own: a class is its heap object, named by its `Value`
//! (inline caches and lookup caches key on it), so there is no class table to index.

use cranelift_entity::EntityRef;

/// `index()` and `new()` without importing `EntityRef` at every use.
macro_rules! table_index {
    ($($id:ident),*) => {$(
        impl $id {
            /// The id of table entry `index` (tables stay far below `u32::MAX` entries).
            #[inline]
            pub(crate) fn new(index: usize) -> Self {
                <Self as EntityRef>::new(index)
            }
            /// The table entry this id names.
            #[inline]
            pub(crate) fn index(self) -> usize {
                <Self as EntityRef>::index(self)
            }
        }
    )*};
}

/// A method or block body: its index in the universe's method table (`Vm::methods`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub(crate) struct MethodId(u32);
cranelift_entity::entity_impl!(MethodId, "method");

/// An interned symbol: its index in the universe's symbol table (`Vm::symbols`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub(crate) struct SymbolId(u32);
cranelift_entity::entity_impl!(SymbolId, "sym");

/// A send site (with its inline cache): its index in the universe's site table (`Vm::sites`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub(crate) struct SendSiteId(u32);
cranelift_entity::entity_impl!(SendSiteId, "site");

/// A bytecode index: the position of an instruction in one method's `Code::ops`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub(crate) struct Bci(u32);
cranelift_entity::entity_impl!(Bci, "bci");

table_index!(MethodId, SymbolId, SendSiteId, Bci);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_with_their_table_and_round_trip() {
        assert_eq!(MethodId::new(12).to_string(), "method12");
        assert_eq!(SymbolId::new(3).to_string(), "sym3");
        assert_eq!(format!("{:?}", SendSiteId::new(0)), "site0");
        assert_eq!(Bci::from_u32(7).index(), 7);
        assert_eq!(MethodId::new(5).as_u32(), 5);
    }

    #[test]
    fn an_id_has_the_layout_of_a_u32() {
        assert_eq!(std::mem::size_of::<MethodId>(), 4);
        assert_eq!(std::mem::align_of::<MethodId>(), 4);
        assert_eq!(std::mem::size_of::<Option<MethodId>>(), 8);
    }
}
