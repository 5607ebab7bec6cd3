//! Executable memory for tier 1: one reserved region, filled from the bottom up. Code
//! memory is never writable and executable at once: the pages a new method lands on
//! are made read+write, written, then made read+execute (W^X). The region's size is the
//! code-cache limit; once it is full, compilation stops and the VM stays in tier 0.
//!
//! This is one of the two places with `unsafe` in tier 1 (the other is `jit::runtime`).

use std::ptr::NonNull;

const PAGE: usize = 4096;

/// The code cache: `limit` bytes of address space reserved at start-up, `used` of them
/// holding code.
pub(crate) struct CodeCache {
    base: NonNull<u8>,
    limit: usize,
    used: usize,
}

/// Why code could not be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CacheError {
    /// The reservation failed (no address space).
    Map(String),
    /// The cache is full: no more compilation.
    Full,
    /// `mprotect` refused a change.
    Protect(String),
}

impl CodeCache {
    /// Reserves `limit` bytes (rounded up to pages) with no access.
    pub(crate) fn new(limit: usize) -> Result<CodeCache, CacheError> {
        let limit = limit.max(PAGE).div_ceil(PAGE) * PAGE;
        // SAFETY: an anonymous private mapping with no access; no existing memory is
        // touched and the result is checked against MAP_FAILED.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                limit,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(CacheError::Map(std::io::Error::last_os_error().to_string()));
        }
        let base = NonNull::new(p.cast::<u8>()).ok_or(CacheError::Map("null".into()))?;
        Ok(CodeCache {
            base,
            limit,
            used: 0,
        })
    }

    /// The address the next piece of code will get (16-byte aligned).
    pub(crate) fn next_address(&self) -> u64 {
        (self.base.as_ptr() as usize + self.used.next_multiple_of(16)) as u64
    }

    /// Whether `address` lies inside the code placed so far.
    pub(crate) fn contains(&self, address: usize) -> bool {
        let start = self.base.as_ptr() as usize;
        (start..start + self.used).contains(&address)
    }

    /// Copies `bytes` to `next_address()` and makes them executable; answers their
    /// address. The bytes must have been assembled for that address.
    pub(crate) fn install(&mut self, bytes: &[u8]) -> Result<u64, CacheError> {
        let start = self.used.next_multiple_of(16);
        let end = start + bytes.len();
        if end > self.limit {
            return Err(CacheError::Full);
        }
        let first_page = start / PAGE * PAGE;
        let last_page = end.div_ceil(PAGE) * PAGE;
        self.protect(
            first_page,
            last_page - first_page,
            libc::PROT_READ | libc::PROT_WRITE,
        )?;
        // SAFETY: `start..end` lies inside the reservation (checked against `limit`),
        // its pages were just made writable, and nothing executes from them while they
        // are (the VM is single-threaded and no JIT frame is inside this range's new
        // part; older code sharing the first page is not running: compilation happens
        // in the dispatcher or in a runtime call, never concurrently with that code's
        // pages being executed by another thread).
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.base.as_ptr().add(start),
                bytes.len(),
            );
        }
        self.protect(
            first_page,
            last_page - first_page,
            libc::PROT_READ | libc::PROT_EXEC,
        )?;
        self.used = end;
        Ok(self.base.as_ptr() as u64 + start as u64)
    }

    /// Places no code below `end` if the code placed last ends at `code_end`: the
    /// native-tool outputs claim `code_end..end` for that code (perf maps the code's
    /// unwinding data there). Past the reservation's limit the cache is simply full.
    pub(crate) fn keep_free_until(&mut self, code_end: u64, end: u64) {
        let base = self.base.as_ptr() as u64;
        if code_end == base + self.used as u64 && end > code_end {
            self.used = ((end - base) as usize).min(self.limit);
        }
    }

    fn protect(&self, offset: usize, len: usize, prot: i32) -> Result<(), CacheError> {
        // SAFETY: `offset..offset+len` is page-aligned and inside our own reservation.
        let r = unsafe { libc::mprotect(self.base.as_ptr().add(offset).cast(), len, prot) };
        if r != 0 {
            return Err(CacheError::Protect(
                std::io::Error::last_os_error().to_string(),
            ));
        }
        Ok(())
    }

    /// The bytes at `address..address+len` (code placed earlier), for listings.
    pub(crate) fn bytes(&self, address: u64, len: usize) -> Vec<u8> {
        let start = address as usize;
        if !self.contains(start) || !self.contains(start + len.max(1) - 1) {
            return Vec::new();
        }
        // SAFETY: the range was checked to lie inside installed code, which is
        // readable (PROT_READ | PROT_EXEC) and never unmapped while the cache lives.
        unsafe { std::slice::from_raw_parts(address as *const u8, len).to_vec() }
    }
}

impl Drop for CodeCache {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly our reservation; no code of this VM runs after the VM
        // (which owns the cache) is dropped.
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.limit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_after_a_kept_free_range_starts_past_it() {
        let mut cache = CodeCache::new(PAGE * 4).unwrap();
        let first = cache.install(&[0xc3; 20]).unwrap();
        cache.keep_free_until(first + 20, first + 200);
        assert!(!cache.contains(first as usize + 200));
        let second = cache.install(&[0xc3; 4]).unwrap();
        assert_eq!(
            second,
            first + 208,
            "the next 16-byte boundary after the range"
        );
        // Only the code placed last can claim a range behind it.
        cache.keep_free_until(first + 20, first + 4000);
        assert_eq!(cache.install(&[0xc3]).unwrap(), second + 16);
    }

    #[test]
    fn installed_code_runs_and_is_never_writable_and_executable() {
        let mut cache = CodeCache::new(1 << 16).unwrap();
        // mov eax, 42; ret
        let addr = cache.install(&[0xb8, 42, 0, 0, 0, 0xc3]).unwrap();
        // SAFETY: the bytes above are a complete function returning 42.
        let f: extern "C" fn() -> u32 = unsafe { std::mem::transmute(addr as usize) };
        assert_eq!(f(), 42);
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        assert!(maps.lines().all(|l| !l.contains(" rwx")), "{maps}");
    }

    #[test]
    fn a_full_cache_refuses_code() {
        let mut cache = CodeCache::new(PAGE).unwrap();
        assert!(cache.install(&[0xc3; 4000]).is_ok());
        assert_eq!(cache.install(&[0xc3; 200]), Err(CacheError::Full));
    }
}
