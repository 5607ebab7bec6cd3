//! Golden tests for the bytecode compiler: `som --disassemble Class` output for each
//! `tests/bytecode/*.som` is compared with the `.bc` file beside it. `SOM_BLESS=1`
//! rewrites the expected files (review the diff).

use std::path::{Path, PathBuf};
use std::process::Command;

fn golden_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bytecode");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bytecode")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "som"))
        .collect();
    files.sort();
    files
}

fn disassemble(file: &Path) -> String {
    let class = file.file_stem().unwrap().to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(file.parent().unwrap())
        .args([
            "--disassemble",
            class,
            file.file_name().unwrap().to_str().unwrap(),
        ])
        .output()
        .expect("run som");
    assert!(
        out.status.success(),
        "som --disassemble {class} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn disassembly_matches_golden_files() {
    let bless = std::env::var("SOM_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for file in golden_files() {
        let actual = disassemble(&file);
        let expected_path = file.with_extension("bc");
        if bless {
            std::fs::write(&expected_path, &actual).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{}: disassembly differs (re-bless with SOM_BLESS=1)\n--- expected\n{expected}\n--- actual\n{actual}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
