//! `som-inspect`: runs a SOM program with a bytecode profile and again with the JIT,
//! then opens the inspector window, or exports one method's CFG as Graphviz dot
//! (`--dot`) or SVG (`--svg`).

use anyhow::{Context, Result};
use som_cfg_viewer::model::{dot, svg, HeatScale, MethodModel, Pick, Program};
use som_cfg_viewer::ui::{self, Inspector};
use som_vm::introspect::Options;
use std::path::PathBuf;

const USAGE: &str = "usage: som-inspect [VM OPTIONS] [--method Class>>selector] [--select-line N] [--screenshot OUT.png] File.som [args...]
       som-inspect [VM OPTIONS] --dot Class>>selector File.som [args...]
       som-inspect [VM OPTIONS] --layout Class>>selector File.som [args...]   (the layout as text)
       som-inspect [VM OPTIONS] --svg OUT.svg Class>>selector File.som [args...]
HEAT: --heat program|method (the CFG's heat scale: the whole program's hottest bytecode, the default, or the method's)
METHOD: Class>>selector, 'Class class>>selector', or a block: '[] in Class>>selector' (add ' @LINE' when it has several)
VM OPTIONS: -cp DIRS, --jit-threshold N (invocations or back-edges before tier 1, default 1000),
            --max-tier N (0: no run with the JIT, no machine code; 2: tier 2, its IR passes and deopt points),
            --tier2-sends (tier 2 also compiles methods that send)";

/// Parsed command line.
#[derive(Debug, Default)]
struct Args {
    class_path: Vec<PathBuf>,
    jit_threshold: Option<u32>,
    max_tier: Option<u8>,
    tier2_sends: bool,
    dot: Option<String>,
    layout: Option<String>,
    svg: Option<(PathBuf, String)>,
    method: Option<String>,
    screenshot: Option<PathBuf>,
    select: Option<u32>,
    heat: Option<HeatScale>,
    file: Option<PathBuf>,
    program_args: Vec<String>,
    /// `-h`/`--help`: print the usage and exit 0.
    help: bool,
}

fn parse(argv: &[String]) -> Result<Args> {
    let mut a = Args::default();
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{arg} needs {what}"))
        };
        match arg.as_str() {
            "-cp" | "--classpath" => {
                let dirs = value("a class path")?;
                a.class_path.extend(dirs.split(':').map(PathBuf::from));
            }
            "--jit-threshold" => {
                let n = value("a count")?;
                a.jit_threshold = Some(n.parse().with_context(|| format!("--jit-threshold {n}"))?)
            }
            "--tier2-sends" => a.tier2_sends = true,
            "--max-tier" => {
                let n = value("a tier")?;
                a.max_tier = Some(n.parse().with_context(|| format!("--max-tier {n}"))?)
            }
            "--dot" => a.dot = Some(value("Class>>selector")?),
            "--layout" => a.layout = Some(value("Class>>selector")?),
            "--svg" => {
                let out = PathBuf::from(value("an output file")?);
                a.svg = Some((out, value("Class>>selector")?));
            }
            "--method" => a.method = Some(value("Class>>selector")?),
            "--heat" => {
                let word = value("program or method")?;
                a.heat = Some(
                    HeatScale::parse(&word)
                        .with_context(|| format!("--heat is program or method, not {word}"))?,
                )
            }
            "--screenshot" => a.screenshot = Some(PathBuf::from(value("an output file")?)),
            "--select-line" => {
                a.select = Some(value("a line number")?.parse().context("--select-line")?)
            }
            "-h" | "--help" => {
                a.help = true;
                break;
            }
            _ => {
                a.file = Some(PathBuf::from(arg));
                a.program_args = it.cloned().collect();
                break;
            }
        }
    }
    Ok(a)
}

fn main() -> Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let a = parse(&argv)?;
    if a.help {
        println!("{USAGE}");
        return Ok(());
    }
    let file = a.file.clone().with_context(|| USAGE.to_string())?;
    let mut options = Options {
        class_path: a.class_path.clone(),
        ..Options::default()
    };
    if let Some(n) = a.jit_threshold {
        options.jit_threshold = n;
    }
    if let Some(t) = a.max_tier {
        options.max_tier = t;
    }
    options.tier2_sends = a.tier2_sends;
    let program = Program::run(options, &file, &a.program_args)?;
    if program.exit.status != 0 {
        let why = program.exit.error.clone().unwrap_or_default();
        eprintln!(
            "som-inspect: the program exited with status {} (showing what it ran) {why}",
            program.exit.status
        );
    }
    let heat = a.heat.unwrap_or_default();
    let method = |spec: &str| -> Result<MethodModel> {
        let mut m = program.method(program.find(spec)?).context("no bytecode")?;
        m.scale = heat;
        Ok(m)
    };
    if let Some(spec) = &a.dot {
        let m = method(spec)?;
        print!("{}", dot::to_dot(&m));
        return Ok(());
    }
    if let Some(spec) = &a.layout {
        let m = method(spec)?;
        print!("{}", m.layout.to_text());
        return Ok(());
    }
    if let Some((out, spec)) = &a.svg {
        let m = method(spec)?;
        std::fs::write(out, svg::to_svg(&m))
            .with_context(|| format!("writing {}", out.display()))?;
        return Ok(());
    }
    let mut ins = Inspector::new(program);
    ins.set_scale(heat);
    if let Some(spec) = &a.method {
        let key = ins.program.find(spec)?;
        ins.open(key);
    }
    if let Some(line) = a.select {
        ins.pick(Pick::Line(line));
        // Picked from the command line, not in the source pane: show it there too.
        if let Some(open) = ins.open.as_mut() {
            open.scroll.source_line = Some(line);
        }
    }
    ui::run(ins, a.screenshot)
}
