//! The list panes: the method browser, the source, the code columns (one per
//! representation: tier-0 bytecode with counts, tier-1 machine code with its headings and
//! JIT markers, ...), and the details (what the JIT did with the method, the selection's
//! markers and inline caches). Rows are virtualised (`show_rows`), so a 2,000-bytecode
//! method with 40,000 machine instructions costs what is on screen; each pane scrolls to
//! the counterpart of the last pick once.

use super::state::{Inspector, OpenMethod};
use crate::model::{Column, Pick, Representation, RowKind};
use egui::{Align2, Color32, FontId, Rect, Response, Role, ScrollArea, Sense, Ui, WidgetInfo};
use som_vm::introspect::MethodKey;

pub(crate) const ROW_H: f32 = 16.0;
const CHAR_W: f32 = 7.25;
pub(crate) const SELECTED_BG: Color32 = Color32::from_rgb(255, 214, 102);

/// How a row's text is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Normal,
    /// Code that never ran, lines without bytecode, primitives.
    Dim,
    /// A heading row of a machine-code column (the bytecode the instructions came from).
    Heading,
    /// A runtime marker: control entered tier 1 (`true`) or left it.
    Marker(bool),
}

pub(crate) const HEADING: Color32 = Color32::from_rgb(40, 70, 150);
/// Marker text: control entered tier-1 code (green) or left it (red).
pub(crate) const MARKER_IN: Color32 = Color32::from_rgb(0, 120, 40);
pub(crate) const MARKER_OUT: Color32 = Color32::from_rgb(190, 40, 20);

/// One clickable monospace row, labelled for accessibility (and for UI tests).
pub(crate) fn row(ui: &mut Ui, text: &str, selected: bool, tone: Tone) -> Response {
    let width = (text.chars().count() as f32 * CHAR_W + 12.0).max(ui.available_width());
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(width, ROW_H), Sense::click());
    resp.widget_info(|| WidgetInfo::selected(Role::Button, true, selected, text));
    if ui.is_rect_visible(rect) {
        let p = ui.painter();
        if selected {
            p.rect_filled(rect, 2.0, SELECTED_BG);
        } else if resp.hovered() {
            p.rect_filled(rect, 2.0, ui.visuals().widgets.hovered.weak_bg_fill);
        }
        let color = match (selected, tone) {
            (true, _) => Color32::BLACK,
            (_, Tone::Dim) => ui.visuals().weak_text_color(),
            (_, Tone::Heading) => HEADING,
            (_, Tone::Marker(true)) => MARKER_IN,
            (_, Tone::Marker(false)) => MARKER_OUT,
            _ => ui.visuals().text_color(),
        };
        p.text(
            rect.left_center() + egui::vec2(4.0, 0.0),
            Align2::LEFT_CENTER,
            text,
            FontId::monospace(12.0),
            color,
        );
    }
    resp
}

/// A scroll area over `n` rows that, when asked, centres row `target` first.
fn rows_area(
    ui: &mut Ui,
    id: &str,
    n: usize,
    target: Option<usize>,
    body: impl FnOnce(&mut Ui, std::ops::Range<usize>),
) {
    let mut area = ScrollArea::both().id_salt(id).auto_shrink([false, false]);
    if let Some(r) = target {
        let step = ROW_H + ui.spacing().item_spacing.y;
        let offset = (r as f32 * step - ui.available_height() / 2.0).max(0.0);
        area = area.vertical_scroll_offset(offset);
    }
    area.show_rows(ui, ROW_H, n, body);
}

/// The class and method browser; answers the method the user chose.
pub(crate) fn browser(ui: &mut Ui, ins: &mut Inspector) -> Option<MethodKey> {
    ui.heading("Methods");
    ui.add(egui::TextEdit::singleline(&mut ins.search).hint_text("search Class>>selector"));
    ui.checkbox(&mut ins.hot_first, "hottest first (bytecodes run)");
    let current = ins.open.as_ref().map(|o| o.model.key);
    let listed: Vec<(MethodKey, String, bool)> = ins
        .listed()
        .into_iter()
        .map(|m| {
            let kind = if m.is_primitive { " prim" } else { "" };
            (
                m.key,
                format!("{}{kind}  {}", m.label(), m.executed),
                m.is_primitive,
            )
        })
        .collect();
    let mut chosen = None;
    rows_area(ui, "browser", listed.len(), None, |ui, range| {
        for (key, text, prim) in &listed[range] {
            let tone = if *prim { Tone::Dim } else { Tone::Normal };
            if row(ui, text, Some(*key) == current, tone).clicked() {
                chosen = Some(*key);
            }
        }
    });
    chosen
}

/// The source file of the open method: its lines normal, others dim, linked lines marked.
pub(crate) fn source(ui: &mut Ui, open: &mut OpenMethod) -> Option<Pick> {
    ui.heading(short_path(&open.model.code.file));
    let lines: std::collections::BTreeSet<u32> =
        open.model.code.bytecodes.iter().map(|b| b.line).collect();
    let target = open
        .scroll
        .source_line
        .take()
        .map(|l| l.saturating_sub(1) as usize);
    let mut pick = None;
    let (src, sel) = (&open.source, &open.selection);
    rows_area(ui, "source", src.len(), target, |ui, range| {
        for i in range {
            let n = i as u32 + 1;
            let text = format!("{n:>4}  {}", src[i]);
            let tone = if lines.contains(&n) {
                Tone::Normal
            } else {
                Tone::Dim
            };
            if row(ui, &text, sel.lines.contains(&n), tone).clicked() {
                pick = Some(Pick::Line(n));
            }
        }
    });
    pick
}

/// The code columns side by side; a column without code takes only a narrow strip.
pub(crate) fn code_columns(ui: &mut Ui, open: &mut OpenMethod) -> Option<Pick> {
    const ABSENT_W: f32 = 150.0;
    let mut pick = None;
    if open.ir_passes() > 0 {
        ir_controls(ui, open);
    }
    let shown_ir = open.shown_ir();
    let n = open.columns.len();
    let targets: Vec<Option<usize>> = (0..n)
        .map(|c| open.scroll.rows.get_mut(c).and_then(Option::take))
        .collect();
    let (all, sel) = (&open.columns, &open.selection);
    // Of tier 2's IR columns (a pass or a diff) the pane shows the chosen one.
    let columns: Vec<(usize, &Column)> = all
        .iter()
        .enumerate()
        .filter(|(c, col)| !col.repr.is_ir() || Some(*c) == shown_ir)
        .collect();
    let n = columns.len();
    let absent = columns.iter().filter(|(_, c)| c.absent.is_some()).count() as f32;
    let weight: f32 = columns
        .iter()
        .map(|(_, c)| c)
        .filter(|c| c.absent.is_none())
        .map(|c| width_weight(&c.repr))
        .sum::<f32>()
        .max(1.0);
    let spacing = ui.spacing().item_spacing.x * (n as f32 - 1.0).max(0.0);
    let share = (ui.available_width() - spacing - absent * ABSENT_W) / weight;
    let height = ui.available_height();
    ui.horizontal_top(|ui| {
        for &(c, col) in &columns {
            let w = if col.absent.is_some() {
                ABSENT_W
            } else {
                (share * width_weight(&col.repr)).max(120.0)
            };
            ui.allocate_ui(egui::vec2(w, height), |ui| {
                ui.set_width(w);
                ui.vertical(|ui| {
                    if let Some(p) = code_column(ui, c, col, sel, targets[c]) {
                        pick = Some(p);
                    }
                });
            });
        }
    });
    pick
}

/// Chooses the tier-2 IR pass shown and whether as a diff from the pass before.
fn ir_controls(ui: &mut Ui, open: &mut OpenMethod) {
    ui.horizontal(|ui| {
        ui.label("tier-2 IR:");
        if ui.button("previous pass").clicked() {
            open.step_ir(-1);
        }
        if ui.button("next pass").clicked() {
            open.step_ir(1);
        }
        ui.checkbox(&mut open.ir_diff, "diff from the pass before");
        ui.label(format!("pass {} of {}", open.ir_pass + 1, open.ir_passes()));
    });
}

/// How much of the pane a column's rows need relative to the bytecode column.
fn width_weight(repr: &Representation) -> f32 {
    match repr {
        Representation::Bytecode => 1.0,
        Representation::MachineCode { .. } => 1.25,
        Representation::Ir { .. } | Representation::IrDiff { .. } => 1.6,
    }
}

fn code_column(
    ui: &mut Ui,
    c: usize,
    col: &Column,
    sel: &crate::model::Selection,
    target: Option<usize>,
) -> Option<Pick> {
    ui.strong(col.repr.title());
    if let Some(why) = &col.absent {
        ui.label(egui::RichText::new(why).italics().weak());
        return None;
    }
    let mut pick = None;
    rows_area(
        ui,
        &format!("column{c}"),
        col.rows.len(),
        target,
        |ui, range| {
            for r in range {
                let row_data = &col.rows[r];
                let tone = match (row_data.kind, row_data.count) {
                    (RowKind::Code, _) if row_data.text.starts_with("- ") => Tone::Marker(false),
                    (RowKind::Code, _) if row_data.text.starts_with("+ ") => Tone::Marker(true),
                    (RowKind::Heading, _) => Tone::Heading,
                    (RowKind::Marker { entry }, _) => Tone::Marker(entry),
                    (_, Some(0)) => Tone::Dim,
                    _ => Tone::Normal,
                };
                let mut resp = row(ui, &row_data.label(), sel.has_row(row_data), tone);
                if let Some(note) = &row_data.note {
                    resp = resp.on_hover_text(note);
                }
                if resp.clicked() {
                    pick = Some(Pick::Row { column: c, row: r });
                }
            }
        },
    );
    pick
}

/// What is selected, and the inline caches of the selected send sites.
pub(crate) fn details(ui: &mut Ui, open: &OpenMethod) -> Option<MethodKey> {
    let sel = &open.selection;
    let m = &open.model;
    ui.colored_label(HEADING, jit_summary(m));
    if sel.is_empty() {
        ui.label(
            "Click a source line, a block or a bytecode: its counterparts light up in every pane.",
        );
    } else {
        let blocks: Vec<String> = sel.blocks.iter().map(|b| m.block_header(*b)).collect();
        let lines: Vec<String> = sel.lines.iter().map(|l| l.to_string()).collect();
        ui.label(format!(
            "lines {}   blocks: {}",
            lines.join(" "),
            blocks.join(" | ")
        ));
        for marker in m.jit.markers.iter().filter(|k| sel.bcis.contains(&k.bci)) {
            ui.monospace(format!("bci {:>4}  {}", marker.bci, marker.text()));
        }
        for site in m.sites.iter().filter(|s| sel.bcis.contains(&s.bci)) {
            ui.monospace(format!(
                "bci {:>4}  {}   cached: {}",
                site.bci,
                site.summary(),
                site.cached.join(" ")
            ));
        }
    }
    let mut chosen = None;
    if !m.nested.is_empty() {
        let title = format!("closures and inlining fallbacks ({})", m.nested.len());
        egui::CollapsingHeader::new(title).show(ui, |ui| {
            ScrollArea::vertical().max_height(120.0).show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    for (key, label) in &m.nested {
                        if ui.link(label).clicked() {
                            chosen = Some(*key);
                        }
                    }
                });
            });
        });
    }
    chosen
}

/// One line on what the JIT did with the method.
fn jit_summary(m: &crate::model::MethodModel) -> String {
    let j = &m.jit;
    if let Some(why) = &j.unavailable {
        return format!("JIT: {why}");
    }
    let mut parts: Vec<String> = j
        .compiled
        .iter()
        .map(|(tier, clock, bytes)| {
            let at = j
                .native(*tier)
                .map_or(String::new(), |n| format!(" at {:#x}", n.address));
            format!("tier {tier}: {bytes} bytes{at}, compiled at clock {clock}")
        })
        .collect();
    if j.compiled.is_empty() {
        parts.push(
            if j.refused {
                "refused by the JIT"
            } else {
                "not compiled"
            }
            .into(),
        );
    }
    if let Some(why) = j.refused_in(2) {
        parts.push(why);
    }
    if let Some(t2) = &j.tier2 {
        parts.push(format!(
            "tier 2 at {:#x}: {} exits, deopts in the run {}",
            t2.address,
            t2.exits.len(),
            j.deopts
        ));
    }
    let c = &j.counters;
    let osr: u64 = c.osr_entries.iter().map(|(_, n)| n).sum();
    let calls: u64 = c.calls_to_tier0.iter().map(|(_, n)| n).sum();
    parts.push(format!(
        "tier crossings: entered from tier 0 {}, OSR {osr}, calls into tier 0 {calls}, returns to tier 0 {} (calls between compiled methods are native, not crossings)",
        c.tier1_entries, c.returns_to_tier0
    ));
    parts.join("; ")
}

fn short_path(file: &str) -> &str {
    file.rsplit('/').next().unwrap_or(file)
}

/// The visible part of a rectangle list, for culling (exposed for the canvas).
pub(crate) fn visible(clip: Rect, r: Rect) -> bool {
    clip.intersects(r)
}
