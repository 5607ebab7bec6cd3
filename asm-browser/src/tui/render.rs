//! Drawing: a pure function of the state (`draw(&App, Frame)`). Rows carry text
//! markers as well as colours, so the selection reads the same in a snapshot, in
//! `tmux capture-pane` and on a colour terminal: `>` is the cursor of the focused
//! column, `*` marks the counterparts of the current pick in every column.

use super::keys::HELP;
use super::layout::{self, Areas, Screen};
use super::state::App;
use super::text;
use crate::method::Column;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

const FOCUS: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
const CURSOR: Style = Style::new().add_modifier(Modifier::REVERSED);
const LINKED: Style = Style::new().fg(Color::Black).bg(Color::Cyan);
const DIM: Style = Style::new().fg(Color::DarkGray);
/// Inner width from which the machine-code column shows absolute addresses.
const ADDRESS_WIDTH: u16 = 48;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let areas = layout::areas(frame.area(), app.screen, app.focus, app.tier >= 1);
    match app.screen {
        Screen::Picker => {
            if let Some(area) = areas.picker {
                draw_picker(frame, app, area);
            }
        }
        Screen::Method => draw_method(frame, app, &areas),
    }
    if let Some(area) = areas.detail {
        let line = Line::styled(clean(&text::detail(app)), FOCUS);
        frame.render_widget(Paragraph::new(line), area);
    }
    if let Some(area) = areas.status {
        frame.render_widget(Paragraph::new(clean(&status(app))), area);
    }
    if app.help {
        draw_help(frame);
    }
}

/// Replaces control characters, which would corrupt the terminal.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn status(app: &App) -> String {
    if app.screen == Screen::Picker && app.picker.searching {
        return format!("/{}_  (Enter opens, Esc clears)", app.picker.filter);
    }
    if !app.message.is_empty() {
        return app.message.clone();
    }
    let keys = match app.screen {
        Screen::Picker => "Enter open  / search  ? help  q quit",
        Screen::Method => "Tab column  j/k move  t tier  Esc methods  ? help  q quit",
    };
    format!("{}  |  {keys}", app.title)
}

fn bordered(title: String, focused: bool) -> Block<'static> {
    let mark = if focused { "▶ " } else { "" };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {mark}{} ", clean(&title)));
    if focused {
        block.border_style(FOCUS)
    } else {
        block
    }
}

/// A row with its two marker characters and style.
fn row_line(text: String, cursor: bool, linked: bool, dim: bool) -> Line<'static> {
    let marks = format!(
        "{}{}",
        if cursor { '>' } else { ' ' },
        if linked { '*' } else { ' ' }
    );
    let style = match (cursor, linked, dim) {
        (true, _, _) => CURSOR,
        (_, true, _) => LINKED,
        (_, _, true) => DIM,
        _ => Style::new(),
    };
    Line::styled(clean(&format!("{marks}{text}")), style)
}

fn draw_picker(frame: &mut Frame, app: &App, area: Rect) {
    let p = &app.picker;
    let filter = if p.filter.is_empty() {
        String::new()
    } else {
        format!(", filter '{}'", p.filter)
    };
    let title = format!(
        "Methods ({} of {}{filter})",
        p.shown.len(),
        app.methods.len()
    );
    let height = layout::inner_height(Some(area)).saturating_sub(1);
    let mut lines = vec![Line::styled(format!("  {}", text::PICKER_HEADER), DIM)];
    for (i, &index) in p.shown.iter().enumerate().skip(p.scroll).take(height) {
        let e = &app.methods[index];
        let dim = e.is_primitive || e.bytecodes == Some(0);
        lines.push(row_line(text::picker_row(e), i == p.cursor, false, dim));
    }
    if p.shown.is_empty() {
        lines.push(Line::from("  no method matches the filter"));
    }
    frame.render_widget(Paragraph::new(lines).block(bordered(title, true)), area);
}

fn draw_method(frame: &mut Frame, app: &App, areas: &Areas) {
    let Some(m) = &app.method else {
        return;
    };
    for column in Column::ALL {
        let Some(area) = areas.column(column) else {
            continue;
        };
        let focused = app.focus == column;
        let mut title = text::column_title(&m.data, column);
        if column == Column::Source {
            title = format!("{}  {title}", m.data.label);
        }
        if areas.compact {
            title.push_str(" (Tab: next column)");
        }
        let block = bordered(title, focused);
        let rows = m.data.rows(column);
        if column == Column::Machine && rows == 0 {
            let note = Line::from("  not compiled in tier 1 (it did not run, or not often enough)");
            frame.render_widget(Paragraph::new(note).block(block), area);
            continue;
        }
        let addresses = area.width.saturating_sub(4) >= ADDRESS_WIDTH;
        let cursor = m.cursors[column.index()];
        let height = layout::inner_height(Some(area));
        let lines: Vec<Line> = (cursor.scroll..rows.min(cursor.scroll + height))
            .map(|r| {
                let dim = column == Column::Source
                    && !m
                        .data
                        .bytecodes
                        .iter()
                        .any(|b| b.line == m.data.source[r].line);
                row_line(
                    text::column_row(&m.data, column, r, addresses),
                    focused && r == cursor.row,
                    m.data.is_linked(&m.linked, column, r),
                    dim,
                )
            })
            .collect();
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
}

fn draw_help(frame: &mut Frame) {
    let width = HELP.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u16 + 4;
    let height = HELP.len() as u16 + 2;
    let [area] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(frame.area());
    let [area] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let lines: Vec<Line> = HELP.iter().map(|l| Line::from(format!(" {l}"))).collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(bordered("Help (any key closes)".into(), true)),
        area,
    );
}
