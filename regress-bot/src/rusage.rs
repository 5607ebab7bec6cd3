//! Process control the standard library lacks: the peak resident set size of one child
//! process, from `wait4`'s resource usage (Linux reports `ru_maxrss` in kilobytes), and
//! killing a child's whole process group. The one place in the crate with `unsafe`.

use std::io;
use std::process::{Command, Stdio};

/// Runs `cmd` with no input and discarded output; answers its exit code (`None` when a
/// signal ended it) and its peak resident set size in kilobytes.
pub fn run_for_max_rss(cmd: &mut Command) -> io::Result<(Option<i32>, i64)> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet waited for (`Child` is dropped without
        // waiting); `status` and `usage` are valid, exclusive pointers for the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    drop(child);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ok((code, usage.ru_maxrss))
}

/// Sends SIGKILL to the process group `pgid` (a child started with `process_group(0)`,
/// so its own children go too).
pub fn kill_process_group(pgid: u32) {
    // SAFETY: kill(2) takes plain integers; a negative pid names a process group, and
    // `pgid` is a group we created for our own child.
    unsafe {
        libc::kill(-(pgid as libc::pid_t), libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_that_allocates_more_has_a_larger_peak() {
        let small = run_for_max_rss(Command::new("sh").args(["-c", "exit 3"])).unwrap();
        assert_eq!(small.0, Some(3));
        assert!(small.1 > 0);
        let big = run_for_max_rss(Command::new("python3").args([
            "-c",
            "x = bytearray(64 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])",
        ]))
        .unwrap();
        assert_eq!(big.0, Some(0));
        assert!(big.1 > small.1 + 60 * 1024, "{big:?} vs {small:?}");
    }
}
