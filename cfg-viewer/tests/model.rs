//! The model without a window: golden files for the dot export and the layout of small
//! programs with nested loops and conditionals (`SOM_BLESS=1` rewrites them; review the
//! diff), CFG and layout invariants, linking between lines, blocks, bytecodes and code
//! columns (tier-1 machine instructions through the pc map), the JIT's runtime markers
//! (OSR entry, tier-1 entries, exits to tier 0), and the command line (`--dot`, `--svg`,
//! `--layout`) as a user runs it.

use som_cfg_viewer::model::{
    BlockId, Column, MarkerKind, MethodModel, Pick, Program, Representation, RowKind, Selection,
};
use som_vm::introspect::{EdgeKind, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs")
}

/// The methods with golden files: (program, method).
const GOLDEN: &[(&str, &str)] = &[
    ("Nested.som", "Nested>>run"),
    ("Nested.som", "Nested>>classify:"),
    ("Search.som", "Search>>grid:"),
    ("Search.som", "Search>>find:in:"),
];

fn inspect(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_som-inspect"))
        .current_dir(programs())
        .args(args)
        .output()
        .expect("run som-inspect");
    assert!(
        out.status.success(),
        "som-inspect {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn dot_and_layout_match_golden_files() {
    let bless = std::env::var("SOM_BLESS").is_ok_and(|v| v == "1");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut failures = Vec::new();
    for (file, method) in GOLDEN {
        let stem = method.replace(">>", "_").replace(':', "_");
        for (flag, ext) in [("--dot", "dot"), ("--layout", "layout")] {
            let actual = inspect(&[flag, method, file]);
            let path = dir.join(format!("{stem}.{ext}"));
            if bless {
                std::fs::write(&path, &actual).expect("write golden");
                continue;
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            if expected != actual {
                failures.push(format!(
                    "{}: differs (re-bless with SOM_BLESS=1)\n--- expected\n{expected}\n--- actual\n{actual}",
                    path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn model(file: &str, method: &str) -> MethodModel {
    model_with(file, method, Options::default())
}

/// The model after runs with `--jit-threshold threshold`.
fn jitted(file: &str, method: &str, threshold: u32) -> MethodModel {
    let options = Options {
        jit_threshold: threshold,
        ..Options::default()
    };
    model_with(file, method, options)
}

fn model_with(file: &str, method: &str, options: Options) -> MethodModel {
    let program = Program::run(options, &programs().join(file), &[]).expect("runs");
    assert_eq!(program.jit_exit.as_ref().map(|e| e.status), Some(0));
    assert_eq!(program.exit.status, 0, "{}", program.output());
    program
        .method(program.find(method).expect("found"))
        .expect("bytecode")
}

#[test]
fn nested_loops_are_found_and_nested() {
    let m = model("Nested.som", "Nested>>run");
    let loops = &m.cfg.loops;
    assert_eq!(loops.len(), 3, "to:do:, the inner to:do:, the whileTrue:");
    let outer = &loops[0];
    assert_eq!((outer.depth, outer.parent), (1, None));
    for inner in &loops[1..] {
        assert_eq!(inner.parent, Some(outer.id));
        assert_eq!(inner.depth, 2);
        assert!(inner.blocks.is_subset(&outer.blocks));
    }
    assert!(loops[1].blocks.is_disjoint(&loops[2].blocks), "siblings");
    // Every back-edge closes a loop at its header, and the VM calls it a loop edge.
    for (from, to, e) in m.cfg.edges().filter(|(_, _, e)| e.back) {
        assert_eq!(e.kind, EdgeKind::LoopBack, "{from} -> {to}");
        let l = loops
            .iter()
            .find(|l| l.header == to)
            .expect("a loop at the header");
        assert!(l.blocks.contains(&from));
    }
    assert_eq!(m.cfg.edges().filter(|(_, _, e)| e.back).count(), 3);
}

#[test]
fn blocks_partition_the_bytecode_and_end_at_control_flow() {
    for (file, method) in GOLDEN {
        let m = model(file, method);
        let mut next = 0;
        for b in m.cfg.blocks() {
            assert_eq!(b.start, next, "{method}: blocks are contiguous");
            assert!(b.end > b.start);
            for bci in b.start..b.end - 1 {
                let bc = &m.code.bytecodes[bci as usize];
                assert_eq!(bc.successors.len(), 1, "{method} bci {bci} ends no block");
                assert_eq!(m.cfg.block_of[bci as usize], b.id);
            }
            next = b.end;
        }
        assert_eq!(next as usize, m.code.bytecodes.len());
        let targets = m.code.bytecodes.iter().flat_map(|b| b.successors.iter());
        for e in targets.filter(|e| e.kind != EdgeKind::Fallthrough) {
            let b = m.cfg.block_of[e.target as usize];
            assert_eq!(
                m.cfg.block(b).start,
                e.target,
                "{method}: jump targets start blocks"
            );
        }
    }
}

#[test]
fn heat_follows_the_profile() {
    let m = model("Search.som", "Search>>grid:");
    let hottest = m.cfg.blocks().max_by_key(|b| m.block_count(b.id)).unwrap();
    assert_eq!(m.heat(hottest.id), 1.0);
    assert!(hottest.innermost_loop.is_some(), "the inner loop runs most");
    assert_eq!(m.loop_depth_of(hottest.id), 2);
    let entry = m.block_count(BlockId(0));
    assert_eq!(entry, 1, "grid: is called once");
    assert!(m.heat(BlockId(0)) < m.heat(hottest.id));
    // The odd send saw only integers; the cache says so too.
    let odd = m
        .sites
        .iter()
        .find(|s| s.selector == "odd")
        .expect("the odd send");
    assert_eq!(odd.receivers, vec![("Integer".to_string(), 6)]);
    assert!(odd.summary().contains("Integer 6"), "{}", odd.summary());
}

/// Boxes of real blocks never overlap; forward edges go down, back-edges go up; each
/// inner loop's frame lies inside its parent's, and every block of a loop inside its frame.
pub fn assert_layout_sound(m: &MethodModel) {
    let lay = &m.layout;
    for a in &lay.nodes {
        for b in lay.nodes.iter().filter(|b| b.block > a.block) {
            let apart =
                a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
            assert!(apart, "{} and {} overlap", a.block, b.block);
        }
    }
    for e in lay.edges.iter().filter(|e| e.from != e.to) {
        let (first, last) = (e.points[0], e.points[e.points.len() - 1]);
        if e.back {
            assert!(
                last[1] < first[1],
                "back-edge {} -> {} climbs",
                e.from,
                e.to
            );
        } else {
            assert!(last[1] > first[1], "edge {} -> {} descends", e.from, e.to);
        }
    }
    for f in &lay.frames {
        let l = m.cfg.loop_info(f.loop_id);
        for b in &l.blocks {
            let n = lay.node(*b);
            assert!(n.x > f.x && n.x + n.w < f.x + f.w && n.y > f.y && n.y + n.h < f.y + f.h);
        }
        if let Some(p) = l.parent {
            let pf = &lay.frames[p.0 as usize];
            assert!(f.x > pf.x && f.y > pf.y && f.x + f.w < pf.x + pf.w && f.y + f.h < pf.y + pf.h);
        }
    }
}

#[test]
fn layouts_are_sound() {
    for (file, method) in GOLDEN {
        assert_layout_sound(&model(file, method));
    }
}

#[test]
fn a_source_line_links_to_its_bytecodes_and_blocks() {
    let m = model("Nested.som", "Nested>>run");
    let columns = Column::all(&m);
    let sel = Selection::of(Pick::Line(7), &m, &columns);
    let expected: Vec<u32> = m
        .code
        .bytecodes
        .iter()
        .filter(|b| b.line == 7)
        .map(|b| b.bci)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(sel.bcis.iter().copied().collect::<Vec<_>>(), expected);
    for b in &sel.blocks {
        assert!(m.cfg.block(*b).bcis().any(|i| sel.bcis.contains(&i)));
    }
    // The bytecode column highlights exactly those rows.
    let rows: Vec<usize> = (0..columns[0].rows.len())
        .filter(|&r| sel.has_row(&columns[0].rows[r]))
        .collect();
    assert_eq!(
        rows,
        expected.iter().map(|&i| i as usize).collect::<Vec<_>>()
    );
}

#[test]
fn a_block_and_a_code_row_link_back_to_lines() {
    let m = model("Search.som", "Search>>grid:");
    let columns = Column::all(&m);
    let hot = m
        .cfg
        .blocks()
        .max_by_key(|b| m.block_count(b.id))
        .unwrap()
        .id;
    let sel = Selection::of(Pick::Block(hot), &m, &columns);
    assert_eq!(sel.blocks.iter().copied().collect::<Vec<_>>(), vec![hot]);
    assert_eq!(sel.lines.iter().copied().collect::<Vec<_>>(), vec![15]);
    // A row of the bytecode column selects what the bytecode itself selects.
    let bci = m.cfg.block(hot).start;
    let by_row = Selection::of(
        Pick::Row {
            column: 0,
            row: bci as usize,
        },
        &m,
        &columns,
    );
    let by_bc = Selection::of(Pick::Bytecode(bci), &m, &columns);
    assert_eq!(
        (by_row.bcis, by_row.lines, by_row.blocks),
        (by_bc.bcis, by_bc.lines, by_bc.blocks)
    );
    // Tier 1 has no code yet: its column says so and links nothing.
    assert_eq!(columns[1].absent.as_deref(), Some("not compiled in tier 1"));
    assert!(Selection::of(Pick::Row { column: 1, row: 0 }, &m, &columns)
        .bcis
        .is_empty());
}

#[test]
fn svg_export_draws_every_block_and_edge() {
    let out = std::env::temp_dir().join(format!("som-inspect-{}.svg", std::process::id()));
    let out_s = out.to_str().unwrap();
    inspect(&["--svg", out_s, "Search>>grid:", "Search.som"]);
    let svg = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let m = model("Search.som", "Search>>grid:");
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("class=\"block\"").count(), m.cfg.len());
    assert_eq!(svg.matches("class=\"edge\"").count(), m.cfg.edges().count());
    assert_eq!(svg.matches("class=\"loop\"").count(), m.cfg.loops.len());
    assert!(svg.contains("#odd mono") || svg.contains("send #odd"));
}

#[test]
fn unknown_methods_and_primitives_are_reported() {
    let out = Command::new(env!("CARGO_BIN_EXE_som-inspect"))
        .current_dir(programs())
        .args(["--dot", "Search>>nothing", "Search.som"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no method Search>>nothing"));
    let p = Program::run(Options::default(), &programs().join("Search.som"), &[]).unwrap();
    let prim = p
        .methods
        .iter()
        .find(|m| m.is_primitive)
        .expect("a primitive");
    assert!(p.method(prim.key).is_none());
    assert!(p
        .hottest()
        .is_some_and(|h| !h.is_primitive && h.executed > 0));
}

#[test]
fn a_bytecode_links_to_exactly_its_machine_instructions_and_back() {
    let m = jitted("Nested.som", "Nested>>run", 0);
    let native = m.jit.native(1).expect("compiled at the first call");
    let columns = Column::all(&m);
    let col = &columns[1];
    assert_eq!(col.repr, Representation::MachineCode { tier: 1 });
    assert!(col.absent.is_none());
    // Every instruction is one row, in address order, under a heading of its bytecode.
    let insts = native.instructions();
    let code_rows: Vec<&_> = col.rows.iter().filter(|r| r.is_code()).collect();
    assert_eq!(code_rows.len(), insts.len());
    for (row, inst) in code_rows.iter().zip(&insts) {
        assert_eq!(row.bcis, vec![inst.bci]);
        assert!(
            row.text.contains(&format!("{:012x}", inst.address)),
            "{}",
            row.text
        );
    }
    // Picking the `%` send selects its instructions in the machine-code column.
    let bci = m.sites.iter().find(|s| s.selector == "%").expect("%").bci;
    let sel = Selection::of(Pick::Bytecode(bci), &m, &columns);
    let picked = code_rows.iter().filter(|r| sel.has_row(r)).count();
    let expected = insts.iter().filter(|i| i.bci == bci).count();
    assert!(expected > 0);
    assert_eq!(picked, expected);
    let first = col.first_selected(&sel).expect("a selected row");
    let bc_text = m.bytecode_text(&m.code.bytecodes[bci as usize]);
    assert!(col.rows[first].kind == RowKind::Heading && col.rows[first].text.starts_with(&bc_text));
    // Picking one of those instructions selects its bytecode, line and block.
    let row = (first + 1..col.rows.len())
        .find(|&r| col.rows[r].is_code())
        .expect("an instruction");
    let back = Selection::of(Pick::Row { column: 1, row }, &m, &columns);
    assert_eq!(back.bcis.iter().copied().collect::<Vec<_>>(), vec![bci]);
    assert_eq!(back.lines.iter().copied().collect::<Vec<_>>(), vec![7]);
    let block = m.cfg.block_of[bci as usize];
    assert_eq!(back.blocks.iter().copied().collect::<Vec<_>>(), vec![block]);
    // A source line selects the instructions of every bytecode on it.
    let line = Selection::of(Pick::Line(7), &m, &columns);
    let on_line = insts.iter().filter(|i| line.bcis.contains(&i.bci)).count();
    let lit = code_rows.iter().filter(|r| line.has_row(r)).count();
    assert_eq!(lit, on_line);
}

#[test]
fn the_cfg_shows_where_osr_entered_and_where_tier_one_was_entered_and_left() {
    let m = jitted("HotLoop.som", "HotLoop>>run:", 100);
    let header = m.cfg.loops[0].header;
    let head = m.cfg.block(header).start;
    let osr: Vec<_> = m
        .jit
        .markers
        .iter()
        .filter(|k| k.kind == MarkerKind::OsrEntry)
        .collect();
    assert_eq!(osr.len(), 1, "{:?}", m.jit.markers);
    assert_eq!((osr[0].bci, osr[0].count), (head, 1));
    // The loop header's block says so, and so does a marker row of its machine code.
    let text = m.block_text(header);
    assert_eq!(text[1], format!(">> OSR entry at {head} x1"));
    assert_eq!(m.first_bytecode_line(header), 2);
    let col = &Column::all(&m)[1];
    assert!(col
        .rows
        .iter()
        .any(|r| r.kind == RowKind::Marker { entry: true }
            && r.bcis == vec![head]
            && r.text == format!(">> OSR entry at {head} x1")));
    // From tier 1 it called `rare:` (never compiled) once and came back to tier 1.
    let calls: Vec<_> = m
        .jit
        .markers
        .iter()
        .filter(|k| matches!(&k.kind, MarkerKind::CallToTier0 { callees } if callees == &["HotLoop>>rare:".to_string()]))
        .collect();
    assert_eq!(calls.len(), 1, "{:?}", m.jit.markers);
    assert!(m
        .jit
        .markers
        .iter()
        .any(|k| k.kind == MarkerKind::Tier1Resume && k.bci == calls[0].bci + 1 && k.count == 1));
    // `step:` compiled before `run:` did: tier 0 entered it and it returned to tier 0.
    let step = jitted("HotLoop.som", "HotLoop>>step:", 100);
    let kinds: Vec<(&MarkerKind, u64)> = step
        .jit
        .markers
        .iter()
        .map(|k| (&k.kind, k.count))
        .collect();
    let entries = step.jit.counters.tier1_entries;
    assert!(entries > 0);
    assert!(
        kinds.contains(&(&MarkerKind::Tier1Entry, entries)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(&MarkerKind::ReturnToTier0, entries)),
        "{kinds:?}"
    );
    assert_eq!(step.jit.compiled.len(), 1);
    // The dot export carries the markers.
    let dot = inspect(&[
        "--jit-threshold",
        "100",
        "--dot",
        "HotLoop>>run:",
        "HotLoop.som",
    ]);
    assert!(dot.contains(&format!(">> OSR entry at {head} x1")), "{dot}");
}

#[test]
fn without_the_jit_the_machine_code_column_says_why() {
    let options = Options {
        max_tier: 0,
        ..Options::default()
    };
    let program = Program::run(options, &programs().join("Nested.som"), &[]).expect("runs");
    assert!(program.jit_exit.is_none());
    let m = program
        .method(program.find("Nested>>run").unwrap())
        .unwrap();
    let col = &Column::all(&m)[1];
    assert!(col.absent.as_deref().unwrap().contains("without the JIT"));
    assert!(m.jit.markers.is_empty());
}

#[test]
fn edges_carry_how_often_they_were_taken() {
    let m = model("HotLoop.som", "HotLoop>>run:");
    let edges: Vec<_> = m.cfg.edges().collect();
    assert_eq!(m.edge_counts.len(), edges.len());
    // `i = 2500 ifTrue: [...]` inside the 3000-iteration loop: once in, 2999 past it.
    let mut found = false;
    for block in m.cfg.blocks() {
        let out: Vec<u64> = (0..edges.len())
            .filter(|&i| edges[i].0 == block.id)
            .filter_map(|i| m.edge_counts[i])
            .collect();
        // (The fallback edge of the inlined ifTrue: was never taken.)
        let mut taken: Vec<u64> = out.iter().copied().filter(|&n| n > 0).collect();
        taken.sort();
        found |= taken == [1, 2999];
        // What leaves a block adds up to how often its last bytecode ran.
        if out.len() == (0..edges.len()).filter(|&i| edges[i].0 == block.id).count()
            && !out.is_empty()
        {
            assert_eq!(
                out.iter().sum::<u64>(),
                m.counts[block.end as usize - 1],
                "{}",
                block.id
            );
        }
    }
    assert!(found, "{:?}", m.edge_counts);
    let dot = som_cfg_viewer::model::dot::to_dot(&m);
    assert!(dot.contains(" x2999\""), "{dot}");
    let svg = som_cfg_viewer::model::svg::to_svg(&m);
    assert!(svg.contains("class=\"edge-count\""), "{svg}");
}

#[test]
fn heat_is_on_the_programs_scale_unless_asked_for_the_methods() {
    use som_cfg_viewer::model::{BlockId, HeatScale};
    let mut m = model("HotLoop.som", "HotLoop>>rare:");
    assert_eq!(m.scale, HeatScale::Program);
    assert!(m.heat(BlockId(0)) < 0.2, "{}", m.heat(BlockId(0)));
    m.scale = HeatScale::Method;
    assert_eq!(m.heat(BlockId(0)), 1.0);
}
