//! Running the `som` binary as a child process and reading back what tools may read: the
//! exit status, the program's own output bytes, and the `--stats-json` object. Never the
//! VM's human-readable reports. Fields a VM version does not write are absent, not errors.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

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
        let _ = std::fs::remove_file(scratch);
        let mut c = self.command();
        c.arg("--stats-json").arg(scratch);
        c.arg(self.program).args(self.args);
        let out = c.output()?;
        let stats = std::fs::read_to_string(scratch)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let _ = std::fs::remove_file(scratch);
        Ok(VmOutcome {
            status: out.status.code(),
            stdout: out.stdout,
            stderr: out.stderr,
            stats,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
