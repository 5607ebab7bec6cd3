//! `som-bench --help` prints the usage on stdout and exits 0 (and so does each
//! subcommand's `--help`).

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_som-bench"))
        .args(args)
        .output()
        .expect("run som-bench");
    assert_eq!(out.status.code(), Some(0), "som-bench {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_prints_usage_and_exits_zero() {
    assert!(help(&["--help"]).contains("Usage: som-bench"));
    assert!(help(&["run", "--help"]).contains("Usage: som-bench run"));
}
