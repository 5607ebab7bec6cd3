//! Tier 2's code columns, read from `introspect::Tier2Code`: the Cranelift machine code
//! (one heading per run of instructions of one bytecode and exit), one column per IR
//! pass, and a pass-to-pass diff of the IR (a longest common subsequence of the rows'
//! text: entities keep their numbers across passes, so unchanged rows compare equal).
//! Every row names the bytecode index it is linked to (see `introspect::tier2_code` for
//! which links are exact and which attributed; attributed ones show `~`).

use super::link::{CodeRow, Column, Representation, RowKind};
use super::method::MethodModel;
use som_vm::introspect::{IrPass, IrRow, IrRowKind, Tier2Code};

fn row(text: String, bci: Option<u32>, kind: RowKind) -> CodeRow {
    CodeRow {
        text,
        bcis: bci.into_iter().collect(),
        count: None,
        note: None,
        kind,
    }
}

/// The machine code under headings `bci bytecode (exit k Reason)`.
pub fn machine_column(m: &MethodModel, t2: &Tier2Code) -> Column {
    let mut rows = Vec::new();
    let mut group = None;
    for i in &t2.instructions {
        if group != Some((i.bci, i.exit)) {
            group = Some((i.bci, i.exit));
            let bc = i
                .bci
                .and_then(|b| m.code.bytecodes.get(b as usize))
                .map_or("(no bytecode)".to_string(), |b| m.bytecode_text(b));
            let exit = i.exit.and_then(|e| t2.exits.iter().find(|x| x.id == e));
            let tail = match exit {
                Some(e) => format!("  (exit {} {} x{})", e.id, e.reason, e.fired),
                None if !i.exact => "  ~".to_string(),
                None => String::new(),
            };
            rows.push(row(format!("{bc}{tail}"), i.bci, RowKind::Heading));
        }
        let text = format!("  {:012x}  {}", i.address, i.text);
        rows.push(row(text, i.bci, RowKind::Code));
    }
    Column {
        repr: Representation::MachineCode { tier: 2 },
        rows,
        absent: None,
    }
}

/// `@5`, `~@5`, or `Foo>>bar@2 in @5` for an inlined frame.
fn frames(t2: &Tier2Code, r: &IrRow) -> String {
    let Some(((_, bci), inner)) = r.frames.split_last() else {
        return String::new();
    };
    let mut s = if r.exact { String::new() } else { "~".into() };
    for (k, b) in inner {
        s.push_str(&format!("{}@{b} in ", t2.label_of(*k)));
    }
    s.push_str(&format!("@{bci}"));
    s
}

fn ir_row(t2: &Tier2Code, r: &IrRow, prefix: &str) -> CodeRow {
    let indent = if r.kind == IrRowKind::Inst {
        "    "
    } else {
        ""
    };
    let exits = if r.exits.is_empty() {
        String::new()
    } else {
        let fired: u64 = r
            .exits
            .iter()
            .filter_map(|e| t2.exits.iter().find(|x| x.id == *e))
            .map(|x| x.fired)
            .sum();
        format!("  exit {:?} x{fired}", r.exits)
    };
    let kind = match r.kind {
        IrRowKind::Inst => RowKind::Code,
        IrRowKind::Block | IrRowKind::State => RowKind::Heading,
    };
    let text = format!("{prefix}{indent}{}  ; {}{exits}", r.text, frames(t2, r));
    row(text, r.bci(), kind)
}

/// One column per IR pass, in pipeline order.
pub fn ir_columns(t2: &Tier2Code) -> Vec<Column> {
    t2.passes
        .iter()
        .enumerate()
        .map(|(k, p)| Column {
            repr: Representation::Ir {
                pass: format!("{k} {}", p.name),
            },
            rows: p.rows.iter().map(|r| ir_row(t2, r, "")).collect(),
            absent: None,
        })
        .collect()
}

/// A diff line: kept, removed (only in the earlier pass) or added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Kept,
    Removed,
    Added,
}

/// The rows of `a` and `b` as a diff, in order (a longest common subsequence of their
/// texts is kept).
pub fn diff<'a>(a: &'a IrPass, b: &'a IrPass) -> Vec<(Change, &'a IrRow)> {
    let (n, m) = (a.rows.len(), b.rows.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a.rows[i].text == b.rows[j].text {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a.rows[i].text == b.rows[j].text {
            out.push((Change::Kept, &b.rows[j]));
            (i, j) = (i + 1, j + 1);
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push((Change::Added, &b.rows[j]));
            j += 1;
        } else {
            out.push((Change::Removed, &a.rows[i]));
            i += 1;
        }
    }
    out
}

/// Per pass after the first, the diff from the pass before it (`+` added, `-` removed).
pub fn diff_columns(t2: &Tier2Code) -> Vec<Column> {
    t2.passes
        .windows(2)
        .enumerate()
        .map(|(k, w)| {
            let rows = diff(&w[0], &w[1])
                .into_iter()
                .map(|(c, r)| {
                    let prefix = match c {
                        Change::Kept => "  ",
                        Change::Removed => "- ",
                        Change::Added => "+ ",
                    };
                    ir_row(t2, r, prefix)
                })
                .collect();
            Column {
                repr: Representation::IrDiff {
                    from: w[0].name.clone(),
                    to: format!("{} {}", k + 1, w[1].name),
                },
                rows,
                absent: None,
            }
        })
        .collect()
}
