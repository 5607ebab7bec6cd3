//! Tests of the history store: round trips, schema versioning, refusing damaged files
//! (also a flipped bit in a value, stray journals, empty files for readers) without
//! modifying them, machine kinds, and merging.

use super::*;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-regress-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("history.sqlite")
}

fn machine() -> Machine {
    named("box")
}

fn named(name: &str) -> Machine {
    Machine {
        name: name.into(),
        hostname: format!("{name}-host"),
        cpu: "cpu".into(),
        cores: 2,
        memory_mb: 8192,
        kernel: "linux 6.1".into(),
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
        .add_profile(run2, "Fib", "clock", "{\"mode\":\"clock\"}")
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
    assert!(store.profile("aaa", "Fib", "clock").unwrap().is_some());
    assert!(store.profile("aaa", "Fib", "time").unwrap().is_none());
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

#[test]
fn a_flipped_bit_in_a_stored_value_is_rejected_not_reported() {
    let path = temp("bitflip");
    let store = Store::open(&path).unwrap();
    store.add_commit(&commit("aaa")).unwrap();
    let run = store.begin_run("aaa", &machine(), "rustc", "{}").unwrap();
    store
        .add_values(run, "Sieve", "logical_clock", &[1234.5678])
        .unwrap();
    drop(store);
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = 1234.5678f64.to_bits().to_be_bytes();
    let at = bytes
        .windows(8)
        .position(|w| w == needle)
        .expect("the value's bytes");
    bytes[at + 7] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();
    let store = Store::open_read_only(&path).unwrap();
    let err = store.values("aaa", "Sieve", "logical_clock").unwrap_err();
    assert!(matches!(err, StoreError::Checksum { .. }), "{err}");
    assert!(err.to_string().contains("Sieve logical_clock"), "{err}");
    assert!(store.history("Sieve", "logical_clock").is_err());
    drop(store);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_reader_never_writes_a_schema_into_an_empty_or_missing_file() {
    let path = temp("empty");
    std::fs::write(&path, b"").unwrap();
    let err = Store::open_read_only(&path).err().expect("must refuse");
    assert!(matches!(err, StoreError::NoHistory(_)), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"");
    let missing = path.with_file_name("missing.sqlite");
    assert!(matches!(
        Store::open_read_only(&missing),
        Err(StoreError::NoHistory(_))
    ));
    assert!(!missing.exists());
}

#[test]
fn a_stray_journal_or_wal_is_refused_and_left_in_place() {
    for suffix in ["-journal", "-wal"] {
        let path = temp(&format!("stray{suffix}"));
        drop(Store::open(&path).unwrap());
        let before = std::fs::read(&path).unwrap();
        let stray = PathBuf::from(format!("{}{suffix}", path.display()));
        std::fs::write(&stray, b"left over by a crashed writer").unwrap();
        for open in [Store::open, Store::open_read_only] {
            let err = open(&path).err().expect("must refuse");
            assert!(matches!(err, StoreError::StrayJournal { .. }), "{err}");
            assert!(err.to_string().contains(suffix), "{err}");
        }
        assert_eq!(
            std::fs::read(&stray).unwrap(),
            b"left over by a crashed writer"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}

#[test]
fn a_version_one_history_is_refused_with_a_message() {
    let path = temp("v1");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE commits (sha TEXT); PRAGMA user_version = 1;")
        .unwrap();
    drop(conn);
    let err = Store::open_read_only(&path).err().expect("must refuse");
    assert!(
        err.to_string()
            .contains("schema version 1, this som-regress knows version 2"),
        "{err}"
    );
}

fn one_run(path: &Path, m: &Machine, sha: &str, value: f64) {
    let store = Store::open(path).unwrap();
    store.add_commit(&commit(sha)).unwrap();
    let run = store.begin_run(sha, m, "rustc 1.95", "{}").unwrap();
    store
        .add_process_values(run, "Fib", "wall_us", 0, &[value, value + 1.0])
        .unwrap();
    store
        .add_values(run, "Fib", "instructions", &[value * 10.0])
        .unwrap();
    store.add_profile(run, "Fib", "time", "{}").unwrap();
    store.add_note(run, "Fib", "a note").unwrap();
}

#[test]
fn merging_two_machines_keeps_both_and_merging_again_adds_nothing() {
    let (a, b) = (temp("merge-a"), temp("merge-b"));
    let c = a.with_file_name("merged.sqlite");
    one_run(&a, &named("x86-runner"), "aaa", 100.0);
    one_run(&b, &named("arm-runner"), "aaa", 200.0);
    one_run(&b, &named("arm-runner"), "bbb", 210.0);
    let out = Store::open(&c).unwrap();
    let (sa, sb) = (
        Store::open_read_only(&a).unwrap(),
        Store::open_read_only(&b).unwrap(),
    );
    let m = out.merge_from(&sa).unwrap();
    assert_eq!(
        (m.runs_added, m.values_added, m.runs_already_present),
        (1, 3, 0)
    );
    let m = out.merge_from(&sb).unwrap();
    assert_eq!((m.runs_added, m.values_added), (2, 6));
    for again in [&sa, &sb] {
        let m = out.merge_from(again).unwrap();
        assert_eq!((m.runs_added, m.values_added), (0, 0), "{m:?}");
    }
    assert_eq!(out.kinds().unwrap().len(), 2);
    assert_eq!(out.kinds_of("aaa").unwrap().len(), 2);
    assert_eq!(
        out.values("aaa", "Fib", "wall_us").unwrap(),
        vec![100.0, 101.0, 200.0, 201.0]
    );
    out.set_kind(Some(&named("arm-runner").kind()));
    assert_eq!(
        out.values("aaa", "Fib", "wall_us").unwrap(),
        vec![200.0, 201.0]
    );
    assert_eq!(out.run_count("bbb").unwrap(), 1);
    assert_eq!(
        out.profile("aaa", "Fib", "time").unwrap().as_deref(),
        Some("{}")
    );
    assert_eq!(out.notes("aaa", "Fib").unwrap(), vec!["a note".to_string()]);
    out.set_kind(Some(&named("x86-runner").kind()));
    assert_eq!(out.run_count("bbb").unwrap(), 0);
    assert_eq!(
        out.fingerprints("aaa").unwrap(),
        vec![named("x86-runner").fingerprint("rustc 1.95")]
    );
}
