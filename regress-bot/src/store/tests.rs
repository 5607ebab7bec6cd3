//! Tests of the history store: round trips, schema versioning, and refusing damaged files
//! without modifying them.

use super::*;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-regress-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("history.sqlite")
}

fn machine() -> Machine {
    Machine {
        hostname: "box".into(),
        cpu: "cpu".into(),
        cores: 2,
        os: "Linux".into(),
    }
}

fn commit(sha: &str) -> CommitInfo {
    CommitInfo {
        sha: sha.into(),
        parent: Some("p".into()),
        date: "2026-01-01".into(),
        subject: "a change".into(),
    }
}

#[test]
fn values_round_trip_per_commit_benchmark_and_metric() {
    let path = temp("round-trip");
    let store = Store::open(&path).unwrap();
    store.add_commit(&commit("aaa")).unwrap();
    let run = store
        .begin_run("aaa", &machine(), "rustc 1.95", "{}")
        .unwrap();
    store
        .add_values(run, "Fib", "wall_us", &[3.0, 1.0, 2.0])
        .unwrap();
    store
        .add_values(run, "Fib", "instructions", &[100.0])
        .unwrap();
    let run2 = store
        .begin_run("aaa", &machine(), "rustc 1.95", "{}")
        .unwrap();
    store
        .add_process_values(run2, "Fib", "wall_us", 0, &[4.0])
        .unwrap();
    store
        .add_process_values(run2, "Fib", "wall_us", 1, &[5.0, 6.0])
        .unwrap();
    store
        .add_profile(run2, "Fib", "{\"mode\":\"clock\"}")
        .unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.values("aaa", "Fib", "wall_us").unwrap(),
        vec![3.0, 1.0, 2.0, 4.0, 5.0, 6.0]
    );
    assert_eq!(store.commit("aaa").unwrap(), Some(commit("aaa")));
    assert_eq!(store.run_count("aaa").unwrap(), 2);
    assert_eq!(
        store.series("aaa").unwrap(),
        vec![
            ("Fib".into(), "instructions".into()),
            ("Fib".into(), "wall_us".into())
        ]
    );
    let h = store.history("Fib", "wall_us").unwrap();
    assert_eq!(h.len(), 1);
    let groups: Vec<_> = h[0]
        .groups
        .iter()
        .map(|g| (g.run, g.process, g.values.clone()))
        .collect();
    assert_eq!(
        groups,
        vec![
            (run, 0, vec![3.0, 1.0, 2.0]),
            (run2, 0, vec![4.0]),
            (run2, 1, vec![5.0, 6.0])
        ]
    );
    assert_eq!(store.groups("aaa", "Fib", "wall_us").unwrap().len(), 3);
    assert!(store.profile("aaa", "Fib").unwrap().is_some());
    assert!(store.values("bbb", "Fib", "wall_us").unwrap().is_empty());
}

#[test]
fn a_file_that_is_not_sqlite_is_reported_and_left_untouched() {
    let path = temp("not-sqlite");
    let junk = b"these are somebody's notes, not a database\n".repeat(100);
    std::fs::write(&path, &junk).unwrap();
    let err = Store::open(&path).err().expect("must refuse");
    assert!(matches!(err, StoreError::NotSqlite(_)));
    assert!(err.to_string().contains("not an SQLite database"));
    assert_eq!(std::fs::read(&path).unwrap(), junk);
}

#[test]
fn a_corrupted_database_is_reported_and_left_untouched() {
    let path = temp("corrupt");
    let store = Store::open(&path).unwrap();
    store.add_commit(&commit("aaa")).unwrap();
    drop(store);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() >= 4096);
    for b in &mut bytes[100..] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::open(&path).err().expect("must refuse");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_newer_schema_version_is_refused() {
    let path = temp("schema");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE x (a); PRAGMA user_version = 99;")
        .unwrap();
    drop(conn);
    let err = Store::open(&path).err().expect("must refuse");
    assert!(
        matches!(err, StoreError::UnknownSchema { found: 99, .. }),
        "{err}"
    );
}
