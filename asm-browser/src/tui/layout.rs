//! Where each part of the screen goes, for any terminal size. The picker fills the
//! screen above a detail line and the status line. The method view puts its columns
//! side by side from 120 columns on; below that the source goes on top with bytecodes
//! and machine code side by side under it (from 60x16), or the columns are stacked
//! (from 18 rows); smaller terminals show only the focused column. Nothing here
//! assumes a minimum size.

use crate::method::Column;
use ratatui::layout::{Constraint, Layout, Rect};

/// Width from which the method view's columns stand side by side.
pub const WIDE: u16 = 120;

/// Which screen is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Picker,
    Method,
}

/// The rectangles of one screen; a part that does not fit is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub picker: Option<Rect>,
    /// By [`Column::index`].
    pub columns: [Option<Rect>; 3],
    pub detail: Option<Rect>,
    pub status: Option<Rect>,
    /// Only the focused column is shown.
    pub compact: bool,
}

impl Areas {
    pub fn column(&self, c: Column) -> Option<Rect> {
        self.columns[c.index()]
    }
}

fn split(area: Rect, constraints: Vec<Constraint>, horizontal: bool) -> Vec<Rect> {
    let layout = if horizontal {
        Layout::horizontal(constraints)
    } else {
        Layout::vertical(constraints)
    };
    layout.split(area).to_vec()
}

/// The layout of `area`. `machine`: whether the machine-code column is shown.
pub fn areas(area: Rect, screen: Screen, focus: Column, machine: bool) -> Areas {
    let mut a = Areas::default();
    if area.width == 0 || area.height == 0 {
        return a;
    }
    let detail = u16::from(area.height >= 6);
    let rest = area.height.saturating_sub(1 + detail);
    let parts = split(
        area,
        vec![
            Constraint::Length(rest),
            Constraint::Length(detail),
            Constraint::Length(1),
        ],
        false,
    );
    a.status = Some(parts[2]);
    a.detail = (detail > 0).then_some(parts[1]);
    if rest < 3 {
        a.compact = true;
        return a;
    }
    match screen {
        Screen::Picker => a.picker = Some(parts[0]),
        Screen::Method => place_columns(&mut a, parts[0], focus, machine),
    }
    a
}

fn place_columns(a: &mut Areas, main: Rect, focus: Column, machine: bool) {
    let shown: Vec<Column> = Column::ALL
        .into_iter()
        .filter(|&c| machine || c != Column::Machine)
        .collect();
    let percent = |c: Column| match (c, machine) {
        (Column::Source, true) => 28,
        (Column::Bytecodes, true) => 32,
        (Column::Machine, _) => 40,
        (Column::Source, false) => 45,
        (Column::Bytecodes, false) => 55,
    };
    let (w, h) = (main.width, main.height);
    if w >= WIDE {
        let constraints = shown.iter().map(|&c| Constraint::Percentage(percent(c)));
        for (c, r) in shown.iter().zip(split(main, constraints.collect(), true)) {
            a.columns[c.index()] = Some(r);
        }
    } else if w >= 60 && h >= 14 {
        let top = (h * 3 / 10).max(5);
        let rows = split(
            main,
            vec![Constraint::Length(top), Constraint::Fill(1)],
            false,
        );
        a.columns[Column::Source.index()] = Some(rows[0]);
        let lower = if machine {
            let halves = [Constraint::Percentage(45), Constraint::Fill(1)];
            split(rows[1], halves.to_vec(), true)
        } else {
            vec![rows[1]]
        };
        for (c, r) in shown[1..].iter().zip(lower) {
            a.columns[c.index()] = Some(r);
        }
    } else if h >= 6 * shown.len() as u16 {
        let constraints = shown.iter().map(|_| Constraint::Fill(1));
        for (c, r) in shown.iter().zip(split(main, constraints.collect(), false)) {
            a.columns[c.index()] = Some(r);
        }
    } else {
        a.compact = true;
        a.columns[focus.index()] = Some(main);
    }
}

/// Rows of content a bordered pane of `area` holds.
pub fn inner_height(area: Option<Rect>) -> usize {
    area.map_or(0, |r| r.height.saturating_sub(2) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_overlap(a: &Areas) {
        let rects: Vec<Rect> = a.columns.iter().flatten().copied().collect();
        for (i, p) in rects.iter().enumerate() {
            for q in &rects[i + 1..] {
                assert!(!p.intersects(*q), "{p:?} overlaps {q:?}");
            }
        }
    }

    #[test]
    fn at_80x24_source_sits_above_bytecodes_and_machine_code() {
        let a = areas(
            Rect::new(0, 0, 80, 24),
            Screen::Method,
            Column::Source,
            true,
        );
        let (s, b, m) = (
            a.columns[0].unwrap(),
            a.columns[1].unwrap(),
            a.columns[2].unwrap(),
        );
        assert!(s.bottom() <= b.y && b.y == m.y && b.right() <= m.x);
        assert!(s.height >= 5 && b.height >= 10 && m.width >= 40, "{a:?}");
        assert_eq!(a.status.unwrap().y, 23);
        assert_eq!(a.detail.unwrap().y, 22);
        no_overlap(&a);
    }

    #[test]
    fn wide_terminals_put_the_three_columns_side_by_side() {
        let a = areas(
            Rect::new(0, 0, 200, 50),
            Screen::Method,
            Column::Source,
            true,
        );
        let c: Vec<Rect> = a.columns.iter().map(|r| r.unwrap()).collect();
        assert!(c.iter().all(|r| r.y == 0 && r.height == 48));
        assert!(c[0].right() <= c[1].x && c[1].right() <= c[2].x);
        no_overlap(&a);
    }

    #[test]
    fn without_machine_code_the_bytecodes_take_its_room() {
        let a = areas(
            Rect::new(0, 0, 80, 24),
            Screen::Method,
            Column::Source,
            false,
        );
        assert!(a.columns[2].is_none());
        assert_eq!(a.columns[1].unwrap().width, 80);
    }

    #[test]
    fn narrow_terminals_stack_and_tiny_ones_show_the_focused_column() {
        let a = areas(
            Rect::new(0, 0, 50, 30),
            Screen::Method,
            Column::Source,
            true,
        );
        assert!(!a.compact && a.columns.iter().all(|c| c.is_some_and(|r| r.width == 50)));
        no_overlap(&a);
        let a = areas(
            Rect::new(0, 0, 50, 12),
            Screen::Method,
            Column::Machine,
            true,
        );
        assert!(a.compact && a.columns[2].is_some() && a.columns[0].is_none());
        let a = areas(
            Rect::new(0, 0, 20, 3),
            Screen::Method,
            Column::Machine,
            true,
        );
        assert!(a.columns.iter().all(|c| c.is_none()) && a.status.is_some());
        assert_eq!(
            areas(Rect::new(0, 0, 0, 0), Screen::Picker, Column::Source, true),
            Areas::default()
        );
    }
}
