//! The machine-code encoder of tier 1: the code assembler's instructions encoded once
//! each with one reused iced-x86 `Encoder`, in place of iced-x86's `BlockEncoder`
//! (which encodes every instruction again while it sizes branches).
//!
//! A branch to a label (`jcc`, `jmp`, `call`; the assembler marks the instruction a
//! label is bound to by giving it the label's id as its ip, and a branch by giving it
//! that id as its target) is encoded in its near form (rel32) first. Then passes over
//! the branches alone shorten each `jcc`/`jmp` whose displacement fits in a byte:
//! shortening only brings other instructions closer together, so a branch found short
//! stays short. A last pass copies the bytes with the short forms and writes every
//! displacement.

use super::emit::CompileError;
use iced_x86::{Code, Encoder, Instruction};

/// The encoded code and each instruction's offset in it.
pub(super) struct Encoded {
    pub bytes: Vec<u8>,
    pub offsets: Vec<u32>,
}

/// A branch to a label: instruction `inst` with its near form at `at` (first pass)
/// to instruction `target`.
struct Branch {
    inst: usize,
    target: usize,
    /// Near form length: 6 (`jcc`), 5 (`jmp`, `call`).
    long: u32,
    /// Can take the short form (`jcc`, `jmp`).
    shrinkable: bool,
    short: bool,
}

/// The branches to labels the templates use.
#[derive(Clone, Copy)]
enum Kind {
    /// A conditional jump with its condition (the low nibble of its opcode).
    Jcc(u8),
    Jmp,
    Call,
}

/// The kind of a branch to a label, by its code (`None`: any other instruction). The
/// `jcc` codes come in order of their condition, three apart (16-, 32- and 64-bit).
fn branch_kind(inst: &Instruction) -> Option<Kind> {
    let code = inst.code();
    let c = code as u32;
    let (short0, near0) = (Code::Jo_rel8_64 as u32, Code::Jo_rel32_64 as u32);
    match code {
        Code::Jmp_rel8_64 | Code::Jmp_rel32_64 => Some(Kind::Jmp),
        Code::Call_rel32_64 => Some(Kind::Call),
        _ if (short0..=Code::Jg_rel8_64 as u32).contains(&c) && (c - short0).is_multiple_of(3) => {
            Some(Kind::Jcc(((c - short0) / 3) as u8))
        }
        _ if (near0..=Code::Jg_rel32_64 as u32).contains(&c) && (c - near0).is_multiple_of(3) => {
            Some(Kind::Jcc(((c - near0) / 3) as u8))
        }
        _ => None,
    }
}

/// How many shortening passes at most (each is over the branches only).
const PASSES: usize = 4;

/// Encodes `insts` for address `ip`.
pub(super) fn encode(insts: &[Instruction], ip: u64) -> Result<Encoded, CompileError> {
    let label_at = label_instructions(insts);
    let mut encoder = Encoder::new(64);
    encoder.set_buffer(Vec::with_capacity(insts.len() * 5));
    let mut offsets = Vec::with_capacity(insts.len() + 1);
    let mut branches = Vec::new();
    let mut len = 0u32;
    for (i, inst) in insts.iter().enumerate() {
        offsets.push(len);
        let Some(kind) = branch_kind(inst) else {
            len += encoder.encode(inst, ip + len as u64)? as u32;
            continue;
        };
        let id = inst.near_branch64();
        let target = label_at
            .get(id as usize)
            .copied()
            .filter(|&t| t != usize::MAX)
            .ok_or_else(|| CompileError(format!("branch to unbound label {id}")))?;
        // The near form with displacement 0 for now; `relink` writes the real one.
        let mut buf = encoder.take_buffer();
        match kind {
            Kind::Jcc(cc) => buf.extend_from_slice(&[0x0f, 0x80 | cc]),
            Kind::Jmp => buf.push(0xe9),
            Kind::Call => buf.push(0xe8),
        }
        buf.extend_from_slice(&[0; 4]);
        encoder.set_buffer(buf);
        let long = if matches!(kind, Kind::Jcc(_)) { 6 } else { 5 };
        branches.push(Branch {
            inst: i,
            target,
            long,
            shrinkable: !matches!(kind, Kind::Call),
            short: false,
        });
        len += long;
    }
    offsets.push(len);
    let near_bytes = encoder.take_buffer();
    shorten(&mut branches, &offsets);
    let (bytes, new_offsets) = relink(&near_bytes, &offsets, &branches)?;
    Ok(Encoded {
        bytes,
        offsets: new_offsets,
    })
}

/// The instruction index each label id is bound to (`usize::MAX`: none).
fn label_instructions(insts: &[Instruction]) -> Vec<usize> {
    // Label ids count up from 1 in the order labels were created.
    let max = insts.iter().map(|i| i.ip()).max().unwrap_or(0);
    let mut at = vec![usize::MAX; max as usize + 1];
    for (i, inst) in insts.iter().enumerate() {
        if inst.ip() != 0 {
            at[inst.ip() as usize] = i;
        }
    }
    at
}

/// Decides which branches take the short form: each pass measures every branch still
/// long in the layout the previous passes left.
fn shorten(branches: &mut [Branch], offsets: &[u32]) {
    let at: Vec<usize> = branches.iter().map(|b| b.inst).collect();
    for _ in 0..PASSES {
        // Where instructions are with the branches found short by the earlier passes
        // (those found in this pass only bring them closer).
        let saved = saved_before(branches);
        let place = |inst: usize| -> i64 {
            let k = at.partition_point(|&b| b < inst);
            offsets[inst] as i64 - saved[k] as i64
        };
        let mut changed = false;
        for b in branches.iter_mut() {
            if b.short || !b.shrinkable {
                continue;
            }
            // As a short branch: 2 bytes, ending at its start + 2; a forward target
            // moves back with it.
            let start = place(b.inst);
            let mut target = place(b.target);
            if b.target > b.inst {
                target -= (b.long - 2) as i64;
            }
            if i8::try_from(target - (start + 2)).is_ok() {
                b.short = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// `saved[k]`: bytes the short branches among the first `k` save.
fn saved_before(branches: &[Branch]) -> Vec<u32> {
    let mut saved = Vec::with_capacity(branches.len() + 1);
    let mut total = 0;
    saved.push(0);
    for b in branches {
        if b.short {
            total += b.long - 2;
        }
        saved.push(total);
    }
    saved
}

/// The final bytes: the near-form code copied with the short branches shortened and
/// every branch's displacement written; the instruction offsets in it.
fn relink(
    near: &[u8],
    offsets: &[u32],
    branches: &[Branch],
) -> Result<(Vec<u8>, Vec<u32>), CompileError> {
    let saved = saved_before(branches);
    let mut new_offsets = Vec::with_capacity(offsets.len());
    let mut k = 0;
    for (i, &o) in offsets.iter().enumerate() {
        while k < branches.len() && branches[k].inst < i {
            k += 1;
        }
        new_offsets.push(o - saved[k]);
    }
    let mut out = Vec::with_capacity(near.len() - saved[branches.len()] as usize);
    let mut copied = 0usize;
    for b in branches {
        let at = offsets[b.inst] as usize;
        out.extend_from_slice(&near[copied..at]);
        copied = at + b.long as usize;
        let end = new_offsets[b.inst] as i64 + if b.short { 2 } else { b.long as i64 };
        let disp = new_offsets[b.target] as i64 - end;
        let op = &near[at..copied];
        if b.short {
            let short_op = match op[0] {
                0x0f if op[1] & 0xf0 == 0x80 => 0x70 | (op[1] & 0x0f),
                0xe9 => 0xeb,
                x => return Err(CompileError(format!("unexpected branch opcode {x:#x}"))),
            };
            let disp = i8::try_from(disp)
                .map_err(|_| CompileError(format!("short branch of {disp} at +{at}")))?;
            out.push(short_op);
            out.push(disp as u8);
        } else {
            let disp = i32::try_from(disp)
                .map_err(|_| CompileError(format!("branch of {disp} at +{at}")))?;
            out.extend_from_slice(&op[..op.len() - 4]);
            out.extend_from_slice(&disp.to_le_bytes());
        }
    }
    out.extend_from_slice(&near[copied..]);
    Ok((out, new_offsets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use iced_x86::code_asm::*;
    use iced_x86::{Decoder, DecoderOptions};

    /// Decodes `e` and checks it holds `insts` in order, each branch going to the
    /// instruction its label is bound to; answers the decoded instructions.
    fn check(insts: &[Instruction], e: &Encoded, ip: u64) -> Vec<Instruction> {
        let decoded: Vec<Instruction> = Decoder::with_ip(64, &e.bytes, ip, DecoderOptions::NONE)
            .into_iter()
            .collect();
        assert_eq!(decoded.len(), insts.len());
        let labels = label_instructions(insts);
        for (i, (d, inst)) in decoded.iter().zip(insts).enumerate() {
            assert_eq!(d.ip(), ip + e.offsets[i] as u64, "{i}");
            assert_eq!(d.mnemonic(), inst.mnemonic(), "{i}");
            if branch_kind(inst).is_some() {
                let t = labels[inst.near_branch64() as usize];
                assert_eq!(d.near_branch_target(), ip + e.offsets[t] as u64, "{i}");
            }
        }
        decoded
    }

    #[test]
    fn branches_go_to_their_labels_short_when_they_fit() {
        let mut a = CodeAssembler::new(64).unwrap();
        let mut top = a.create_label();
        let mut near = a.create_label();
        let mut far = a.create_label();
        let mut sub = a.create_label();
        a.set_label(&mut top).unwrap();
        a.mov(rax, qword_ptr(rbx + 8)).unwrap();
        a.jne(far).unwrap();
        a.je(near).unwrap();
        a.call(sub).unwrap();
        a.set_label(&mut near).unwrap();
        a.jmp(top).unwrap();
        for _ in 0..40 {
            a.add(qword_ptr(r15 + 16), 1).unwrap();
        }
        a.jb(top).unwrap();
        a.set_label(&mut far).unwrap();
        a.jmp(near).unwrap();
        a.set_label(&mut sub).unwrap();
        a.ret().unwrap();
        let insts = a.instructions().to_vec();
        let ip = 0x1000_0000;
        let e = encode(&insts, ip).unwrap();
        let d = check(&insts, &e, ip);
        let len = |i: usize| d[i].len();
        // jne far: over the 40 adds (5 bytes each), near; je near: short; call: near;
        // jmp top: short; jb top and jmp near: back over the adds, near.
        assert_eq!([len(1), len(2), len(3), len(4)], [6, 2, 5, 2]);
        assert_eq!([len(45), len(46)], [6, 5]);
        assert_eq!(e.offsets.len(), insts.len() + 1);
        assert_eq!(*e.offsets.last().unwrap() as usize, e.bytes.len());
    }

    #[test]
    fn a_branch_to_an_unbound_label_is_an_error() {
        let mut a = CodeAssembler::new(64).unwrap();
        let nowhere = a.create_label();
        a.jmp(nowhere).unwrap();
        assert!(encode(a.instructions(), 0x1000).is_err());
    }
}
