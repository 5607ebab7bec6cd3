//! The CFG canvas: the laid-out graph, pannable (drag) and zoomable (wheel or pinch);
//! loop frames, edges by kind (back-edges dashed orange, fallbacks dotted), blocks
//! filled by heat and listing their bytecodes (when the zoom makes text readable) under
//! the JIT's markers (entries into tier 1 in green, exits to tier 0 in red), the linked
//! selection outlined, inline-cache contents as tooltips over send rows. Only what
//! intersects the canvas is drawn.

use super::panes::{visible, MARKER_IN, MARKER_OUT, SELECTED_BG};
use super::state::OpenMethod;
use crate::model::{heat_rgb, Metrics, Pick};
use egui::{Color32, FontId, Pos2, Rect, Role, Sense, Shape, Stroke, Ui, Vec2, WidgetInfo};
use som_vm::introspect::EdgeKind;

const MIN_ZOOM: f32 = 0.02;
const MAX_ZOOM: f32 = 4.0;

/// Draws the canvas; answers what was clicked.
pub(crate) fn canvas(ui: &mut Ui, open: &mut OpenMethod) -> Option<Pick> {
    let (rect, resp) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
    resp.widget_info(|| WidgetInfo::labeled(Role::Canvas, true, "CFG"));
    navigate(ui, &resp, rect, open);
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, Color32::from_gray(250));
    let v = open.view;
    let at = |x: f32, y: f32| rect.min + Vec2::new(v.pan[0], v.pan[1]) + Vec2::new(x, y) * v.zoom;
    let lay = &open.model.layout;
    for f in &lay.frames {
        let r = Rect::from_min_max(at(f.x, f.y), at(f.x + f.w, f.y + f.h));
        if visible(rect, r) {
            painter.rect_filled(
                r,
                6.0 * v.zoom,
                Color32::from_rgba_unmultiplied(122, 92, 192, 14),
            );
            painter.rect_stroke(
                r,
                6.0 * v.zoom,
                Stroke::new(1.2, Color32::from_rgb(122, 92, 192)),
                egui::StrokeKind::Inside,
            );
            if v.zoom > 0.3 {
                let font = FontId::proportional((10.0 * v.zoom).max(8.0));
                painter.text(
                    r.min + Vec2::splat(3.0),
                    egui::Align2::LEFT_TOP,
                    f.loop_id.to_string(),
                    font,
                    Color32::from_rgb(122, 92, 192),
                );
            }
        }
    }
    for (i, e) in lay.edges.iter().enumerate() {
        let pts: Vec<Pos2> = e.points.iter().map(|p| at(p[0], p[1])).collect();
        if visible(rect, Rect::from_points(&pts)) {
            draw_edge(&painter, &pts, e.kind, e.back, v.zoom);
            let label = crate::model::svg::label_point(&e.points);
            if let (Some(count), Some([x, y]), true) =
                (open.model.edge_label(i), label, v.zoom > 0.3)
            {
                painter.text(
                    at(x, y) + Vec2::new(3.0, -2.0),
                    egui::Align2::LEFT_BOTTOM,
                    count,
                    FontId::monospace((9.0 * v.zoom).max(8.0)),
                    Color32::from_gray(80),
                );
            }
        }
    }
    draw_blocks(&painter, rect, open, &at);
    let hovered = resp.hover_pos().and_then(|p| hit(open, rect, p));
    let resp = match hovered.and_then(|p| note_of(open, p)) {
        Some(note) => resp.on_hover_text_at_pointer(note),
        None => resp,
    };
    if resp.clicked() {
        return resp.interact_pointer_pos().and_then(|p| hit(open, rect, p));
    }
    None
}

/// Fit, pan by dragging, zoom about the pointer, and scroll to a requested block.
fn navigate(ui: &Ui, resp: &egui::Response, rect: Rect, open: &mut OpenMethod) {
    let lay = &open.model.layout;
    let v = &mut open.view;
    if v.fit && lay.width > 0.0 {
        v.zoom = (rect.width() / lay.width)
            .min(rect.height() / lay.height)
            .clamp(0.25, 1.0);
        v.pan = [((rect.width() - lay.width * v.zoom) / 2.0).max(0.0), 0.0];
        v.fit = false;
    }
    if resp.dragged() {
        let d = resp.drag_delta();
        v.pan = [v.pan[0] + d.x, v.pan[1] + d.y];
    }
    if let (true, Some(p)) = (resp.hovered(), resp.hover_pos()) {
        let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
        let factor = pinch * (scroll.y * 0.003).exp();
        if factor != 1.0 {
            let z = (v.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
            let local = p - rect.min;
            let world = (local - Vec2::new(v.pan[0], v.pan[1])) / v.zoom;
            v.pan = [local.x - world.x * z, local.y - world.y * z];
            v.zoom = z;
        }
    }
    if let Some(b) = open.scroll.block.take() {
        let n = lay.node(b);
        v.zoom = v.zoom.max(0.6);
        let centre = Vec2::new(n.x + n.w / 2.0, n.y + n.h / 2.0) * v.zoom;
        v.pan = [
            rect.width() / 2.0 - centre.x,
            rect.height() / 2.0 - centre.y,
        ];
    }
}

fn draw_edge(painter: &egui::Painter, pts: &[Pos2], kind: EdgeKind, back: bool, zoom: f32) {
    let w = (1.3 * zoom).clamp(0.6, 2.5);
    let (color, dash) = match (back, kind) {
        (true, _) => (Color32::from_rgb(208, 96, 0), Some((6.0, 3.0))),
        (_, EdgeKind::Fallback) => (Color32::from_gray(150), Some((2.0, 3.0))),
        (_, EdgeKind::Branch) => (Color32::from_rgb(32, 96, 192), None),
        _ => (Color32::from_gray(70), None),
    };
    let stroke = Stroke::new(if back { w * 1.3 } else { w }, color);
    match dash {
        Some((d, g)) => painter.extend(Shape::dashed_line(pts, stroke, d, g)),
        None => {
            painter.add(Shape::line(pts.to_vec(), stroke));
        }
    }
    if let [.., a, b] = pts {
        let dir = (*b - *a).normalized();
        let size = (7.0 * zoom).clamp(3.0, 10.0);
        let side = Vec2::new(-dir.y, dir.x) * size * 0.5;
        let base = *b - dir * size;
        painter.add(Shape::convex_polygon(
            vec![*b, base + side, base - side],
            color,
            Stroke::NONE,
        ));
    }
}

fn draw_blocks(
    painter: &egui::Painter,
    clip: Rect,
    open: &OpenMethod,
    at: &dyn Fn(f32, f32) -> Pos2,
) {
    let (m, sel, zoom) = (&open.model, &open.selection, open.view.zoom);
    let metrics = Metrics::default();
    let text = zoom * 12.0 >= 5.0;
    let max_deopts = m.jit.max_deopt_count();
    for n in &m.layout.nodes {
        let r = Rect::from_min_max(at(n.x, n.y), at(n.x + n.w, n.y + n.h));
        if !visible(clip, r) {
            continue;
        }
        let [cr, cg, cb] = heat_rgb(m.heat(n.block));
        painter.rect_filled(r, 3.0 * zoom, Color32::from_rgb(cr, cg, cb));
        let chosen = sel.blocks.contains(&n.block);
        let stroke = if chosen {
            Stroke::new(3.0, Color32::from_rgb(20, 90, 220))
        } else {
            Stroke::new(1.0, Color32::from_gray(60))
        };
        painter.rect_stroke(r, 3.0 * zoom, stroke, egui::StrokeKind::Outside);
        let block = m.cfg.block(n.block);
        let first = m.first_bytecode_line(n.block);
        for bci in block.bcis().filter(|i| sel.bcis.contains(i)) {
            let i = (bci - block.start) as f32 + first as f32;
            let y = n.y + metrics.pad + metrics.line_h * i;
            let band =
                Rect::from_min_max(at(n.x + 1.0, y), at(n.x + n.w - 1.0, y + metrics.line_h));
            painter.rect_filled(band, 0.0, SELECTED_BG);
        }
        if !text {
            continue;
        }
        for (i, line) in m.block_text(n.block).iter().enumerate() {
            let p = at(
                n.x + metrics.pad,
                n.y + metrics.pad + metrics.line_h * i as f32 + 1.0,
            );
            if p.y > clip.max.y || p.y + metrics.line_h * zoom < clip.min.y {
                continue;
            }
            let color = match i {
                0 => Color32::from_rgb(40, 40, 90),
                i if i < first && line.starts_with("!!") => {
                    deopt_color(m.block_markers(n.block)[i - 1].count, max_deopts)
                }
                i if i < first && line.starts_with(">>") => MARKER_IN,
                i if i < first => MARKER_OUT,
                _ => Color32::BLACK,
            };
            painter.text(
                p,
                egui::Align2::LEFT_TOP,
                line,
                FontId::monospace(12.0 * zoom),
                color,
            );
        }
    }
}

/// The block (its header) or bytecode (its row) under a screen point.
fn hit(open: &OpenMethod, rect: Rect, p: Pos2) -> Option<Pick> {
    let v = open.view;
    let world = (p - rect.min - Vec2::new(v.pan[0], v.pan[1])) / v.zoom;
    let m = &open.model;
    let id = m.layout.block_at(world.x, world.y)?;
    let n = m.layout.node(id);
    let metrics = Metrics::default();
    let first = m.first_bytecode_line(id) as i64;
    let row = ((world.y - n.y - metrics.pad) / metrics.line_h).floor() as i64 - first;
    let block = m.cfg.block(id);
    if row >= 0 && (row as u32) < block.end - block.start {
        Some(Pick::Bytecode(block.start + row as u32))
    } else {
        Some(Pick::Block(id))
    }
}

/// The inline-cache text for a hovered send row.
fn note_of(open: &OpenMethod, pick: Pick) -> Option<String> {
    let Pick::Bytecode(bci) = pick else {
        return None;
    };
    let site = open.model.site(bci)?;
    Some(format!(
        "{}\ncached: {}",
        site.summary(),
        site.cached.join(" ")
    ))
}

/// A deopt point's colour by how often it fired: grey when never, then from orange to
/// deep red at the method's most fired point.
pub(crate) fn deopt_color(fired: u64, max: u64) -> Color32 {
    if fired == 0 || max == 0 {
        return Color32::from_gray(110);
    }
    let t = (fired as f32 / max as f32).clamp(0.0, 1.0);
    let mix = |a: f32, b: f32| (a + (b - a) * t).round() as u8;
    Color32::from_rgb(mix(235.0, 170.0), mix(140.0, 0.0), mix(20.0, 0.0))
}
