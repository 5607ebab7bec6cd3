//! The terminal UI front end (ratatui + crossterm) on the debugging engine: `state`
//! holds what the UI remembers and what the panes show, `keys` turns key presses into
//! engine commands and state changes, `render` draws the state, `layout` places the
//! panes for any terminal size. This module owns the terminal: raw mode and the
//! alternate screen, restored on exit, on error and on panic.

pub mod inspect;
pub mod keys;
pub mod layout;
pub mod render;
pub mod reply;
pub mod state;
pub mod timeline;

use crate::engine::Engine;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::prelude::CrosstermBackend;
use ratatui::Terminal;
use state::App;
use std::io::Stdout;
use std::time::Duration;

/// Timeline work between two looks at the keyboard.
const TICK: Duration = Duration::from_millis(40);

/// Opens a state on `engine` for a terminal of `size` (columns, rows).
pub fn start(engine: &mut Engine, size: (u16, u16)) -> App {
    let mut app = App::new(size);
    app.refresh(engine);
    app.say(&format!(
        "som-dbg: {} (end clock {}). Keys: s n f c forwards, S N F C backwards, : commands, ? help, q quit.",
        reply::short_path(&engine.trace().program.display().to_string()),
        engine.info().end_clock
    ));
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

/// Opens the engine in the terminal UI until the user quits.
pub fn run(engine: &mut Engine) -> std::io::Result<()> {
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
    let mut app = start(engine, (size.width, size.height));
    let result = event_loop(&mut terminal, &mut app, engine);
    let _ = std::panic::take_hook();
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    engine: &mut Engine,
) -> std::io::Result<()> {
    while !app.quit {
        terminal.draw(|frame| render::draw(frame, app))?;
        if app.timeline_pending() && !event::poll(Duration::ZERO)? {
            app.timeline_tick(engine, TICK);
            continue;
        }
        match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                if keys::runs_command(app, &key) {
                    app.busy = true;
                    terminal.draw(|frame| render::draw(frame, app))?;
                }
                keys::on_key(app, engine, key);
                app.busy = false;
            }
            Event::Resize(w, h) => {
                app.size = (w, h);
                app.clamp();
            }
            _ => {}
        }
    }
    Ok(())
}
