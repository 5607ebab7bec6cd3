//! Running the `som` binary as a child process and reading back what tools may read: the
//! exit status, the program's own output bytes, and the `--stats-json` object. Never the
//! VM's human-readable reports. Fields a VM version does not write are absent, not errors.

use serde::Deserialize;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The object `som --stats-json FILE` writes. Every field is optional so that older and
/// newer VMs both read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct VmStats {
    pub logical_clock: Option<u64>,
    pub bytecodes: Option<u64>,
    pub sends_monomorphic: Option<u64>,
    pub sends_polymorphic: Option<u64>,
    pub sends_megamorphic: Option<u64>,
    pub gc_count: Option<u64>,
    pub gc_pause_ms: Option<f64>,
    pub peak_heap_bytes: Option<u64>,
    pub jit_compile_ms: Option<f64>,
    pub methods_compiled_tier1: Option<u64>,
    pub methods_compiled_tier2: Option<u64>,
}

impl VmStats {
    /// The deterministic and resource figures as (metric, value) pairs, absent ones left out.
    pub fn metrics(&self) -> Vec<(&'static str, f64)> {
        let ints = [
            ("logical_clock", self.logical_clock),
            ("bytecodes", self.bytecodes),
            ("gc_count", self.gc_count),
            ("peak_heap_bytes", self.peak_heap_bytes),
            ("methods_compiled_tier1", self.methods_compiled_tier1),
            ("methods_compiled_tier2", self.methods_compiled_tier2),
        ];
        let mut out: Vec<_> = ints
            .iter()
            .filter_map(|(k, v)| v.map(|v| (*k, v as f64)))
            .collect();
        if let Some(ms) = self.jit_compile_ms {
            out.push(("jit_compile_ms", ms));
        }
        out
    }
}

/// What one run of `som` produced.
#[derive(Debug, Clone)]
pub struct VmOutcome {
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stats: Option<VmStats>,
    /// Killed after the time limit.
    pub timed_out: bool,
}

/// One invocation: the binary, VM options (tier flags), class path and program with args.
#[derive(Debug, Clone)]
pub struct VmCall<'a> {
    pub som: &'a Path,
    pub options: &'a [String],
    pub class_path: &'a [PathBuf],
    pub program: &'a Path,
    pub args: &'a [String],
}

impl VmCall<'_> {
    /// The command without `--stats-json`.
    pub fn command(&self) -> Command {
        let mut c = Command::new(self.som);
        c.args(self.options);
        if !self.class_path.is_empty() {
            let joined: Vec<String> = self
                .class_path
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            c.arg("-cp").arg(joined.join(":"));
        }
        c
    }

    /// Runs once, asking for `--stats-json` in `scratch` (a file path); a VM that does not
    /// know the flag or fails before writing it gives `stats: None`.
    pub fn run_with_stats(&self, scratch: &Path) -> std::io::Result<VmOutcome> {
        self.run_with_stats_within(scratch, None)
    }

    /// As `run_with_stats`, but a run longer than `limit` is killed and answers
    /// `timed_out` (shrinking can produce programs that never stop).
    pub fn run_with_stats_within(
        &self,
        scratch: &Path,
        limit: Option<Duration>,
    ) -> std::io::Result<VmOutcome> {
        let _ = std::fs::remove_file(scratch);
        let mut c = self.command();
        c.arg("--stats-json").arg(scratch);
        c.arg(self.program).args(self.args);
        let (status, stdout, stderr, timed_out) = output_within(&mut c, limit)?;
        let stats = std::fs::read_to_string(scratch)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let _ = std::fs::remove_file(scratch);
        Ok(VmOutcome {
            status,
            stdout,
            stderr,
            stats,
            timed_out,
        })
    }
}

type Output = (Option<i32>, Vec<u8>, Vec<u8>, bool);

/// Runs `cmd` to completion or until `limit`, collecting stdout and stderr.
fn output_within(cmd: &mut Command, limit: Option<Duration>) -> std::io::Result<Output> {
    let Some(limit) = limit else {
        let out = cmd.output()?;
        return Ok((out.status.code(), out.stdout, out.stderr, false));
    };
    let mut child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait()? {
            break (status.code(), false);
        }
        if Instant::now() >= deadline {
            crate::rusage::kill_process_group(child.id());
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok((status, stdout, stderr, timed_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_over_its_time_limit_is_killed() {
        let scratch =
            std::env::temp_dir().join(format!("som-regress-timeout-{}", std::process::id()));
        let call = VmCall {
            som: Path::new("sh"),
            options: &["-c".to_string(), "echo start; sleep 5".to_string()],
            class_path: &[],
            program: Path::new("sh"),
            args: &[],
        };
        let began = Instant::now();
        let o = call
            .run_with_stats_within(&scratch, Some(Duration::from_millis(200)))
            .unwrap();
        assert!(o.timed_out);
        assert_eq!(o.status, None);
        assert_eq!(o.stdout, b"start\n");
        assert!(began.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn stats_read_with_missing_and_unknown_fields() {
        let s: VmStats =
            serde_json::from_str(r#"{"logical_clock":12,"bytecodes":40,"future_field":1}"#)
                .unwrap();
        assert_eq!(s.logical_clock, Some(12));
        assert_eq!(s.peak_heap_bytes, None);
        assert_eq!(
            s.metrics(),
            vec![("logical_clock", 12.0), ("bytecodes", 40.0)]
        );
    }
}
