//! Key presses to state changes. In the picker: arrows or j/k move, PgUp/PgDn page,
//! Home/End (g/G) jump, `/` starts an incremental search (typed characters filter,
//! Backspace deletes, Enter opens, Esc clears), Enter opens the method. In the method
//! view: Tab/Shift-Tab or Left/Right (h/l) switch column, arrows or j/k move and pick,
//! PgUp/PgDn page, Home/End jump, `t` shows or hides the machine code, `p`/`P` show
//! the next/previous tier-2 view (machine code, IR after each pass), Esc goes back to
//! the picker (and from there back to the open method), `/` searches. Everywhere: `?`
//! help (any key closes it), `q` or Ctrl-C quits.

use super::layout::Screen;
use super::state::App;
use crate::method::MethodData;
use crate::program::MethodEntry;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Builds the data of a method the user opens.
pub type Open<'a> = &'a dyn Fn(&MethodEntry) -> Option<MethodData>;

/// Applies one key press.
pub fn on_key(app: &mut App, key: KeyEvent, open: Open<'_>) {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        app.quit = true;
        return;
    }
    if app.help {
        app.help = false;
        return;
    }
    app.message.clear();
    if app.screen == Screen::Picker && app.picker.searching {
        return search_key(app, key, open);
    }
    match key.code {
        KeyCode::Char('q') => app.quit = true,
        KeyCode::Char('?') => app.help = true,
        KeyCode::Char('/') => {
            app.show_picker();
            app.picker.searching = true;
        }
        KeyCode::PageDown => app.page(true),
        KeyCode::PageUp => app.page(false),
        _ => match app.screen {
            Screen::Picker => picker_key(app, key, open),
            Screen::Method => method_key(app, key),
        },
    }
}

/// Opens the entry under the picker's cursor.
pub fn open_selected(app: &mut App, open: Open<'_>) {
    let Some(entry) = app.selected_entry() else {
        app.message = "no method matches the filter".into();
        return;
    };
    match open(entry) {
        Some(data) => app.open(data),
        None => app.message = format!("{} is a primitive: it has no bytecode", entry.label),
    }
}

fn search_key(app: &mut App, key: KeyEvent, open: Open<'_>) {
    match key.code {
        KeyCode::Char(c) => app.filter_push(c),
        KeyCode::Backspace => app.filter_pop(),
        KeyCode::Esc => app.filter_clear(),
        KeyCode::Enter => {
            app.picker.searching = false;
            open_selected(app, open);
        }
        KeyCode::Down => app.picker_move(1),
        KeyCode::Up => app.picker_move(-1),
        KeyCode::PageDown => app.page(true),
        KeyCode::PageUp => app.page(false),
        _ => {}
    }
}

fn picker_key(app: &mut App, key: KeyEvent, open: Open<'_>) {
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => app.picker_move(1),
        KeyCode::Up | KeyCode::Char('k') => app.picker_move(-1),
        KeyCode::Home | KeyCode::Char('g') => app.picker_move(isize::MIN / 2),
        KeyCode::End | KeyCode::Char('G') => app.picker_move(isize::MAX / 2),
        KeyCode::Enter => open_selected(app, open),
        KeyCode::Char('s') => app.toggle_hot_first(),
        KeyCode::Esc | KeyCode::Tab => app.show_method(),
        _ => {}
    }
}

fn method_key(app: &mut App, key: KeyEvent) {
    match key.code {
        KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => app.cycle_focus(true),
        KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') => app.cycle_focus(false),
        KeyCode::Down | KeyCode::Char('j') => app.move_cursor(1),
        KeyCode::Up | KeyCode::Char('k') => app.move_cursor(-1),
        KeyCode::Home | KeyCode::Char('g') => app.move_cursor(isize::MIN / 2),
        KeyCode::End | KeyCode::Char('G') => app.move_cursor(isize::MAX / 2),
        KeyCode::Char('t') => app.toggle_tier(),
        KeyCode::Char('p') => app.cycle_view(true),
        KeyCode::Char('P') => app.cycle_view(false),
        KeyCode::Esc | KeyCode::Backspace => app.show_picker(),
        KeyCode::Enter => app.move_cursor(0),
        _ => {}
    }
}

/// The help text, one line per key group.
pub const HELP: &[&str] = &[
    "som-asm browser keys",
    "",
    "Picker",
    "  Up/Down j/k    move          PgUp/PgDn  page",
    "  Home/End g/G   first/last    Enter      open the method",
    "  /              search: type to filter, Enter opens, Esc clears",
    "  s              sort: by class / hottest first (bytecodes run)",
    "  Esc or Tab     back to the open method",
    "",
    "Method",
    "  Tab Shift-Tab  next/previous column (also Left/Right, h/l)",
    "  Up/Down j/k    move and select: counterparts are marked * in",
    "                 the other columns and scrolled into view",
    "  PgUp/PgDn      page          Home/End g/G  first/last",
    "  Enter          select the row under the cursor (after Tab)",
    "  t              show/hide the machine code (tier 1 / tier 0)",
    "  Esc            back to the picker   p/P  tier 2: code, IR passes",
    "  Bytecodes: bci, times run, • where tier-1 code can be entered",
    "  Machine code: offset (or address), bci (s: slow path), text",
    "",
    "?  this help      q or Ctrl-C  quit",
];
