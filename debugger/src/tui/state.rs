//! The TUI's state, apart from any drawing: which pane has the focus, cursors and
//! scroll offsets, the inspector's open nodes, the command line and its history, the
//! message log, an open popup, the timeline (found in the background), and `Shown`: what the panes show,
//! read from the engine after every command (`refresh`), so drawing needs no engine.

use super::inspect::{self, Root, TreeRow, VarRow};
use super::layout;
use crate::engine::{BreakpointKind, Engine, Position, Stop, TimelineScan};
use ratatui::layout::Rect;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// How long adding a breakpoint or watchpoint may look for its next hit before the
/// TUI answers (the rest of the timeline is found in the background).
const NEXT_HIT_BUDGET: Duration = Duration::from_millis(300);

/// Output lines kept for the output pane (the newest).
const MAX_OUTPUT_LINES: usize = 5000;

/// The panes that can have the focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Source,
    Stack,
    Vars,
    Inspector,
    Output,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Source,
        Pane::Stack,
        Pane::Vars,
        Pane::Inspector,
        Pane::Output,
    ];

    pub fn next(self) -> Pane {
        let i = Pane::ALL.iter().position(|&p| p == self).unwrap_or(0);
        Pane::ALL[(i + 1) % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        let i = Pane::ALL.iter().position(|&p| p == self).unwrap_or(0);
        Pane::ALL[(i + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Source => "Source",
            Pane::Stack => "Stack",
            Pane::Vars => "Locals",
            Pane::Inspector => "Inspector",
            Pane::Output => "Output",
        }
    }
}

/// One frame of the stack pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameRow {
    pub label: String,
    pub file: String,
    pub line: u32,
    pub tier: u8,
}

/// What the panes show at the current position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    pub clock: u64,
    pub end_clock: u64,
    pub at_end: bool,
    pub frames: Vec<FrameRow>,
    pub selected: usize,
    /// The selected frame's file and line.
    pub file: Option<String>,
    pub line: u32,
    /// Lines of `file` with a line breakpoint.
    pub breakpoint_lines: BTreeSet<u32>,
    pub vars: Vec<VarRow>,
    pub inspected: Option<String>,
    pub tree: Vec<TreeRow>,
    pub output: Vec<String>,
}

/// The command line: text being typed, a cursor (in chars) and the history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub active: bool,
    pub text: String,
    pub cursor: usize,
    pub history: Vec<String>,
    browsing: Option<usize>,
}

impl CommandLine {
    pub fn open(&mut self) {
        self.active = true;
        self.text.clear();
        self.cursor = 0;
        self.browsing = None;
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    /// Shows an older history entry (Up).
    pub fn older(&mut self) {
        let n = self.history.len();
        let i = match self.browsing {
            None if n > 0 => n - 1,
            Some(i) if i > 0 => i - 1,
            other => return self.browsing = other,
        };
        self.show_entry(Some(i));
    }

    /// Shows a newer history entry, or an empty line past the newest (Down).
    pub fn newer(&mut self) {
        match self.browsing {
            Some(i) if i + 1 < self.history.len() => self.show_entry(Some(i + 1)),
            Some(_) => self.show_entry(None),
            None => {}
        }
    }

    fn show_entry(&mut self, i: Option<usize>) {
        self.browsing = i;
        self.text = i.map(|i| self.history[i].clone()).unwrap_or_default();
        self.cursor = self.text.chars().count();
    }

    /// Closes the line and answers its text, kept in the history when not empty.
    pub fn submit(&mut self) -> String {
        self.active = false;
        let text = std::mem::take(&mut self.text).trim().to_string();
        if !text.is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        self.cursor = 0;
        self.browsing = None;
        text
    }
}

/// A text shown over the panes (help, long answers) until a key closes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Popup {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: usize,
}

/// Everything the TUI remembers between key presses.
#[derive(Debug, Clone)]
pub struct App {
    /// The terminal's size (columns, rows).
    pub size: (u16, u16),
    pub focus: Pane,
    pub shown: Shown,
    /// Source files by name, split in lines (`None`: not readable).
    pub sources: HashMap<String, Option<Vec<String>>>,
    /// The source line under the cursor (1-based) and the first line shown (0-based).
    pub source_cursor: usize,
    pub source_top: usize,
    pub stack_top: usize,
    pub vars_cursor: usize,
    pub vars_top: usize,
    pub root: Root,
    pub open: BTreeSet<Vec<usize>>,
    pub tree_cursor: usize,
    pub tree_top: usize,
    /// Output lines scrolled back from the newest.
    pub output_back: usize,
    pub command: CommandLine,
    pub messages: Vec<String>,
    pub popup: Option<Popup>,
    /// Clocks of the breakpoint hits and of the watchpoint hits over the whole recording.
    pub timeline: Vec<u64>,
    pub watch_hits: Vec<u64>,
    /// Clocks of the hits of the `log` commands given.
    pub log_hits: Vec<u64>,
    timeline_key: Option<String>,
    /// The timeline being found in the background (between key presses).
    timeline_scan: Option<TimelineScan>,
    pub quit: bool,
    /// A command is running (shown in the status line).
    pub busy: bool,
    /// The step and frame the source cursor was last placed for.
    placed_for: Option<(u64, usize)>,
}

impl App {
    pub fn new(size: (u16, u16)) -> App {
        App {
            size,
            focus: Pane::Source,
            shown: Shown::default(),
            sources: HashMap::new(),
            source_cursor: 1,
            source_top: 0,
            stack_top: 0,
            vars_cursor: 0,
            vars_top: 0,
            root: Root::Receiver,
            open: BTreeSet::from([Vec::new()]),
            tree_cursor: 0,
            tree_top: 0,
            output_back: 0,
            command: CommandLine::default(),
            messages: Vec::new(),
            popup: None,
            timeline: Vec::new(),
            watch_hits: Vec::new(),
            log_hits: Vec::new(),
            timeline_key: None,
            timeline_scan: None,
            quit: false,
            busy: false,
            placed_for: None,
        }
    }

    /// Lines of the file shown in the source pane.
    pub fn source_lines(&self) -> Option<&[String]> {
        let file = self.shown.file.as_ref()?;
        self.sources.get(file)?.as_deref()
    }

    /// Rows inside pane `pane` at the current size and focus (at least 1).
    pub fn pane_height(&self, pane: Pane) -> usize {
        let (w, h) = self.size;
        let areas = layout::areas(Rect::new(0, 0, w, h), self.focus);
        areas
            .pane(pane)
            .map_or(1, |r| r.height.saturating_sub(2).max(1) as usize)
    }

    /// Rows of the message area (at least 1); longer answers go to a popup.
    pub fn message_rows(&self) -> usize {
        let (w, h) = self.size;
        let areas = layout::areas(Rect::new(0, 0, w, h), self.focus);
        areas.messages.map_or(1, |r| r.height.max(1) as usize)
    }

    /// Adds lines to the message log.
    pub fn say(&mut self, text: &str) {
        self.messages.extend(text.lines().map(str::to_string));
        let excess = self.messages.len().saturating_sub(200);
        self.messages.drain(..excess);
    }

    /// Reads what the panes show from the engine; starts a new timeline when the
    /// breakpoints or watchpoints changed: the next hit is found at once (from the
    /// per-interval summaries), the rest later by `timeline_tick`.
    pub fn refresh(&mut self, engine: &mut Engine) {
        let key = engine.describe_points();
        if self.timeline_key.as_ref() != Some(&key) {
            let mut scan = engine.start_timeline();
            let started = Instant::now();
            while !scan.next_known() && started.elapsed() < NEXT_HIT_BUDGET {
                engine.timeline_work(&mut scan, Duration::ZERO);
            }
            self.timeline_scan = Some(scan);
            self.copy_timeline();
            self.timeline_key = Some(key);
        }
        self.log_hits = engine
            .logs
            .iter()
            .flat_map(|(_, hits)| hits.iter().map(|h| h.clock))
            .collect();
        let position = engine.position();
        self.shown = read_shown(engine, &self.root, &self.open);
        if let Some(file) = self.shown.file.clone() {
            self.sources.entry(file.clone()).or_insert_with(|| {
                som_vm::introspect::source_text(&file)
                    .map(|t| t.lines().map(|l| l.replace('\t', "    ")).collect())
            });
        }
        let placed = (position.step(), self.shown.selected);
        if self.placed_for != Some(placed) {
            self.placed_for = Some(placed);
            self.source_cursor = self.shown.line.max(1) as usize;
            self.center_source();
        }
        self.clamp();
    }

    /// Whether the timeline is still being found.
    pub fn timeline_pending(&self) -> bool {
        self.timeline_scan.as_ref().is_some_and(|s| !s.done())
    }

    /// The clock of the first hit after the position where the breakpoints or
    /// watchpoints last changed, once found.
    pub fn next_hit(&self) -> Option<u64> {
        self.timeline_scan
            .as_ref()
            .and_then(|s| s.next_hit.as_ref())
            .map(|h| h.clock)
    }

    /// Stretches of the timeline scanned, of all (for the timeline's title).
    pub fn timeline_progress(&self) -> Option<(usize, usize)> {
        self.timeline_scan
            .as_ref()
            .filter(|s| !s.done())
            .map(|s| s.progress())
    }

    /// Finds more of the timeline for about `budget` (between key presses).
    pub fn timeline_tick(&mut self, engine: &mut Engine, budget: Duration) {
        if let Some(scan) = self.timeline_scan.as_mut() {
            engine.timeline_work(scan, budget);
            self.copy_timeline();
        }
    }

    /// Finds the rest of the timeline now.
    pub fn finish_timeline(&mut self, engine: &mut Engine) {
        while self.timeline_pending() {
            self.timeline_tick(engine, Duration::MAX);
        }
    }

    fn copy_timeline(&mut self) {
        self.timeline.clear();
        self.watch_hits.clear();
        let Some(scan) = &self.timeline_scan else {
            return;
        };
        for hit in scan.hits() {
            match hit.stop {
                Stop::Watchpoint { .. } => self.watch_hits.push(hit.clock),
                _ => self.timeline.push(hit.clock),
            }
        }
    }

    /// Scrolls the source so that the cursor line is about a third down the pane.
    fn center_source(&mut self) {
        let h = self.pane_height(Pane::Source);
        self.source_top = self.source_cursor.saturating_sub(1 + h / 3);
    }

    /// Keeps cursors inside their lists and visible in their panes.
    pub fn clamp(&mut self) {
        let lines = self.source_lines().map_or(1, |l| l.len().max(1));
        self.source_cursor = self.source_cursor.clamp(1, lines);
        let h = self.pane_height(Pane::Source);
        keep_visible(&mut self.source_top, self.source_cursor - 1, h);
        let h = self.pane_height(Pane::Stack);
        keep_visible(&mut self.stack_top, self.shown.selected, h);
        self.vars_cursor = self
            .vars_cursor
            .min(self.shown.vars.len().saturating_sub(1));
        let h = self.pane_height(Pane::Vars);
        keep_visible(&mut self.vars_top, self.vars_cursor, h);
        self.tree_cursor = self
            .tree_cursor
            .min(self.shown.tree.len().saturating_sub(1));
        let h = self.pane_height(Pane::Inspector);
        keep_visible(&mut self.tree_top, self.tree_cursor, h);
        let h = self.pane_height(Pane::Output);
        self.output_back = self
            .output_back
            .min(self.shown.output.len().saturating_sub(h));
    }
}

/// Moves `top` so that row `cursor` is within `height` rows from it.
pub fn keep_visible(top: &mut usize, cursor: usize, height: usize) {
    let height = height.max(1);
    if cursor < *top {
        *top = cursor;
    } else if cursor >= *top + height {
        *top = cursor + 1 - height;
    }
}

/// Whether a breakpoint's file names `file` (the same path, or a suffix of it).
fn file_matches(file: &str, spec: &str) -> bool {
    file == spec || file.ends_with(&format!("/{spec}"))
}

/// What the panes show, read from the engine at its position; the inspector shows the
/// receiver while the inspected variable is not in the selected frame (and the
/// variable again when it is back).
fn read_shown(engine: &Engine, root: &Root, open: &BTreeSet<Vec<usize>>) -> Shown {
    let position = engine.position();
    let output = engine.output();
    let lines: Vec<&str> = output.lines().collect();
    let skip = lines.len().saturating_sub(MAX_OUTPUT_LINES);
    let mut shown = Shown {
        clock: position.clock(),
        end_clock: engine.info().end_clock,
        at_end: matches!(position, Position::End { .. }),
        output: lines[skip..].iter().map(|l| l.to_string()).collect(),
        ..Shown::default()
    };
    if shown.at_end {
        return shown;
    }
    let view = engine.view();
    let frames = view.frames();
    let Some(frame) = frames.get(engine.selected.min(frames.len().saturating_sub(1))) else {
        return shown;
    };
    shown.selected = frame.level;
    shown.frames = frames
        .iter()
        .map(|f| FrameRow {
            label: f.label.clone(),
            file: f.file.clone(),
            line: f.line,
            tier: f.tier,
        })
        .collect();
    shown.breakpoint_lines = engine
        .breakpoints
        .iter()
        .filter_map(|b| match &b.kind {
            BreakpointKind::Line { file, line } if file_matches(&frame.file, file) => Some(*line),
            _ => None,
        })
        .collect();
    shown.file = Some(frame.file.clone());
    shown.line = frame.line;
    shown.vars = inspect::var_rows(&view, frame);
    let (label, value) = root
        .resolve(&view, frame)
        .unwrap_or_else(|| ("self".into(), frame.receiver));
    shown.inspected = Some(label.clone());
    shown.tree = inspect::tree_rows(&view, &label, value, open);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> CommandLine {
        let mut line = CommandLine::default();
        line.open();
        text.chars().for_each(|c| line.insert(c));
        line
    }

    #[test]
    fn the_command_line_edits_at_its_cursor_in_characters() {
        let mut line = typed("print 'é'");
        line.left();
        line.left();
        line.left();
        line.backspace();
        assert_eq!(line.text, "print'é'");
        line.insert('x');
        assert_eq!((line.text.as_str(), line.cursor), ("printx'é'", 6));
        line.right();
        line.right();
        line.right();
        line.right();
        assert_eq!(line.cursor, 9, "not past the end");
        assert_eq!(line.submit(), "printx'é'");
        assert!(!line.active && line.text.is_empty());
    }

    #[test]
    fn history_keeps_distinct_commands_and_browses_both_ways() {
        let mut line = CommandLine::default();
        for cmd in ["step", "print x", "print x", "  ", "where"] {
            line.open();
            cmd.chars().for_each(|c| line.insert(c));
            line.submit();
        }
        assert_eq!(line.history, ["step", "print x", "where"]);
        line.open();
        line.older();
        assert_eq!(line.text, "where");
        line.older();
        line.older();
        line.older();
        assert_eq!(line.text, "step", "stops at the oldest");
        line.newer();
        assert_eq!((line.text.as_str(), line.cursor), ("print x", 7));
        line.newer();
        line.newer();
        assert_eq!(line.text, "", "past the newest: an empty line");
    }

    #[test]
    fn keep_visible_scrolls_just_enough() {
        let mut top = 0;
        keep_visible(&mut top, 3, 5);
        assert_eq!(top, 0);
        keep_visible(&mut top, 9, 5);
        assert_eq!(top, 5);
        keep_visible(&mut top, 2, 5);
        assert_eq!(top, 2);
        keep_visible(&mut top, 7, 0);
        assert_eq!(top, 7, "a zero-height pane still shows the cursor row");
    }

    #[test]
    fn panes_cycle_both_ways_through_all_five() {
        let mut pane = Pane::Source;
        for _ in 0..5 {
            assert_eq!(pane.next().prev(), pane);
            pane = pane.next();
        }
        assert_eq!(pane, Pane::Source);
    }

    #[test]
    fn scrolling_state_is_clamped_without_an_engine() {
        let mut app = App::new((80, 24));
        app.shown.output = (0..100).map(|i| i.to_string()).collect();
        app.output_back = 1000;
        app.source_cursor = 50;
        app.tree_cursor = 9;
        app.clamp();
        let h = app.pane_height(Pane::Output);
        assert_eq!(app.output_back, 100 - h);
        assert_eq!((app.source_cursor, app.tree_cursor), (1, 0));
        app.say("one\ntwo");
        assert_eq!(app.messages, ["one", "two"]);
        for i in 0..300 {
            app.say(&i.to_string());
        }
        assert_eq!(app.messages.len(), 200);
        assert_eq!(app.messages.last().unwrap(), "299");
    }
}
