//! Building a commit once: check it out in the bot's worktree, `cargo build --release` the
//! VM (and the profiler when that commit has one) into a shared target directory so that
//! rebuilds are incremental, then cache `som`, `som-prof`, the commit's `benches/som` and
//! its rustc version under `regress-bin/<sha>/`.

use crate::git;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the bot keeps its worktree, shared target directory and binary cache.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub repo: PathBuf,
    pub worktree: PathBuf,
    pub target_dir: PathBuf,
    pub bin_cache: PathBuf,
}

impl Workspace {
    /// The defaults under `<repo>/target/`; `target_dir` overrides the shared build target.
    pub fn new(repo: &Path, target_dir: Option<PathBuf>) -> Workspace {
        let target = repo.join("target");
        Workspace {
            repo: repo.to_path_buf(),
            worktree: target.join("regress-worktrees/build"),
            target_dir: target_dir.unwrap_or_else(|| target.join("regress-target")),
            bin_cache: target.join("regress-bin"),
        }
    }
}

/// A built commit: its binaries and benchmark sources.
#[derive(Debug, Clone)]
pub struct Built {
    pub sha: String,
    pub som: PathBuf,
    pub som_prof: Option<PathBuf>,
    pub benches_som: PathBuf,
    pub rustc: String,
}

/// The cached build of `sha`, building it first if needed.
/// `with_profiler`: also build `som-prof` when the commit has the profiler crate (tried
/// once per commit).
pub fn ensure_built(
    ws: &Workspace,
    sha: &str,
    with_profiler: bool,
    log: &mut dyn FnMut(&str),
) -> Result<Built> {
    let dir = ws.bin_cache.join(sha);
    let profiler_tried = dir.join("profiler-tried");
    if !dir.join("som").exists() || (with_profiler && !profiler_tried.exists()) {
        build(ws, sha, &dir, with_profiler, log)?;
    }
    let prof = dir.join("som-prof");
    Ok(Built {
        sha: sha.to_string(),
        som: dir.join("som"),
        som_prof: prof.exists().then_some(prof),
        benches_som: dir.join("benches-som"),
        rustc: std::fs::read_to_string(dir.join("rustc.txt"))
            .unwrap_or_default()
            .trim()
            .to_string(),
    })
}

fn build(
    ws: &Workspace,
    sha: &str,
    dir: &Path,
    with_profiler: bool,
    log: &mut dyn FnMut(&str),
) -> Result<()> {
    log(&format!("building {}", &sha[..12.min(sha.len())]));
    git::checkout_worktree(&ws.repo, &ws.worktree, sha)?;
    let has_profiler = with_profiler && ws.worktree.join("profiler/Cargo.toml").exists();
    let built_profiler = has_profiler && cargo_build(ws, &["som-vm", "som-profiler"]).is_ok();
    if !built_profiler {
        cargo_build(ws, &["som-vm"]).with_context(|| format!("building {sha}"))?;
    }
    let staging = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    let release = ws.target_dir.join("release");
    std::fs::copy(release.join("som"), staging.join("som"))?;
    if built_profiler && release.join("som-prof").exists() {
        std::fs::copy(release.join("som-prof"), staging.join("som-prof"))?;
    }
    copy_dir(
        &ws.worktree.join("benches/som"),
        &staging.join("benches-som"),
    )?;
    std::fs::write(staging.join("rustc.txt"), rustc_version(&ws.worktree))?;
    if with_profiler {
        std::fs::write(
            staging.join("profiler-tried"),
            format!("{built_profiler}\n"),
        )?;
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&staging, dir)?;
    Ok(())
}

fn cargo_build(ws: &Workspace, packages: &[&str]) -> Result<()> {
    let mut c = Command::new("cargo");
    c.args(["build", "--release", "--quiet"]);
    for p in packages {
        c.args(["-p", p]);
    }
    let out = c
        .current_dir(&ws.worktree)
        .env("CARGO_TARGET_DIR", &ws.target_dir)
        .output()
        .context("cannot run cargo")?;
    if !out.status.success() {
        bail!(
            "cargo build -p {} failed: {}",
            packages.join(" -p "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn rustc_version(dir: &Path) -> String {
    Command::new("rustc")
        .arg("--version")
        .current_dir(dir)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    if !from.is_dir() {
        return Ok(());
    }
    for e in std::fs::read_dir(from)?.flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}
