//! The git questions the bot asks: resolve a revision, list a range oldest first, read a
//! commit's parent, date and subject, list the files of a commit's folder, and find the
//! repository's top level.

use crate::store::CommitInfo;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

fn git(repo: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        bail!(
            "git {} failed in {}: {}",
            args.join(" "),
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub fn toplevel(dir: &Path) -> Result<PathBuf> {
    Ok(PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"])?))
}

/// The paths of the files directly in folder `dir` of commit `sha`.
pub fn files_in(repo: &Path, sha: &str, dir: &str) -> Result<Vec<String>> {
    let listing = git(repo, &["ls-tree", "--name-only", sha, &format!("{dir}/")])?;
    Ok(listing.lines().map(str::to_string).collect())
}

/// The full sha of a revision.
pub fn resolve(repo: &Path, rev: &str) -> Result<String> {
    git(
        repo,
        &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
    )
}

/// `A..B` as A followed by the commits of `git rev-list A..B`, oldest first (first-parent
/// order, so a bisection walks the branch's own history); a single revision is itself.
pub fn range(repo: &Path, spec: &str) -> Result<Vec<String>> {
    let Some((a, b)) = spec.split_once("..") else {
        return Ok(vec![resolve(repo, spec)?]);
    };
    let base = resolve(repo, a)?;
    let head = resolve(repo, b)?;
    let list = git(
        repo,
        &[
            "rev-list",
            "--reverse",
            "--first-parent",
            &format!("{base}..{head}"),
        ],
    )?;
    let mut out = vec![base];
    out.extend(list.lines().map(String::from));
    Ok(out)
}

pub fn commit_info(repo: &Path, sha: &str) -> Result<CommitInfo> {
    let text = git(repo, &["show", "-s", "--format=%H%n%P%n%cI%n%s", sha])?;
    let mut lines = text.lines();
    let mut next = || lines.next().unwrap_or("").to_string();
    let (sha, parents, date, subject) = (next(), next(), next(), next());
    Ok(CommitInfo {
        sha,
        parent: parents.split_whitespace().next().map(String::from),
        date,
        subject,
    })
}

/// Checks out `sha` in the bot's own worktree at `path`, creating it on first use.
pub fn checkout_worktree(repo: &Path, path: &Path, sha: &str) -> Result<()> {
    if path.join(".git").exists() {
        git(path, &["checkout", "--quiet", "--force", "--detach", sha])?;
        git(path, &["clean", "-fdq"])?;
    } else {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let _ = git(repo, &["worktree", "prune"]);
        let p = path.display().to_string();
        git(repo, &["worktree", "add", "--quiet", "--detach", &p, sha])?;
    }
    Ok(())
}
