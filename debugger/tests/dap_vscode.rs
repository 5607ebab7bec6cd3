//! The editor side of `som-dbg dap`, with Node.js: the end-to-end DAP session driven by
//! `@vscode/debugadapter-testsupport`'s DebugClient (`editors/vscode/test/dap.test.js`:
//! launch, breakpoints, continue, stepBack, reverseContinue, data breakpoints
//! backwards, evaluate, logpoints, custom requests, bad launches answered with errors)
//! and the VS Code extension packaged as a `.vsix` with `@vscode/vsce`. The npm
//! packages come from `npm ci` (run here when missing; `.ci/run` runs it first).
//! Without node these tests are skipped locally and FAIL under CI=true.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn extension_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode")
}

fn tool_works(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether node, npm and the extension's npm packages are there (installs them once).
/// Under CI=true a missing tool fails the test instead of skipping it.
fn node_ready() -> bool {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        if !tool_works("node") || !tool_works("npm") {
            return Err("node and npm are not installed".into());
        }
        let dir = extension_dir();
        if dir
            .join("node_modules/@vscode/debugadapter-testsupport")
            .is_dir()
            && dir.join("node_modules/@vscode/vsce").is_dir()
        {
            return Ok(());
        }
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run npm ci: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "npm ci failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    });
    match ready {
        Ok(()) => true,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{why}: CI must install Node.js and run npm ci in editors/vscode (.ci/run)")
        }
        Err(why) => {
            eprintln!("SKIPPED: {why}; the DAP client test and the .vsix packaging did not run");
            false
        }
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-dbg-dap-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_debug_client_session_breaks_steps_back_reverse_continues_and_logs() {
    if !node_ready() {
        return;
    }
    let transcript = temp_dir("client").join("transcript.txt");
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/Counter.som");
    let out = Command::new("node")
        .arg("test/dap.test.js")
        .current_dir(extension_dir())
        .env("SOM_DBG", env!("CARGO_BIN_EXE_som-dbg"))
        .env("PROGRAM", &program)
        .env("DAP_TRANSCRIPT", &transcript)
        .stdin(Stdio::null())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = std::fs::read_to_string(&transcript).unwrap_or_default();
    assert!(
        out.status.success(),
        "the DAP session failed\n{stdout}\n{stderr}\ntranscript:\n{log}"
    );
    assert!(
        stdout.contains("session:") && stdout.contains(": ok"),
        "{stdout}"
    );
    // The transcript has both directions, and the adapter numbered its messages.
    assert!(log.contains("-> {\"command\":\"stepBack\""), "{log}");
    assert!(log.contains("\"reason\":\"data breakpoint\""), "{log}");
}

#[test]
fn the_extension_packages_as_a_vsix_with_the_som_debug_type_and_grammar() {
    if !node_ready() {
        return;
    }
    let dir = extension_dir();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap())
            .expect("package.json is JSON");
    let debugger = &manifest["contributes"]["debuggers"][0];
    assert_eq!(debugger["type"], "som");
    assert!(debugger["configurationSnippets"].as_array().unwrap().len() >= 2);
    let launch = &debugger["configurationAttributes"]["launch"]["properties"];
    for attribute in ["program", "args", "classpath", "stopOnEntry", "trace"] {
        assert!(
            launch.get(attribute).is_some(),
            "launch attribute {attribute}"
        );
    }
    let grammar = &manifest["contributes"]["grammars"][0];
    let grammar_file = dir.join(grammar["path"].as_str().unwrap());
    let grammar_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&grammar_file).unwrap())
            .expect("the grammar is JSON");
    assert_eq!(grammar_json["scopeName"], grammar["scopeName"]);

    let vsix = temp_dir("vsix").join("som-debug.vsix");
    let _ = std::fs::remove_file(&vsix);
    let out = Command::new("node")
        .arg("node_modules/@vscode/vsce/vsce")
        .args(["package", "--allow-missing-repository", "--out"])
        .arg(&vsix)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("run vsce");
    assert!(
        out.status.success(),
        "vsce package failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&vsix).expect("the .vsix was written");
    assert_eq!(&bytes[..4], b"PK\x03\x04", "a .vsix is a zip file");
    let has = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    for entry in [
        "extension/package.json",
        "extension/extension.js",
        "extension/syntaxes/som.tmLanguage.json",
        "extension/language-configuration.json",
        "extension.vsixmanifest",
    ] {
        assert!(has(entry), "the .vsix holds {entry}");
    }
    assert!(!has("extension/node_modules/"), "dev dependencies stay out");
}
