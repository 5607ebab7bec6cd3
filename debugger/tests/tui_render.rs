//! Snapshots of the TUI drawn with ratatui's TestBackend at 80x24 and 160x48, compared
//! with the golden text files in `tests/snapshots/` (set `SOM_BLESS=1` to rewrite them,
//! then review the diff), and every small size drawn without a panic.

mod support;

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use som_debugger::engine::Engine;
use som_debugger::tui::state::{App, Pane};
use som_debugger::tui::{keys, render, start};
use std::path::PathBuf;

fn press(app: &mut App, engine: &mut Engine, code: KeyCode) {
    keys::on_key(app, engine, KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_text(app: &mut App, engine: &mut Engine, text: &str) {
    for c in text.chars() {
        press(app, engine, KeyCode::Char(c));
    }
}

/// The screen as text, one line per row, trailing blanks removed.
fn screen(app: &App, size: (u16, u16)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    terminal.draw(|f| render::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let row: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

/// Compares with `tests/snapshots/NAME.txt`, or writes it under `SOM_BLESS=1`.
fn check(name: &str, actual: &str) {
    let path = PathBuf::from("tests/snapshots").join(format!("{name}.txt"));
    if std::env::var_os("SOM_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {path:?}: run with SOM_BLESS=1"));
    assert!(
        expected == actual,
        "snapshot {name} differs (SOM_BLESS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// At the first call of bump:, with the receiver's items array open in the inspector.
fn at_breakpoint(size: (u16, u16)) -> (App, Engine) {
    let mut engine = support::open_program("Counter");
    let mut app = start(&mut engine, size);
    press(&mut app, &mut engine, KeyCode::Char(':'));
    type_text(&mut app, &mut engine, "break Counter>>bump:");
    press(&mut app, &mut engine, KeyCode::Enter);
    type_text(&mut app, &mut engine, "cc");
    app.focus = Pane::Vars;
    app.vars_cursor = app.shown.vars.len() - 1;
    press(&mut app, &mut engine, KeyCode::Enter);
    press(&mut app, &mut engine, KeyCode::Down);
    (app, engine)
}

#[test]
fn snapshot_at_the_start_80x24() {
    let mut engine = support::open_program("Counter");
    let app = start(&mut engine, (80, 24));
    check("start_80x24", &screen(&app, (80, 24)));
}

#[test]
fn snapshot_at_a_breakpoint_80x24() {
    let (app, _engine) = at_breakpoint((80, 24));
    check("breakpoint_80x24", &screen(&app, (80, 24)));
}

#[test]
fn snapshot_at_a_breakpoint_160x48() {
    let (app, _engine) = at_breakpoint((160, 48));
    check("breakpoint_160x48", &screen(&app, (160, 48)));
}

#[test]
fn snapshot_of_help_and_of_the_command_line_80x24() {
    let (mut app, mut engine) = at_breakpoint((80, 24));
    press(&mut app, &mut engine, KeyCode::Char('?'));
    check("help_80x24", &screen(&app, (80, 24)));
    press(&mut app, &mut engine, KeyCode::Esc);
    press(&mut app, &mut engine, KeyCode::Char(':'));
    type_text(&mut app, &mut engine, "print count");
    check("command_line_80x24", &screen(&app, (80, 24)));
}

#[test]
fn snapshot_at_the_end_and_small_50x14() {
    let (mut app, mut engine) = at_breakpoint((50, 14));
    check("compact_50x14", &screen(&app, (50, 14)));
    press(&mut app, &mut engine, KeyCode::Char(':'));
    type_text(&mut app, &mut engine, "delete 1");
    press(&mut app, &mut engine, KeyCode::Enter);
    app.size = (80, 24);
    press(&mut app, &mut engine, KeyCode::Char('c'));
    check("ended_80x24", &screen(&app, (80, 24)));
}

#[test]
fn every_small_size_draws_without_panic() {
    let (mut app, mut engine) = at_breakpoint((80, 24));
    let mut states = Vec::new();
    states.push(app.clone());
    press(&mut app, &mut engine, KeyCode::Char('?'));
    states.push(app.clone());
    press(&mut app, &mut engine, KeyCode::Esc);
    press(&mut app, &mut engine, KeyCode::Char(':'));
    type_text(
        &mut app,
        &mut engine,
        "print 'a long command line that is wider than the screen'",
    );
    states.push(app.clone());
    for state in &mut states {
        for w in 0..=64u16 {
            for h in 0..=20u16 {
                state.size = (w, h);
                state.clamp();
                let text = screen(state, (w, h));
                assert_eq!(text.lines().count(), h as usize);
            }
        }
    }
    // Each pane alone in a small terminal.
    for pane in Pane::ALL {
        app.focus = pane;
        app.command.active = false;
        let text = screen(&app, (20, 5));
        assert!(text.contains(pane.title()), "{pane:?} at 20x5:\n{text}");
    }
}
