//! Where each pane goes for a terminal size. At 60x16 and above every pane is shown
//! (source and stack/locals on top, inspector and output below, then the timeline, the
//! messages and the status line); below that only the focused pane is, with as much of
//! the rest as fits. Nothing here depends on the terminal being a minimum size.

use super::state::Pane;
use ratatui::layout::{Constraint, Layout, Rect};

/// The smallest size that shows every pane at once.
pub const FULL_WIDTH: u16 = 60;
pub const FULL_HEIGHT: u16 = 16;

/// The rectangles of one screen; a pane that does not fit is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub source: Option<Rect>,
    pub stack: Option<Rect>,
    pub vars: Option<Rect>,
    pub inspector: Option<Rect>,
    pub output: Option<Rect>,
    pub timeline: Option<Rect>,
    pub messages: Option<Rect>,
    pub status: Option<Rect>,
    /// Only the focused pane is shown (a small terminal).
    pub compact: bool,
}

impl Areas {
    pub fn pane(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Source => self.source,
            Pane::Stack => self.stack,
            Pane::Vars => self.vars,
            Pane::Inspector => self.inspector,
            Pane::Output => self.output,
        }
    }

    fn set(&mut self, pane: Pane, r: Rect) {
        let slot = match pane {
            Pane::Source => &mut self.source,
            Pane::Stack => &mut self.stack,
            Pane::Vars => &mut self.vars,
            Pane::Inspector => &mut self.inspector,
            Pane::Output => &mut self.output,
        };
        *slot = Some(r);
    }
}

/// Splits `area` vertically into the given heights (from the top).
fn rows(area: Rect, heights: &[u16]) -> Vec<Rect> {
    Layout::vertical(heights.iter().map(|&h| Constraint::Length(h)))
        .split(area)
        .to_vec()
}

/// The screen layout for `area` with `focus` the focused pane.
pub fn areas(area: Rect, focus: Pane) -> Areas {
    let mut a = Areas::default();
    if area.width == 0 || area.height == 0 {
        return a;
    }
    let h = area.height;
    let compact = area.width < FULL_WIDTH || h < FULL_HEIGHT;
    let messages = match h {
        40.. => 4,
        30.. => 3,
        8.. => 2,
        4.. => 1,
        _ => 0,
    };
    let timeline = if h >= 12 { 3 } else { 0 };
    let rest = h.saturating_sub(1 + messages + timeline);
    let parts = rows(area, &[rest, timeline, messages, 1]);
    a.status = Some(parts[3]);
    a.messages = (messages > 0).then_some(parts[2]);
    a.timeline = (timeline > 0).then_some(parts[1]);
    a.compact = compact;
    if compact {
        if rest >= 3 {
            a.set(focus, parts[0]);
        }
        return a;
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(62), Constraint::Fill(1)]).areas(parts[0]);
    let [source, right] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Fill(1)]).areas(top);
    let [stack, vars] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(right);
    let [inspector, output] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Fill(1)]).areas(bottom);
    a.source = Some(source);
    a.stack = Some(stack);
    a.vars = Some(vars);
    a.inspector = Some(inspector);
    a.output = Some(output);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pane_fits_at_80x24_and_none_overlap() {
        let a = areas(Rect::new(0, 0, 80, 24), Pane::Source);
        assert!(!a.compact);
        let panes: Vec<Rect> = Pane::ALL.iter().map(|&p| a.pane(p).unwrap()).collect();
        for (i, p) in panes.iter().enumerate() {
            assert!(p.height >= 4, "{p:?} too small");
            for q in &panes[i + 1..] {
                assert!(!p.intersects(*q), "{p:?} overlaps {q:?}");
            }
        }
        assert_eq!(a.status.unwrap().y, 23);
        assert_eq!(a.timeline.unwrap().height, 3);
    }

    #[test]
    fn small_terminals_show_only_the_focused_pane() {
        let a = areas(Rect::new(0, 0, 50, 20), Pane::Stack);
        assert!(a.compact);
        assert!(a.stack.is_some() && a.source.is_none() && a.output.is_none());
        let a = areas(Rect::new(0, 0, 20, 5), Pane::Source);
        assert!(a.source.is_some() && a.timeline.is_none());
        let a = areas(Rect::new(0, 0, 20, 2), Pane::Source);
        assert!(a.source.is_none());
        assert_eq!(a.status.unwrap().height, 1);
        assert_eq!(areas(Rect::new(0, 0, 0, 0), Pane::Source), Areas::default());
    }
}
