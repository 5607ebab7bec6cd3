//! `som-regress run`: for each commit of a range, build it once (cached), measure the
//! suite (or one shard of it) and store every value with the commit, machine and
//! toolchain; `--list` answers the shard's benchmark names without building.

use crate::build::{ensure_built, Workspace};
use crate::measure::{measure, require_valgrind, Settings};
use crate::store::{Machine, Store};
use crate::suite::{Selection, Shard};
use crate::{git, machine, suite};
use anyhow::{Context, Result};
use std::path::PathBuf;

/// What `run` measures.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub settings: Settings,
    /// A regex over benchmark names.
    pub filter: Option<String>,
    /// How many programs of the fixed generated set to include.
    pub generated: usize,
    /// Measure again even if the history already has runs of a commit.
    pub rerun: bool,
    /// Appended to every benchmark name in the history (`@t0` for `--max-tier 0`), so that
    /// measurements of different VM configurations never mix.
    pub name_suffix: String,
    /// The machine's configurable name (default: `SOM_REGRESS_MACHINE`, else the host).
    pub machine: Option<String>,
    /// An Are-We-Fast-Yet checkout whose SOM benchmarks join the suite.
    pub awfy: Option<PathBuf>,
    /// Only this shard of the suite.
    pub shard: Option<Shard>,
}

impl RunOptions {
    fn filter(&self) -> Result<Option<regex::Regex>> {
        self.filter
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .context("bad --filter")
    }

    /// The machine these options measure on; the store is restricted to its kind.
    pub fn machine(&self) -> Machine {
        machine::this_machine(self.machine.as_deref())
    }
}

/// The benchmark names `run` would measure for `sha` (the shard's, filtered), one a line,
/// read from the commit's tree without building or measuring.
pub fn list(ws: &Workspace, sha: &str, opts: &RunOptions) -> Result<Vec<String>> {
    let files = git::files_in(&ws.repo, sha, "benches/som")?;
    let has = |name: &str| {
        files
            .iter()
            .any(|f| f == &format!("benches/som/{name}.som"))
    };
    let filter = opts.filter()?;
    let sel = Selection {
        generated: opts.generated,
        filter: filter.as_ref(),
        awfy: opts.awfy.as_deref(),
        shard: opts.shard,
    };
    Ok(suite::names(&has, &sel)?
        .into_iter()
        .map(|n| format!("{n}{}", opts.name_suffix))
        .collect())
}

/// Measures every commit of `spec` (`A..B` or one revision) not yet in the history; a
/// commit that does not build is reported at the end and does not stop the others.
pub fn run_range(
    store: &Store,
    ws: &Workspace,
    spec: &str,
    opts: &RunOptions,
    log: &mut dyn FnMut(&str),
) -> Result<Vec<String>> {
    if opts.settings.callgrind {
        require_valgrind()?;
    }
    let commits = git::range(&ws.repo, spec)?;
    store.set_kind(Some(&opts.machine().kind()));
    let mut failed = Vec::new();
    for sha in &commits {
        if !opts.rerun && store.run_count(sha)? > 0 {
            log(&format!("{}: already measured", short(sha)));
            continue;
        }
        if let Err(e) = measure_commit(store, ws, sha, opts, log) {
            log(&format!("{}: not measured: {e:#}", short(sha)));
            failed.push(short(sha).to_string());
        }
    }
    anyhow::ensure!(
        failed.is_empty(),
        "{} of {} commits could not be built or measured: {}",
        failed.len(),
        commits.len(),
        failed.join(" ")
    );
    Ok(commits)
}

/// Builds and measures one commit, recording one run.
pub fn measure_commit(
    store: &Store,
    ws: &Workspace,
    sha: &str,
    opts: &RunOptions,
    log: &mut dyn FnMut(&str),
) -> Result<()> {
    let info = git::commit_info(&ws.repo, sha)?;
    store.add_commit(&info)?;
    let built = ensure_built(ws, sha, opts.settings.profile, log)?;
    let filter = opts.filter()?;
    let generated_dir = ws.bin_cache.join(format!(
        "generated-s{}-b{}",
        suite::GENERATED_SEED,
        suite::GENERATED_BUDGET_MS
    ));
    let sel = Selection {
        generated: opts.generated,
        filter: filter.as_ref(),
        awfy: opts.awfy.as_deref(),
        shard: opts.shard,
    };
    let entries = suite::entries(&built, &generated_dir, &sel)?;
    let settings = serde_json::json!({
        "runs": opts.settings.runs,
        "iterations": opts.settings.iterations,
        "callgrind": opts.settings.callgrind,
        "vm_options": opts.settings.vm_options,
        "shard": opts.shard.map(|s| format!("{}/{}", s.index, s.count)),
        "benchmarks": entries.iter().map(|e| e.name.clone()).collect::<Vec<_>>(),
    });
    let run = store.begin_run(sha, &opts.machine(), &built.rustc, &settings.to_string())?;
    let scratch = ws.bin_cache.join("scratch");
    for entry in &entries {
        let name = format!("{}{}", entry.name, opts.name_suffix);
        match measure(&built, entry, &opts.settings, &scratch) {
            Ok(m) => {
                for (process, times) in m.wall.iter().enumerate() {
                    store.add_process_values(run, &name, "wall_us", process, times)?;
                }
                for (metric, values) in &m.values {
                    store.add_values(run, &name, metric, values)?;
                }
                for (mode, p) in &m.profiles {
                    store.add_profile(run, &name, mode, p)?;
                }
                for note in &m.notes {
                    store.add_note(run, &name, note)?;
                }
                log(&format!(
                    "{} {}: {} metrics",
                    short(sha),
                    name,
                    m.values.len() + 1
                ));
            }
            Err(e) => {
                store.add_note(run, &name, &format!("not measured: {e:#}"))?;
                log(&format!("{} {}: not measured: {e:#}", short(sha), name));
            }
        }
    }
    Ok(())
}

pub fn short(sha: &str) -> &str {
    &sha[..12.min(sha.len())]
}
