//! End-to-end tests of tier-1 code seen by native tools, with the real tools: gdb's
//! backtrace through JIT frames (`--gdb-jit`), the SOM stack from gdb's `som-bt`
//! (`scripts/som-gdb.py`) in every tier, and `perf record`, `perf inject --jit`
//! and `perf report` naming JIT code from a jitdump (`--jitdump-dir`), with `perf record
//! --call-graph dwarf` chains that pass through JIT frames into Rust. The jitdump's
//! structure and the DWARF's lines are checked in the VM's unit tests
//! (`jit::debuginfo::tests`); these drive the binary the way a user does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-native-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// gdb's backtrace at a primitive reached from JIT code (`system printString:` at the
/// bottom of a recursion), as text.
fn gdb_backtrace(extra: &[&str]) -> String {
    let program = repo().join("vm/tests/native-tools/Recurse.som");
    let out = Command::new("gdb")
        .args(["-batch", "-nx", "-ex", "break print_string", "-ex", "run"])
        .args(["-ex", "bt", "--args", env!("CARGO_BIN_EXE_som")])
        .args(["--max-tier", "1", "--jit-threshold", "0"])
        .args(extra)
        .arg(&program)
        .stdin(Stdio::null())
        .output()
        .expect("gdb is installed (.ci/run installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Index of the first backtrace line after `from` containing all of `parts`.
fn frame_after(bt: &[&str], from: usize, parts: &[&str]) -> usize {
    (from..bt.len())
        .find(|&i| parts.iter().all(|p| bt[i].contains(p)))
        .unwrap_or_else(|| {
            panic!(
                "no frame with {parts:?} after #{from} in\n{}",
                bt.join("\n")
            )
        })
}

#[test]
fn gdb_backtrace_shows_som_frames_with_file_and_line_and_unwinds_into_rust() {
    let text = gdb_backtrace(&["--gdb-jit"]);
    let bt: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    let prim = frame_after(&bt, 0, &["print_string"]);
    let send = frame_after(&bt, prim, &["rt_send"]);
    // The base case sends printString: on line 4; the three callers are on line 5.
    let bottom = frame_after(&bt, send, &["Recurse>>down: ()", "Recurse.som:4"]);
    assert_eq!(bottom, send + 1, "{text}");
    for depth in 1..=3 {
        let f = frame_after(&bt, bottom + depth, &["Recurse>>down: ()", "Recurse.som:5"]);
        assert_eq!(f, bottom + depth, "{text}");
    }
    let run = frame_after(&bt, bottom + 3, &["Recurse>>run ()", "Recurse.som:9"]);
    let entry = frame_after(&bt, run, &["som_jit_entry"]);
    // Past the trampoline gdb is back in the VM's Rust frames, down to the thread start.
    let rust = frame_after(&bt, entry, &["run_native"]);
    assert_eq!(rust, entry + 1, "{text}");
    frame_after(&bt, rust, &["run_program"]);
}

/// `som-bt`'s lines at the primitive the recursion reaches, in tier `tier`.
fn som_bt(tier: &str) -> Vec<String> {
    let program = repo().join("vm/tests/native-tools/Recurse.som");
    let script = repo().join("scripts/som-gdb.py");
    let out = Command::new("gdb")
        .args(["-batch", "-nx", "-ex"])
        .arg(format!("source {}", script.display()))
        .args(["-ex", "break print_string", "-ex", "run", "-ex", "som-bt"])
        .args(["--args", env!("CARGO_BIN_EXE_som"), "--max-tier", tier])
        .args(["--jit-threshold", "0"])
        .arg(&program)
        .stdin(Stdio::null())
        .output()
        .expect("gdb is installed (scripts/test installs it)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let som_frame = |l: &&str| l.starts_with('#') && l.contains(">>");
    text.lines().filter(som_frame).map(String::from).collect()
}

#[test]
fn som_bt_prints_the_som_stack_from_gdb_in_every_tier() {
    for tier in ["0", "1"] {
        let bt = som_bt(tier);
        let downs: Vec<&String> = bt.iter().filter(|l| l.contains("Recurse>>down:")).collect();
        assert_eq!(downs.len(), 4, "tier {tier}: {bt:#?}");
        assert!(
            downs[0].starts_with("#0 Recurse>>down: (") && downs[0].contains("Recurse.som:4"),
            "{bt:#?}"
        );
        assert!(downs[1].contains("Recurse.som:5"), "{bt:#?}");
        assert!(
            bt.iter()
                .any(|l| l.contains("Recurse>>run") && l.contains("Recurse.som:9")),
            "{bt:#?}"
        );
        assert!(
            bt.last().is_some_and(|l| l.contains("System>>initialize:")),
            "{bt:#?}"
        );
        if tier == "1" {
            assert!(downs[0].ends_with("[tier 1]"), "compiled at once: {bt:#?}");
        }
    }
}

#[test]
fn without_gdb_jit_gdb_does_not_know_jit_code() {
    let text = gdb_backtrace(&[]);
    assert!(text.contains("print_string"), "{text}");
    assert!(!text.contains("Recurse>>down:"), "{text}");
}

const PERF_SOM_ARGS: [&str; 6] = [
    "--max-tier",
    "1",
    "--jit-threshold",
    "0",
    "-cp",
    "benches/som",
];
const PERF_BENCH: [&str; 4] = ["benches/som/BenchHarness.som", "Fib", "3", "12"];

/// `perf record PERF_ARGS som --jitdump-dir DIR ...` then `perf inject --jit`: the
/// injected data, or `None` when this kernel does not let perf sample (the jitdump file
/// itself is checked without perf in `perf_inject_names_jit_code_from_the_jitdump`).
fn perf_recorded(dir: &Path, perf_args: &[&str]) -> Option<PathBuf> {
    let run = |cmd: &mut Command| {
        cmd.env("PERF_BUILDID_DIR", dir.join("buildid"))
            .current_dir(repo())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
    };
    let data = dir.join("perf.data");
    let recorded = run(Command::new("perf")
        .args(["record", "-q", "-k", "1", "-e", "cpu-clock"])
        .args(perf_args)
        .arg("-o")
        .arg(&data)
        .arg(env!("CARGO_BIN_EXE_som"))
        .arg("--jitdump-dir")
        .arg(dir)
        .args(PERF_SOM_ARGS)
        .args(PERF_BENCH));
    if !recorded.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!(
            "perf record is not usable here ({recorded:?}); only the jitdump file is checked"
        );
        return None;
    }
    let injected = dir.join("perf.jit.data");
    let inject = run(Command::new("perf")
        .args(["inject", "--jit", "-i"])
        .arg(&data)
        .arg("-o")
        .arg(&injected))
    .expect("perf inject");
    assert!(
        inject.status.success(),
        "{}",
        String::from_utf8_lossy(&inject.stderr)
    );
    Some(injected)
}

#[test]
fn perf_inject_names_jit_code_from_the_jitdump() {
    let dir = scratch("perf");
    // Without perf: the file is there, with the jitdump magic and this run's pid.
    let child = Command::new(env!("CARGO_BIN_EXE_som"))
        .arg("--jitdump-dir")
        .arg(&dir)
        .args(PERF_SOM_ARGS)
        .args(PERF_BENCH)
        .current_dir(repo())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    assert!(child.wait_with_output().unwrap().status.success());
    let dump = std::fs::read(dir.join(format!("jit-{pid}.dump"))).expect("jitdump written");
    assert_eq!(&dump[0..4], &0x4A69_5444u32.to_le_bytes());
    assert_eq!(&dump[20..24], &pid.to_le_bytes());

    let Some(injected) = perf_recorded(&dir, &[]) else {
        return;
    };
    let report = Command::new("perf")
        .env("PERF_BUILDID_DIR", dir.join("buildid"))
        .args([
            "report",
            "--stdio",
            "--no-children",
            "--sort",
            "sym,srcline",
            "-i",
        ])
        .arg(&injected)
        .output()
        .expect("perf report");
    let text = String::from_utf8_lossy(&report.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("Fib>>fib:"))
        .unwrap_or_else(|| panic!("perf report names no JIT method:\n{text}"));
    assert!(line.contains("Fib.som:"), "no SOM source line: {line}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `perf record --call-graph dwarf` unwinds from a JIT method through its JIT callers
/// and the entry trampoline into the VM's Rust frames, from the jitdump's unwinding
/// records alone (the chain used to stop at `som_jit_entry`: code placed right after
/// the trampoline hid the unwinding data perf maps behind it).
#[test]
fn perf_call_chains_pass_through_jit_frames_into_rust() {
    let dir = scratch("perf-dwarf");
    let Some(injected) = perf_recorded(&dir, &["--call-graph", "dwarf"]) else {
        return;
    };
    let script = Command::new("perf")
        .env("PERF_BUILDID_DIR", dir.join("buildid"))
        .args(["script", "-F", "ip,sym", "-i"])
        .arg(&injected)
        .output()
        .expect("perf script");
    let text = String::from_utf8_lossy(&script.stdout);
    // One sample's chain, leaf first: a blank line ends it.
    let through = text.split("\n\n").find(|chain| {
        let frames: Vec<&str> = chain.lines().map(str::trim).collect();
        let fib = frames.iter().position(|f| f.ends_with("Fib>>fib:"));
        let entry = frames.iter().position(|f| f.ends_with("som_jit_entry"));
        let rust = frames.iter().rposition(|f| f.contains("som_vm::"));
        matches!((fib, entry, rust), (Some(f), Some(e), Some(r)) if f < e && e < r)
    });
    assert!(
        through.is_some(),
        "no call chain runs from Fib>>fib: through som_jit_entry into som_vm's frames:\n{}",
        text.chars().take(6000).collect::<String>()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_jitdump_directory_is_an_error_before_the_run() {
    let out = Command::new(env!("CARGO_BIN_EXE_som"))
        .args(["--jitdump-dir", "/nonexistent/som-jitdump"])
        .arg(repo().join("examples/Hello.som"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(74));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--jitdump-dir: /nonexistent/som-jitdump is not a directory"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}
