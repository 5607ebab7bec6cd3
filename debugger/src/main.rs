//! The `som-dbg` binary: `record`, `replay` (TUI or `--batch`), `run` and `dap`.

use som_debugger::engine::{Engine, DEFAULT_BUDGET};
use som_debugger::record::{record, Recording};
use som_debugger::trace::Trace;
use std::path::PathBuf;

/// The same allocator as `som`, so a recording runs as fast as a plain run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage:
  som-dbg record -o run.somtrace [-cp dir1:dir2] File.som [args...]
  som-dbg replay run.somtrace [--batch [--timing]] [--checkpoint-budget SIZE]
  som-dbg run [-cp dir1:dir2] [--checkpoint-budget SIZE] File.som [args...]
  som-dbg dap [--checkpoint-budget SIZE]

replay --batch reads commands from stdin (one per line) and answers one JSON object per
command; without it the recording opens in the terminal UI. dap serves the Debug Adapter
Protocol on stdin/stdout (for VS Code and other editors). SIZE is e.g. 256M or 1G.";

struct Args {
    out: Option<PathBuf>,
    class_path: Vec<PathBuf>,
    batch: bool,
    timing: bool,
    budget: usize,
    rest: Vec<String>,
}

fn parse(argv: &[String]) -> Result<Args, String> {
    let mut a = Args {
        out: None,
        class_path: Vec::new(),
        batch: false,
        timing: false,
        budget: DEFAULT_BUDGET,
        rest: Vec::new(),
    };
    let mut i = 0;
    while i < argv.len() {
        let value = |i: usize| {
            argv.get(i + 1)
                .cloned()
                .ok_or(format!("{} needs a value", argv[i]))
        };
        match argv[i].as_str() {
            "-o" => a.out = Some(PathBuf::from(value(i)?)),
            "-cp" | "--classpath" => a.class_path.extend(
                value(i)?
                    .split(':')
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from),
            ),
            "--timing" => {
                a.timing = true;
                i += 1;
                continue;
            }
            "--batch" => {
                a.batch = true;
                i += 1;
                continue;
            }
            "--checkpoint-budget" => a.budget = som_vm::introspect::parse_size(&value(i)?)?,
            s if s.starts_with('-') && a.rest.is_empty() => {
                return Err(format!("unknown option '{s}'"))
            }
            _ => {
                a.rest = argv[i..].to_vec();
                break;
            }
        }
        i += 2;
    }
    Ok(a)
}

fn recording(a: &Args) -> Result<Recording, String> {
    let program = a.rest.first().ok_or("no program file given")?;
    Ok(Recording {
        program: PathBuf::from(program),
        args: a.rest[1..].to_vec(),
        class_path: a.class_path.clone(),
    })
}

fn open(trace: Trace, budget: usize) -> Result<Engine, String> {
    Engine::open(trace, budget).map_err(|e| e.0)
}

fn main_inner(argv: Vec<String>) -> Result<i32, String> {
    let Some(cmd) = argv.get(1) else {
        return Err(String::new());
    };
    let mut a = parse(&argv[2..])?;
    if cmd == "replay" && a.rest.len() > 1 {
        // Options may follow the recording file.
        let trailing = parse(&a.rest[1..])?;
        if !trailing.rest.is_empty() {
            return Err(format!("unexpected argument '{}'", trailing.rest[0]));
        }
        a.batch |= trailing.batch;
        a.timing |= trailing.timing;
        if trailing.budget != DEFAULT_BUDGET {
            a.budget = trailing.budget;
        }
        a.rest.truncate(1);
    }
    match cmd.as_str() {
        "record" => {
            let out = a.out.clone().ok_or("record needs -o FILE")?;
            record(&recording(&a)?, &out).map_err(|e| e.0)
        }
        "replay" => {
            let file = a.rest.first().ok_or("replay needs a recording file")?;
            let trace = Trace::read(&PathBuf::from(file)).map_err(|e| e.0)?;
            let mut engine = open(trace, a.budget)?;
            if a.batch {
                let stdin = std::io::stdin();
                som_debugger::batch::run(&mut engine, stdin.lock(), std::io::stdout(), a.timing)
                    .map_err(|e| e.to_string())?;
                Ok(0)
            } else {
                som_debugger::tui::run(&mut engine).map_err(|e| e.to_string())?;
                Ok(0)
            }
        }
        "run" => {
            let what = recording(&a)?;
            let path =
                std::env::temp_dir().join(format!("som-dbg-{}.somtrace", std::process::id()));
            record(&what, &path).map_err(|e| e.0)?;
            let trace = Trace::read(&path).map_err(|e| e.0)?;
            let _ = std::fs::remove_file(&path);
            let mut engine = open(trace, a.budget)?;
            som_debugger::tui::run(&mut engine).map_err(|e| e.to_string())?;
            Ok(0)
        }
        "dap" => {
            if let Some(extra) = a.rest.first() {
                return Err(format!("unexpected argument '{extra}'"));
            }
            let stdin = std::io::stdin();
            som_debugger::dap::serve(stdin.lock(), std::io::stdout().lock(), a.budget)
                .map_err(|e| format!("dap: {e}"))?;
            Ok(0)
        }
        "-h" | "--help" | "help" => Err(String::new()),
        other => Err(format!("unknown command '{other}'")),
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let code = match main_inner(argv) {
        Ok(code) => code,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            0
        }
        Err(e) => {
            eprintln!("som-dbg: {e}");
            1
        }
    };
    std::process::exit(code);
}
