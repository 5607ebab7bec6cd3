//! The `som-regress` binary: parses the command line and calls the library.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use som_regress_bot::build::Workspace;
use som_regress_bot::store::Store;
use som_regress_bot::verdict::Policy;
use som_regress_bot::{bisect, fuzz, generate, git, measure, noise_check, report, run};
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
        /// Longest one run may take before it counts as a time-out.
        #[arg(long, default_value_t = 20)]
        timeout_s: u64,
    },
    /// Build and measure every commit of a range and store the values.
    Run {
        /// `A..B` (A and every commit after it up to B) or one revision.
        #[arg(long)]
        commits: String,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        measure: MeasureArgs,
        /// Measure commits again even if the history has them.
        #[arg(long)]
        rerun: bool,
    },
    /// Find the first commit between a good and a bad one where a metric regressed.
    Bisect {
        #[arg(long)]
        good: String,
        #[arg(long)]
        bad: String,
        #[arg(long)]
        bench: String,
        #[arg(long, default_value = "instructions")]
        metric: String,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        measure: MeasureArgs,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Write the comparison of two measured commits (the pull-request comment).
    Report {
        #[arg(long)]
        base: String,
        #[arg(long)]
        head: String,
        #[arg(long, value_enum, default_value = "markdown")]
        format: Format,
        /// Write here instead of stdout.
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Rerun one commit and count false alarms between consecutive runs.
    Noise {
        #[arg(long)]
        commit: String,
        /// Runs to add before checking (0: check the runs already stored).
        #[arg(long, default_value_t = 20)]
        reruns: u32,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        measure: MeasureArgs,
        #[command(flatten)]
        policy: PolicyArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Markdown,
    Json,
}

/// The decision thresholds.
#[derive(clap::Args)]
struct PolicyArgs {
    /// Smallest relative change reported, in percent.
    #[arg(long, default_value_t = 2.0)]
    min_change: f64,
    /// Significance level for wall time.
    #[arg(long, default_value_t = 0.01)]
    alpha: f64,
}

impl PolicyArgs {
    fn policy(&self) -> Policy {
        Policy {
            min_change: self.min_change / 100.0,
            alpha: self.alpha,
            ..Policy::default()
        }
    }
}

/// Where the repository and the history are.
#[derive(clap::Args)]
struct HistoryArgs {
    /// The git repository (default: the one containing the current directory).
    #[arg(long)]
    repo: Option<PathBuf>,
    /// The SQLite history (default: <repo>/target/som-regress.sqlite).
    #[arg(long)]
    db: Option<PathBuf>,
    /// The cargo target directory shared by all builds (default: <repo>/target/regress-target).
    #[arg(long)]
    target_dir: Option<PathBuf>,
}

/// How much `run` and `bisect` measure.
#[derive(clap::Args)]
struct MeasureArgs {
    /// Processes per benchmark for wall time (at least 5 for a wall-time verdict at α = 0.01).
    #[arg(long, default_value_t = 5)]
    runs: u32,
    /// Iterations per process (the first is warm-up).
    #[arg(long, default_value_t = 3)]
    iterations: u32,
    /// Only benchmarks whose name matches this regex.
    #[arg(long)]
    filter: Option<String>,
    /// Programs of the fixed generated set to include.
    #[arg(long, default_value_t = 11)]
    generated: usize,
    /// Skip the instruction count under callgrind.
    #[arg(long)]
    no_callgrind: bool,
    /// Skip recording profiles with som-prof (and building it).
    #[arg(long)]
    no_profile: bool,
    /// Measure with `som --max-tier N`; benchmarks are then recorded as `<name>@tN`.
    #[arg(long)]
    max_tier: Option<u8>,
}

impl MeasureArgs {
    fn options(&self, rerun: bool) -> run::RunOptions {
        run::RunOptions {
            settings: measure::Settings {
                runs: self.runs,
                iterations: self.iterations,
                callgrind: !self.no_callgrind,
                profile: !self.no_profile,
                vm_options: self
                    .max_tier
                    .map(|t| vec!["--max-tier".to_string(), t.to_string()])
                    .unwrap_or_default(),
            },
            name_suffix: self.max_tier.map(|t| format!("@t{t}")).unwrap_or_default(),
            filter: self.filter.clone(),
            generated: self.generated,
            rerun,
        }
    }
}

impl HistoryArgs {
    fn open(&self) -> Result<(Workspace, Store)> {
        let start = match &self.repo {
            Some(r) => r.clone(),
            None => std::env::current_dir()?,
        };
        let repo = git::toplevel(&start)?;
        let db = self
            .db
            .clone()
            .unwrap_or_else(|| repo.join("target/som-regress.sqlite"));
        if let Some(parent) = db.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let store = Store::open(&db)?;
        Ok((Workspace::new(&repo, self.target_dir.clone()), store))
    }
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
            timeout_s,
        } => {
            let som = som_benches::suite::som_binary(som.as_deref());
            let scratch = out.join("scratch");
            let oracle = fuzz::Differential {
                configs: fuzz::configs(&som, &scratch)?,
                som,
                scratch,
                timeout: std::time::Duration::from_secs(timeout_s),
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
        Cmd::Run {
            commits,
            history,
            measure,
            rerun,
        } => {
            let (ws, store) = history.open()?;
            let list = run::run_range(&store, &ws, &commits, &measure.options(rerun), &mut |l| {
                eprintln!("{l}")
            })?;
            println!("measured {} commit(s)", list.len());
        }
        Cmd::Bisect {
            good,
            bad,
            bench,
            metric,
            history,
            measure,
            policy,
        } => {
            let (ws, store) = history.open()?;
            let q = bisect::Question {
                good: &good,
                bad: &bad,
                benchmark: &bench,
                metric: &metric,
            };
            let found = bisect::bisect(
                &store,
                &ws,
                &q,
                &policy.policy(),
                &measure.options(false),
                &mut |l| eprintln!("{l}"),
            )?;
            let info = git::commit_info(&ws.repo, &found.first_bad)?;
            println!("first bad commit: {} {}", info.sha, info.subject);
        }
        Cmd::Noise {
            commit,
            reruns,
            history,
            measure,
            policy,
        } => {
            let (ws, store) = history.open()?;
            let sha = git::resolve(&ws.repo, &commit)?;
            for i in 0..reruns {
                eprintln!("rerun {} of {reruns}", i + 1);
                run::measure_commit(&store, &ws, &sha, &measure.options(true), &mut |l| {
                    eprintln!("{l}")
                })?;
            }
            let check = noise_check::false_alarms(&store, &sha, &policy.policy())?;
            println!("{}", serde_json::to_string_pretty(&check)?);
            eprintln!(
                "{} runs, {} comparisons, {} false alarm(s) ({} with a noise model that ignores this commit's earlier runs)",
                check.runs,
                check.comparisons,
                check.alarms.len(),
                check.alarms_without_own_history.len()
            );
        }
        Cmd::Report {
            base,
            head,
            format,
            out,
            history,
            policy,
        } => {
            let (ws, store) = history.open()?;
            let base = git::resolve(&ws.repo, &base)?;
            let head = git::resolve(&ws.repo, &head)?;
            let r = report::build(&store, &base, &head, &policy.policy())?;
            let text = match format {
                Format::Markdown => report::to_markdown(&r),
                Format::Json => report::to_json(&r)?,
            };
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}
