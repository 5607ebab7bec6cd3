//! The call templates: `Send` with the inline-cache probe (up to four entries), frame push and
//! native call done in machine code when the target is a compiled method without a
//! context, a direct runtime call when it is a primitive (`prim_calls::rt_primitive`;
//! everything else goes through `runtime::rt_send`), and `ReturnLocal`, which pops
//! the frame in place.
//!
//! A send site is short (`send_call`): its pc, its site, the caller's frame and base
//! pointers (rbp, r14) saved on the machine stack (three words with the padding that
//! keeps the callee's rsp aligned), a `call` of a send stub shared by every send of the
//! method with the same argument count (`emit_send_stub`, emitted once after the slow
//! paths: the inline-cache probe, the callee's frame push, frameless sends and the
//! runtime path), then the native `call` of the callee the stub answered, made by the
//! site itself so that the callee's return address names the send. The site restores
//! the saved pointers when the callee returns, so a return only moves the stack
//! pointer. Any status but 0 unwinds the machine stack to the dispatcher, which
//! continues from the frames.

use super::emit::{Emitter, R};
use super::prim_calls;
use super::runtime as rt;
use crate::native::abi::*;
use iced_x86::code_asm::*;

/// Where an inline-cache probe goes for each kind of target (a compiled method falls
/// through).
#[derive(Clone, Copy)]
struct CacheTargets {
    immediate: CodeLabel,
    slow: CodeLabel,
    /// A marker in the direct-call table (`marker_dispatch` tells them apart).
    markers: CodeLabel,
}

/// A send stub of the method: the sends of `argc` arguments share it (`blocks`: it
/// tries block evaluation); `bci` is the first send that uses it (for the pc map).
pub(super) struct SendStub {
    pub(super) label: CodeLabel,
    pub(super) argc: u8,
    pub(super) blocks: bool,
    pub(super) bci: u32,
}

/// Bytes a send keeps on the machine stack around a native call (`save_frame_pointers`).
pub(crate) const SAVED_BYTES: i32 = 24;

impl Emitter<'_> {
    /// Saves the caller's frame (rbp) and base (r14) pointers on the machine stack
    /// before a send that may run a callee natively; the padding keeps the callee's rsp
    /// 16-byte aligned.
    pub(super) fn save_frame_pointers(&mut self) -> R {
        self.a.push(rbp)?;
        self.a.push(r14)?;
        self.a.sub(rsp, 8)?;
        Ok(())
    }

    /// After a native callee returned: restores the frame and base pointers and leaves
    /// through `exit` if the callee failed. The stack pointer is right as it is: a
    /// callee answers 0 only from `return_local`, which leaves r13 just above the
    /// result it put in the receiver's slot.
    pub(super) fn restore_after_native_call(&mut self) -> R {
        self.restore_frame_pointers()?;
        self.a.test(eax, eax)?;
        self.a.jnz(self.exit)?;
        Ok(())
    }

    /// Pops what `save_frame_pointers` pushed.
    fn restore_frame_pointers(&mut self) -> R {
        self.a.add(rsp, 8)?;
        self.a.pop(r14)?;
        self.a.pop(rbp)?;
        Ok(())
    }

    pub(super) fn send(&mut self, bci: usize, site: u32, argc: u8) -> R {
        self.flush()?;
        self.tick_clock()?;
        self.send_call(bci, site, argc, true, None)
    }

    /// A send after its clock tick: the caller's pc (`bci + 1`) into its frame, the
    /// site's byte offset into rdi, the caller's frame and base pointers saved, a call
    /// of the method's shared send stub for `argc` arguments (`send_stub`), then the
    /// native call of the callee the stub answers (`Status::Call`, entry in rcx) here,
    /// so the callee's return address is in this send (for the pc map, gdb and perf).
    /// On at `done` (or the next instruction) when the send answered; `status_tail`
    /// otherwise. Without `blocks` (a selector no block evaluation primitive has),
    /// block evaluation is not tried.
    pub(super) fn send_call(
        &mut self,
        bci: usize,
        site: u32,
        argc: u8,
        blocks: bool,
        done: Option<CodeLabel>,
    ) -> R {
        self.a.mov(dword_ptr(rbp + FRAME_PC), bci as u32 + 1)?;
        let offset = site as u64 * SITE_SIZE as u64;
        if offset <= u32::MAX as u64 {
            self.a.mov(edi, offset as u32)?;
        } else {
            self.a.mov(rdi, offset)?;
        }
        self.save_frame_pointers()?;
        let stub = self.send_stub(bci, argc, blocks);
        self.a.call(stub)?;
        let mut answered = self.a.create_label();
        self.a.cmp(eax, Status::Call as i32)?;
        self.a.jne(answered)?;
        // A callee answers 0 (`return_local`) or `Status::Exit` (its `exit`).
        self.a.call(rcx)?;
        self.a.set_label(&mut answered)?;
        self.restore_frame_pointers()?;
        self.a.test(eax, eax)?;
        let tail = self.status_tail();
        self.a.jnz(tail)?;
        if let Some(done) = done {
            self.a.jmp(done)?;
        }
        Ok(())
    }

    /// The label of the method's send stub for `argc` arguments, emitted once after the
    /// other slow paths (`emit_send_stubs`) and attributed to the first send that uses
    /// it. It tries block evaluation when any of its sends may evaluate a block
    /// (`blocks`); for the others (operators, whose selectors no block evaluation
    /// primitive has) the inline cache never holds `Marker::BlockValue`, so sharing
    /// the stub changes nothing for them.
    fn send_stub(&mut self, bci: usize, argc: u8, blocks: bool) -> CodeLabel {
        if let Some(s) = self.send_stubs.iter_mut().find(|s| s.argc == argc) {
            s.blocks |= blocks;
            return s.label;
        }
        let label = self.a.create_label();
        self.send_stubs.push(SendStub {
            label,
            argc,
            blocks,
            bci: bci as u32,
        });
        label
    }

    /// Where a send whose stub answered a status other than 0 goes: bytecode 0 again
    /// for `Status::Restart`, the dispatcher for anything else.
    fn status_tail(&mut self) -> CodeLabel {
        match self.status_tail {
            Some(l) => l,
            None => {
                let l = self.a.create_label();
                self.status_tail = Some(l);
                l
            }
        }
    }

    /// Emits the status tail (when a send used it).
    pub(super) fn emit_status_tail(&mut self) -> R {
        if let Some(mut tail) = self.status_tail {
            self.a.set_label(&mut tail)?;
            self.a.cmp(eax, Status::Restart as i32)?;
            self.a.je(self.label(0)?)?;
            self.a.jmp(self.exit)?;
        }
        Ok(())
    }

    /// A send stub, entered by `call` from `send_call` (site byte offset in rdi, the
    /// caller's pc in its frame, `SAVED_BYTES` and the return address pushed, so rsp
    /// is 16-byte aligned as in method code): the inline-cache probe, then for a
    /// compiled callee or a block evaluation the callee's frame pushed and
    /// `Status::Call` answered with its entry in rcx; a trivial method or
    /// `Array>>length` without a frame, a primitive through `rt_primitive`, or
    /// anything else through `rt_send` (which may answer `Status::Call` too).
    /// Otherwise answers 0 (the result is on the stack, r13 above it),
    /// `Status::Restart` or `Status::Exit` in eax.
    pub(super) fn emit_send_stub(&mut self, mut entry: CodeLabel, argc: u8, blocks: bool) -> R {
        self.a.set_label(&mut entry)?;
        let mut slow = self.a.create_label();
        let recv = -8 * (argc as i32 + 1);
        let mut block = self.a.create_label();
        let immediate = self.a.create_label();
        let markers = self.a.create_label();
        let targets = CacheTargets {
            immediate,
            slow,
            markers,
        };
        let probe = self.inline_cache_check(recv, targets)?;
        self.frame_checks(slow)?;
        self.push_frame(recv, false)?;
        self.a.mov(eax, Status::Call as u32)?;
        self.a.ret()?;
        self.immediate_class(immediate, probe)?;

        let block_target = if blocks { block } else { slow };
        self.frameless_sends(argc, markers, block_target, slow)?;

        // `value`, `value:`...: the block's own method, with its receiver and outer
        // context as `block_method` reads them from the block object.
        if blocks {
            self.a.set_label(&mut block)?;
            self.block_method(recv, argc, slow)?;
            self.fast_entry(slow)?;
            self.frame_checks(slow)?;
            self.a.mov(rax, qword_ptr(r13 + recv))?;
            self.push_frame(recv, true)?;
            self.a.mov(eax, Status::Call as u32)?;
            self.a.ret()?;
        }

        // Continue, Exit or Restart from the runtime (its sync already describes the
        // top frame; for Restart, this frame, to run again from bytecode 0), or Call
        // with the entry of the frame it pushed.
        self.a.set_label(&mut slow)?;
        self.a.mov(rsi, rdi)?;
        self.a.sub(rsi, qword_ptr(rbx + CTX_SITES))?;
        self.a.mov(edx, dword_ptr(rbp + FRAME_PC))?;
        self.runtime_call(rt::rt_send as *const () as usize)?;
        self.a.mov(rcx, rdx)?;
        self.a.ret()?;
        Ok(())
    }

    /// The send of a binary operator (`+`, `=`, `<`...) whose small-integer and
    /// immediate-Double paths did not apply, then on at `resume`. Tier 0 sends it
    /// exactly when the receiver is not a number (`Vm::double_binop` fails): for a
    /// receiver that is an object but not a boxed Double, the send runs as at a `Send`
    /// (inline-cache probe, native call, primitive); anything else goes through
    /// `rt_send_bytecode`, which tries the number paths first.
    pub(super) fn binop_send(&mut self, bci: usize, resume: CodeLabel) -> R {
        use crate::bytecode::Bytecode::*;
        let site = match self.code.bytecodes[bci] {
            Add(s) | Sub(s) | Mul(s) | Lt(s) | Gt(s) | Le(s) | Ge(s) | Eq(s) | Ne(s) => s,
            _ => return self.slow_sending(bci, resume),
        };
        let l = crate::object::layout::BODY;
        let mut numbers = self.a.create_label();
        self.receiver_object(-16, numbers)?;
        self.a.cmp(byte_ptr(rax + l.tag), l.double_tag as i32)?;
        self.a.je(numbers)?;
        self.send_call(bci, site.as_u32(), 1, false, Some(resume))?;
        self.a.set_label(&mut numbers)?;
        self.slow_sending(bci, resume)
    }

    /// The slow path of `at:`, `at:put:`, `/` and `\\` (`Stub::Sending`), then on at
    /// `resume`. Tier 0 sends `/` and `\\` whenever the receiver is not a small
    /// integer, and `at:` and `at:put:` whenever the receiver is not an `Array` with the
    /// standard primitives (`JitCtx::array_class`): for an object receiver of that kind
    /// the send runs as at a `Send`; anything else goes through `rt_send_bytecode`.
    pub(super) fn operator_send(&mut self, bci: usize, resume: CodeLabel) -> R {
        use crate::bytecode::Bytecode::*;
        let (site, argc, array) = match self.code.bytecodes[bci] {
            At(s) => (s, 1, true),
            AtPut(s) => (s, 2, true),
            Div(s) | Mod(s) => (s, 1, false),
            _ => return self.slow_sending(bci, resume),
        };
        let mut other = self.a.create_label();
        self.receiver_object(-8 * (argc + 1), other)?;
        if array {
            self.a.mov(rax, qword_ptr(rax + OBJECT_CLASS))?;
            self.a.cmp(rax, qword_ptr(rbx + CTX_ARRAY_CLASS))?;
            self.a.je(other)?;
        }
        self.send_call(bci, site.as_u32(), argc as u8, false, Some(resume))?;
        self.a.set_label(&mut other)?;
        self.slow_sending(bci, resume)
    }

    /// The heap object of the receiver at `r13 + recv` into rax; `other` when it is
    /// not a reference.
    fn receiver_object(&mut self, recv: i32, other: CodeLabel) -> R {
        self.a.mov(rax, qword_ptr(r13 + recv))?;
        self.a.test(al, 3)?;
        self.a.jnz(other)?;
        self.a.shr(rax, 2)?;
        self.a.imul_3(rax, rax, OBJECT_SIZE)?;
        self.a.add(rax, qword_ptr(rbx + CTX_OBJECTS))?;
        Ok(())
    }

    /// The inline-cache hits at `markers` in a send stub (registers as
    /// `inline_cache_check` leaves them): block evaluation goes to `block`; trivial
    /// methods, primitives and `Array>>length` run without a frame and return 0,
    /// `Status::Restart` or `Status::Exit` to the send.
    fn frameless_sends(
        &mut self,
        argc: u8,
        mut markers: CodeLabel,
        block: CodeLabel,
        slow: CodeLabel,
    ) -> R {
        let recv = -8 * (argc as i32 + 1);
        let mut trivial = self.a.create_label();
        let mut primitive = self.a.create_label();
        let mut done = self.a.create_label();
        self.a.set_label(&mut markers)?;
        self.a.cmp(rcx, Marker::BlockValue as i32)?;
        self.a.je(block)?;
        self.a.cmp(rcx, Marker::TrivialSetter as i32)?;
        self.a.jbe(trivial)?;
        self.a.cmp(rcx, Marker::Primitive as i32)?;
        self.a.je(primitive)?;
        self.array_length_send(recv, slow, primitive, done)?;

        self.a.set_label(&mut trivial)?;
        self.trivial_send(recv, slow, done)?;

        self.a.set_label(&mut primitive)?;
        self.primitive_send(argc, slow)?;
        self.a.ret()?;

        self.a.set_label(&mut done)?;
        self.a.xor(eax, eax)?;
        self.a.ret()?;
        Ok(())
    }

    /// The inline-cache hit of a send whose target is `Array>>length` (receiver in rax,
    /// site in rdi, nothing saved): for an Array body the item count replaces the
    /// receiver as the primitive would answer it and execution goes on at `done`;
    /// anything else takes `primitive` (an exhausted heap `slow`, as for any send).
    fn array_length_send(
        &mut self,
        recv: i32,
        slow: CodeLabel,
        primitive: CodeLabel,
        done: CodeLabel,
    ) -> R {
        self.a.cmp(qword_ptr(rbx + CTX_FRAMES_LIMIT), 0)?;
        self.a.je(slow)?;
        let l = crate::object::layout::BODY;
        self.a.mov(r9, rax)?;
        self.a.test(r9b, 3)?;
        self.a.jnz(primitive)?;
        self.a.shr(r9, 2)?;
        self.a.imul_3(r9, r9, OBJECT_SIZE)?;
        self.a.add(r9, qword_ptr(rbx + CTX_OBJECTS))?;
        self.a.cmp(byte_ptr(r9 + l.tag), l.array_tag as i32)?;
        self.a.jne(primitive)?;
        self.a.mov(rdx, qword_ptr(r9 + l.items_len))?;
        self.a.lea(rdx, qword_ptr(rdx + rdx + 1))?;
        self.count_send()?;
        self.a.mov(qword_ptr(r13 + recv), rdx)?;
        self.a.lea(r13, qword_ptr(r13 + recv + 8))?;
        self.a.jmp(done)?;
        Ok(())
    }

    /// The inline-cache hit of a send whose target is a primitive that pushes no frame
    /// (site in rdi, method in esi, the caller's pc in its frame, rsp 16-byte
    /// aligned): unless the heap is exhausted (frame limit 0: `slow`, where `Vm::send`
    /// reports it), counts the send and calls `rt_primitive`, leaving its status in rax.
    fn primitive_send(&mut self, argc: u8, slow: CodeLabel) -> R {
        self.a.cmp(qword_ptr(rbx + CTX_FRAMES_LIMIT), 0)?;
        self.a.je(slow)?;
        self.count_send()?;
        self.a.mov(edx, argc as u32)?;
        self.runtime_call(prim_calls::rt_primitive as *const () as usize)?;
        Ok(())
    }

    /// Falls through with the callee's entry in rcx, its temporaries count in r8, the
    /// receiver in rax and the site in rdi when the inline cache holds the receiver's
    /// class and the target is compiled code; jumps to `markers` (with the same
    /// registers) when its direct-call entry is a marker (block evaluation, trivial
    /// method, primitive) and to `slow` otherwise (rdi holds the site's byte offset on
    /// entry). A receiver that is not an object goes to `immediate`, where
    /// `immediate_class` finds its class and continues at the probe (answered).
    fn inline_cache_check(
        &mut self,
        recv: i32,
        t: CacheTargets,
    ) -> Result<CodeLabel, super::emit::CompileError> {
        let slow = t.slow;
        let mut probe = self.a.create_label();
        self.a.mov(rax, qword_ptr(r13 + recv))?;
        self.a.add(rdi, qword_ptr(rbx + CTX_SITES))?;
        self.a.test(al, 3)?;
        self.a.jnz(t.immediate)?;
        self.a.mov(rcx, rax)?;
        self.a.shr(rcx, 2)?;
        self.a.imul_3(rcx, rcx, OBJECT_SIZE)?;
        self.a.add(rcx, qword_ptr(rbx + CTX_OBJECTS))?;
        self.a.mov(rcx, qword_ptr(rcx + OBJECT_CLASS))?;
        self.a.set_label(&mut probe)?;
        self.cache_probe(slow)?;
        self.fast_entry(slow)?;
        self.a.cmp(rcx, Marker::LAST as i32)?;
        self.a.jbe(t.markers)?;
        Ok(probe)
    }

    /// The out-of-line part of `inline_cache_check` for a receiver that is a small
    /// integer (tag bit 0) or an immediate Double (tag `10`): its class is fixed, the
    /// probe at `probe` the same.
    fn immediate_class(&mut self, mut immediate: CodeLabel, probe: CodeLabel) -> R {
        self.a.set_label(&mut immediate)?;
        self.a.mov(rcx, qword_ptr(rbx + CTX_INT_CLASS))?;
        self.a.test(al, 1)?;
        self.a.jnz(probe)?;
        self.a.mov(rcx, qword_ptr(rbx + CTX_DOUBLE_CLASS))?;
        self.a.jmp(probe)?;
        Ok(())
    }

    /// The direct-call entry of method esi into rcx (1: a block evaluation) and its
    /// temporaries count into r8; `slow` when it has none.
    fn fast_entry(&mut self, slow: CodeLabel) -> R {
        self.a.cmp(rsi, qword_ptr(rbx + CTX_FAST_LEN))?;
        self.a.jae(slow)?;
        self.a.mov(rdx, rsi)?;
        self.a.shl(rdx, 4)?;
        self.a.add(rdx, qword_ptr(rbx + CTX_FAST))?;
        self.a.mov(rcx, qword_ptr(rdx))?;
        self.a.test(rcx, rcx)?;
        self.a.jz(slow)?;
        self.a.mov(r8, qword_ptr(rdx + 8))?;
        Ok(())
    }

    /// Room for the frame: stack capacity, frame count below the limit (r10 gets it;
    /// the limit is 0 while the heap is exhausted), machine stack budget.
    fn frame_checks(&mut self, slow: CodeLabel) -> R {
        self.a.lea(r9, qword_ptr(r13 + r8 * 8))?;
        self.a.cmp(r9, qword_ptr(rbx + CTX_STACK_END))?;
        self.a.ja(slow)?;
        self.a.mov(r10, qword_ptr(rbx + CTX_FRAMES_LEN))?;
        self.a.cmp(r10, qword_ptr(rbx + CTX_FRAMES_LIMIT))?;
        self.a.jae(slow)?;
        self.a.cmp(rsp, qword_ptr(rbx + CTX_STACK_LIMIT))?;
        self.a.jb(slow)?;
        Ok(())
    }

    /// Finds the receiver class (rcx) among the entries of the inline cache at rdi, as
    /// `send` does; the target method goes to esi. Entries past the cached count hold
    /// nil, which is no class (a site's cache only grows, from all-nil), so every entry
    /// is compared without reading the count; a hit on the first falls through.
    fn cache_probe(&mut self, slow: CodeLabel) -> R {
        let mut found = self.a.create_label();
        let mut first = self.a.create_label();
        let mut hits = Vec::new();
        for i in 0..4 {
            let (class, _) = site_entry(i);
            self.a.cmp(rcx, qword_ptr(rdi + class))?;
            if i == 0 {
                self.a.je(first)?;
            } else {
                let hit = self.a.create_label();
                self.a.je(hit)?;
                hits.push((i, hit));
            }
        }
        self.a.jmp(slow)?;
        for (i, mut hit) in hits {
            let (_, method) = site_entry(i);
            self.a.set_label(&mut hit)?;
            self.a.mov(esi, dword_ptr(rdi + method))?;
            self.a.jmp(found)?;
        }
        self.a.set_label(&mut first)?;
        self.a.mov(esi, dword_ptr(rdi + site_entry(0).1))?;
        self.a.set_label(&mut found)?;
        Ok(())
    }

    /// Counts the send as `send` would: megamorphic, polymorphic (more than one cache
    /// entry) or monomorphic.
    pub(super) fn count_send(&mut self) -> R {
        let mut done = self.a.create_label();
        let mut not_mega = self.a.create_label();
        let mut mono = self.a.create_label();
        self.a.cmp(byte_ptr(rdi + SITE_MEGAMORPHIC), 0)?;
        self.a.je(not_mega)?;
        self.a.add(qword_ptr(r15 + STATS_MEGAMORPHIC), 1)?;
        self.a.jmp(done)?;
        self.a.set_label(&mut not_mega)?;
        self.a.cmp(byte_ptr(rdi + SITE_CACHED), 1)?;
        self.a.je(mono)?;
        self.a.add(qword_ptr(r15 + STATS_POLYMORPHIC), 1)?;
        self.a.jmp(done)?;
        self.a.set_label(&mut mono)?;
        self.a.add(qword_ptr(r15 + STATS_MONOMORPHIC), 1)?;
        self.a.set_label(&mut done)?;
        self.a.nop()?;
        Ok(())
    }

    /// Pushes the callee's frame (method in esi, frame count in r10, receiver in rax,
    /// temporaries in r8) as `push_frame` would and makes it the frame rbp and r14 point
    /// at. A block frame takes `self` and its outer context from
    /// `JitCtx::block_self`/`block_outer`. The new count (kept in rdx meanwhile) is
    /// stored after the frame's method and tier: the time sampler reads frames below
    /// that count at any instruction.
    fn push_frame(&mut self, recv: i32, is_block: bool) -> R {
        // `Method::invocations` advances, as `Vm::push_frame` advances it.
        self.a.imul_3(r9, rsi, METHOD_SIZE)?;
        self.a.add(r9, qword_ptr(rbx + CTX_METHODS))?;
        self.a.add(dword_ptr(r9 + METHOD_INVOCATIONS), 1)?;
        self.a.imul_3(r11, r10, FRAME_SIZE)?;
        self.a.add(r11, qword_ptr(rbx + CTX_FRAMES))?;
        self.a.lea(rdx, qword_ptr(r10 + 1))?;
        if FRAME_PC == FRAME_METHOD + 4 {
            // esi's upper half is zero: method and pc 0 in one store.
            self.a.mov(qword_ptr(r11 + FRAME_METHOD), rsi)?;
        } else {
            self.a.mov(dword_ptr(r11 + FRAME_METHOD), esi)?;
            self.a.mov(dword_ptr(r11 + FRAME_PC), 0)?;
        }
        self.a.lea(r14, qword_ptr(r13 + recv))?;
        self.a.mov(r10, r14)?;
        self.a.sub(r10, qword_ptr(rbx + CTX_STACK))?;
        self.a.shr(r10, 3)?;
        self.a.mov(dword_ptr(r11 + FRAME_BP), r10d)?;
        if is_block {
            self.a.mov(rax, qword_ptr(rbx + CTX_BLOCK_SELF))?;
            self.a.mov(r9, qword_ptr(rbx + CTX_BLOCK_OUTER))?;
            self.a.mov(qword_ptr(r11 + FRAME_OUTER), r9)?;
        } else {
            self.a.mov(qword_ptr(r11 + FRAME_OUTER), 0)?;
        }
        self.a.mov(qword_ptr(r11 + FRAME_SELF), rax)?;
        self.a.mov(qword_ptr(r11 + FRAME_CONTEXT), 0)?;
        self.a.mov(r10, qword_ptr(rbx + CTX_NEXT_FRAME_ID))?;
        self.a.mov(r9, qword_ptr(r10))?;
        self.a.mov(qword_ptr(r11 + FRAME_ID), r9)?;
        self.a.inc(r9)?;
        self.a.mov(qword_ptr(r10), r9)?;
        if FRAME_IS_BLOCK == FRAME_TIER + 1 {
            self.a
                .mov(word_ptr(r11 + FRAME_TIER), 1 | ((is_block as i32) << 8))?;
        } else {
            self.a
                .mov(byte_ptr(r11 + FRAME_IS_BLOCK), is_block as i32)?;
            self.a.mov(byte_ptr(r11 + FRAME_TIER), 1)?;
        }
        self.a.mov(qword_ptr(rbx + CTX_FRAMES_LEN), rdx)?;
        self.a.mov(rbp, r11)?;
        self.count_send()?;
        let mut fill = self.a.create_label();
        let mut filled = self.a.create_label();
        self.a.set_label(&mut fill)?;
        self.a.test(r8, r8)?;
        self.a.jz(filled)?;
        self.a.mov(qword_ptr(r13), 0)?;
        self.a.add(r13, 8)?;
        self.a.dec(r8)?;
        self.a.jmp(fill)?;
        self.a.set_label(&mut filled)?;
        self.a.mov(qword_ptr(rbx + CTX_SP), r13)?;
        Ok(())
    }

    /// `ReturnLocal`: the result replaces the frame's slots, the frame is popped, and
    /// status 0 goes back to the native caller or the dispatcher, with the stack pointer
    /// in r13 only (the entry trampoline stores it for the dispatcher).
    pub(super) fn return_local(&mut self) -> R {
        self.flush()?;
        self.a.mov(rax, qword_ptr(r13 - 8))?;
        self.a.sub(qword_ptr(rbx + CTX_FRAMES_LEN), 1)?;
        self.a.mov(qword_ptr(r14), rax)?;
        self.a.lea(r13, qword_ptr(r14 + 8))?;
        self.a.xor(eax, eax)?;
        self.a.ret()?;
        Ok(())
    }
}
