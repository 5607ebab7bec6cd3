//! `som-regress fuzz` end to end: today's tiers agree on generated programs, and a tier bug
//! injected by a wrapper around the real VM (tier 1 corrupts the output of any program that
//! uses `asSymbol`) is caught and shrunk to a reproducer of at most 20 lines that still
//! compiles and passes its own check in tier 0.

mod common;

use common::{som, som_regress, temp_dir};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn fuzz(som: &Path, seed: &str, count: &str, out: &Path) -> (bool, String) {
    let o = som_regress()
        .args([
            "fuzz",
            "--seed",
            seed,
            "--count",
            count,
            "--budget-ms",
            "1",
            "--som",
        ])
        .arg(som)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run som-regress fuzz");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

#[test]
fn the_tiers_agree_on_every_kind_of_generated_program() {
    let out = temp_dir("fuzz-agree");
    let (ok, text) = fuzz(&som(), "21", "11", &out);
    assert!(ok, "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok ")).count(),
        11,
        "{text}"
    );
}

#[test]
fn an_injected_tier_bug_is_caught_and_shrunk_to_a_small_reproducer() {
    let dir = temp_dir("fuzz-bug");
    let wrapper = dir.join("buggy-som");
    let script = format!(
        "#!/usr/bin/env bash\n\
         # A fake tier bug: under --max-tier 1, programs using asSymbol print a wrong line.\n\
         prog=''\nfor a in \"$@\"; do case \"$a\" in *.som) prog=\"$a\";; esac; done\n\
         \"{}\" \"$@\"; status=$?\n\
         if [[ \" $* \" == *' --max-tier 1 '* ]] && grep -q asSymbol \"$prog\"; then echo corrupted; fi\n\
         exit $status\n",
        som().display()
    );
    std::fs::write(&wrapper, script).unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.join("found");
    let (ok, text) = fuzz(&wrapper, "21", "11", &out);
    assert!(!ok, "the bug went unnoticed:\n{text}");
    assert!(
        text.contains(
            "MISMATCH G21n008StrDict: '--max-tier 0' and '--max-tier 1 --jit-threshold 0' \
             disagree: stdout"
        ),
        "{text}"
    );
    assert_eq!(text.matches("MISMATCH").count(), 1, "{text}");
    let saved = out.join("G21n008StrDict");
    let mut lines = 0;
    for e in std::fs::read_dir(&saved).unwrap().flatten() {
        let t = std::fs::read_to_string(e.path()).unwrap();
        if e.path().extension().is_some_and(|x| x == "som") {
            assert!(t.contains("asSymbol"), "{t}");
            lines += t.lines().count();
        }
    }
    assert!(
        (1..=20).contains(&lines),
        "reproducer has {lines} lines:\n{text}"
    );
    let difference = std::fs::read_to_string(saved.join("DIFFERENCE.txt")).unwrap();
    assert!(difference.contains("corrupted"), "{difference}");
    // the reproducer compiles and passes its own check in tier 0
    let main = saved.join("G21n008StrDict.som");
    let o = std::process::Command::new(som())
        .args(["--max-tier", "0"])
        .arg(&main)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
