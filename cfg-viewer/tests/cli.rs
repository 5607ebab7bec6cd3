//! The `som-inspect` command line without a window: `--help` prints the usage on
//! stdout and exits 0; a program that cannot be found is an error naming it.

use std::process::{Command, Output};

fn som_inspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_som-inspect"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run som-inspect")
}

#[test]
fn help_prints_usage_on_stdout_and_exits_zero() {
    for args in [&["--help"][..], &["-h"], &["-cp", "x", "--help"]] {
        let out = som_inspect(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.starts_with("usage: som-inspect"),
            "{args:?}: {stdout}"
        );
        assert!(out.stderr.is_empty(), "{args:?} wrote to stderr");
    }
}

#[test]
fn a_missing_program_is_named() {
    let out = som_inspect(&["--dot", "A>>b", "no/Such.som"]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no/Such.som"), "{stderr}");
}
