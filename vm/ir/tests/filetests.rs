//! The filetest runner: every `filetests/*.sir` file holds IR in the text form, a
//! `; test:` line saying what to do with it, and the expected result either as
//! `; check:` / `; not:` lines or as a whole `; output:` section at the end of the file
//! (re-blessed with `SOM_BLESS=1`).
//!
//! Kinds: `passes P1 P2 ...` (the IR after each named pass), `pipeline` (after each pass
//! of the default pipeline), `verify` (`ok` or the verifier's error), `parse-error`,
//! `inline vN %callee keep|return|jump bN` (splice the callee at the call defining vN in
//! the first function, then the IR), `lower` (the deopt table and the helpers called;
//! `; passes:` names passes to run first).

use som_ir::lower::{Backend, LowerConfig};
use som_ir::passes::inline::{inline_call, NonLocalReturn};
use som_ir::passes::{run_pipeline, Pass, PipelineOptions, DEFAULT_PIPELINE};
use som_ir::{parse_function, parse_functions, verify, Block, Function, Value};
use std::path::{Path, PathBuf};

const OUTPUT_MARK: &str = "; output:";

fn filetests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("filetests")
}

/// The IR part of a file, its directives and its expected output section.
struct FileTest {
    input: String,
    test: Vec<String>,
    passes: Vec<String>,
    checks: Vec<(String, String)>,
    expected: Option<String>,
}

fn split(text: &str) -> FileTest {
    let (input, expected) = match text.find(&format!("\n{OUTPUT_MARK}")) {
        Some(at) => {
            let out = &text[at + 1 + OUTPUT_MARK.len()..];
            let lines: Vec<&str> = out
                .lines()
                .skip(1)
                .map(|l| {
                    l.strip_prefix("; ")
                        .unwrap_or(l.strip_prefix(';').unwrap_or(l))
                })
                .collect();
            (text[..at + 1].to_string(), Some(lines.join("\n") + "\n"))
        }
        None => (text.to_string(), None),
    };
    let mut t = FileTest {
        input,
        test: vec![],
        passes: vec![],
        checks: vec![],
        expected,
    };
    for line in t.input.lines() {
        let Some(rest) = line.strip_prefix("; ") else {
            continue;
        };
        let Some((key, value)) = rest.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match key {
            "test" => t.test = value.split_whitespace().map(String::from).collect(),
            "passes" => t.passes = value.split_whitespace().map(String::from).collect(),
            "check" | "not" | "nextln" => t.checks.push((key.to_string(), value)),
            _ => {}
        }
    }
    t
}

fn passes_named(names: &[String]) -> Result<Vec<Pass>, String> {
    names
        .iter()
        .map(|n| Pass::from_name(n).ok_or_else(|| format!("unknown pass `{n}`")))
        .collect()
}

fn dumps(func: &mut Function, passes: &[Pass]) -> Result<String, String> {
    let dumps = run_pipeline(
        func,
        passes,
        PipelineOptions {
            verify: true,
            print: true,
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(dumps
        .iter()
        .map(|d| format!("after {}:\n{}", d.pass, d.text))
        .collect::<Vec<_>>()
        .join("\n"))
}

fn run_test(t: &FileTest) -> Result<String, String> {
    let kind = t.test.first().map(String::as_str).unwrap_or("");
    let extra = passes_named(&t.passes)?;
    match kind {
        "parse-error" => match parse_functions(&t.input) {
            Ok(_) => Err("expected a parse error".into()),
            Err(e) => Ok(format!("{e}\n")),
        },
        "verify" => {
            let f = parse_function(&t.input).map_err(|e| e.to_string())?;
            Ok(verify(&f).map_or_else(|e| format!("{e}\n"), |_| "ok\n".into()))
        }
        "passes" => dumps(
            &mut parse_function(&t.input).map_err(|e| e.to_string())?,
            &passes_named(&t.test[1..])?,
        ),
        "pipeline" => dumps(
            &mut parse_function(&t.input).map_err(|e| e.to_string())?,
            &DEFAULT_PIPELINE,
        ),
        "inline" => inline(t, &extra),
        "lower" => {
            let mut f = parse_function(&t.input).map_err(|e| e.to_string())?;
            run_pipeline(
                &mut f,
                &extra,
                PipelineOptions {
                    verify: true,
                    print: false,
                },
            )
            .map_err(|e| e.to_string())?;
            let cfg = LowerConfig {
                verify: true,
                ..LowerConfig::default()
            };
            let c = Backend::new(cfg)
                .and_then(|b| b.compile(&f))
                .map_err(|e| e.to_string())?;
            let mut helpers: Vec<u32> = c.relocs.iter().map(|r| r.helper).collect();
            helpers.sort();
            helpers.dedup();
            let mut out: String = c.deopts.iter().map(|d| d.to_string()).collect();
            out.push_str(&format!("helpers {helpers:?}\n"));
            Ok(out)
        }
        other => Err(format!("unknown test kind `{other}`")),
    }
}

fn inline(t: &FileTest, extra: &[Pass]) -> Result<String, String> {
    let [_, value, callee, mode, rest @ ..] = t.test.as_slice() else {
        return Err("inline needs: vN %callee keep|return|jump bN".into());
    };
    let mut funcs = parse_functions(&t.input).map_err(|e| e.to_string())?;
    let callee_name = callee.trim_start_matches('%');
    let callee = funcs
        .iter()
        .find(|f| f.name == callee_name)
        .cloned()
        .ok_or("no such callee")?;
    let caller = &mut funcs[0];
    let n: u32 = value
        .trim_start_matches('v')
        .parse()
        .map_err(|_| "bad value")?;
    let call = caller
        .layout_insts()
        .into_iter()
        .find(|&i| caller.result(i) == Some(Value::from_u32(n)))
        .ok_or("no call defines that value")?;
    let nlr = match (mode.as_str(), rest) {
        ("keep", _) => NonLocalReturn::Keep,
        ("return", _) => NonLocalReturn::Return,
        ("jump", [b, ..]) => NonLocalReturn::JumpTo(Block::from_u32(
            b.trim_start_matches('b').parse().map_err(|_| "bad block")?,
        )),
        _ => return Err(format!("unknown non-local return mode `{mode}`")),
    };
    inline_call(caller, call, &callee, nlr).map_err(|e| e.to_string())?;
    verify(caller).map_err(|e| e.to_string())?;
    let mut out = format!("after inline:\n{caller}");
    if !extra.is_empty() {
        out.push('\n');
        out.push_str(&dumps(caller, extra)?);
    }
    Ok(out)
}

fn check(t: &FileTest, actual: &str) -> Result<(), String> {
    let lines: Vec<&str> = actual.lines().collect();
    let mut at = 0;
    for (kind, pat) in &t.checks {
        match kind.as_str() {
            "not" if actual.contains(pat.as_str()) => return Err(format!("`{pat}` appears")),
            "not" => {}
            "nextln" if lines.get(at).is_some_and(|l| l.contains(pat.as_str())) => at += 1,
            "nextln" => return Err(format!("next line is not `{pat}`")),
            _ => match lines[at..].iter().position(|l| l.contains(pat.as_str())) {
                Some(p) => at += p + 1,
                None => return Err(format!("`{pat}` not found (in order)")),
            },
        }
    }
    Ok(())
}

fn bless(path: &Path, t: &FileTest, actual: &str) {
    let mut text = t.input.trim_end().to_string();
    text.push_str(&format!("\n\n{OUTPUT_MARK}\n"));
    for l in actual.lines() {
        text.push_str(if l.is_empty() { ";" } else { "; " });
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(path, text).expect("write blessed filetest");
}

#[test]
fn filetests_match_their_expected_output() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(filetests_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sir"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "filetests missing: {files:?}");
    let blessing = std::env::var("SOM_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for path in &files {
        let t = split(&std::fs::read_to_string(path).unwrap());
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let actual = match run_test(&t) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if !t.checks.is_empty() {
            if let Err(e) = check(&t, &actual) {
                failures.push(format!("{name}: {e}\n--- output:\n{actual}"));
            }
        } else if t.expected.as_deref() != Some(actual.as_str()) {
            if blessing {
                bless(path, &t, &actual);
            } else {
                failures.push(format!("{name}: output differs (SOM_BLESS=1 re-blesses)\n--- expected:\n{}\n--- actual:\n{actual}", t.expected.as_deref().unwrap_or("(none)")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} filetests failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_check_that_does_not_match_fails() {
    let t = split("; test: verify\n; check: nothing like this\n");
    assert!(check(&t, "ok\n").is_err());
    let t = split("; test: verify\n; not: ok\n");
    assert!(check(&t, "ok\n").is_err());
}
