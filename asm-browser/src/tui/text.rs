//! What each row and the detail line say, as plain strings (no styling): the picker's
//! rows and header, the rows of the three columns, and the detail line describing the
//! row under the focused cursor with its counterparts. `render` adds markers and styles.

use super::layout::Screen;
use super::state::App;
use crate::method::{Column, MethodData};
use crate::program::MethodEntry;

/// `1234`, `12.3k`, `4.5M`, `6.7G`.
pub fn count(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=9_999_999 => format!("{:.1}k", n as f64 / 1e3),
        10_000_000..=9_999_999_999 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}

fn optional(n: Option<u64>) -> String {
    n.map_or("-".into(), count)
}

pub const PICKER_HEADER: &str = "tier   calls bytecodes   code  method";

/// One picker row (without the cursor marker).
pub fn picker_row(e: &MethodEntry) -> String {
    let tier = if e.is_primitive {
        "prim".to_string()
    } else {
        format!("T{}", e.tier)
    };
    let code = if e.code_size > 0 {
        e.code_size.to_string()
    } else {
        "-".into()
    };
    let indent = if e.is_block { "  " } else { "" };
    format!(
        "{tier:<4} {:>7} {:>9} {code:>6}  {indent}{}",
        optional(e.calls),
        optional(e.bytecodes),
        e.label
    )
}

/// One row of a column (without markers). `addresses`: show absolute addresses.
pub fn column_row(data: &MethodData, column: Column, row: usize, addresses: bool) -> String {
    match column {
        Column::Source => {
            let s = &data.source[row];
            format!("{:>4} {}", s.line, s.text)
        }
        Column::Bytecodes => {
            let b = &data.bytecodes[row];
            let entry = if b.entry { '•' } else { ' ' };
            let count = b
                .count
                .map(|c| format!("{:>6} ", count(c)))
                .unwrap_or_default();
            let site = b
                .site
                .as_ref()
                .map(|s| format!(" ; {s}"))
                .unwrap_or_default();
            format!("{entry}{:>3} {count}{}{site}", b.bci, b.text)
        }
        Column::Machine => {
            let i = &data.instructions[row];
            let first = row == 0 || data.instructions[row - 1].bci != i.bci;
            let bci = match (first, i.slow) {
                _ if first && i.bci == crate::method::NO_BCI => "   -".into(),
                (true, false) => format!("{:>4}", i.bci),
                (true, true) => format!("s{:>3}", i.bci),
                (false, _) => "    ".into(),
            };
            if addresses {
                format!("{:012x} {bci} {}", i.address, i.text)
            } else {
                format!("{:>5x} {bci} {}", i.offset, i.text)
            }
        }
    }
}

/// The title of a column.
pub fn column_title(data: &MethodData, column: Column) -> String {
    if let (Column::Machine, Some(v)) = (column, data.views.get(data.view)) {
        return format!(
            "{} ({}/{}, p: next)",
            v.title,
            data.view + 1,
            data.views.len()
        );
    }
    match (column, data.native) {
        (Column::Source, _) => format!("Source {}", data.file),
        (Column::Bytecodes, _) => format!("Bytecodes ({})", data.bytecodes.len()),
        (Column::Machine, Some(n)) => {
            format!("Tier 1: {} bytes at {:#x}", n.size, n.address)
        }
        (Column::Machine, None) => "Tier 1".into(),
    }
}

/// The detail line: what the focused row is and what it links to.
pub fn detail(app: &App) -> String {
    match (app.screen, &app.method) {
        (Screen::Method, Some(m)) => {
            let row = m.cursors[app.focus.index()].row;
            method_detail(&m.data, app.focus, row)
        }
        _ => match app.selected_entry() {
            Some(e) => format!("{}  {}:{}", e.label, e.file, e.line),
            None => "no method matches".into(),
        },
    }
}

fn method_detail(data: &MethodData, column: Column, row: usize) -> String {
    let linked = data.linked(column, row);
    let instructions = |bcis: &std::collections::BTreeSet<u32>| {
        data.instructions
            .iter()
            .filter(|i| bcis.contains(&i.bci))
            .count()
    };
    match column {
        Column::Source if row < data.source.len() => {
            let n = linked.bcis.len();
            match (linked.bcis.first(), linked.bcis.last()) {
                (Some(a), Some(b)) => format!(
                    "line {}: {n} bytecodes (bci {a}..{b}), {} instructions",
                    data.source[row].line,
                    instructions(&linked.bcis)
                ),
                _ => format!("line {}: no bytecodes", data.source[row].line),
            }
        }
        Column::Bytecodes if row < data.bytecodes.len() => {
            let b = &data.bytecodes[row];
            let mut parts = vec![
                format!("bci {} {}", b.bci, b.text),
                format!("line {}", b.line),
            ];
            parts.extend(b.site.as_ref().map(|s| format!("cache {s}")));
            parts.extend(b.count.map(|c| format!("executed {c}")));
            let code: u32 = data.instructions_of(b.bci).map(|i| i.len).sum();
            if data.native.is_some() {
                let n = instructions(&linked.bcis);
                parts.push(format!("{n} instructions, {code} bytes"));
            }
            parts.join(" | ")
        }
        Column::Machine if row < data.instructions.len() => {
            let i = &data.instructions[row];
            let b = data.bytecodes.get(i.bci as usize);
            let kind = if i.slow { "slow path" } else { "template" };
            // The line before the bytecode's text, which may be long enough to be cut.
            format!(
                "{:#x} (+{:#x}) {} | line {} | {kind} of bci {} {}",
                i.address,
                i.offset,
                i.text,
                b.map_or(0, |b| b.line),
                i.bci,
                b.map_or("", |b| b.text.as_str()),
            )
        }
        Column::Machine => "not compiled in tier 1".into(),
        _ => String::new(),
    }
}
