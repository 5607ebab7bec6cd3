//! The baseline compiler: one machine-code template per bytecode, emitted with
//! iced-x86's code assembler and encoded by `encode.rs`.
//!
//! Register convention (all callee-saved, so helpers keep them): rbx the `JitCtx`, r12
//! the `Vm`, r13 the next free VM stack slot, r14 slot 0 of the frame, rbp the frame
//! itself (its `Frame` in `Vm::frames`, which never moves while JIT code runs), r15
//! `Stats` (logical clock at offset 0, bytecodes executed at 8). Values live in VM stack slots
//! between bytecodes, never in registers, so any bytecode that starts a basic block can
//! be entered from the dispatcher (after a send, at a loop header for OSR) and every
//! reference is where the GC looks. Method code runs with rsp 16-byte aligned.
//!
//! The bytecode counter is advanced in batches (flushed before any branch, runtime call
//! or entry point), the clock once per send bytecode and back-edge, so both match tier 0
//! exactly. Slow paths are out-of-line stubs calling `runtime::rt_bytecode`.

use super::runtime as rt;
use crate::bytecode::{Bytecode, Code, SendSite};
use crate::native::abi::*;
use crate::value::Value;
use iced_x86::code_asm::*;
use iced_x86::IcedError;

/// A bytecode index with no entry point.
pub(crate) const NO_ENTRY: u32 = u32::MAX;

/// Machine code for one method, assembled for address `ip`.
pub(crate) struct Assembled {
    pub bytes: Vec<u8>,
    /// Native offset of each entry point, by bytecode index (`NO_ENTRY` elsewhere).
    pub entries: Vec<u32>,
    /// Native offset where each bytecode's template starts (the pc map).
    pub bci_offsets: Vec<u32>,
    /// Native offset and bytecode index of each out-of-line slow path.
    pub stub_offsets: Vec<(u32, u32)>,
    /// The heap references embedded in the code: the native offset of each 8-byte
    /// immediate and the value it holds (a moving collector rewrites them there).
    pub relocs: Vec<(u32, Value)>,
}

/// Why a method was not compiled.
#[derive(Debug)]
pub(crate) struct CompileError(#[allow(dead_code)] pub String);

impl From<IcedError> for CompileError {
    fn from(e: IcedError) -> Self {
        CompileError(e.to_string())
    }
}

pub(super) type R = Result<(), CompileError>;

pub(super) enum Stub {
    /// Calls `rt_bytecode(bci)`; `BRANCH` jumps to `branch`, `CONTINUE` to the next
    /// bytecode. `repush` first puts back a value the fast path popped.
    Slow {
        bci: u32,
        branch: Option<CodeLabel>,
        resume: CodeLabel,
        repush: bool,
    },
    /// A binary operator whose small-integer path failed: first `leaf_float` (Double
    /// operands with an immediate result), then `binop_send`.
    Float {
        bci: u32,
        op: u32,
        resume: CodeLabel,
    },
    /// The slow path of a bytecode that may send (`at:`, `/`...): the send itself when
    /// tier 0 would certainly make it (see `operator_send`), else `rt_send_bytecode`,
    /// whose callee is called natively as at a `Send` (see `slow_sending`).
    Sending {
        bci: u32,
        resume: CodeLabel,
    },
    OutOfMemory,
}

pub(super) struct Emitter<'c> {
    pub(super) a: CodeAssembler,
    pub(super) code: &'c Code,
    sites: &'c [SendSite],
    labels: Vec<Option<CodeLabel>>,
    /// The instruction each bytecode's entry label is bound to (`usize::MAX`: none).
    bound: Vec<usize>,
    pub(super) pending: u32,
    pub(super) stubs: Vec<(CodeLabel, Stub)>,
    pub(super) exit: CodeLabel,
    /// Instruction indices of `mov rax, imm64` holding a heap reference (the
    /// relocation list, once offsets are known).
    pub(super) embedded: Vec<(usize, Value)>,
    /// The method's send stubs (`calls::send_stub`), emitted after the slow paths.
    pub(super) send_stubs: Vec<super::calls::SendStub>,
    /// Where a send stub's status other than 0 is handled (`calls::status_tail`).
    pub(super) status_tail: Option<CodeLabel>,
}

/// Bytecodes whose template calls the runtime (so the next bytecode is a resume point).
fn calls_runtime(bc: Bytecode) -> bool {
    use Bytecode::*;
    !matches!(
        bc,
        PushNil
            | PushTrue
            | PushFalse
            | PushSelf
            | PushInt(_)
            | PushLiteral(_)
            | PushLocal(_)
            | PushLocal2(..)
            | PushLocalInt(..)
            | PopPushSelf
            | StoreLocal(_)
            | PopLocal(_)
            | PushCaptured(_)
            | StoreCaptured(_)
            | PushOuter(..)
            | StoreOuter(..)
            | Pop
            | Jump(_)
            | JumpBack(_)
            | PopLocalJumpBack(..)
    )
}

/// A comparison at `i` followed by a conditional jump: (target, jump when the
/// comparison is true). Its small-integer path branches directly (the jump still
/// counts as executed) and continues after the jump; the slow path materialises the
/// Boolean and runs the jump's own template.
pub(super) fn fused_branch(code: &Code, i: usize) -> Option<(u32, bool)> {
    use Bytecode::*;
    if !matches!(
        code.bytecodes.get(i)?,
        Lt(_) | Gt(_) | Le(_) | Ge(_) | Eq(_) | Ne(_) | Identical(_)
    ) {
        return None;
    }
    match code.bytecodes.get(i + 1)? {
        JumpIfFalse { target, .. } => Some((target.as_u32(), false)),
        JumpIfTrue { target, .. } => Some((target.as_u32(), true)),
        _ => None,
    }
}

/// The entry points of `code`: bytecode 0, jump targets, fallback resume points and the
/// bytecode after each runtime call.
pub(crate) fn entry_points(code: &Code) -> Vec<bool> {
    let n = code.bytecodes.len();
    let mut entry = vec![false; n + 1];
    entry[0] = true;
    for (i, &bc) in code.bytecodes.iter().enumerate() {
        if let Some((t, _)) = bc.jump() {
            entry[(t as usize).min(n)] = true;
        }
        if calls_runtime(bc) {
            entry[i + 1] = true;
        }
        if fused_branch(code, i).is_some() {
            entry[i + 2] = true;
        }
    }
    for fb in &code.fallbacks {
        entry[(fb.resume as usize).min(n)] = true;
    }
    entry
}

thread_local! {
    /// The code assembler of the last compilation, kept for the next one (its
    /// instruction list keeps its capacity across `reset`).
    static ASSEMBLER: std::cell::Cell<Option<CodeAssembler>> = const { std::cell::Cell::new(None) };
}

/// Compiles `code` for address `ip`.
pub(crate) fn assemble(
    code: &Code,
    sites: &[SendSite],
    ip: u64,
) -> Result<Assembled, CompileError> {
    let n = code.bytecodes.len();
    let entry = entry_points(code);
    let mut a = match ASSEMBLER.with(|c| c.take()) {
        Some(a) => a,
        None => CodeAssembler::new(64)?,
    };
    a.reset();
    let labels = entry.iter().map(|&e| e.then(|| a.create_label())).collect();
    let exit = a.create_label();
    let mut e = Emitter {
        a,
        code,
        sites,
        labels,
        bound: vec![usize::MAX; n + 1],
        pending: 0,
        stubs: Vec::new(),
        exit,
        embedded: Vec::new(),
        send_stubs: Vec::new(),
        status_tail: None,
    };
    let mut first_inst = Vec::with_capacity(n);
    let mut stub_bcis = Vec::new();
    for (bci, &is_entry) in entry.iter().enumerate().take(n) {
        if is_entry {
            e.flush()?;
            e.bind(bci)?;
        }
        first_inst.push(e.a.instructions().len());
        e.pending += 1;
        let stubs_before = e.stubs.len();
        e.template(bci, code.bytecodes[bci])?;
        stub_bcis.extend(std::iter::repeat_n(
            bci as u32,
            e.stubs.len() - stubs_before,
        ));
    }
    e.flush()?;
    e.bind(n)?;
    e.a.ud2()?;
    let stub_first_inst = e.emit_stubs()?;
    stub_bcis.extend(e.send_stubs.iter().map(|s| s.bci));
    let encoded = super::encode::encode(e.a.instructions(), ip)?;
    let offsets = &encoded.offsets;
    let mut entries = vec![NO_ENTRY; n];
    for (bci, &i) in e.bound.iter().enumerate().take(n) {
        if i != usize::MAX {
            entries[bci] = offsets[i];
        }
    }
    let bci_offsets = first_inst.iter().map(|&i| offsets[i]).collect();
    let stub_offsets = stub_first_inst
        .iter()
        .zip(stub_bcis)
        .map(|(&i, bci)| (offsets[i], bci))
        .collect();
    let bytes = encoded.bytes;
    let mut relocs = Vec::with_capacity(e.embedded.len());
    for &(i, v) in &e.embedded {
        // `mov r64, imm64` is REX.W, the opcode, then the immediate.
        let at = offsets[i] as usize + 2;
        if bytes.get(at..at + 8) != Some(&v.0.to_le_bytes()[..]) {
            return Err(CompileError(format!(
                "embedded reference {v:?} not at +{at}"
            )));
        }
        relocs.push((at as u32, v));
    }
    ASSEMBLER.with(|c| c.set(Some(e.a)));
    Ok(Assembled {
        bytes,
        entries,
        bci_offsets,
        stub_offsets,
        relocs,
    })
}

/// The shared entry trampoline: `extern "C" fn(ctx, target) -> status` saves the
/// callee-saved registers, loads the pinned ones from the context and calls `target`.
pub(crate) fn assemble_trampoline(ip: u64) -> Result<Vec<u8>, CompileError> {
    let mut a = CodeAssembler::new(64)?;
    a.push(rbp)?;
    for r in [rbx, r12, r13, r14, r15] {
        a.push(r)?;
    }
    a.mov(rbx, rdi)?;
    a.mov(r12, qword_ptr(rbx + CTX_VM))?;
    a.mov(r13, qword_ptr(rbx + CTX_SP))?;
    a.mov(r14, qword_ptr(rbx + CTX_BP))?;
    a.mov(rbp, qword_ptr(rbx + CTX_FRAME))?;
    a.mov(r15, qword_ptr(rbx + CTX_STATS))?;
    a.call(rsi)?;
    // Status 0 comes from `ReturnLocal`, which leaves the stack pointer only in r13
    // (a native caller keeps using it); the dispatcher reads it from the context.
    let mut stored = a.create_label();
    a.test(eax, eax)?;
    a.jnz(stored)?;
    a.mov(qword_ptr(rbx + CTX_SP), r13)?;
    a.set_label(&mut stored)?;
    for r in [r15, r14, r13, r12, rbx] {
        a.pop(r)?;
    }
    a.pop(rbp)?;
    a.ret()?;
    Ok(a.assemble(ip)?)
}

pub(super) fn slot(s: impl Into<i32>) -> i32 {
    s.into() * 8
}

impl Emitter<'_> {
    fn bind(&mut self, bci: usize) -> R {
        if let Some(l) = self.labels[bci].as_mut() {
            self.bound[bci] = self.a.instructions().len();
            self.a.set_label(l)?;
        }
        Ok(())
    }

    pub(super) fn label(&self, bci: u32) -> Result<CodeLabel, CompileError> {
        self.labels
            .get(bci as usize)
            .copied()
            .flatten()
            .ok_or_else(|| CompileError(format!("no entry label at {bci}")))
    }

    /// Adds the batched bytecode count to `Stats::bytecodes`.
    pub(super) fn flush(&mut self) -> R {
        if self.pending > 0 {
            self.a
                .add(qword_ptr(r15 + COUNTERS_BYTECODES), self.pending as i32)?;
            self.pending = 0;
        }
        Ok(())
    }

    pub(super) fn tick_clock(&mut self) -> R {
        self.a.add(qword_ptr(r15 + COUNTERS_CLOCK), 1)?;
        Ok(())
    }

    pub(super) fn push_reg(&mut self, r: AsmRegister64) -> R {
        self.a.mov(qword_ptr(r13), r)?;
        self.a.add(r13, 8)?;
        Ok(())
    }

    pub(super) fn push_imm(&mut self, v: u64) -> R {
        if v <= i32::MAX as u64 {
            self.a.mov(qword_ptr(r13), v as i32)?;
        } else {
            self.a.mov(rax, v)?;
            self.a.mov(qword_ptr(r13), rax)?;
        }
        self.a.add(r13, 8)?;
        Ok(())
    }

    /// Pushes a literal; a heap reference goes into the relocation list.
    fn push_literal(&mut self, v: Value) -> R {
        if !v.is_ref() {
            return self.push_imm(v.0);
        }
        self.embedded.push((self.a.instructions().len(), v));
        // Always the 8-byte immediate form, so the reference can be rewritten in place.
        let mov = iced_x86::Instruction::with2(
            iced_x86::Code::Mov_r64_imm64,
            iced_x86::Register::RAX,
            v.0,
        )?;
        self.a.add_instruction(mov)?;
        self.a.mov(qword_ptr(r13), rax)?;
        self.a.add(r13, 8)?;
        Ok(())
    }

    pub(super) fn call(&mut self, f: usize) -> R {
        self.a.mov(rax, f as u64)?;
        self.a.call(rax)?;
        Ok(())
    }

    /// A runtime call: spill `sp`, call `f(ctx, ...)` (arguments already in rsi/rdx),
    /// reload the pinned registers.
    pub(super) fn runtime_call(&mut self, f: usize) -> R {
        self.a.mov(qword_ptr(rbx + CTX_SP), r13)?;
        self.a.mov(rdi, rbx)?;
        self.call(f)?;
        self.a.mov(r13, qword_ptr(rbx + CTX_SP))?;
        self.a.mov(r14, qword_ptr(rbx + CTX_BP))?;
        self.a.mov(rbp, qword_ptr(rbx + CTX_FRAME))?;
        Ok(())
    }

    /// `rt_bytecode(bci)` inline; `EXIT` leaves, `BRANCH` jumps to `branch`.
    pub(super) fn slow_inline(&mut self, bci: usize, branch: Option<CodeLabel>) -> R {
        self.a.mov(esi, bci as u32)?;
        self.runtime_call(rt::rt_bytecode as *const () as usize)?;
        self.a.cmp(eax, Status::Exit as i32)?;
        self.a.je(self.exit)?;
        if let Some(b) = branch {
            self.a.cmp(eax, Status::Branch as i32)?;
            self.a.je(b)?;
        }
        Ok(())
    }

    pub(super) fn stub(
        &mut self,
        bci: usize,
        branch: Option<CodeLabel>,
        repush: bool,
    ) -> Result<CodeLabel, CompileError> {
        let label = self.a.create_label();
        let resume = self.label(bci as u32 + 1)?;
        self.stubs.push((
            label,
            Stub::Slow {
                bci: bci as u32,
                branch,
                resume,
                repush,
            },
        ));
        Ok(label)
    }

    /// Emits the slow paths; answers the index of each one's first instruction.
    fn emit_stubs(&mut self) -> Result<Vec<usize>, CompileError> {
        let stubs = std::mem::take(&mut self.stubs);
        let mut first = Vec::with_capacity(stubs.len());
        for (mut label, stub) in stubs {
            first.push(self.a.instructions().len());
            self.a.set_label(&mut label)?;
            match stub {
                Stub::Slow {
                    bci,
                    branch,
                    resume,
                    repush,
                } => {
                    if repush {
                        self.a.add(r13, 8)?;
                    }
                    self.slow_inline(bci as usize, branch)?;
                    self.a.jmp(resume)?;
                }
                Stub::Float { bci, op, resume } => {
                    let mut slow = self.a.create_label();
                    let mut leaf = self.a.create_label();
                    self.immediate_doubles(op, leaf, resume)?;
                    self.a.set_label(&mut leaf)?;
                    self.a.mov(edi, op)?;
                    self.a.mov(rsi, qword_ptr(r13 - 16))?;
                    self.a.mov(rdx, qword_ptr(r13 - 8))?;
                    self.call(rt::leaf_float as *const () as usize)?;
                    self.a.test(edx, edx)?;
                    self.a.jz(slow)?;
                    self.a.mov(qword_ptr(r13 - 16), rax)?;
                    self.a.sub(r13, 8)?;
                    self.a.jmp(resume)?;
                    self.a.set_label(&mut slow)?;
                    self.binop_send(bci as usize, resume)?;
                }
                Stub::Sending { bci, resume } => self.operator_send(bci as usize, resume)?,
                Stub::OutOfMemory => {
                    self.runtime_call(rt::rt_out_of_memory as *const () as usize)?;
                    self.a.jmp(self.exit)?;
                }
            }
        }
        // The send stubs last: the slow paths above may ask for them.
        for i in 0..self.send_stubs.len() {
            first.push(self.a.instructions().len());
            let s = &self.send_stubs[i];
            let (label, argc, blocks) = (s.label, s.argc, s.blocks);
            self.emit_send_stub(label, argc, blocks)?;
        }
        self.emit_status_tail()?;
        let mut exit = self.exit;
        self.a.set_label(&mut exit)?;
        self.a.mov(eax, Status::Exit as u32)?;
        self.a.ret()?;
        Ok(first)
    }

    /// Jumps to `stub` unless rax and rcx are both small integers.
    pub(super) fn both_ints(&mut self, stub: CodeLabel) -> R {
        self.a.mov(rdx, rax)?;
        self.a.and(rdx, rcx)?;
        self.a.test(dl, 1)?;
        self.a.jz(stub)?;
        Ok(())
    }

    /// Clock tick and heap check of a loop back-edge, then the jump to `target`.
    pub(super) fn back_edge(&mut self, target: u32) -> R {
        self.flush()?;
        self.tick_clock()?;
        self.count_back_edge()?;
        let oom = self.a.create_label();
        self.stubs.push((oom, Stub::OutOfMemory));
        // The frame limit is 0 exactly while the heap is exhausted (`JitCtx::sync_out`).
        self.a.cmp(qword_ptr(rbx + CTX_FRAMES_LIMIT), 0)?;
        self.a.je(oom)?;
        let l = self.label(target)?;
        self.a.jmp(l)?;
        Ok(())
    }

    /// `Method::back_edges` of the frame's method advances, as tier 0's `back_edge`
    /// advances it.
    fn count_back_edge(&mut self) -> R {
        self.a.mov(eax, dword_ptr(rbp + FRAME_METHOD))?;
        self.a.imul_3(rax, rax, METHOD_SIZE)?;
        self.a.add(rax, qword_ptr(rbx + CTX_METHODS))?;
        self.a.add(dword_ptr(rax + METHOD_BACK_EDGES), 1)?;
        Ok(())
    }

    fn template(&mut self, bci: usize, bc: Bytecode) -> R {
        use Bytecode::*;
        match bc {
            PushNil => self.push_imm(NIL_WORD as u64),
            PushTrue => self.push_imm(TRUE_WORD as u64),
            PushFalse => self.push_imm(FALSE_WORD as u64),
            PushSelf => {
                self.a.mov(rax, qword_ptr(rbp + FRAME_SELF))?;
                self.push_reg(rax)
            }
            PushInt(i) => self.push_imm(crate::value::Value::int(i as i64).expect("i32").0),
            PushLiteral(i) => self.push_literal(self.code.literals[i as usize]),
            PushLocal(s) => {
                self.a.mov(rax, qword_ptr(r14 + slot(s)))?;
                self.push_reg(rax)
            }
            PushLocal2(s, t) => {
                self.a.mov(rax, qword_ptr(r14 + slot(s)))?;
                self.a.mov(rcx, qword_ptr(r14 + slot(t)))?;
                self.a.mov(qword_ptr(r13), rax)?;
                self.a.mov(qword_ptr(r13 + 8), rcx)?;
                self.a.add(r13, 16)?;
                Ok(())
            }
            PushLocalInt(s, i) => {
                self.a.mov(rax, qword_ptr(r14 + slot(s)))?;
                self.push_reg(rax)?;
                self.push_imm(crate::value::Value::int(i as i64).expect("i32").0)
            }
            PopPushSelf => {
                self.a.mov(rax, qword_ptr(rbp + FRAME_SELF))?;
                self.a.mov(qword_ptr(r13 - 8), rax)?;
                Ok(())
            }
            StoreLocal(s) => {
                self.a.mov(rax, qword_ptr(r13 - 8))?;
                self.a.mov(qword_ptr(r14 + slot(s)), rax)?;
                Ok(())
            }
            PopLocal(s) => {
                self.a.sub(r13, 8)?;
                self.a.mov(rax, qword_ptr(r13))?;
                self.a.mov(qword_ptr(r14 + slot(s)), rax)?;
                Ok(())
            }
            Pop => {
                self.a.sub(r13, 8)?;
                Ok(())
            }
            PushCaptured(s) => self.context_get(FRAME_CONTEXT, 0, s),
            PushOuter(h, s) => self.context_get(FRAME_OUTER, h, s),
            StoreCaptured(s) => self.context_set(FRAME_CONTEXT, 0, s),
            StoreOuter(h, s) => self.context_set(FRAME_OUTER, h, s),
            Jump(t) => {
                self.flush()?;
                let l = self.label(t.as_u32())?;
                self.a.jmp(l)?;
                Ok(())
            }
            JumpBack(t) => self.back_edge(t.as_u32()),
            PopLocalJumpBack(s, t) => {
                self.a.sub(r13, 8)?;
                self.a.mov(rax, qword_ptr(r13))?;
                self.a.mov(qword_ptr(r14 + slot(s)), rax)?;
                self.back_edge(t.as_u32())
            }
            PushField(i) => self.push_field(bci, i),
            StoreField(i) | PopField(i) => self.store_field(bci, i, matches!(bc, PopField(_))),
            PushField2(i, j) => self.push_field2(bci, i, j),
            PushCreator(_) | StoreCreator(_) => {
                self.flush()?;
                self.slow_inline(bci, None)
            }
            PushBlock(i) => {
                self.flush()?;
                self.a.mov(esi, self.code.blocks[i as usize].as_u32())?;
                self.runtime_call(super::prim_calls::rt_push_block as *const () as usize)?;
                self.a.test(eax, eax)?;
                self.a.jnz(self.exit)?;
                Ok(())
            }
            PushGlobal(g) => self.push_global(bci, g),
            Send(site) => self.send(bci, site.as_u32(), self.sites[site.index()].argc),
            At(_) => self.array_at(bci),
            AtPut(_) => self.array_at_put(bci),
            Div(_) | Mod(_) => self.divide(bci, matches!(bc, Mod(_))),
            SuperSend(_) => {
                self.flush()?;
                self.tick_clock()?;
                let resume = self.label(bci as u32 + 1)?;
                self.slow_sending(bci, resume)
            }
            Add(_) | Sub(_) | Mul(_) | BitAnd(_) => self.arith(bci, bc),
            Lt(_) | Gt(_) | Le(_) | Ge(_) | Eq(_) | Ne(_) | Identical(_) => self.compare(bci, bc),
            ReturnLocal => self.return_local(),
            ReturnNonLocal => {
                self.flush()?;
                self.slow_inline(bci, None)?;
                self.a.jmp(self.exit)?;
                Ok(())
            }
            JumpIfFalse { target, .. } => self.jump_if(bci, target.as_u32(), FALSE_WORD, TRUE_WORD),
            JumpIfTrue { target, .. } => self.jump_if(bci, target.as_u32(), TRUE_WORD, FALSE_WORD),
            NilTest { target, mode, .. } => self.nil_test(bci, target.as_u32(), mode),
            ToDoPrepare { counter, kind, .. } => {
                self.counting_loop_prepare(bci, counter, kind.has_step())
            }
            ToDoTest {
                counter,
                exit,
                down,
            } => self.counting_loop_test(bci, counter, exit.as_u32(), down),
            ToDoStep {
                counter,
                head,
                down,
            } => self.counting_loop_step(bci, counter, head.as_u32(), down),
        }
    }
}
