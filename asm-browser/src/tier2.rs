//! `--tier 2`: a tier-2 method's listing (through `introspect::Tier2Code` only): the IR
//! after each pass with the source line and bytecode index each instruction deopts to
//! (inlined frames named innermost first), then the Cranelift machine code grouped by
//! the bytecode it belongs to under its source line, with each deopt exit's check and
//! cold block marked. Rows linked through a frame state or an exit are exact; `~` marks
//! an attributed bytecode index (see `introspect::tier2_code`). Text, JSON, and the
//! rows the TUI's machine-code column browses.

use crate::method::{InstructionRow, MachineView, NO_BCI};
use som_vm::introspect::{IrRow, IrRowKind, MethodCode, Tier2Code};
use std::fmt::Write;

/// A tier-2 listing.
#[derive(Debug, Clone)]
pub struct Tier2Listing {
    pub label: String,
    pub file: String,
    pub code: Tier2Code,
    /// Bytecode text per bytecode index.
    pub bytecodes: Vec<String>,
}

/// The tier-2 listing of `code`, when `tier2` is its tier-2 code.
pub fn listing(code: &MethodCode, tier2: Tier2Code) -> Tier2Listing {
    let bytecodes = code
        .bytecodes
        .iter()
        .map(|b| {
            format!("{} {}", b.mnemonic, b.operands)
                .trim_end()
                .to_string()
        })
        .collect();
    Tier2Listing {
        label: code.label.clone(),
        file: code.file.clone(),
        code: tier2,
        bytecodes,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `@3`, or `Foo>>bar@7 in @3` for an inlined callee's frame (innermost first, the
/// compiled method's bytecode index last); `~` when attributed.
pub fn frames_text(code: &Tier2Code, row: &IrRow) -> String {
    let Some(((_, bci), inner)) = row.frames.split_last() else {
        return String::new();
    };
    let mut s = String::new();
    if !row.exact {
        s.push('~');
    }
    for (m, b) in inner {
        let _ = write!(s, "{}@{b} in ", code.label_of(*m));
    }
    let _ = write!(s, "@{bci}");
    s
}

impl Tier2Listing {
    fn source_line(&self, lines: &[&str], line: u32) -> String {
        let text = lines
            .get((line as usize).wrapping_sub(1))
            .map_or("", |l| l.trim());
        format!("{line:>4} | {text}")
    }

    /// Text: header, exits, each pass's IR, then the machine code.
    pub fn text(&self, source: Option<&str>) -> String {
        let c = &self.code;
        let lines: Vec<&str> = source.map(|s| s.lines().collect()).unwrap_or_default();
        let mut out = String::new();
        let _ = writeln!(out, "{} ({}) tier 2", self.label, self.file);
        let _ = writeln!(
            out,
            "code: {} bytes, entries {:?}",
            c.bytes.len(),
            c.entries
        );
        let _ = writeln!(out, "deopt exits:");
        for e in &c.exits {
            let kind = if e.speculative { "guard" } else { "slow path" };
            let bci = e.frames.last().map_or(0, |f| f.1);
            let _ = writeln!(
                out,
                "  exit {:>3}  {:<13} {kind:<9} bci {bci:>3}  fired {}",
                e.id, e.reason, e.fired
            );
        }
        for pass in &c.passes {
            let _ = writeln!(out, "== IR after {} ==", pass.name);
            let mut shown = None;
            for r in &pass.rows {
                let line = r.bci().and_then(|b| c.line(b));
                if line.is_some() && line != shown {
                    shown = line;
                    let _ = writeln!(out, "{}", self.source_line(&lines, line.unwrap_or(0)));
                }
                let indent = if r.kind == IrRowKind::Block {
                    "  "
                } else {
                    "      "
                };
                let exits = if r.exits.is_empty() {
                    String::new()
                } else {
                    format!(" exit {:?}", r.exits)
                };
                let _ = writeln!(out, "{indent}{:<60} ; {}{exits}", r.text, frames_text(c, r));
            }
        }
        let _ = writeln!(out, "== machine code ==");
        let (mut group, mut shown) = (None, None);
        for i in &c.instructions {
            if group != Some((i.bci, i.exit)) {
                group = Some((i.bci, i.exit));
                if let Some(b) = i.bci {
                    let line = c.line(b);
                    if line != shown {
                        shown = line;
                        let _ = writeln!(out, "{}", self.source_line(&lines, line.unwrap_or(0)));
                    }
                    let tilde = if i.exact { ' ' } else { '~' };
                    let bc = self.bytecodes.get(b as usize).map_or("", |s| s.as_str());
                    let exit = i.exit.map(|e| format!("  (exit {e})")).unwrap_or_default();
                    let _ = writeln!(out, "     {tilde}{b:>3}  {bc}{exit}");
                }
            }
            let _ = writeln!(
                out,
                "            {:>5x}  {:<24} {}",
                i.offset,
                hex(&i.bytes),
                i.text
            );
        }
        out
    }

    /// The same data as one JSON object.
    pub fn json(&self) -> serde_json::Value {
        let c = &self.code;
        let frames = |f: &[(som_vm::introspect::MethodKey, u32)]| -> Vec<serde_json::Value> {
            f.iter()
                .map(|(m, b)| serde_json::json!({"method": c.label_of(*m), "bci": b}))
                .collect()
        };
        serde_json::json!({
            "method": self.label,
            "file": self.file,
            "tier": 2,
            "address": c.address,
            "size": c.bytes.len(),
            "entry_bcis": c.entries,
            "exits": c.exits.iter().map(|e| serde_json::json!({
                "id": e.id, "reason": e.reason, "speculative": e.speculative,
                "fired": e.fired, "frames": frames(&e.frames),
            })).collect::<Vec<_>>(),
            "passes": c.passes.iter().map(|p| serde_json::json!({
                "pass": p.name,
                "rows": p.rows.iter().map(|r| serde_json::json!({
                    "text": r.text, "inst": r.inst, "frames": frames(&r.frames),
                    "exact": r.exact, "exits": r.exits,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "code": c.instructions.iter().map(|i| serde_json::json!({
                "offset": i.offset, "bytes": hex(&i.bytes), "text": i.text,
                "bci": i.bci, "line": i.line, "exit": i.exit, "exact": i.exact,
            })).collect::<Vec<_>>(),
        })
    }
}

/// The TUI's views of the machine-code column: the machine code, then each IR pass.
pub fn views(code: &Tier2Code) -> Vec<MachineView> {
    let machine = code
        .instructions
        .iter()
        .map(|i| InstructionRow {
            address: i.address,
            offset: i.offset,
            len: i.bytes.len() as u32,
            text: match i.exit {
                Some(e) => format!("{}  ; exit {e}", i.text),
                None => i.text.clone(),
            },
            bci: i.bci.unwrap_or(NO_BCI),
            slow: i.exit.is_some() && !i.text.starts_with('j'),
        })
        .collect();
    let mut out = vec![MachineView {
        title: format!("Tier 2: {} bytes at {:#x}", code.bytes.len(), code.address),
        rows: machine,
    }];
    for p in &code.passes {
        let rows = p
            .rows
            .iter()
            .enumerate()
            .map(|(k, r)| InstructionRow {
                address: 0,
                offset: k as u32,
                len: 0,
                text: format!("{} ; {}", r.text, frames_text(code, r)),
                bci: r.bci().unwrap_or(NO_BCI),
                slow: false,
            })
            .collect();
        out.push(MachineView {
            title: format!("Tier 2 IR after {}", p.name),
            rows,
        });
    }
    out
}
