//! Energy: measured from RAPL counters (Linux powercap sysfs) when the machine has them,
//! otherwise estimated by a documented model; and the rule that attributes a run's
//! energy to its samples so that the parts add up to the whole.
//!
//! The model: energy = watts × (Σ over tiers of seconds_per_bytecode[tier] × bytecodes
//! in that tier, plus seconds_per_allocated_byte × allocated bytes), i.e. a fitted time
//! model (see `som-prof calibrate`) times a nominal power draw of one busy core.
//! Bytecode energy goes to the running samples of each tier, allocation energy to
//! every sample (the fitted per-byte rate covers allocating and collecting). Work the
//! fit has no figure for, compiling (class loading and tier-1 compilation), runtime
//! functions and VM bookkeeping (`[vm]`, `[truncated]`), is charged by its sampled CPU time at the
//! model's watts, so every phase has a rate.
//! Measured energy goes to every sample equally (samples are CPU-time periods).

use crate::stacks::FrameKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the powercap tree is unless `--rapl-root` or this variable says otherwise.
pub const RAPL_ROOT: &str = "/sys/class/powercap";
pub const RAPL_ROOT_ENV: &str = "SOM_PROF_RAPL_ROOT";
/// A model file to use instead of the built-in model.
pub const MODEL_ENV: &str = "SOM_PROF_MODEL";

/// One RAPL package domain (`intel-rapl:N`; its subzones would count twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    pub name: String,
    pub path: PathBuf,
    pub max_energy_range_uj: u64,
}

/// The package domains under a powercap root.
#[derive(Debug, Clone)]
pub struct Rapl {
    pub root: PathBuf,
    pub domains: Vec<Domain>,
}

fn read_u64(path: &Path) -> std::io::Result<u64> {
    let text = std::fs::read_to_string(path)?;
    text.trim().parse().map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })
}

impl Rapl {
    /// Finds readable package domains, or says why there are none.
    pub fn open(root: &Path) -> Result<Rapl, String> {
        let entries = std::fs::read_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
        let mut domains = Vec::new();
        for entry in entries.flatten() {
            let dir_name = entry.file_name().to_string_lossy().into_owned();
            let is_package = dir_name
                .strip_prefix("intel-rapl:")
                .is_some_and(|n| n.parse::<u32>().is_ok());
            if !is_package {
                continue;
            }
            let path = entry.path();
            let max = read_u64(&path.join("max_energy_range_uj")).map_err(|e| e.to_string())?;
            read_u64(&path.join("energy_uj"))
                .map_err(|e| format!("{}/energy_uj: {e}", path.display()))?;
            let name = std::fs::read_to_string(path.join("name")).map(|n| n.trim().to_string());
            domains.push(Domain {
                name: format!("{dir_name} ({})", name.unwrap_or_else(|_| "?".into())),
                path,
                max_energy_range_uj: max,
            });
        }
        domains.sort_by(|a, b| a.name.cmp(&b.name));
        if domains.is_empty() {
            return Err(format!("no intel-rapl:N domains under {}", root.display()));
        }
        Ok(Rapl {
            root: root.to_path_buf(),
            domains,
        })
    }

    /// The counters now, one per domain (microjoules).
    pub fn read(&self) -> std::io::Result<Vec<u64>> {
        self.domains
            .iter()
            .map(|d| read_u64(&d.path.join("energy_uj")))
            .collect()
    }
}

/// Microjoules between two readings of a counter that wraps at `max_range` (one wrap
/// at most: a package domain at 100 W wraps every 40 minutes or so).
pub fn counter_delta(start: u64, end: u64, max_range: u64) -> u64 {
    if end >= start {
        end - start
    } else {
        max_range.saturating_sub(start) + end
    }
}

/// A RAPL measurement of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub domains: Vec<Domain>,
    pub start_uj: Vec<u64>,
    pub end_uj: Vec<u64>,
    pub joules: f64,
}

impl Measured {
    pub fn new(rapl: &Rapl, start_uj: Vec<u64>, end_uj: Vec<u64>) -> Measured {
        let uj: u64 = rapl
            .domains
            .iter()
            .zip(start_uj.iter().zip(&end_uj))
            .map(|(d, (&s, &e))| counter_delta(s, e, d.max_energy_range_uj))
            .sum();
        Measured {
            domains: rapl.domains.clone(),
            start_uj,
            end_uj,
            joules: uj as f64 / 1e6,
        }
    }
}

/// The time model behind estimated energy (a JSON file written by `som-prof calibrate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Nominal power of one busy core, watts.
    pub watts: f64,
    /// Seconds per executed bytecode, by tier (`"0"`, `"1"`, ...); a tier without its
    /// own figure uses tier 0's.
    pub seconds_per_bytecode: BTreeMap<String, f64>,
    pub seconds_per_allocated_byte: f64,
    /// Where the figures come from.
    pub calibration: String,
}

/// Nominal package power per busy core when nothing better is known (a laptop or server
/// core under load draws 10 to 20 W).
pub const DEFAULT_WATTS: f64 = 15.0;

impl Default for Model {
    /// Fitted by `som-prof calibrate --repeat 5` on the 2-core development machine (10
    /// of our benchmark programs through BenchHarness, capped at tier 0 and at tier 1;
    /// r² 0.88 and 0.65 on a loaded machine): see `calibrate::CALIBRATION_RUNS`.
    fn default() -> Model {
        Model {
            watts: DEFAULT_WATTS,
            seconds_per_bytecode: BTreeMap::from([
                ("0".to_string(), 4.9e-9),
                ("1".to_string(), 1.75e-9),
            ]),
            seconds_per_allocated_byte: 1.1e-9,
            calibration: "built-in, som-prof calibrate on the development machine, tiers 0 and 1"
                .into(),
        }
    }
}

impl Model {
    pub fn seconds_per_bytecode(&self, tier: u8) -> f64 {
        let s = &self.seconds_per_bytecode;
        s.get(&tier.to_string())
            .or_else(|| s.get("0"))
            .copied()
            .unwrap_or(0.0)
    }

    pub fn load(path: &Path) -> Result<Model, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// What a run did, as the model needs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Work {
    pub bytecodes: u64,
    pub allocated_bytes: u64,
    /// CPU seconds one sample stands for (the run's CPU time over its samples).
    pub seconds_per_sample: f64,
}

/// A run's energy and how it was obtained.
#[derive(Debug, Clone)]
pub enum Source {
    Measured(Measured),
    Model {
        model: Model,
        origin: String,
        why: String,
    },
}

/// Joules per sample by frame kind of the sample's leaf, such that summing over all
/// samples gives the run's total.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub total_joules: f64,
    /// Every sample's share.
    pub per_sample: f64,
    /// Extra joules for a running sample of a tier (the model's bytecode energy).
    pub per_running_sample: BTreeMap<u8, f64>,
    /// Extra joules for a compiler or VM sample (the model's watts × a sample's time).
    pub per_timed_sample: f64,
}

/// Frame kinds the model charges by sampled time (runtime functions too: the fit
/// counts bytecodes, and a runtime call's cost is not proportional to them).
fn is_timed(kind: FrameKind) -> bool {
    matches!(
        kind,
        FrameKind::Compiler | FrameKind::Runtime | FrameKind::Other
    )
}

impl Attribution {
    /// `samples` counts samples by leaf kind.
    pub fn new(source: &Source, work: Work, samples: &BTreeMap<FrameKind, u64>) -> Attribution {
        let all: u64 = samples.values().sum();
        let per = |joules: f64, n: u64| if n == 0 { 0.0 } else { joules / n as f64 };
        match source {
            Source::Measured(m) => Attribution {
                total_joules: m.joules,
                per_sample: per(m.joules, all),
                per_running_sample: BTreeMap::new(),
                per_timed_sample: 0.0,
            },
            Source::Model { model, .. } => model_attribution(model, work, samples, all),
        }
    }

    /// Joules of `n` samples whose leaf is of `kind`.
    pub fn joules(&self, kind: FrameKind, n: u64) -> f64 {
        let extra = match kind {
            FrameKind::Tier(t) => self.per_running_sample.get(&t).copied().unwrap_or(0.0),
            k if is_timed(k) => self.per_timed_sample,
            _ => 0.0,
        };
        (self.per_sample + extra) * n as f64
    }
}

fn model_attribution(
    model: &Model,
    work: Work,
    samples: &BTreeMap<FrameKind, u64>,
    all: u64,
) -> Attribution {
    let running: BTreeMap<u8, u64> = samples
        .iter()
        .filter_map(|(k, &n)| match k {
            FrameKind::Tier(t) if n > 0 => Some((*t, n)),
            _ => None,
        })
        .collect();
    let running_total: u64 = running.values().sum();
    let alloc_j = model.watts * model.seconds_per_allocated_byte * work.allocated_bytes as f64;
    let timed: u64 = samples
        .iter()
        .filter(|(&k, _)| is_timed(k))
        .map(|(_, &n)| n)
        .sum();
    let per_timed_sample = model.watts * work.seconds_per_sample;
    let mut attribution = Attribution {
        total_joules: alloc_j + per_timed_sample * timed as f64,
        per_sample: if all == 0 { 0.0 } else { alloc_j / all as f64 },
        per_running_sample: BTreeMap::new(),
        per_timed_sample,
    };
    if running_total == 0 {
        // No running samples to carry bytecode energy: every sample carries it (tier 0 cost).
        let bc_j = model.watts * model.seconds_per_bytecode(0) * work.bytecodes as f64;
        attribution.total_joules += bc_j;
        attribution.per_sample += if all == 0 { 0.0 } else { bc_j / all as f64 };
        return attribution;
    }
    for (&tier, &n) in &running {
        // This tier's bytecodes, estimated by its share of running samples.
        let bytecodes = work.bytecodes as f64 * n as f64 / running_total as f64;
        let bc_j = model.watts * model.seconds_per_bytecode(tier) * bytecodes;
        attribution.total_joules += bc_j;
        attribution.per_running_sample.insert(tier, bc_j / n as f64);
    }
    attribution
}

/// The report line: "measured" or "estimated (model)", with where from.
pub fn describe(source: &Source) -> (String, String) {
    match source {
        Source::Measured(m) => {
            let names: Vec<&str> = m.domains.iter().map(|d| d.name.as_str()).collect();
            let root = m
                .domains
                .first()
                .and_then(|d| d.path.parent())
                .map(|p| p.display().to_string());
            (
                "measured".into(),
                format!(
                    "RAPL powercap {}: {}",
                    root.unwrap_or_default(),
                    names.join(", ")
                ),
            )
        }
        Source::Model { model, origin, why } => (
            "estimated (model)".into(),
            format!(
                "{} W × fitted seconds per bytecode (by tier) and per allocated byte, and \
                 × sampled CPU time for the compiler and the VM, model {origin} [{}]; no \
                 RAPL: {why}",
                model.watts, model.calibration
            ),
        ),
    }
}

#[cfg(test)]
mod tests;
