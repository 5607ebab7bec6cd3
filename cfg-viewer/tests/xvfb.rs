//! The real window under Xvfb (`xvfb-run`, when installed: `apt-get install xvfb xauth
//! libgl1-mesa-dri`): som-inspect on a program run with tier 2 opens its window, draws
//! the tier-2 columns and saves a screenshot (a 1600x1000 PNG). Without `xvfb-run` the
//! test says so and checks nothing.

use std::process::Command;

#[test]
fn the_window_under_xvfb_saves_a_tier_two_screenshot() {
    let has_xvfb = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_xvfb {
        eprintln!("xvfb-run is not installed: no real window tested");
        return;
    }
    let dir = std::env::temp_dir().join(format!("som-inspect-xvfb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("tier2.png");
    let program =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/Deopts.som");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1920x1200x24"])
        .arg(env!("CARGO_BIN_EXE_som-inspect"))
        .args(["--max-tier", "2", "--jit-threshold", "0"])
        .args([
            "--method",
            "Deopts>>sumSquares:",
            "--select-line",
            "10",
            "--screenshot",
        ])
        .arg(&png)
        .arg(&program)
        .output()
        .expect("runs xvfb-run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("screenshot"), "{stderr}");
    let bytes = std::fs::read(&png).expect("the screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h) = (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (1600, 1000));
    let _ = std::fs::remove_dir_all(&dir);
}
