//! Cache prefetch for the marker: asks the processor to bring a table entry or an
//! object's body toward the cache some objects before the marker reads it, so the
//! misses of a mark (one per live table entry, one per body) overlap instead of
//! following one another.

/// Hints that the bytes at `at` will be read soon. Never faults, whatever `at` is.
#[inline(always)]
pub(crate) fn prefetch<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` is a hint: it reads no memory architecturally and cannot
    // fault on any address, and SSE is part of the x86-64 baseline.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(at as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
