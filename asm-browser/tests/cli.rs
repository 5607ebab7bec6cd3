//! The `som-asm` command line without a terminal: bad input gives a clear message
//! naming the file (and line and column), the class or the option, and exit status 2,
//! with nothing written to stdout; `--tui` without a terminal is refused the same way.

use std::path::Path;
use std::process::{Command, Output};

fn som_asm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_som-asm"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .output()
        .expect("run som-asm")
}

fn fails_with(args: &[&str], message: &str) {
    let out = som_asm(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.starts_with(&format!("som-asm: {message}")),
        "{args:?}: {stderr}"
    );
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
}

#[test]
fn a_missing_file_is_named() {
    fails_with(&["--tui", "no/Such.som"], "no/Such.som: cannot read");
    fails_with(&["no/Such.som", "A>>b"], "no/Such.som: cannot read");
}

#[test]
fn a_syntax_error_names_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("som-asm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Bad.som");
    std::fs::write(&file, "Bad = (\n  run = ( ^ 3 + )\n)\n").unwrap();
    let path = file.display().to_string();
    fails_with(
        &["--tui", &path],
        &format!("{path}:2:17: expected an expression"),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_class_or_method_is_named() {
    let sums = "tests/programs/Sums.som";
    fails_with(&["--tui", sums, "Nope>>run"], "no class Nope");
    fails_with(&["--tui", sums, "Sums>>nope"], "no method Sums>>nope");
    fails_with(&[sums, "Sums"], "no method Sums");
    fails_with(&[sums, "Array>>at:"], "Array>>at: is a primitive");
}

#[test]
fn bad_options_are_named() {
    let sums = "tests/programs/Sums.som";
    fails_with(&["--tui", sums, "--tier", "3"], "--tier 0|1|2");
    fails_with(
        &["--tui", sums, "--jit-threshold", "x"],
        "--jit-threshold N",
    );
    fails_with(&["--tui", sums, "--colour"], "unknown option --colour");
    fails_with(&[sums], "no Class>>selector");
}

#[test]
fn the_browser_needs_a_terminal() {
    fails_with(
        &["--tui", "tests/programs/Sums.som"],
        "--tui needs a terminal",
    );
}

#[test]
fn help_prints_usage_on_stdout_and_exits_zero() {
    for args in [&["--help"][..], &["-h"], &["--tui", "File.som", "--help"]] {
        let out = som_asm(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("usage: som-asm"), "{args:?}: {stdout}");
        assert!(out.stderr.is_empty(), "{args:?} wrote to stderr");
    }
}
