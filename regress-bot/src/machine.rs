//! Which machine a run measured on: host name, CPU model, core count and OS, read from
//! the kernel's files (Linux) with plain fallbacks elsewhere.

use crate::store::Machine;

pub fn this_machine() -> Machine {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let hostname = read("/proc/sys/kernel/hostname").trim().to_string();
    let release = read("/proc/sys/kernel/osrelease").trim().to_string();
    Machine {
        hostname: if hostname.is_empty() {
            "unknown".into()
        } else {
            hostname
        },
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get() as i64),
        os: format!("{} {release}", std::env::consts::OS)
            .trim()
            .to_string(),
    }
}
