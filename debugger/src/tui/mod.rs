//! The terminal UI front end (ratatui + crossterm) on the debugging engine.

use crate::engine::Engine;

/// Opens the engine in the terminal UI until the user quits.
pub fn run(engine: &mut Engine) -> std::io::Result<()> {
    let _ = engine;
    Err(std::io::Error::other(
        "the terminal UI is not built yet; use replay --batch",
    ))
}
