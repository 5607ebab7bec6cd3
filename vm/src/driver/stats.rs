//! The `--stats` report: logical clock, bytecodes executed, sends by inline-cache state,
//! collections, pause time and peak heap, tier-1 compilation (methods, code bytes,
//! compile time and the part of it spent on debug info for native tools, OSR
//! entries); `--stats-json` writes the same figures as one
//! JSON object, the stable machine-readable form that benchmark tools read.

use crate::runtime::vm::Vm;

impl Vm {
    pub(crate) fn stats_report(&self) -> String {
        let s = &self.stats;
        let j = &self.jit.stats;
        let peak = self.heap.peak_bytes.max(s.peak_heap);
        format!(
            "--- som statistics ---\n\
             logical clock:        {}\n\
             bytecodes executed:   {}\n\
             sends monomorphic:    {}\n\
             sends polymorphic:    {}\n\
             sends megamorphic:    {}\n\
             gc count:             {}\n\
             gc pause total:       {:.3} ms\n\
             peak heap:            {} bytes\n\
             methods compiled:     tier 1: {}, tier 2: 0\n\
             methods kept in tier 0: {}\n\
             code bytes:           {}\n\
             jit compile time:     {:.3} ms\n\
             of it, debug info:    {:.3} ms\n\
             osr entries:          {}\n",
            s.clock,
            s.bytecodes,
            s.sends_monomorphic,
            s.sends_polymorphic,
            s.sends_megamorphic,
            s.gc_count,
            s.gc_pause.as_secs_f64() * 1000.0,
            peak,
            j.methods_compiled,
            j.methods_refused,
            j.code_bytes,
            j.compile_time.as_secs_f64() * 1000.0,
            j.debug_info_time.as_secs_f64() * 1000.0,
            j.osr_entries,
        )
    }

    /// The statistics as one JSON object (keys are stable; tools read them).
    pub(crate) fn stats_json(&self) -> String {
        let s = &self.stats;
        let j = &self.jit.stats;
        let peak = self.heap.peak_bytes.max(s.peak_heap);
        format!(
            "{{\"logical_clock\":{},\"bytecodes\":{},\"sends_monomorphic\":{},\
             \"sends_polymorphic\":{},\"sends_megamorphic\":{},\"gc_count\":{},\
             \"gc_pause_ms\":{:.3},\"peak_heap_bytes\":{},\"jit_compile_ms\":{:.3},\
             \"methods_compiled_tier1\":{},\"methods_compiled_tier2\":0,\
             \"methods_refused_tier1\":{},\"code_bytes\":{},\"osr_entries\":{},\
             \"jit_debug_info_ms\":{:.3}}}\n",
            s.clock,
            s.bytecodes,
            s.sends_monomorphic,
            s.sends_polymorphic,
            s.sends_megamorphic,
            s.gc_count,
            s.gc_pause.as_secs_f64() * 1000.0,
            peak,
            j.compile_time.as_secs_f64() * 1000.0,
            j.methods_compiled,
            j.methods_refused,
            j.code_bytes,
            j.osr_entries,
            j.debug_info_time.as_secs_f64() * 1000.0,
        )
    }
}
