//! The VM's internal hooks for tools, below the introspection API: the monitored loop's
//! boundaries, events and hook (`monitor.rs`), the bytecode profile (`profile.rs`),
//! write tracking for time travel (`writes.rs`) and the signal-safe time sampler with
//! its phase marks (`sampling.rs`). Architecture invariant: nothing here imports
//! `introspect`; `introspect` is a facade over these (and the rest of the VM).

pub(crate) mod monitor;
pub(crate) mod profile;
pub(crate) mod sampling;
pub(crate) mod writes;
