//! som-asm's model: a method's listing built from the VM's code artifacts (through
//! `som_vm::introspect` only): source lines, bytecodes with their inline-cache sites,
//! and the tier-1 machine code each bytecode became, interleaved, plus the slow paths
//! (out-of-line code) under the bytecode they belong to. Renders as text or JSON.
//!
//! `program` runs a program and indexes its methods, `method` holds one method's
//! columns and their linking, `tier2` is the tier-2 listing (IR per pass, Cranelift
//! code), `tui` is the interactive browser on both.

pub mod method;
pub mod names;
pub mod program;
pub mod targets;
pub mod tier2;
pub mod tui;

use som_vm::introspect::{MethodCode, NativeCode, View};
use std::fmt::Write;

/// One bytecode with the machine code of its template (inline) and slow paths.
#[derive(Debug, Clone)]
pub struct Row {
    pub bci: u32,
    pub line: u32,
    pub bytecode: String,
    pub site: Option<String>,
    /// (offset, bytes, instruction text)
    pub inline: Vec<(u32, Vec<u8>, String)>,
    pub slow: Vec<(u32, Vec<u8>, String)>,
}

/// A method's listing.
#[derive(Debug, Clone)]
pub struct Listing {
    pub label: String,
    pub file: String,
    pub tier: u8,
    pub address: Option<u64>,
    pub size: usize,
    pub entry_bcis: Vec<u32>,
    pub rows: Vec<Row>,
}

/// The listing of `code` at `tier` (1 needs machine code; `None` when there is none).
pub fn listing(view: &View<'_>, code: &MethodCode, tier: u8) -> Option<Listing> {
    let native: Option<NativeCode> = if tier >= 1 {
        Some(view.native_code(code.key)?)
    } else {
        None
    };
    let mut rows: Vec<Row> = code
        .bytecodes
        .iter()
        .map(|b| Row {
            bci: b.bci,
            line: b.line,
            bytecode: format!("{} {}", b.mnemonic, b.operands)
                .trim_end()
                .to_string(),
            site: b
                .send
                .as_ref()
                .map(|s| format!("{} cache [{}]", s.selector, s.cached_classes.join(", "))),
            inline: Vec::new(),
            slow: Vec::new(),
        })
        .collect();
    if let Some(n) = &native {
        let instructions = n.instructions();
        let slow = method::slow_path_flags(&instructions);
        let texts = targets::annotate(n, &instructions, targets::Symbols::of_the_vm());
        for ((i, slow), text) in instructions.into_iter().zip(slow).zip(texts) {
            let row = &mut rows[i.bci as usize];
            let entry = (i.offset, i.bytes, text);
            if slow {
                row.slow.push(entry);
            } else {
                row.inline.push(entry);
            }
        }
    }
    Some(Listing {
        label: code.label.clone(),
        file: code.file.clone(),
        tier,
        address: native.as_ref().map(|n| n.address),
        size: native.as_ref().map_or(0, |n| n.bytes.len()),
        entry_bcis: native.map(|n| n.entry_bcis).unwrap_or_default(),
        rows,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Listing {
    /// Text: a header, then per source line its bytecodes, each followed by its
    /// machine code (offsets from the method's start; `*` marks entry points).
    pub fn text(&self, source: Option<&str>) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{} ({}) tier {}", self.label, self.file, self.tier);
        if self.tier >= 1 {
            let _ = writeln!(out, "code: {} bytes", self.size);
        }
        let lines: Vec<&str> = source.map(|s| s.lines().collect()).unwrap_or_default();
        let mut shown = 0;
        for r in &self.rows {
            if r.line != shown {
                shown = r.line;
                let text = lines.get(r.line as usize - 1).map_or("", |l| l.trim());
                let _ = writeln!(out, "{:>4} | {}", r.line, text);
            }
            let mark = if self.entry_bcis.contains(&r.bci) {
                '*'
            } else {
                ' '
            };
            let site = r
                .site
                .as_ref()
                .map(|s| format!("   ; {s}"))
                .unwrap_or_default();
            let _ = writeln!(out, "     {mark}{:>3}  {}{}", r.bci, r.bytecode, site);
            for (off, bytes, text) in &r.inline {
                let _ = writeln!(out, "            {off:>5x}  {:<24} {text}", hex(bytes));
            }
        }
        if self.rows.iter().any(|r| !r.slow.is_empty()) {
            let _ = writeln!(out, "slow paths:");
            for r in self.rows.iter().filter(|r| !r.slow.is_empty()) {
                let _ = writeln!(out, "      {:>3}  {}", r.bci, r.bytecode);
                for (off, bytes, text) in &r.slow {
                    let _ = writeln!(out, "            {off:>5x}  {:<24} {text}", hex(bytes));
                }
            }
        }
        out
    }

    /// The same data as one JSON object, for other tools.
    pub fn json(&self) -> serde_json::Value {
        let code = |v: &[(u32, Vec<u8>, String)]| -> Vec<serde_json::Value> {
            v.iter()
                .map(|(o, b, t)| serde_json::json!({"offset": o, "bytes": hex(b), "text": t}))
                .collect()
        };
        serde_json::json!({
            "method": self.label,
            "file": self.file,
            "tier": self.tier,
            "address": self.address,
            "size": self.size,
            "entry_bcis": self.entry_bcis,
            "bytecodes": self.rows.iter().map(|r| serde_json::json!({
                "bci": r.bci,
                "line": r.line,
                "bytecode": r.bytecode,
                "site": r.site,
                "code": code(&r.inline),
                "slow_paths": code(&r.slow),
            })).collect::<Vec<_>>(),
        })
    }
}
