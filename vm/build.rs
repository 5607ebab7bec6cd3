//! Embeds the core library: every `core-lib/*.som` file becomes an entry of the table
//! `CORE_LIB` (class name, source) included by `loader.rs`.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new("core-lib");
    println!("cargo:rerun-if-changed=core-lib");
    let mut entries: Vec<String> = Vec::new();
    if let Ok(read) = std::fs::read_dir(dir) {
        for entry in read.flatten() {
            let path = entry.path();
            println!("cargo:rerun-if-changed={}", path.display());
            if path.extension().and_then(|e| e.to_str()) == Some("som") {
                if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                    entries.push(stem.to_string());
                }
            }
        }
    }
    entries.sort();
    let mut out = String::from("/// The embedded core library: (class name, source).\n");
    out.push_str("pub(crate) static CORE_LIB: &[(&str, &str)] = &[\n");
    for name in &entries {
        let abs = std::fs::canonicalize(dir.join(format!("{name}.som"))).expect("core-lib file");
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("core_lib.rs"), out).expect("write core_lib.rs");
}
