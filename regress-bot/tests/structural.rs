//! `som-regress structural` end to end (the bounded smoke run CI makes; the long run is
//! `som-regress structural --seed S --minutes 60`): today's VM passes every shape in every
//! tier configuration, and a VM that aborts on the `perform:` shape under tier 1 (the bug this
//! fuzzer was written for) is reported as a finding with the program saved.

mod common;

use common::{som, som_regress, temp_dir};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn structural(som: &Path, seed: &str, count: &str, out: &Path) -> (bool, String) {
    let o = som_regress()
        .args(["structural", "--seed", seed, "--count", count, "--som"])
        .arg(som)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run som-regress structural");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

#[test]
fn every_structural_shape_meets_its_expectation_in_every_tier() {
    let out = temp_dir("structural-smoke");
    let (ok, text) = structural(&som(), "7", "24", &out);
    assert!(ok, "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok ")).count(),
        24,
        "{text}"
    );
    assert!(text.contains("24 programs"), "{text}");
}

#[test]
fn a_tier_that_aborts_on_perform_is_a_finding() {
    let dir = temp_dir("structural-bug");
    let wrapper = dir.join("aborting-som");
    let script = format!(
        "#!/usr/bin/env bash\n\
         prog=''\nfor a in \"$@\"; do case \"$a\" in *.som) prog=\"$a\";; esac; done\n\
         if [[ \" $* \" == *' --max-tier 1 '* && \"$prog\" == *Perform* ]]; then kill -ABRT $$; fi\n\
         exec \"{}\" \"$@\"\n",
        som().display()
    );
    std::fs::write(&wrapper, script).unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Case 7 is the first `perform:` shape.
    let (ok, text) = structural(&wrapper, "7", "8", &dir.join("out"));
    assert!(!ok, "{text}");
    let finding = text
        .lines()
        .find(|l| l.starts_with("FINDING "))
        .unwrap_or_default();
    assert!(finding.contains("Perform"), "{text}");
    assert!(
        finding.contains("killed by a signal under '--max-tier 1 --jit-threshold 0'"),
        "{text}"
    );
    assert!(text.contains("1 finding(s)"), "{text}");
}
