//! Tier 2 in the inspector, driven by egui_kittest: a program run with `--max-tier 2
//! --jit-threshold 0`; the tier-2 machine-code column and the IR columns (one per pass,
//! the final pass shown first); a click on an IR instruction highlights its bytecode,
//! its source line and the machine code of its deopt exit; deopt points sit on the CFG
//! with how often they fired; the pass-to-pass diff replaces the pass on request.

use egui::accesskit::Toggled;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use som_cfg_viewer::model::{MarkerKind, Pick, Program, Representation, RowKind};
use som_cfg_viewer::ui::{App, Inspector};
use som_vm::introspect::Options;
use std::path::Path;

fn tier2_program() -> Program {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/Deopts.som");
    let options = Options {
        max_tier: 2,
        jit_threshold: 0,
        ..Options::default()
    };
    let p = Program::run(options, &file, &[]).expect("runs");
    assert_eq!(p.exit.status, 0, "{}", p.output());
    p
}

fn harness(ins: Inspector) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1800.0, 1400.0])
        .build_ui_state(|ui, app: &mut App| app.draw(ui), App::new(ins))
}

fn opened(method: &str) -> Harness<'static, App> {
    let program = tier2_program();
    let key = program.find(method).expect("method");
    let mut ins = Inspector::new(program);
    assert!(ins.open(key));
    let mut h = harness(ins);
    h.run();
    h
}

fn open<'h>(h: &'h Harness<'_, App>) -> &'h som_cfg_viewer::ui::state::OpenMethod {
    h.state().ins.open.as_ref().expect("a method is open")
}

/// Rows the shown IR diff marks as removed.
fn removed_rows(h: &Harness<'_, App>) -> usize {
    let o = open(h);
    let col = &o.columns[o.shown_ir().expect("an IR column")];
    col.rows.iter().filter(|r| r.text.starts_with("- ")).count()
}

fn selected(h: &Harness<'_, App>, label: &str) -> Option<Toggled> {
    h.get_by_label(label).accesskit_node().toggled()
}

/// Clicks a row near its left end (an IR row is wider than its column, whose clip
/// would swallow a click at the row's centre).
fn click_left_end(h: &mut Harness<'_, App>, label: &str) {
    let pos = h.get_by_label(label).rect().left_center() + egui::vec2(12.0, 0.0);
    h.hover_at(pos);
    h.drag_at(pos);
    h.drop_at(pos);
    h.run();
}

#[test]
fn tier_two_has_a_machine_code_column_and_one_column_per_ir_pass() {
    let h = opened("Deopts>>sumSquares:");
    let o = open(&h);
    let t2 = o.model.jit.tier2.as_ref().expect("tier-2 code");
    let machine = o
        .columns
        .iter()
        .find(|c| c.repr == Representation::MachineCode { tier: 2 })
        .expect("a tier-2 column");
    assert!(machine.absent.is_none());
    let code_rows = machine.rows.iter().filter(|r| r.is_code()).count();
    assert_eq!(code_rows, t2.instructions.len());
    let passes: Vec<&str> = o
        .columns
        .iter()
        .filter_map(|c| match &c.repr {
            Representation::Ir { pass } => Some(pass.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(passes.len(), t2.passes.len());
    assert_eq!(passes.first(), Some(&"0 build"));
    assert_eq!(o.ir_passes(), t2.passes.len());
    // The final pass (what was lowered) is shown first.
    let shown = o.shown_ir().expect("an IR column is shown");
    assert_eq!(
        o.columns[shown].repr,
        Representation::Ir {
            pass: passes.last().unwrap().to_string()
        }
    );
}

#[test]
fn clicking_an_ir_instruction_highlights_its_bytecode_line_and_machine_code() {
    let mut h = opened("Deopts>>sumSquares:");
    let (label, shown, row) = {
        let o = open(&h);
        let shown = o.shown_ir().unwrap();
        let row = o.columns[shown]
            .rows
            .iter()
            .position(|r| r.text.contains("imul_ovf"))
            .expect("the multiplication's checked op");
        (o.columns[shown].rows[row].label(), shown, row)
    };
    click_left_end(&mut h, &label);
    let o = open(&h);
    assert_eq!(o.selection.pick, Some(Pick::Row { column: shown, row }));
    let bcis: Vec<u32> = o.selection.bcis.iter().copied().collect();
    assert_eq!(bcis.len(), 1, "{bcis:?}");
    let bci = bcis[0];
    let bc = &o.model.code.bytecodes[bci as usize];
    assert_eq!(bc.mnemonic, "mul", "the IR instruction came from `i * i`");
    // Its bytecode row, its source line and the machine code of its exit are selected.
    let bc_row = &o.columns[0].rows[bci as usize];
    assert_eq!(selected(&h, &bc_row.label()), Some(Toggled::True));
    assert_eq!(
        o.selection.lines.iter().copied().collect::<Vec<_>>(),
        vec![bc.line]
    );
    let line = h.get_by_label_contains("total := total + (i * i) ].");
    assert_eq!(line.accesskit_node().toggled(), Some(Toggled::True));
    let t2 = o.model.jit.tier2.as_ref().unwrap();
    let exit = t2
        .exits
        .iter()
        .find(|e| e.reason == "Overflow" && e.frames[0].1 == bci);
    let exit = exit.expect("the overflow exit of the multiplication");
    let branch = t2
        .instructions
        .iter()
        .find(|i| i.exit == Some(exit.id) && i.text.starts_with('j'))
        .expect("the branch to the exit");
    let machine = o
        .columns
        .iter()
        .find(|c| c.repr == Representation::MachineCode { tier: 2 })
        .unwrap();
    let branch_row = machine
        .rows
        .iter()
        .find(|r| r.is_code() && r.text.contains(&format!("{:012x}", branch.address)))
        .expect("the branch's row");
    assert_eq!(branch_row.bcis, vec![bci]);
    assert_eq!(selected(&h, &branch_row.label()), Some(Toggled::True));
    // A machine row of another bytecode is not.
    let other = machine
        .rows
        .iter()
        .find(|r| r.is_code() && !r.bcis.contains(&bci) && !r.bcis.is_empty())
        .unwrap();
    if let Some(node) = h.query_by_label(&other.label()) {
        assert_eq!(node.accesskit_node().toggled(), Some(Toggled::False));
    }
}

#[test]
fn deopt_points_are_on_the_cfg_with_how_often_they_fired() {
    let h = opened("Deopts>>add:to:");
    let o = open(&h);
    let deopts: Vec<_> = o
        .model
        .jit
        .markers
        .iter()
        .filter(|m| m.is_deopt())
        .collect();
    assert!(!deopts.is_empty());
    let fired: Vec<_> = deopts.iter().filter(|m| m.count > 0).collect();
    assert_eq!(fired.len(), 1, "{deopts:?}");
    assert!(matches!(&fired[0].kind, MarkerKind::Deopt { reason, .. } if reason == "NotInt"));
    assert_eq!(fired[0].count, 1, "one call with a Double");
    assert_eq!(o.model.jit.max_deopt_count(), 1);
    // On the block of its bytecode, as a line of the block's text.
    let block = o.model.cfg.block_of[fired[0].bci as usize];
    let text = o.model.block_text(block);
    assert!(text.iter().any(|l| l == &fired[0].text()), "{text:?}");
    assert!(fired[0].text().contains("x1"));
    // The tier-1 column has no deopt markers; the details name the deopts.
    let t1 = &o.columns[1];
    assert!(t1.rows.iter().all(|r| !r.text.starts_with("!!")));
    assert!(h.query_by_label_contains("deopts in the run 1").is_some());
}

#[test]
fn the_diff_checkbox_shows_what_a_pass_changed() {
    let mut h = opened("Deopts>>sumSquares:");
    h.get_by_label("diff from the pass before").click();
    h.run();
    let o = open(&h);
    assert!(o.ir_diff);
    let shown = o.shown_ir().unwrap();
    let col = &o.columns[shown];
    assert!(matches!(&col.repr, Representation::IrDiff { to, .. } if to.ends_with("dce")));
    let mut removed_anywhere = removed_rows(&h);
    assert!(col
        .rows
        .iter()
        .all(|r| r.kind != RowKind::Marker { entry: true }));
    // Going back one pass shows that pass's diff.
    h.get_by_label("previous pass").click();
    h.run();
    let o = open(&h);
    let shown = o.shown_ir().unwrap();
    assert!(
        matches!(&o.columns[shown].repr, Representation::IrDiff { to, .. } if to.ends_with("gvn"))
    );
    // Some pass of the pipeline removes instructions: its diff shows them as `- ` rows.
    for _ in 0..12 {
        removed_anywhere += removed_rows(&h);
        h.get_by_label("previous pass").click();
        h.run();
    }
    assert!(removed_anywhere > 0, "no pass's diff removed a row");
}
