//! Snapshots of the browser drawn with ratatui's TestBackend (picker, search, method
//! view at 80x24 and 160x48, an instruction picked, tier 0, help, a small terminal),
//! compared with the golden files in `tests/snapshots/` after masking what changes
//! from run to run (hexadecimal numbers of 8 digits or more: addresses, as `XXXX`). Set
//! `SOM_BLESS=1` to rewrite them, then review the diff. Also: every small size draws.

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use som_asm_browser::program::{Program, RunOptions};
use som_asm_browser::tui::state::App;
use som_asm_browser::tui::{keys, render, start};
use std::path::{Path, PathBuf};

fn program() -> Program {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).unwrap();
    Program::run(Path::new("tests/programs/Sums.som"), &RunOptions::default()).unwrap()
}

fn press(app: &mut App, program: &Program, code: KeyCode) {
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    keys::on_key(app, key, &|e| program.method_data(e.key));
}

fn type_text(app: &mut App, program: &Program, text: &str) {
    for c in text.chars() {
        press(app, program, KeyCode::Char(c));
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

/// Masks hexadecimal numbers of 8 digits or more (addresses) with as many `X`s, so
/// the layout stays as drawn.
fn masked(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            if run.len() >= 8 {
                run = "X".repeat(run.len());
            }
            out.push_str(&run);
            run.clear();
            out.push(c);
        }
    }
    out.pop();
    out
}

/// Compares with `tests/snapshots/NAME.txt`, or writes it under `SOM_BLESS=1`.
fn check(name: &str, app: &App, size: (u16, u16)) {
    let actual = masked(&screen(app, size));
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var("SOM_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {path:?}: run with SOM_BLESS=1"));
    assert!(
        expected == actual,
        "snapshot {name} differs (SOM_BLESS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// `Sums>>sumTo:` open at `size`, found through the search.
fn sum_to(program: &Program, size: (u16, u16)) -> App {
    let mut app = start(program, 1, None, size);
    press(&mut app, program, KeyCode::Char('/'));
    type_text(&mut app, program, "sums>>sumto");
    press(&mut app, program, KeyCode::Enter);
    app
}

#[test]
fn snapshot_of_the_picker_and_its_search_80x24() {
    let program = program();
    let mut app = start(&program, 1, None, (80, 24));
    check("picker_80x24", &app, (80, 24));
    press(&mut app, &program, KeyCode::Char('/'));
    type_text(&mut app, &program, "sums>>");
    press(&mut app, &program, KeyCode::Down);
    check("picker_search_80x24", &app, (80, 24));
}

#[test]
fn snapshot_of_a_source_line_and_its_counterparts_80x24() {
    let program = program();
    let mut app = sum_to(&program, (80, 24));
    type_text(&mut app, &program, "jjjj");
    check("line_picked_80x24", &app, (80, 24));
}

#[test]
fn snapshot_of_an_instruction_and_its_counterparts_80x24() {
    let program = program();
    let mut app = sum_to(&program, (80, 24));
    press(&mut app, &program, KeyCode::Tab);
    press(&mut app, &program, KeyCode::Tab);
    for _ in 0..30 {
        press(&mut app, &program, KeyCode::Down);
    }
    check("instruction_picked_80x24", &app, (80, 24));
}

#[test]
fn snapshot_of_a_bytecode_on_a_large_terminal_160x48() {
    let program = program();
    let mut app = sum_to(&program, (160, 48));
    press(&mut app, &program, KeyCode::Tab);
    type_text(&mut app, &program, "jjjjjjjjj");
    check("bytecode_picked_160x48", &app, (160, 48));
}

#[test]
fn snapshot_of_tier_0_help_and_a_small_terminal() {
    let program = program();
    let mut app = sum_to(&program, (80, 24));
    press(&mut app, &program, KeyCode::Char('t'));
    check("tier0_80x24", &app, (80, 24));
    press(&mut app, &program, KeyCode::Char('?'));
    check("help_80x24", &app, (80, 24));
    press(&mut app, &program, KeyCode::Esc);
    press(&mut app, &program, KeyCode::Char('t'));
    app.resize((40, 12));
    press(&mut app, &program, KeyCode::Tab);
    check("compact_40x12", &app, (40, 12));
}

#[test]
fn a_method_that_never_ran_says_it_has_no_machine_code() {
    let program = program();
    let mut app = start(&program, 1, None, (80, 24));
    press(&mut app, &program, KeyCode::Char('/'));
    type_text(&mut app, &program, "Array>>isEmpty");
    press(&mut app, &program, KeyCode::Enter);
    let text = screen(&app, (80, 24));
    assert!(text.contains("not compiled in tier 1"), "{text}");
}

#[test]
fn every_small_size_draws_without_panic() {
    let program = program();
    let mut app = sum_to(&program, (80, 24));
    let mut states = vec![app.clone()];
    press(&mut app, &program, KeyCode::Char('?'));
    states.push(app.clone());
    press(&mut app, &program, KeyCode::Esc);
    press(&mut app, &program, KeyCode::Esc);
    states.push(app.clone());
    for state in &mut states {
        for w in 0..=64u16 {
            for h in 0..=20u16 {
                state.resize((w, h));
                let text = screen(state, (w, h));
                assert_eq!(text.lines().count(), h as usize);
            }
        }
    }
}
