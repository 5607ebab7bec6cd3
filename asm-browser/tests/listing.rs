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

/// som-asm's standard output for `args`, run from the repository root; it must succeed.
fn som_asm_ok(args: &[&str]) -> Vec<u8> {
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
    out.stdout
}

fn check(name: &str, args: &[&str]) {
    let got = normalized(&String::from_utf8_lossy(&som_asm_ok(args)));
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

fn listing(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_som-asm"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .output()
        .expect("run som-asm");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_block_is_listed_by_its_name() {
    // describe: has two blocks on different lines: the line picks one.
    let (ok, _, err) = listing(&["tests/programs/Sums.som", "[] in Sums>>describe:"]);
    assert!(
        !ok && err.contains(
            "add the line one starts on: '[] in Sums>>describe: @19', '[] in Sums>>describe: @20'"
        ),
        "{err}"
    );
    let (ok, text, err) = listing(&["tests/programs/Sums.som", "[] in Sums>>describe: @20"]);
    assert!(ok, "{err}");
    assert!(text.starts_with("[] in Sums>>describe: ("), "{text}");
    assert!(text.contains("acc + p"), "{text}");
    assert!(text.contains("call "), "{text}");
    // The block inlined into sumTo:'s loop is still reachable (its fallback never ran).
    let (ok, text, err) = listing(&[
        "tests/programs/Sums.som",
        "[] in Sums>>sumTo:",
        "--tier",
        "0",
    ]);
    assert!(ok, "{err}");
    assert!(text.contains("weight:"), "{text}");
    let (ok, _, err) = listing(&["tests/programs/Sums.som", "[] in Sums>>run:"]);
    assert!(!ok && err.contains("Sums>>run: has no block"), "{err}");
}

#[test]
fn runtime_calls_are_named_and_branches_give_offset_and_bytecode() {
    let (ok, text, err) = Command::new(env!("CARGO_BIN_EXE_som-asm"))
        .current_dir(repo())
        .args(["examples/Fibonacci.som", "Fibonacci>>fib:", "--", "5"])
        .output()
        .map(|o| {
            (
                o.status.success(),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .unwrap();
    assert!(ok, "{err}");
    // Every runtime function the code calls is named (a bare `call rax` is a call
    // into compiled code, whose address the runtime answered).
    for name in [
        "rt_send",
        "rt_send_bytecode",
        "rt_primitive",
        "leaf_trivial",
    ] {
        assert!(
            text.contains(&format!("call {name} (rax)")),
            "no {name}:\n{text}"
        );
    }
    let unnamed = text.lines().filter(|l| {
        l.contains("mov rax,")
            && l.ends_with("h")
            && l.split(',').nth(1).is_some_and(|v| v.len() > 9)
    });
    assert_eq!(
        unnamed.count(),
        0,
        "a runtime address without its name:\n{text}"
    );
    let branches: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("            "))
        .filter(|l| {
            l.split_whitespace()
                .nth(2)
                .is_some_and(|m| m.starts_with('j'))
        })
        .collect();
    assert!(!branches.is_empty(), "{text}");
    for b in branches {
        assert!(
            b.contains(" bci "),
            "a branch without its target bytecode: {b}"
        );
    }
}

#[test]
fn tier_two_listing_has_ir_per_pass_and_cranelift_code() {
    check(
        "loops-sumsquares-tier2.txt",
        &[
            "asm-browser/tests/programs/Loops.som",
            "Loops>>sumSquares:",
            "--tier",
            "2",
        ],
    );
}

#[test]
fn tier_two_json_links_ir_and_machine_code_through_exits() {
    let out = som_asm_ok(&[
        "asm-browser/tests/programs/Loops.som",
        "Loops>>sumSquares:",
        "--tier",
        "2",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["tier"], 2);
    let passes = v["passes"].as_array().unwrap();
    let names: Vec<&str> = passes.iter().map(|p| p["pass"].as_str().unwrap()).collect();
    assert_eq!(names.first(), Some(&"build"));
    assert_eq!(names.last(), Some(&"dce"));
    let exits = v["exits"].as_array().unwrap();
    assert!(!exits.is_empty());
    let exit_bci = |id: u64| {
        let e = exits.iter().find(|e| e["id"] == id).unwrap();
        e["frames"].as_array().unwrap().last().unwrap()["bci"].clone()
    };
    // The final pass: every instruction owning an exit deopts to that exit's bytecode.
    let last = passes.last().unwrap()["rows"].as_array().unwrap();
    let owned: Vec<u64> = last
        .iter()
        .flat_map(|r| {
            let bci = r["frames"]
                .as_array()
                .unwrap()
                .last()
                .map(|f| f["bci"].clone());
            r["exits"].as_array().unwrap().iter().map(move |e| {
                assert_eq!(bci, Some(exit_bci(e.as_u64().unwrap())), "{r}");
                e.as_u64().unwrap()
            })
        })
        .collect();
    assert_eq!(owned.len(), exits.len(), "each exit has its instruction");
    // Machine code: checks and cold blocks name their exit and its bytecode; the bytes
    // add up to the code's size.
    let code = v["code"].as_array().unwrap();
    let checks = code
        .iter()
        .filter(|i| i["exit"].is_u64() && i["text"].as_str().unwrap().starts_with('j'))
        .count();
    assert!(checks >= 5, "{checks} branches to exits");
    for i in code.iter().filter(|i| i["exit"].is_u64()) {
        assert_eq!(i["bci"], exit_bci(i["exit"].as_u64().unwrap()), "{i}");
        assert_eq!(i["exact"], true);
    }
    let size: usize = code
        .iter()
        .map(|i| i["bytes"].as_str().unwrap().len() / 2)
        .sum();
    assert_eq!(size as u64, v["size"].as_u64().unwrap());
}
