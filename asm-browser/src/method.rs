//! One method as the browser shows it, as plain data: its source lines, its bytecodes
//! (with inline-cache sites and counts) and its tier-1 instructions (with addresses and
//! the bytecode each came from), and the linking between them: a picked row of any
//! column names a set of source lines and bytecode indices, and the counterparts in
//! every column are the rows with one of those lines or indices. Bytecode indices are
//! the common currency; the pc map and the line table translate.

use crate::targets;
use som_vm::introspect::{CacheState, MethodCode, NativeCode, NativeInstruction, SiteInfo};
use std::collections::BTreeSet;

/// A column of the method view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Source,
    Bytecodes,
    Machine,
}

impl Column {
    pub const ALL: [Column; 3] = [Column::Source, Column::Bytecodes, Column::Machine];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        match self {
            Column::Source => "Source",
            Column::Bytecodes => "Bytecodes",
            Column::Machine => "Machine code",
        }
    }
}

/// A source line of the method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub line: u32,
    pub text: String,
}

/// A bytecode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BytecodeRow {
    pub bci: u32,
    pub line: u32,
    /// Mnemonic and operands.
    pub text: String,
    /// The send site and its inline cache (`fib: mono [Fibonacci]`).
    pub site: Option<String>,
    /// Executions in the profiled run.
    pub count: Option<u64>,
    /// Tier-1 code may be entered here (method start, loop header, after a call).
    pub entry: bool,
}

/// A tier-1 machine instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstructionRow {
    pub address: u64,
    pub offset: u32,
    pub len: u32,
    pub text: String,
    /// The bytecode whose template or slow path it belongs to (the pc map).
    pub bci: u32,
    /// Out-of-line code (after the templates' closing `ud2`).
    pub slow: bool,
}

/// The bytecode index of a row linked to none (tier-2 code without exits to link it).
pub const NO_BCI: u32 = u32::MAX;

/// One thing the machine-code column can show (tier 2: its machine code or an IR pass).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineView {
    pub title: String,
    pub rows: Vec<InstructionRow>,
}

/// Where the tier-1 code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeSummary {
    pub address: u64,
    pub size: usize,
}

/// Everything the method view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodData {
    pub label: String,
    pub file: String,
    pub native: Option<NativeSummary>,
    pub source: Vec<SourceRow>,
    pub bytecodes: Vec<BytecodeRow>,
    pub instructions: Vec<InstructionRow>,
    /// Tier 2: what the machine-code column can show (`instructions` is `views[view]`).
    pub views: Vec<MachineView>,
    pub view: usize,
}

/// The counterparts of a picked row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Linked {
    pub lines: BTreeSet<u32>,
    pub bcis: BTreeSet<u32>,
}

/// Which instructions are slow paths: the templates come first, ended by a `ud2`.
pub fn slow_path_flags(instructions: &[NativeInstruction]) -> Vec<bool> {
    let mut slow = false;
    instructions
        .iter()
        .map(|i| {
            let this = slow;
            slow |= i.text == "ud2";
            this
        })
        .collect()
}

/// `line` with its tabs expanded to stops every 4 columns (a terminal shows a tab as
/// whatever it likes, and a control character corrupts the screen).
pub fn expand_tabs(line: &str) -> String {
    let mut out = String::new();
    for c in line.chars() {
        if c == '\t' {
            let n = 4 - out.chars().count() % 4;
            out.extend(std::iter::repeat_n(' ', n));
        } else {
            out.push(c);
        }
    }
    out
}

/// `fib: mono [Fibonacci]`.
pub fn site_text(site: &SiteInfo) -> String {
    let state = match site.state {
        CacheState::Empty => "empty",
        CacheState::Monomorphic => "mono",
        CacheState::Polymorphic => "poly",
        CacheState::Megamorphic => "mega",
    };
    format!(
        "{} {state} [{}]",
        site.selector,
        site.cached_classes.join(", ")
    )
}

impl MethodData {
    /// Builds the data from the VM's artifacts; `counts` per bytecode from a profile,
    /// `source` the text of the method's file.
    pub fn new(
        code: &MethodCode,
        native: Option<&NativeCode>,
        counts: Option<&[u64]>,
        source: Option<&str>,
    ) -> MethodData {
        let entries = native.map(|n| n.entry_bcis.clone()).unwrap_or_default();
        let bytecodes = code
            .bytecodes
            .iter()
            .map(|b| BytecodeRow {
                bci: b.bci,
                line: b.line,
                text: format!("{} {}", b.mnemonic, b.operands)
                    .trim_end()
                    .to_string(),
                site: b.send.as_ref().map(site_text),
                count: counts.map(|c| c.get(b.bci as usize).copied().unwrap_or(0)),
                entry: entries.contains(&b.bci),
            })
            .collect();
        let instructions = native.map(instruction_rows).unwrap_or_default();
        let last = code.bytecodes.iter().map(|b| b.line).max().unwrap_or(0);
        let first = code.line.min(last).max(1);
        let text: Vec<&str> = source.map(|s| s.lines().collect()).unwrap_or_default();
        let source = (first..=last.max(first))
            .map(|line| SourceRow {
                line,
                text: text
                    .get(line as usize - 1)
                    .map_or(String::new(), |t| expand_tabs(t)),
            })
            .collect();
        MethodData {
            label: code.label.clone(),
            file: code.file.clone(),
            native: native.map(|n| NativeSummary {
                address: n.address,
                size: n.bytes.len(),
            }),
            source,
            bytecodes,
            instructions,
            views: Vec::new(),
            view: 0,
        }
    }

    /// Shows tier-2 `views` in the machine-code column (the first one now).
    pub fn with_views(mut self, views: Vec<MachineView>) -> MethodData {
        self.instructions = views.first().map(|v| v.rows.clone()).unwrap_or_default();
        self.views = views;
        self.view = 0;
        self
    }

    /// Shows the next (or previous) view; answers whether there was another.
    pub fn cycle_view(&mut self, forward: bool) -> bool {
        let n = self.views.len();
        if n < 2 {
            return false;
        }
        self.view = if forward {
            (self.view + 1) % n
        } else {
            (self.view + n - 1) % n
        };
        self.instructions = self.views[self.view].rows.clone();
        true
    }

    /// Rows in a column.
    pub fn rows(&self, column: Column) -> usize {
        match column {
            Column::Source => self.source.len(),
            Column::Bytecodes => self.bytecodes.len(),
            Column::Machine => self.instructions.len(),
        }
    }

    fn line_of(&self, bci: u32) -> Option<u32> {
        self.bytecodes.get(bci as usize).map(|b| b.line)
    }

    /// The lines and bytecode indices that `row` of `column` stands for.
    pub fn linked(&self, column: Column, row: usize) -> Linked {
        let bcis: BTreeSet<u32> = match column {
            Column::Source => match self.source.get(row) {
                Some(s) => self
                    .bytecodes
                    .iter()
                    .filter(|b| b.line == s.line)
                    .map(|b| b.bci)
                    .collect(),
                None => BTreeSet::new(),
            },
            Column::Bytecodes => self.bytecodes.get(row).map(|b| b.bci).into_iter().collect(),
            Column::Machine => self
                .instructions
                .get(row)
                .map(|i| i.bci)
                .into_iter()
                .collect(),
        };
        let mut lines: BTreeSet<u32> = bcis.iter().filter_map(|&b| self.line_of(b)).collect();
        if let (Column::Source, Some(s)) = (column, self.source.get(row)) {
            lines.insert(s.line);
        }
        Linked { lines, bcis }
    }

    /// Whether `row` of `column` is a counterpart of `linked`.
    pub fn is_linked(&self, linked: &Linked, column: Column, row: usize) -> bool {
        match column {
            Column::Source => self
                .source
                .get(row)
                .is_some_and(|s| linked.lines.contains(&s.line)),
            Column::Bytecodes => self
                .bytecodes
                .get(row)
                .is_some_and(|b| linked.bcis.contains(&b.bci)),
            Column::Machine => self
                .instructions
                .get(row)
                .is_some_and(|i| linked.bcis.contains(&i.bci)),
        }
    }

    /// The first counterpart of `linked` in `column`.
    pub fn first_linked(&self, linked: &Linked, column: Column) -> Option<usize> {
        (0..self.rows(column)).find(|&r| self.is_linked(linked, column, r))
    }

    /// The instructions of bytecode `bci` (template and slow path).
    pub fn instructions_of(&self, bci: u32) -> impl Iterator<Item = &InstructionRow> {
        self.instructions.iter().filter(move |i| i.bci == bci)
    }
}

fn instruction_rows(native: &NativeCode) -> Vec<InstructionRow> {
    let instructions = native.instructions();
    let slow = slow_path_flags(&instructions);
    let texts = targets::annotate(native, &instructions, targets::Symbols::of_the_vm());
    instructions
        .into_iter()
        .zip(slow)
        .zip(texts)
        .map(|((i, slow), text)| InstructionRow {
            address: i.address,
            offset: i.offset,
            len: i.bytes.len() as u32,
            text,
            bci: i.bci,
            slow,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_expand_to_stops_of_four() {
        assert_eq!(expand_tabs("\tx\ty"), "    x   y");
        assert_eq!(expand_tabs("abcd\te"), "abcd    e");
    }

    #[test]
    fn site_text_names_selector_state_and_classes() {
        let site = SiteInfo {
            selector: "area".into(),
            argc: 0,
            state: CacheState::Polymorphic,
            cached_classes: vec!["Circle".into(), "Square".into()],
        };
        assert_eq!(site_text(&site), "area poly [Circle, Square]");
    }
}
