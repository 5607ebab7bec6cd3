//! som-cfg-viewer: the CFG model (basic blocks, loops, layout, linking, export) and the
//! egui inspector `som-inspect`. Sees the VM only through `som_vm::introspect`.
pub mod model;
pub mod ui;
