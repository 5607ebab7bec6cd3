//! `som-prof record`: runs a program under the time sampler or the clock sampler,
//! measures its energy (RAPL or the model), and writes the profile directory:
//! `stacks.folded`, `flamegraph.svg`, `profile.json`, `speedscope.json`, `firefox.json`.

use crate::energy::Attribution;
use crate::energy::{Measured, Model, Rapl, Source, Work, MODEL_ENV, RAPL_ROOT, RAPL_ROOT_ENV};
use crate::report::{leaf_kinds, Report, RunFacts};
use crate::stacks::Folded;
use crate::{clock, firefox, flamegraph, speedscope};
use anyhow::{bail, Context, Result};
use som_vm::introspect::Options;
use som_vm::introspect::{Inputs, Machine};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Sampling by CPU-time timer or by logical clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Time,
    Clock,
}

/// Everything `record` needs to know.
#[derive(Debug, Clone)]
pub struct RecordArgs {
    pub out: PathBuf,
    pub mode: Mode,
    pub hz: u32,
    /// Clock mode: ticks between samples (default from `hz`).
    pub every: Option<u64>,
    pub class_path: Vec<PathBuf>,
    /// The VM's `--max-tier` and `--jit-threshold` (its defaults when `None`).
    pub max_tier: Option<u8>,
    pub jit_threshold: Option<u32>,
    pub rapl_root: Option<PathBuf>,
    pub model: Option<PathBuf>,
    pub program: PathBuf,
    pub args: Vec<String>,
}

/// The default sampling rate: prime, so it does not beat with periodic program work.
pub const DEFAULT_HZ: u32 = 997;

/// What `record` produced.
pub struct Recorded {
    pub report: Report,
    pub folded: Folded,
}

/// Runs the program (its output goes to stdout and stderr as usual) and writes the
/// profile directory.
pub fn record(a: &RecordArgs) -> Result<Recorded> {
    let defaults = Options::default();
    let options = Options {
        class_path: a.class_path.clone(),
        max_tier: a.max_tier.unwrap_or(defaults.max_tier),
        jit_threshold: a.jit_threshold.unwrap_or(defaults.jit_threshold),
        ..defaults
    };
    let mut machine = match Machine::load(options, &a.program, &a.args, Inputs::Live, false) {
        Ok(m) => m,
        Err(exit) => bail!(
            "cannot load {}: {}",
            a.program.display(),
            exit.error.unwrap_or_default().trim()
        ),
    };
    let started = SystemTime::now();
    let rapl = open_rapl(a).and_then(|r| match r.read() {
        Ok(start) => Ok((r, start)),
        Err(e) => Err(format!("{}: {e}", r.root.display())),
    });
    let period = Duration::from_secs(1) / a.hz.max(1);
    let (exit, samples, spans, meter, lost, rate) = match a.mode {
        Mode::Time => {
            let run = machine
                .run_sampled(a.hz)
                .context("setting up the SIGPROF timer")?;
            let rate = format!("{} Hz of CPU time", a.hz);
            (run.exit, run.samples, run.spans, run.meter, run.lost, rate)
        }
        Mode::Clock => {
            let every = a.every.unwrap_or_else(|| clock::every_for_hz(a.hz));
            let (exit, samples, meter) = clock::run(&mut machine, every);
            let rate = format!("every {every} clock ticks");
            (exit, samples, Vec::new(), meter, 0, rate)
        }
    };
    let source = energy_source(a, rapl)?;
    let folded = Folded::from_samples(&samples);
    let facts = RunFacts {
        mode: match a.mode {
            Mode::Time => "time".into(),
            Mode::Clock => "clock".into(),
        },
        rate,
        program: a.program.display().to_string(),
        args: a.args.clone(),
        cpu_time_ms: meter.cpu_time.as_secs_f64() * 1e3,
        wall_time_ms: meter.wall_time.as_secs_f64() * 1e3,
        work: Work {
            bytecodes: meter.bytecodes,
            allocated_bytes: meter.allocated_bytes,
            seconds_per_sample: match samples.iter().map(|s| s.weight).sum::<u64>() {
                0 => 0.0,
                n => meter.cpu_time.as_secs_f64() / n as f64,
            },
        },
        clock: meter.clock,
        lost_samples: lost,
        exit_status: exit.status,
    };
    let report = Report::new(&folded, &facts, &source);
    write_outputs(&a.out, &folded, &report)?;
    let title = format!("som-prof: {}", report.program);
    let jit = crate::jit_log::JitLog::of(&machine.view());
    let fx = firefox::Input {
        jit: &jit,
        title: &title,
        samples: &samples,
        spans: &spans,
        interval: period,
        started,
        attribution: &Attribution::new(&source, facts.work, &leaf_kinds(&folded)),
        source: &source,
    };
    let path = a.out.join("firefox.json");
    let doc = serde_json::to_vec(&firefox::document(&fx))?;
    std::fs::write(&path, doc).with_context(|| format!("writing {}", path.display()))?;
    Ok(Recorded { report, folded })
}

fn open_rapl(a: &RecordArgs) -> Result<Rapl, String> {
    let root = a
        .rapl_root
        .clone()
        .or_else(|| std::env::var_os(RAPL_ROOT_ENV).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(RAPL_ROOT));
    Rapl::open(&root)
}

/// RAPL when it was readable at the start, else the model (and why).
fn energy_source(a: &RecordArgs, rapl: Result<(Rapl, Vec<u64>), String>) -> Result<Source> {
    let why = match rapl {
        Ok((rapl, start)) => match rapl.read() {
            Ok(end) => return Ok(Source::Measured(Measured::new(&rapl, start, end))),
            Err(e) => format!("RAPL unreadable at the end of the run: {e}"),
        },
        Err(why) => why,
    };
    let model_path = a
        .model
        .clone()
        .or_else(|| std::env::var_os(MODEL_ENV).map(PathBuf::from));
    let (model, origin) = match model_path {
        Some(p) => (
            Model::load(&p).map_err(anyhow::Error::msg)?,
            p.display().to_string(),
        ),
        None => (Model::default(), "built-in".to_string()),
    };
    Ok(Source::Model { model, origin, why })
}

/// Writes the four files of a profile directory.
pub fn write_outputs(dir: &Path, folded: &Folded, report: &Report) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    };
    write("stacks.folded", folded.to_text().as_bytes())?;
    let program = Path::new(&report.program)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let title = format!("som-prof: {program} {}", report.args.join(" "));
    let subtitle = format!(
        "{} mode, {}; {} samples, {} lost; energy {:.4} J {}",
        report.mode,
        report.rate,
        report.total_samples,
        report.lost_samples,
        report.energy.total_j,
        report.energy.source
    );
    write(
        "flamegraph.svg",
        &flamegraph::tier_flamegraph(folded, title.trim(), &subtitle)?,
    )?;
    write(
        "profile.json",
        serde_json::to_string_pretty(report)?.as_bytes(),
    )?;
    let scope = speedscope::document(folded, title.trim());
    write("speedscope.json", serde_json::to_string(&scope)?.as_bytes())?;
    Ok(())
}
