//! Objects: the heap (`heap.rs`: object table, bodies, allocation accounting), SOM's
//! number semantics free of VM state (`numeric.rs`), and the layout contract machine
//! code relies on (`layout.rs`: every offset JIT code reads or writes, from
//! `offset_of!`, in one place), with `slots.rs`, the fixed-length value buffer behind
//! instances, arrays and contexts whose layout it fixes.

pub(crate) mod heap;
pub(crate) mod layout;
pub(crate) mod numeric;
pub(crate) mod os_pages;
pub(crate) mod slots;
