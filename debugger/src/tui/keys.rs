//! Key presses: what each key does to the state and the engine. gdb-like movement keys
//! (s n f c, S N F C backwards), u/d for frames, b for a breakpoint on the source
//! cursor's line, `:` for the command line, `?` for help, Tab between panes, arrows and
//! PgUp/PgDn inside the focused pane, Enter/→ and ← in the inspector.

use super::reply;
use super::state::{App, Pane, Popup};
use crate::command::{Command, HELP};
use crate::engine::{BreakpointKind, Engine};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The keys, for the help popup.
pub const KEYS: &str = "\
s n f c        step, next, finish, continue
S N F C        reverse-step, reverse-next, reverse-finish, reverse-continue
u d            select the frame above / below
b              toggle a breakpoint on the source cursor's line
Tab, S-Tab     focus the next / previous pane
arrows PgUp/Dn move or scroll in the focused pane
Enter, ->      inspect a local (Locals), expand (Inspector), select (Stack)
<-             Inspector: collapse (or go to the parent)
:              command line (Up/Down for history, Esc to cancel)
?              this help (Esc or q closes)
q, Ctrl-C      quit";

/// Handles one key press.
pub fn on_key(app: &mut App, engine: &mut Engine, key: KeyEvent) {
    if app.popup.is_some() {
        return popup_key(app, key);
    }
    if app.command.active {
        return command_key(app, engine, key);
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if ctrl => app.quit = true,
        KeyCode::Char('q') => app.quit = true,
        KeyCode::Char('?') => show_help(app),
        KeyCode::Char(':') => app.command.open(),
        KeyCode::Char('b') => toggle_breakpoint(app, engine),
        KeyCode::Char(c) => {
            if let Some(command) = movement_key(c) {
                run(app, engine, command);
            }
        }
        KeyCode::Tab => app.focus = app.focus.next(),
        KeyCode::BackTab => app.focus = app.focus.prev(),
        KeyCode::Enter | KeyCode::Right => enter(app, engine),
        KeyCode::Left => collapse(app, engine),
        _ => scroll_key(app, engine, key.code),
    }
    app.clamp();
}

/// Whether `key` runs an engine command, which may take a while on a long recording
/// (the event loop shows that it is working first).
pub fn runs_command(app: &App, key: &KeyEvent) -> bool {
    match key.code {
        _ if app.popup.is_some() => false,
        KeyCode::Enter => true,
        KeyCode::Char(c) => !app.command.active && (c == 'b' || movement_key(c).is_some()),
        _ => false,
    }
}

fn movement_key(c: char) -> Option<Command> {
    Some(match c {
        's' => Command::Step,
        'n' => Command::Next,
        'f' => Command::Finish,
        'c' => Command::Continue,
        'S' => Command::ReverseStep,
        'N' => Command::ReverseNext,
        'F' => Command::ReverseFinish,
        'C' => Command::ReverseContinue,
        'u' => Command::Up,
        'd' => Command::Down,
        _ => return None,
    })
}

/// Runs a command, shows its answer (long ones in a popup), and refreshes the panes.
pub fn run(app: &mut App, engine: &mut Engine, command: Command) {
    let result = engine.execute(&command);
    let lines = reply::describe(engine, &command, &result);
    if lines.len() > app.message_rows() {
        app.say(&format!("{} ({} lines)", lines[0], lines.len()));
        app.popup = Some(Popup {
            title: "Answer".into(),
            lines,
            scroll: 0,
        });
    } else {
        app.say(&lines.join("\n"));
    }
    if command == Command::Quit {
        app.quit = true;
    }
    app.refresh(engine);
}

/// Runs a typed command line.
pub fn run_line(app: &mut App, engine: &mut Engine, line: &str) {
    match line {
        "" => {}
        "help" | "?" => show_help(app),
        _ => match Command::parse(line) {
            Ok(command) => run(app, engine, command),
            Err(e) => app.say(&format!("error: {e}")),
        },
    }
}

fn show_help(app: &mut App) {
    let mut lines: Vec<String> = KEYS.lines().map(str::to_string).collect();
    lines.push(String::new());
    lines.push("Commands (type : first):".into());
    lines.extend(HELP.lines().map(str::to_string));
    app.popup = Some(Popup {
        title: "Help".into(),
        lines,
        scroll: 0,
    });
}

fn popup_key(app: &mut App, key: KeyEvent) {
    let page = app.size.1.saturating_sub(4).max(1) as usize;
    let Some(popup) = app.popup.as_mut() else {
        return;
    };
    let last = popup.lines.len().saturating_sub(1);
    popup.scroll = match key.code {
        KeyCode::Up => popup.scroll.saturating_sub(1),
        KeyCode::Down => popup.scroll + 1,
        KeyCode::PageUp => popup.scroll.saturating_sub(page),
        KeyCode::PageDown => popup.scroll + page,
        _ => {
            app.popup = None;
            return;
        }
    }
    .min(last);
}

fn command_key(app: &mut App, engine: &mut Engine, key: KeyEvent) {
    let line = &mut app.command;
    match key.code {
        KeyCode::Enter => {
            let text = line.submit();
            run_line(app, engine, &text);
        }
        KeyCode::Esc => line.active = false,
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => line.active = false,
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => line.open(),
        KeyCode::Char(c) => line.insert(c),
        KeyCode::Backspace => line.backspace(),
        KeyCode::Left => line.left(),
        KeyCode::Right => line.right(),
        KeyCode::Home => line.cursor = 0,
        KeyCode::End => line.cursor = line.text.chars().count(),
        KeyCode::Up => line.older(),
        KeyCode::Down => line.newer(),
        _ => {}
    }
}

/// Adds a breakpoint on the source cursor's line, or removes the one there.
fn toggle_breakpoint(app: &mut App, engine: &mut Engine) {
    let Some(file) = app.shown.file.clone() else {
        return app.say("error: no source file here to set a breakpoint in");
    };
    let line = app.source_cursor as u32;
    let existing = engine.breakpoints.iter().find(|b| {
        matches!(&b.kind, BreakpointKind::Line { file: f, line: l }
            if *l == line && (f == &file || file.ends_with(&format!("/{f}"))))
    });
    let command = match existing {
        Some(b) => Command::Delete(b.id),
        None => Command::Break(format!("{file}:{line}")),
    };
    run(app, engine, command);
}

fn enter(app: &mut App, engine: &mut Engine) {
    match app.focus {
        Pane::Stack => {
            let level = app.shown.selected;
            run(app, engine, Command::Frame(level));
        }
        Pane::Vars => {
            let Some(root) = app
                .shown
                .vars
                .get(app.vars_cursor)
                .and_then(|r| r.root.clone())
            else {
                return;
            };
            app.root = root;
            app.open = [Vec::new()].into();
            app.tree_cursor = 0;
            app.focus = Pane::Inspector;
            app.refresh(engine);
        }
        Pane::Inspector => {
            let row = app.shown.tree.get(app.tree_cursor);
            if let Some(path) = row.filter(|r| r.expandable).and_then(|r| r.path.clone()) {
                app.open.insert(path);
                app.refresh(engine);
            }
        }
        Pane::Source | Pane::Output => {}
    }
}

fn collapse(app: &mut App, engine: &mut Engine) {
    if app.focus != Pane::Inspector {
        return;
    }
    let Some(row) = app.shown.tree.get(app.tree_cursor) else {
        return;
    };
    match row.path.clone() {
        Some(path) if row.open => {
            app.open.remove(&path);
            app.refresh(engine);
        }
        Some(path) => {
            if let Some(i) = super::inspect::parent_row(&app.shown.tree, &path) {
                app.tree_cursor = i;
            }
        }
        None => app.tree_cursor = app.tree_cursor.saturating_sub(1),
    }
}

/// Arrows, PgUp/PgDn, Home/End in the focused pane.
fn scroll_key(app: &mut App, engine: &mut Engine, code: KeyCode) {
    let page = app.pane_height(app.focus);
    let delta: isize = match code {
        KeyCode::Up => -1,
        KeyCode::Down => 1,
        KeyCode::PageUp => -(page as isize),
        KeyCode::PageDown => page as isize,
        KeyCode::Home => isize::MIN / 2,
        KeyCode::End => isize::MAX / 2,
        _ => return,
    };
    let moved = |v: usize| v.saturating_add_signed(delta);
    match app.focus {
        Pane::Source => app.source_cursor = moved(app.source_cursor).max(1),
        Pane::Vars => app.vars_cursor = moved(app.vars_cursor),
        Pane::Inspector => app.tree_cursor = moved(app.tree_cursor),
        Pane::Output => app.output_back = app.output_back.saturating_add_signed(-delta),
        Pane::Stack => {
            let last = app.shown.frames.len().saturating_sub(1);
            let level = moved(app.shown.selected).min(last);
            if level != app.shown.selected && !app.shown.frames.is_empty() {
                run(app, engine, Command::Frame(level));
            }
        }
    }
}
