//! All of the native-tool outputs' `unsafe`: the GDB JIT interface (the
//! `__jit_debug_descriptor` list gdb reads and the `__jit_debug_register_code` function
//! it breaks on), the executable mapping of a jitdump file that `perf inject --jit`
//! looks for, and the clock and thread id jitdump records carry.
//!
//! The GDB JIT interface (gdb manual, "JIT Compilation Interface"): a registered
//! symbol file is a `jit_code_entry` in a doubly linked list hung off the descriptor;
//! after linking or unlinking one, the program sets `relevant_entry` and
//! `action_flag` and calls `__jit_debug_register_code`, on which gdb (if attached) has
//! a breakpoint. The list is process-wide, so a mutex serialises VMs on other threads.

use std::ptr::{addr_of_mut, null_mut};
use std::sync::Mutex;

/// `struct jit_code_entry` of the GDB JIT interface.
#[repr(C)]
struct JitCodeEntry {
    next_entry: *mut JitCodeEntry,
    prev_entry: *mut JitCodeEntry,
    symfile_addr: *const u8,
    symfile_size: u64,
}

/// `struct jit_descriptor` of the GDB JIT interface.
#[repr(C)]
pub struct JitDescriptor {
    version: u32,
    action_flag: u32,
    relevant_entry: *mut JitCodeEntry,
    first_entry: *mut JitCodeEntry,
}

const JIT_NOACTION: u32 = 0;
const JIT_REGISTER_FN: u32 = 1;
const JIT_UNREGISTER_FN: u32 = 2;

/// The descriptor gdb reads (the name and layout are the interface).
#[no_mangle]
pub static mut __jit_debug_descriptor: JitDescriptor = JitDescriptor {
    version: 1,
    action_flag: JIT_NOACTION,
    relevant_entry: null_mut(),
    first_entry: null_mut(),
};

/// gdb puts a breakpoint here and reads the descriptor when it is hit. It must stay a
/// real, called function: never inlined, and with a body the optimiser cannot prove
/// free of effects (an empty `asm!` counts as one).
#[no_mangle]
#[inline(never)]
pub extern "C" fn __jit_debug_register_code() {
    // SAFETY: an empty instruction sequence; it touches no registers, memory or stack.
    unsafe { std::arch::asm!("", options(nostack, preserves_flags)) }
}

/// Serialises every change of the descriptor's list.
static LIST: Mutex<()> = Mutex::new(());

/// A symbol file registered with gdb; unregistered (and freed) when dropped.
pub(crate) struct GdbRegistration {
    entry: *mut JitCodeEntry,
    /// The image the entry points into; it must not move or be freed while linked.
    _image: Box<[u8]>,
}

impl GdbRegistration {
    /// Links `image` (an ELF symbol file) into the descriptor's list and tells gdb.
    pub(crate) fn register(image: Box<[u8]>) -> GdbRegistration {
        let entry = Box::into_raw(Box::new(JitCodeEntry {
            next_entry: null_mut(),
            prev_entry: null_mut(),
            symfile_addr: image.as_ptr(),
            symfile_size: image.len() as u64,
        }));
        let _guard = LIST.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the list is only changed under `LIST`; `entry` is a fresh allocation
        // owned by the returned registration, and the first entry (if any) is a live
        // entry of another registration (entries leave the list before being freed).
        unsafe {
            let d = addr_of_mut!(__jit_debug_descriptor);
            let first = (*d).first_entry;
            (*entry).next_entry = first;
            if !first.is_null() {
                (*first).prev_entry = entry;
            }
            (*d).first_entry = entry;
            (*d).relevant_entry = entry;
            (*d).action_flag = JIT_REGISTER_FN;
        }
        __jit_debug_register_code();
        GdbRegistration {
            entry,
            _image: image,
        }
    }
}

impl Drop for GdbRegistration {
    fn drop(&mut self) {
        let _guard = LIST.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: under `LIST`; `self.entry` is linked (registered in `register`, only
        // unlinked here) and its neighbours are live linked entries.
        unsafe {
            let d = addr_of_mut!(__jit_debug_descriptor);
            let e = self.entry;
            let (prev, next) = ((*e).prev_entry, (*e).next_entry);
            if prev.is_null() {
                (*d).first_entry = next;
            } else {
                (*prev).next_entry = next;
            }
            if !next.is_null() {
                (*next).prev_entry = prev;
            }
            (*d).relevant_entry = e;
            (*d).action_flag = JIT_UNREGISTER_FN;
        }
        __jit_debug_register_code();
        // SAFETY: the entry was made by `Box::into_raw` in `register` and is no longer
        // reachable from the descriptor.
        drop(unsafe { Box::from_raw(self.entry) });
    }
}

/// The number of symbol files in the descriptor's list (for tests).
#[cfg(test)]
pub(crate) fn registered_count() -> usize {
    let _guard = LIST.lock().unwrap_or_else(|e| e.into_inner());
    let mut n = 0;
    // SAFETY: under `LIST`, every linked entry is live.
    unsafe {
        let mut e = (*addr_of_mut!(__jit_debug_descriptor)).first_entry;
        while !e.is_null() {
            n += 1;
            e = (*e).next_entry;
        }
    }
    n
}

/// A read+execute private mapping of the first page of an open jitdump file: `perf
/// record` logs it, and `perf inject --jit` finds the dump through that record.
pub(crate) struct ExecMapping {
    address: *mut libc::c_void,
    len: usize,
}

impl ExecMapping {
    pub(crate) fn new(file: &std::fs::File) -> std::io::Result<ExecMapping> {
        use std::os::fd::AsRawFd;
        // SAFETY: sysconf has no preconditions.
        let len = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
        // SAFETY: a new private read+execute mapping of an open file; no existing
        // memory is affected and the result is checked against MAP_FAILED. Nothing
        // reads or executes it: it exists to be recorded by perf.
        let address = unsafe {
            libc::mmap(
                null_mut(),
                len,
                libc::PROT_READ | libc::PROT_EXEC,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(ExecMapping { address, len })
    }
}

impl Drop for ExecMapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`, which nothing refers to.
        unsafe {
            libc::munmap(self.address, self.len);
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the clock `perf record -k 1` stamps samples with.
pub(crate) fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// The calling thread's kernel id (the VM runs on its own thread).
pub(crate) fn thread_id() -> u32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() as u32 }
}

/// The VM of the running `som` program, for gdb's `som-bt` (`scripts/som-gdb.py`):
/// published by `Vm::run_program` for the length of the run, null otherwise.
static PROGRAM_VM: std::sync::atomic::AtomicPtr<crate::runtime::vm::Vm> =
    std::sync::atomic::AtomicPtr::new(null_mut());

/// Publishes (or, with null, withdraws) the program's VM for [`som_gdb_backtrace`].
pub(crate) fn publish_program_vm(vm: *mut crate::runtime::vm::Vm) {
    PROGRAM_VM.store(vm, std::sync::atomic::Ordering::Release);
}

/// Called by gdb (`som-bt`) while the program is stopped: the SOM stack, one line per
/// activation, innermost first, as a NUL-terminated text valid until the next call.
#[no_mangle]
#[inline(never)]
pub extern "C" fn som_gdb_backtrace() -> *const std::ffi::c_char {
    static TEXT: Mutex<Option<std::ffi::CString>> = Mutex::new(None);
    let vm = PROGRAM_VM.load(std::sync::atomic::Ordering::Acquire);
    let text = if vm.is_null() {
        "som-bt: no SOM program is running\n".to_string()
    } else {
        // SAFETY: the pointer is published only while `run_program` runs on that VM,
        // and gdb calls this with the program stopped, so nothing changes the VM while
        // it is read. Frames up to the live count are written before they are counted
        // (JIT code keeps its count in the context, see `observe::sampling`), inside
        // the frames' reserved capacity.
        unsafe {
            let vm = &*vm;
            let count = live_frames(vm).min(vm.frames.capacity());
            let frames = std::slice::from_raw_parts(vm.frames.as_ptr(), count);
            super::describe_som_stack(vm, frames)
        }
    };
    let mut slot = TEXT.lock().unwrap_or_else(|e| e.into_inner());
    *slot = std::ffi::CString::new(text).ok();
    slot.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// Keeps `som_gdb_backtrace` in the binary although nothing in it calls the function.
#[used]
static KEEP_SOM_GDB_BACKTRACE: extern "C" fn() -> *const std::ffi::c_char = som_gdb_backtrace;

/// The live frame count: tier-1 code's count while it owns the frames, else the `Vec`'s.
///
/// # Safety
/// The VM must be stopped (not running on another thread) and its published tier-1
/// count, if any, must point at a live context.
unsafe fn live_frames(vm: &crate::runtime::vm::Vm) -> usize {
    let native = vm
        .jit_frame_count
        .load(std::sync::atomic::Ordering::Relaxed);
    if native.is_null() {
        return vm.frames.len();
    }
    // SAFETY: the caller's contract; volatile because machine code writes the word.
    match unsafe { std::ptr::read_volatile(native) } {
        crate::observe::sampling::VM_OWNS_FRAMES => vm.frames.len(),
        n => n,
    }
}
