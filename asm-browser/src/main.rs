//! `som-asm File.som Class>>selector [--tier 0|1|2] [--tier2-sends] [--json] [-cp PATH] [-- ARGS...]`:
//! runs the program (tier 1 compiles every method at its first call), then lists the
//! method with source lines, bytecodes and the machine code the VM really produced;
//! `--tier 2` runs with tier 2 (compiling at the first call too) and lists the IR after
//! each pass and the Cranelift code (`--tier2-sends` lets tier 2 compile methods that
//! send).
//! `som-asm --tui File.som [Class>>selector] ...` runs it the same way, then opens the
//! interactive browser. Bad input is reported before the terminal is touched.

use som_asm_browser::program::{Program, RunOptions};
use std::io::IsTerminal;
use std::path::PathBuf;

const USAGE: &str = "usage: som-asm File.som Class>>selector [--tier 0|1|2] [--tier2-sends] [--json] [-cp PATH] [-- ARGS...]
       som-asm --tui File.som [Class>>selector] [--tier 0|1|2] [--tier2-sends] [--jit-threshold N] [--no-counts] [-cp PATH] [-- ARGS...]";

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    // Not after `--`: those are the program's arguments.
    let ours = argv.iter().take_while(|a| *a != "--");
    if ours.clone().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return;
    }
    std::process::exit(match run(argv) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("som-asm: {e}\n{USAGE}");
            2
        }
    });
}

/// The parsed command line.
struct Command {
    file: PathBuf,
    what: Option<String>,
    tui: bool,
    json: bool,
    run: RunOptions,
}

fn parse(argv: Vec<String>) -> Result<Command, String> {
    let (mut file, mut what, mut tui, mut json) = (None, None, false, false);
    let mut run = RunOptions::default();
    let mut it = argv.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tier" => {
                run.max_tier = it
                    .next()
                    .and_then(|t| t.parse().ok())
                    .filter(|&t| t <= 2)
                    .ok_or("--tier 0|1|2")?
            }
            "--jit-threshold" => {
                run.jit_threshold = it
                    .next()
                    .and_then(|t| t.parse().ok())
                    .ok_or("--jit-threshold N (a number of calls)")?
            }
            "--tier2-sends" => run.tier2_sends = true,
            "--json" => json = true,
            "--tui" => tui = true,
            "--no-counts" => run.counts = false,
            "-cp" => run
                .class_path
                .extend(it.next().ok_or("-cp PATH")?.split(':').map(PathBuf::from)),
            "--" => run.args.extend(it.by_ref()),
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ if file.is_none() => file = Some(PathBuf::from(a)),
            _ if what.is_none() => what = Some(a),
            _ => return Err(format!("unexpected argument {a}")),
        }
    }
    if !tui {
        // The listing has no profile: it shows code, not counters.
        run.counts = false;
    }
    Ok(Command {
        file: file.ok_or("no program file")?,
        what,
        tui,
        json,
        run,
    })
}

fn run(argv: Vec<String>) -> Result<(), String> {
    let cmd = parse(argv)?;
    if !cmd.tui && cmd.what.is_none() {
        return Err("no Class>>selector".into());
    }
    if cmd.tui && cmd.run.counts && std::io::stderr().is_terminal() {
        eprintln!(
            "som-asm: running {} with the JIT, then again in tier 0 under the bytecode profile for the counters (--no-counts skips that)",
            cmd.file.display()
        );
    }
    let program = Program::run(&cmd.file, &cmd.run).map_err(|e| e.to_string())?;
    let key = match &cmd.what {
        Some(w) => Some(program.find(w).map_err(|e| e.to_string())?),
        None => None,
    };
    let tier = cmd.run.max_tier;
    if cmd.tui {
        if !std::io::stdout().is_terminal() {
            return Err("--tui needs a terminal (stdout is not one)".into());
        }
        return som_asm_browser::tui::run(&program, tier, key)
            .map_err(|e| format!("terminal: {e}"));
    }
    let what = cmd.what.unwrap_or_default();
    let key = key.expect("a method");
    if tier == 2 {
        let listing = program.tier2_listing(key).ok_or(format!(
            "{what} has no tier-2 code (it did not run, or tier 2 refused it: see som --stats)"
        ))?;
        if cmd.json {
            println!("{}", listing.json());
        } else {
            let source = som_vm::introspect::source_text(&listing.file);
            print!("{}", listing.text(source.as_deref()));
        }
        return Ok(());
    }
    let listing = program
        .listing(key, tier)
        .ok_or(format!("{what} has no tier-{tier} code (it did not run?)"))?;
    if cmd.json {
        println!("{}", listing.json());
    } else {
        let source = som_vm::introspect::source_text(&listing.file);
        print!("{}", listing.text(source.as_deref()));
    }
    Ok(())
}
