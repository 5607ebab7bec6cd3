//! Shared by the TUI tests: recording the checked-in test program and opening it.

#![allow(dead_code)]

use som_debugger::engine::{Engine, DEFAULT_BUDGET};
use som_debugger::record::{record, Recording};
use som_debugger::trace::Trace;
use std::path::PathBuf;

/// A fresh temporary directory for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("som-dbg-tui-{}-{tag}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Records `tests/programs/NAME.som` (relative to the crate, so that file names show
/// the same everywhere) and answers the trace file.
pub fn record_program(name: &str) -> PathBuf {
    let trace = temp_dir(name).join("run.somtrace");
    let what = Recording {
        program: PathBuf::from(format!("tests/programs/{name}.som")),
        args: Vec::new(),
        class_path: Vec::new(),
        ..Recording::default()
    };
    let status = record(&what, &trace).expect("record the test program");
    assert_eq!(status, 0, "the test program {name} fails");
    trace
}

/// Records and opens `tests/programs/NAME.som`.
pub fn open_program(name: &str) -> Engine {
    let trace = Trace::read(&record_program(name)).expect("read the recording");
    Engine::open(trace, DEFAULT_BUDGET).expect("open the recording")
}
