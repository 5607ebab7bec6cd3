//! Generated programs end to end: `som-regress generate` is byte-for-byte reproducible,
//! and every program of every kind passes its own check in every tier configuration.

mod common;

use common::{som, som_regress, temp_dir};
use std::path::Path;
use std::process::Command;

fn generate(seed: u64, count: usize, dir: &Path) -> Vec<String> {
    let out = som_regress()
        .args(["generate", "--seed", &seed.to_string(), "--count"])
        .arg(count.to_string())
        .args(["--budget-ms", "1", "-o"])
        .arg(dir)
        .output()
        .expect("run som-regress");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_same_seed_writes_byte_identical_files() {
    let (a, b) = (temp_dir("same-seed-a"), temp_dir("same-seed-b"));
    generate(11, 22, &a);
    generate(11, 22, &b);
    let (fa, fb) = (files(&a), files(&b));
    assert!(fa.len() >= 22);
    assert_eq!(fa, fb);
    let c = temp_dir("same-seed-c");
    generate(12, 22, &c);
    assert_ne!(fa, files(&c));
}

#[test]
fn every_generated_program_passes_its_check_in_every_tier() {
    let dir = temp_dir("all-kinds");
    let configs: [&[&str]; 3] = [
        &["--max-tier", "0"],
        &["--max-tier", "1", "--jit-threshold", "0"],
        &[],
    ];
    let mut ran = 0;
    for seed in [1, 2, 3] {
        for main in generate(seed, 11, &dir) {
            for config in configs {
                let out = Command::new(som())
                    .args(config)
                    .arg(&main)
                    .output()
                    .expect("run som");
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(
                    out.status.success() && stdout.contains(": ok "),
                    "som {} {main} failed ({}): {stdout}{}",
                    config.join(" "),
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
                ran += 1;
            }
        }
    }
    assert_eq!(ran, 99);
}

#[test]
fn a_generated_program_runs_under_the_benchmark_harness() {
    let dir = temp_dir("harness");
    let main = generate(4, 1, &dir).remove(0);
    let name = Path::new(&main)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let harness = common::workspace().join("benches/som");
    let out = Command::new(som())
        .arg("-cp")
        .arg(format!("{}:{}", harness.display(), dir.display()))
        .arg(harness.join("BenchHarness.som"))
        .args([name.as_str(), "3", "1"])
        .output()
        .expect("run som");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        som_benches::runner::parse_iterations(&stdout, &name).len(),
        3
    );
}

#[test]
fn a_wrong_expected_value_fails_with_a_clear_message() {
    let dir = temp_dir("wrong");
    let main = generate(5, 1, &dir).remove(0);
    let text = std::fs::read_to_string(&main).unwrap();
    let broken = text.replacen("        result = ", "        result + 1 = ", 1);
    assert_ne!(text, broken);
    std::fs::write(&main, broken).unwrap();
    let out = Command::new(som()).arg(&main).output().expect("run som");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong result"));
}
