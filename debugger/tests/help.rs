//! `som-dbg --help` prints the usage on stdout and exits 0.

use std::process::Command;

#[test]
fn help_prints_usage_and_exits_zero() {
    for flag in ["--help", "-h"] {
        let out = Command::new(env!("CARGO_BIN_EXE_som-dbg"))
            .arg(flag)
            .output()
            .expect("run som-dbg");
        assert_eq!(out.status.code(), Some(0), "som-dbg {flag}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.to_lowercase().contains("usage"), "{stdout}");
        assert!(out.stderr.is_empty());
    }
}
