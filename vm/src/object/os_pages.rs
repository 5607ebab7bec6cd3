//! How the process asks the kernel for memory (small pages only, freed pages returned
//! at once) and what it holds (peak resident memory for the statistics). mimalloc advises huge
//! pages on its arena (`MADV_HUGEPAGE`), and under the common `madvise` setting of
//! transparent huge pages each first touch of a 2 MiB range then makes all of it
//! resident: `Hello.som` peaked at 16 MiB, 12 of them six mostly empty huge pages, and
//! every AWFY benchmark paid 5 to 30 MiB for them. `PR_SET_THP_DISABLE` turns them off
//! for the whole process; it runs from the executable's initialisation array, before
//! the Rust runtime's first allocation, because a page already faulted in stays huge.

/// mimalloc's `mi_option_purge_delay` (index 15 of `mi_option_t` in both its v2 and v3
/// headers): milliseconds before freed pages go back to the kernel.
const MI_OPTION_PURGE_DELAY: libc::c_int = 15;

// Links mimalloc's library into every artifact of this crate (the binary's global
// allocator, and the tests, which run on the system allocator but set the option too).
extern crate mimalloc as _;

extern "C" {
    /// mimalloc's option setter.
    fn mi_option_set(option: libc::c_int, value: libc::c_long);
}

/// Disables transparent huge pages for this process (and the programs it starts), and
/// makes mimalloc return freed pages at once: with its default delay (10 ms, times 10
/// for arena pages) memory a collection or a compilation just freed was still resident
/// at the peak (CD 20.6 MiB, 15.2 without the delay, at the same CPU time).
extern "C" fn small_resident_memory() {
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` reads integer arguments only and
    // changes a flag of the calling process; it cannot touch memory the program owns.
    // `mi_option_set` writes one entry of mimalloc's static option table, which is
    // valid before mimalloc's own initialisation (options are read when used).
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
}

/// The loader runs the functions of `.init_array` before `main` and before the Rust
/// runtime allocates.
#[used]
#[unsafe(link_section = ".init_array")]
static SMALL_RESIDENT_MEMORY_AT_LOAD: extern "C" fn() = small_resident_memory;

/// The process's peak resident memory in bytes (`VmHWM` of `/proc/self/status`; 0
/// where the kernel does not report it).
pub(crate) fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Whether transparent huge pages are off for this process (1 from `PR_GET_THP_DISABLE`).
#[cfg(test)]
pub(crate) fn huge_pages_disabled() -> bool {
    // SAFETY: `PR_GET_THP_DISABLE` reads the calling process's flag, touching no memory.
    unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1 }
}

#[cfg(test)]
mod tests {
    #[test]
    fn huge_pages_are_off_before_main() {
        assert!(super::huge_pages_disabled());
    }

    #[test]
    fn peak_resident_memory_is_read() {
        assert!(super::peak_rss_bytes() > 1 << 20);
    }
}
