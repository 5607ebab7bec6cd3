//! `som-bench`: runs tiered-som's benchmark programs and reports medians, compares them
//! with the same programs in Lua and Python, runs the official AWFY suite from a folder
//! the user fetched, and has a smoke mode for CI.

mod awfy;
mod gc_scaling;
mod report;

use som_benches::{runner, suite};

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use runner::Language;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "som-bench", about = "Benchmarks for tiered-som")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run our SOM benchmarks and print median, min and max time per iteration.
    Run {
        /// Cap the VM at this tier (passes --max-tier).
        #[arg(long)]
        tier: Option<u8>,
        /// Only benchmarks whose name matches this regular expression.
        #[arg(long)]
        filter: Option<String>,
        /// Processes per benchmark.
        #[arg(long, default_value_t = 3)]
        runs: u32,
        /// Iterations per process (the first is warm-up and not counted).
        #[arg(long, default_value_t = 5)]
        iterations: u32,
        /// The som binary (default: next to som-bench, else on PATH).
        #[arg(long)]
        som: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Run the same programs in other interpreters in the same run and print ratios.
    Compare {
        /// Interpreters to compare with, e.g. lua5.4 python3, som:PATH (another
        /// build) or tier:0 (this som capped at tier 0).
        interpreters: Vec<String>,
        #[arg(long)]
        filter: Option<String>,
        #[arg(long, default_value_t = 3)]
        runs: u32,
        #[arg(long, default_value_t = 5)]
        iterations: u32,
        #[arg(long)]
        som: Option<PathBuf>,
        #[arg(long)]
        tier: Option<u8>,
        #[arg(long)]
        json: bool,
    },
    /// Run the 14 Are-We-Fast-Yet SOM benchmarks from a fetched are-we-fast-yet checkout.
    Awfy {
        /// The checkout (or its benchmarks/SOM folder).
        dir: PathBuf,
        /// A SOM core library to put on the class path (default: the embedded one).
        #[arg(long)]
        core_lib: Option<PathBuf>,
        #[arg(long)]
        som: Option<PathBuf>,
        #[arg(long)]
        filter: Option<String>,
    },
    /// The collector against the live set's size: for each size, a live set of that
    /// many objects, then short-lived churn; collections, total, maximum and median
    /// pause, peak heap and peak RSS per size.
    GcScaling {
        /// Live set sizes in objects, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [1_000_000u64, 4_000_000])]
        sizes: Vec<u64>,
        /// Short-lived objects allocated once the live set is built.
        #[arg(long, default_value_t = 20_000_000)]
        churn: u64,
        #[arg(long)]
        som: Option<PathBuf>,
        /// Cap the VM at this tier (passes --max-tier).
        #[arg(long)]
        tier: Option<u8>,
        /// Machine-readable output (one JSON array).
        #[arg(long)]
        json: bool,
    },
    /// List the benchmarks, what each exercises and its inner size.
    List,
    /// Run every benchmark once at inner size 1 in each language present (for CI).
    Smoke {
        #[arg(long)]
        som: Option<PathBuf>,
    },
}

fn selected(filter: &Option<String>) -> Result<Vec<suite::Benchmark>> {
    let re = match filter {
        Some(f) => Some(regex::Regex::new(f)?),
        None => None,
    };
    let list: Vec<_> = suite::SUITE
        .iter()
        .filter(|b| re.as_ref().is_none_or(|r| r.is_match(b.name)))
        .copied()
        .collect();
    if list.is_empty() {
        bail!("no benchmark matches the filter");
    }
    Ok(list)
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let benches = suite::benches_dir();
    match cli.command {
        Cmd::Run {
            tier,
            filter,
            runs,
            iterations,
            som,
            json,
        } => {
            let lang = Language::Som {
                binary: suite::som_binary(som.as_deref()),
                tier,
            };
            let rows =
                report::measure_all(&[lang], &selected(&filter)?, &benches, runs, iterations)?;
            report::print_run(&rows, json);
        }
        Cmd::Compare {
            interpreters,
            filter,
            runs,
            iterations,
            som,
            tier,
            json,
        } => {
            let binary = suite::som_binary(som.as_deref());
            let mut langs = vec![Language::Som {
                binary: binary.clone(),
                tier,
            }];
            for i in &interpreters {
                langs.push(Language::from_interpreter(i, &binary)?);
            }
            let rows =
                report::measure_all(&langs, &selected(&filter)?, &benches, runs, iterations)?;
            report::print_compare(&langs, &rows, json);
        }
        Cmd::Awfy {
            dir,
            core_lib,
            som,
            filter,
        } => {
            awfy::run(
                &suite::som_binary(som.as_deref()),
                &dir,
                core_lib.as_deref(),
                &filter,
            )?;
        }
        Cmd::GcScaling {
            sizes,
            churn,
            som,
            tier,
            json,
        } => {
            let som = suite::som_binary(som.as_deref());
            let rows = gc_scaling::run(&som, &benches, &sizes, churn, tier)?;
            gc_scaling::print(&rows, json);
        }
        Cmd::List => {
            for b in suite::SUITE {
                println!("{:<12} inner {:>4}  {}", b.name, b.inner, b.what);
            }
        }
        Cmd::Smoke { som } => report::smoke(&suite::som_binary(som.as_deref()), &benches)?,
    }
    Ok(())
}
