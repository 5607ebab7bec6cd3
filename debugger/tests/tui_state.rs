//! The TUI's state model driven by key presses on a real recording, without a
//! terminal: movement keys forwards and backwards, frames, the source cursor and
//! breakpoint toggling, the inspector, the command line, messages and popups.

mod support;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use som_debugger::engine::Engine;
use som_debugger::tui::inspect::Root;
use som_debugger::tui::state::{App, Pane};
use som_debugger::tui::{keys, start};

fn press(app: &mut App, engine: &mut Engine, code: KeyCode) {
    keys::on_key(app, engine, KeyEvent::new(code, KeyModifiers::NONE));
}

fn chars(app: &mut App, engine: &mut Engine, text: &str) {
    for c in text.chars() {
        press(app, engine, KeyCode::Char(c));
    }
}

/// Types `:LINE` and Enter.
fn command(app: &mut App, engine: &mut Engine, line: &str) {
    press(app, engine, KeyCode::Char(':'));
    chars(app, engine, line);
    press(app, engine, KeyCode::Enter);
}

fn last_message(app: &App) -> &str {
    app.messages.last().map(String::as_str).unwrap_or("")
}

fn at_bump() -> (App, Engine) {
    let mut engine = support::open_program("Counter");
    let mut app = start(&mut engine, (80, 24));
    command(&mut app, &mut engine, "break Counter>>bump:");
    press(&mut app, &mut engine, KeyCode::Char('c'));
    (app, engine)
}

#[test]
fn continue_stops_at_a_breakpoint_and_reverse_step_goes_back() {
    let (mut app, mut engine) = at_bump();
    assert!(last_message(&app).starts_with("breakpoint 1: Counter>>bump:"));
    assert_eq!(app.shown.frames[0].label, "Counter>>bump:");
    assert_eq!(app.shown.line, 17);
    assert_eq!(app.source_cursor, 17);
    assert!(app.shown.file.as_deref().unwrap().ends_with("Counter.som"));
    assert_eq!(app.timeline.len(), 5, "five calls of bump: on the timeline");
    let clock = app.shown.clock;
    press(&mut app, &mut engine, KeyCode::Char('S'));
    assert!(app.shown.clock < clock);
    assert_eq!(app.shown.frames[0].label, "Counter>>run");
    assert!(last_message(&app).starts_with("reverse-step: Counter>>run"));
    press(&mut app, &mut engine, KeyCode::Char('c'));
    press(&mut app, &mut engine, KeyCode::Char('c'));
    assert!(last_message(&app).contains("breakpoint 1"));
    press(&mut app, &mut engine, KeyCode::Char('C'));
    assert_eq!(app.shown.clock, clock, "reverse-continue to the first hit");
}

#[test]
fn every_movement_key_moves_and_reports() {
    let (mut app, mut engine) = at_bump();
    for (key, word) in [
        ('n', "next"),
        ('s', "step"),
        ('f', "finish"),
        ('N', "reverse-next"),
        ('F', "reverse-finish"),
    ] {
        let before = (app.shown.clock, engine.position().step());
        press(&mut app, &mut engine, KeyCode::Char(key));
        let after = (app.shown.clock, engine.position().step());
        assert_ne!(before, after, "{key} did not move");
        assert!(
            app.messages
                .iter()
                .rev()
                .take(2)
                .any(|m| m.starts_with(word)),
            "{key}: {:?}",
            app.messages
        );
    }
}

#[test]
fn up_and_down_select_frames_and_the_source_follows() {
    let (mut app, mut engine) = at_bump();
    press(&mut app, &mut engine, KeyCode::Char('u'));
    assert_eq!(app.shown.selected, 1);
    assert_eq!(engine.selected, 1);
    assert_eq!(app.shown.line, 9, "the send of bump: in run");
    assert_eq!(app.source_cursor, 9);
    press(&mut app, &mut engine, KeyCode::Char('u'));
    assert!(app
        .shown
        .file
        .as_deref()
        .unwrap()
        .contains("core-lib/System.som"));
    assert!(app.source_lines().is_some(), "core library source is shown");
    press(&mut app, &mut engine, KeyCode::Char('u'));
    assert!(last_message(&app).starts_with("error: no frame 3"));
    press(&mut app, &mut engine, KeyCode::Char('d'));
    press(&mut app, &mut engine, KeyCode::Char('d'));
    assert_eq!(app.shown.selected, 0);
    // The stack pane's arrows select frames too.
    app.focus = Pane::Stack;
    press(&mut app, &mut engine, KeyCode::Down);
    assert_eq!(app.shown.selected, 1);
    press(&mut app, &mut engine, KeyCode::Up);
    assert_eq!(app.shown.selected, 0);
}

#[test]
fn b_toggles_a_line_breakpoint_on_the_source_cursor() {
    let (mut app, mut engine) = at_bump();
    press(&mut app, &mut engine, KeyCode::Down);
    assert_eq!(app.source_cursor, 18);
    press(&mut app, &mut engine, KeyCode::Char('b'));
    assert!(app.shown.breakpoint_lines.contains(&18));
    assert!(last_message(&app).contains("Counter.som:18"));
    assert_eq!(app.timeline.len(), 10, "5 method hits and 5 line hits");
    press(&mut app, &mut engine, KeyCode::Char('c'));
    assert_eq!(app.shown.line, 18);
    press(&mut app, &mut engine, KeyCode::Char('b'));
    assert!(app.shown.breakpoint_lines.is_empty());
    assert_eq!(app.timeline.len(), 5);
    assert_eq!(engine.breakpoints.len(), 1);
}

#[test]
fn the_source_cursor_scrolls_the_pane_and_stays_in_the_file() {
    let (mut app, mut engine) = at_bump();
    let height = app.pane_height(Pane::Source);
    for _ in 0..40 {
        press(&mut app, &mut engine, KeyCode::Down);
    }
    let lines = app.source_lines().unwrap().len();
    assert_eq!(app.source_cursor, lines);
    assert!(app.source_top + height >= lines && app.source_top < lines);
    press(&mut app, &mut engine, KeyCode::PageUp);
    press(&mut app, &mut engine, KeyCode::Home);
    assert_eq!((app.source_cursor, app.source_top), (1, 0));
    press(&mut app, &mut engine, KeyCode::Char('n'));
    assert_eq!(
        app.source_cursor, app.shown.line as usize,
        "reset on a move"
    );
}

#[test]
fn the_inspector_expands_and_collapses_references() {
    let (mut app, mut engine) = at_bump();
    app.focus = Pane::Vars;
    let items = app
        .shown
        .vars
        .iter()
        .position(|v| v.text.contains(".items"));
    app.vars_cursor = items.expect("the receiver's items field");
    press(&mut app, &mut engine, KeyCode::Enter);
    assert_eq!(app.root, Root::Field("items".into()));
    assert_eq!(app.focus, Pane::Inspector);
    assert_eq!(app.shown.tree[0].text, "self.items: an Array(5)");
    assert_eq!(app.shown.tree.len(), 6, "the array and its 5 elements");
    assert_eq!(app.shown.tree[1].text, "[1]: nil");
    press(&mut app, &mut engine, KeyCode::Left);
    assert_eq!(app.shown.tree.len(), 1);
    press(&mut app, &mut engine, KeyCode::Right);
    press(&mut app, &mut engine, KeyCode::Down);
    press(&mut app, &mut engine, KeyCode::Left);
    assert_eq!(app.tree_cursor, 0, "← on a leaf goes to its parent");
    // Another frame without the field shows its receiver; coming back shows the field.
    press(&mut app, &mut engine, KeyCode::Char('u'));
    press(&mut app, &mut engine, KeyCode::Char('u'));
    assert_eq!(app.shown.inspected.as_deref(), Some("self"));
    press(&mut app, &mut engine, KeyCode::Char('d'));
    press(&mut app, &mut engine, KeyCode::Char('d'));
    assert_eq!(app.shown.inspected.as_deref(), Some("self.items"));
    // Expansion survives moving in time; values follow the position.
    press(&mut app, &mut engine, KeyCode::Char('c'));
    assert_eq!(app.shown.tree[1].text, "[1]: 1");
}

#[test]
fn the_inspector_opens_nested_objects_from_the_receiver() {
    let (mut app, mut engine) = at_bump();
    app.focus = Pane::Inspector;
    assert_eq!(app.shown.tree[0].text, "self: a Counter");
    let row = app
        .shown
        .tree
        .iter()
        .position(|r| r.text.starts_with("items"));
    app.tree_cursor = row.unwrap();
    press(&mut app, &mut engine, KeyCode::Enter);
    let depths: Vec<usize> = app.shown.tree.iter().map(|r| r.depth).collect();
    assert_eq!(depths, [0, 1, 1, 2, 2, 2, 2, 2]);
}

#[test]
fn the_command_line_runs_every_command_and_shows_answers_and_errors() {
    let (mut app, mut engine) = at_bump();
    command(&mut app, &mut engine, "print count + n");
    assert_eq!(last_message(&app), "count + n = 1");
    command(&mut app, &mut engine, "fly away");
    assert!(last_message(&app).starts_with("error: unknown command 'fly'"));
    command(&mut app, &mut engine, "print 1 +");
    assert!(last_message(&app).starts_with("error:"));
    command(&mut app, &mut engine, "last-write count");
    assert!(last_message(&app).starts_with("count last written at clock"));
    command(&mut app, &mut engine, "origin items");
    assert!(last_message(&app).starts_with("items allocated at clock"));
    command(&mut app, &mut engine, "watch count");
    assert!(last_message(&app).contains("watchpoint 2"));
    assert_eq!(app.timeline.len(), 5);
    assert!(
        app.watch_hits.len() >= 5,
        "count changes in each of 5 calls"
    );
    press(&mut app, &mut engine, KeyCode::Char('c'));
    assert!(last_message(&app).starts_with("watchpoint 2: 0 -> 1"));
    command(&mut app, &mut engine, "goto 0");
    assert_eq!(app.shown.clock, 0);
    command(&mut app, &mut engine, "where");
    assert!(last_message(&app).starts_with("#0 System>>initialize:"));
    command(&mut app, &mut engine, "info");
    // Three lines do not fit the two message rows at 80x24: a popup shows them.
    let popup = app.popup.take().expect("info in a popup");
    assert!(popup.lines[0].starts_with("recording: end clock"));
    assert_eq!(
        popup.lines[1..],
        ["1: break Counter>>bump:", "2: watch count"]
    );
    assert!(last_message(&app).contains("(3 lines)"));
    command(&mut app, &mut engine, "delete 2");
    assert_eq!(last_message(&app), "deleted 2");
    command(&mut app, &mut engine, "quit");
    assert!(app.quit);
}

#[test]
fn the_command_line_edits_and_recalls_history() {
    let (mut app, mut engine) = at_bump();
    command(&mut app, &mut engine, "print n");
    press(&mut app, &mut engine, KeyCode::Char(':'));
    assert!(app.command.active);
    press(&mut app, &mut engine, KeyCode::Up);
    assert_eq!(app.command.text, "print n");
    chars(&mut app, &mut engine, "+1");
    press(&mut app, &mut engine, KeyCode::Left);
    press(&mut app, &mut engine, KeyCode::Left);
    press(&mut app, &mut engine, KeyCode::Backspace);
    chars(&mut app, &mut engine, " * 3 ");
    assert_eq!(app.command.text, "print  * 3 +1");
    press(&mut app, &mut engine, KeyCode::Esc);
    assert!(!app.command.active);
    assert_eq!(app.shown.clock, engine.position().clock());
    // Keys typed on the command line are text, not movements.
    command(&mut app, &mut engine, "print 'scnf'");
    assert_eq!(last_message(&app), "'scnf' = 'scnf'");
    assert!(!app.quit);
}

#[test]
fn help_opens_over_the_panes_and_any_key_closes_it() {
    let (mut app, mut engine) = at_bump();
    let clock = app.shown.clock;
    press(&mut app, &mut engine, KeyCode::Char('?'));
    let popup = app.popup.as_ref().expect("help popup");
    assert!(popup.lines.iter().any(|l| l.starts_with("reverse-step")));
    press(&mut app, &mut engine, KeyCode::Down);
    assert_eq!(app.popup.as_ref().unwrap().scroll, 1);
    press(&mut app, &mut engine, KeyCode::Char('c'));
    assert!(app.popup.is_none());
    assert_eq!(app.shown.clock, clock, "the closing key does nothing else");
}

#[test]
fn tab_cycles_the_panes_and_q_quits() {
    let (mut app, mut engine) = at_bump();
    let mut seen = vec![app.focus];
    for _ in 0..5 {
        press(&mut app, &mut engine, KeyCode::Tab);
        seen.push(app.focus);
    }
    assert_eq!(seen[0], seen[5]);
    assert_eq!(seen[1], Pane::Stack);
    press(&mut app, &mut engine, KeyCode::BackTab);
    assert_eq!(app.focus, Pane::Output);
    press(&mut app, &mut engine, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn the_output_pane_shows_output_up_to_the_position() {
    let (mut app, mut engine) = at_bump();
    assert!(app.shown.output.is_empty());
    command(&mut app, &mut engine, "delete 1");
    press(&mut app, &mut engine, KeyCode::Char('c'));
    assert!(app.shown.at_end);
    assert_eq!(app.shown.output, ["15", "55", "done"]);
    assert!(app.shown.frames.is_empty());
    press(&mut app, &mut engine, KeyCode::Char('S'));
    assert!(!app.shown.at_end);
    press(&mut app, &mut engine, KeyCode::Char('F'));
    press(&mut app, &mut engine, KeyCode::Char('F'));
    assert!(app.shown.output.len() < 3);
}
