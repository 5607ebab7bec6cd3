//! The window without a window: egui_kittest drives `App::draw` with real clicks and
//! checks the linked selection (source line -> bytecodes and blocks, bytecode row -> line,
//! a click on the CFG canvas -> the bytecode under it, source line -> its tier-1 machine
//! instructions, machine instruction -> its bytecode and line), the browser's search, and
//! that a method of 2,000+ bytecodes lays out and draws in interactive time with its
//! machine-code column (numbers printed).

use egui::accesskit::{Role, Toggled};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use som_cfg_viewer::model::{Metrics, Pick, Program};
use som_cfg_viewer::ui::{App, Inspector};
use som_vm::introspect::Options;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn program(file: &Path) -> Program {
    let p = Program::run(Options::default(), file, &[]).expect("runs");
    assert_eq!(p.exit.status, 0, "{}", p.output());
    p
}

/// The program after runs with every method compiled at its first call.
fn jitted(file: &Path) -> Program {
    let options = Options {
        jit_threshold: 0,
        ..Options::default()
    };
    let p = Program::run(options, file, &[]).expect("runs");
    assert_eq!(p.exit.status, 0, "{}", p.output());
    p
}

fn nested() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/Nested.som")
}

fn harness(ins: Inspector) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1600.0, 1000.0])
        .build_ui_state(|ui, app: &mut App| app.draw(ui), App::new(ins))
}

fn open<'h>(h: &'h Harness<'_, App>) -> &'h som_cfg_viewer::ui::state::OpenMethod {
    h.state().ins.open.as_ref().expect("a method is open")
}

#[test]
fn the_hottest_method_opens_and_a_source_line_click_highlights_its_bytecodes() {
    let mut h = harness(Inspector::new(program(&nested())));
    h.run();
    assert_eq!(open(&h).model.code.label, "Nested>>run");
    h.get_by_label_contains("(j % 2 = 0)").click();
    h.run();
    let o = open(&h);
    assert_eq!(o.selection.pick, Some(Pick::Line(7)));
    let on_line: Vec<u32> = o
        .model
        .code
        .bytecodes
        .iter()
        .filter(|b| b.line == 7)
        .map(|b| b.bci)
        .collect();
    assert_eq!(
        o.selection.bcis.iter().copied().collect::<Vec<_>>(),
        on_line
    );
    let block = o.model.cfg.block_of[on_line[0] as usize];
    assert!(o.selection.blocks.contains(&block));
    // The bytecode column shows those rows selected (as the accessibility tree says).
    let row = &o.columns[0].rows[on_line[0] as usize];
    let label = format!("{:>9} {}", row.count.unwrap(), row.text);
    let node = h.get_by_label(&label);
    assert_eq!(node.accesskit_node().toggled(), Some(Toggled::True));
    let other = &o.columns[0].rows[0];
    let other_label = format!("{:>9} {}", other.count.unwrap(), other.text);
    let other = h.get_by_label(&other_label);
    assert_eq!(other.accesskit_node().toggled(), Some(Toggled::False));
}

#[test]
fn a_bytecode_row_click_selects_its_line_and_block() {
    let mut h = harness(Inspector::new(program(&nested())));
    h.run();
    let (bci, label) = {
        let o = open(&h);
        let b = o
            .model
            .code
            .bytecodes
            .iter()
            .find(|b| b.line == 10)
            .expect("line 10");
        let row = &o.columns[0].rows[b.bci as usize];
        (b.bci, format!("{:>9} {}", row.count.unwrap(), row.text))
    };
    h.get_by_label(&label).click();
    h.run();
    let o = open(&h);
    assert_eq!(
        o.selection.pick,
        Some(Pick::Row {
            column: 0,
            row: bci as usize
        })
    );
    assert_eq!(
        o.selection.lines.iter().copied().collect::<Vec<_>>(),
        vec![10]
    );
    assert_eq!(o.selection.blocks.len(), 1);
    let line = h.get_by_label_contains("whileTrue: [ total := total - 7 ]");
    assert_eq!(line.accesskit_node().toggled(), Some(Toggled::True));
}

#[test]
fn clicking_a_block_row_on_the_canvas_selects_that_bytecode() {
    let mut h = harness(Inspector::new(program(&nested())));
    h.run();
    let canvas = h.get_by_label("CFG").rect();
    let (target, pos) = {
        let o = open(&h);
        let hot = o
            .model
            .cfg
            .blocks()
            .max_by_key(|b| o.model.block_count(b.id))
            .unwrap();
        let n = o.model.layout.node(hot.id);
        let m = Metrics::default();
        let v = o.view;
        let world = egui::vec2(n.x + n.w / 2.0, n.y + m.pad + m.line_h * 1.5);
        (
            hot.start,
            canvas.min + egui::vec2(v.pan[0], v.pan[1]) + world * v.zoom,
        )
    };
    assert!(
        canvas.contains(pos),
        "the hottest block is in view after fitting"
    );
    h.hover_at(pos);
    h.drag_at(pos);
    h.drop_at(pos);
    h.run();
    assert_eq!(open(&h).selection.pick, Some(Pick::Bytecode(target)));
}

/// Where a world point of the open method's drawing is on screen.
fn on_screen(h: &Harness<'_, App>, x: f32, y: f32) -> egui::Pos2 {
    let canvas = h.get_by_label("CFG").rect();
    let v = open(h).view;
    canvas.min + egui::vec2(v.pan[0], v.pan[1]) + egui::vec2(x, y) * v.zoom
}

#[test]
fn clicking_a_loop_block_shows_its_inline_caches_and_dragging_pans() {
    let mut h = harness(Inspector::new(program(&nested())));
    h.run();
    let (block, header, bci) = {
        let o = open(&h);
        let site = o
            .model
            .sites
            .iter()
            .find(|s| s.selector == "%")
            .expect("the % send");
        let b = o.model.cfg.block_of[site.bci as usize];
        assert!(o.model.cfg.block(b).innermost_loop.is_some());
        let n = o.model.layout.node(b);
        (
            b,
            (n.x + n.w / 2.0, n.y + Metrics::default().pad + 4.0),
            site.bci,
        )
    };
    let pos = on_screen(&h, header.0, header.1);
    h.hover_at(pos);
    h.drag_at(pos);
    h.drop_at(pos);
    h.run();
    assert_eq!(open(&h).selection.pick, Some(Pick::Block(block)));
    // The details pane lists the block's send sites with the receivers they saw.
    let summary = open(&h).model.site(bci).unwrap().summary();
    assert!(summary.contains("[Integer 10]"), "{summary}");
    let query = format!("bci {bci:>4}  {summary}");
    assert!(h.query_by_label_contains(&query).is_some(), "no {query}");
    // Dragging the canvas pans it by the drag.
    let before = open(&h).view.pan;
    let start = on_screen(&h, header.0, header.1 - 30.0);
    h.hover_at(start);
    h.drag_at(start);
    h.run();
    for step in 1..=5 {
        h.hover_at(start + egui::vec2(10.0, 6.0) * step as f32);
        h.run();
    }
    h.drop_at(start + egui::vec2(50.0, 30.0));
    h.run();
    let after = open(&h).view.pan;
    assert!(
        after[0] - before[0] > 20.0 && after[1] - before[1] > 10.0,
        "{before:?} -> {after:?}"
    );
}

#[test]
fn search_filters_the_browser_and_a_click_opens_the_method() {
    let mut h = harness(Inspector::new(program(&nested())));
    h.run();
    let search = h.get_by_role(Role::TextInput);
    search.focus();
    search.type_text("classify");
    h.run();
    assert!(h
        .state()
        .ins
        .listed()
        .iter()
        .all(|m| m.label().contains("classify")));
    // Two spaces: the method's row, not its blocks' (`... @14  0`).
    h.get_by_label_contains("Nested>>classify:  ").click();
    h.run();
    assert_eq!(open(&h).model.code.label, "Nested>>classify:");
}

/// A method with at least 2,000 bytecodes: `units` copies of a to:do: loop around an
/// if-then-else and a whileTrue: loop.
fn big_program(units: usize) -> PathBuf {
    let mut body = String::from("big = ( | t k | t := 0.\n");
    for u in 0..units {
        body.push_str(&format!(
            "  k := {u}.\n  1 to: 3 do: [ :i | (i > 1) ifTrue: [ t := t + i ] ifFalse: [ t := t - 1 ].\n    [ k < {} ] whileTrue: [ k := k + 1. t := t + k ] ].\n",
            u + 2
        ));
    }
    body.push_str("  ^ t )\n");
    let src = format!("Big = (\n{body}run: args = ( self big println )\n)\n");
    let dir = std::env::temp_dir().join(format!("som-inspect-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Big.som");
    std::fs::write(&path, src).unwrap();
    path
}

fn mean(v: &[Duration]) -> Duration {
    v.iter().sum::<Duration>() / v.len() as u32
}

#[test]
fn a_method_of_two_thousand_bytecodes_stays_responsive() {
    let p = jitted(&big_program(64));
    let key = p.find("Big>>big").unwrap();
    let t = Instant::now();
    let m = p.method(key).unwrap();
    let build = t.elapsed();
    let n = m.code.bytecodes.len();
    assert!(n >= 2000, "only {n} bytecodes");
    eprintln!(
        "2k method: {n} bytecodes, {} blocks, {} loops, {} crossings; CFG+layout {:.1} ms",
        m.cfg.len(),
        m.cfg.loops.len(),
        m.layout.crossings,
        build.as_secs_f64() * 1e3
    );
    let mut ins = Inspector::new(p);
    let t = Instant::now();
    assert!(ins.open(key));
    let open_time = t.elapsed();
    let machine = &ins.open.as_ref().unwrap().columns[1];
    assert!(machine.absent.is_none(), "{:?}", machine.absent);
    eprintln!(
        "2k method: opened in {:.1} ms; tier-1 column {} rows ({} bytes of machine code)",
        open_time.as_secs_f64() * 1e3,
        machine.rows.len(),
        ins.open
            .as_ref()
            .unwrap()
            .model
            .jit
            .native(1)
            .unwrap()
            .bytes
            .len()
    );
    let mut h = harness(ins);
    h.run();
    let mut frames = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        h.step();
        frames.push(t.elapsed());
    }
    // Zoomed in at 1:1 on the hottest block, every visible block shows its text.
    let hot = {
        let o = open(&h);
        o.model
            .cfg
            .blocks()
            .max_by_key(|b| o.model.block_count(b.id))
            .unwrap()
            .id
    };
    h.state_mut().ins.pick(Pick::Block(hot));
    h.run_steps(10);
    let mut zoomed = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        h.step();
        zoomed.push(t.elapsed());
    }
    eprintln!(
        "2k method frames: fitted mean {:.2} ms max {:.2} ms; zoomed mean {:.2} ms max {:.2} ms",
        mean(&frames).as_secs_f64() * 1e3,
        frames.iter().max().unwrap().as_secs_f64() * 1e3,
        mean(&zoomed).as_secs_f64() * 1e3,
        zoomed.iter().max().unwrap().as_secs_f64() * 1e3
    );
    assert!(build < Duration::from_secs(3), "layout took {build:?}");
    assert!(
        mean(&frames) < Duration::from_millis(50),
        "frames {frames:?}"
    );
    assert!(
        mean(&zoomed) < Duration::from_millis(50),
        "frames {zoomed:?}"
    );
}

#[test]
fn a_source_line_click_highlights_its_machine_instructions() {
    let mut h = harness(Inspector::new(jitted(&nested())));
    h.run();
    h.get_by_label_contains("(j % 2 = 0)").click();
    h.run();
    let (first, last, outside) = {
        let o = open(&h);
        let col = &o.columns[1];
        assert!(col.absent.is_none(), "{:?}", col.absent);
        let bci = *o.selection.bcis.first().expect("line 7 has bytecode");
        let rows: Vec<&_> = col
            .rows
            .iter()
            .filter(|r| r.is_code() && r.bcis == vec![bci])
            .collect();
        let outside = col
            .rows
            .iter()
            .find(|r| r.is_code() && r.bcis == vec![bci - 1])
            .expect("the bytecode before");
        (
            rows[0].label(),
            rows[rows.len() - 1].label(),
            outside.label(),
        )
    };
    // The machine-code column scrolled to them and shows them selected.
    for label in [&first, &last] {
        let node = h.get_by_label(label);
        assert_eq!(
            node.accesskit_node().toggled(),
            Some(Toggled::True),
            "{label}"
        );
    }
    if let Some(node) = h.query_by_label(&outside) {
        assert_eq!(node.accesskit_node().toggled(), Some(Toggled::False));
    }
}

#[test]
fn a_machine_instruction_click_selects_its_bytecode_line_and_block() {
    let mut h = harness(Inspector::new(jitted(&nested())));
    h.run();
    let (row, label, bci) = {
        let o = open(&h);
        let col = &o.columns[1];
        let row = col.rows.iter().position(|r| r.is_code()).expect("code");
        (row, col.rows[row].label(), col.rows[row].bcis[0])
    };
    h.get_by_label(&label).click();
    h.run();
    let o = open(&h);
    assert_eq!(o.selection.pick, Some(Pick::Row { column: 1, row }));
    assert_eq!(
        o.selection.bcis.iter().copied().collect::<Vec<_>>(),
        vec![bci]
    );
    let line = o.model.code.bytecodes[bci as usize].line;
    assert_eq!(
        o.selection.lines.iter().copied().collect::<Vec<_>>(),
        vec![line]
    );
    let block = o.model.cfg.block_of[bci as usize];
    assert!(o.selection.blocks.contains(&block));
    let bc_label = o.columns[0].rows[bci as usize].label();
    let node = h.get_by_label(&bc_label);
    assert_eq!(node.accesskit_node().toggled(), Some(Toggled::True));
}

fn blocks() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/Blocks.som")
}

#[test]
fn blocks_are_listed_hottest_first_and_open_by_name() {
    let ins = Inspector::new(program(&blocks()));
    let listed: Vec<String> = ins.listed().iter().map(|m| m.label()).collect();
    assert_eq!(listed[0], "[] in Blocks>>sum: @6", "{listed:?}");
    // The hottest code is the block: it opens first.
    assert_eq!(
        ins.open.as_ref().unwrap().model.code.label,
        "[] in Blocks>>sum:"
    );
    let key = ins.program.find("[] in Blocks>>sum:").expect("by name");
    assert_eq!(ins.program.find("[] in Blocks>>sum: @6").unwrap(), key);
    let mut h = harness(ins);
    h.run();
    let search = h.get_by_role(Role::TextInput);
    search.focus();
    search.type_text("sum:");
    h.run();
    h.get_by_label_contains("[] in Blocks>>sum: @6").click();
    h.run();
    assert_eq!(open(&h).model.key, key);
}

#[test]
fn a_line_inside_a_block_opens_the_block_and_highlights_it() {
    let mut ins = Inspector::new(program(&blocks()));
    let method = ins.program.find("Blocks>>sum:").unwrap();
    ins.open(method);
    ins.pick(Pick::Line(7));
    let o = ins.open.as_ref().unwrap();
    assert_eq!(o.model.code.label, "[] in Blocks>>sum:");
    assert!(!o.selection.bcis.is_empty());
    assert!(o.model.code.bytecodes.iter().any(|b| b.line == 7));
    // Line 8 is also in the inlined ifTrue:'s fallback block, which never ran: the
    // block that ran is opened.
    ins.open(method);
    ins.pick(Pick::Line(8));
    let o = ins.open.as_ref().unwrap();
    assert_eq!(
        (o.model.code.label.as_str(), o.model.code.line),
        ("[] in Blocks>>sum:", 6)
    );
    assert!(!o.selection.bcis.is_empty());
    // A line the method has code on stays in the method.
    ins.open(method);
    ins.pick(Pick::Line(9));
    assert_eq!(ins.open.as_ref().unwrap().model.key, method);
}

#[test]
fn the_heat_scale_is_the_programs_by_default_and_the_methods_on_request() {
    let hot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/HotLoop.som");
    let mut ins = Inspector::new(program(&hot));
    let rare = ins.program.find("HotLoop>>rare:").unwrap();
    ins.open(rare);
    let mut h = harness(ins);
    h.run();
    let heat = |h: &Harness<'_, App>| open(h).model.heat(som_cfg_viewer::model::BlockId(0));
    // rare: ran once in a program whose loop ran 3000 times: cold on the global scale.
    assert!(heat(&h) < 0.2, "{}", heat(&h));
    h.get_by_label("method").click();
    h.run();
    assert_eq!(heat(&h), 1.0);
    h.get_by_label("program").click();
    h.run();
    assert!(heat(&h) < 0.2);
    // The header says which crossings it counts.
    h.get_by_label_contains("edge crossings in the drawing");
}
