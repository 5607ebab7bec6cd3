//! The measured suite of one commit: our benchmark programs (the commit's own
//! `benches/som`, sizes from som-bench's suite list) plus a fixed generated set, all run
//! through `BenchHarness.som`.

use crate::build::Built;
use crate::generate;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// The seed and budget of the fixed generated set (never change them: history compares
/// the same programs across commits).
pub const GENERATED_SEED: u64 = 1;
pub const GENERATED_BUDGET_MS: u64 = 20;

/// One benchmark as the bot runs it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub class_path: Vec<PathBuf>,
    pub harness: PathBuf,
    /// Inner size for wall-time iterations.
    pub wall_inner: u32,
    /// Inner size for deterministic counts under callgrind and for profiles.
    pub small_inner: u32,
    /// A generated program's own file (it also runs without the harness, which lets
    /// `som-prof` run it without a class path).
    pub standalone: Option<PathBuf>,
}

/// The suite for `built`, keeping only names that match `filter` (a regex).
pub fn entries(
    built: &Built,
    generated_dir: &Path,
    generated: usize,
    filter: Option<&regex::Regex>,
) -> Result<Vec<Entry>> {
    let harness = built.benches_som.join("BenchHarness.som");
    let keep = |name: &str| filter.is_none_or(|f| f.is_match(name));
    let mut out = Vec::new();
    for b in som_benches::suite::SUITE {
        if keep(b.name) && built.benches_som.join(format!("{}.som", b.name)).exists() {
            out.push(Entry {
                name: b.name.to_string(),
                class_path: vec![built.benches_som.clone()],
                harness: harness.clone(),
                wall_inner: b.inner,
                small_inner: 1,
                standalone: None,
            });
        }
    }
    for p in generate::generate(GENERATED_SEED, generated, GENERATED_BUDGET_MS) {
        let name = p.main_class().to_string();
        if keep(&name) {
            let main = p.write_to(generated_dir)?;
            out.push(Entry {
                name,
                class_path: vec![built.benches_som.clone(), generated_dir.to_path_buf()],
                harness: harness.clone(),
                wall_inner: u32::try_from(p.inner).unwrap_or(u32::MAX),
                small_inner: 1,
                standalone: Some(main),
            });
        }
    }
    Ok(out)
}
