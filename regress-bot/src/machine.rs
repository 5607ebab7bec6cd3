//! Which machine a run measured on: a configurable name (else the host name), CPU model,
//! core count, memory and kernel, read from the kernel's files (Linux) with plain
//! fallbacks elsewhere. The name, CPU, cores and memory make the machine kind that
//! comparisons stay within.

use crate::store::Machine;

/// The environment variable that names the machine when `--machine` is not given.
pub const MACHINE_ENV: &str = "SOM_REGRESS_MACHINE";

pub fn this_machine(name: Option<&str>) -> Machine {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let hostname = match read("/proc/sys/kernel/hostname").trim() {
        "" => "unknown".to_string(),
        h => h.to_string(),
    };
    let release = read("/proc/sys/kernel/osrelease").trim().to_string();
    let memory_kb: i64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let name = name
        .map(str::to_string)
        .or_else(|| std::env::var(MACHINE_ENV).ok().filter(|n| !n.is_empty()))
        .unwrap_or_else(|| hostname.clone());
    Machine {
        name,
        hostname,
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get() as i64),
        memory_mb: memory_kb / 1024,
        kernel: format!("{} {release}", std::env::consts::OS)
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_part_of_the_kind_and_the_kernel_only_of_the_fingerprint() {
        let a = this_machine(Some("runner-a"));
        let mut b = a.clone();
        b.kernel.push_str("-other");
        assert_eq!(a.kind(), b.kind());
        assert!(a.kind().starts_with("runner-a ("), "{}", a.kind());
        assert_ne!(a.fingerprint("rustc 1"), b.fingerprint("rustc 1"));
        assert_ne!(a.fingerprint("rustc 1"), a.fingerprint("rustc 2"));
        assert_eq!(a.fingerprint("rustc 1"), a.clone().fingerprint("rustc 1"));
        assert_ne!(this_machine(Some("runner-b")).kind(), a.kind());
    }
}
