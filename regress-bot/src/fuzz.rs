//! Differential testing of the tiers: each generated program runs in every tier
//! configuration the VM accepts (`tiers.rs`); exit status, stdout, stderr and the final logical
//! clock must agree. A disagreement is shrunk to a small reproducer, saved and printed; the shrinker
//! keeps only candidates that still compile and pass their own check in tier 0 (the first
//! configuration), so a reproducer is a valid program that only the other tiers get wrong.

use crate::program::Program;
use crate::shrink::shrink;
use crate::tiers::{difference, observe, Observed};
use crate::vm_run::VmCall;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use crate::tiers::{configs, Config};

/// Runs programs in every configuration and says where they disagree.
pub struct Differential {
    pub som: PathBuf,
    pub configs: Vec<Config>,
    pub scratch: PathBuf,
    /// Longest a run may take; a run killed after it is observed as a time-out.
    pub timeout: Duration,
}

impl Differential {
    /// `None` when all configurations agree, else a description of the first difference.
    pub fn disagreement(&self, program: &Program) -> Result<Option<String>> {
        self.compare(program, false)
    }

    /// As `disagreement`, but `None` also when the program does not compile or fails its
    /// own check in the first configuration (tier 0): what the shrinker may keep.
    pub fn valid_disagreement(&self, program: &Program) -> Result<Option<String>> {
        self.compare(program, true)
    }

    fn compare(&self, program: &Program, tier0_must_pass: bool) -> Result<Option<String>> {
        let dir = self.scratch.join("candidate");
        let _ = std::fs::remove_dir_all(&dir);
        let main = program.write_to(&dir)?;
        let mut first: Option<(String, Observed)> = None;
        for config in &self.configs {
            let observed = observe(&self.som, config, &self.scratch, &main, self.timeout)?;
            match &first {
                None if tier0_must_pass && (observed.status != Some(0) || observed.timed_out) => {
                    return Ok(None)
                }
                None => first = Some((config.label.clone(), observed)),
                Some((label, base)) => {
                    if let Some(d) = difference(label, base, &config.label, &observed) {
                        return Ok(Some(d));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Whether every configuration ran the program to a passing self-check.
    pub fn passes(&self, program: &Program) -> Result<bool> {
        let main = program.write_to(&self.scratch.join("candidate"))?;
        let call = VmCall {
            som: &self.som,
            options: &self.configs[0].options,
            class_path: &[],
            program: &main,
            args: &[],
        };
        Ok(call
            .run_with_stats(&self.scratch.join("stats.json"))?
            .status
            == Some(0))
    }
}

/// A disagreement found by `fuzz`: the program, what differed, the shrunk reproducer and
/// where it was saved.
pub struct Finding {
    pub name: String,
    pub difference: String,
    pub reproducer: Program,
    pub saved: PathBuf,
}

/// Checks one program; on a disagreement shrinks it and saves the reproducer under `out`.
pub fn check(oracle: &Differential, program: &Program, out: &Path) -> Result<Option<Finding>> {
    let began = Instant::now();
    let Some(difference) = oracle.disagreement(program)? else {
        return Ok(None);
    };
    // candidates may loop forever once a statement is gone: give each a few times what the
    // whole original took
    let quick = Differential {
        som: oracle.som.clone(),
        configs: oracle.configs.clone(),
        scratch: oracle.scratch.clone(),
        timeout: oracle
            .timeout
            .min((began.elapsed() * 5).max(Duration::from_millis(500))),
    };
    let mut still_fails = |p: &Program| matches!(quick.valid_disagreement(p), Ok(Some(_)));
    let reproducer = shrink(program, &mut still_fails);
    let saved = out.join(program.main_class());
    let _ = std::fs::remove_dir_all(&saved);
    reproducer.write_to(&saved)?;
    let shrunk_difference = oracle
        .disagreement(&reproducer)?
        .unwrap_or_else(|| difference.clone());
    std::fs::write(
        saved.join("DIFFERENCE.txt"),
        format!("{shrunk_difference}\n"),
    )?;
    Ok(Some(Finding {
        name: program.main_class().to_string(),
        difference: shrunk_difference,
        reproducer,
        saved,
    }))
}

/// Generates `count` programs for `seed` and checks each; answers the findings and the
/// names of programs whose own check failed in every configuration alike.
pub fn fuzz(
    oracle: &Differential,
    seed: u64,
    count: usize,
    budget_ms: u64,
    out: &Path,
    log: &mut dyn FnMut(&str),
) -> Result<(Vec<Finding>, Vec<String>)> {
    let (mut findings, mut self_check_failures) = (Vec::new(), Vec::new());
    for program in crate::generate::generate(seed, count, budget_ms) {
        let name = program.main_class().to_string();
        if let Some(f) = check(oracle, &program, out)? {
            log(&format!("MISMATCH {name}: {}", f.difference));
            log(&format!(
                "reproducer ({} lines) saved in {}:\n{}",
                f.reproducer.line_count(),
                f.saved.display(),
                f.reproducer.listing()
            ));
            findings.push(f);
        } else if !oracle.passes(&program)? {
            log(&format!(
                "FAILED {name}: its own check fails in every configuration"
            ));
            self_check_failures.push(name);
        } else {
            log(&format!("ok {name}"));
        }
    }
    Ok((findings, self_check_failures))
}
