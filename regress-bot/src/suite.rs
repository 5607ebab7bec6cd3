//! The measured suite of one commit: our benchmark programs (the commit's own
//! `benches/som`, sizes from som-bench's suite list), a fixed generated set, and the
//! Are-We-Fast-Yet SOM benchmarks from a folder when one is given, each with the harness
//! that runs it; and the deterministic split of the suite into shards.

use crate::build::Built;
use crate::generate;
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// The seed and budget of the fixed generated set (never change them: history compares
/// the same programs across commits).
pub const GENERATED_SEED: u64 = 1;
pub const GENERATED_BUDGET_MS: u64 = 20;

/// Names of AWFY benchmarks in the history start with this.
pub const AWFY_PREFIX: &str = "awfy.";

/// The AWFY benchmarks: name, inner size for wall time (the sizes `som-bench awfy` runs,
/// which their harness verifies) and the smallest verified size for counted runs.
const AWFY: &[(&str, u32, u32)] = &[
    ("DeltaBlue", 12000, 1),
    ("Richards", 100, 1),
    ("Json", 100, 1),
    ("CD", 250, 2),
    ("Havlak", 1500, 1),
    ("Bounce", 1500, 1),
    ("List", 1500, 1),
    ("Mandelbrot", 500, 1),
    ("NBody", 250000, 1),
    ("Permute", 1000, 1),
    ("Queens", 1000, 1),
    ("Sieve", 3000, 1),
    ("Storage", 1000, 1),
    ("Towers", 600, 1),
];

/// The folders of the AWFY SOM tree that hold classes.
const AWFY_CLASS_DIRS: &[&str] = &[
    "",
    "Core",
    "CD",
    "DeltaBlue",
    "Havlak",
    "Json",
    "NBody",
    "Richards",
];

/// Which harness protocol a benchmark's output follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `BenchHarness.som`: `<Name>: iteration <i>: <micros>us`.
    Ours,
    /// AWFY's `Harness.som`: `<Name>: iterations=1 runtime: <micros>us`.
    Awfy,
}

/// One benchmark as the bot runs it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub class_path: Vec<PathBuf>,
    pub harness: PathBuf,
    /// The benchmark's class name as the harness takes it.
    pub class: String,
    /// Inner size for wall-time iterations.
    pub wall_inner: u32,
    /// Inner size for deterministic counts under callgrind and for profiles.
    pub small_inner: u32,
    /// A generated program's own file (it also runs without the harness, which lets
    /// `som-prof` run it without a class path).
    pub standalone: Option<PathBuf>,
    pub protocol: Protocol,
}

impl Entry {
    /// The harness arguments for `iterations` of size `inner`.
    pub fn harness_args(&self, iterations: u32, inner: u32) -> Vec<String> {
        vec![
            self.class.clone(),
            iterations.to_string(),
            inner.to_string(),
        ]
    }

    /// `[-cp DIRS] program args...` for one iteration of size `inner` (what `som-prof
    /// record` takes after its options).
    pub fn program_args(&self, inner: u32) -> Vec<String> {
        if let Some(file) = &self.standalone {
            return vec![file.display().to_string(), inner.to_string()];
        }
        let cp: Vec<String> = self
            .class_path
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let mut v = vec![
            "-cp".to_string(),
            cp.join(":"),
            self.harness.display().to_string(),
        ];
        v.extend(self.harness_args(1, inner));
        v
    }

    /// The iteration times (µs) the harness printed.
    pub fn iteration_times(&self, stdout: &str) -> Vec<f64> {
        match self.protocol {
            Protocol::Ours => som_benches::runner::parse_iterations(stdout, &self.class),
            Protocol::Awfy => awfy_times(stdout, &self.class),
        }
    }
}

/// `<Name>: iterations=1 runtime: <micros>us` lines.
fn awfy_times(stdout: &str, class: &str) -> Vec<f64> {
    let prefix = format!("{class}: iterations=");
    stdout
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .filter_map(|l| l.split_once("runtime: "))
        .filter_map(|(_, t)| t.trim().strip_suffix("us")?.trim().parse().ok())
        .collect()
}

/// The AWFY SOM folder inside `dir` (the repository or its `benchmarks/SOM`).
pub fn awfy_dir(dir: &Path) -> Result<PathBuf> {
    for candidate in [dir.join("benchmarks/SOM"), dir.to_path_buf()] {
        if candidate.join("Harness.som").exists() {
            return Ok(std::fs::canonicalize(&candidate)?);
        }
    }
    bail!(
        "{} holds no AWFY SOM benchmarks (expected benchmarks/SOM/Harness.som)",
        dir.display()
    )
}

/// What to put in the suite.
#[derive(Debug, Clone, Default)]
pub struct Selection<'a> {
    pub generated: usize,
    pub filter: Option<&'a regex::Regex>,
    pub awfy: Option<&'a Path>,
    pub shard: Option<Shard>,
}

impl Selection<'_> {
    fn keeps(&self, name: &str) -> bool {
        self.filter.is_none_or(|f| f.is_match(name)) && self.shard.is_none_or(|s| s.holds(name))
    }
}

/// The names `entries` would measure, without building anything: `has_bench(name)` says
/// whether the commit has `benches/som/<name>.som`.
pub fn names(has_bench: &dyn Fn(&str) -> bool, sel: &Selection) -> Result<Vec<String>> {
    let mut out: Vec<String> = planned(has_bench, sel)?
        .into_iter()
        .map(|(name, ..)| name)
        .filter(|n| sel.keeps(n))
        .collect();
    out.extend(
        generate::generate(GENERATED_SEED, sel.generated, GENERATED_BUDGET_MS)
            .iter()
            .map(|p| p.main_class().to_string())
            .filter(|n| sel.keeps(n)),
    );
    Ok(out)
}

/// The suite for `built`, keeping only names that match the filter and the shard.
pub fn entries(built: &Built, generated_dir: &Path, sel: &Selection) -> Result<Vec<Entry>> {
    let keep = |name: &str| sel.keeps(name);
    let has = |name: &str| built.benches_som.join(format!("{name}.som")).exists();
    let mut out = Vec::new();
    for (name, wall_inner, small_inner, protocol) in planned(&has, sel)? {
        if !keep(&name) {
            continue;
        }
        let mut e = Entry {
            class: name.clone(),
            name,
            class_path: vec![built.benches_som.clone()],
            harness: built.benches_som.join("BenchHarness.som"),
            wall_inner,
            small_inner,
            standalone: None,
            protocol,
        };
        if protocol == Protocol::Awfy {
            let dir = awfy_dir(sel.awfy.expect("AWFY entries need the folder"))?;
            e.class = e.name[AWFY_PREFIX.len()..].to_string();
            e.class_path = AWFY_CLASS_DIRS.iter().map(|d| dir.join(d)).collect();
            e.harness = dir.join("Harness.som");
        }
        out.push(e);
    }
    for p in generate::generate(GENERATED_SEED, sel.generated, GENERATED_BUDGET_MS) {
        let name = p.main_class().to_string();
        if keep(&name) {
            let main = p.write_to(generated_dir)?;
            out.push(Entry {
                class: name.clone(),
                name,
                class_path: vec![built.benches_som.clone(), generated_dir.to_path_buf()],
                harness: built.benches_som.join("BenchHarness.som"),
                wall_inner: u32::try_from(p.inner).unwrap_or(u32::MAX),
                small_inner: 1,
                standalone: Some(main),
                protocol: Protocol::Ours,
            });
        }
    }
    Ok(out)
}

/// Our benchmarks the commit has and the AWFY ones: (name, wall inner, small inner, protocol).
fn planned(
    has_bench: &dyn Fn(&str) -> bool,
    sel: &Selection,
) -> Result<Vec<(String, u32, u32, Protocol)>> {
    let mut v: Vec<_> = som_benches::suite::SUITE
        .iter()
        .filter(|b| has_bench(b.name))
        .map(|b| (b.name.to_string(), b.inner, 1, Protocol::Ours))
        .collect();
    if let Some(dir) = sel.awfy {
        awfy_dir(dir)?;
        v.extend(
            AWFY.iter().map(|&(n, wall, small)| {
                (format!("{AWFY_PREFIX}{n}"), wall, small, Protocol::Awfy)
            }),
        );
    }
    Ok(v)
}

/// Shard `index` (1-based) of `count`: the benchmarks whose name hashes to it. The
/// assignment depends on the name only, so a benchmark stays on its shard (and so on
/// the same kind of runner) across commits however the suite grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard expects K/N with 1 ≤ K ≤ N (e.g. 2/4), got '{text}'");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether benchmark `name` (a configuration suffix such as `@t0` ignored) belongs here.
    pub fn holds(&self, name: &str) -> bool {
        let base = name.split('@').next().unwrap_or(name);
        crc32fast::hash(base.as_bytes()) % self.count == self.index - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shard_split_covers_each_benchmark_exactly_once() {
        let mut names: Vec<String> = som_benches::suite::SUITE
            .iter()
            .map(|b| b.name.to_string())
            .collect();
        names.extend(AWFY.iter().map(|(n, _, _)| format!("{AWFY_PREFIX}{n}")));
        names.extend(
            generate::generate(GENERATED_SEED, 11, GENERATED_BUDGET_MS)
                .iter()
                .map(|p| p.main_class().to_string()),
        );
        for count in 1..=5 {
            for name in &names {
                let holders = (1..=count)
                    .filter(|&index| Shard { index, count }.holds(name))
                    .count();
                assert_eq!(holders, 1, "{name} in {holders} of {count} shards");
            }
            let sizes: Vec<usize> = (1..=count)
                .map(|index| {
                    names
                        .iter()
                        .filter(|n| Shard { index, count }.holds(n))
                        .count()
                })
                .collect();
            assert_eq!(sizes.iter().sum::<usize>(), names.len(), "{sizes:?}");
        }
        assert!(
            Shard { index: 2, count: 3 }.holds("Fib")
                == Shard { index: 2, count: 3 }.holds("Fib@t0")
        );
    }

    #[test]
    fn shard_specs_are_checked() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/3", "4/3", "x/2", "3", "1/0"] {
            assert!(Shard::parse(bad).unwrap_err().contains("K/N"), "{bad}");
        }
    }

    #[test]
    fn awfy_runtime_lines_are_read() {
        let out = "Starting Bounce benchmark ...\nBounce: iterations=1 runtime: 1520us\nBounce: iterations=1 runtime: 1498us\nBounce: iterations=2 average: 1509us total: 3018us\n";
        assert_eq!(awfy_times(out, "Bounce"), vec![1520.0, 1498.0]);
    }
}
