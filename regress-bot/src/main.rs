//! The `som-regress` binary: parses the command line and calls the library.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use som_regress_bot::build::Workspace;
use som_regress_bot::store::Store;
use som_regress_bot::suite::Shard;
use som_regress_bot::verdict::check_runs_reach_alpha;
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
    /// Run structurally unusual programs (at and past every VM limit) in every tier
    /// configuration: the tiers must agree and meet each program's expected outcome.
    Structural {
        #[arg(long)]
        seed: u64,
        /// How many programs (default 40 unless --minutes is given).
        #[arg(long)]
        count: Option<usize>,
        /// Keep generating programs for this long (the long run: --minutes 60).
        #[arg(long)]
        minutes: Option<u64>,
        /// The som binary (default: next to som-regress, else on PATH).
        #[arg(long)]
        som: Option<PathBuf>,
        /// Where findings are saved.
        #[arg(long, default_value = "target/som-regress-structural")]
        out: PathBuf,
        /// Longest one run may take before it counts as a time-out.
        #[arg(long, default_value_t = 30)]
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
        /// Print the benchmark names this run (and shard) would measure, one a line, for the
        /// last commit of the range, without building or measuring.
        #[arg(long)]
        list: bool,
        /// The significance level the wall-time runs must be able to reach (refuses a
        /// `--runs` too small for it).
        #[arg(long, default_value_t = 0.01)]
        alpha: f64,
    },
    /// Merge histories (e.g. from several machines or shards) into one.
    Merge {
        /// The histories to merge.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The merged history (created if missing; runs it already has are not added again).
        #[arg(short = 'o', long)]
        out: PathBuf,
    },
    /// Find level shifts over the whole history of one benchmark and metric.
    Changepoints {
        #[arg(long)]
        bench: String,
        #[arg(long, default_value = "instructions")]
        metric: String,
        #[arg(long, value_enum, default_value = "markdown")]
        format: Format,
        #[command(flatten)]
        kind: KindArgs,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Draw one benchmark's metric over the history, with its change points, as SVG.
    History {
        #[arg(long)]
        bench: String,
        #[arg(long, default_value = "instructions")]
        metric: String,
        #[arg(long)]
        svg: PathBuf,
        #[command(flatten)]
        kind: KindArgs,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        policy: PolicyArgs,
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
        /// Also draw a history chart (with change points) per regression into this folder,
        /// and name the files in the report.
        #[arg(long)]
        svg_dir: Option<PathBuf>,
        /// Compare only results of this machine kind (default: every kind that measured both).
        #[arg(long)]
        machine_kind: Option<String>,
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

/// Which machine kind a history question is about.
#[derive(clap::Args)]
struct KindArgs {
    /// The machine kind (default: this machine's, if the history has it, else the only one).
    #[arg(long)]
    machine_kind: Option<String>,
    /// This machine's name, as `run --machine` took it.
    #[arg(long)]
    machine: Option<String>,
}

impl KindArgs {
    fn pick(&self, store: &Store) -> Result<String> {
        let kinds = store.kinds()?;
        if let Some(k) = &self.machine_kind {
            anyhow::ensure!(
                kinds.contains(k),
                "no results of machine kind '{k}' (kinds: {})",
                kinds.join("; ")
            );
            return Ok(k.clone());
        }
        let mine = som_regress_bot::machine::this_machine(self.machine.as_deref()).kind();
        match kinds.as_slice() {
            _ if kinds.contains(&mine) => Ok(mine),
            [only] => Ok(only.clone()),
            [] => bail!("the history has no results yet: run `som-regress run` first"),
            _ => bail!(
                "the history has several machine kinds; pick one with --machine-kind: {}",
                kinds.join("; ")
            ),
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
    /// Processes per benchmark for wall time; the wall-time verdict compares their medians
    /// with the exact Mann-Whitney test, which needs 5 against 5 to reach α = 0.01 (4 for
    /// 0.05); fewer than `--alpha` allows are refused.
    #[arg(long, default_value_t = measure::DEFAULT_RUNS)]
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
    /// Measure only shard K of N (1 ≤ K ≤ N); a benchmark's shard depends on its name only.
    #[arg(long, value_parser = Shard::parse)]
    shard: Option<Shard>,
    /// This machine's name in the history (default: $SOM_REGRESS_MACHINE, else the host
    /// name); results are compared only within one machine kind (name, CPU, cores, memory).
    #[arg(long)]
    machine: Option<String>,
    /// An Are-We-Fast-Yet checkout (or its benchmarks/SOM) whose SOM benchmarks join the
    /// suite as `awfy.<Name>`.
    #[arg(long)]
    awfy: Option<PathBuf>,
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
            machine: self.machine.clone(),
            awfy: self.awfy.clone(),
            shard: self.shard,
        }
    }
}

impl HistoryArgs {
    fn locate(&self) -> Result<(Workspace, PathBuf)> {
        let start = match &self.repo {
            Some(r) => r.clone(),
            None => std::env::current_dir()?,
        };
        let repo = git::toplevel(&start)?;
        let db = self
            .db
            .clone()
            .unwrap_or_else(|| repo.join("target/som-regress.sqlite"));
        Ok((Workspace::new(&repo, self.target_dir.clone()), db))
    }

    /// For commands that measure: creates the history if it is missing or empty.
    fn open(&self) -> Result<(Workspace, Store)> {
        let (ws, db) = self.locate()?;
        if let Some(parent) = db.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok((ws, Store::open(&db)?))
    }

    /// For commands that only read: the history must exist; nothing is written.
    fn open_read_only(&self) -> Result<(Workspace, Store)> {
        let (ws, db) = self.locate()?;
        Ok((ws, Store::open_read_only(&db)?))
    }
}

mod commands;

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
        Cmd::Structural {
            seed,
            count,
            minutes,
            som,
            out,
            timeout_s,
        } => structural(seed, count, minutes, som, out, timeout_s)?,
        Cmd::Run {
            commits,
            history,
            measure,
            rerun,
            list,
            alpha,
        } => {
            if list {
                let (ws, _) = history.locate()?;
                let last = commits.rsplit("..").next().unwrap_or(&commits);
                let sha = git::resolve(&ws.repo, last)?;
                for name in run::list(&ws, &sha, &measure.options(rerun))? {
                    println!("{name}");
                }
                return Ok(());
            }
            check_runs_reach_alpha(measure.runs, alpha).map_err(anyhow::Error::msg)?;
            let (ws, store) = history.open()?;
            let list = run::run_range(&store, &ws, &commits, &measure.options(rerun), &mut |l| {
                eprintln!("{l}")
            })?;
            println!("measured {} commit(s)", list.len());
        }
        Cmd::Merge { inputs, out } => commands::merge(&inputs, &out)?,
        Cmd::Changepoints {
            bench,
            metric,
            format,
            kind,
            history,
            policy,
        } => {
            let (_, store) = history.open_read_only()?;
            store.set_kind(Some(&kind.pick(&store)?));
            let text = commands::changepoints(&store, &bench, &metric, &policy.policy())?;
            match format {
                Format::Markdown => print!("{}", text.0),
                Format::Json => println!("{}", text.1),
            }
        }
        Cmd::History {
            bench,
            metric,
            svg,
            kind,
            history,
            policy,
        } => {
            let (_, store) = history.open_read_only()?;
            store.set_kind(Some(&kind.pick(&store)?));
            commands::history_svg(&store, &bench, &metric, &policy.policy(), &svg)?;
            println!("wrote {}", svg.display());
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
            check_runs_reach_alpha(measure.runs, policy.alpha).map_err(anyhow::Error::msg)?;
            let (ws, store) = history.open()?;
            store.set_kind(Some(&measure.options(false).machine().kind()));
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
            check_runs_reach_alpha(measure.runs, policy.alpha).map_err(anyhow::Error::msg)?;
            let (ws, store) = history.open()?;
            store.set_kind(Some(&measure.options(true).machine().kind()));
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
            svg_dir,
            machine_kind,
            history,
            policy,
        } => {
            let (ws, store) = history.open_read_only()?;
            let base = git::resolve(&ws.repo, &base)?;
            let head = git::resolve(&ws.repo, &head)?;
            let mut r = report::build(
                &store,
                &base,
                &head,
                &policy.policy(),
                machine_kind.as_deref(),
            )?;
            if let Some(dir) = &svg_dir {
                r.charts = commands::report_charts(&store, &r, &policy.policy(), dir)?;
            }
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

/// `som-regress structural`: the structural fuzzer for a count or a time.
fn structural(
    seed: u64,
    count: Option<usize>,
    minutes: Option<u64>,
    som: Option<PathBuf>,
    out: PathBuf,
    timeout_s: u64,
) -> Result<()> {
    use som_regress_bot::structural::Runner;
    let som = som_benches::suite::som_binary(som.as_deref());
    let scratch = out.join("scratch");
    let runner = Runner {
        configs: fuzz::configs(&som, &scratch)?,
        som,
        scratch,
        timeout: std::time::Duration::from_secs(timeout_s),
    };
    let labels: Vec<_> = runner.configs.iter().map(|c| c.label.as_str()).collect();
    println!("configurations: {}", labels.join(" | "));
    let began = std::time::Instant::now();
    let deadline = minutes.map(|m| began + std::time::Duration::from_secs(m * 60));
    let count = count.or(if minutes.is_none() { Some(40) } else { None });
    let summary = runner.run(seed, count, deadline, &mut |l| println!("{l}"))?;
    println!(
        "{} programs, {} runs in {:.0?}: {} finding(s)",
        summary.programs,
        summary.runs,
        began.elapsed(),
        summary.findings.len()
    );
    if !summary.findings.is_empty() {
        bail!("{}", summary.findings.join("\n"));
    }
    Ok(())
}
