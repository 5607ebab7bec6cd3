//! Tier-1 code artifacts for tools: which methods have machine code, and for each its
//! address, bytes, pc map (native offset to bytecode index to source line), entry
//! points, and a disassembly (iced-x86, Intel syntax) with every instruction under the
//! bytecode it came from.

use super::{MethodKey, ValueRef, View};
use crate::bytecode::MethodKind;
use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};

/// One pc-map entry: the template (or slow path) of bytecode `bci` starts at `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcMapEntry {
    pub offset: u32,
    pub bci: u32,
    pub line: u32,
}

/// A method's tier-1 machine code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeCode {
    pub key: MethodKey,
    pub label: String,
    pub address: u64,
    pub bytes: Vec<u8>,
    /// Sorted by offset; an instruction belongs to the last entry at or before it.
    pub pc_map: Vec<PcMapEntry>,
    /// Bytecode indices where execution may enter the code (0, loop headers, after
    /// each runtime call).
    pub entry_bcis: Vec<u32>,
    /// The relocation list: each heap reference embedded in the code, as the offset
    /// of its 8-byte immediate and the value.
    pub relocations: Vec<(u32, ValueRef)>,
}

/// One disassembled instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeInstruction {
    pub address: u64,
    pub offset: u32,
    pub bytes: Vec<u8>,
    pub text: String,
    pub bci: u32,
    pub line: u32,
}

/// The runtime functions tier-1 code calls, as (address, name), so a disassembly can
/// name `call rax` after `mov rax, <address>`.
pub fn runtime_functions() -> Vec<(u64, &'static str)> {
    crate::tier1::runtime::entry_points()
}

impl View<'_> {
    /// Methods that have tier-1 code, by method number.
    pub fn compiled_methods(&self) -> Vec<MethodKey> {
        self.vm.jit.compiled_methods().map(MethodKey).collect()
    }

    /// The tier-1 code of a method, if it was compiled.
    pub fn native_code(&self, key: MethodKey) -> Option<NativeCode> {
        let vm = self.vm;
        let c = vm.jit.compiled(key.0)?;
        let lines = match &vm.methods.get(key.0.index())?.kind {
            MethodKind::Bytecode(code) => code.lines.clone(),
            _ => return None,
        };
        let line = |bci: u32| lines.get(bci as usize).copied().unwrap_or(0);
        Some(NativeCode {
            key,
            label: vm.method_name(key.0),
            address: c.address,
            bytes: vm.jit.code_bytes(c),
            pc_map: c
                .pc_map
                .iter()
                .map(|&(offset, bci)| PcMapEntry {
                    offset,
                    bci,
                    line: line(bci),
                })
                .collect(),
            entry_bcis: c.entry_bcis.to_vec(),
            relocations: c
                .relocs
                .iter()
                .map(|&(offset, v)| (offset, ValueRef::of(v)))
                .collect(),
        })
    }
}

impl NativeCode {
    /// The pc-map entry covering native `offset`.
    pub fn at_offset(&self, offset: u32) -> Option<PcMapEntry> {
        let i = self.pc_map.partition_point(|e| e.offset <= offset);
        i.checked_sub(1).map(|i| self.pc_map[i])
    }

    /// The machine code, one instruction at a time, each with its bytecode and line.
    pub fn instructions(&self) -> Vec<NativeInstruction> {
        let mut decoder = Decoder::with_ip(64, &self.bytes, self.address, DecoderOptions::NONE);
        let mut formatter = IntelFormatter::new();
        let mut out = Vec::new();
        let mut text = String::new();
        while decoder.can_decode() {
            let inst = decoder.decode();
            text.clear();
            formatter.format(&inst, &mut text);
            let offset = (inst.ip() - self.address) as u32;
            let at = self.at_offset(offset).unwrap_or(PcMapEntry {
                offset: 0,
                bci: 0,
                line: 0,
            });
            let start = offset as usize;
            out.push(NativeInstruction {
                address: inst.ip(),
                offset,
                bytes: self.bytes[start..start + inst.len()].to_vec(),
                text: text.clone(),
                bci: at.bci,
                line: at.line,
            });
        }
        out
    }
}
