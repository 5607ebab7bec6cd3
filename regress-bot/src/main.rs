//! The `som-regress` binary: parses the command line and calls the library.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use som_regress_bot::{fuzz, generate};
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
    /// Run generated programs in every tier configuration and shrink any disagreement.
    Fuzz {
        #[arg(long)]
        seed: u64,
        #[arg(long, default_value_t = 11)]
        count: usize,
        /// The som binary (default: next to som-regress, else on PATH).
        #[arg(long)]
        som: Option<PathBuf>,
        /// Where reproducers are saved.
        #[arg(long, default_value = "target/som-regress-fuzz")]
        out: PathBuf,
        #[arg(long, default_value_t = 5)]
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
        Cmd::Fuzz {
            seed,
            count,
            som,
            out,
            budget_ms,
        } => {
            let som = som_benches::suite::som_binary(som.as_deref());
            let scratch = out.join("scratch");
            let oracle = fuzz::Differential {
                configs: fuzz::configs(&som, &scratch)?,
                som,
                scratch,
            };
            let labels: Vec<_> = oracle.configs.iter().map(|c| c.label.as_str()).collect();
            println!("configurations: {}", labels.join(" | "));
            let (findings, failed) = fuzz::fuzz(&oracle, seed, count, budget_ms, &out, &mut |l| {
                println!("{l}")
            })?;
            if !findings.is_empty() || !failed.is_empty() {
                bail!(
                    "{} tier disagreement(s), {} self-check failure(s)",
                    findings.len(),
                    failed.len()
                );
            }
            println!("{count} programs agree in every configuration");
        }
    }
    Ok(())
}
