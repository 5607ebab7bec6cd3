//! The `som-dbg` binary: `record`, `replay` (TUI or `--batch`), `run`, `dap` and `latency`.

use som_debugger::engine::{Engine, DEFAULT_BUDGET};
use som_debugger::record::{record, Recording};
use som_debugger::trace::Trace;
use std::path::PathBuf;

/// The same allocator as `som`, so a recording runs as fast as a plain run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage:
  som-dbg record -o run.somtrace [-cp dir1:dir2] [TIERS] File.som [args...]
  som-dbg replay run.somtrace [--batch [--timing]] [--checkpoint-budget SIZE]
  som-dbg run [-cp dir1:dir2] [TIERS] [--checkpoint-budget SIZE] File.som [args...]
  som-dbg dap [--checkpoint-budget SIZE]
  som-dbg latency run.somtrace SCRIPT [--runs N] [--checkpoint-budget SIZE]

replay --batch reads commands from stdin (one per line) and answers one JSON object per
command; without it the recording opens in the terminal UI. dap serves the Debug Adapter
Protocol on stdin/stdout (for VS Code and other editors). latency runs the batch commands
of SCRIPT N times (default 5, each from a reset session) and prints each one's median, min
and max wall time (debugger/bench/README.md). SIZE is e.g. 256M or 1G. TIERS are som's
--max-tier N, --jit-threshold N, --tier2-sends and --deopt-stress for the recorded run
(the replay re-executes it in the interpreter and checks it against the recording).";

struct Args {
    out: Option<PathBuf>,
    class_path: Vec<PathBuf>,
    batch: bool,
    timing: bool,
    budget: usize,
    runs: usize,
    tiers: Recording,
    rest: Vec<String>,
}

fn parse(argv: &[String]) -> Result<Args, String> {
    let mut a = Args {
        out: None,
        class_path: Vec::new(),
        batch: false,
        timing: false,
        budget: DEFAULT_BUDGET,
        runs: 5,
        tiers: Recording::default(),
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
            "--runs" => {
                a.runs = value(i)?
                    .parse()
                    .map_err(|_| "--runs needs a number".to_string())?
            }
            "--checkpoint-budget" => a.budget = som_vm::introspect::parse_size(&value(i)?)?,
            "--max-tier" => {
                let v = value(i)?;
                let tier = v.parse().ok().filter(|t| *t <= 2);
                a.tiers.max_tier =
                    Some(tier.ok_or(format!("--max-tier expects 0, 1 or 2, got '{v}'"))?);
            }
            "--jit-threshold" => {
                let v = value(i)?;
                let n = v
                    .parse()
                    .map_err(|_| format!("--jit-threshold expects a count, got '{v}'"))?;
                a.tiers.jit_threshold = Some(n);
            }
            "--tier2-sends" | "--deopt-stress" => {
                if argv[i] == "--tier2-sends" {
                    a.tiers.tier2_sends = true;
                } else {
                    a.tiers.deopt_stress = true;
                }
                i += 1;
                continue;
            }
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
        ..a.tiers.clone()
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
    let keep = if cmd == "latency" { 2 } else { 1 };
    if (cmd == "replay" || cmd == "latency") && a.rest.len() > keep {
        // Options may follow the recording file.
        let trailing = parse(&a.rest[keep..])?;
        if !trailing.rest.is_empty() {
            return Err(format!("unexpected argument '{}'", trailing.rest[0]));
        }
        if trailing.tiers.max_tier.is_some()
            || trailing.tiers.jit_threshold.is_some()
            || trailing.tiers.tier2_sends
            || trailing.tiers.deopt_stress
        {
            a.tiers = trailing.tiers.clone();
        }
        a.batch |= trailing.batch;
        a.timing |= trailing.timing;
        if trailing.budget != DEFAULT_BUDGET {
            a.budget = trailing.budget;
        }
        if trailing.runs != 5 {
            a.runs = trailing.runs;
        }
        a.rest.truncate(keep);
    }
    let t = &a.tiers;
    let tiered =
        t.max_tier.is_some() || t.jit_threshold.is_some() || t.tier2_sends || t.deopt_stress;
    if tiered && cmd != "record" && cmd != "run" {
        return Err(format!(
            "--max-tier, --jit-threshold, --tier2-sends and --deopt-stress apply to record and run, not {cmd}"
        ));
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
        "latency" => {
            let [file, script] = &a.rest[..] else {
                return Err("latency needs a recording file and a script".into());
            };
            let script = std::fs::read_to_string(script)
                .map_err(|e| format!("cannot read {script}: {e}"))?;
            let trace = Trace::read(&PathBuf::from(file)).map_err(|e| e.0)?;
            let mut engine = open(trace, a.budget)?;
            som_debugger::latency::run(&mut engine, &script, a.runs, std::io::stdout())?;
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
