//! One tier-2 method as rows tools link through bytecode indices: the IR after each pass
//! (one row per block header and instruction, each naming the frames it deopts to,
//! innermost first, and the deopt exits it owns in the final pass), the machine code
//! (one row per instruction), and the deopt exits with how often each fired.
//!
//! Where a row's bytecode index comes from: an IR instruction with a frame state has
//! that state's (exact); any other instruction inherits the last one before it in its
//! block, or the block's entry state (attributed). Cranelift keeps no source locations
//! for this code, so machine code is linked through the exits: the cold block of exit
//! `k` ends by returning status `k + 2` (`mov edx, k+2` ... `ret`), and a branch into
//! it is that exit's check; both are exact. Other instructions are attributed to the
//! next exit branch after them in address order (the check they feed), or the previous
//! one at the end of a run.

use super::{MethodKey, View};
use crate::bytecode::MethodKind;
use crate::ids::MethodId;
use crate::tier2::exit_kind;
use iced_x86::{
    Code, Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter, OpKind, Register,
};
use som_ir::lower::{DeoptExit, DeoptReason, DeoptSlot};
use som_ir::{Function, GuardKind, Inst, InstData};

/// What an IR row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrRowKind {
    /// `fsN = state mM @B [slots] [outer fsK]` or `voN = virtual ...`.
    State,
    /// `bN(params) [state fsN]:`.
    Block,
    Inst,
}

/// One row of an IR listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrRow {
    pub kind: IrRowKind,
    /// The instruction's number (stable across passes: rows of one instruction in two
    /// passes have the same number).
    pub inst: Option<u32>,
    pub text: String,
    /// The frames of the row's interpreter position, innermost first: the method and
    /// bytecode index where the interpreter resumes (inlined callees before callers).
    pub frames: Vec<(MethodKey, u32)>,
    /// Whether `frames` is the instruction's own frame state (else attributed).
    pub exact: bool,
    /// Final pass only: the deopt exits lowered from this instruction.
    pub exits: Vec<u32>,
}

impl IrRow {
    /// The bytecode index in the compiled method (the outermost frame).
    pub fn bci(&self) -> Option<u32> {
        self.frames.last().map(|f| f.1)
    }
}

/// The IR after one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrPass {
    pub name: String,
    pub rows: Vec<IrRow>,
}

/// One instruction of tier-2 machine code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier2Instruction {
    pub address: u64,
    pub offset: u32,
    pub bytes: Vec<u8>,
    pub text: String,
    /// The deopt exit this instruction branches to or belongs to.
    pub exit: Option<u32>,
    pub bci: Option<u32>,
    pub line: Option<u32>,
    /// Whether `bci` is the exit's own (else attributed to a neighbouring exit).
    pub exact: bool,
}

/// One deopt exit with its frames and how often it was taken in the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier2Exit {
    pub id: u32,
    pub reason: String,
    /// Innermost first.
    pub frames: Vec<(MethodKey, u32)>,
    pub speculative: bool,
    /// Deopt events of the method at this exit's bytecode index and reason (all code
    /// versions of the method: a recompiled method's exits share its bytecodes).
    pub fired: u64,
}

/// A tier-2 method for linking tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier2Code {
    pub method: MethodKey,
    pub label: String,
    pub address: u64,
    pub bytes: Vec<u8>,
    /// Source line per bytecode index of the method.
    pub lines: Vec<u32>,
    pub passes: Vec<IrPass>,
    pub instructions: Vec<Tier2Instruction>,
    pub exits: Vec<Tier2Exit>,
    /// Bytecode indices where the code is entered.
    pub entries: Vec<u32>,
    /// The label of every method a frame of a row or exit names.
    pub labels: Vec<(MethodKey, String)>,
}

impl Tier2Code {
    /// The label of a method a frame names (`?` for none).
    pub fn label_of(&self, key: MethodKey) -> &str {
        self.labels
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("?", |(_, l)| l.as_str())
    }

    /// The source line of bytecode `bci`.
    pub fn line(&self, bci: u32) -> Option<u32> {
        self.lines.get(bci as usize).copied()
    }
}

impl View<'_> {
    /// Methods with tier-2 code now, by method number.
    pub fn tier2_compiled(&self) -> Vec<MethodKey> {
        self.vm.tier2.compiled_methods().map(MethodKey).collect()
    }

    /// The tier-2 code of `key` as linked rows, if it has tier-2 code.
    pub fn tier2_code(&self, key: MethodKey) -> Option<Tier2Code> {
        let vm = self.vm;
        let c = vm.tier2.compiled(key.0)?;
        let lines = match &vm.methods.get(key.0.index())?.kind {
            MethodKind::Bytecode(code) => code.lines.clone(),
            _ => return None,
        };
        let n = c.passes.iter().len();
        let passes: Vec<IrPass> = c
            .passes
            .iter()
            .enumerate()
            .map(|(i, p)| ir_pass(p.pass, &p.text, (i + 1 == n).then_some(&c.deopts[..])))
            .collect();
        let bytes = vm.jit.bytes_at(c.address, c.size);
        let mut instructions = machine_rows(&bytes, c.address, &c.deopts);
        for i in &mut instructions {
            i.line = i.bci.and_then(|b| lines.get(b as usize).copied());
        }
        let counts = self.tier2_events();
        let exits: Vec<Tier2Exit> = c
            .deopts
            .iter()
            .map(|d| {
                let reason = format!("{:?}", d.reason);
                let bci = d.frames.last().map_or(0, |f| f.bci);
                let fired = counts
                    .events
                    .iter()
                    .filter(|e| e.method == key)
                    .filter(|e| matches!(&e.kind, super::Tier2EventKind::Deoptimized { bci: b, reason: r } if *b == bci && *r == reason))
                    .count() as u64;
                Tier2Exit {
                    id: d.id,
                    reason,
                    frames: d.frames.iter().map(|f| (MethodKey(MethodId::from_u32(f.method)), f.bci)).collect(),
                    speculative: exit_kind_of(d) != exit_kind::SLOW_PATH,
                    fired,
                }
            })
            .collect();
        let mut named: Vec<MethodKey> = passes_frames(&passes, &exits);
        named.sort_by_key(|k| k.0);
        named.dedup();
        let labels = named
            .into_iter()
            .map(|k| (k, vm.method_name(k.0)))
            .collect();
        Some(Tier2Code {
            labels,
            method: key,
            label: vm.method_name(key.0),
            address: c.address,
            bytes,
            lines,
            passes,
            instructions,
            exits,
            entries: c.entries.clone(),
        })
    }
}

fn passes_frames(passes: &[IrPass], exits: &[Tier2Exit]) -> Vec<MethodKey> {
    let rows = passes.iter().flat_map(|p| &p.rows).flat_map(|r| &r.frames);
    rows.chain(exits.iter().flat_map(|e| &e.frames))
        .map(|f| f.0)
        .collect()
}

fn exit_kind_of(d: &DeoptExit) -> u64 {
    match d.frames.first().and_then(|f| f.slots.last()) {
        Some(DeoptSlot::Const(k)) => *k,
        _ => exit_kind::GUARD,
    }
}

/// The rows of one pass's IR text (a text that does not parse is one row per line,
/// without links).
fn ir_pass(name: &str, text: &str, exits: Option<&[DeoptExit]>) -> IrPass {
    let Ok(func) = som_ir::parse_function(&parsable(text)) else {
        let rows = text
            .lines()
            .map(|l| IrRow {
                kind: IrRowKind::Inst,
                inst: None,
                text: l.to_string(),
                frames: vec![],
                exact: false,
                exits: vec![],
            })
            .collect();
        return IrPass {
            name: name.to_string(),
            rows,
        };
    };
    let owners = exits.map(|e| exit_owners(&func, e)).unwrap_or_default();
    let frames = |fs| {
        func.state_chain(fs)
            .iter()
            .map(|&s| {
                (
                    MethodKey(MethodId::from_u32(func.states[s].method)),
                    func.states[s].bci,
                )
            })
            .collect::<Vec<_>>()
    };
    let mut rows: Vec<IrRow> = text
        .lines()
        .skip(1)
        .map(str::trim)
        .take_while(|l| l.starts_with("fs") || l.starts_with("vo"))
        .map(|l| {
            let fs = l
                .strip_prefix("fs")
                .and_then(|r| r.split_once(' '))
                .and_then(|(n, _)| n.parse().ok())
                .map(som_ir::FrameStateRef::from_u32)
                .filter(|&fs| func.states.is_valid(fs));
            IrRow {
                kind: IrRowKind::State,
                inst: None,
                text: l.to_string(),
                frames: fs.map(frames).unwrap_or_default(),
                exact: fs.is_some(),
                exits: vec![],
            }
        })
        .collect();
    for &b in &func.layout {
        let bd = &func.blocks[b];
        let params: Vec<String> = bd
            .params
            .iter()
            .map(|&v| format!("{v}: {}", func.values[v].ty))
            .collect();
        let mut text = format!("{b}({})", params.join(", "));
        if let Some(fs) = bd.entry_state {
            text.push_str(&format!(" state {fs}"));
        }
        text.push(':');
        let mut current = bd.entry_state.map(frames).unwrap_or_default();
        rows.push(IrRow {
            kind: IrRowKind::Block,
            inst: None,
            text,
            frames: current.clone(),
            exact: bd.entry_state.is_some(),
            exits: vec![],
        });
        for &i in &bd.insts {
            let own = func.insts[i].state().map(frames);
            if let Some(f) = &own {
                current = f.clone();
            }
            rows.push(IrRow {
                kind: IrRowKind::Inst,
                inst: Some(i.as_u32()),
                text: inst_line(&func, i),
                frames: current.clone(),
                exact: own.is_some(),
                exits: owners
                    .iter()
                    .filter(|(o, _)| *o == i)
                    .map(|(_, id)| *id)
                    .collect(),
            });
        }
    }
    IrPass {
        name: name.to_string(),
        rows,
    }
}

/// The text with its function renamed `%f`: tier 2 names functions `Class>>sel:`,
/// which the text form's names (letters, digits, `_`, `.`) cannot spell.
fn parsable(text: &str) -> String {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    match (first.find('%'), first.rfind("->")) {
        (Some(a), Some(arrow)) => match first[..arrow].rfind('(') {
            Some(open) if open > a => format!("{}%f{}\n{rest}", &first[..a], &first[open..]),
            _ => text.to_string(),
        },
        _ => text.to_string(),
    }
}

fn inst_line(func: &Function, i: Inst) -> String {
    let body = som_ir::print::inst_text(&func.insts[i]);
    match func.result(i) {
        Some(v) => format!("{v} = {body}"),
        None => body,
    }
}

/// Which instruction each exit was lowered from: exits are numbered in lowering
/// order, which is layout order, and carry their instruction's frames and a reason its
/// kind gives (a class guard makes two exits, every other instruction one).
fn exit_owners(func: &Function, exits: &[DeoptExit]) -> Vec<(Inst, u32)> {
    let stateful: Vec<(Inst, Vec<(u32, u32)>)> = func
        .layout_insts()
        .into_iter()
        .filter_map(|i| {
            let fs = func.insts[i].state()?;
            let chain = func.state_chain(fs);
            let fr = chain
                .iter()
                .map(|&s| (func.states[s].method, func.states[s].bci))
                .collect();
            Some((i, fr))
        })
        .collect();
    let fits = |k: usize, e: &DeoptExit, want: &[(u32, u32)]| {
        let (i, fr) = &stateful[k];
        fr == want && reason_of(&func.insts[*i]) == Some(e.reason)
    };
    let mut out = Vec::new();
    let (mut at, mut last) = (0, None);
    for e in exits {
        let want: Vec<(u32, u32)> = e.frames.iter().map(|f| (f.method, f.bci)).collect();
        let found = (at..stateful.len()).find(|&k| fits(k, e, &want));
        let k = match (found, last) {
            (Some(k), _) => k,
            (None, Some(k)) if fits(k, e, &want) => k,
            _ => continue,
        };
        out.push((stateful[k].0, e.id));
        (at, last) = (k + 1, Some(k));
    }
    out
}

/// The reason an instruction's exits give.
fn reason_of(inst: &InstData) -> Option<DeoptReason> {
    Some(match inst {
        InstData::Guard { kind, .. } => match kind {
            GuardKind::Int => DeoptReason::NotInt,
            GuardKind::Float => DeoptReason::NotFloat,
            GuardKind::Class { .. } => DeoptReason::WrongClass,
            GuardKind::True | GuardKind::False => DeoptReason::Condition,
        },
        InstData::Checked { .. } => DeoptReason::Overflow,
        InstData::Send { .. } | InstData::CallBlock { .. } => DeoptReason::AfterCall,
        InstData::Deopt { .. } => DeoptReason::Unconditional,
        _ => return None,
    })
}

/// The machine code as rows, linked through the exits (see the module doc).
fn machine_rows(bytes: &[u8], address: u64, exits: &[DeoptExit]) -> Vec<Tier2Instruction> {
    let mut decoder = Decoder::with_ip(64, bytes, address, DecoderOptions::NONE);
    let mut formatter = IntelFormatter::new();
    let insts: Vec<Instruction> = decoder.iter().collect();
    let exit_of_inst = exit_blocks(&insts, exits.len() as u32);
    let block_start: Vec<(u64, u32)> = insts
        .iter()
        .zip(&exit_of_inst)
        .enumerate()
        .filter_map(|(k, (i, e))| {
            let first = k == 0 || exit_of_inst[k - 1] != *e;
            (first && e.is_some()).then(|| (i.ip(), e.unwrap()))
        })
        .collect();
    let branch_exit = |i: &Instruction| {
        let t = i.near_branch_target();
        (t != 0).then(|| block_start.iter().find(|(a, _)| *a == t).map(|p| p.1))?
    };
    let mut rows: Vec<Tier2Instruction> = insts
        .iter()
        .zip(&exit_of_inst)
        .map(|(inst, own)| {
            let mut text = String::new();
            formatter.format(inst, &mut text);
            let offset = (inst.ip() - address) as u32;
            let exit = own.or_else(|| branch_exit(inst));
            let start = offset as usize;
            Tier2Instruction {
                address: inst.ip(),
                offset,
                bytes: bytes[start..start + inst.len()].to_vec(),
                text,
                exit,
                bci: exit.map(|id| exit_bci(exits, id)),
                line: None,
                exact: exit.is_some(),
            }
        })
        .collect();
    attribute(&mut rows, &exit_of_inst);
    rows
}

fn exit_bci(exits: &[DeoptExit], id: u32) -> u32 {
    exits
        .iter()
        .find(|e| e.id == id)
        .and_then(|e| e.frames.last())
        .map_or(0, |f| f.bci)
}

/// Per instruction, the exit whose cold block it is in: a run ending in `ret` after
/// `mov edx, k+2` (the exit status) is exit `k`'s block. When the register allocator
/// moved the status from a register instead, the block is found by order: Cranelift
/// lays cold blocks out in the order they were made, which is exit order, so runs
/// between the blocks of exits `a` and `b` are those of `a+1 .. b-1` when they number
/// exactly that many.
fn exit_blocks(insts: &[Instruction], count: u32) -> Vec<Option<u32>> {
    let mut runs: Vec<(usize, usize, Option<u32>)> = Vec::new();
    let mut start = 0;
    for (k, i) in insts.iter().enumerate() {
        if i.code() == Code::Retnq {
            runs.push((start, k, status_of(&insts[start..k], count)));
            start = k + 1;
        }
    }
    let known: Vec<usize> = (0..runs.len()).filter(|&r| runs[r].2.is_some()).collect();
    for w in known.windows(2) {
        let (a, b) = (runs[w[0]].2.unwrap_or(0), runs[w[1]].2.unwrap_or(0));
        let gap = w[1] - w[0] - 1;
        if b > a && (b - a - 1) as usize == gap {
            for (n, r) in (w[0] + 1..w[1]).enumerate() {
                runs[r].2 = Some(a + 1 + n as u32);
            }
        }
    }
    let mut out = vec![None; insts.len()];
    for (s, e, id) in runs {
        out[s..=e].fill(id);
    }
    out
}

/// The exit id a run returns, when it sets `rdx` to a constant status last.
fn status_of(run: &[Instruction], count: u32) -> Option<u32> {
    let last = run.iter().rev().find(|m| {
        m.op_count() > 0
            && m.op0_kind() == OpKind::Register
            && matches!(
                m.op0_register(),
                Register::RDX | Register::EDX | Register::DX | Register::DL
            )
    })?;
    let imm = matches!(last.code(), Code::Mov_r32_imm32 | Code::Mov_rm64_imm32);
    let s = imm.then(|| last.immediate(1))?;
    (s >= 2 && s - 2 < count as u64).then(|| (s - 2) as u32)
}

/// Exit blocks are not checks: they neither give nor take an attribution.
fn attribute(rows: &mut [Tier2Instruction], in_exit: &[Option<u32>]) {
    let mut next: Option<u32> = None;
    for (r, own) in rows.iter_mut().zip(in_exit).rev() {
        if own.is_some() {
            continue;
        }
        if r.exact {
            next = r.bci;
        } else {
            r.bci = next;
        }
    }
    let mut prev: Option<u32> = None;
    for (r, own) in rows.iter_mut().zip(in_exit) {
        if own.is_some() {
            continue;
        }
        if r.exact {
            prev = r.bci;
        } else if r.bci.is_none() {
            r.bci = prev;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_named_like_a_method_parses_after_renaming() {
        let text =
            "function %Foo>>bar:(word, int) -> word {\nb0(v0: word, v1: int):\n    return v0\n}\n";
        assert!(som_ir::parse_function(text).is_err());
        let f = som_ir::parse_function(&parsable(text)).expect("parses");
        assert_eq!(f.name, "f");
        let pass = ir_pass("build", text, None);
        assert_eq!(pass.rows.len(), 2);
        assert_eq!(pass.rows[1].text, "return v0");
        assert_eq!(pass.rows[1].inst, Some(0));
    }

    fn decode(bytes: &[u8]) -> Vec<Instruction> {
        Decoder::with_ip(64, bytes, 0x1000, DecoderOptions::NONE)
            .iter()
            .collect()
    }

    #[test]
    fn exit_blocks_are_found_by_their_status_and_by_order() {
        // main: jne exit1; xor edx,edx; ret | exit 0: mov edx,2; ret
        // | exit 1: mov rdx,r15; ret (status in a register) | exit 2: mov edx,4; ret
        let mut code = vec![0x0f, 0x85, 0, 0, 0, 0, 0x31, 0xd2, 0xc3];
        code.extend([0xba, 2, 0, 0, 0, 0xc3]);
        let exit1 = code.len() as i32;
        code.extend([0x4c, 0x89, 0xfa, 0xc3]);
        code.extend([0xba, 4, 0, 0, 0, 0xc3]);
        code[2..6].copy_from_slice(&(exit1 - 6).to_le_bytes());
        let insts = decode(&code);
        let owners = exit_blocks(&insts, 3);
        assert_eq!(
            owners,
            [
                None,
                None,
                None,
                Some(0),
                Some(0),
                Some(1),
                Some(1),
                Some(2),
                Some(2)
            ]
        );
        // More exits than runs between two known ones: the gap stays unnamed.
        let owners = exit_blocks(&insts[..7], 3);
        assert_eq!(owners[5], None);
    }

    #[test]
    fn unlinked_rows_take_the_next_check_or_else_the_previous() {
        let row = |exact: bool, bci: Option<u32>| Tier2Instruction {
            address: 0,
            offset: 0,
            bytes: vec![],
            text: String::new(),
            exit: None,
            bci,
            line: None,
            exact,
        };
        let mut rows = vec![
            row(false, None),
            row(true, Some(4)),
            row(false, None),
            row(true, Some(7)),
            row(false, None),
            row(true, Some(9)),
        ];
        // The last row is in an exit block: it gives no attribution.
        let in_exit = [None, None, None, None, None, Some(0)];
        attribute(&mut rows, &in_exit);
        let bcis: Vec<Option<u32>> = rows.iter().map(|r| r.bci).collect();
        assert_eq!(bcis, [Some(4), Some(4), Some(7), Some(7), Some(7), Some(9)]);
    }
}
