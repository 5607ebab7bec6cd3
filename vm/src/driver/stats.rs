//! The run statistics as one table: logical clock, bytecodes executed, sends by
//! inline-cache state, collections, pause time (total, maximum, percentiles), peak heap
//! and peak resident memory, tier-1 compilation
//! (methods compiled and refused, by reason, code bytes, compile time and the part of
//! it spent on debug info for native tools, OSR entries). `--stats` prints the table
//! as text, `--stats-json` as one flat JSON object (stable keys that benchmark tools
//! read); both come from `figures`, so they cannot disagree.

use crate::native::Refusal;
use crate::runtime::vm::Vm;
use std::fmt::Write as _;

/// One figure's value.
enum Figure {
    Count(u64),
    Bytes(u64),
    Millis(f64),
}

/// One row: JSON key, text label, value.
type Row = (&'static str, String, Figure);

impl Vm {
    fn figures(&self) -> Vec<Row> {
        use Figure::{Bytes, Count, Millis};
        let s = &self.stats;
        let j = &self.jit.stats;
        let t = &self.tier2.stats;
        let p = &self.heap.pauses;
        let peak = self.heap.peak_bytes.max(s.peak_heap);
        let ms = |d: std::time::Duration| Millis(d.as_secs_f64() * 1000.0);
        let mut rows: Vec<Row> = vec![
            ("logical_clock", "logical clock".into(), Count(s.clock)),
            ("bytecodes", "bytecodes executed".into(), Count(s.bytecodes)),
            (
                "sends_monomorphic",
                "sends monomorphic".into(),
                Count(s.sends_monomorphic),
            ),
            (
                "sends_polymorphic",
                "sends polymorphic".into(),
                Count(s.sends_polymorphic),
            ),
            (
                "sends_megamorphic",
                "sends megamorphic".into(),
                Count(s.sends_megamorphic),
            ),
            ("gc_count", "gc count".into(), Count(s.gc_count)),
            ("gc_pause_ms", "gc pause total".into(), ms(s.gc_pause)),
            ("gc_max_pause_ms", "gc pause max".into(), ms(p.max())),
            (
                "gc_pause_p50_ms",
                "gc pause p50".into(),
                ms(p.percentile(50)),
            ),
            (
                "gc_pause_p90_ms",
                "gc pause p90".into(),
                ms(p.percentile(90)),
            ),
            (
                "gc_pause_p99_ms",
                "gc pause p99".into(),
                ms(p.percentile(99)),
            ),
            ("peak_heap_bytes", "peak heap".into(), Bytes(peak as u64)),
            (
                "peak_rss_bytes",
                "peak resident memory".into(),
                Bytes(crate::object::os_pages::peak_rss_bytes()),
            ),
            (
                "jit_compile_ms",
                "jit compile time".into(),
                ms(j.compile_time),
            ),
            (
                "methods_compiled_tier1",
                "methods compiled, tier 1".into(),
                Count(j.methods_compiled),
            ),
            (
                "methods_compiled_tier2",
                "methods compiled, tier 2".into(),
                Count(t.methods_compiled),
            ),
            (
                "methods_refused_tier1",
                "methods kept in tier 0".into(),
                Count(j.methods_refused),
            ),
        ];
        let keys = [
            "refused_not_bytecode",
            "refused_cache_full",
            "refused_cache_unavailable",
            "refused_assembler",
        ];
        for (reason, key) in Refusal::ALL.into_iter().zip(keys) {
            let label = format!("  of them: {}", reason.describe());
            rows.push((key, label, Count(j.refused_by[reason as usize])));
        }
        rows.extend([
            ("code_bytes", "code bytes".into(), Bytes(j.code_bytes)),
            ("osr_entries", "osr entries".into(), Count(j.osr_entries)),
            (
                "jit_debug_info_ms",
                "of compile time, debug info".into(),
                ms(j.debug_info_time),
            ),
            (
                "tier2_compile_ms",
                "tier-2 compile time".into(),
                ms(t.compile_time),
            ),
            (
                "tier2_code_bytes",
                "tier-2 code bytes".into(),
                Bytes(t.code_bytes),
            ),
            ("deopts", "deopts".into(), Count(t.deopts)),
            (
                "tier2_recompiles",
                "tier-2 recompilations".into(),
                Count(t.recompiles),
            ),
            (
                "methods_refused_tier2",
                "methods kept out of tier 2".into(),
                Count(t.methods_refused),
            ),
        ]);
        for (n, (key, label)) in crate::tier2::Refusal::KINDS.iter().enumerate() {
            let label = format!("  of them: {label}");
            rows.push((tier2_keys(key), label, Count(t.refused_by[n])));
        }
        rows
    }

    /// The `--stats` text: the table, then the assembler's message for each method it
    /// refused.
    pub(crate) fn stats_report(&self) -> String {
        let mut out = String::from("--- som statistics ---\n");
        for (_, label, value) in self.figures() {
            let _ = match value {
                Figure::Count(n) => writeln!(out, "{:<36}{n}", format!("{label}:")),
                Figure::Bytes(n) => writeln!(out, "{:<36}{n} bytes", format!("{label}:")),
                Figure::Millis(t) => writeln!(out, "{:<36}{t:.3} ms", format!("{label}:")),
            };
        }
        for (method, message) in &self.jit.refusals {
            let _ = writeln!(out, "refused {}: {message}", self.method_name(*method));
        }
        for (method, message) in &self.tier2.refusals {
            let name = self.method_name(*method);
            let _ = writeln!(out, "tier 2 refused {name}: {message}");
        }
        out
    }

    /// The statistics as one JSON object (keys are stable; tools read them).
    pub(crate) fn stats_json(&self) -> String {
        let fields: Vec<String> = self
            .figures()
            .into_iter()
            .map(|(key, _, value)| match value {
                Figure::Count(n) | Figure::Bytes(n) => format!("\"{key}\":{n}"),
                Figure::Millis(t) => format!("\"{key}\":{t:.3}"),
            })
            .collect();
        format!("{{{}}}\n", fields.join(","))
    }
}

/// The `--stats-json` key of a tier-2 refusal kind.
fn tier2_keys(kind: &str) -> &'static str {
    match kind {
        "not_bytecode" => "tier2_refused_not_bytecode",
        "too_large" => "tier2_refused_too_large",
        "unsupported" => "tier2_refused_unsupported",
        "backend" => "tier2_refused_backend",
        "cache_full" => "tier2_refused_cache_full",
        _ => "tier2_refused_keeps_deoptimizing",
    }
}
