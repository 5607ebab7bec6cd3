//! SVG export of a laid-out CFG, written directly from the layout (no Graphviz needed):
//! loop frames, edges with arrowheads (back-edges dashed orange, fallbacks dotted grey),
//! blocks filled by heat and listing their bytecodes.

use super::layout::Metrics;
use super::method::MethodModel;
use som_vm::introspect::EdgeKind;
use std::fmt::Write;

/// The SVG document of a method's CFG.
pub fn to_svg(m: &MethodModel) -> String {
    let lay = &m.layout;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" \
         viewBox=\"0 0 {:.0} {:.0}\" font-family=\"monospace\" font-size=\"12\">",
        lay.width, lay.height, lay.width, lay.height
    );
    let _ = writeln!(out, "<title>{}</title>", xml(&m.code.label));
    out.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker></defs>\n",
    );
    out.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    for f in &lay.frames {
        let _ = writeln!(
            out,
            "<rect class=\"loop\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" \
             fill=\"#7a5cc0\" fill-opacity=\"0.05\" stroke=\"#7a5cc0\" stroke-dasharray=\"5 3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#7a5cc0\" font-size=\"10\">{}</text>",
            f.x,
            f.y,
            f.w,
            f.h,
            f.x + 4.0,
            f.y + 10.0,
            f.loop_id
        );
    }
    for (i, e) in lay.edges.iter().enumerate() {
        if let (Some(count), Some([x, y])) = (m.edge_label(i), label_point(&e.points)) {
            let _ = writeln!(
                out,
                "<text class=\"edge-count\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" \
                 fill=\"#555555\">{count}</text>",
                x + 3.0,
                y - 2.0
            );
        }
        let points: Vec<String> = e
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", p[0], p[1]))
            .collect();
        let style = match (e.back, e.kind) {
            (true, _) => "stroke=\"#d06000\" stroke-width=\"1.6\" stroke-dasharray=\"6 3\"",
            (_, EdgeKind::Fallback) => "stroke=\"#999999\" stroke-dasharray=\"2 3\"",
            (_, EdgeKind::Branch) => "stroke=\"#2060c0\"",
            _ => "stroke=\"#444444\"",
        };
        let _ = writeln!(
            out,
            "<polyline class=\"edge\" data-from=\"{}\" data-to=\"{}\" points=\"{}\" fill=\"none\" \
             {style} marker-end=\"url(#arrow)\"/>",
            e.from,
            e.to,
            points.join(" ")
        );
    }
    write_blocks(&mut out, m);
    out.push_str("</svg>\n");
    out
}

/// Where an edge's count goes: the middle of its polyline's middle segment.
pub fn label_point(points: &[[f32; 2]]) -> Option<[f32; 2]> {
    let i = points.len().checked_sub(2)? / 2;
    let (a, b) = (points[i], points[i + 1]);
    Some([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0])
}

fn write_blocks(out: &mut String, m: &MethodModel) {
    let metrics = Metrics::default();
    for n in &m.layout.nodes {
        let [r, g, b] = super::heat_rgb(m.heat(n.block));
        let _ = writeln!(
            out,
            "<g class=\"block\" id=\"{}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" \
             height=\"{:.1}\" rx=\"3\" fill=\"#{r:02x}{g:02x}{b:02x}\" stroke=\"#333333\"/>",
            n.block, n.x, n.y, n.w, n.h
        );
        for (i, line) in m.block_text(n.block).iter().enumerate() {
            let weight = if i == 0 { " font-weight=\"bold\"" } else { "" };
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" xml:space=\"preserve\"{weight}>{}</text>",
                n.x + metrics.pad,
                n.y + metrics.pad + metrics.line_h * (i as f32 + 0.8),
                xml(line)
            );
        }
        out.push_str("</g>\n");
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
