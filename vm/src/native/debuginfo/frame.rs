//! The frame layout of tier-1 code, recovered from the machine code itself for the CFI
//! (call frame information) native unwinders need.
//!
//! JIT code has no frame pointer: a method is entered by a `call` with its return
//! address at `[rsp]`, and only the sends move rsp (a send pushes the caller's frame
//! and base pointers and a padding word, `call`s its method's shared send stub, which
//! returns to it, and then calls the callee; runtime calls are aligned with
//! `sub rsp, 8`). So the canonical frame address is always `rsp + 8 + depth`, where
//! `depth` is the number of bytes pushed at that instruction (in a send stub, the
//! send's words and the stub's return address). Depth is a property of the control
//! flow, not of the text order, so it is computed as a data-flow problem over the
//! decoded instructions: every entry point starts at depth 0, a direct call's target
//! at the caller's depth plus its return address, and depth flows along fall-through
//! and branch edges. An instruction reached at two depths, or any other write to rsp,
//! is an error: the CFI would lie.
//!
//! The entry trampoline is analysed the same way with `saves` on: its pushes of
//! callee-saved registers are register saves the unwinder must restore (the pushes of
//! JIT methods are not described as saves: rbp and r14 hold VM pointers there, which
//! no native caller expects back).

use iced_x86::{Decoder, DecoderOptions, Instruction, Mnemonic, OpKind, Register};

/// Where the caller's value of a register is, from one instruction on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegisterRule {
    /// Saved at CFA + offset.
    Saved(i32),
    /// Back in the register (restored).
    SameValue,
}

/// A change of the frame description at native `offset` (the rule holds from that
/// offset until the next change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameChange {
    /// CFA = rsp + this.
    CfaOffset { offset: u32, cfa: i32 },
    /// The caller's value of `register` (a DWARF register number).
    Register {
        offset: u32,
        register: u16,
        rule: RegisterRule,
    },
}

/// Why the layout could not be described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FrameError(pub String);

/// DWARF register numbers of the callee-saved registers (x86-64 psABI).
fn dwarf_callee_saved(r: Register) -> Option<u16> {
    Some(match r {
        Register::RBX => 3,
        Register::RBP => 6,
        Register::R12 => 12,
        Register::R13 => 13,
        Register::R14 => 14,
        Register::R15 => 15,
        _ => return None,
    })
}

/// The frame description of the code `bytes` at `address`, entered at each of
/// `entries` (offsets) with nothing pushed. `saves`: report pushes and pops of
/// callee-saved registers as register saves and restores.
pub(crate) fn describe(
    bytes: &[u8],
    address: u64,
    entries: &[u32],
    saves: bool,
) -> Result<Vec<FrameChange>, FrameError> {
    let insts: Vec<Instruction> = Decoder::with_ip(64, bytes, address, DecoderOptions::NONE)
        .into_iter()
        .collect();
    if insts.iter().any(|i| i.is_invalid()) {
        return Err(FrameError("undecodable instruction".into()));
    }
    let depth = depths(&insts, address, entries)?;
    let mut changes = Vec::new();
    let mut cfa = 8;
    for (i, inst) in insts.iter().enumerate() {
        let Some(before) = depth[i] else { continue };
        let offset = (inst.ip() - address) as u32;
        if 8 + before != cfa {
            cfa = 8 + before;
            changes.push(FrameChange::CfaOffset { offset, cfa });
        }
        if !saves || inst.op0_kind() != OpKind::Register {
            continue;
        }
        let Some(register) = dwarf_callee_saved(inst.op0_register()) else {
            continue;
        };
        let after = offset + inst.len() as u32;
        let rule = match inst.mnemonic() {
            Mnemonic::Push => RegisterRule::Saved(-(8 + before + 8)),
            Mnemonic::Pop => RegisterRule::SameValue,
            _ => continue,
        };
        changes.push(FrameChange::Register {
            offset: after,
            register,
            rule,
        });
    }
    Ok(changes)
}

/// Bytes pushed before each instruction (`None`: unreachable from the entries).
fn depths(
    insts: &[Instruction],
    address: u64,
    entries: &[u32],
) -> Result<Vec<Option<i32>>, FrameError> {
    let index_of = |ip: u64| insts.binary_search_by_key(&ip, |i| i.ip()).ok();
    let mut depth: Vec<Option<i32>> = vec![None; insts.len()];
    let mut work: Vec<(usize, i32)> = Vec::new();
    for &e in entries {
        let i = index_of(address + e as u64)
            .ok_or_else(|| FrameError(format!("entry {e:#x} is not an instruction")))?;
        work.push((i, 0));
    }
    while let Some((i, d)) = work.pop() {
        match depth[i] {
            Some(known) if known == d => continue,
            Some(known) => {
                return Err(FrameError(format!(
                    "{:#x} reached with {known} and {d} bytes pushed",
                    insts[i].ip() - address
                )))
            }
            None => depth[i] = Some(d),
        }
        let inst = &insts[i];
        let (next, target) = successors(inst, d)?;
        if let Some(t) = target {
            let j = index_of(t)
                .ok_or_else(|| FrameError(format!("branch into an instruction at {t:#x}")))?;
            work.push((j, next));
        }
        if falls_through(inst) && i + 1 < insts.len() {
            work.push((i + 1, next));
        }
        // A direct call into the same code (a send stub) runs there with its return
        // address pushed too.
        if inst.mnemonic() == Mnemonic::Call && inst.op0_kind() == OpKind::NearBranch64 {
            if let Some(j) = index_of(inst.near_branch_target()) {
                work.push((j, d + 8));
            }
        }
    }
    Ok(depth)
}

/// The depth after `inst` (entered at depth `d`) and its direct branch target.
fn successors(inst: &Instruction, d: i32) -> Result<(i32, Option<u64>), FrameError> {
    let writes_rsp = inst.op0_kind() == OpKind::Register && inst.op0_register() == Register::RSP;
    let next = match inst.mnemonic() {
        Mnemonic::Push => d + 8,
        Mnemonic::Pop if !writes_rsp => d - 8,
        Mnemonic::Sub if writes_rsp && is_immediate(inst) => d + inst.immediate(1) as i32,
        Mnemonic::Add if writes_rsp && is_immediate(inst) => d - inst.immediate(1) as i32,
        Mnemonic::Lea
            if writes_rsp
                && inst.memory_base() == Register::RSP
                && inst.memory_index() == Register::None =>
        {
            d - inst.memory_displacement64() as i64 as i32
        }
        Mnemonic::Cmp | Mnemonic::Test => d,
        _ if writes_rsp => {
            return Err(FrameError(format!(
                "unsupported write to rsp at {:#x}",
                inst.ip()
            )))
        }
        _ => d,
    };
    if next < 0 {
        return Err(FrameError(format!(
            "rsp above the frame at {:#x}",
            inst.ip()
        )));
    }
    let direct = matches!(
        inst.op0_kind(),
        OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64
    );
    let target = (direct && inst.mnemonic() != Mnemonic::Call).then(|| inst.near_branch_target());
    Ok((next, target))
}

fn is_immediate(inst: &Instruction) -> bool {
    matches!(
        inst.op1_kind(),
        OpKind::Immediate8to64 | OpKind::Immediate32to64 | OpKind::Immediate8 | OpKind::Immediate32
    )
}

/// Whether execution continues with the next instruction.
fn falls_through(inst: &Instruction) -> bool {
    !matches!(
        inst.mnemonic(),
        Mnemonic::Ret | Mnemonic::Ud2 | Mnemonic::Jmp
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use iced_x86::code_asm::*;

    fn assemble(f: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> Vec<u8> {
        let mut a = CodeAssembler::new(64).unwrap();
        f(&mut a).unwrap();
        a.assemble(0x1000).unwrap()
    }

    #[test]
    fn depth_follows_branches_not_text_order() {
        // push; jz L; pop; ret; L: add rsp, 8; ret  (L is reached at depth 8)
        let bytes = assemble(|a| {
            let mut l = a.create_label();
            a.push(qword_ptr(rbx + 8))?;
            a.jz(l)?;
            a.pop(qword_ptr(rbx + 8))?;
            a.ret()?;
            a.set_label(&mut l)?;
            a.add(rsp, 8)?;
            a.ret()
        });
        let changes = describe(&bytes, 0x1000, &[0], false).unwrap();
        let cfa: Vec<(u32, i32)> = changes
            .iter()
            .map(|c| match c {
                FrameChange::CfaOffset { offset, cfa } => (*offset, *cfa),
                FrameChange::Register { .. } => panic!("no saves asked for"),
            })
            .collect();
        // push (6 bytes) → 16; jz (2/6) ; pop → 8 at ret; L → 16; after add → 8.
        assert_eq!(cfa.first().map(|c| c.1), Some(16));
        assert_eq!(cfa.iter().filter(|c| c.1 == 16).count(), 2, "{cfa:?}");
        assert_eq!(cfa.last().map(|c| c.1), Some(8));
    }

    #[test]
    fn pushes_of_callee_saved_registers_are_saves() {
        let bytes = assemble(|a| {
            a.push(rbp)?;
            a.push(rbx)?;
            a.call(rsi)?;
            a.pop(rbx)?;
            a.pop(rbp)?;
            a.ret()
        });
        let changes = describe(&bytes, 0x1000, &[0], true).unwrap();
        assert!(changes.contains(&FrameChange::Register {
            offset: 1,
            register: 6,
            rule: RegisterRule::Saved(-16)
        }));
        assert!(changes.contains(&FrameChange::Register {
            offset: 2,
            register: 3,
            rule: RegisterRule::Saved(-24)
        }));
    }

    #[test]
    fn inconsistent_depths_and_foreign_rsp_writes_are_refused() {
        let joins_unbalanced = assemble(|a| {
            let mut l = a.create_label();
            a.jz(l)?;
            a.push(rax)?;
            a.set_label(&mut l)?;
            a.ret()
        });
        assert!(describe(&joins_unbalanced, 0x1000, &[0], false).is_err());
        let moves_rsp = assemble(|a| {
            a.mov(rsp, rax)?;
            a.ret()
        });
        assert!(describe(&moves_rsp, 0x1000, &[0], false).is_err());
    }
}
