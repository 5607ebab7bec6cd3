//! The golden test harness: every `tests/som/**/*.som` program runs in every tier
//! configuration and its exit status, stdout and stderr are compared with the header
//! comment at the top of the file:
//!
//! ```text
//! "
//! status: 1
//! options: --max-heap 8M
//! gc-stress: skip
//! stdout:
//! 3
//! ...
//! stderr:
//! error: division by zero
//! ...
//! "
//! ```
//!
//! A `...` line matches any number of lines. Classes in `tests/som/support/` are helpers
//! that programs load with `options: -cp tests/som/support`. `SOM_BLESS=1` rewrites the headers from the
//! default configuration's output (stderr keeps its first line and `...`);
//! `SOM_GOLDEN_FILTER=text` runs only the files whose path contains `text`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The tier configurations every program runs in (the JIT tiers take the same flags).
const CONFIGS: &[(&str, &[&str])] = &[
    ("interpreter", &["--max-tier", "0"]),
    (
        "jit-at-first-call",
        &["--max-tier", "1", "--jit-threshold", "0"],
    ),
    ("default-tiering", &[]),
    ("gc-stress", &["--gc-stress", "--gc-verify"]),
    (
        "jit-gc-stress",
        &[
            "--gc-stress",
            "--gc-verify",
            "--max-tier",
            "1",
            "--jit-threshold",
            "0",
        ],
    ),
    (
        "jit-after-two-calls",
        &["--max-tier", "1", "--jit-threshold", "2"],
    ),
    (
        "tier2-at-first-call",
        &["--max-tier", "2", "--jit-threshold", "0"],
    ),
    (
        "tier2-deopt-stress",
        &["--max-tier", "2", "--jit-threshold", "0", "--deopt-stress"],
    ),
    (
        "tier2-after-two-calls",
        &[
            "--max-tier",
            "2",
            "--jit-threshold",
            "2",
            "--tier2-threshold",
            "4",
        ],
    ),
];
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Default, Clone)]
struct Expectation {
    status: i32,
    options: Vec<String>,
    gc_stress: bool,
    stdout: Vec<String>,
    stderr: Vec<String>,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn programs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            // Helper classes used by programs (via `options: -cp`) are not programs.
            if p.file_name().is_some_and(|n| n != "support") {
                programs(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "som") {
            out.push(p);
        }
    }
}

/// The header comment (text between the first pair of double quotes).
fn header(source: &str) -> Option<(usize, usize)> {
    let start = source.find('"')?;
    if !source[..start].trim().is_empty() {
        return None;
    }
    let end = start + 1 + source[start + 1..].find('"')?;
    Some((start, end))
}

fn parse_header(text: &str) -> Expectation {
    let mut e = Expectation {
        gc_stress: true,
        ..Expectation::default()
    };
    let mut section: Option<&mut Vec<String>> = None;
    for line in text.lines() {
        if line == "stdout:" {
            section = Some(&mut e.stdout);
        } else if line == "stderr:" {
            section = Some(&mut e.stderr);
        } else if let Some(s) = section.as_deref_mut() {
            s.push(line.to_string());
        } else if let Some(v) = line.strip_prefix("status:") {
            e.status = v.trim().parse().expect("status is a number");
        } else if let Some(v) = line.strip_prefix("options:") {
            e.options = v.split_whitespace().map(str::to_string).collect();
        } else if let Some(v) = line.strip_prefix("gc-stress:") {
            e.gc_stress = v.trim() != "skip";
        }
    }
    e
}

/// Whether `lines` match `pattern`, where a `...` line matches any number of lines.
fn matches(pattern: &[String], lines: &[&str]) -> bool {
    match pattern.split_first() {
        None => lines.is_empty(),
        Some((p, rest)) if p == "..." => (0..=lines.len()).any(|i| matches(rest, &lines[i..])),
        Some((p, rest)) => lines.first() == Some(&p.as_str()) && matches(rest, &lines[1..]),
    }
}

struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

fn run(file: &Path, args: &[&str], options: &[String]) -> Run {
    let rel = file.strip_prefix(repo_root()).unwrap_or(file);
    let mut child = Command::new(env!("CARGO_BIN_EXE_som"))
        .current_dir(repo_root())
        .args(args)
        .args(options)
        .arg(rel)
        .env_remove("SOM_GC_STRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn som");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let reader_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code();
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            timed_out = true;
            break child.wait().ok().and_then(|s| s.code());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        status,
        stdout: reader_out.join().unwrap(),
        stderr: reader_err.join().unwrap(),
        timed_out,
    }
}

fn check(file: &Path, expected: &Expectation, config: &str, args: &[&str]) -> Option<String> {
    let r = run(file, args, &expected.options);
    let out: Vec<&str> = r.stdout.lines().collect();
    let err: Vec<&str> = r.stderr.lines().collect();
    let mut problems = Vec::new();
    if r.timed_out {
        problems.push(format!("hung: killed after {TIMEOUT:?}"));
    }
    if r.status != Some(expected.status) {
        problems.push(format!(
            "status {:?}, expected {}",
            r.status, expected.status
        ));
    }
    if !matches(&expected.stdout, &out) {
        problems.push(format!(
            "stdout differs\n  expected:\n    {}\n  actual:\n    {}",
            expected.stdout.join("\n    "),
            out.join("\n    ")
        ));
    }
    if !matches(&expected.stderr, &err) {
        problems.push(format!(
            "stderr differs\n  expected:\n    {}\n  actual:\n    {}",
            expected.stderr.join("\n    "),
            err.join("\n    ")
        ));
    }
    (!problems.is_empty()).then(|| {
        format!(
            "{} [{config}]: {}",
            file.strip_prefix(repo_root()).unwrap_or(file).display(),
            problems.join("\n")
        )
    })
}

fn bless(file: &Path, source: &str, (start, end): (usize, usize), expected: &Expectation) {
    let r = run(file, &[], &expected.options);
    let mut h = String::from("\"\n");
    h.push_str(&format!("status: {}\n", r.status.unwrap_or(-1)));
    if !expected.options.is_empty() {
        h.push_str(&format!("options: {}\n", expected.options.join(" ")));
    }
    if !expected.gc_stress {
        h.push_str("gc-stress: skip\n");
    }
    h.push_str("stdout:\n");
    for l in r.stdout.lines() {
        h.push_str(l);
        h.push('\n');
    }
    h.push_str("stderr:\n");
    let mut err = r.stderr.lines();
    if let Some(first) = err.next() {
        h.push_str(first);
        h.push('\n');
        if err.next().is_some() {
            h.push_str("...\n");
        }
    }
    let new = format!("{}{}{}", &source[..start], h, &source[end..]);
    std::fs::write(file, new).expect("write blessed file");
}

#[test]
fn golden_programs_behave_as_their_headers_say_in_every_tier() {
    let mut files = Vec::new();
    programs(&repo_root().join("tests/som"), &mut files);
    files.sort();
    if let Ok(filter) = std::env::var("SOM_GOLDEN_FILTER") {
        files.retain(|f| f.to_string_lossy().contains(&filter));
    }
    assert!(!files.is_empty(), "no golden programs found");
    let blessing = std::env::var("SOM_BLESS").is_ok_and(|v| v == "1");
    let queue = Arc::new(Mutex::new(files.clone()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (queue, failures) = (queue.clone(), failures.clone());
            std::thread::spawn(move || loop {
                let Some(file) = queue.lock().unwrap().pop() else {
                    return;
                };
                let source = std::fs::read_to_string(&file).expect("read program");
                let Some(span) = header(&source) else {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{}: no header comment", file.display()));
                    continue;
                };
                let expected = parse_header(&source[span.0 + 1..span.1]);
                if blessing {
                    bless(&file, &source, span, &expected);
                    continue;
                }
                for (name, args) in CONFIGS {
                    if name.contains("gc-stress") && !expected.gc_stress {
                        continue;
                    }
                    if let Some(f) = check(&file, &expected, name, args) {
                        failures.lock().unwrap().push(f);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} golden programs failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn wildcard_lines_match_any_number_of_lines() {
    let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches(&p(&["a", "...", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&p(&["a", "..."]), &["a"]));
    assert!(!matches(&p(&["a", "d"]), &["a", "b", "d"]));
    assert!(matches(&p(&["..."]), &[]));
}
