//! `som-regress --help` prints the usage on stdout and exits 0 (and so does each
//! subcommand's `--help`).

use std::process::Command;

#[test]
fn help_prints_usage_and_exits_zero() {
    for args in [&["--help"][..], &["run", "--help"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_som-regress"))
            .args(args)
            .output()
            .expect("run som-regress");
        assert_eq!(out.status.code(), Some(0), "som-regress {args:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains("Usage: som-regress"), "{stdout}");
    }
}
