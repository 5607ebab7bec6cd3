//! The `som-regress` binary: parses the command line and calls the library.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use som_regress_bot::generate;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "som-regress", about = "tiered-som's regression bot")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write seeded benchmark programs that check their own results.
    Generate {
        #[arg(long)]
        seed: u64,
        #[arg(long, default_value_t = 11)]
        count: usize,
        #[arg(short = 'o', long)]
        out: PathBuf,
        /// Target time per benchmark iteration in the interpreter.
        #[arg(long, default_value_t = 100)]
        budget_ms: u64,
    },
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("som-regress: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Cmd::Generate {
            seed,
            count,
            out,
            budget_ms,
        } => {
            for p in generate::generate(seed, count, budget_ms) {
                let file = p
                    .write_to(&out)
                    .with_context(|| format!("cannot write into {}", out.display()))?;
                println!("{}", file.display());
            }
        }
    }
    Ok(())
}
