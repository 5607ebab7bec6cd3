//! The `som-regress` command line: a damaged history file is reported and left as it was,
//! and commands that need measurements say so.

mod common;

use common::{som_regress, temp_dir, workspace};

#[test]
fn a_damaged_history_file_is_reported_and_not_overwritten() {
    let dir = temp_dir("cli-damaged");
    let db = dir.join("history.sqlite");
    let junk = b"not a database, but somebody's precious file\n".repeat(50);
    std::fs::write(&db, &junk).unwrap();
    let out = som_regress()
        .args(["report", "--base", "HEAD", "--head", "HEAD", "--repo"])
        .arg(workspace())
        .arg("--db")
        .arg(&db)
        .output()
        .expect("run som-regress");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not an SQLite database; refusing to touch it"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), junk);
}

#[test]
fn a_report_without_measurements_says_what_to_run() {
    let dir = temp_dir("cli-empty");
    let out = som_regress()
        .args(["report", "--base", "HEAD", "--head", "HEAD", "--repo"])
        .arg(workspace())
        .arg("--db")
        .arg(dir.join("empty.sqlite"))
        .output()
        .expect("run som-regress");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("run `som-regress run` first"), "{stderr}");
}
