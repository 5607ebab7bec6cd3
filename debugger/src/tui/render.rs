//! Drawing: a pure function of the state (`draw(&App, Frame)`); no engine here. Each
//! pane is a bordered block whose title says what it shows; the focused one is marked
//! with `▶` and a highlighted border.

use super::layout::{self, Areas};
use super::reply::short_path;
use super::state::{App, Pane};
use super::timeline;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

const FOCUS: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
const CURRENT: Style = Style::new().bg(Color::Blue).fg(Color::White);
const CURSOR: Style = Style::new().add_modifier(Modifier::REVERSED);
const DIM: Style = Style::new().fg(Color::DarkGray);
const BREAK: Style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let areas = layout::areas(frame.area(), app.focus);
    for pane in Pane::ALL {
        if let Some(area) = areas.pane(pane) {
            draw_pane(frame, app, pane, area, areas.compact);
        }
    }
    if let Some(area) = areas.timeline {
        draw_timeline(frame, app, area);
    }
    if let Some(area) = areas.messages {
        draw_messages(frame, app, area);
    }
    draw_status(frame, app, &areas);
    if app.popup.is_some() {
        draw_popup(frame, app);
    }
}

/// Replaces control characters, which would corrupt the terminal.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn block(app: &App, pane: Pane, title: String, compact: bool) -> Block<'static> {
    let focused = app.focus == pane;
    let mark = if focused { "▶ " } else { "" };
    let hint = if compact { " (Tab: next pane)" } else { "" };
    let title = format!(" {mark}{}{hint} ", clean(&title));
    let block = Block::default().borders(Borders::ALL).title(title);
    if focused {
        block.border_style(FOCUS)
    } else {
        block
    }
}

fn draw_pane(frame: &mut Frame, app: &App, pane: Pane, area: Rect, compact: bool) {
    let inner_height = area.height.saturating_sub(2) as usize;
    let (title, lines) = match pane {
        Pane::Source => source(app, inner_height),
        Pane::Stack => stack(app, inner_height),
        Pane::Vars => vars(app, inner_height),
        Pane::Inspector => inspector(app, inner_height),
        Pane::Output => output(app, inner_height),
    };
    let paragraph = Paragraph::new(lines).block(block(app, pane, title, compact));
    frame.render_widget(paragraph, area);
}

fn source(app: &App, height: usize) -> (String, Vec<Line<'static>>) {
    let shown = &app.shown;
    if shown.at_end {
        let text = format!("Program ended (clock {}): S or C goes back.", shown.clock);
        return ("Source".into(), vec![Line::from(text)]);
    }
    let Some(file) = &shown.file else {
        return ("Source".into(), Vec::new());
    };
    let title = format!("Source: {}:{}", short_path(file), shown.line);
    let Some(text) = app.source_lines() else {
        let missing = format!("(the source of {} is not available)", short_path(file));
        return (title, vec![Line::from(missing)]);
    };
    let width = text.len().to_string().len();
    let lines = text
        .iter()
        .enumerate()
        .skip(app.source_top)
        .take(height)
        .map(|(i, line)| {
            let n = i + 1;
            let is_current = n == shown.line as usize;
            let has_break = shown.breakpoint_lines.contains(&(n as u32));
            let arrow = if is_current { "▶" } else { " " };
            let dot = Span::styled(if has_break { "●" } else { " " }, BREAK);
            let number = format!("{arrow}{n:>width$} ");
            let mut style = if is_current { CURRENT } else { Style::new() };
            if app.focus == Pane::Source && n == app.source_cursor {
                style = style.patch(CURSOR);
            }
            Line::from(vec![dot, Span::styled(number + &clean(line), style)])
        })
        .collect();
    (title, lines)
}

fn selectable(text: String, selected: bool, focused: bool) -> Line<'static> {
    let marker = if selected { "> " } else { "  " };
    let style = match (selected, focused) {
        (true, true) => CURSOR,
        (true, false) => Style::new().add_modifier(Modifier::BOLD),
        _ => Style::new(),
    };
    Line::styled(format!("{marker}{}", clean(&text)), style)
}

fn stack(app: &App, height: usize) -> (String, Vec<Line<'static>>) {
    let frames = &app.shown.frames;
    let title = format!("Stack ({} frames)", frames.len());
    let focused = app.focus == Pane::Stack;
    let lines = frames
        .iter()
        .enumerate()
        .skip(app.stack_top)
        .take(height)
        .map(|(i, f)| {
            let file = short_path(&f.file);
            let name = file.rsplit('/').next().unwrap_or(&file).to_string();
            let text = format!(
                "#{i} {} line {} · {name} · tier {}",
                f.label, f.line, f.tier
            );
            selectable(text, i == app.shown.selected, focused)
        })
        .collect();
    (title, lines)
}

fn vars(app: &App, height: usize) -> (String, Vec<Line<'static>>) {
    let title = match app.shown.frames.get(app.shown.selected) {
        Some(f) => format!("Locals of #{} {}", app.shown.selected, f.label),
        None => "Locals".into(),
    };
    let focused = app.focus == Pane::Vars;
    let lines = app
        .shown
        .vars
        .iter()
        .enumerate()
        .skip(app.vars_top)
        .take(height)
        .map(|(i, v)| selectable(v.text.clone(), focused && i == app.vars_cursor, focused))
        .collect();
    (title, lines)
}

fn inspector(app: &App, height: usize) -> (String, Vec<Line<'static>>) {
    let title = match &app.shown.inspected {
        Some(what) => format!("Inspector: {what}"),
        None => "Inspector".into(),
    };
    let focused = app.focus == Pane::Inspector;
    let lines = app
        .shown
        .tree
        .iter()
        .enumerate()
        .skip(app.tree_top)
        .take(height)
        .map(|(i, row)| {
            let sign = match (row.expandable, row.open) {
                (true, true) => "▾ ",
                (true, false) => "▸ ",
                _ => "  ",
            };
            let text = format!("{}{sign}{}", "  ".repeat(row.depth), row.text);
            selectable(text, focused && i == app.tree_cursor, focused)
        })
        .collect();
    (title, lines)
}

fn output(app: &App, height: usize) -> (String, Vec<Line<'static>>) {
    let all = &app.shown.output;
    let end = all.len().saturating_sub(app.output_back);
    let start = end.saturating_sub(height);
    let title = if app.output_back > 0 {
        format!("Output (scrolled back {} lines)", app.output_back)
    } else {
        format!("Output ({} lines)", all.len())
    };
    let lines = all[start..end]
        .iter()
        .map(|l| Line::from(clean(l)))
        .collect();
    (title, lines)
}

fn draw_timeline(frame: &mut Frame, app: &App, area: Rect) {
    let shown = &app.shown;
    let scanning = match (app.timeline_progress(), app.next_hit()) {
        (Some((done, all)), Some(next)) => format!(" · next hit {next} · scanning {done}/{all}"),
        (Some((done, all)), None) => format!(" · scanning {done}/{all}"),
        _ => String::new(),
    };
    let title = format!(
        " Timeline: clock {} of {}{} · {} ◆ breaks · {} ▼ watch{}{scanning} ",
        shown.clock,
        shown.end_clock,
        if shown.at_end { " (end)" } else { "" },
        app.timeline.len(),
        app.watch_hits.len(),
        if app.log_hits.is_empty() {
            String::new()
        } else {
            format!(" · {} ● log", app.log_hits.len())
        }
    );
    let block = Block::default().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    let (bar, scale) = timeline::bar(
        inner.width as usize,
        shown.end_clock,
        shown.clock,
        &app.timeline,
        &app.watch_hits,
        &app.log_hits,
    );
    let bar: Vec<Span> = bar
        .chars()
        .map(|c| match c {
            timeline::HIT | timeline::WATCH | timeline::LOG => Span::styled(c.to_string(), BREAK),
            timeline::HERE => Span::styled(c.to_string(), FOCUS),
            _ => Span::styled(c.to_string(), DIM),
        })
        .collect();
    let text = vec![Line::from(bar), Line::from(scale)];
    frame.render_widget(Paragraph::new(text).block(block), area);
}

fn draw_messages(frame: &mut Frame, app: &App, area: Rect) {
    let n = area.height as usize;
    let skip = app.messages.len().saturating_sub(n);
    let last = app.messages.len().saturating_sub(1);
    let lines: Vec<Line> = app.messages[skip..]
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let style = if skip + i == last { Style::new() } else { DIM };
            Line::styled(clean(m), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_status(frame: &mut Frame, app: &App, areas: &Areas) {
    let Some(area) = areas.status else {
        return;
    };
    if app.command.active {
        let text = format!(":{}", clean(&app.command.text));
        frame.render_widget(Paragraph::new(text), area);
        let x = area.x as usize + 1 + app.command.cursor;
        let x = x.min(area.right().saturating_sub(1) as usize) as u16;
        frame.set_cursor_position(Position::new(x, area.y));
        return;
    }
    if app.busy {
        let text = " working... (replaying the recording)";
        frame.render_widget(Paragraph::new(text).style(CURSOR), area);
        return;
    }
    let shown = &app.shown;
    let place = match shown.frames.get(shown.selected) {
        Some(f) => format!("{} line {}", f.label, f.line),
        None if shown.at_end => "ended".into(),
        None => "-".into(),
    };
    let text = format!(
        " clock {}/{} │ {} │ ? help  : command  q quit",
        shown.clock, shown.end_clock, place
    );
    frame.render_widget(Paragraph::new(clean(&text)).style(CURSOR), area);
}

fn draw_popup(frame: &mut Frame, app: &App) {
    let Some(popup) = &app.popup else {
        return;
    };
    let area = frame.area();
    let width = area
        .width
        .saturating_sub(2)
        .min(100)
        .max(area.width.min(10));
    let height = area.height.saturating_sub(2).max(area.height.min(3));
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let title = format!(" {} (↑↓ scroll, Esc closes) ", popup.title);
    let lines: Vec<Line> = popup
        .lines
        .iter()
        .skip(popup.scroll)
        .map(|l| Line::from(clean(l)))
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(FOCUS)
        .title(title);
    frame.render_widget(Clear, rect);
    let paragraph = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false });
    frame.render_widget(paragraph, rect);
}
