//! The browser's state, apart from any drawing: the method picker (filter, cursor,
//! scroll), the open method's three columns (cursor and scroll each), the focused
//! column, and the linking: moving the cursor in the focused column picks its row,
//! and every other column moves its cursor to the first counterpart and scrolls the
//! counterparts into view. Heights come from `layout`, so scrolling matches the screen.

use super::layout::{self, Screen};
use crate::method::{Column, Linked, MethodData};
use crate::program::MethodEntry;
use ratatui::layout::Rect;

/// The method list and its search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picker {
    pub filter: String,
    /// Keys go to the filter (after `/`).
    pub searching: bool,
    /// Indices into [`App::methods`] of the entries matching the filter.
    pub shown: Vec<usize>,
    /// Index into `shown`.
    pub cursor: usize,
    pub scroll: usize,
    /// Methods and blocks that executed the most bytecodes first (else by class).
    pub hot_first: bool,
}

/// A cursor and the first row shown, in one column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub row: usize,
    pub scroll: usize,
}

/// The open method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodView {
    pub data: MethodData,
    /// By [`Column::index`].
    pub cursors: [Cursor; 3],
    /// The column the current pick was made in.
    pub picked: Column,
    pub linked: Linked,
}

/// Everything the UI remembers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// The program and how its run ended, for the status line.
    pub title: String,
    pub methods: Vec<MethodEntry>,
    pub picker: Picker,
    pub method: Option<MethodView>,
    pub screen: Screen,
    pub focus: Column,
    /// The tier shown: 1 adds the machine-code column.
    pub tier: u8,
    /// The highest tier the run used.
    pub max_tier: u8,
    pub help: bool,
    pub quit: bool,
    pub size: (u16, u16),
    pub message: String,
}

impl App {
    pub fn new(methods: Vec<MethodEntry>, max_tier: u8, size: (u16, u16)) -> App {
        let mut app = App {
            title: String::new(),
            methods,
            picker: Picker::default(),
            method: None,
            screen: Screen::Picker,
            focus: Column::Source,
            tier: max_tier,
            max_tier,
            help: false,
            quit: false,
            size,
            message: String::new(),
        };
        app.refilter();
        app
    }

    fn areas(&self) -> layout::Areas {
        let (w, h) = self.size;
        layout::areas(
            Rect::new(0, 0, w, h),
            self.screen,
            self.focus,
            self.tier >= 1,
        )
    }

    /// Content rows of the picker as laid out now (its header row excluded).
    pub fn picker_height(&self) -> usize {
        let (w, h) = self.size;
        let a = layout::areas(Rect::new(0, 0, w, h), Screen::Picker, self.focus, true);
        layout::inner_height(a.picker).saturating_sub(1).max(1)
    }

    /// Content rows of `column`; a column not on screen (a small terminal) counts
    /// with the height it gets when focused.
    pub fn column_height(&self, column: Column) -> usize {
        let a = self.areas();
        let area = a.column(column).or_else(|| {
            let (w, h) = self.size;
            let r = Rect::new(0, 0, w, h);
            layout::areas(r, Screen::Method, column, self.tier >= 1).column(column)
        });
        layout::inner_height(area).max(1)
    }

    // ---- the picker ----

    /// The entry under the picker's cursor.
    pub fn selected_entry(&self) -> Option<&MethodEntry> {
        let i = *self.picker.shown.get(self.picker.cursor)?;
        self.methods.get(i)
    }

    /// Recomputes the shown entries (case-insensitive substring of the label), keeping
    /// the cursor on the same entry when it still matches.
    pub fn refilter(&mut self) {
        let before = self.picker.shown.get(self.picker.cursor).copied();
        let needle = self.picker.filter.to_lowercase();
        self.picker.shown = (0..self.methods.len())
            .filter(|&i| self.methods[i].label.to_lowercase().contains(&needle))
            .collect();
        if self.picker.hot_first {
            let methods = &self.methods;
            // Stable: equally hot entries keep the class order.
            self.picker
                .shown
                .sort_by_key(|&i| std::cmp::Reverse(methods[i].bytecodes.unwrap_or(0)));
        }
        self.picker.cursor = before
            .and_then(|b| self.picker.shown.iter().position(|&i| i == b))
            .unwrap_or(0);
        self.picker_scroll_to_cursor();
    }

    /// Switches the picker between class order and hottest first, on the same entry.
    pub fn toggle_hot_first(&mut self) {
        self.picker.hot_first = !self.picker.hot_first;
        self.refilter();
    }

    pub fn filter_push(&mut self, c: char) {
        self.picker.filter.push(c);
        self.refilter();
    }

    pub fn filter_pop(&mut self) {
        self.picker.filter.pop();
        self.refilter();
    }

    pub fn filter_clear(&mut self) {
        self.picker.filter.clear();
        self.picker.searching = false;
        self.refilter();
    }

    /// Moves the picker's cursor by `delta` rows (clamped).
    pub fn picker_move(&mut self, delta: isize) {
        let last = self.picker.shown.len().saturating_sub(1);
        self.picker.cursor = self.picker.cursor.saturating_add_signed(delta).min(last);
        self.picker_scroll_to_cursor();
    }

    fn picker_scroll_to_cursor(&mut self) {
        let h = self.picker_height();
        let p = &mut self.picker;
        p.scroll = keep_visible(p.cursor, p.scroll, h);
        p.scroll = p.scroll.min(p.shown.len().saturating_sub(h));
    }

    /// Puts the picker's cursor on `methods[index]` (clearing a filter that hides it).
    pub fn select_entry(&mut self, index: usize) {
        if !self.picker.shown.contains(&index) {
            self.filter_clear();
        }
        if let Some(p) = self.picker.shown.iter().position(|&i| i == index) {
            self.picker.cursor = p;
            self.picker_scroll_to_cursor();
        }
    }

    // ---- the method view ----

    /// Shows `data` in the method view, picking the source line of its first bytecode.
    pub fn open(&mut self, data: MethodData) {
        let first = data.bytecodes.first().map_or(0, |b| b.line);
        let row = data
            .source
            .iter()
            .position(|s| s.line == first)
            .unwrap_or(0);
        self.method = Some(MethodView {
            data,
            cursors: [Cursor::default(); 3],
            picked: Column::Source,
            linked: Default::default(),
        });
        self.screen = Screen::Method;
        self.focus = Column::Source;
        self.move_cursor(row as isize);
    }

    /// Back to the picker (the method stays open behind it).
    pub fn show_picker(&mut self) {
        self.screen = Screen::Picker;
        self.picker_scroll_to_cursor();
    }

    /// Back to the open method, if there is one.
    pub fn show_method(&mut self) {
        if self.method.is_some() {
            self.screen = Screen::Method;
        }
    }

    fn shown_columns(&self) -> Vec<Column> {
        Column::ALL
            .into_iter()
            .filter(|&c| self.tier >= 1 || c != Column::Machine)
            .collect()
    }

    /// Focuses the next (or previous) shown column; the pick stays.
    pub fn cycle_focus(&mut self, forward: bool) {
        let shown = self.shown_columns();
        let i = shown.iter().position(|&c| c == self.focus).unwrap_or(0);
        let n = shown.len();
        self.focus = shown[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// Moves the focused column's cursor by `delta` rows and picks the row there.
    pub fn move_cursor(&mut self, delta: isize) {
        let column = self.focus;
        let h = self.column_height(column);
        let Some(m) = self.method.as_mut() else {
            return;
        };
        let rows = m.data.rows(column);
        if rows == 0 {
            return;
        }
        let c = &mut m.cursors[column.index()];
        c.row = c.row.saturating_add_signed(delta).min(rows - 1);
        c.scroll = keep_visible(c.row, c.scroll, h).min(rows.saturating_sub(h));
        m.linked = m.data.linked(column, c.row);
        m.picked = column;
        self.link_others();
    }

    /// A page up or down in the focused column (or the picker).
    pub fn page(&mut self, down: bool) {
        let sign = if down { 1 } else { -1 };
        match self.screen {
            Screen::Picker => self.picker_move(sign * self.picker_height() as isize),
            Screen::Method => self.move_cursor(sign * self.column_height(self.focus) as isize),
        }
    }

    /// Moves every column but the picked one to its first counterpart, scrolled so that
    /// the counterparts show (all of them when they fit).
    fn link_others(&mut self) {
        let heights = Column::ALL.map(|c| self.column_height(c));
        let Some(m) = self.method.as_mut() else {
            return;
        };
        for column in Column::ALL {
            if column == m.picked {
                continue;
            }
            let Some(first) = m.data.first_linked(&m.linked, column) else {
                continue;
            };
            let last = (first..m.data.rows(column))
                .take_while(|&r| m.data.is_linked(&m.linked, column, r))
                .last()
                .unwrap_or(first);
            let h = heights[column.index()];
            let c = &mut m.cursors[column.index()];
            c.row = first;
            c.scroll = reveal(first, last, c.scroll, h).min(m.data.rows(column).saturating_sub(h));
        }
    }

    /// Shows or hides the machine code (tier 1 or tier 0 only).
    pub fn toggle_tier(&mut self) {
        if self.max_tier == 0 {
            self.message = "the program ran with --tier 0: there is no machine code".into();
            return;
        }
        self.tier = if self.tier == 0 { self.max_tier } else { 0 };
        if self.tier == 0 && self.focus == Column::Machine {
            self.focus = Column::Bytecodes;
        }
        self.message = format!("showing tier {}", self.tier);
        self.clamp();
    }

    /// Tier 2: shows the next (or previous) of the machine code and the IR passes in
    /// the machine-code column, and picks its first row.
    pub fn cycle_view(&mut self, forward: bool) {
        let Some(m) = self.method.as_mut() else {
            return;
        };
        if !m.data.cycle_view(forward) {
            self.message = "only tier 2 has IR passes to show (--tier 2)".into();
            return;
        }
        self.message = m.data.views[m.data.view].title.clone();
        m.cursors[Column::Machine.index()] = Cursor::default();
        if self.tier > 0 {
            self.focus = Column::Machine;
            self.move_cursor(0);
        }
        self.clamp();
    }

    /// Keeps every scroll position valid for the current size.
    pub fn clamp(&mut self) {
        self.picker_scroll_to_cursor();
        let heights = Column::ALL.map(|c| self.column_height(c));
        if let Some(m) = self.method.as_mut() {
            for column in Column::ALL {
                let (h, rows) = (heights[column.index()], m.data.rows(column));
                let c = &mut m.cursors[column.index()];
                c.scroll = keep_visible(c.row, c.scroll, h).min(rows.saturating_sub(h));
            }
        }
    }

    pub fn resize(&mut self, size: (u16, u16)) {
        self.size = size;
        self.clamp();
    }
}

/// The scroll that keeps `row` visible in `height` rows, moving as little as possible.
pub fn keep_visible(row: usize, scroll: usize, height: usize) -> usize {
    if row < scroll {
        row
    } else if row >= scroll + height {
        row + 1 - height
    } else {
        scroll
    }
}

/// The scroll that shows rows `first..=last`: unchanged if they show, centred if they
/// fit, else `first` at the top.
pub fn reveal(first: usize, last: usize, scroll: usize, height: usize) -> usize {
    let span = last - first + 1;
    if first >= scroll && last < scroll + height {
        scroll
    } else if span <= height {
        first.saturating_sub((height - span) / 2)
    } else {
        first
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
