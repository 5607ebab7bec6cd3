//! Golden listings: `som-asm` on example programs, compared with `tests/listings/*.txt`
//! after masking what changes from run to run (absolute addresses, instruction bytes
//! holding them). `SOM_BLESS=1` rewrites the files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Drops the bytes column and masks hexadecimal numbers of 8 digits or more.
fn normalized(listing: &str) -> String {
    listing
        .lines()
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let is_code = words.len() >= 3
                && u32::from_str_radix(words[0], 16).is_ok()
                && words[1].chars().all(|c| c.is_ascii_hexdigit())
                && l.starts_with("            ");
            let l = if is_code {
                format!("{} {}", words[0], words[2..].join(" "))
            } else {
                l.to_string()
            };
            mask(&l)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn mask(l: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in l.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            out.push_str(if run.len() >= 8 { "ADDR" } else { &run });
            run.clear();
            out.push(c);
        }
    }
    out.pop();
    out
}

fn check(name: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_som-asm"))
        .current_dir(repo())
        .args(args)
        .output()
        .expect("run som-asm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = normalized(&String::from_utf8_lossy(&out.stdout));
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/listings")
        .join(name);
    if std::env::var("SOM_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, format!("{got}\n")).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        want.trim_end(),
        got.trim_end(),
        "listing {name} changed (SOM_BLESS=1 re-blesses)"
    );
}

#[test]
fn fibonacci_listing_interleaves_lines_bytecodes_and_machine_code() {
    check(
        "fibonacci-fib.txt",
        &["examples/Fibonacci.som", "Fibonacci>>fib:", "--", "5"],
    );
}

#[test]
fn tier_zero_listing_has_bytecodes_only() {
    check(
        "fibonacci-fib-tier0.txt",
        &[
            "examples/Fibonacci.som",
            "Fibonacci>>fib:",
            "--tier",
            "0",
            "--",
            "5",
        ],
    );
}

#[test]
fn json_listing_maps_every_instruction_to_a_bytecode() {
    let out = Command::new(env!("CARGO_BIN_EXE_som-asm"))
        .current_dir(repo())
        .args([
            "examples/Fibonacci.som",
            "Fibonacci>>fib:",
            "--json",
            "--",
            "5",
        ])
        .output()
        .expect("run som-asm");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["method"], "Fibonacci>>fib:");
    let rows = v["bytecodes"].as_array().unwrap();
    assert!(rows
        .iter()
        .all(|r| !r["code"].as_array().unwrap().is_empty()));
    let size: usize = rows
        .iter()
        .flat_map(|r| {
            r["code"]
                .as_array()
                .unwrap()
                .iter()
                .chain(r["slow_paths"].as_array().unwrap())
        })
        .map(|i| i["bytes"].as_str().unwrap().len() / 2)
        .sum();
    assert_eq!(size as u64, v["size"].as_u64().unwrap());
}
