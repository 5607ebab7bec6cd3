//! Tidy checks over the workspace: every Rust file opens with a `//!` comment saying
//! what it owns, files stay reasonably small, and the crate dependency rules of
//! ARCHITECTURE.md hold (the VM depends on no other workspace crate; tools reach the
//! VM only through `som_vm::introspect`).

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() && name != "target" && !name.starts_with('.') {
            rust_files(&p, out);
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_module_doc_comment() {
    let mut files = Vec::new();
    rust_files(&workspace(), &mut files);
    assert!(files.len() > 20);
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a //! doc: {missing:?}");
}

#[test]
fn source_files_stay_small() {
    let mut files = Vec::new();
    rust_files(&workspace(), &mut files);
    let big: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).ok()?.lines().count();
            (lines > 700).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(big.is_empty(), "files over 700 lines: {big:?}");
}

#[test]
fn the_vm_depends_on_no_other_workspace_crate() {
    let manifest = std::fs::read_to_string(workspace().join("vm/Cargo.toml")).unwrap();
    for other in [
        "som-benches",
        "som-debugger",
        "som-profiler",
        "som-cfg-viewer",
        "som-asm-browser",
        "som-regress-bot",
    ] {
        assert!(
            !manifest.contains(other),
            "som-vm must not depend on {other}"
        );
    }
    let benches = std::fs::read_to_string(workspace().join("benches/Cargo.toml")).unwrap();
    assert!(
        !benches.contains("som-vm"),
        "som-bench drives the som binary; it must not link the VM"
    );
}

#[test]
fn tools_use_the_vm_only_through_introspect() {
    let mut offenders = Vec::new();
    for tool in [
        "debugger",
        "profiler",
        "cfg-viewer",
        "asm-browser",
        "regress-bot",
        "benches",
    ] {
        let mut files = Vec::new();
        rust_files(&workspace().join(tool), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let mut rest = line;
                while let Some(at) = rest.find("som_vm::") {
                    let after = &rest[at + "som_vm::".len()..];
                    if !after.starts_with("introspect") {
                        offenders.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                    }
                    rest = after;
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "tools must use som_vm::introspect only: {offenders:#?}"
    );
}

/// Architecture invariant: the introspection API is a facade over the VM; nothing inside
/// the VM imports it (so the seam is not part of an import cycle).
#[test]
fn nothing_inside_the_vm_imports_the_introspection_api() {
    let src = workspace().join("vm/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut offenders = Vec::new();
    for f in files {
        if f.starts_with(src.join("introspect")) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("introspect::") || code.contains("use crate::introspect") {
                offenders.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the VM must not import introspect: {offenders:#?}"
    );
}

/// The VM's `unsafe` lives in named modules, each for one reason; a new file with
/// `unsafe` must be added here (and to ARCHITECTURE.md's list) deliberately.
const UNSAFE_MODULES: &[&str] = &[
    "vm/src/runtime/stack.rs",
    "vm/src/object/slots.rs",
    "vm/src/object/os_pages.rs",
    "vm/src/gc/prefetch.rs",
    "vm/src/object/layout.rs",
    "vm/src/tier0/mod.rs",
    "vm/src/observe/sampling.rs",
    "vm/src/observe/sampling/tests.rs",
    "vm/src/native/debuginfo/ffi.rs",
    "vm/src/native/context.rs",
    "vm/src/native/mod.rs",
    "vm/src/native/code_cache.rs",
    "vm/src/tier1/runtime.rs",
    "vm/src/tier1/prim_calls.rs",
    "vm/src/tier2/run.rs",
];

#[test]
fn unsafe_code_lives_only_in_the_named_modules() {
    let root = workspace();
    let mut files = Vec::new();
    rust_files(&root.join("vm/src"), &mut files);
    let mut offenders = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let uses_unsafe = text.lines().any(|l| {
            let code = l.split("//").next().unwrap_or("");
            code.contains("unsafe ") || code.contains("unsafe{")
        });
        if uses_unsafe && !UNSAFE_MODULES.contains(&rel.as_str()) {
            offenders.push(rel);
        }
    }
    assert!(
        offenders.is_empty(),
        "unsafe outside the named modules: {offenders:?}"
    );
}
