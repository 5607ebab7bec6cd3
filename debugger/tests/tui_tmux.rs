//! The real `som-dbg` binary in a real terminal: tmux on a private socket runs
//! `som-dbg replay`, the test types keys with send-keys and reads the screen with
//! capture-pane, waiting (with a timeout) for each expected text. The tmux server is
//! killed at the end, also when the test fails. Skipped, with a message, only when
//! tmux is not installed.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(15);

/// A tmux server on its own socket, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "dbg"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends text literally (no key names).
    fn type_text(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", "dbg", "-l", text]);
        assert!(out.status.success(), "send-keys: {out:?}");
    }

    /// Sends one named key (`Enter`, `Escape`, ...).
    fn key(&self, name: &str) {
        let out = self.run(&["send-keys", "-t", "dbg", name]);
        assert!(out.status.success(), "send-keys: {out:?}");
    }

    /// Waits until the screen satisfies `ok`; answers the screen.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if started.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("'{text}'"), |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_installed() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn breakpoint_continue_reverse_step_print_and_quit_in_a_real_terminal() {
    if !tmux_installed() {
        // Under CI (and scripts/test, which installs it) a missing tmux is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is not installed: CI must install it (scripts/test does)"
        );
        eprintln!("SKIPPED: tmux is not installed, so the TUI is not tested in a terminal");
        return;
    }
    let trace = support::record_program("Counter");
    let status = trace.with_file_name("status");
    // After som-dbg exits, the shell shows whether the terminal is back in cooked
    // mode (icanon, not -icanon) on the main screen.
    let command = format!(
        "{} replay {}; echo \"exit=$?\" > {}; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-*icanon'; echo RESTORED; sleep 60",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_som-dbg"))),
        shell_quote(&trace),
        shell_quote(&status)
    );
    let tmux = Tmux {
        socket: format!("som-dbg-test-{}", std::process::id()),
    };
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "dbg",
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    assert!(out.status.success(), "tmux new-session: {out:?}");
    tmux.wait_text("Timeline: clock 0 of");

    tmux.type_text(":break Counter>>bump:");
    tmux.key("Enter");
    tmux.wait_text("breakpoint 1 at Counter>>bump:");
    tmux.type_text("c");
    let screen = tmux.wait_text("> #0 Counter>>bump:");
    assert!(screen.contains("#1 Counter>>run"), "{screen}");
    assert!(
        screen.contains("▶17         count := count + n."),
        "{screen}"
    );

    tmux.type_text("S");
    let screen = tmux.wait_text("reverse-step: Counter>>run");
    assert!(screen.contains("> #0 Counter>>run"), "{screen}");

    tmux.type_text(":print count + 41");
    tmux.key("Enter");
    tmux.wait_text("count + 41 = 41");

    tmux.type_text("q");
    tmux.wait_for("som-dbg to exit", |_| {
        std::fs::read_to_string(&status).is_ok_and(|s| s.contains("exit="))
    });
    assert_eq!(std::fs::read_to_string(&status).unwrap().trim(), "exit=0");
    let screen = tmux.wait_text("RESTORED");
    assert!(
        !screen.contains("Timeline:"),
        "left the alternate screen:\n{screen}"
    );
    assert!(
        screen.lines().any(|l| l.trim() == "icanon"),
        "raw mode is off:\n{screen}"
    );
}
