//! Linking: what a click on a source line, a block, a bytecode or a row of any code
//! column (tier-1 machine instructions through their pc map, tier-2 IR rows through
//! their frame states, tier-2 machine code through its deopt exits) selects in
//! every other pane. Every representation maps its rows to bytecode indices; bytecode
//! indices are the common currency from which lines and blocks follow.

use super::cfg::BlockId;
use super::method::MethodModel;
use super::tiers::JIT_TIERS;
use som_vm::introspect::NativeCode;
use std::collections::BTreeSet;

/// What the user clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Line(u32),
    Block(BlockId),
    Bytecode(u32),
    /// Row `row` of code column `column` (see [`Column`]).
    Row {
        column: usize,
        row: usize,
    },
}

/// The counterparts of a pick in every pane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub pick: Option<Pick>,
    pub lines: BTreeSet<u32>,
    pub blocks: BTreeSet<BlockId>,
    pub bcis: BTreeSet<u32>,
}

impl Selection {
    /// Resolves a pick against a method and its code columns.
    pub fn of(pick: Pick, m: &MethodModel, columns: &[Column]) -> Selection {
        let bcis: BTreeSet<u32> = match pick {
            Pick::Line(l) => m
                .code
                .bytecodes
                .iter()
                .filter(|b| b.line == l)
                .map(|b| b.bci)
                .collect(),
            Pick::Block(b) => m.cfg.block(b).bcis().collect(),
            Pick::Bytecode(i) => BTreeSet::from([i]),
            Pick::Row { column, row } => columns
                .get(column)
                .and_then(|c| c.rows.get(row))
                .map(|r| r.bcis.iter().copied().collect())
                .unwrap_or_default(),
        };
        let bcis: BTreeSet<u32> = bcis
            .into_iter()
            .filter(|&i| (i as usize) < m.code.bytecodes.len())
            .collect();
        let mut lines: BTreeSet<u32> = bcis
            .iter()
            .map(|&i| m.code.bytecodes[i as usize].line)
            .collect();
        if let Pick::Line(l) = pick {
            lines.insert(l);
        }
        let blocks = bcis.iter().map(|&i| m.cfg.block_of[i as usize]).collect();
        Selection {
            pick: Some(pick),
            lines,
            blocks,
            bcis,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pick.is_none()
    }

    /// Whether a code row is a counterpart of the selection.
    pub fn has_row(&self, row: &CodeRow) -> bool {
        row.bcis.iter().any(|i| self.bcis.contains(i))
    }
}

/// A code representation a column shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Representation {
    /// Tier 0: the bytecode itself.
    Bytecode,
    /// Native code of a JIT tier (1 baseline, 2 optimizing).
    MachineCode { tier: u8 },
    /// Tier-2 IR after a named pass.
    Ir { pass: String },
    /// What a pass changed in the tier-2 IR (`to` is the pass).
    IrDiff { from: String, to: String },
}

impl Representation {
    /// Tier-2 IR (a pass or a pass's diff): the code pane shows one at a time.
    pub fn is_ir(&self) -> bool {
        matches!(
            self,
            Representation::Ir { .. } | Representation::IrDiff { .. }
        )
    }

    pub fn title(&self) -> String {
        match self {
            Representation::Bytecode => "tier 0: bytecode".into(),
            Representation::MachineCode { tier } => format!("tier {tier}: machine code"),
            Representation::Ir { pass } => format!("tier 2 IR: {pass}"),
            Representation::IrDiff { from, to } => format!("tier 2 IR diff: {from} -> {to}"),
        }
    }
}

/// One line of a code column and the bytecodes it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRow {
    pub text: String,
    pub bcis: Vec<u32>,
    /// Executions, when the representation is profiled.
    pub count: Option<u64>,
    /// Extra text shown on hover (inline-cache contents at a send).
    pub note: Option<String>,
    pub kind: RowKind,
}

/// What a code row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// Code of the representation (a bytecode, a machine instruction).
    Code,
    /// The bytecode a run of machine instructions came from.
    Heading,
    /// A runtime marker at a bytecode: control entered tier-1 code there (`entry`) or
    /// left it.
    Marker { entry: bool },
}

impl CodeRow {
    /// A row of code (not a heading or marker).
    pub fn is_code(&self) -> bool {
        self.kind == RowKind::Code
    }

    /// The row as the column shows it: the count (when profiled), then the text.
    pub fn label(&self) -> String {
        match self.count {
            Some(n) => format!("{n:>9} {}", self.text),
            None => self.text.clone(),
        }
    }
}

/// A column of the code pane: rows, or why there are none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub repr: Representation,
    pub rows: Vec<CodeRow>,
    /// Shown instead of rows when the method has no code in this representation.
    pub absent: Option<String>,
}

impl Column {
    /// Tier 0: one row per bytecode with its execution count and cache contents.
    pub fn bytecode(m: &MethodModel) -> Column {
        let rows = m
            .code
            .bytecodes
            .iter()
            .map(|b| CodeRow {
                text: m.bytecode_text(b),
                bcis: vec![b.bci],
                count: Some(m.counts[b.bci as usize]),
                note: m.site(b.bci).map(|s| s.summary()),
                kind: RowKind::Code,
            })
            .collect();
        Column {
            repr: Representation::Bytecode,
            rows,
            absent: None,
        }
    }

    /// A representation the method has no code in (yet).
    pub fn absent(repr: Representation, why: &str) -> Column {
        Column {
            repr,
            rows: Vec::new(),
            absent: Some(why.to_string()),
        }
    }

    /// Machine code of a JIT tier: under a heading per pc-map entry (the bytecode and
    /// whether it is an entry point, after its runtime markers; slow paths get a heading
    /// of their own), one row per instruction with its address, linked to its bytecode
    /// through the pc map.
    pub fn machine_code(m: &MethodModel, tier: u8, native: &NativeCode) -> Column {
        let mut rows = Vec::new();
        let mut seen = vec![false; m.code.bytecodes.len()];
        let starts: BTreeSet<u32> = native.pc_map.iter().map(|e| e.offset).collect();
        let mut current = None;
        let instructions = native.instructions();
        let symbols = som_asm_browser::targets::Symbols::of_the_vm();
        let texts = som_asm_browser::targets::annotate(native, &instructions, symbols);
        for (inst, inst_text) in instructions.into_iter().zip(texts) {
            let bci = inst.bci;
            let Some(bc) = m.code.bytecodes.get(bci as usize) else {
                continue;
            };
            if current != Some(bci) || starts.contains(&inst.offset) {
                let slow = std::mem::replace(&mut seen[bci as usize], true);
                if !slow {
                    for marker in m.jit.markers_at(bci).filter(|k| !k.is_deopt()) {
                        let entry = marker.is_entry();
                        rows.push(row(marker.text(), bci, RowKind::Marker { entry }));
                    }
                }
                let text = machine_heading(native, bci, slow, &m.bytecode_text(bc));
                rows.push(row(text, bci, RowKind::Heading));
                current = Some(bci);
            }
            let text = format!("  {:012x}  {inst_text}", inst.address);
            rows.push(row(text, bci, RowKind::Code));
        }
        Column {
            repr: Representation::MachineCode { tier },
            rows,
            absent: None,
        }
    }

    /// The columns for a method: tier 0's bytecode, then the machine code of every JIT
    /// tier (a column saying why when the method has none there), then tier 2's IR
    /// after each pass and each pass's diff.
    pub fn all(m: &MethodModel) -> Vec<Column> {
        let mut columns = vec![Column::bytecode(m)];
        for tier in JIT_TIERS {
            let repr = Representation::MachineCode { tier };
            let refused = m.jit.refused_in(tier);
            columns.push(
                match (m.jit.native(tier), &m.jit.tier2, &m.jit.unavailable) {
                    (Some(native), _, _) => Column::machine_code(m, tier, native),
                    (None, Some(t2), _) if tier == 2 => super::tier2::machine_column(m, t2),
                    (None, _, Some(why)) => Column::absent(repr, why),
                    (None, _, None) if refused.is_some() => {
                        let why = refused.unwrap_or_default();
                        Column::absent(repr, &why)
                    }
                    (None, _, None) => {
                        Column::absent(repr, &format!("not compiled in tier {tier}"))
                    }
                },
            );
        }
        if let Some(t2) = &m.jit.tier2 {
            columns.extend(super::tier2::ir_columns(t2));
            columns.extend(super::tier2::diff_columns(t2));
        }
        columns
    }

    /// The first row that is a counterpart of the selection.
    pub fn first_selected(&self, sel: &Selection) -> Option<usize> {
        self.rows.iter().position(|r| sel.has_row(r))
    }
}

/// An unprofiled row of a machine-code column.
fn row(text: String, bci: u32, kind: RowKind) -> CodeRow {
    CodeRow {
        text,
        bcis: vec![bci],
        count: None,
        note: None,
        kind,
    }
}

/// `  12 send #foo  [entry]` heading a run of machine instructions.
fn machine_heading(native: &NativeCode, bci: u32, slow: bool, bc: &str) -> String {
    let tail = if slow {
        "  (slow path)"
    } else if native.entry_bcis.contains(&bci) {
        "  [entry]"
    } else {
        ""
    };
    format!("{bc}{tail}")
}
