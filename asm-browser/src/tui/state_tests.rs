//! The state model without a terminal: hand-made method data (five source lines, four
//! bytecodes, instructions with a slow path) and a small method index.

use super::*;
use crate::method::{BytecodeRow, InstructionRow, MethodData, NativeSummary, SourceRow};
use crate::program::MethodEntry;
use som_vm::introspect::MethodKey;

/// Lines 10..=14 (11 and 13 without code); bci 0 on line 10, bcis 1 and 2 on line 12,
/// bci 3 on line 14; three instructions per bytecode, then a `ud2` and a slow path of
/// bci 1.
fn data() -> MethodData {
    let source = (10..=14)
        .map(|line| SourceRow {
            line,
            text: format!("line {line}"),
        })
        .collect();
    let lines = [10, 12, 12, 14];
    let bytecodes = (0..4)
        .map(|bci| BytecodeRow {
            bci,
            line: lines[bci as usize],
            text: format!("op{bci}"),
            site: None,
            count: Some(1),
            entry: bci == 0,
        })
        .collect();
    let mut owners: Vec<(u32, bool)> = (0..4).flat_map(|b| [(b, false); 3]).collect();
    owners.push((3, false)); // ud2
    owners.extend([(1, true); 2]);
    let instructions = owners
        .iter()
        .enumerate()
        .map(|(i, &(bci, slow))| InstructionRow {
            address: 0x1000 + 4 * i as u64,
            offset: 4 * i as u32,
            len: 4,
            text: format!("insn{i}"),
            bci,
            slow,
        })
        .collect();
    MethodData {
        label: "Foo>>bar".into(),
        file: "Foo.som".into(),
        native: Some(NativeSummary {
            address: 0x1000,
            size: 4 * owners.len(),
        }),
        source,
        bytecodes,
        instructions,
        views: Vec::new(),
        view: 0,
    }
}

fn entry(label: &str) -> MethodEntry {
    MethodEntry {
        key: som_vm_key(),
        label: label.into(),
        file: "Foo.som".into(),
        line: 1,
        is_block: label.starts_with("[]"),
        is_primitive: false,
        tier: 1,
        code_size: 10,
        calls: Some(1),
        bytecodes: Some(4),
    }
}

/// Any key will do: the state never looks inside it (keys are opaque, so one comes
/// from loading the test program once).
fn som_vm_key() -> MethodKey {
    use std::sync::OnceLock;
    static KEY: OnceLock<MethodKey> = OnceLock::new();
    *KEY.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/Sums.som");
        let run = crate::program::RunOptions {
            counts: false,
            ..Default::default()
        };
        crate::program::Program::run(&path, &run).unwrap().methods[0].key
    })
}

fn app() -> App {
    let methods = ["Foo>>bar", "[] in Foo>>bar", "Foo>>baz", "Bar>>bar"]
        .map(entry)
        .to_vec();
    let mut app = App::new(methods, 1, (80, 24));
    app.open(data());
    app
}

fn method(app: &App) -> &MethodView {
    app.method.as_ref().unwrap()
}

fn linked_rows(app: &App, column: Column) -> Vec<usize> {
    let m = method(app);
    (0..m.data.rows(column))
        .filter(|&r| m.data.is_linked(&m.linked, column, r))
        .collect()
}

#[test]
fn opening_a_method_picks_the_line_of_its_first_bytecode() {
    let opened = app();
    assert_eq!(opened.screen, Screen::Method);
    assert_eq!(opened.focus, Column::Source);
    assert_eq!(linked_rows(&opened, Column::Bytecodes), [0]);
    assert_eq!(linked_rows(&opened, Column::Machine), [0, 1, 2]);
    let mut with_header = data();
    with_header.source.insert(
        0,
        SourceRow {
            line: 9,
            text: "bar = (".into(),
        },
    );
    let mut app = app();
    app.open(with_header);
    assert_eq!(method(&app).cursors[0].row, 1);
    assert_eq!(linked_rows(&app, Column::Bytecodes), [0]);
}

#[test]
fn a_source_line_links_all_its_bytecodes_and_their_instructions() {
    let mut app = app();
    app.move_cursor(2); // line 12
    assert_eq!(linked_rows(&app, Column::Source), [2]);
    assert_eq!(linked_rows(&app, Column::Bytecodes), [1, 2]);
    // Templates of bcis 1 and 2, and bci 1's slow path after the ud2.
    assert_eq!(
        linked_rows(&app, Column::Machine),
        [3, 4, 5, 6, 7, 8, 13, 14]
    );
    let m = method(&app);
    assert_eq!(m.cursors[Column::Bytecodes.index()].row, 1);
    assert_eq!(m.cursors[Column::Machine.index()].row, 3);
}

#[test]
fn a_line_without_code_links_nothing_and_leaves_the_other_cursors() {
    let mut app = app();
    app.move_cursor(1); // line 11
    assert_eq!(linked_rows(&app, Column::Source), [1]);
    assert!(linked_rows(&app, Column::Bytecodes).is_empty());
    assert!(linked_rows(&app, Column::Machine).is_empty());
    assert_eq!(method(&app).cursors[Column::Bytecodes.index()].row, 0);
}

#[test]
fn selecting_a_slow_path_instruction_links_its_bytecode_and_line() {
    let mut app = app();
    app.cycle_focus(true);
    app.cycle_focus(true);
    assert_eq!(app.focus, Column::Machine);
    app.move_cursor(14);
    assert_eq!(method(&app).picked, Column::Machine);
    assert_eq!(linked_rows(&app, Column::Bytecodes), [1]);
    assert_eq!(linked_rows(&app, Column::Source), [2]);
    assert_eq!(linked_rows(&app, Column::Machine), [3, 4, 5, 13, 14]);
    // The other cursors follow; the picked column's stays where it was put.
    let m = method(&app);
    assert_eq!(m.cursors[Column::Machine.index()].row, 14);
    assert_eq!(m.cursors[Column::Bytecodes.index()].row, 1);
    assert_eq!(m.cursors[Column::Source.index()].row, 2);
}

#[test]
fn cursors_clamp_at_both_ends() {
    let mut app = app();
    app.focus = Column::Bytecodes;
    app.move_cursor(-5);
    assert_eq!(method(&app).cursors[1].row, 0);
    app.move_cursor(100);
    assert_eq!(method(&app).cursors[1].row, 3);
    app.page(true);
    assert_eq!(method(&app).cursors[1].row, 3);
}

#[test]
fn counterparts_far_down_are_scrolled_into_view_in_a_short_terminal() {
    let mut app = app();
    app.resize((80, 12)); // compact: one column, 7 content rows
    app.focus = Column::Bytecodes;
    app.move_cursor(3);
    let h = app.column_height(Column::Machine);
    assert!(h < 15, "{h}");
    let m = method(&app);
    let c = m.cursors[Column::Machine.index()];
    assert_eq!(c.row, 9);
    assert!(c.scroll <= 9 && 9 < c.scroll + h, "{c:?} height {h}");
}

#[test]
fn tab_skips_the_machine_column_in_tier_0_and_t_toggles_it() {
    let mut app = app();
    app.focus = Column::Machine;
    app.toggle_tier();
    assert_eq!(app.tier, 0);
    assert_eq!(app.focus, Column::Bytecodes);
    app.cycle_focus(true);
    assert_eq!(app.focus, Column::Source);
    app.cycle_focus(false);
    app.cycle_focus(false);
    assert_eq!(app.focus, Column::Source);
    app.toggle_tier();
    app.cycle_focus(false);
    assert_eq!(app.focus, Column::Machine);
}

#[test]
fn a_run_capped_at_tier_0_has_no_machine_code_to_toggle() {
    let mut app = App::new(vec![entry("Foo>>bar")], 0, (80, 24));
    app.toggle_tier();
    assert_eq!(app.tier, 0);
    assert!(app.message.contains("--tier 0"), "{}", app.message);
}

#[test]
fn the_filter_narrows_the_picker_case_insensitively_and_keeps_the_cursor() {
    let mut app = app();
    app.show_picker();
    app.picker_move(2); // Foo>>baz
    for c in "FOO>>BA".chars() {
        app.filter_push(c);
    }
    assert_eq!(app.picker.shown, [0, 1, 2]);
    assert_eq!(app.selected_entry().unwrap().label, "Foo>>baz");
    app.filter_push('r');
    assert_eq!(app.picker.shown, [0, 1]);
    assert_eq!(app.picker.cursor, 0);
    app.filter_pop();
    app.filter_clear();
    assert_eq!(app.picker.shown.len(), 4);
    for c in "zzz".chars() {
        app.filter_push(c);
    }
    assert!(app.selected_entry().is_none());
}

#[test]
fn the_picker_scrolls_with_its_cursor() {
    let methods = (0..100).map(|i| entry(&format!("Foo>>m{i}"))).collect();
    let mut app = App::new(methods, 1, (80, 24));
    let h = app.picker_height();
    app.picker_move(50);
    assert!(app.picker.scroll <= 50 && 50 < app.picker.scroll + h);
    app.page(true);
    assert_eq!(app.picker.cursor, 50 + h);
    app.picker_move(isize::MAX / 2);
    assert_eq!(app.picker.cursor, 99);
    assert_eq!(app.picker.scroll, 100 - h);
    app.select_entry(3);
    assert_eq!((app.picker.cursor, app.picker.scroll), (3, 3));
}

#[test]
fn keep_visible_and_reveal_move_as_little_as_needed() {
    assert_eq!(keep_visible(5, 0, 10), 0);
    assert_eq!(keep_visible(12, 0, 10), 3);
    assert_eq!(keep_visible(2, 4, 10), 2);
    assert_eq!(reveal(3, 5, 0, 10), 0);
    assert_eq!(reveal(30, 33, 0, 10), 27);
    assert_eq!(reveal(30, 60, 0, 10), 30);
}

#[test]
fn resizing_keeps_the_cursor_on_screen() {
    let mut app = app();
    app.focus = Column::Machine;
    app.move_cursor(15);
    app.resize((30, 8));
    let c = method(&app).cursors[Column::Machine.index()];
    let h = app.column_height(Column::Machine);
    assert!(c.scroll <= c.row && c.row < c.scroll + h, "{c:?} {h}");
}

#[test]
fn s_lists_the_hottest_methods_and_blocks_first_and_back() {
    let mut app = app();
    app.methods[1].bytecodes = Some(900); // [] in Foo>>bar
    app.methods[3].bytecodes = Some(50); // Bar>>bar
    app.show_picker();
    app.picker_move(3); // Bar>>bar
    app.toggle_hot_first();
    assert_eq!(app.picker.shown, [1, 3, 0, 2]);
    assert_eq!(app.selected_entry().unwrap().label, "Bar>>bar");
    app.toggle_hot_first();
    assert_eq!(app.picker.shown, [0, 1, 2, 3]);
}

/// Tier 2's views: machine code (bci 1 and 3), then one IR pass (bcis 0, 1, 3).
fn tier2_data() -> MethodData {
    let row = |k: u32, bci: u32, text: &str| InstructionRow {
        address: 0,
        offset: k,
        len: 0,
        text: text.into(),
        bci,
        slow: false,
    };
    let views = vec![
        crate::method::MachineView {
            title: "Tier 2: 8 bytes".into(),
            rows: vec![row(0, 1, "jne exit 0"), row(4, 3, "ret")],
        },
        crate::method::MachineView {
            title: "Tier 2 IR after dce".into(),
            rows: vec![
                row(0, 0, "b1:"),
                row(1, 1, "guard_int v3, fs1"),
                row(2, 3, "return v4"),
            ],
        },
    ];
    data().with_views(views)
}

#[test]
fn tier_two_cycles_machine_code_and_ir_passes_keeping_the_links() {
    let mut app = App::new(vec![entry("Foo>>bar")], 2, (100, 30));
    app.open(tier2_data());
    assert_eq!(method(&app).data.rows(Column::Machine), 2);
    app.cycle_view(true);
    let m = method(&app);
    assert_eq!((m.data.view, m.data.rows(Column::Machine)), (1, 3));
    assert_eq!(app.focus, Column::Machine);
    assert_eq!(app.message, "Tier 2 IR after dce");
    // Picking the guard links its bytecode and source line.
    app.move_cursor(1);
    assert_eq!(linked_rows(&app, Column::Bytecodes), [1]);
    assert_eq!(linked_rows(&app, Column::Source), [2]);
    app.cycle_view(true);
    assert_eq!(method(&app).data.view, 0);
    app.cycle_view(false);
    assert_eq!(method(&app).data.view, 1);
    // Tier 1 has nothing to cycle.
    let mut one = self::app();
    one.cycle_view(true);
    assert!(one.message.contains("only tier 2"));
}
