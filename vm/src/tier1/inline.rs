//! The templates that work on heap objects in place, using the layout `layout.rs`
//! probes: fields of self, `Array` `at:`/`at:put:`, captured and outer variables, the
//! block a `value` send evaluates, and trivial methods (constants, `^ self`, getters,
//! setters) at a send's inline-cache hit. Each has the leaf-helper form as its
//! fallback. Also the slow path of bytecodes that may send (`slow_sending`), which
//! calls the pushed frame natively so such sends stay in tier 1.

use super::calls::SAVED_BYTES;
use super::emit::{slot, Emitter, Stub, R};
use super::runtime as rt;
use crate::native::abi::*;
use crate::object::layout::BODY;
use iced_x86::code_asm::*;

impl Emitter<'_> {
    pub(super) fn push_field(&mut self, bci: usize, i: u16) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, false)?;
        self.instance_fields(stub)?;
        self.field_in_range(i, stub)?;
        self.a.mov(rax, qword_ptr(rdx + slot(i)))?;
        self.push_reg(rax)
    }

    /// Two fields of self; the first is written above the stack pointer, which moves
    /// only when both reads succeeded (the stub redoes the whole bytecode).
    pub(super) fn push_field2(&mut self, bci: usize, i: u16, j: u16) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, false)?;
        self.instance_fields(stub)?;
        self.field_in_range(i.max(j), stub)?;
        self.a.mov(rax, qword_ptr(rdx + slot(i)))?;
        self.a.mov(rcx, qword_ptr(rdx + slot(j)))?;
        self.a.mov(qword_ptr(r13), rax)?;
        self.a.mov(qword_ptr(r13 + 8), rcx)?;
        self.a.add(r13, 16)?;
        Ok(())
    }

    /// The object of self into rcx when it is an instance (`Body::Instance`), with its
    /// field count at `rcx + fields_len`; `stub` otherwise (classes, whose fields tier
    /// 0 also reads, and errors).
    fn instance_fields(&mut self, stub: CodeLabel) -> R {
        let l = BODY;
        self.a.mov(rcx, qword_ptr(rbp + FRAME_SELF))?;
        self.a.test(cl, 3)?;
        self.a.jnz(stub)?;
        self.object_address(rcx)?;
        self.a.cmp(byte_ptr(rcx + l.tag), l.instance_tag as i32)?;
        self.a.jne(stub)?;
        Ok(())
    }

    /// With the instance in rcx: `stub` unless it has field `i`; the fields into rdx.
    fn field_in_range(&mut self, i: u16, stub: CodeLabel) -> R {
        let l = BODY;
        self.a.cmp(qword_ptr(rcx + l.fields_len), i as i32)?;
        self.a.jbe(stub)?;
        self.a.mov(rdx, qword_ptr(rcx + l.fields_ptr))?;
        Ok(())
    }

    /// Replaces the reference in `r` by the address of its heap `Object`.
    fn object_address(&mut self, r: AsmRegister64) -> R {
        self.a.shr(r, 2)?;
        self.a.imul_3(r, r, OBJECT_SIZE)?;
        self.a.add(r, qword_ptr(rbx + CTX_OBJECTS))?;
        Ok(())
    }

    pub(super) fn store_field(&mut self, bci: usize, i: u16, pop: bool) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, false)?;
        self.instance_fields(stub)?;
        self.field_in_range(i, stub)?;
        self.a.mov(rax, qword_ptr(r13 - 8))?;
        self.a.mov(qword_ptr(rdx + slot(i)), rax)?;
        if pop {
            self.a.sub(r13, 8)?;
        }
        Ok(())
    }

    pub(super) fn context_get(&mut self, field: i32, hops: u8, s: u16) -> R {
        let mut done = self.a.create_label();
        let mut other = self.a.create_label();
        self.context_slots(field, hops, other)?;
        self.a.mov(rax, qword_ptr(rdx + slot(s)))?;
        self.push_reg(rax)?;
        self.a.jmp(done)?;
        self.a.set_label(&mut other)?;
        self.a.mov(rdi, r12)?;
        self.a.mov(rsi, qword_ptr(rbp + field))?;
        self.a.mov(edx, hops as u32)?;
        self.a.mov(ecx, s as u32)?;
        self.call(rt::leaf_context_get as *const () as usize)?;
        self.push_reg(rax)?;
        self.a.set_label(&mut done)?;
        self.a.nop()?;
        Ok(())
    }

    pub(super) fn context_set(&mut self, field: i32, hops: u8, s: u16) -> R {
        let mut done = self.a.create_label();
        let mut other = self.a.create_label();
        self.context_slots(field, hops, other)?;
        self.a.mov(rax, qword_ptr(r13 - 8))?;
        self.a.mov(qword_ptr(rdx + slot(s)), rax)?;
        self.a.jmp(done)?;
        self.a.set_label(&mut other)?;
        self.a.mov(rdi, r12)?;
        self.a.mov(rsi, qword_ptr(rbp + field))?;
        self.a.mov(edx, ((hops as u32) << 16) | s as u32)?;
        self.a.mov(rcx, qword_ptr(r13 - 8))?;
        self.call(rt::leaf_context_set as *const () as usize)?;
        self.a.set_label(&mut done)?;
        self.a.nop()?;
        Ok(())
    }

    /// The slots of the context `hops` outer links from the one in context field
    /// `field` into rdx, as `Vm::context_at` finds it; anything that is not a context
    /// goes to `other` (the leaf helper, which fails as tier 0 does).
    fn context_slots(&mut self, field: i32, hops: u8, other: CodeLabel) -> R {
        let l = BODY;
        self.a.mov(rax, qword_ptr(rbp + field))?;
        for h in 0..=hops {
            self.a.test(al, 3)?;
            self.a.jnz(other)?;
            self.object_address(rax)?;
            self.a.cmp(byte_ptr(rax + l.tag), l.context_tag as i32)?;
            self.a.jne(other)?;
            self.a.mov(rdx, qword_ptr(rax + l.fields_ptr))?;
            if h < hops {
                self.a.mov(rax, qword_ptr(rdx))?;
            }
        }
        Ok(())
    }

    /// The block evaluation at a send whose receiver (at `recv`) takes `argc`
    /// arguments: the block's method into rsi, its receiver and outer context into
    /// `JitCtx::block_self` and `block_outer`; `slow` for
    /// anything else (not a block, another argument count).
    pub(super) fn block_method(&mut self, recv: i32, argc: u8, slow: CodeLabel) -> R {
        let l = BODY;
        self.a.mov(rax, qword_ptr(r13 + recv))?;
        self.a.test(al, 3)?;
        self.a.jnz(slow)?;
        self.object_address(rax)?;
        self.a.cmp(byte_ptr(rax + l.tag), l.block_tag as i32)?;
        self.a.jne(slow)?;
        self.a.mov(rax, qword_ptr(rax + l.block_data))?;
        self.a.mov(esi, dword_ptr(rax + BLOCK_METHOD))?;
        self.a.imul_3(rdx, rsi, METHOD_SIZE)?;
        self.a.add(rdx, qword_ptr(rbx + CTX_METHODS))?;
        self.a.cmp(word_ptr(rdx + METHOD_NUM_ARGS), argc as i32)?;
        self.a.jne(slow)?;
        self.a.mov(rdx, qword_ptr(rax + BLOCK_RECEIVER))?;
        self.a.mov(qword_ptr(rbx + CTX_BLOCK_SELF), rdx)?;
        self.a.mov(rdx, qword_ptr(rax + BLOCK_OUTER))?;
        self.a.mov(qword_ptr(rbx + CTX_BLOCK_OUTER), rdx)?;
        Ok(())
    }

    pub(super) fn array_at(&mut self, bci: usize) -> R {
        self.flush()?;
        self.tick_clock()?;
        let stub = self.sending_stub(bci)?;
        self.a.mov(rcx, qword_ptr(r13 - 16))?;
        self.a.mov(rax, qword_ptr(r13 - 8))?;
        self.array_item(stub)?;
        self.a.mov(rax, qword_ptr(rdx + rax * 8))?;
        self.a.mov(qword_ptr(r13 - 16), rax)?;
        self.a.sub(r13, 8)?;
        Ok(())
    }

    pub(super) fn array_at_put(&mut self, bci: usize) -> R {
        self.flush()?;
        self.tick_clock()?;
        let stub = self.sending_stub(bci)?;
        self.a.mov(rcx, qword_ptr(r13 - 24))?;
        self.a.mov(rax, qword_ptr(r13 - 16))?;
        self.array_item(stub)?;
        self.a.mov(rcx, qword_ptr(r13 - 8))?;
        self.a.mov(qword_ptr(rdx + rax * 8), rcx)?;
        self.a.sub(r13, 16)?;
        Ok(())
    }

    /// `Vm::array_at`'s test inline: with the receiver in rcx and the index in rax,
    /// `stub` unless the receiver is an `Array` (while its primitives are standard) and
    /// the index a small integer within it; then rdx holds the items and rax the
    /// 0-based index.
    fn array_item(&mut self, stub: CodeLabel) -> R {
        let l = BODY;
        self.a.test(cl, 3)?;
        self.a.jnz(stub)?;
        self.a.test(al, 1)?;
        self.a.jz(stub)?;
        self.object_address(rcx)?;
        self.a.mov(rdx, qword_ptr(rbx + CTX_ARRAY_CLASS))?;
        self.a.cmp(qword_ptr(rcx + OBJECT_CLASS), rdx)?;
        self.a.jne(stub)?;
        self.a.cmp(byte_ptr(rcx + l.tag), l.array_tag as i32)?;
        self.a.jne(stub)?;
        self.a.sar(rax, 1)?;
        self.a.sub(rax, 1)?;
        self.a.cmp(rax, qword_ptr(rcx + l.items_len))?;
        self.a.jae(stub)?;
        self.a.mov(rdx, qword_ptr(rcx + l.items_ptr))?;
        Ok(())
    }

    /// The inline-cache hit of a send whose target is a trivial method (receiver in
    /// rax, site in rdi, method in esi, its `FastEntry` in rcx and r8, rsp as at the
    /// start of the bytecode: no frame pointers saved): constants, `^ self` and instance getters and setters run
    /// inline, anything else in `leaf_trivial`, without a frame; the result replaces
    /// the receiver and arguments and execution goes on at `done`. What
    /// `leaf_trivial` declines (a field it cannot reach) and an exhausted heap take the
    /// full send at `slow`.
    pub(super) fn trivial_send(&mut self, recv: i32, slow: CodeLabel, done: CodeLabel) -> R {
        let mut leaf = self.a.create_label();
        let mut counted = self.a.create_label();
        let mut success = self.a.create_label();
        self.a.cmp(qword_ptr(rbx + CTX_FRAMES_LIMIT), 0)?;
        self.a.je(slow)?;
        self.a.mov(rdx, r8)?;
        self.a.cmp(rcx, Marker::TrivialConstant as i32)?;
        self.a.je(success)?;
        self.a.mov(rdx, rax)?;
        self.a.cmp(rcx, Marker::TrivialSelf as i32)?;
        self.a.je(success)?;
        let l = BODY;
        // Fields of a reference only (a small integer's class may hold a getter
        // too; `leaf_trivial` declines it).
        self.a.test(al, 3)?;
        self.a.jnz(leaf)?;
        self.a.mov(r9, rax)?;
        self.object_address(r9)?;
        self.a.cmp(byte_ptr(r9 + l.tag), l.instance_tag as i32)?;
        self.a.jne(leaf)?;
        self.a.cmp(qword_ptr(r9 + l.fields_len), r8)?;
        self.a.jbe(leaf)?;
        self.a.mov(r9, qword_ptr(r9 + l.fields_ptr))?;
        let mut setter = self.a.create_label();
        self.a.cmp(rcx, Marker::TrivialGetter as i32)?;
        self.a.jne(setter)?;
        self.a.mov(rdx, qword_ptr(r9 + r8 * 8))?;
        self.a.jmp(success)?;
        // A setter: its one argument is on top of the stack; it answers self.
        self.a.set_label(&mut setter)?;
        self.a.mov(r10, qword_ptr(r13 - 8))?;
        self.a.mov(qword_ptr(r9 + r8 * 8), r10)?;
        self.a.mov(rdx, rax)?;
        self.a.jmp(success)?;
        self.a.set_label(&mut leaf)?;
        // rdi kept across the call, rsp 16-byte aligned for it.
        self.a.push(rdi)?;
        self.a.sub(rsp, 8)?;
        self.a.lea(rdx, qword_ptr(r13 + recv))?;
        self.a.mov(rdi, r12)?;
        self.call(rt::leaf_trivial as *const () as usize)?;
        self.a.add(rsp, 8)?;
        self.a.pop(rdi)?;
        self.a.test(edx, edx)?;
        self.a.jz(slow)?;
        self.a.mov(rdx, rax)?;
        self.a.jmp(counted)?;
        // As `Vm::run_trivial`, which the leaf helper also follows.
        self.a.set_label(&mut success)?;
        self.a.imul_3(rcx, rsi, METHOD_SIZE)?;
        self.a.add(rcx, qword_ptr(rbx + CTX_METHODS))?;
        self.a.add(dword_ptr(rcx + METHOD_INVOCATIONS), 1)?;
        self.a.set_label(&mut counted)?;
        self.count_send()?;
        self.a.mov(qword_ptr(r13 + recv), rdx)?;
        self.a.lea(r13, qword_ptr(r13 + recv + 8))?;
        self.a.jmp(done)?;
        Ok(())
    }

    /// An out-of-line `slow_sending` path for the bytecode at `bci`.
    pub(super) fn sending_stub(
        &mut self,
        bci: usize,
    ) -> Result<CodeLabel, super::emit::CompileError> {
        let label = self.a.create_label();
        let resume = self.label(bci as u32 + 1)?;
        let bci = bci as u32;
        self.stubs.push((label, Stub::Sending { bci, resume }));
        Ok(label)
    }

    /// `rt_send_bytecode(bci)` for a bytecode whose slow path may send, then on at
    /// `resume`: as in the `Send` template, the caller's frame and base pointers are saved on the
    /// machine stack and a frame the send pushed is called natively when it has code,
    /// so a `+` sent to a String does not leave tier 1.
    pub(super) fn slow_sending(&mut self, bci: usize, resume: CodeLabel) -> R {
        let mut discard = self.a.create_label();
        self.save_frame_pointers()?;
        self.a.mov(esi, bci as u32)?;
        self.a.sub(rsp, 8)?;
        self.runtime_call(rt::rt_send_bytecode as *const () as usize)?;
        self.a.add(rsp, 8)?;
        self.a.cmp(rax, Status::Call as i32)?;
        self.a.jne(discard)?;
        self.a.call(rdx)?;
        self.restore_after_native_call()?;
        self.a.jmp(resume)?;
        // Continue or Exit from the runtime: its sync already describes the top frame.
        self.a.set_label(&mut discard)?;
        self.a.lea(rsp, qword_ptr(rsp + SAVED_BYTES))?;
        self.a.test(rax, rax)?;
        self.a.jnz(self.exit)?;
        self.a.jmp(resume)?;
        Ok(())
    }
}
