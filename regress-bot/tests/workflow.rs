//! Validates `.github/workflows/perf.yml`: its structure (triggers, jobs, steps) and the
//! security properties GitHub recommends for pull-request workflows: the job that runs PR
//! code has a read-only token and no secrets, and the job that may write comments runs on
//! `workflow_run` (so from the default branch) and never checks out PR code. Also runs
//! `actionlint` on the file when it is installed.

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

#[test]
fn the_measuring_job_is_read_only_without_secrets_and_uploads_the_report() {
    let w = workflow();
    let m = job(&w, "measure");
    assert_eq!(
        m["if"].as_str(),
        Some("github.event_name == 'pull_request'")
    );
    assert!(permissions(m)
        .iter()
        .all(|(_, v)| v == "read" || v == "none"));
    let text = serde_yaml::to_string(m).unwrap();
    assert!(
        !text.contains("secrets."),
        "the PR job must not see secrets"
    );
    assert!(
        !text.contains("github.token"),
        "the PR job must not pass the token on"
    );
    let s = steps(m);
    let checkout = s
        .iter()
        .find(|s| uses(s).starts_with("actions/checkout@"))
        .expect("checkout");
    assert_eq!(
        checkout["with"]["persist-credentials"].as_bool(),
        Some(false)
    );
    assert!(text.contains("som-regress run --commits \"$BASE_SHA\""));
    assert!(
        text.contains("som-regress report --base \"$BASE_SHA\" --head \"$HEAD_SHA\" --format json")
    );
    let upload = s
        .iter()
        .find(|s| uses(s).starts_with("actions/upload-artifact@"))
        .expect("upload");
    assert_eq!(upload["with"]["name"].as_str(), Some("perf-report"));
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
    for name in ["measure", "comment"] {
        for s in steps(job(&w, name)) {
            let u = uses(s);
            if !u.is_empty() {
                let (_, version) = u.split_once('@').expect("a pinned version");
                assert!(version.starts_with('v') || version.len() == 40, "{u}");
            }
        }
    }
}

#[test]
fn actionlint_accepts_the_workflow_when_installed() {
    let path = common::workspace().join(".github/workflows/perf.yml");
    match Command::new("actionlint").arg(&path).output() {
        Ok(out) => assert!(
            out.status.success(),
            "actionlint:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("actionlint not installed: only the structural checks ran"),
    }
}
