//! The `JitCtx` block that JIT code and the runtime share while tier-1 code runs, and
//! its synchronisation with the VM: JIT code moves the VM stack pointer and pushes and
//! pops frames in the spare capacity of `Vm::stack` and `Vm::frames`; a runtime call
//! first gives both vectors the lengths JIT code left (`enter`), and afterwards points
//! the context at their buffers and at the top frame (`sync_out`). Neither buffer
//! moves while JIT code runs (the stack is reserved up front, the frames by
//! `reserve_frames`), since JIT code holds pointers into both.
//! Between `sync_out` and `sync_in` the context's frame count is the live one; from
//! `sync_in` to `sync_out` it says `VM_OWNS_FRAMES` (the time sampler reads it, see
//! `sampling::VM_OWNS_FRAMES`).

use crate::bytecode::{Method, SendSite};
use crate::object::heap::Object;
use crate::observe::sampling::VM_OWNS_FRAMES;
use crate::runtime::error::Unwind;
use crate::runtime::vm::{Counters, Frame, Vm, MAX_FRAMES};
use crate::value::Value;
use std::sync::atomic::{compiler_fence, Ordering};

/// A small integer, which no object has as its class.
const NO_CLASS: Value = Value(1);

/// What `JitCtx::array_class` holds for `vm`.
#[inline(always)]
pub(crate) fn array_class(vm: &Vm) -> Value {
    if vm.array_primitives {
        vm.core.array
    } else {
        NO_CLASS
    }
}

/// Per method: where a send may call it directly from JIT code (address 0: it must go
/// through the runtime; an `abi::Marker`: a target handled without a native call), and
/// how many temporaries its frame gets.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastEntry {
    pub address: u64,
    pub num_locals: u64,
}

/// What JIT code and the runtime share while a frame runs in tier 1. JIT code keeps
/// `vm` in r12, `sp` in r13, `bp` in r14, `frame` in rbp and `stats` in r15, and reads
/// the rest here.
#[repr(C)]
pub(crate) struct JitCtx {
    pub vm: *mut Vm,
    /// Base of the VM stack's buffer.
    pub stack: *mut Value,
    /// The next free VM stack slot.
    pub sp: *mut Value,
    /// Slot 0 of the top frame (JIT code keeps it in r14; set for entries and after
    /// runtime calls, not updated by native frame pushes).
    pub bp: *mut Value,
    /// The top frame in `frames`' buffer (JIT code keeps it in rbp and reads self, the
    /// context, the outer context and the saved bytecode index there; set like `bp`).
    pub frame: *mut Frame,
    pub stats: *mut Counters,
    /// The frame stack's buffer, length (`VM_OWNS_FRAMES` during a runtime call) and
    /// the length JIT code may grow it to (0 while the heap is exhausted).
    pub frames: *mut Frame,
    pub frames_len: usize,
    pub frames_limit: usize,
    /// JIT code may push a frame only while its temporaries end below this slot.
    pub stack_end: *mut Value,
    pub objects: *const Object,
    pub sites: *const SendSite,
    pub fast: *const FastEntry,
    pub fast_len: usize,
    pub next_frame_id: *mut u64,
    /// The receiver and outer context of the block a `value` send evaluates
    /// (written by the block evaluation template, `tier1::inline::block_method`).
    pub block_self: Value,
    pub block_outer: Value,
    /// Native calls between JIT frames stop (the dispatcher takes over) when the
    /// machine stack reaches this address.
    pub stack_limit: usize,
    /// Free stack slots kept beyond `sp` (the deepest growth of any compiled method).
    pub headroom: usize,
    /// The error that made JIT code exit.
    pub error: Option<Unwind>,
    /// The class whose instances `at:` and `at:put:` index inline (`Array` while its
    /// primitives are the standard ones, else a value no object has as its class).
    pub array_class: Value,
    /// The method table (read by the inline block evaluation path).
    pub methods: *const Method,
    /// The classes of small integers and immediate Doubles (a send's inline-cache probe
    /// compares them as it compares an object's class).
    pub int_class: Value,
    pub double_class: Value,
}

impl JitCtx {
    /// A context for `vm` (not yet synced).
    pub(crate) fn new(vm: *mut Vm, headroom: usize) -> JitCtx {
        JitCtx {
            vm,
            stack: std::ptr::null_mut(),
            sp: std::ptr::null_mut(),
            bp: std::ptr::null_mut(),
            frame: std::ptr::null_mut(),
            stats: std::ptr::null_mut(),
            frames: std::ptr::null_mut(),
            frames_len: VM_OWNS_FRAMES,
            frames_limit: 0,
            stack_end: std::ptr::null_mut(),
            objects: std::ptr::null(),
            sites: std::ptr::null(),
            fast: std::ptr::null(),
            fast_len: 0,
            next_frame_id: std::ptr::null_mut(),
            block_self: Value::NIL,
            block_outer: Value::NIL,
            stack_limit: 0,
            headroom,
            error: None,
            array_class: Value::NIL,
            methods: std::ptr::null(),
            int_class: NO_CLASS,
            double_class: NO_CLASS,
        }
    }

    /// Points the context at the VM's stack, frames, tables and top frame, with room
    /// for `headroom` more slots; from now on its frame count is the live one.
    #[inline(always)]
    pub(crate) fn sync_out(&mut self, vm: &mut Vm) {
        compiler_fence(Ordering::SeqCst);
        self.sync_sp(vm);
        debug_assert!(
            vm.frames.capacity() >= FRAMES_RESERVED,
            "see `reserve_frames`"
        );
        self.frames = vm.frames.as_mut_ptr();
        self.frames_len = vm.frames.len();
        // An exhausted heap stops native frame pushes (the full send reports it); the
        // flag changes only in a collection, which runs inside a runtime call, after
        // which this sync runs.
        self.frames_limit = if vm.oom {
            0
        } else {
            vm.frames.capacity().min(MAX_FRAMES)
        };
        self.objects = vm.heap.objects.as_ptr();
        self.sites = vm.sites.as_ptr();
        (self.fast, self.fast_len) = vm.jit.fast_table();
        self.methods = vm.methods.as_ptr();
        self.array_class = array_class(vm);
        (self.int_class, self.double_class) = (vm.core.integer, vm.core.double);
        if let Some(f) = vm.frames.last_mut() {
            // SAFETY: a frame's `bp` is a valid stack index.
            self.bp = unsafe { self.stack.add(f.bp as usize) };
            self.frame = f;
        }
    }

    /// Points the context at the VM's stack only (the top frame stays).
    #[inline(always)]
    pub(crate) fn sync_sp(&mut self, vm: &mut Vm) {
        let len = vm.stack.len();
        if vm.stack.capacity() - len < 2 * self.headroom {
            vm.stack.reserve(2 * self.headroom);
        }
        self.stack = vm.stack.as_mut_ptr();
        let cap = vm.stack.capacity();
        // SAFETY: `len <= capacity` and `capacity - headroom >= len`, so both stay
        // inside (or one past) the buffer.
        unsafe {
            self.sp = self.stack.add(len);
            self.stack_end = self.stack.add(cap - self.headroom);
        }
    }

    /// The stack length JIT code left in `sp`.
    pub(crate) fn stack_len(&self) -> usize {
        // SAFETY: JIT code keeps `sp` inside the buffer that starts at `stack`.
        unsafe { self.sp.offset_from(self.stack) as usize }
    }

    /// Gives the VM's stack and frame vectors the lengths JIT code left; from now on
    /// `Vm::frames`' length is the live count again.
    #[inline(always)]
    pub(crate) fn sync_in(&mut self, vm: &mut Vm) {
        let len = self.stack_len();
        debug_assert!(len <= vm.stack.capacity());
        debug_assert!(self.frames_len <= vm.frames.capacity());
        // SAFETY: JIT code only writes stack slots below `capacity` (the headroom
        // reserved by `sync_sp`) and every slot below `len` holds a value; it pushes
        // frames only below `frames_limit <= capacity`, each completely written, and
        // `Frame` has no drop glue, so shortening the length forgets nothing.
        unsafe {
            vm.stack.set_len(len);
            vm.frames.set_len(self.frames_len);
        }
        compiler_fence(Ordering::SeqCst);
        self.frames_len = VM_OWNS_FRAMES;
    }
}

/// Frames `Vm::frames` has room for while JIT code runs: JIT code holds pointers to
/// frames (rbp, and the callers' on the machine stack), so the buffer must not move,
/// and no push reaches this capacity (`MAX_FRAMES` is a stack overflow).
pub(crate) const FRAMES_RESERVED: usize = MAX_FRAMES + 2;

/// Gives `frames` its fixed capacity before JIT code runs (address space only: pages
/// are touched as frames are pushed).
pub(crate) fn reserve_frames(frames: &mut Vec<Frame>) {
    if frames.capacity() < FRAMES_RESERVED {
        frames.reserve_exact(FRAMES_RESERVED - frames.len());
    }
}

/// Enters a runtime call: the VM stack and frames get the lengths JIT code left.
///
/// # Safety
/// `ctx` must be the live context of the running JIT code, whose `vm` is valid and
/// not otherwise borrowed, and whose `sp` is within the VM stack's capacity.
pub(crate) unsafe fn enter<'a>(ctx: *mut JitCtx) -> (&'a mut JitCtx, &'a mut Vm) {
    // SAFETY: guaranteed by the caller (the dispatcher passes a context it owns and
    // does not touch the VM while JIT code runs).
    let ctx = unsafe { &mut *ctx };
    // SAFETY: as above.
    let vm = unsafe { &mut *ctx.vm };
    ctx.sync_in(vm);
    (ctx, vm)
}
