//! Shared by the integration tests: the workspace's release `som` (built on demand) and
//! the `som-regress` binary under test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("regress-bot lives in the workspace")
        .to_path_buf()
}

/// The release `som` of this workspace, built with `cargo build --release -p som-vm` when
/// it is missing.
pub fn som() -> PathBuf {
    static SOM: OnceLock<PathBuf> = OnceLock::new();
    SOM.get_or_init(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target"));
        let som = target.join("release/som");
        if !som.exists() {
            let status = Command::new(env!("CARGO"))
                .args(["build", "--release", "-p", "som-vm"])
                .current_dir(workspace())
                .status()
                .expect("run cargo");
            assert!(status.success(), "cargo build --release -p som-vm failed");
        }
        som
    })
    .clone()
}

pub fn som_regress() -> Command {
    Command::new(env!("CARGO_BIN_EXE_som-regress"))
}

/// A fresh empty directory under the system temp directory.
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-regress-test-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}
