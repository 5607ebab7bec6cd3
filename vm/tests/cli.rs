//! End-to-end tests of the `som` binary: running programs with the embedded core library,
//! exit statuses, error reports with SOM backtraces, syntax errors, and the CLI options.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn som(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run som")
}

/// Writes `source` as `<name>.som` in a fresh temporary directory.
fn program(name: &str, source: &str) -> (PathBuf, tempdir::Dir) {
    let dir = tempdir::Dir::new(name);
    let path = dir.path().join(format!("{name}.som"));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(source.as_bytes()))
        .expect("write program");
    (path, dir)
}

mod tempdir {
    use std::path::{Path, PathBuf};
    pub struct Dir(PathBuf);
    impl Dir {
        pub fn new(tag: &str) -> Dir {
            let n = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let p = std::env::temp_dir().join(format!("som-cli-{tag}-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn hello_world_runs_with_the_embedded_core_library() {
    let out = som(&["examples/Hello.som"], &repo());
    assert_eq!(text(&out.stdout), "Hello, World\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn program_arguments_reach_run_colon() {
    let out = som(&["examples/Fibonacci.som", "20"], &repo());
    assert_eq!(
        text(&out.stdout),
        "fib(20) = 6765\n",
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_syntax_error_names_file_line_and_column_and_exits_2() {
    let (path, _dir) = program("Broken", "Broken = (\n  run = ( ^ 1 + )\n)\n");
    let out = som(&[path.to_str().unwrap()], Path::new("."));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with(&format!("{}:2:", path.display())), "{err}");
}

#[test]
fn does_not_understand_prints_a_som_backtrace_and_exits_1() {
    let src = "Dnu = (\n  helper = ( ^ 3 foo )\n  run = ( self helper )\n)\n";
    let (path, _dir) = program("Dnu", src);
    let out = som(&[path.to_str().unwrap()], Path::new("."));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("error: Integer does not understand #foo"),
        "{err}"
    );
    assert!(err.contains("Dnu>>helper"), "{err}");
    assert!(err.contains("Dnu.som:2"), "{err}");
    assert!(err.contains("Dnu>>run"), "{err}");
}

#[test]
fn a_million_nested_sends_is_a_som_stack_overflow() {
    let src = "Deep = (\n  down: n = ( n = 0 ifTrue: [ ^ 0 ]. ^ 1 + (self down: n - 1) )\n  run = ( (self down: 1000000) println )\n)\n";
    let (path, _dir) = program("Deep", src);
    let out = som(&[path.to_str().unwrap()], Path::new("."));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("error: stack overflow"), "{err}");
    assert!(err.contains("Deep>>down:"), "{err}");
}

#[test]
fn heap_exhaustion_is_a_som_out_of_memory_error() {
    let src = "Hog = (\n  run = ( | keep | keep := Array new: 1. [ true ] whileTrue: [ keep := Array with: keep with: (Array new: 1000) ] )\n)\n";
    let (path, _dir) = program("Hog", src);
    let out = som(
        &["--max-heap", "8M", path.to_str().unwrap()],
        Path::new("."),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("error: out of memory"), "{err}");
    assert!(err.contains("Hog>>run"), "{err}");
}

#[test]
fn stats_report_clock_sends_and_gc() {
    let out = som(&["--stats", "examples/Fibonacci.som", "15"], &repo());
    assert!(out.status.success());
    let err = text(&out.stderr);
    for field in [
        "logical clock:",
        "bytecodes executed:",
        "sends monomorphic:",
        "sends polymorphic:",
        "sends megamorphic:",
        "gc count:",
        "gc pause total:",
        "peak heap:",
    ] {
        assert!(err.contains(field), "missing {field} in {err}");
    }
}

#[test]
fn stats_json_writes_the_same_clock_as_stats() {
    let dir = tempdir::Dir::new("statsjson");
    let json = dir.path().join("stats.json");
    let json_arg = json.to_str().unwrap();
    let out = som(
        &[
            "--stats",
            "--stats-json",
            json_arg,
            "examples/Fibonacci.som",
            "15",
        ],
        &repo(),
    );
    assert!(out.status.success());
    let report = text(&out.stderr);
    let clock = report
        .lines()
        .find_map(|l| l.strip_prefix("logical clock:"))
        .map(|v| v.trim().to_string())
        .unwrap();
    let written = std::fs::read_to_string(&json).unwrap();
    assert!(written.starts_with('{') && written.trim_end().ends_with('}'));
    assert!(
        written.contains(&format!("\"logical_clock\":{clock},")),
        "{written}"
    );
    for key in [
        "bytecodes",
        "gc_count",
        "peak_heap_bytes",
        "sends_megamorphic",
    ] {
        assert!(
            written.contains(&format!("\"{key}\":")),
            "{key} in {written}"
        );
    }
}

#[test]
fn the_logical_clock_is_deterministic() {
    let clock = || {
        let out = som(&["--stats", "examples/Fibonacci.som", "15"], &repo());
        text(&out.stderr)
            .lines()
            .find(|l| l.starts_with("logical clock:"))
            .map(str::to_string)
    };
    assert_eq!(clock(), clock());
}

#[test]
fn unknown_options_and_missing_files_are_reported() {
    let out = som(&["--frobnicate", "x.som"], &repo());
    assert_eq!(out.status.code(), Some(64));
    assert!(text(&out.stderr).contains("unknown option '--frobnicate'"));
    let out = som(&["does/not/Exist.som"], &repo());
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("does/not/Exist.som"));
}

#[test]
fn disassemble_prints_indices_lines_and_constants() {
    let out = som(
        &["--disassemble", "Hello>>run", "examples/Hello.som"],
        &repo(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(listing.contains("Hello>>run"), "{listing}");
    assert!(listing.contains("\"Hello, World\""), "{listing}");
    assert!(listing.contains("#println"), "{listing}");
    assert!(listing.contains("L5"), "{listing}");
}

#[test]
fn deep_recursion_in_jit_code_survives_stack_growth() {
    // Found by som-regress fuzz: native JIT frames hold pointers into the VM stack, so
    // the stack must never move when deep recursion grows it.
    let source = "Deep = (
        run = ( (self down: 20000 acc: 1) println )
        down: n acc: a = (
            n = 0 ifTrue: [ ^ a ].
            ^ self down: n - 1 acc: (a * 25 + n) % 67147
        )
    )";
    let (path, _dir) = program("Deep", source);
    let tier0 = som(&["--max-tier", "0", path.to_str().unwrap()], &repo());
    let tier1 = som(
        &[
            "--max-tier",
            "1",
            "--jit-threshold",
            "0",
            path.to_str().unwrap(),
        ],
        &repo(),
    );
    assert!(
        tier0.status.success() && tier1.status.success(),
        "{tier1:?}"
    );
    assert_eq!(text(&tier0.stdout), text(&tier1.stdout));
}

#[test]
fn max_tier_2_runs_and_a_tier_above_2_is_refused() {
    let out = som(&["--max-tier", "2", "examples/Hello.som"], &repo());
    assert!(out.status.success(), "{out:?}");
    let out = som(&["--max-tier", "3", "examples/Hello.som"], &repo());
    assert_eq!(out.status.code(), Some(64));
    let err = text(&out.stderr);
    assert!(err.contains("--max-tier expects 0, 1 or 2"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn help_prints_the_usage_with_every_tier_flag_and_exits_0() {
    let out = som(&["--help"], &repo());
    assert_eq!(out.status.code(), Some(0));
    let usage = text(&out.stdout);
    for flag in [
        "--max-tier",
        "--jit-threshold",
        "--code-cache",
        "--gc-stress",
    ] {
        assert!(usage.contains(flag), "{flag} missing from {usage}");
    }
}
