//! Test-only executable memory: maps a compiled function's bytes, patches its helper
//! relocations with the addresses of Rust test helpers, makes the page executable (W^X:
//! never writable and executable at once) and calls it. This module is the only place in
//! the crate with `unsafe`.
#![allow(unsafe_code)]

use super::{CompiledFunction, RelocKind};

/// The two return words of compiled code (System V returns them in rax:rdx).
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Exit {
    pub value: u64,
    pub status: u64,
}

/// Compiled code mapped executable.
pub struct ExecCode {
    ptr: *mut u8,
    len: usize,
}

impl ExecCode {
    /// Maps `code`, resolving each helper id through `helper_address`.
    pub fn new(code: &CompiledFunction, helper_address: impl Fn(u32) -> usize) -> ExecCode {
        let len = code.code.len().max(1).next_multiple_of(4096);
        // SAFETY: an anonymous private mapping with no address hint; the result is checked.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(ptr, libc::MAP_FAILED, "mmap failed");
        let ptr = ptr as *mut u8;
        // SAFETY: the mapping is `len >= code.len()` bytes, writable, and not aliased.
        let bytes = unsafe { std::slice::from_raw_parts_mut(ptr, len) };
        bytes[..code.code.len()].copy_from_slice(&code.code);
        for r in &code.relocs {
            let at = r.offset as usize;
            let target = helper_address(r.helper) as i64 + r.addend;
            match r.kind {
                RelocKind::Abs8 => bytes[at..at + 8].copy_from_slice(&target.to_le_bytes()),
                RelocKind::PcRel4 => {
                    let rel = target - (ptr as i64 + at as i64);
                    let rel = i32::try_from(rel).expect("helper within 2 GiB of the code");
                    bytes[at..at + 4].copy_from_slice(&rel.to_le_bytes());
                }
            }
        }
        // SAFETY: `ptr..ptr+len` is the mapping made above; it becomes read+execute only.
        let rc = unsafe {
            libc::mprotect(
                ptr as *mut libc::c_void,
                len,
                libc::PROT_READ | libc::PROT_EXEC,
            )
        };
        assert_eq!(rc, 0, "mprotect failed");
        ExecCode { ptr, len }
    }

    /// Calls the code with a context pointer, a deopt buffer and up to three arguments.
    pub fn call(&self, ctx: *mut u8, buf: &mut [u64], args: &[u64]) -> Exit {
        let (c, b) = (ctx, buf.as_mut_ptr());
        // SAFETY: the bytes are a Cranelift function with the System V signature
        // (ctx, buf, args...) -> (u64, u64) for exactly `args.len()` arguments (the caller
        // passes the IR function's arity); ctx points to the test's live context, large
        // enough for the test LowerConfig's offsets, and buf holds every deopt slot.
        unsafe {
            match *args {
                [] => std::mem::transmute::<*mut u8, extern "C" fn(*mut u8, *mut u64) -> Exit>(
                    self.ptr,
                )(c, b),
                [a] => {
                    std::mem::transmute::<*mut u8, extern "C" fn(*mut u8, *mut u64, u64) -> Exit>(
                        self.ptr,
                    )(c, b, a)
                }
                [a, d] => std::mem::transmute::<
                    *mut u8,
                    extern "C" fn(*mut u8, *mut u64, u64, u64) -> Exit,
                >(self.ptr)(c, b, a, d),
                [a, d, e] => std::mem::transmute::<
                    *mut u8,
                    extern "C" fn(*mut u8, *mut u64, u64, u64, u64) -> Exit,
                >(self.ptr)(c, b, a, d, e),
                _ => panic!("test calls take at most three arguments"),
            }
        }
    }
}

impl Drop for ExecCode {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`; no code runs from it any more.
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
    }
}
