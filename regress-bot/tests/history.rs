//! The history commands end to end on histories written through the library: change
//! points and the SVG chart of a synthetic history with two level shifts, `merge` of two
//! machines' histories (and refusing an incompatible schema), readers refusing empty
//! files and stray journals, and `run --list` shards covering the suite exactly once.

mod common;

use common::{som_regress, temp_dir, workspace};
use som_regress_bot::store::{CommitInfo, Machine, Store};
use std::path::Path;
use std::process::Output;

fn machine(name: &str) -> Machine {
    Machine {
        name: name.into(),
        hostname: format!("{name}-1"),
        cpu: "Test CPU".into(),
        cores: 4,
        memory_mb: 16384,
        kernel: "linux 6.1".into(),
    }
}

/// 30 commits: Fib instructions at 5.0M, 5.4M from c10, 5.1M from c22, with ±0.2% noise;
/// wall time 5 processes per commit.
fn write_history(path: &Path, m: &Machine, commits: std::ops::Range<usize>) {
    let store = Store::open(path).unwrap();
    for i in commits {
        let sha = format!("{i:02}{}", "c".repeat(38));
        store
            .add_commit(&CommitInfo {
                sha: sha.clone(),
                parent: None,
                date: "2026-01-01".into(),
                subject: format!("commit {i}"),
            })
            .unwrap();
        let run = store.begin_run(&sha, m, "rustc 1.95", "{}").unwrap();
        let level = match i {
            0..10 => 5.0e6,
            10..22 => 5.4e6,
            _ => 5.1e6,
        };
        let wobble = ((i * 7919) % 11) as f64 / 10.0 - 0.5; // in [-0.5, 0.5]
        store
            .add_values(
                run,
                "Fib",
                "instructions",
                &[level * (1.0 + 0.004 * wobble)],
            )
            .unwrap();
        for p in 0..5 {
            let w = level / 1000.0 * (1.0 + 0.01 * (((i + p) * 31) % 7) as f64 / 7.0);
            store
                .add_process_values(run, "Fib", "wall_us", p, &[w, w * 1.001])
                .unwrap();
        }
    }
}

fn bot(args: &[&str], db: &Path) -> Output {
    som_regress()
        .args(args)
        .arg("--repo")
        .arg(workspace())
        .arg("--db")
        .arg(db)
        .output()
        .expect("run som-regress")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn changepoints_and_the_chart_show_exactly_the_two_shifts() {
    let dir = temp_dir("history-cp");
    let db = dir.join("h.sqlite");
    write_history(&db, &machine("ci"), 0..30);
    for metric in ["instructions", "wall_us"] {
        let json: serde_json::Value = serde_json::from_str(&ok(&bot(
            &[
                "changepoints",
                "--bench",
                "Fib",
                "--metric",
                metric,
                "--format",
                "json",
            ],
            &db,
        )))
        .unwrap();
        let found: Vec<&str> = json["change_points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["sha"].as_str().unwrap()[..2])
            .collect();
        assert_eq!(found, vec!["10", "22"], "{metric}: {json}");
    }
    let text = ok(&bot(&["changepoints", "--bench", "Fib"], &db));
    assert!(text.contains("30 commit(s), 2 change point(s)"), "{text}");
    let svg = dir.join("fib.svg");
    let o = bot(
        &[
            "history",
            "--bench",
            "Fib",
            "--metric",
            "instructions",
            "--svg",
            svg.to_str().unwrap(),
        ],
        &db,
    );
    ok(&o);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("Fib instructions"));
    assert_eq!(
        text.matches("% at ").count(),
        2,
        "two change points labelled"
    );
}

#[test]
fn merge_keeps_both_machines_adds_nothing_twice_and_refuses_other_schemas() {
    let dir = temp_dir("history-merge");
    let (a, b, c) = (
        dir.join("a.sqlite"),
        dir.join("b.sqlite"),
        dir.join("c.sqlite"),
    );
    write_history(&a, &machine("x86"), 0..6);
    write_history(&b, &machine("arm"), 0..4);
    let merge = |inputs: &[&Path]| {
        let mut cmd = som_regress();
        cmd.arg("merge").args(inputs).arg("-o").arg(&c);
        cmd.output().unwrap()
    };
    let first = ok(&merge(&[&a, &b]));
    assert!(
        first.contains("6 run(s) added (66 values), 0 already present"),
        "{first}"
    );
    assert!(first.contains("4 run(s) added (44 values)"), "{first}");
    let again = ok(&merge(&[&a, &b, &c]));
    assert_eq!(again.matches(" 0 run(s) added").count(), 3, "{again}");
    let merged = Store::open_read_only(&c).unwrap();
    assert_eq!(
        merged.kinds().unwrap(),
        vec![machine("arm").kind(), machine("x86").kind()]
    );
    let sha = format!("03{}", "c".repeat(38));
    assert_eq!(merged.kinds_of(&sha).unwrap().len(), 2);
    assert_eq!(merged.values(&sha, "Fib", "wall_us").unwrap().len(), 20);
    drop(merged);
    let old = dir.join("old.sqlite");
    write_version_one(&old);
    let before = std::fs::read(&c).unwrap();
    let o = merge(&[&a, &old]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("has schema version 1, this som-regress knows version 2"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&c).unwrap(),
        before,
        "the output was modified"
    );
}

/// A history claiming schema version 1: a store file whose user_version is rewritten in
/// the database header (offset 60, big-endian).
fn write_version_one(path: &Path) {
    drop(Store::open(path).unwrap());
    let mut bytes = std::fs::read(path).unwrap();
    bytes[60..64].copy_from_slice(&1u32.to_be_bytes());
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn report_refuses_an_empty_db_file_and_a_stray_journal_and_changes_neither() {
    let dir = temp_dir("history-empty");
    let db = dir.join("empty.sqlite");
    std::fs::write(&db, b"").unwrap();
    let o = bot(&["report", "--base", "HEAD", "--head", "HEAD"], &db);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("holds no som-regress history"), "{err}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
    let db = dir.join("h.sqlite");
    write_history(&db, &machine("ci"), 0..2);
    let journal = dir.join("h.sqlite-journal");
    std::fs::write(&journal, b"hot journal").unwrap();
    let o = bot(&["report", "--base", "HEAD", "--head", "HEAD"], &db);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("h.sqlite-journal exists beside"), "{err}");
    assert_eq!(std::fs::read(&journal).unwrap(), b"hot journal");
}

#[test]
fn run_list_shards_cover_the_suite_exactly_once() {
    let list = |shard: Option<String>| -> Vec<String> {
        let mut cmd = som_regress();
        cmd.args([
            "run",
            "--commits",
            "HEAD",
            "--list",
            "--generated",
            "11",
            "--repo",
        ])
        .arg(workspace());
        if let Some(s) = shard {
            cmd.args(["--shard", &s]);
        }
        ok(&cmd.output().unwrap())
            .lines()
            .map(str::to_string)
            .collect()
    };
    let mut all = list(None);
    assert!(
        all.len() >= 15 && all.contains(&"Fib".to_string()),
        "{all:?}"
    );
    all.sort();
    for n in 1..=5 {
        let mut union: Vec<String> = (1..=n)
            .flat_map(|k| list(Some(format!("{k}/{n}"))))
            .collect();
        union.sort();
        assert_eq!(union, all, "shards of {n}");
    }
    let o = som_regress()
        .args(["run", "--commits", "HEAD", "--list", "--shard", "4/3"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shard expects K/N"));
}

#[test]
fn run_refuses_runs_that_cannot_reach_alpha() {
    let dir = temp_dir("history-alpha");
    let db = dir.join("h.sqlite");
    let o = bot(&["run", "--commits", "HEAD", "--runs", "4"], &db);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--runs 4 cannot reach α = 0.01"), "{err}");
    assert!(!db.exists(), "nothing is created before the refusal");
}

fn git_sha(rev: &str) -> String {
    let o = std::process::Command::new("git")
        .arg("-C")
        .arg(workspace())
        .args(["rev-parse", rev])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Base and head (real commits of this repository) measured on `m`, Fib instructions
/// `base` → `head`, after `earlier` commits of fake history at `base`.
fn write_pair(path: &Path, m: &Machine, levels: (f64, f64), earlier: usize) {
    let store = Store::open(path).unwrap();
    let mut commits: Vec<String> = (0..earlier)
        .map(|i| format!("{i:02}{}", "e".repeat(38)))
        .collect();
    commits.push(git_sha("HEAD~1"));
    commits.push(git_sha("HEAD"));
    for (i, sha) in commits.iter().enumerate() {
        store
            .add_commit(&CommitInfo {
                sha: sha.clone(),
                parent: None,
                date: "2026-01-01".into(),
                subject: format!("commit {i}"),
            })
            .unwrap();
        let run = store.begin_run(sha, m, "rustc 1.95", "{}").unwrap();
        let v = if i + 1 == commits.len() {
            levels.1
        } else {
            levels.0
        };
        store.add_values(run, "Fib", "instructions", &[v]).unwrap();
    }
}

#[test]
fn a_report_compares_within_each_machine_kind_and_places_the_change_in_history() {
    let dir = temp_dir("history-kinds");
    let (a, b, c) = (
        dir.join("a.sqlite"),
        dir.join("b.sqlite"),
        dir.join("c.sqlite"),
    );
    write_pair(&a, &machine("fast"), (1.0e6, 1.0e6), 4);
    write_pair(&b, &machine("slow"), (2.0e6, 2.2e6), 4);
    let mut cmd = som_regress();
    ok(&cmd
        .arg("merge")
        .arg(&a)
        .arg(&b)
        .arg("-o")
        .arg(&c)
        .output()
        .unwrap());
    let report = |extra: &[&str]| {
        let mut args = vec!["report", "--base", "HEAD~1", "--head", "HEAD"];
        args.extend(extra);
        bot(&args, &c)
    };
    let json: serde_json::Value =
        serde_json::from_str(&ok(&report(&["--format", "json"]))).unwrap();
    assert_eq!(json["machines"].as_array().unwrap().len(), 2, "{json}");
    let regressions = json["regressions"].as_array().unwrap();
    assert_eq!(regressions.len(), 1, "{json}");
    assert_eq!(
        regressions[0]["machine"].as_str(),
        Some(machine("slow").kind().as_str())
    );
    let shift = &json["explanations"][0]["shift"];
    assert_eq!(shift["continues"].as_bool(), Some(false), "{shift}");
    let md = ok(&report(&[]));
    assert!(md.contains("| machine | benchmark | metric |"), "{md}");
    assert!(md.contains("- history: starts a new shift"), "{md}");
    let one = ok(&report(&["--machine-kind", &machine("fast").kind()]));
    assert!(one.contains("0 regressions"), "{one}");
    let o = report(&["--machine-kind", "nowhere"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("machine kind 'nowhere' did not measure both commits"));
}
