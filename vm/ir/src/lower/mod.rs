//! Lowering to machine code with Cranelift (x86-64). A function compiles to bytes,
//! relocations naming runtime helpers by id (the VM patches in their addresses when it
//! installs the bytes in its own W^X code cache), and a deopt table.
//!
//! Calling convention of compiled code (System V):
//! `extern "C" fn(ctx: *mut u8, deopt_buf: *mut u64, args: u64...) -> (u64, u64)`:
//! every argument and the first return word are 64-bit (a float as its bits, a bool 0/1);
//! the second return word is the `ExitStatus`. Runtime helpers are
//! `extern "C" fn(ctx, u64...) -> u64` with the same conventions; which helper serves
//! sends, block calls, allocation and double boxing is set in `LowerConfig`. After every
//! send or block call the code reads the word at `ctx + invalidated_offset` and takes the
//! call's deopt exit when it is non-zero.

pub mod deopt;
mod emit;
#[cfg(test)]
mod exec;
#[cfg(test)]
mod tests;

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{ExternalName, UserExternalNameRef};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{binemit, FinalizedRelocTarget};
use std::collections::HashMap;

pub use deopt::{DeoptExit, DeoptFrame, DeoptReason, DeoptSlot, DeoptVirtual, ExitStatus};

/// The VM's side of the contract: helper ids for the operations compiled code delegates,
/// and where the context keeps the "leave compiled code" word.
#[derive(Clone, Debug)]
pub struct LowerConfig {
    /// `(ctx, site, receiver, args...) -> word`.
    pub send_helper: u32,
    /// `(ctx, block, args...) -> word`.
    pub block_helper: u32,
    /// `(ctx, class word, size) -> word`.
    pub alloc_helper: u32,
    /// `(ctx, float bits) -> word`.
    pub box_float_helper: u32,
    /// `(ctx, word) -> float bits`.
    pub unbox_float_helper: u32,
    /// Byte offset in the context of a word that is non-zero when compiled code must
    /// leave through the deopt exit of the call that just returned.
    pub invalidated_offset: i32,
    /// Run Cranelift's verifier (on in tests and debug builds).
    pub verify: bool,
    /// Keep the Cranelift IR text in the result (for dumps and tools).
    pub keep_clif: bool,
}

impl Default for LowerConfig {
    fn default() -> Self {
        LowerConfig {
            send_helper: 0,
            block_helper: 1,
            alloc_helper: 2,
            box_float_helper: 3,
            unbox_float_helper: 4,
            invalidated_offset: 0,
            verify: cfg!(debug_assertions),
            keep_clif: false,
        }
    }
}

/// How a relocation is applied.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum RelocKind {
    /// Write the helper's absolute address (8 bytes) plus the addend.
    Abs8,
    /// Write `helper + addend - address_of_field` as 4 bytes (a near call).
    PcRel4,
}

/// A place in the code that must hold a runtime helper's address.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct HelperReloc {
    pub offset: u32,
    pub kind: RelocKind,
    pub helper: u32,
    pub addend: i64,
}

/// A compiled function.
#[derive(Clone, Debug)]
pub struct CompiledFunction {
    pub code: Vec<u8>,
    pub relocs: Vec<HelperReloc>,
    pub deopts: Vec<DeoptExit>,
    /// The Cranelift IR, when `keep_clif` was set.
    pub clif: Option<String>,
}

/// Why a function could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LowerError {
    #[error("cranelift cannot target this machine: {0}")]
    Target(String),
    #[error("cranelift rejected the function: {0}")]
    Codegen(String),
    #[error("unexpected relocation {0} in compiled code")]
    Reloc(String),
    #[error("the IR is invalid: {0}")]
    Verify(#[from] crate::verify::VerifyError),
}

/// A Cranelift code generator for the host's architecture, at a fixed ISA level.
pub struct Backend {
    isa: OwnedTargetIsa,
    config: LowerConfig,
}

impl Backend {
    /// A backend for the host CPU with `config`.
    pub fn new(config: LowerConfig) -> Result<Backend, LowerError> {
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v).map_err(|e| LowerError::Target(e.to_string()))
        };
        set(&mut flags, "opt_level", "speed")?;
        set(
            &mut flags,
            "enable_verifier",
            if config.verify { "true" } else { "false" },
        )?;
        set(&mut flags, "preserve_frame_pointers", "true")?;
        let mut isa = cranelift_native::builder_with_options(false)
            .map_err(|e| LowerError::Target(e.to_string()))?;
        // One fixed ISA level (x86-64-v2) rather than whatever the host offers: tier-2
        // code, its listings and its instruction counts are then the same on every
        // machine that runs it (a host below that level gets the baseline).
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("sse4.2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            isa.enable("nehalem")
                .map_err(|e| LowerError::Target(e.to_string()))?;
        }
        let isa = isa
            .finish(settings::Flags::new(flags))
            .map_err(|e| LowerError::Target(e.to_string()))?;
        Ok(Backend { isa, config })
    }

    /// Compiles `func`, which must pass the IR verifier (run first when `verify` is set).
    pub fn compile(&self, func: &crate::Function) -> Result<CompiledFunction, LowerError> {
        if self.config.verify {
            crate::verify::verify(func)?;
        }
        let lowered = emit::lower(func, &self.config, self.isa.frontend_config());
        let clif = self
            .config
            .keep_clif
            .then(|| lowered.func.display().to_string());
        let mut ctx = cranelift_codegen::Context::for_function(lowered.func);
        let compiled = ctx
            .compile(&*self.isa, &mut ControlPlane::default())
            .map_err(|e| LowerError::Codegen(format!("{:?}", e.inner)))?;
        let code = compiled.code_buffer().to_vec();
        let raw: Vec<_> = compiled.buffer.relocs().to_vec();
        let relocs = raw
            .iter()
            .map(|r| helper_reloc(r, &lowered.helper_names))
            .collect::<Result<_, _>>()?;
        Ok(CompiledFunction {
            code,
            relocs,
            deopts: lowered.deopts,
            clif,
        })
    }
}

fn helper_reloc(
    r: &cranelift_codegen::FinalizedMachReloc,
    names: &HashMap<UserExternalNameRef, u32>,
) -> Result<HelperReloc, LowerError> {
    let bad = || LowerError::Reloc(format!("{:?} at {}", r.kind, r.offset));
    let helper = match &r.target {
        FinalizedRelocTarget::ExternalName(ExternalName::User(n)) => {
            *names.get(n).ok_or_else(bad)?
        }
        _ => return Err(bad()),
    };
    let kind = match r.kind {
        binemit::Reloc::Abs8 => RelocKind::Abs8,
        binemit::Reloc::X86CallPCRel4 | binemit::Reloc::X86PCRel4 => RelocKind::PcRel4,
        _ => return Err(bad()),
    };
    Ok(HelperReloc {
        offset: r.offset,
        kind,
        helper,
        addend: r.addend,
    })
}
