//! The inspector's state, free of drawing: the program, the browser's search, the open
//! method with its code columns, the linked selection, and per-pane scroll requests that
//! a pick raises and each pane consumes once. Panes only read this and report picks.

use crate::model::{
    BlockId, Column, HeatScale, MethodEntry, MethodModel, Pick, Program, Selection,
};
use som_vm::introspect::{source_text, MethodKey};
use std::time::Duration;

/// Where the CFG canvas looks: `screen = origin + pan + world * zoom`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphView {
    pub pan: [f32; 2],
    pub zoom: f32,
    /// Fit the drawing into the canvas at the next frame.
    pub fit: bool,
}

impl Default for GraphView {
    fn default() -> Self {
        GraphView {
            pan: [0.0, 0.0],
            zoom: 1.0,
            fit: true,
        }
    }
}

/// What each pane should scroll to at its next frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrollRequests {
    pub source_line: Option<u32>,
    pub block: Option<BlockId>,
    /// Per code column, the row to show.
    pub rows: Vec<Option<usize>>,
}

/// The method shown in the linked panes.
#[derive(Debug, Clone)]
pub struct OpenMethod {
    pub model: MethodModel,
    pub columns: Vec<Column>,
    /// Lines of its source file (line 1 first).
    pub source: Vec<String>,
    pub selection: Selection,
    pub scroll: ScrollRequests,
    pub view: GraphView,
    /// The tier-2 IR pass the code pane shows (its final pass at first), and whether
    /// as that pass's diff from the one before.
    pub ir_pass: usize,
    pub ir_diff: bool,
}

impl OpenMethod {
    /// Tier-2 IR passes of the method (0 without tier-2 code).
    pub fn ir_passes(&self) -> usize {
        let passes = |c: &&Column| matches!(c.repr, crate::model::Representation::Ir { .. });
        self.columns.iter().filter(passes).count()
    }

    /// The code column of the IR the pane shows.
    pub fn shown_ir(&self) -> Option<usize> {
        let first = self.columns.iter().position(|c| c.repr.is_ir())?;
        let n = self.ir_passes();
        Some(if self.ir_diff && self.ir_pass > 0 {
            first + n + self.ir_pass - 1
        } else {
            first + self.ir_pass.min(n.saturating_sub(1))
        })
    }

    /// Shows the pass `step` passes later (earlier when negative), clamped.
    pub fn step_ir(&mut self, step: isize) {
        let last = self.ir_passes().saturating_sub(1) as isize;
        self.ir_pass = (self.ir_pass as isize + step).clamp(0, last) as usize;
    }
}

/// Recent frame times, for the status line and `--screenshot` reports.
#[derive(Debug, Clone, Default)]
pub struct FrameTimes {
    samples: Vec<Duration>,
}

impl FrameTimes {
    const KEEP: usize = 120;

    pub fn push(&mut self, d: Duration) {
        if self.samples.len() == Self::KEEP {
            self.samples.remove(0);
        }
        self.samples.push(d);
    }

    pub fn mean(&self) -> Duration {
        if self.samples.is_empty() {
            return Duration::ZERO;
        }
        self.samples.iter().sum::<Duration>() / self.samples.len() as u32
    }

    pub fn max(&self) -> Duration {
        self.samples.iter().copied().max().unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

/// Everything the window shows.
pub struct Inspector {
    pub program: Program,
    pub search: String,
    /// List methods hottest first instead of by class.
    pub hot_first: bool,
    pub open: Option<OpenMethod>,
    /// The heat scale of the CFG (the whole program's, or the open method's).
    pub scale: HeatScale,
    pub message: String,
    /// Time spent building each frame's UI.
    pub frames: FrameTimes,
}

impl Inspector {
    /// Opens the program's hottest method (if any ran).
    pub fn new(program: Program) -> Inspector {
        let mut ins = Inspector {
            program,
            search: String::new(),
            hot_first: true,
            open: None,
            scale: HeatScale::default(),
            message: String::new(),
            frames: FrameTimes::default(),
        };
        if let Some(key) = ins.program.hottest().map(|m| m.key) {
            ins.open(key);
        }
        ins
    }

    /// Shows a method in the panes; false for primitives.
    pub fn open(&mut self, key: MethodKey) -> bool {
        let Some(mut model) = self.program.method(key) else {
            self.message = format!("{} is a primitive", self.program.label(key));
            return false;
        };
        let source = source_text(&model.code.file)
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default();
        let columns = Column::all(&model);
        model.scale = self.scale;
        self.message.clear();
        self.open = Some(OpenMethod {
            scroll: ScrollRequests {
                source_line: Some(model.code.line),
                rows: vec![None; columns.len()],
                ..ScrollRequests::default()
            },
            model,
            columns,
            source,
            selection: Selection::default(),
            view: GraphView::default(),
            ir_pass: 0,
            ir_diff: false,
        });
        if let Some(open) = self.open.as_mut() {
            open.ir_pass = open.ir_passes().saturating_sub(1);
        }
        true
    }

    /// Sets the heat scale of the open method and of every method opened later.
    pub fn set_scale(&mut self, scale: HeatScale) {
        self.scale = scale;
        if let Some(open) = self.open.as_mut() {
            open.model.scale = scale;
        }
    }

    /// Selects the counterparts of a pick in every pane and asks each to show them. A
    /// line inside a block of the open method opens that block first.
    pub fn pick(&mut self, pick: Pick) {
        if let (Pick::Line(line), Some(open)) = (pick, self.open.as_ref()) {
            let key = open.model.key;
            match self.program.with_line(key, line) {
                Some(inner) if inner != key => {
                    self.open(inner);
                }
                _ => {}
            }
        }
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let sel = Selection::of(pick, &open.model, &open.columns);
        open.scroll = ScrollRequests {
            source_line: sel.lines.first().copied(),
            block: sel.blocks.first().copied(),
            rows: open
                .columns
                .iter()
                .map(|c| c.first_selected(&sel))
                .collect(),
        };
        // The pane the click came from stays where it is.
        match pick {
            Pick::Line(_) => open.scroll.source_line = None,
            Pick::Block(_) | Pick::Bytecode(_) => open.scroll.block = None,
            Pick::Row { column, .. } => open.scroll.rows[column] = None,
        }
        open.selection = sel;
    }

    /// Methods matching the search (case-insensitive, on `Class>>selector`), in list order.
    pub fn listed(&self) -> Vec<&MethodEntry> {
        let needle = self.search.to_lowercase();
        let mut out: Vec<&MethodEntry> = self
            .program
            .methods
            .iter()
            .filter(|m| needle.is_empty() || m.label().to_lowercase().contains(&needle))
            .collect();
        if self.hot_first {
            out.sort_by(|a, b| b.executed.cmp(&a.executed).then(a.label().cmp(&b.label())));
        }
        out
    }
}
