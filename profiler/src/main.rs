//! The `som-prof` binary: parses the command line and calls the library
//! (`record`, `diff`, `calibrate`); the program's own output goes to stdout and stderr
//! as usual, the profiler's summary follows it after a `── som-prof ──` rule.

use anyhow::{bail, Context, Result};
use som_profiler::record::{Mode, RecordArgs, DEFAULT_HZ};
use som_profiler::{calibrate, diff, record};
use std::path::PathBuf;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage:
  som-prof record [-o DIR] [--hz 997] [--mode time|clock] [--every TICKS] [--rapl-root DIR]
                  [--model FILE] [--top N] [--max-tier N] [--jit-threshold N] [-cp DIRS]
                  File.som [args...]
  som-prof diff A B [-o DIR] [--top N] [--merge-tiers]
  som-prof calibrate [-o FILE] [--watts W] [--repeat N] [--tiers 0,1] [-cp DIRS] File.som args... [, args...]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(status) => std::process::exit(status),
        Err(e) => {
            eprintln!("som-prof: {e:#}");
            std::process::exit(2);
        }
    }
}

fn run(args: &[String]) -> Result<i32> {
    // `--help` anywhere before a program's own arguments (`record --help` too).
    let ours = match args.iter().position(|a| a.ends_with(".som")) {
        Some(i) => &args[..i],
        None => args,
    };
    if ours.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(0);
    }
    match args.first().map(String::as_str) {
        Some("record") => record_command(&args[1..]),
        Some("diff") => diff_command(&args[1..]),
        Some("calibrate") => calibrate_command(&args[1..]),
        _ => bail!("{USAGE}"),
    }
}

/// An option and its value.
type Flag<'a> = (&'a str, &'a str);

/// Options before the first operand (`-x value` pairs); answers them and the operands.
fn split_options<'a>(
    args: &'a [String],
    with_value: &[&str],
) -> Result<(Vec<Flag<'a>>, &'a [String])> {
    let mut options = Vec::new();
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i] != "-" {
        let name = args[i].as_str();
        if !with_value.contains(&name) {
            bail!("unknown option {name}\n{USAGE}");
        }
        let value = args
            .get(i + 1)
            .with_context(|| format!("{name} needs a value"))?;
        options.push((name, value.as_str()));
        i += 2;
    }
    Ok((options, &args[i..]))
}

fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| anyhow::anyhow!("{name}: not a number: {value}"))
}

fn class_path(value: &str) -> Vec<PathBuf> {
    value
        .split(':')
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect()
}

fn record_command(args: &[String]) -> Result<i32> {
    let known = [
        "-o",
        "--hz",
        "--mode",
        "--every",
        "--rapl-root",
        "--model",
        "--top",
        "--max-tier",
        "--jit-threshold",
        "-cp",
    ];
    let (options, operands) = split_options(args, &known)?;
    let Some((program, program_args)) = operands.split_first() else {
        bail!("no program\n{USAGE}")
    };
    let mut a = RecordArgs {
        out: PathBuf::from("som-prof.out"),
        mode: Mode::Time,
        hz: DEFAULT_HZ,
        every: None,
        class_path: Vec::new(),
        max_tier: None,
        jit_threshold: None,
        rapl_root: None,
        model: None,
        program: PathBuf::from(program),
        args: program_args.to_vec(),
    };
    let mut top = 15;
    for (name, value) in options {
        match name {
            "-o" => a.out = PathBuf::from(value),
            "--hz" => a.hz = number(name, value)?,
            "--every" => a.every = Some(number(name, value)?),
            "--mode" => {
                a.mode = match value {
                    "time" => Mode::Time,
                    "clock" => Mode::Clock,
                    _ => bail!("--mode is time or clock, not {value}"),
                }
            }
            "--rapl-root" => a.rapl_root = Some(PathBuf::from(value)),
            "--model" => a.model = Some(PathBuf::from(value)),
            "--top" => top = number(name, value)?,
            "--max-tier" => match number(name, value)? {
                t @ 0..=2 => a.max_tier = Some(t),
                t => bail!("--max-tier expects 0, 1 or 2, got {t}"),
            },
            "--jit-threshold" => a.jit_threshold = Some(number(name, value)?),
            _ => a.class_path.extend(class_path(value)),
        }
    }
    if a.hz == 0 {
        bail!("--hz must be positive");
    }
    let recorded = record::record(&a)?;
    println!("\n── som-prof ──");
    print!("{}", recorded.report.summary(top));
    println!(
        "profile written to {}/ (stacks.folded, flamegraph.svg, profile.json, speedscope.json, firefox.json)",
        a.out.display()
    );
    Ok(recorded.report.exit_status)
}

fn diff_command(args: &[String]) -> Result<i32> {
    let (operands, rest) = match args.iter().position(|a| a.starts_with('-')) {
        Some(i) => (&args[..i], &args[i..]),
        None => (args, &args[args.len()..]),
    };
    let [a, b] = operands else {
        bail!("diff needs two profile directories\n{USAGE}")
    };
    let merge = rest.iter().any(|a| a == "--merge-tiers");
    let rest: Vec<String> = rest
        .iter()
        .filter(|a| *a != "--merge-tiers")
        .cloned()
        .collect();
    let (options, extra) = split_options(&rest, &["-o", "--top"])?;
    if !extra.is_empty() {
        bail!("unexpected {}\n{USAGE}", extra[0]);
    }
    let mut out = PathBuf::from("som-prof.diff");
    let mut top = 20;
    for (name, value) in options {
        match name {
            "-o" => out = PathBuf::from(value),
            _ => top = number(name, value)?,
        }
    }
    let changes = diff::diff(a.as_ref(), b.as_ref(), &out, merge)?;
    print!("{}", diff::table(&changes, top));
    println!(
        "differential flamegraph written to {}/diff.svg (folded: diff.folded)",
        out.display()
    );
    Ok(0)
}

fn calibrate_command(args: &[String]) -> Result<i32> {
    let known = ["-o", "--watts", "--repeat", "--tiers", "-cp"];
    let (options, operands) = split_options(args, &known)?;
    let Some((program, rest)) = operands.split_first() else {
        bail!("no program\n{USAGE}")
    };
    let mut out = PathBuf::from("som-prof-model.json");
    let (mut watts, mut repeat, mut tiers, mut cp) = (None, 3, vec![0u8, 1], Vec::new());
    for (name, value) in options {
        match name {
            "-o" => out = PathBuf::from(value),
            "--watts" => watts = Some(number(name, value)?),
            "--repeat" => repeat = number(name, value)?,
            "--tiers" => {
                let parsed: Result<Vec<u8>> = value.split(',').map(|t| number(name, t)).collect();
                tiers = parsed?;
            }
            _ => cp.extend(class_path(value)),
        }
    }
    let program = PathBuf::from(program);
    let mut by_tier = std::collections::BTreeMap::new();
    for &tier in &tiers {
        let mut runs = Vec::new();
        for set in rest.split(|a| a == ",") {
            let run = calibrate::measure(&cp, tier, &program, set, repeat)?;
            println!(
                "{:<50} {:>12.0} bytecodes {:>12.0} bytes {:>8.1} ms",
                run.label,
                run.bytecodes,
                run.allocated_bytes,
                run.seconds * 1e3
            );
            runs.push(run);
        }
        by_tier.insert(tier, runs);
    }
    let model = calibrate::model(&by_tier, watts);
    std::fs::write(&out, serde_json::to_string_pretty(&model)?)
        .with_context(|| format!("writing {}", out.display()))?;
    println!("{}", model.calibration);
    for (tier, s) in &model.seconds_per_bytecode {
        println!("  tier {tier}: {s:.3e} s per bytecode");
    }
    println!(
        "  {:.3e} s per allocated byte; {} W\nmodel written to {} (use it: som-prof record --model FILE, or SOM_PROF_MODEL=FILE)",
        model.seconds_per_allocated_byte,
        model.watts,
        out.display()
    );
    Ok(0)
}
