//! The runtime every tier shares: the VM state (`vm.rs`), class loading and bootstrap
//! (`loader.rs`), the VM stack and frames (`stack.rs`), message sending with lookup and
//! inline caches and frame push (`send.rs`), the one slow path of every bytecode
//! (`semantics/`), method installation and the invalidation of what depended on a lookup
//! (`install.rs`), primitives (`primitives/`), the one place for non-determinism and
//! output (`io.rs`), and SOM errors (`error.rs`).

pub(crate) mod error;
pub(crate) mod install;
pub(crate) mod io;
pub(crate) mod loader;
pub(crate) mod primitives;
pub(crate) mod semantics;
pub(crate) mod send;
pub(crate) mod stack;
pub(crate) mod vm;
