//! End to end on a temporary clone of this repository: a commit that adds real work to the
//! interpreter's send path is flagged on the instruction metric of the interpreter
//! (`--max-tier 0`, benchmark `Fib@t0`) and `bisect` names it; a comment-only commit is
//! not flagged. Builds the VM once per commit into one shared
//! target directory (`target/regress-e2e-target`), so reruns are incremental. Needs
//! valgrind (`scripts/test`, the README's test command, installs it).

mod common;

use common::{som_regress, temp_dir, workspace};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SEND_FAST: &str =
    "pub(crate) fn send_fast(&mut self, site_idx: SendSiteId) -> Result<Flow, Unwind> {";

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=e2e",
            "-c",
            "user.email=e2e@example.invalid",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn commit_edit(repo: &Path, file: &str, edit: impl Fn(String) -> String, message: &str) -> String {
    let path = repo.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = edit(text.clone());
    assert_ne!(text, changed, "the edit of {file} changed nothing");
    std::fs::write(&path, changed).unwrap();
    git(repo, &["commit", "-qam", message]);
    git(repo, &["rev-parse", "HEAD"])
}

fn bot(repo: &Path, args: &[&str]) -> String {
    bot_with_log(repo, args).0
}

/// stdout and stderr (the progress log) of a successful run.
fn bot_with_log(repo: &Path, args: &[&str]) -> (String, String) {
    let out = som_regress()
        .args(args)
        .arg("--repo")
        .arg(repo)
        .output()
        .expect("run som-regress");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "som-regress {args:?} failed:\n{stderr}"
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr.into_owned(),
    )
}

fn regressions(repo: &Path, base: &str, head: &str) -> Vec<(String, String)> {
    let json: Value = serde_json::from_str(&bot(
        repo,
        &["report", "--base", base, "--head", head, "--format", "json"],
    ))
    .expect("report JSON");
    json["regressions"]
        .as_array()
        .expect("a regressions array")
        .iter()
        .map(|v| {
            (
                v["benchmark"].as_str().unwrap().to_string(),
                v["metric"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn shared_target() -> PathBuf {
    workspace().join("target/regress-e2e-target")
}

#[test]
fn send_path_work_is_flagged_and_bisected_and_a_comment_is_not() {
    assert!(
        Command::new("valgrind")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "valgrind is missing: this test measures instructions with `valgrind --tool=callgrind`; \
         install it (apt-get install valgrind; scripts/test does this)"
    );
    let dir = temp_dir("e2e");
    let repo = dir.join("repo");
    let src = workspace();
    git(
        &src,
        &["clone", "-q", src.to_str().unwrap(), repo.to_str().unwrap()],
    );
    let base = git(&repo, &["rev-parse", "HEAD"]);
    let comment = commit_edit(
        &repo,
        "vm/src/runtime/send.rs",
        |t| format!("{t}\n// A comment that changes nothing measurable.\n"),
        "A comment in runtime/send.rs",
    );
    let slow = commit_edit(
        &repo,
        "vm/src/runtime/send.rs",
        |t| {
            t.replacen(
                SEND_FAST,
                &format!("{SEND_FAST}\n        for i in 0..64u32 {{ std::hint::black_box(i); }}"),
                1,
            )
        },
        "Busy work on every send",
    );
    let after = commit_edit(
        &repo,
        "README.md",
        |t| format!("{t}\nOne more line.\n"),
        "README line",
    );

    let target = shared_target();
    let measure = [
        "--filter",
        "^Fib$",
        "--max-tier",
        "0",
        "--no-profile",
        "--generated",
        "0",
        "--runs",
        "2",
        // two processes can only reach α = 1/3; the verdicts here are on instructions
        "--alpha",
        "0.4",
        "--iterations",
        "2",
        "--target-dir",
        target.to_str().unwrap(),
    ];
    let range = format!("{base}..{after}");
    let mut args = vec!["run", "--commits", range.as_str()];
    args.extend(measure);
    bot(&repo, &args);

    assert_eq!(regressions(&repo, &base, &comment), vec![]);
    assert_eq!(
        regressions(&repo, &comment, &slow),
        vec![("Fib@t0".to_string(), "instructions".to_string())]
    );
    assert_eq!(regressions(&repo, &slow, &after), vec![]);

    let markdown = bot(&repo, &["report", "--base", &comment, "--head", &slow]);
    assert!(
        markdown.starts_with("<!-- som-regress-report -->\n**som-regress**: 1 regression"),
        "{markdown}"
    );
    assert!(markdown.contains("| Fib@t0 | instructions |"), "{markdown}");
    assert!(markdown.contains("\n- tiers: "), "{markdown}");
    assert!(markdown.contains("\n- profile"), "{markdown}");

    let mut args = vec![
        "bisect",
        "--good",
        &base,
        "--bad",
        &after,
        "--bench",
        "Fib@t0",
        "--metric",
        "instructions",
    ];
    args.extend(measure);
    let (found, log) = bot_with_log(&repo, &args);
    assert!(
        !log.contains("building"),
        "bisect should reuse the stored measurements:\n{log}"
    );
    assert!(
        found.contains(&format!("first bad commit: {slow} Busy work on every send")),
        "{found}"
    );
}
