//! The indexes behind fast `last-write` and `origin` (the per-interval write logs and
//! the allocation steps) answer as a full backward re-execution does: on the latency
//! benchmark's program and on the every-store-path program, at several positions, each
//! indexed answer equals the replayed one.

use som_debugger::engine::{Engine, Reply, DEFAULT_BUDGET};
use som_debugger::record::{record, Recording};
use som_debugger::trace::Trace;
use std::path::PathBuf;

fn open(dir: &str, file: &str, args: &[&str]) -> Engine {
    let tmp = std::env::temp_dir().join(format!("som-dbg-indexed-{}-{file}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let trace = tmp.join("run.somtrace");
    let what = Recording {
        program: PathBuf::from(format!("{dir}/{file}")),
        args: args.iter().map(|a| a.to_string()).collect(),
        class_path: vec![PathBuf::from(dir)],
        ..Recording::default()
    };
    assert_eq!(record(&what, &trace).expect("record"), 0);
    let engine = Engine::open(Trace::read(&trace).unwrap(), DEFAULT_BUDGET).unwrap();
    assert!(engine.info().checkpoints > 4, "{:?}", engine.info());
    engine
}

fn write_of(reply: &Result<Reply, String>) -> String {
    match reply {
        Ok(r) => format!("{:?} {:?}", r.write, r.message),
        Err(e) => format!("error {e}"),
    }
}

/// At the current position, each path's indexed answers equal the replayed ones and
/// name a statement; the position does not move.
fn same_answers(engine: &mut Engine, fields: &[&str], objects: &[&str]) {
    let here = engine.position();
    for f in fields {
        let indexed = engine.last_write(f);
        assert!(
            matches!(&indexed, Ok(r) if r.write.is_some()),
            "{f}: {indexed:?}"
        );
        assert_eq!(engine.position(), here);
        let replayed = engine.last_write_replayed(f);
        assert_eq!(write_of(&indexed), write_of(&replayed), "last-write {f}");
        assert_eq!(engine.position(), here);
    }
    for o in objects {
        let indexed = engine.origin(o);
        assert!(
            matches!(&indexed, Ok(r) if r.write.is_some()),
            "{o}: {indexed:?}"
        );
        let replayed = engine.origin_replayed(o);
        assert_eq!(write_of(&indexed), write_of(&replayed), "origin {o}");
        assert_eq!(engine.position(), here);
    }
}

#[test]
fn indexed_last_write_and_origin_equal_a_full_replay_on_the_latency_program() {
    let bench = concat!(env!("CARGO_MANIFEST_DIR"), "/bench");
    let mut engine = open(bench, "Latency.som", &["60000"]);
    engine.add_breakpoint("Latency>>probe:").unwrap();
    for probe in 0..=5 {
        engine.cont();
        if probe == 0 {
            continue;
        }
        let mut fields = vec!["keep.value", "fresh.value", "cells"];
        let mut objects = vec!["keep", "fresh", "cells"];
        if probe >= 3 {
            fields.push("marker.value");
            objects.push("marker");
        }
        same_answers(&mut engine, &fields, &objects);
    }
}

#[test]
fn indexed_answers_equal_a_full_replay_for_every_store_path() {
    let programs = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs");
    let mut engine = open(programs, "Stores.som", &[]);
    engine.add_breakpoint("Stores>>probe").unwrap();
    engine.cont();
    same_answers(
        &mut engine,
        &[
            "framed.left",
            "trivial.left",
            "reflective.left",
            "performed.left",
        ],
        &["framed", "trivial", "performed"],
    );
}
