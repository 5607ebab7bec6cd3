//! How the process asks the kernel for memory (small pages only) and what it holds
//! (peak resident memory for the statistics). mimalloc advises huge
//! pages on its arena (`MADV_HUGEPAGE`), and under the common `madvise` setting of
//! transparent huge pages each first touch of a 2 MiB range then makes all of it
//! resident: `Hello.som` peaked at 16 MiB, 12 of them six mostly empty huge pages, and
//! every AWFY benchmark paid 5 to 30 MiB for them. `PR_SET_THP_DISABLE` turns them off
//! for the whole process; it runs from the executable's initialisation array, before
//! the Rust runtime's first allocation, because a page already faulted in stays huge.

/// Disables transparent huge pages for this process (and the programs it starts).
extern "C" fn disable_transparent_huge_pages() {
    // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` reads integer arguments only and
    // changes a flag of the calling process; it cannot touch memory the program owns.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// The loader runs the functions of `.init_array` before `main` and before the Rust
/// runtime allocates.
#[used]
#[unsafe(link_section = ".init_array")]
static DISABLE_THP_AT_LOAD: extern "C" fn() = disable_transparent_huge_pages;

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
