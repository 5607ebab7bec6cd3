//! The TUI's state model on a recording with several checkpoints: the Output pane after
//! moves that restore checkpoints shows exactly what the program had printed by then,
//! and adding a breakpoint answers with its next hit at once while the timeline fills
//! in between key presses.

mod support;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use som_debugger::engine::Engine;
use som_debugger::tui::state::App;
use som_debugger::tui::{keys, start};
use std::time::Duration;

fn press(app: &mut App, engine: &mut Engine, code: KeyCode) {
    keys::on_key(app, engine, KeyEvent::new(code, KeyModifiers::NONE));
}

/// Types `:LINE` and Enter.
fn command(app: &mut App, engine: &mut Engine, line: &str) {
    press(app, engine, KeyCode::Char(':'));
    for c in line.chars() {
        press(app, engine, KeyCode::Char(c));
    }
    press(app, engine, KeyCode::Enter);
}

/// `ticks`, read in the frame of `Ticker>>run`.
fn ticks(engine: &mut Engine) -> usize {
    let frames = engine.view().frames();
    let Some(level) = frames.iter().position(|f| f.label == "Ticker>>run") else {
        return 0;
    };
    engine.selected = level;
    let n = engine.evaluate("ticks").unwrap().parse().unwrap();
    engine.selected = 0;
    n
}

#[test]
fn the_output_pane_after_goto_and_continue_shows_what_was_printed_by_then() {
    let mut engine = support::open_program("Ticker");
    assert!(engine.info().checkpoints >= 3, "{:?}", engine.info());
    let end = engine.info().end_clock;
    let mut app = start(&mut engine, (100, 40));
    for clock in [end * 9 / 10, end / 5, end * 2 / 3, end / 2] {
        command(&mut app, &mut engine, &format!("goto {clock}"));
        let n = ticks(&mut engine);
        let in_work = app.shown.frames[0].label == "Ticker>>work";
        assert!(in_work, "{:?}", app.shown.frames[0]);
        let expected: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
        assert_eq!(app.shown.output, expected, "after goto {clock}");
    }
    press(&mut app, &mut engine, KeyCode::Char('c'));
    let all: Vec<String> = (1..=12)
        .map(|i| i.to_string())
        .chain(["done".into()])
        .collect();
    assert_eq!(app.shown.output, all, "at the end: every line");
}

#[test]
fn a_new_breakpoint_answers_its_next_hit_first_and_the_timeline_fills_later() {
    let mut engine = support::open_program("Ticker");
    let mut app = start(&mut engine, (100, 40));
    command(&mut app, &mut engine, "goto 100");
    let here = app.shown.clock;
    command(&mut app, &mut engine, "break Ticker>>work");
    let next = app.next_hit().expect("the next hit is known at once");
    assert!(next > here);
    assert!(app.timeline_pending(), "the rest is left for later");
    assert!(app.timeline.len() < 12);
    let position = engine.position();
    while app.timeline_pending() {
        app.timeline_tick(&mut engine, Duration::from_millis(10));
        assert_eq!(
            engine.position(),
            position,
            "work between keys does not move"
        );
    }
    assert_eq!(app.timeline.len(), 12, "one hit per tick");
    assert!(app.timeline.windows(2).all(|w| w[0] < w[1]), "in order");
    assert_eq!(
        app.timeline[0], next,
        "the first call after clock 100 was next"
    );
    press(&mut app, &mut engine, KeyCode::Char('c'));
    assert_eq!(app.shown.clock, next, "continue stops at the announced hit");
}
