//! Graphviz dot export of a method's CFG: blocks as boxes listing their bytecodes (heat as
//! fill colour), loops as nested clusters, edges styled by kind, back-edges dashed.

use super::cfg::{BlockId, LoopId};
use super::method::MethodModel;
use som_vm::introspect::EdgeKind;
use std::fmt::Write;

/// The dot text of a method's CFG.
pub fn to_dot(m: &MethodModel) -> String {
    let mut out = String::new();
    let title = format!("{} ({}:{})", m.code.label, m.code.file, m.code.line);
    let _ = writeln!(out, "digraph \"{}\" {{", escape(&m.code.label));
    let _ = writeln!(
        out,
        "  graph [fontname=\"monospace\", label=\"{}\", labelloc=t];",
        escape(&title)
    );
    out.push_str("  node [shape=box, style=filled, fontname=\"monospace\", fontsize=10];\n");
    out.push_str("  edge [fontname=\"monospace\", fontsize=9];\n");
    for b in m.cfg.blocks().filter(|b| b.innermost_loop.is_none()) {
        write_node(&mut out, m, b.id, 1);
    }
    for l in m.cfg.loops.iter().filter(|l| l.parent.is_none()) {
        write_cluster(&mut out, m, l.id, 1);
    }
    for (i, (u, v, e)) in m.cfg.edges().enumerate() {
        let count = m.edge_label(i).map(|c| format!(" {c}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {u} -> {v} [{}];",
            edge_style(e.kind, e.back, &count)
        );
    }
    out.push_str("}\n");
    out
}

fn write_cluster(out: &mut String, m: &MethodModel, id: LoopId, depth: usize) {
    let pad = "  ".repeat(depth);
    let l = m.cfg.loop_info(id);
    let _ = writeln!(out, "{pad}subgraph cluster_{id} {{");
    let _ = writeln!(
        out,
        "{pad}  label=\"{id} (header {})\"; style=dashed; color=\"#7a5cc0\";",
        l.header
    );
    for b in m.cfg.blocks().filter(|b| b.innermost_loop == Some(id)) {
        write_node(out, m, b.id, depth + 1);
    }
    for child in m.cfg.loops.iter().filter(|c| c.parent == Some(id)) {
        write_cluster(out, m, child.id, depth + 1);
    }
    let _ = writeln!(out, "{pad}}}");
}

fn write_node(out: &mut String, m: &MethodModel, id: BlockId, depth: usize) {
    let pad = "  ".repeat(depth);
    let label: String = m
        .block_text(id)
        .iter()
        .map(|l| format!("{}\\l", escape(l)))
        .collect();
    let [r, g, b] = super::heat_rgb(m.heat(id));
    let _ = writeln!(
        out,
        "{pad}{id} [label=\"{label}\", fillcolor=\"#{r:02x}{g:02x}{b:02x}\"];"
    );
}

/// The edge's attributes; its label is its kind and, when known, how often it was taken.
fn edge_style(kind: EdgeKind, back: bool, count: &str) -> String {
    let (name, style) = match kind {
        EdgeKind::Fallthrough => ("fallthrough", "color=\"#444444\""),
        EdgeKind::Jump => ("jump", "color=\"#444444\""),
        EdgeKind::Branch => ("branch", "color=\"#2060c0\""),
        EdgeKind::LoopBack => ("loop", "color=\"#d06000\", penwidth=2"),
        EdgeKind::Fallback => ("fallback", "color=\"#999999\", style=dotted"),
    };
    let back = if back {
        ", style=dashed, back=true"
    } else {
        ""
    };
    format!("label=\"{name}{count}\", {style}{back}")
}

/// Escapes a string for a double-quoted dot ID.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
