//! `som-asm --tui`: the interactive browser (ratatui + crossterm) on a program that has
//! already run. `state` is the model (picker, columns, linking, scrolling), `keys`
//! maps key presses onto it, `text` and `render` draw it, `layout` places the parts
//! for any terminal size. This module owns the terminal: raw mode and the alternate
//! screen, restored on exit, on error and on panic.

pub mod keys;
pub mod layout;
pub mod render;
pub mod state;
pub mod text;

use crate::program::Program;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::prelude::CrosstermBackend;
use ratatui::Terminal;
use som_vm::introspect::MethodKey;
use state::App;
use std::io::Stdout;

/// The state for `program` in a terminal of `size`, with the picker on the first
/// method of the program (or `method` opened).
pub fn start(program: &Program, max_tier: u8, method: Option<MethodKey>, size: (u16, u16)) -> App {
    let mut app = App::new(program.methods.clone(), max_tier, size);
    let file = program.file.display();
    app.title = match &program.exit.error {
        None => format!("{file}: exit {}", program.exit.status),
        Some(e) => format!(
            "{file}: failed ({})",
            e.lines().next().unwrap_or("error").trim()
        ),
    };
    if !program.has_counts() {
        app.message = "no counters (--no-counts)".into();
    }
    if let Some(index) = method.and_then(|k| program.methods.iter().position(|e| e.key == k)) {
        app.select_entry(index);
        keys::open_selected(&mut app, &|e| program.method_data(e.key));
    }
    app
}

/// Puts the terminal back: cooked mode, the main screen, a visible cursor.
fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
}

/// Restores the terminal when dropped (on return, on error and while unwinding).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Browses `program` in the terminal until the user quits.
pub fn run(program: &Program, max_tier: u8, method: Option<MethodKey>) -> std::io::Result<()> {
    terminal::enable_raw_mode()?;
    let _guard = TerminalGuard;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    execute!(std::io::stdout(), EnterAlternateScreen)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    let size = terminal.size()?;
    let mut app = start(program, max_tier, method, (size.width, size.height));
    let result = event_loop(&mut terminal, &mut app, program);
    let _ = std::panic::take_hook();
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    program: &Program,
) -> std::io::Result<()> {
    let open = |e: &crate::program::MethodEntry| program.method_data(e.key);
    while !app.quit {
        terminal.draw(|frame| render::draw(frame, app))?;
        match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                keys::on_key(app, key, &open);
            }
            Event::Resize(w, h) => app.resize((w, h)),
            _ => {}
        }
    }
    Ok(())
}
